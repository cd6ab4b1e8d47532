// esmend repair: the offline conflict repair playbook (issue #7), journaled and locked, with
// resume, status and abort.
#include <playbooks/executors.hpp>
#include <playbooks/journal.hpp>
#include <playbooks/lock.hpp>
#include <playbooks/repair.hpp>
#include <tool/commands.hpp>
#include <tool/connection.hpp>
#include <tool/console_format.hpp>
#include <tool/output.hpp>
#include <tool/progress.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace esmend::tool {

namespace {

using es_client::ErrorKind;
using nlohmann::json;

inline constexpr const char* k_playbook_version = "1";

struct RepairArgs {
    std::string data_stream;
    std::string field = "host.ip";
    bool dry_run = false;
    bool yes = false;
    double requests_per_second = -1;
    std::string slices = "auto";
    std::string run_id;
    double quiet_period = 2.0; // seconds the count must stay still before copying
    std::string on_bad_doc;    // stop | dead-letter; empty: stop (or, on resume, as started)
    std::string verify = "count";
    bool from_audit = false;
    std::vector<std::string> data_views; // --from-audit: what to audit
    std::vector<std::string> patterns;
    std::string snapshot_repo;
    bool no_snapshot = false;
    bool delete_snapshot = false;
    std::string strategy = "auto"; // auto | online | offline
    bool keep_old = false;
    // resume / status / abort
    std::string id;
};

std::int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Asks on the terminal; without one, the answer is no (never delete unattended without --yes).
bool confirm(const std::string& question) {
    if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDERR_FILENO) == 0)
        return false;
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer))
        return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

json step_json(const playbooks::StepReport& step) {
    json requests = json::array();
    for (const auto& a : step.actions)
        requests.push_back(action_json(a));
    return {{"name", step.name},
            {"message", step.message},
            {"facts", step.facts},
            {"requests", requests}};
}

bool completed(const json& state, const std::string& step) {
    const auto& done = state.value("completed", json::array());
    return std::find(done.begin(), done.end(), step) != done.end();
}

// The first step that deletes data: esmend asks before it.
std::string destructive_step(const playbooks::RepairParams& params) {
    return params.strategy == "online"
               ? "delete_old"
               : playbooks::repair_step_names()[playbooks::k_first_destructive_step];
}

// The steps of a run: the offline playbook's fixed list, or the online one's, which has a unit of
// steps for each index the preflight chose (none before the preflight has run).
std::vector<playbooks::Step> build_steps(Connection& connection, Context& ctx,
                                         const playbooks::RepairParams& params, const json& state,
                                         const playbooks::ProgressHook& progress = {}) {
    if (params.strategy == "online")
        return playbooks::online_repair_steps(*connection.es, connection.kibana.get(), params,
                                              &ctx.cancel, state, progress);
    return playbooks::repair_steps(*connection.es, connection.kibana.get(), params, ctx.clock,
                                   &ctx.cancel, progress);
}

std::size_t step_index(const std::vector<playbooks::Step>& steps, const std::string& name) {
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i].name == name)
            return i;
    return steps.size();
}

// The step names of a run, for `repair status`.
std::vector<std::string> step_names(const json& params, const json& state) {
    if (params.value("strategy", "offline") == "online")
        return playbooks::online_step_names(playbooks::online_rewrites(state));
    return playbooks::repair_step_names();
}

playbooks::RepairParams with_on_bad_doc(playbooks::RepairParams params,
                                        const std::string& on_bad_doc) {
    if (!on_bad_doc.empty())
        params.on_bad_doc = on_bad_doc;
    return params;
}

playbooks::RepairParams params_from(const json& p, const std::string& run_id) {
    playbooks::RepairParams params;
    params.data_stream = p.value("data_stream", "");
    params.field = p.value("field", "host.ip");
    params.requests_per_second = p.value("requests_per_second", -1.0);
    params.slices = p.value("slices", "auto");
    params.quiet_period = std::chrono::milliseconds(p.value("quiet_period_ms", 2000));
    params.on_bad_doc = p.value("on_bad_doc", "stop");
    params.verify = p.value("verify", "count");
    params.snapshot_repo = p.value("snapshot_repo", "");
    params.no_snapshot = p.value("no_snapshot", false);
    params.delete_snapshot = p.value("delete_snapshot", false);
    params.strategy = p.value("strategy", "offline");
    params.keep_old = p.value("keep_old", false);
    params.run_id = run_id;
    return params;
}

// Test hook for the kill tests: ESMEND_TEST_KILL_AFTER=<step or capture> kills this process with
// SIGKILL right after that step's completion, or that response's capture (a reindex task id:
// "copy_task", "back_task"), is journaled, as a crash at that point would;
// ESMEND_TEST_KILL_AFTER=<step>@<n> kills it while that step waits on a task that has done at
// least n documents (inside a reindex).
void maybe_crash(const json& state) {
    static const char* const kill_after = std::getenv("ESMEND_TEST_KILL_AFTER");
    if (kill_after != nullptr && (completed(state, kill_after) || state.contains(kill_after)))
        std::raise(SIGKILL);
}

