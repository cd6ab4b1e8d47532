// The step engine: observe, decide, act, verify by observing again; dry run records and moves on.
#include <playbooks/executors.hpp>
#include <playbooks/step_engine.hpp>

#include "support/fake_clock.hpp"

#include <gtest/gtest.h>

using namespace esmend;
using namespace esmend::playbooks;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A cluster of one counter: "bump" actions add one; the executor applies them when live.
struct Counter {
    int value = 0;
    int observations = 0;
};

class CounterExecutor final : public Executor {
public:
    explicit CounterExecutor(Counter& c) : m_counter(c) {}
    es_client::Result<json> execute(const Action& action) override {
        executed.push_back(action.summary);
        if (action.path == "/fail")
            return std::unexpected(es_client::make_error(ErrorKind::es, "refused"));
        ++m_counter.value;
        return json{{"value", m_counter.value}};
    }
    bool applies_changes() const override { return true; }
    std::vector<std::string> executed;

private:
    Counter& m_counter;
};

Action bump(std::string summary, std::string capture = {}) {
    return Action{Service::elasticsearch, Method::post,       "/bump",
                  std::nullopt,           std::move(summary), std::move(capture)};
}

// Wants the counter at `target`: acts with one bump per round until it observes it there.
Step reach(Counter& counter, int target) {
    return Step{"reach " + std::to_string(target),
                [&counter](const json&) -> es_client::Result<json> {
                    ++counter.observations;
                    return json{{"value", counter.value}};
                },
                [target](const json&, const json& observed) {
                    const int v = observed["value"].get<int>();
                    if (v >= target)
                        return Decision::done("at " + std::to_string(v), json{{"seen", v}});
                    return Decision::act({bump("bump to " + std::to_string(v + 1))}, "bumping",
                                         json{{"seen", v}});
                }};
}

// Each test gets a counter cluster, its live executor, a fake clock and a cancellation flag.
class StepEngine : public ::testing::Test {
protected:
    Counter counter;
    CounterExecutor executor{counter};
    test::FakeClock clock;
    es_client::Cancellation cancel;
};

} // namespace

TEST_F(StepEngine, ActsThenVerifiesByObservingAgain) {
    const std::vector<Step> steps{reach(counter, 2)};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(counter.value, 2);
    EXPECT_EQ(counter.observations, 3); // saw 0, acted; saw 1, acted; saw 2, done
    ASSERT_EQ(report.steps.size(), 1U);
    EXPECT_EQ(report.steps[0].actions.size(), 2U);
    EXPECT_EQ(report.steps[0].facts["seen"], 0); // the first round's findings
    EXPECT_EQ(report.steps[0].message, "at 2");
    EXPECT_TRUE(report.changed());
}

TEST_F(StepEngine, NothingToDoIsNotAChange) {
    counter.value = 5;
    const std::vector<Step> steps{reach(counter, 2)};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_FALSE(report.changed());
    EXPECT_TRUE(executor.executed.empty());
}

TEST_F(StepEngine, DryRunRecordsTheActionsAndMovesOnWithoutObservingAgain) {
    PlanExecutor plan;
    const std::vector<Step> steps{reach(counter, 3), reach(counter, 1)};
    const auto report = run_steps(steps, plan, json::object(), clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(counter.value, 0);        // nothing changed
    EXPECT_EQ(counter.observations, 2); // each step observed once
    ASSERT_EQ(plan.recorded().size(), 2U);
    EXPECT_EQ(plan.recorded()[0].summary, "bump to 1");
    EXPECT_EQ(plan.recorded()[1].summary, "bump to 1");
    EXPECT_TRUE(report.changed()); // a plan with actions is a plan to change
}

TEST_F(StepEngine, AFailedActionStopsTheRunAndKeepsWhatRan) {
    const Step failing{
        "fails", [](const json&) -> es_client::Result<json> { return json{}; },
        [](const json&, const json&) {
            return Decision::act(
                {Action{Service::elasticsearch, Method::put, "/fail", std::nullopt, "doomed", {}},
                 bump("never sent")});
        }};
    const std::vector<Step> steps{reach(counter, 1), failing, reach(counter, 5)};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->message, "refused");
    EXPECT_EQ(report.steps.size(), 2U); // the third step never started
    EXPECT_EQ(executor.executed, (std::vector<std::string>{"bump to 1", "doomed"}));
    EXPECT_EQ(counter.value, 1);
}

