#include <playbooks/step_engine.hpp>

#include <algorithm>
#include <utility>

namespace esmend::playbooks {

using es_client::ErrorKind;

Decision Decision::done(std::string message, nlohmann::json facts) {
    Decision d;
    d.kind = Kind::done;
    d.message = std::move(message);
    d.facts = std::move(facts);
    return d;
}

Decision Decision::act(std::vector<Action> actions, std::string message, nlohmann::json facts) {
    Decision d;
    d.kind = Kind::act;
    d.actions = std::move(actions);
    d.message = std::move(message);
    d.facts = std::move(facts);
    return d;
}

Decision Decision::wait(std::chrono::milliseconds delay, std::string message,
                        std::optional<Progress> progress) {
    Decision d;
    d.kind = Kind::wait;
    d.wait_for = delay;
    d.message = std::move(message);
    d.progress = progress;
    return d;
}

Decision Decision::fail(es_client::Error error, nlohmann::json facts) {
    Decision d;
    d.kind = Kind::fail;
    d.message = error.message;
    d.error = std::move(error);
    d.facts = std::move(facts);
    return d;
}

Decision Decision::finish(std::string message, nlohmann::json facts) {
    Decision d;
    d.kind = Kind::finish;
    d.message = std::move(message);
    d.facts = std::move(facts);
    return d;
}

bool RunReport::changed() const {
    for (const auto& step : steps) {
        if (!step.actions.empty())
            return true;
    }
    return false;
}

namespace {

es_client::Error cancelled() {
    return es_client::make_error(ErrorKind::cancelled, "interrupted");
}

bool completed(const nlohmann::json& state, const std::string& step) {
    const auto it = state.find("completed");
    if (it == state.end() || !it->is_array())
        return false;
    return std::find(it->begin(), it->end(), step) != it->end();
}

es_client::Result<void> notify(const Listener& listener, const nlohmann::json& state) {
    if (listener.on_state)
        return listener.on_state(state);
    return {};
}

enum class StepEnd { next, finish };

// Runs one step to completion. Returns the error that stopped it, if any.
std::expected<StepEnd, es_client::Error> run_step(const Step& step, StepReport& report,
                                                  Executor& executor, nlohmann::json& state,
                                                  es_client::Clock& clock,
                                                  const es_client::Cancellation& cancel,
                                                  const Listener& listener, EngineLimits limits) {
    bool first_round = true;
    int act_rounds = 0;
    while (true) {
        if (cancel.requested())
            return std::unexpected(cancelled());
        auto observation = step.observe(state);
        if (!observation)
            return std::unexpected(observation.error());
        Decision decision = step.decide(state, *observation);
        if (first_round) {
            report.facts = decision.facts;
            auto& facts = state["facts"];
            if (!facts.is_object())
                facts = nlohmann::json::object();
            if (!decision.facts.is_null() && !facts.contains(step.name)) {
                facts[step.name] = decision.facts;
                if (auto saved = notify(listener, state); !saved)
                    return std::unexpected(saved.error());
            }
        }
        first_round = false;
        report.message = decision.message;
        switch (decision.kind) {
        case Decision::Kind::done:
            return StepEnd::next;
        case Decision::Kind::finish:
            return StepEnd::finish;
        case Decision::Kind::fail:
            return std::unexpected(
                decision.error.value_or(es_client::make_error(ErrorKind::state, decision.message)));
        case Decision::Kind::wait:
            if (listener.on_wait)
                listener.on_wait(decision);
            if (!clock.sleep_for(decision.wait_for, &cancel))
                return std::unexpected(cancelled());
            continue;
        case Decision::Kind::act:
            break;
        }
        const int max_rounds =
            step.max_act_rounds > 0 ? step.max_act_rounds : limits.max_act_rounds;
        if (++act_rounds > max_rounds) {
            return std::unexpected(es_client::make_error(
                ErrorKind::state, "step '" + step.name + "' still wants to act after " +
                                      std::to_string(max_rounds) +
                                      " rounds; the cluster does not show the changes it made"));
        }
        for (const auto& action : decision.actions) {
            if (cancel.requested())
                return std::unexpected(cancelled());
            if (listener.on_action)
                listener.on_action(action);
            auto response = executor.execute(action);
            report.actions.push_back(action);
            if (!response)
                return std::unexpected(response.error());
            if (!action.capture.empty()) {
                state[action.capture] = std::move(*response);
                if (auto saved = notify(listener, state); !saved)
                    return std::unexpected(saved.error());
            }
        }
        // A dry run cannot observe what it did not do: assume the plan worked.
        if (!executor.applies_changes())
            return StepEnd::next;
    }
}

} // namespace

RunReport run_steps(std::span<const Step> steps, Executor& executor, nlohmann::json state,
                    es_client::Clock& clock, const es_client::Cancellation& cancel,
                    const Listener& listener, EngineLimits limits) {
    RunReport report;
    for (const auto& step : steps) {
        if (completed(state, step.name))
            continue;
        if (listener.on_step)
            listener.on_step(step);
        report.steps.push_back(StepReport{step.name, {}, nlohmann::json{}, {}});
        auto end =
            run_step(step, report.steps.back(), executor, state, clock, cancel, listener, limits);
        if (!end) {
            report.error = std::move(end.error());
            break;
        }
        if (!state["completed"].is_array())
            state["completed"] = nlohmann::json::array();
        state["completed"].push_back(step.name);
        if (auto saved = notify(listener, state); !saved) {
            report.error = saved.error();
            break;
        }
        if (listener.on_step_done)
            listener.on_step_done(report.steps.back());
        if (*end == StepEnd::finish) {
            report.finished_early = true;
            break;
        }
    }
    report.state = std::move(state);
    return report;
}

} // namespace esmend::playbooks