void maybe_crash_waiting(const std::string& step, std::int64_t done) {
    static const char* const kill_after = std::getenv("ESMEND_TEST_KILL_AFTER");
    if (kill_after == nullptr)
        return;
    const std::string point = kill_after;
    const auto at = point.find('@');
    if (at != std::string::npos && point.substr(0, at) == step &&
        done >= std::stoll(point.substr(at + 1)))
        std::raise(SIGKILL);
}

// One run of the playbook, new or resumed, with its journal and lock.
class Run {
public:
    // `on_bad_doc`, when given, overrides the run's choice for this session (a resume decides
    // what to do with the documents that stopped it).
    Run(Context& ctx, Connection& connection, playbooks::Journal journal,
        const std::string& on_bad_doc = {})
        : m_ctx(ctx), m_connection(connection), m_journal(std::move(journal)),
          m_params(with_on_bad_doc(params_from(m_journal.params(), m_journal.id()), on_bad_doc)),
          m_steps(build_steps(m_connection, m_ctx, m_params, m_journal.state(), progress_hook())),
          m_live(*m_connection.es, m_connection.kibana.get()) {
        // The live view on stderr, unless --quiet or --json asked for silence.
        if (!m_ctx.options.quiet && m_ctx.options.format != OutputFormat::json)
            m_view.emplace(std::cerr, ::isatty(STDERR_FILENO) != 0);
    }

    es_client::Result<void> lock() {
        auto lock = playbooks::Lock::acquire(*m_connection.es, m_params.data_stream, m_journal.id(),
                                             playbooks::current_holder(), wall_now_ms);
        if (!lock)
            return std::unexpected(lock.error());
        m_lock.emplace(std::move(*lock));
        m_renewed = m_ctx.clock.now();
        return {};
    }

    // Runs the steps from the journal's state. Before the first destructive step, asks (unless
    // `yes`, or it was confirmed earlier in this run).
    ExitCode run(Output& out, bool yes) {
        json state = m_journal.state();
        if (!state.is_object())
            state = json::object();
        state["run_id"] = m_journal.id();
        std::span<const playbooks::Step> all(m_steps);
        auto listener = make_listener();
        playbooks::RunReport report;
        // The preflight only reads: no lock is taken and nothing is journaled until it passes,
        // so a stream with nothing to repair, or a refusal, leaves no trace.
        if (!completed(state, "preflight")) {
            auto reading = listener;
            reading.on_state = nullptr;
            report = playbooks::run_steps(all.first(1), m_live, state, m_ctx.clock, m_ctx.cancel,
                                          reading);
            collect(report);
            if (!report.ok() || report.finished_early)
                return finish(out, report, false);
            state = report.state;
            // The online playbook's index steps come from the preflight's choice.
            m_steps = build_steps(m_connection, m_ctx, m_params, state, progress_hook());
            all = std::span<const playbooks::Step>(m_steps);
        }
        if (!m_lock) {
            if (auto locked = lock(); !locked) {
                out.error(locked.error());
                return exit_code_for(locked.error());
            }
        }
        if (auto saved = record(state); !saved) {
            out.error(saved.error());
            return exit_code_for(saved.error());
        }
        // --keep-old: the online playbook deletes nothing, so there is nothing to ask.
        if (!state.value("confirmed", false) && !(online() && m_params.keep_old)) {
            report =
                playbooks::run_steps(all.first(step_index(m_steps, destructive_step(m_params))),
                                     m_live, state, m_ctx.clock, m_ctx.cancel, listener);
            collect(report);
            state = report.state;
            if (report.ok() && !report.finished_early) {
                if (!(yes || confirm(question(state))))
                    return stop_unconfirmed(out, state);
                state["confirmed"] = true;
            }
        }
        if (report.ok() && !report.finished_early) {
            report = playbooks::run_steps(all, m_live, state, m_ctx.clock, m_ctx.cancel, listener);
            collect(report);
        }
        if (online() && !report.ok() && report.error->kind != ErrorKind::cancelled)
            m_undone = undo_failed(report.state);
        return finish(out, report);
    }

    [[nodiscard]] bool online() const { return m_params.strategy == "online"; }

    // Undoes a run that deleted nothing: collection resumed, temp index deleted. Online: every
    // index that was not swapped in is as it was (its copy deleted, its write block lifted).
    es_client::Result<void> roll_back() {
        const es_client::Cancellation not_cancelled;
        if (online()) {
            const std::vector<playbooks::Step> undo = {
                playbooks::online_undo_step(*m_connection.es, m_params)};
            auto undone = playbooks::run_steps(undo, m_live, m_journal.state(), m_ctx.clock,
                                               not_cancelled, {});
            collect(undone);
            if (!undone.ok())
                return std::unexpected(*undone.error);
            m_journal.set_state(playbooks::forget_unswapped(m_journal.state()));
            return {};
        }
        const std::vector<playbooks::Step> undo = {m_steps[m_steps.size() - 2], m_steps.back()};
        json state = m_journal.state();
        state.erase("completed");
        auto undone =
            playbooks::run_steps(undo, m_live, state, m_ctx.clock, not_cancelled, make_listener());
        collect(undone);
        if (!undone.ok())
            return std::unexpected(*undone.error);
        return {};
    }

