// The retry policy: 429/502/503/504 and connection failures are retried with exponential backoff
// and jitter; other 4xx never are. Time is a fake clock, so nothing sleeps.
#include <es_client/retrying_transport.hpp>

#include "support/fake_clock.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <variant>

using namespace esmend::es_client;
using namespace std::chrono_literals;

namespace {

using esmend::test::FakeClock;

// Answers with a scripted sequence of statuses or transport errors.
class ScriptedTransport final : public Transport {
public:
    using Step = std::variant<int, Error>;
    explicit ScriptedTransport(std::deque<Step> steps) : m_steps(std::move(steps)) {}
    Result<HttpResponse> perform(const HttpRequest&) override {
        ++calls;
        if (m_steps.empty())
            return std::unexpected(make_error(ErrorKind::state, "script exhausted"));
        auto step = m_steps.front();
        m_steps.pop_front();
        if (auto* e = std::get_if<Error>(&step))
            return std::unexpected(*e);
        HttpResponse r;
        r.status = std::get<int>(step);
        if (r.status == 429 && retry_after)
            r.headers.push_back({"Retry-After", *retry_after});
        return r;
    }
    int calls = 0;
    std::optional<std::string> retry_after;

private:
    std::deque<Step> m_steps;
};

Error refused() {
    auto e = make_error(ErrorKind::transport, "cannot connect to http://127.0.0.1:1: refused");
    e.retryable = true;
    return e;
}

RetryOptions options(int attempts = 4) {
    RetryOptions o;
    o.max_attempts = attempts;
    o.initial_backoff = 100ms;
    o.max_backoff = 1000ms;
    return o;
}

} // namespace

TEST(RetryingTransport, RetriesOn503ThenSucceeds) {
    auto inner =
        std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{503, 503, 200});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 0.0; });
    auto r = t.perform({});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->attempts, 3);
    EXPECT_EQ(inner->calls, 3);
    // Backed off twice, exponentially: jitter 0 gives the lower half of each cap (100, 200).
    EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{50ms, 100ms}));
}

TEST(RetryingTransport, DoesNotRetry400) {
    auto inner = std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{400, 200});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 0.5; });
    auto r = t.perform({});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(inner->calls, 1);
    EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RetryingTransport, NeverRetriesOtherClientErrors) {
    for (int status : {401, 403, 404, 409, 413}) {
        auto inner =
            std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{status, 200});
        FakeClock clock;
        RetryingTransport t(inner, options(), clock, [] { return 0.5; });
        EXPECT_EQ(t.perform({})->status, status);
        EXPECT_EQ(inner->calls, 1) << status;
    }
}

TEST(RetryingTransport, RetriesEachRetryableStatus) {
    for (int status : {429, 502, 503, 504}) {
        auto inner =
            std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{status, 201});
        FakeClock clock;
        RetryingTransport t(inner, options(), clock, [] { return 0.5; });
        EXPECT_EQ(t.perform({})->status, 201) << status;
        EXPECT_EQ(inner->calls, 2) << status;
    }
}

TEST(RetryingTransport, RetriesConnectionFailures) {
    auto inner = std::make_shared<ScriptedTransport>(
        std::deque<ScriptedTransport::Step>{refused(), refused(), 200});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 1.0; });
    auto r = t.perform({});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    // Jitter 1 gives the full cap: 100, then 200.
    EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{100ms, 200ms}));
}

TEST(RetryingTransport, DoesNotRetryNonRetryableErrors) {
    auto tls = make_error(ErrorKind::transport, "TLS failure");
    auto inner = std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{tls, 200});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 0.5; });
    auto r = t.perform({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().attempts, 1);
    EXPECT_EQ(inner->calls, 1);
}

TEST(RetryingTransport, GivesUpAfterMaxAttemptsWithLastResponse) {
    auto inner = std::make_shared<ScriptedTransport>(
        std::deque<ScriptedTransport::Step>{503, 503, 503, 503, 200});
    FakeClock clock;
    RetryingTransport t(inner, options(4), clock, [] { return 0.0; });
    auto r = t.perform({});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->attempts, 4);
    EXPECT_EQ(inner->calls, 4);
    EXPECT_EQ(clock.sleeps.size(), 3u);
}

TEST(RetryingTransport, GivesUpOnConnectionFailureWithAttemptCount) {
    auto inner = std::make_shared<ScriptedTransport>(
        std::deque<ScriptedTransport::Step>{refused(), refused()});
    FakeClock clock;
    RetryingTransport t(inner, options(2), clock, [] { return 0.0; });
    auto r = t.perform({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().attempts, 2);
    EXPECT_EQ(r.error().kind, ErrorKind::transport);
}

TEST(RetryingTransport, BackoffIsCappedByMaxBackoff) {
    auto inner = std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 1.0; });
    EXPECT_EQ(t.backoff(1, 1.0, 0ms), 100ms);
    EXPECT_EQ(t.backoff(4, 1.0, 0ms), 800ms);
    EXPECT_EQ(t.backoff(5, 1.0, 0ms), 1000ms);
    EXPECT_EQ(t.backoff(30, 1.0, 0ms), 1000ms);
    EXPECT_EQ(t.backoff(30, 0.0, 0ms), 500ms);
}

TEST(RetryingTransport, HonoursRetryAfterUpToMaxBackoff) {
    auto inner = std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{429, 200});
    inner->retry_after = "1";
    FakeClock clock;
    RetryOptions o = options();
    o.max_backoff = 5000ms;
    RetryingTransport t(inner, o, clock, [] { return 0.0; });
    ASSERT_EQ(t.perform({})->status, 200);
    EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{1000ms}));
}

TEST(RetryingTransport, RequestsMarkedRetryNoAreSentOnce) {
    auto inner = std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{503, 200});
    FakeClock clock;
    RetryingTransport t(inner, options(), clock, [] { return 0.0; });
    HttpRequest request;
    request.retry = Retry::no;
    EXPECT_EQ(t.perform(request)->status, 503);
    EXPECT_EQ(inner->calls, 1);
}

TEST(RetryingTransport, CancellationDuringBackoffStopsRetrying) {
    auto inner =
        std::make_shared<ScriptedTransport>(std::deque<ScriptedTransport::Step>{503, 503, 200});
    FakeClock clock;
    clock.cancel_after_sleeps = 1;
    Cancellation cancel;
    RetryingTransport t(
        inner, options(), clock, [] { return 0.0; }, &cancel);
    auto r = t.perform({});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::cancelled);
    EXPECT_EQ(inner->calls, 1);
}
