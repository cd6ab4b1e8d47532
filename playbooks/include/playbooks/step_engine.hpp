#pragma once
// The one mechanism every playbook runs on, shaped like Kibana's migrations v2: each step
// observes the cluster (reads only), a pure `decide` turns the run state and that observation
// into done, wait, fail or a list of actions, and the engine hands the actions to an executor.
// In a live run the step then observes again, so every change is verified by reading it back
// before the next step starts; with the plan executor (dry run) the engine assumes the actions
// succeeded and moves on. The mode never reaches `decide`, so dry run and run cannot drift apart.

#include <es_client/clock.hpp>
#include <es_client/error.hpp>
#include <playbooks/action.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace esmend::playbooks {

// How far a long wait has got (a reindex: documents done of total), for progress bars.
struct Progress {
    std::int64_t done = 0;
    std::int64_t total = 0;
};

// How far a long observation has got (a checksum scan over millions of documents), reported from
// inside it: the CLI shows it as it shows a wait, and keeps the run's lock lease alive meanwhile.
// Steps that can take long take one when they are built; it may be empty.
using ProgressHook = std::function<void(const std::string& message, const Progress& progress)>;

struct Decision {
    // finish: the run is complete with this step (nothing left to do); the later steps are skipped.
    enum class Kind { done, wait, act, fail, finish };
    Kind kind = Kind::done;
    std::vector<Action> actions;           // act
    std::chrono::milliseconds wait_for{0}; // wait
    std::optional<es_client::Error> error; // fail
    std::string message;                   // why: shown as progress or as the step's outcome
    std::optional<Progress> progress;      // wait: how far the awaited work has got
    // What the step found, for the report (e.g. per-asset outcomes). Kept from the first round
    // of a step: later rounds only verify.
    nlohmann::json facts;

    [[nodiscard]] static Decision done(std::string message = {}, nlohmann::json facts = {});
    [[nodiscard]] static Decision act(std::vector<Action> actions, std::string message = {},
                                      nlohmann::json facts = {});
    [[nodiscard]] static Decision wait(std::chrono::milliseconds delay, std::string message,
                                       std::optional<Progress> progress = std::nullopt);
    [[nodiscard]] static Decision fail(es_client::Error error, nlohmann::json facts = {});
    [[nodiscard]] static Decision finish(std::string message, nlohmann::json facts = {});
};

struct Step {
    std::string name;
    // Reads the cluster. It may read the run state (a task id captured earlier) but never writes.
    std::function<es_client::Result<nlohmann::json>(const nlohmann::json& state)> observe;
    // Pure: the same state and observation always give the same decision.
    std::function<Decision(const nlohmann::json& state, const nlohmann::json& observation)> decide;
    // Act rounds this step may take (0: EngineLimits::max_act_rounds), for a step that converges
    // by design over many rounds.
    int max_act_rounds = 0;
};

struct StepReport {
    std::string name;
    std::string message;         // the final decision's message
    nlohmann::json facts;        // the first round's facts
    std::vector<Action> actions; // every action executed (or planned) in this step
};

struct RunReport {
    std::vector<StepReport> steps;         // the steps that ran, the failing one last
    bool finished_early = false;           // a step decided `finish`: the later ones were skipped
    nlohmann::json state;                  // the final run state, with captured responses
    std::optional<es_client::Error> error; // why the run stopped early, if it did
    [[nodiscard]] bool ok() const { return !error.has_value(); }
    // Whether any action was executed (or, in a dry run, planned).
    [[nodiscard]] bool changed() const;
};

// Progress callbacks; any of them may be empty.
struct Listener {
    std::function<void(const Step&)> on_step;
    std::function<void(const Action&)> on_action;
    std::function<void(const Decision& wait)> on_wait;
    // A step completed (not called for steps skipped because an earlier run completed them).
    std::function<void(const StepReport&)> on_step_done;
    // The run state changed (a response was captured, facts were recorded or a step completed):
    // the place to persist it, so that a resumed run continues from here. An error stops the run
    // there: a run that cannot record its progress must not go on changing the cluster.
    std::function<es_client::Result<void>(const nlohmann::json& state)> on_state;
};

struct EngineLimits {
    // Act rounds per step before the engine gives up: a step whose actions never show up in the
    // next observation is a bug or a cluster fighting back, and must not loop forever.
    int max_act_rounds = 5;
};

// Runs the steps in order and stops at the first failure or cancellation (checked between
// actions and while waiting); the report then holds what ran and the error.
//
// The run state records progress, so a run resumed from a saved state continues where it
// stopped: a completed step is listed in state["completed"] and is not run again, and a step's
// first-round facts are kept in state["facts"][step name] and never overwritten (what a step saw
// before it acted, such as which policies were enabled, survives a crash in the middle of it).
[[nodiscard]] RunReport run_steps(std::span<const Step> steps, Executor& executor,
                                  nlohmann::json state, es_client::Clock& clock,
                                  const es_client::Cancellation& cancel,
                                  const Listener& listener = {}, EngineLimits limits = {});

} // namespace esmend::playbooks