    [[nodiscard]] bool deleted_anything() const {
        // Online: a swapped index is verified and in place, and nothing else is deleted before
        // its swap, so a run can always be undone as far as it can be.
        if (online())
            return false;
        const json& state = m_journal.state();
        return state.value("confirmed", false) || completed(state, destructive_step(m_params));
    }

    void release() {
        if (m_lock) {
            if (auto released = m_lock->release(); !released)
                spdlog::warn("could not release the repair lock: {}", released.error().describe());
            m_lock.reset();
        }
    }

    playbooks::Journal& journal() { return m_journal; }
    const playbooks::RepairParams& params() const { return m_params; }
    const std::vector<playbooks::StepReport>& reports() const { return m_reports; }

private:
    // A wait, or a long observation's progress (a checksum scan): shown, and the lease kept alive,
    // as nothing is journaled meanwhile.
    void waiting(const std::string& message, const std::optional<playbooks::Progress>& progress) {
        spdlog::debug("  {}", message);
        if (m_view) {
            if (progress)
                m_view->waiting(message, progress->done, progress->total);
            else
                m_view->waiting(message);
        }
        if (auto renewed = renew_if_due(); !renewed)
            spdlog::warn("could not renew the repair lock: {}", renewed.error().describe());
    }

    playbooks::ProgressHook progress_hook() {
        return [this](const std::string& message, const playbooks::Progress& progress) {
            waiting(message, progress);
        };
    }

    playbooks::Listener make_listener() {
        playbooks::Listener listener;
        listener.on_step = [this](const playbooks::Step& step) {
            spdlog::debug("step {}", step.name);
            m_step = step.name;
            if (m_view)
                m_view->step_started(step.name);
            m_journal.step_started(step.name);
        };
        listener.on_wait = [this](const playbooks::Decision& wait) {
            if (wait.progress)
                maybe_crash_waiting(m_step, wait.progress->done);
            waiting(wait.message, wait.progress);
        };
        listener.on_action = [this](const playbooks::Action& action) {
            spdlog::debug("  {}", action.summary);
            if (m_view)
                m_view->note(action.summary);
        };
        listener.on_step_done = [this](const playbooks::StepReport& report) {
            if (m_view)
                m_view->step_done(report.name, report.message);
        };
        listener.on_state = [this](const json& state) { return record(state); };
        return listener;
    }

    // Journals the state (the run cannot go on if that fails), mirrors it to the cluster (a
    // failure is reported, the local file is enough to resume), and keeps the lease alive.
    es_client::Result<void> record(const json& state) {
        m_journal.set_state(state);
        for (const auto& step : state.value("completed", json::array()))
            if (m_journal.step(step.get<std::string>()).value("status", "") != "done")
                m_journal.step_done(step.get<std::string>());
        if (auto saved = m_journal.save(); !saved)
            return saved;
        if (auto mirrored = m_journal.mirror(*m_connection.es); !mirrored)
            spdlog::warn("journal mirror to the cluster failed: {}", mirrored.error().describe());
        maybe_crash(state);
        return renew_if_due();
    }

    es_client::Result<void> renew_if_due() {
        if (!m_lock || m_ctx.clock.now() - m_renewed < std::chrono::seconds(20))
            return {};
        auto renewed = m_lock->renew();
        if (!renewed)
            return renewed;
        m_renewed = m_ctx.clock.now();
        return {};
    }

    void collect(const playbooks::RunReport& report) {
        m_reports.insert(m_reports.end(), report.steps.begin(), report.steps.end());
    }

    // A failed online run is cleaned up at once, as the Upgrade Assistant does (es-apis.md §3.1):
    // the unit that failed is undone, and a resume starts it again from the write block.
    std::optional<es_client::Result<void>> undo_failed(const json& state) {
        m_journal.set_state(state);
        auto undone = roll_back();
        if (!undone)
            spdlog::error("undoing the failed index rewrite: {}", undone.error().describe());
        else if (auto saved = m_journal.save(); !saved)
            spdlog::error("{}", saved.error().describe());
        return undone;
    }

    std::string question(const json& state) const {
        if (online()) {
            std::string old;
            for (const auto& r : state["facts"]["preflight"].value("rewrite", json::array()))
                old += (old.empty() ? "" : ", ") + r.value("index", "");
            return "Every rewritten index is verified and swapped into " + m_params.data_stream +
                   ". Delete the old backing indices (" + old + ")?";
        }
        const json& pre = state["facts"]["preflight"];
        return "The copy " + pre.value("temp_index", "") + " is verified (" +
               std::to_string(state["facts"]["verify_copy"].value("docs", 0)) +
               " documents). Delete the data stream " + m_params.data_stream +
               " and the index template " + pre.value("template", "") +
               ", reinstall, and copy back?";
    }

