#pragma once
// Fetches many URLs at once on one thread (curl multi), reusing each target's connection from one
// round to the next: polling a thousand targets needs no thread per target. Generic: it knows
// nothing about what it fetches.

#include <es_client/auth.hpp>
#include <es_client/clock.hpp>
#include <es_client/curl_transport.hpp>
#include <es_client/url.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace esmend::es_client {

struct PollTarget {
    BaseUrl base;
    std::string path = "/";
    Credentials credentials;
    TlsOptions tls;
    std::chrono::milliseconds timeout{5000};
};

struct PollOutcome {
    Result<HttpResponse> response;
    std::chrono::microseconds elapsed{0};
};

class HttpPoller {
public:
    [[nodiscard]] static Result<std::unique_ptr<HttpPoller>>
    create(std::vector<PollTarget> targets);
    ~HttpPoller();
    HttpPoller(const HttpPoller&) = delete;
    HttpPoller& operator=(const HttpPoller&) = delete;

    // GETs every target concurrently and returns one outcome per target, in target order. A
    // requested cancellation ends the round early; unfinished targets report `cancelled`.
    [[nodiscard]] std::vector<PollOutcome> poll_all(const Cancellation* cancel = nullptr);
    [[nodiscard]] std::size_t size() const { return m_targets.size(); }
    [[nodiscard]] const PollTarget& target(std::size_t i) const { return m_targets[i]; }

private:
    struct State;
    explicit HttpPoller(std::vector<PollTarget> targets);
    std::vector<PollTarget> m_targets;
    std::unique_ptr<State> m_state;
};

} // namespace esmend::es_client