TEST_F(StepEngine, AFailDecisionCarriesItsErrorAndFacts) {
    const Step refusing{"refuses", [](const json&) -> es_client::Result<json> { return json{}; },
                        [](const json&, const json&) {
                            return Decision::fail(
                                es_client::make_error(ErrorKind::conflict, "not ours"),
                                json{{"why", "fleet"}});
                        }};
    const std::vector<Step> steps{refusing};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->kind, ErrorKind::conflict);
    EXPECT_EQ(report.steps[0].facts["why"], "fleet");
    EXPECT_TRUE(executor.executed.empty());
}

TEST_F(StepEngine, AnObserveErrorStopsTheRun) {
    const Step blind{"blind",
                     [](const json&) -> es_client::Result<json> {
                         return std::unexpected(
                             es_client::make_error(ErrorKind::transport, "connection refused"));
                     },
                     [](const json&, const json&) { return Decision::done(); }};
    const std::vector<Step> steps{blind};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->kind, ErrorKind::transport);
}

TEST_F(StepEngine, WaitSleepsOnTheInjectedClockThenObservesAgain) {
    int polls = 0;
    std::vector<std::string> waits;
    std::vector<std::int64_t> progress;
    std::vector<std::string> done;
    Listener listener;
    listener.on_wait = [&](const Decision& d) {
        waits.push_back(d.message);
        if (d.progress)
            progress.push_back(d.progress->done);
    };
    listener.on_step_done = [&done](const StepReport& r) { done.push_back(r.message); };
    const Step waiting{"task",
                       [&polls](const json&) -> es_client::Result<json> {
                           return json{{"polls", ++polls}};
                       },
                       [](const json&, const json& o) {
                           const auto n = o["polls"].get<std::int64_t>();
                           return n < 3 ? Decision::wait(2s, "task still running", Progress{n, 3})
                                        : Decision::done("task completed");
                       }};
    const std::vector<Step> steps{waiting};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel, listener);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(polls, 3);
    EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{2s, 2s}));
    EXPECT_EQ(waits.size(), 2U);
    EXPECT_EQ(progress, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(done, (std::vector<std::string>{"task completed"}));
}

TEST_F(StepEngine, CancellationWhileWaitingStopsAsCancelled) {
    clock.cancel_after_sleeps = 1;
    const Step forever{"forever", [](const json&) -> es_client::Result<json> { return json{}; },
                       [](const json&, const json&) { return Decision::wait(1s, "waiting"); }};
    const std::vector<Step> steps{forever};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->kind, ErrorKind::cancelled);
}

TEST_F(StepEngine, CancellationIsCheckedBetweenActions) {
    Listener listener;
    int seen = 0;
    listener.on_action = [&](const Action&) {
        if (++seen == 2)
            cancel.request(); // e.g. Ctrl-C while the first action ran
    };
    const Step two{"two", [](const json&) -> es_client::Result<json> { return json{}; },
                   [](const json&, const json&) {
                       return Decision::act({bump("one"), bump("two"), bump("three")});
                   }};
    const std::vector<Step> steps{two};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel, listener);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->kind, ErrorKind::cancelled);
    EXPECT_EQ(executor.executed, (std::vector<std::string>{"one", "two"}));
}

TEST_F(StepEngine, GivesUpWhenTheClusterNeverShowsTheChange) {
    const Step stubborn{"stubborn", [](const json&) -> es_client::Result<json> { return json{}; },
                        [](const json&, const json&) { return Decision::act({bump("again")}); }};
    const std::vector<Step> steps{stubborn};
    const auto report =
        run_steps(steps, executor, json::object(), clock, cancel, {}, EngineLimits{3});
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->kind, ErrorKind::state);
    EXPECT_EQ(executor.executed.size(), 3U);
}