    // Not confirmed (no --yes, no terminal, or a "no"): nothing was deleted, and the run undoes
    // itself rather than leave collection paused with nobody coming back to it.
    ExitCode stop_unconfirmed(Output& out, const json& state) {
        m_journal.set_state(state);
        if (online()) {
            // The repair itself is done and verified: only the deletes wait for a yes.
            (void)m_journal.set_status("paused");
            if (auto saved = m_journal.save(); !saved)
                spdlog::error("{}", saved.error().describe());
            (void)m_journal.mirror(*m_connection.es);
            out.result(result_json("not_confirmed"));
            if (!out.json()) {
                print_steps(out, false);
                out.line("not confirmed: " + m_params.data_stream +
                         " is repaired and verified; the old backing indices are kept. "
                         "`esmend repair resume " +
                         m_journal.id() + " --yes` deletes them");
            }
            release();
            return ExitCode::resumable;
        }
        auto undone = roll_back();
        (void)m_journal.set_status(undone ? "aborted" : "failed");
        if (!undone)
            m_journal.set_last_error(undone.error().describe());
        if (auto saved = m_journal.save(); !saved)
            spdlog::error("{}", saved.error().describe());
        (void)m_journal.mirror(*m_connection.es);
        json result = result_json("not_confirmed");
        result["rolled_back"] = {{"ok", undone.has_value()}};
        if (!undone)
            result["rolled_back"]["error"] = to_json(undone.error());
        out.result(result);
        if (!out.json()) {
            print_steps(out, false);
            out.line(
                undone ? "not confirmed: nothing was deleted, and the run was undone "
                         "(collection resumed, temp index deleted). Rerun with --yes to "
                         "repair without asking"
                       : "not confirmed, and undoing the run failed: " + undone.error().describe() +
                             ". Retry with `esmend repair abort " + m_journal.id() + "`");
        }
        if (undone)
            release();
        return ExitCode::failed;
    }

    ExitCode finish(Output& out, const playbooks::RunReport& report, bool journaled = true) {
        std::string status = "done";
        if (!report.ok()) {
            status = report.error->kind == ErrorKind::cancelled ? "paused" : "failed";
            m_journal.set_last_error(report.error->describe());
        } else if (report.finished_early) {
            status = "done";
        }
        if (journaled) {
            (void)m_journal.set_status(status);
            if (auto saved = m_journal.save(); !saved)
                spdlog::error("{}", saved.error().describe());
            (void)m_journal.mirror(*m_connection.es);
        }
        if (report.ok())
            release();
        if (!report.ok() && m_view && !report.steps.empty())
            m_view->step_failed(report.steps.back().name, report.error->describe());
        json result = result_json(report.ok() && report.finished_early ? "nothing_to_do" : status);
        if (report.error)
            result["error"] = to_json(*report.error);
        out.result(result);
        if (!out.json()) {
            print_steps(out, !report.ok());
            if (!report.ok() && journaled && online()) {
                const bool cleaned = m_undone && m_undone->has_value();
                out.line(std::string(cleaned ? "the index being rewritten is back as it was (its "
                                               "copy deleted, its write block lifted); "
                                             : "") +
                         "nothing was lost: every backing index is in " + m_params.data_stream +
                         ". Fix the cause, then `esmend repair resume " + m_journal.id() +
                         "` (or undo: `esmend repair abort " + m_journal.id() + "`)");
            } else if (!report.ok() && journaled) {
                out.line(std::string(deleted_anything()
                                         ? "the data of " + m_params.data_stream +
                                               " is safe in the verified copy " +
                                               playbooks::temp_index_name(m_params) + ". "
                                         : "nothing was deleted. ") +
                         "Fix the cause, then `esmend repair resume " + m_journal.id() + "`" +
                         (deleted_anything()
                              ? ""
                              : " (or undo: `esmend repair abort " + m_journal.id() + "`)"));
            }
        }
        if (!report.ok()) {
            spdlog::error("{}", report.error->describe());
            if (report.error->kind == ErrorKind::cancelled)
                return ExitCode::resumable;
            return exit_code_for(*report.error);
        }
        return ExitCode::ok;
    }

    json result_json(const std::string& status) const {
        json steps = json::array();
        for (const auto& s : m_reports)
            steps.push_back(step_json(s));
        json out = {{"run_id", m_journal.id()}, {"data_stream", m_params.data_stream},
                    {"field", m_params.field},  {"strategy", m_params.strategy},
                    {"dry_run", false},         {"journal", m_journal.path().string()},
                    {"status", status},         {"steps", steps}};
        if (online()) {
            out["rewrites"] = playbooks::online_rewrite_list(m_journal.state());
            if (m_undone)
                out["undone"] = m_undone->has_value();
        } else {
            out["temp_index"] = playbooks::temp_index_name(m_params);
            out["dead_letter_index"] = playbooks::dead_letter_index_name(m_params);
        }
        return out;
    }

    void print_steps(Output& out, bool last_failed) const {
        // On a terminal the live view has just shown the same list.
        if (m_view && ::isatty(STDOUT_FILENO) != 0 && ::isatty(STDERR_FILENO) != 0)
            return;
        for (std::size_t i = 0; i < m_reports.size(); ++i) {
            const bool failed = last_failed && i + 1 == m_reports.size();
            out.line(std::string(failed ? "✗ " : "✓ ") + m_reports[i].name + ": " +
                     m_reports[i].message);
        }
    }

