#pragma once
// es-sim's task manager: the running tasks of the single node (ids "<node_id>:<n>"), their
// progress, cancellation and throttling, and the results ES keeps for tasks started with
// wait_for_completion=false.
//
// ES persists such results as documents of the system index `.tasks` (TaskResultsService), so
// GET _tasks/{id} keeps answering after the task ended and even after a node restart. es-sim keeps
// them in this registry instead (no `.tasks` index appears in the index list); they survive
// /_sim/restart as the `.tasks` documents would, while running tasks are forgotten (es-apis.md
// §1.8, §5.10).

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace esmend::es_sim {

// BulkByScrollTask.Status: the progress of a reindex (or of one slice of it).
struct BulkByScrollStatus {
    std::optional<std::int64_t> slice_id;
    std::int64_t total = 0;
    std::int64_t updated = 0;
    std::int64_t created = 0;
    std::int64_t deleted = 0;
    std::int64_t batches = 0;
    std::int64_t version_conflicts = 0;
    std::int64_t noops = 0;
    std::int64_t retries_bulk = 0;
    std::int64_t retries_search = 0;
    std::int64_t throttled_millis = 0;
    // Float.POSITIVE_INFINITY in ES (no throttle), rendered as -1.
    double requests_per_second = -1;
    std::int64_t throttled_until_millis = 0;
    std::optional<std::string> canceled;
    std::vector<BulkByScrollStatus> slices;

    // BulkByScrollTask.Status.innerXContent (the fields without the enclosing object).
    [[nodiscard]] nlohmann::json to_json() const;
};

// One task. The worker thread (if any) and the HTTP threads share it through the registry.
class Task {
public:
    Task(std::string node_id, std::int64_t id, std::string action, std::string description,
         bool cancellable);

    [[nodiscard]] std::string task_id() const { return m_node_id + ":" + std::to_string(m_id); }
    [[nodiscard]] std::int64_t id() const { return m_id; }
    [[nodiscard]] const std::string& action() const { return m_action; }

    // TaskInfo.toXContent; status and description only when detailed (Task.taskInfo).
    [[nodiscard]] nlohmann::json info(bool detailed) const;

    // Progress, updated by the worker. Takes the task's own lock.
    [[nodiscard]] BulkByScrollStatus status() const;
    void set_status(const BulkByScrollStatus& status);

    // Cancellation (TaskManager.cancel): marks the task and wakes a throttle wait.
    void cancel(const std::string& reason);
    [[nodiscard]] bool cancelled() const { return m_cancelled.load(); }
    [[nodiscard]] std::string cancel_reason() const;

    // A node restart or shutdown: the worker stops at the next check and leaves no result.
    void abandon();
    [[nodiscard]] bool abandoned() const { return m_abandoned.load(); }

    // requests_per_second; <= 0 means unthrottled. Rethrottling wakes a throttle wait so that a
    // speed-up takes effect at once (WorkerBulkByScrollTaskState.rethrottle).
    [[nodiscard]] double requests_per_second() const;
    void rethrottle(double requests_per_second);

    // Waits until `deadline`, or until cancel/abandon, or (when `wake_on_rethrottle`) a
    // rethrottle. Returns false when woken early.
    bool wait_until(std::chrono::steady_clock::time_point deadline, bool wake_on_rethrottle);
    [[nodiscard]] std::uint64_t rethrottle_generation() const;

    // Completion: the response (or error) of the task, or nullopt while running or when the task
    // was abandoned.
    void finish(std::optional<nlohmann::json> response, std::optional<nlohmann::json> error,
                int http_status);
    [[nodiscard]] bool finished() const;
    // Blocks until finished or abandoned, or the deadline; returns finished().
    bool wait_finished(std::chrono::steady_clock::time_point deadline);
    [[nodiscard]] std::optional<nlohmann::json> response() const;
    [[nodiscard]] std::optional<nlohmann::json> error() const;
    [[nodiscard]] int http_status() const;

    std::thread worker;

private:
    std::string m_node_id;
    std::int64_t m_id;
    std::string m_action;
    std::string m_description;
    bool m_cancellable;
    std::int64_t m_start_ms;
    std::chrono::steady_clock::time_point m_started;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    BulkByScrollStatus m_status;
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_abandoned{false};
    std::string m_cancel_reason;
    double m_rps = -1;
    std::uint64_t m_rethrottles = 0;
    bool m_finished = false;
    std::optional<nlohmann::json> m_response;
    std::optional<nlohmann::json> m_error;
    int m_http_status = 200;
};

class TaskRegistry {
public:
    explicit TaskRegistry(std::string node_id) : m_node_id(std::move(node_id)) {}
    ~TaskRegistry() { join(forget_all()); }
    TaskRegistry(const TaskRegistry&) = delete;
    TaskRegistry& operator=(const TaskRegistry&) = delete;

    [[nodiscard]] const std::string& node_id() const { return m_node_id; }
    void set_node_id(std::string node_id) { m_node_id = std::move(node_id); }

    // Registers a running task with the next id.
    std::shared_ptr<Task> start(const std::string& action, const std::string& description,
                                bool cancellable);
    // A task id without a task behind it, as ES allocates for its own list/cancel actions.
    std::int64_t allocate_id() { return m_next_id++; }

    // The task leaves the running set; with `store`, its result is kept for GET _tasks/{id}
    // (TaskResultsService.storeResult for wait_for_completion=false).
    void completed(const std::shared_ptr<Task>& task, bool store);

    [[nodiscard]] std::shared_ptr<Task> running(std::int64_t id) const;
    [[nodiscard]] std::vector<std::shared_ptr<Task>> running_tasks() const;
    // The stored {completed, task, response|error} document of a finished task.
    [[nodiscard]] std::optional<nlohmann::json> stored(std::int64_t id) const;
    // Whether ES would have created the `.tasks` index by now (a result was ever stored).
    [[nodiscard]] bool results_index_exists() const;

    // Node restart or shutdown: every running task is abandoned and forgotten (stored results
    // stay). Returns the tasks whose worker threads must then be joined with join(), without the
    // engine lock held, since workers take it between batches.
    [[nodiscard]] std::vector<std::shared_ptr<Task>> forget_all();
    static void join(const std::vector<std::shared_ptr<Task>>& workers);

private:
    std::string m_node_id;
    mutable std::mutex m_mutex;
    std::map<std::int64_t, std::shared_ptr<Task>> m_running;
    std::vector<std::shared_ptr<Task>> m_workers; // tasks whose thread may still need a join
    std::map<std::int64_t, nlohmann::json> m_results;
    std::atomic<std::int64_t> m_next_id{1};
};

} // namespace esmend::es_sim