TEST_F(StepEngine, CapturedResponsesReachLaterDecisionsThroughTheState) {
    const Step start{"start", [](const json&) -> es_client::Result<json> { return json{}; },
                     [](const json& state, const json&) {
                         if (state.contains("task"))
                             return Decision::done();
                         return Decision::act({bump("start task", "task")});
                     }};
    std::string seen_by_next;
    const Step next{"next",
                    [&seen_by_next](const json& state) -> es_client::Result<json> {
                        seen_by_next = state["task"].dump();
                        return json{};
                    },
                    [](const json&, const json&) { return Decision::done(); }};
    const std::vector<Step> steps{start, next};
    const auto report = run_steps(steps, executor, json{{"given", 1}}, clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(seen_by_next, R"({"value":1})");
    EXPECT_EQ(report.state["given"], 1);
    EXPECT_EQ(report.state["task"]["value"], 1);
}

// A resumed run skips the steps its saved state lists as completed.
TEST_F(StepEngine, CompletedStepsAreSkippedOnResume) {
    const std::vector<Step> steps{reach(counter, 1), reach(counter, 2)};
    const auto first = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.state["completed"], json::array({"reach 1", "reach 2"}));
    counter.observations = 0;
    const auto again = run_steps(steps, executor, first.state, clock, cancel);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(again.steps.empty());
    EXPECT_EQ(counter.observations, 0);
}

// What a step saw on its first look is kept in the state and never overwritten by a later run.
TEST_F(StepEngine, FirstLookFactsAreKeptInTheState) {
    const std::vector<Step> steps{reach(counter, 2)};
    json state = {{"facts", {{"reach 2", {{"seen", -1}}}}}};
    const auto report = run_steps(steps, executor, state, clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(report.state["facts"]["reach 2"]["seen"], -1);
    const auto fresh =
        run_steps(std::vector<Step>{reach(counter, 3)}, executor, json::object(), clock, cancel);
    EXPECT_EQ(fresh.state["facts"]["reach 3"]["seen"], 2);
}

// Every change of the state is handed to on_state (to be journaled); a failure there stops the
// run before the next action.
TEST_F(StepEngine, OnStateSeesEveryChangeAndItsFailureStopsTheRun) {
    const std::vector<Step> steps{Step{"capture",
                                       [&](const json&) -> es_client::Result<json> {
                                           return json{{"value", counter.value}};
                                       },
                                       [](const json& state, const json&) {
                                           if (state.contains("captured"))
                                               return Decision::done("captured");
                                           return Decision::act({bump("bump", "captured")});
                                       }},
                                  reach(counter, 5)};
    std::vector<json> saved;
    Listener listener;
    listener.on_state = [&](const json& state) -> es_client::Result<void> {
        saved.push_back(state);
        if (saved.size() == 3)
            return std::unexpected(es_client::make_error(ErrorKind::config, "disk full"));
        return {};
    };
    const auto report = run_steps(steps, executor, json::object(), clock, cancel, listener);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error->message, "disk full");
    ASSERT_EQ(saved.size(), 3U);
    EXPECT_TRUE(saved[0].contains("captured"));                 // after the capture
    EXPECT_EQ(saved[1]["completed"], json::array({"capture"})); // after the step
    EXPECT_EQ(saved[2]["facts"]["reach 5"]["seen"], 1);         // first look of the next
    EXPECT_EQ(counter.value, 1); // the failed save stopped the run before the next action
}

// `finish` ends the run successfully and skips the rest.
TEST_F(StepEngine, FinishEndsTheRunEarly) {
    const std::vector<Step> steps{
        Step{"nothing to do", [](const json&) -> es_client::Result<json> { return json{}; },
             [](const json&, const json&) { return Decision::finish("all good"); }},
        reach(counter, 1)};
    const auto report = run_steps(steps, executor, json::object(), clock, cancel);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report.finished_early);
    EXPECT_EQ(report.steps.size(), 1U);
    EXPECT_EQ(counter.value, 0);
}