    Context& m_ctx;
    Connection& m_connection;
    playbooks::Journal m_journal;
    playbooks::RepairParams m_params;
    std::vector<playbooks::Step> m_steps;
    playbooks::LiveExecutor m_live;
    std::optional<playbooks::Lock> m_lock;
    std::chrono::steady_clock::time_point m_renewed{};
    std::vector<playbooks::StepReport> m_reports;
    std::optional<ProgressView> m_view;
    std::string m_step; // the step running now
    // Online: whether the failed unit was undone (unset when nothing failed).
    std::optional<es_client::Result<void>> m_undone;
};

// --dry-run: the plan, from the same decisions, recorded instead of sent. No journal, no lock.
ExitCode dry_run(Context& ctx, Connection& connection, const playbooks::RepairParams& params,
                 const std::string& why, Output& out) {
    playbooks::PlanExecutor plan;
    playbooks::Listener listener;
    listener.on_step = [](const playbooks::Step& step) { spdlog::info("… {}", step.name); };
    json state = {{"dry_run", true}};
    auto steps = build_steps(connection, ctx, params, state);
    auto report = playbooks::run_steps(std::span<const playbooks::Step>(steps).first(1), plan,
                                       state, ctx.clock, ctx.cancel, listener);
    if (report.ok() && !report.finished_early) {
        // The rest of the plan, with the online playbook's index steps from the preflight.
        auto first = std::move(report.steps);
        steps = build_steps(connection, ctx, params, report.state);
        report = playbooks::run_steps(steps, plan, report.state, ctx.clock, ctx.cancel, listener);
        report.steps.insert(report.steps.begin(), first.begin(), first.end());
    }
    json steps_json = json::array();
    for (const auto& s : report.steps)
        steps_json.push_back(step_json(s));
    json result = {
        {"run_id", params.run_id},
        {"data_stream", params.data_stream},
        {"field", params.field},
        {"strategy", params.strategy},
        {"strategy_reason", why},
        {"dry_run", true},
        {"status", report.ok() ? (report.finished_early ? "nothing_to_do" : "planned") : "failed"},
        {"steps", steps_json}};
    if (params.strategy == "online")
        result["rewrites"] = playbooks::online_rewrite_list(report.state);
    else
        result["temp_index"] = playbooks::temp_index_name(params);
    if (report.error)
        result["error"] = to_json(*report.error);
    out.result(result);
    if (!out.json()) {
        out.line("# strategy: " + params.strategy + " (" + why + ")\n");
        const std::string destructive = destructive_step(params);
        for (std::size_t i = 0; i < report.steps.size(); ++i) {
            const auto& s = report.steps[i];
            if (s.name == destructive && !(params.strategy == "online" && params.keep_old))
                out.line("# ---- esmend asks before going on from here (or --yes) ----\n");
            out.line("# " + s.name + (s.message.empty() ? "" : ": " + s.message));
            for (const auto& a : s.actions)
                out.line(console_block(a));
            out.line("");
        }
        out.line("# dry run: nothing was changed");
    }
    if (!report.ok()) {
        spdlog::error("{}", report.error->describe());
        return exit_code_for(*report.error);
    }
    return ExitCode::ok;
}

es_client::Result<std::string> cluster_uuid(Connection& connection) {
    auto info = connection.es->info();
    if (!info)
        return std::unexpected(info.error());
    return info->cluster_uuid;
}

ExitCode fail(Output& out, const es_client::Error& error) {
    out.error(error);
    return exit_code_for(error);
}

ExitCode run_from_audit(Context& ctx, Connection& connection, const RepairArgs& args, Output& out);
ExitCode repair_stream(Context& ctx, Connection& connection, const RepairArgs& args, Output& out);

ExitCode run_repair(Context& ctx, const RepairArgs& args) {
    Output out(ctx.options.format, ctx.out);
    if (args.data_stream.empty() == !args.from_audit)
        return fail(out, es_client::make_error(ErrorKind::config,
                                               "give --data-stream or --from-audit (or: repair "
                                               "resume ID, repair status, repair abort ID)"));
    if (args.slices != "auto" &&
        (args.slices.empty() || args.slices.find_first_not_of("0123456789") != std::string::npos ||
         args.slices == "0")) {
        return fail(out, es_client::make_error(ErrorKind::config,
                                               "--slices takes auto or a positive number, got '" +
                                                   args.slices + "'"));
    }
    if (!args.run_id.empty() && !args.dry_run)
        return fail(out, es_client::make_error(ErrorKind::config,
                                               "--run-id names a dry run's plan; a real run gets "
                                               "its id from its journal"));
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel);
    if (!connection)
        return fail(out, connection.error());
    if (args.from_audit)
        return run_from_audit(ctx, *connection, args, out);
    return repair_stream(ctx, *connection, args, out);
}

// --from-audit: audits, then repairs each repairable stream in turn (each its own run, journal
// and lock, each asking before its deletes unless --yes). The first stream that does not end
// well stops the series; the later ones are listed as not started.
ExitCode run_from_audit(Context& ctx, Connection& connection, const RepairArgs& args, Output& out) {
    auto targets = audit_targets(connection, args.data_views, args.patterns);
    if (!targets)
        return fail(out, targets.error());
    auto report = playbooks::audit(*connection.es, *targets, {});
    if (!report)
        return fail(out, report.error());
    json runs = json::array();
    json not_started = json::array();
    ExitCode code = ExitCode::ok;
    for (const auto& repair : (*report)["repairs"]) {
        const std::string ds = repair.value("data_stream", "");
        if (code != ExitCode::ok) {
            not_started.push_back(ds);
            continue;
        }
        RepairArgs one = args;
        one.data_stream = ds;
        if (!repair["fields"].empty())
            one.field = repair["fields"][0].get<std::string>();
        // With --json each run's result is collected into one document.
        std::ostringstream collected;
        Output run_out(ctx.options.format, out.json() ? collected : ctx.out);
        if (!out.json())
            out.line("== " + ds + " (" + one.field + ") ==");
        code = repair_stream(ctx, connection, one, run_out);
        if (out.json())
            runs.push_back(json::parse(collected.str(), nullptr, false));
        else
            out.line("");
    }
    const std::string status = (*report)["repairs"].empty() ? "nothing_to_do"
                               : code == ExitCode::ok       ? (args.dry_run ? "planned" : "done")
                                                            : "stopped";
    out.result(json{{"from_audit", true},
                    {"status", status},
                    {"conflicting_fields", (*report)["summary"].value("conflicting_fields", 0)},
                    {"runs", runs},
                    {"not_started", not_started}});
    if (!out.json()) {
        if ((*report)["repairs"].empty())
            out.line("the audit found nothing repairable: nothing to do");
        else if (!not_started.empty())
            out.line("stopped; not started: " + not_started.dump());
    }
    return code;
}

ExitCode repair_stream(Context& ctx, Connection& connection_ref, const RepairArgs& args,
                       Output& out) {
    Connection* connection = &connection_ref;
    json params = {{"data_stream", args.data_stream},
                   {"field", args.field},
                   {"requests_per_second", args.requests_per_second},
                   {"slices", args.slices},
                   {"quiet_period_ms", static_cast<std::int64_t>(args.quiet_period * 1000)},
                   {"on_bad_doc", args.on_bad_doc.empty() ? "stop" : args.on_bad_doc},
                   {"verify", args.verify},
                   {"snapshot_repo", args.snapshot_repo},
                   {"no_snapshot", args.no_snapshot},
                   {"delete_snapshot", args.delete_snapshot},
                   {"keep_old", args.keep_old}};
    auto info = connection->es->info();
    if (!info)
        return fail(out, info.error());
    // auto: online where the cluster can swap backing indices (_data_stream/_modify, 7.16+),
    // else offline. An explicit online on an older cluster is refused by its preflight.
    const bool can_swap = es_client::Features::of(info->version).modify_data_stream;
    params["strategy"] =
        args.strategy == "auto" ? (can_swap ? "online" : "offline") : args.strategy;
    const std::string why =
        args.strategy != "auto"
            ? "--strategy " + args.strategy
            : "auto: Elasticsearch " + info->version.str() +
                  (can_swap ? " has _data_stream/_modify (7.16+), so collection need not stop"
                            : " has no _data_stream/_modify (7.16+)");
    if (args.dry_run)
        return dry_run(ctx, *connection,
                       params_from(params, args.run_id.empty() ? "plan" : args.run_id), why, out);
    auto dir = playbooks::default_journal_dir();
    if (!dir)
        return fail(out, dir.error());
    auto journal = playbooks::Journal::create(
        *dir, "repair-" + params.value("strategy", std::string("offline")), k_playbook_version,
        params, info->cluster_uuid);
    if (!journal)
        return fail(out, journal.error());
    Run run(ctx, *connection, std::move(*journal));
    spdlog::info("repair {} of {} in {}, {} (journal {})", run.journal().id(), args.field,
                 args.data_stream, why, run.journal().path().string());
    return run.run(out, args.yes);
}

// Loads a run's journal: the local file, else the cluster's mirror (a run started elsewhere).
es_client::Result<playbooks::Journal> load_run(Connection& connection, const std::string& id) {
    auto dir = playbooks::default_journal_dir();
    if (!dir)
        return std::unexpected(dir.error());
    auto local = playbooks::Journal::load(*dir, id);
    if (local)
        return local;
    auto remote = playbooks::Journal::load_from_cluster(*connection.es, *dir, id);
    if (remote)
        return remote;
    return std::unexpected(local.error());
}

// Connects and loads the journal of run `id` (resume and abort).
struct OpenedRun {
    Connection connection;
    playbooks::Journal journal;
};
es_client::Result<OpenedRun> open_run(Context& ctx, const std::string& id) {
    auto connection = connect(ctx.options, ctx.clock, &ctx.cancel);
    if (!connection)
        return std::unexpected(connection.error());
    auto journal = load_run(*connection, id);
    if (!journal)
        return std::unexpected(journal.error());
    return OpenedRun{std::move(*connection), std::move(*journal)};
}

ExitCode run_resume(Context& ctx, const RepairArgs& args) {
    Output out(ctx.options.format, ctx.out);
    auto opened = open_run(ctx, args.id);
    if (!opened)
        return fail(out, opened.error());
    auto* connection = &opened->connection;
    auto* journal = &opened->journal;
    auto uuid = cluster_uuid(*connection);
    if (!uuid)
        return fail(out, uuid.error());
    if (auto same = journal->check_resume(journal->params(), *uuid); !same)
        return fail(out, same.error());
    if (journal->status() == "done" || journal->status() == "aborted") {
        return fail(out, es_client::make_error(ErrorKind::state, "run " + args.id + " is " +
                                                                     journal->status() +
                                                                     ": nothing to resume"));
    }
    Run run(ctx, *connection, std::move(*journal), args.on_bad_doc);
    (void)run.journal().set_status("running");
    // A throttle given on resume applies to a reindex that is still running (es-apis.md §1.8).
    if (args.requests_per_second != -1) {
        for (const auto& [capture, task] : run.journal().state().items()) {
            if (!capture.ends_with("_task") && capture.find("_task_") == std::string::npos)
                continue;
            if (!task.is_object() || !task.contains("task"))
                continue;
            auto rethrottled = connection->es->call(
                es_client::Method::post,
                "/_reindex/" + task.value("task", "") +
                    "/_rethrottle?requests_per_second=" + std::to_string(args.requests_per_second));
            if (!rethrottled)
                spdlog::warn("rethrottle {}: {}", task.value("task", ""),
                             rethrottled.error().describe());
        }
    }
    spdlog::info("resuming repair {} of {} in {}", run.journal().id(), run.params().field,
                 run.params().data_stream);
    return run.run(out, args.yes);
}

ExitCode run_abort(Context& ctx, const RepairArgs& args) {
    Output out(ctx.options.format, ctx.out);
    auto opened = open_run(ctx, args.id);
    if (!opened)
        return fail(out, opened.error());
    Run run(ctx, opened->connection, std::move(opened->journal));
    if (run.deleted_anything()) {
        return fail(out, es_client::make_error(
                             ErrorKind::state,
                             "run " + args.id + " has deleted " + run.params().data_stream +
                                 ": its data is in " + playbooks::temp_index_name(run.params()) +
                                 ", and only going forward puts it back. Resume it: `esmend "
                                 "repair resume " +
                                 args.id + "`"));
    }
    if (auto locked = run.lock(); !locked)
        return fail(out, locked.error());
    auto undone = run.roll_back();
    (void)run.journal().set_status(undone ? "aborted" : "failed");
    if (!undone)
        run.journal().set_last_error(undone.error().describe());
    (void)run.journal().save();
    (void)run.journal().mirror(*opened->connection.es);
    if (!undone)
        return fail(out, undone.error());
    run.release();
    out.result(json{{"run_id", args.id}, {"status", "aborted"}});
    if (!out.json()) {
        if (run.params().strategy == "online")
            out.line("aborted " + args.id +
                     ": every index that was not swapped in is as it was; "
                     "indices already swapped in stay repaired");
        else
            out.line("aborted " + args.id + ": collection resumed, temp index deleted; " +
                     run.params().data_stream + " was never touched");
    }
    return ExitCode::ok;
}

ExitCode run_status(Context& ctx, const RepairArgs& args) {
    Output out(ctx.options.format, ctx.out);
    auto dir = playbooks::default_journal_dir();
    if (!dir)
        return fail(out, dir.error());
    if (!args.id.empty()) {
        auto journal = playbooks::Journal::load(*dir, args.id);
        if (!journal) {
            auto connection = connect(ctx.options, ctx.clock, &ctx.cancel, Access::read_only);
            if (!connection)
                return fail(out, journal.error());
            auto remote = playbooks::Journal::load_from_cluster(*connection->es, *dir, args.id);
            if (!remote)
                return fail(out, journal.error());
            journal = std::move(remote);
        }
        out.result(journal->doc());
        if (!out.json()) {
            const json& doc = journal->doc();
            out.line("run " + journal->id() + ": " + journal->status() + ", " +
                     doc["params"].value("field", "") + " in " +
                     doc["params"].value("data_stream", "") + " (updated " +
                     doc.value("updated_at", "") + ")");
            std::vector<std::vector<std::string>> rows;
            for (const auto& name : step_names(doc["params"], doc.value("state", json::object())))
                rows.push_back({name, doc["steps"]
                                          .value(name, json::object())
                                          .value("status", std::string("pending"))});
            out.table(rows);
            if (doc["last_error"].is_string())
                out.line("last error: " + doc["last_error"].get<std::string>());
        }
        return ExitCode::ok;
    }
    auto listing = playbooks::Journal::list(*dir);
    if (!listing)
        return fail(out, listing.error());
    json runs = json::array();
    std::vector<std::vector<std::string>> rows;
    for (const auto& j : listing->runs) {
        runs.push_back(j.doc());
        rows.push_back({j.id(), j.status(), j.params().value("data_stream", ""),
                        j.params().value("field", ""), j.doc().value("updated_at", "")});
    }
    for (const auto& e : listing->unreadable)
        spdlog::warn("{}", e.describe());
    out.result(json{{"runs", runs}});
    if (!out.json()) {
        if (rows.empty())
            out.line("no repair runs in " + dir->string());
        else
            out.table(rows);
    }
    return ExitCode::ok;
}

} // namespace

void register_repair(CLI::App& app, Action& action) {
    auto* cmd = app.add_subcommand(
        "repair", "Repair a mapping conflict in a data stream: copy out, reinstall, copy back");
    auto args = std::make_shared<RepairArgs>();
    auto* stream = cmd->add_option("--data-stream", args->data_stream, "The data stream to repair");
    auto* from_audit = cmd->add_flag("--from-audit", args->from_audit,
                                     "Audit (the data views, or --data-view/--pattern) and "
                                     "repair every repairable stream in turn");
    from_audit->excludes(stream);
    cmd->add_option("--data-view", args->data_views,
                    "With --from-audit: audit this Kibana data view (repeatable; default: all)")
        ->needs(from_audit);
    cmd->add_option("--pattern", args->patterns,
                    "With --from-audit: audit this index pattern (repeatable)")
        ->needs(from_audit);
    cmd->add_option("--field", args->field, "The conflicting field")->capture_default_str();
    cmd->add_flag("--dry-run", args->dry_run,
                  "Print the plan (Dev Tools console format) and change nothing");
    cmd->add_flag("--yes,-y", args->yes, "Do not ask before deleting (the copy is verified first)");
    cmd->add_option("--requests-per-second", args->requests_per_second,
                    "Throttle both reindexes (documents per second; -1: unthrottled)");
    cmd->add_option("--slices", args->slices, "Reindex slices: auto or a number")
        ->capture_default_str();
    cmd->add_option("--run-id", args->run_id, "Name a dry run's plan (and its temp index)");
    const std::string bad_doc_help =
        "Documents the new mapping rejects on the copy back: stop (the default: the run stops, "
        "nothing is lost, resume decides) or dead-letter (keep them in "
        "esmend-dead-letter-<stream>-<run> and go on)";
    cmd->add_option("--on-bad-doc", args->on_bad_doc, bad_doc_help)
        ->check(CLI::IsMember({"stop", "dead-letter"}));
    cmd->add_option("--verify", args->verify,
                    "How the copies are verified: count, or checksum (also every _id and _source, "
                    "with point-in-time scans)")
        ->check(CLI::IsMember({"count", "checksum"}))
        ->capture_default_str();
    auto* repo = cmd->add_option("--snapshot-repo", args->snapshot_repo,
                                 "Snapshot the data stream into this repository before anything "
                                 "is touched (default: the only registered one, if exactly one)");
    cmd->add_flag("--no-snapshot", args->no_snapshot, "Take no snapshot before the repair")
        ->excludes(repo);
    cmd->add_flag("--delete-snapshot", args->delete_snapshot,
                  "Delete the snapshot at cleanup, once the repair is verified");
    cmd->add_option("--strategy", args->strategy,
                    "auto (online where the cluster has _data_stream/_modify, 7.16+), online "
                    "(rewrite the disagreeing backing indices one at a time and swap them in; "
                    "collection goes on) or offline (pause collection, copy out, reinstall, copy "
                    "back)")
        ->check(CLI::IsMember({"auto", "online", "offline"}))
        ->capture_default_str();
    cmd->add_flag("--keep-old", args->keep_old,
                  "Online: keep the swapped-out backing indices instead of deleting them");
    cmd->add_option("--quiet-period", args->quiet_period,
                    "Seconds the document count must stay still, after collection is paused, "
                    "before the copy")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->callback([&action, args, cmd] {
        if (cmd->get_subcommands().empty())
            action = [args](Context& ctx) { return run_repair(ctx, *args); };
    });

    auto* resume = cmd->add_subcommand("resume", "Resume a stopped repair run from its journal");
    resume->add_option("id", args->id, "The run id")->required();
    resume->add_flag("--yes,-y", args->yes, "Do not ask before deleting");
    resume->add_option("--requests-per-second", args->requests_per_second,
                       "A new throttle, applied to a running reindex too");
    resume->add_option("--on-bad-doc", args->on_bad_doc, bad_doc_help)
        ->check(CLI::IsMember({"stop", "dead-letter"}));
    resume->callback(
        [&action, args] { action = [args](Context& ctx) { return run_resume(ctx, *args); }; });

    auto* status = cmd->add_subcommand("status", "List repair runs, or show one");
    status->add_option("id", args->id, "The run id");
    status->callback(
        [&action, args] { action = [args](Context& ctx) { return run_status(ctx, *args); }; });

    auto* abort = cmd->add_subcommand(
        "abort", "Undo a run that has not deleted anything yet (resume collection, delete the "
                 "temp index)");
    abort->add_option("id", args->id, "The run id")->required();
    abort->callback(
        [&action, args] { action = [args](Context& ctx) { return run_abort(ctx, *args); }; });
}

} // namespace esmend::tool
