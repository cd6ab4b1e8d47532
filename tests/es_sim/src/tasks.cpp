#include "tasks.hpp"

#include <cmath>

namespace esmend::es_sim {

using nlohmann::json;

json BulkByScrollStatus::to_json() const {
    json out = json::object();
    if (slice_id)
        out["slice_id"] = *slice_id;
    out["total"] = total;
    out["updated"] = updated;
    out["created"] = created;
    out["deleted"] = deleted;
    out["batches"] = batches;
    out["version_conflicts"] = version_conflicts;
    out["noops"] = noops;
    out["retries"] = {{"bulk", retries_bulk}, {"search", retries_search}};
    out["throttled_millis"] = throttled_millis;
    // ES renders the float requestsPerSecond, -1 for Float.POSITIVE_INFINITY ("-1.0" in JSON).
    out["requests_per_second"] = requests_per_second <= 0 ? -1.0 : requests_per_second;
    if (canceled)
        out["canceled"] = *canceled;
    out["throttled_until_millis"] = throttled_until_millis;
    if (!slices.empty()) {
        json arr = json::array();
        for (const auto& s : slices)
            arr.push_back(s.to_json());
        out["slices"] = arr;
    }
    return out;
}

Task::Task(std::string node_id, std::int64_t id, std::string action, std::string description,
           bool cancellable)
    : m_node_id(std::move(node_id)), m_id(id), m_action(std::move(action)),
      m_description(std::move(description)), m_cancellable(cancellable),
      m_start_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count()),
      m_started(std::chrono::steady_clock::now()) {}

json Task::info(bool detailed) const {
    // TaskInfo.toXContent (es-apis.md §1.8, SPEC tasks/_types/TaskInfo.ts).
    json out = {{"node", m_node_id}, {"id", m_id}, {"type", "transport"}, {"action", m_action}};
    if (detailed) {
        out["status"] = status().to_json();
        out["description"] = m_description;
    }
    out["start_time_in_millis"] = m_start_ms;
    out["running_time_in_nanos"] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now() - m_started)
                                       .count();
    out["cancellable"] = m_cancellable;
    if (m_cancellable)
        out["cancelled"] = cancelled();
    out["headers"] = json::object();
    return out;
}

BulkByScrollStatus Task::status() const {
    std::lock_guard lock(m_mutex);
    return m_status;
}

void Task::set_status(const BulkByScrollStatus& status) {
    std::lock_guard lock(m_mutex);
    m_status = status;
}

void Task::cancel(const std::string& reason) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_cancelled.load())
            m_cancel_reason = reason;
        m_cancelled = true;
    }
    m_cv.notify_all();
}

std::string Task::cancel_reason() const {
    std::lock_guard lock(m_mutex);
    return m_cancel_reason;
}

void Task::abandon() {
    {
        std::lock_guard lock(m_mutex);
        m_abandoned = true;
    }
    m_cv.notify_all();
}

double Task::requests_per_second() const {
    std::lock_guard lock(m_mutex);
    return m_rps;
}

void Task::rethrottle(double requests_per_second) {
    {
        std::lock_guard lock(m_mutex);
        m_rps = requests_per_second;
        m_status.requests_per_second = requests_per_second;
        ++m_rethrottles;
    }
    m_cv.notify_all();
}

std::uint64_t Task::rethrottle_generation() const {
    std::lock_guard lock(m_mutex);
    return m_rethrottles;
}

bool Task::wait_until(std::chrono::steady_clock::time_point deadline, bool wake_on_rethrottle) {
    std::unique_lock lock(m_mutex);
    const auto generation = m_rethrottles;
    return !m_cv.wait_until(lock, deadline, [&] {
        return m_cancelled.load() || m_abandoned.load() ||
               (wake_on_rethrottle && m_rethrottles != generation);
    });
}

void Task::finish(std::optional<json> response, std::optional<json> error, int http_status) {
    {
        std::lock_guard lock(m_mutex);
        m_response = std::move(response);
        m_error = std::move(error);
        m_http_status = http_status;
        m_finished = true;
    }
    m_cv.notify_all();
}

bool Task::finished() const {
    std::lock_guard lock(m_mutex);
    return m_finished;
}

bool Task::wait_finished(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_until(lock, deadline, [&] { return m_finished || m_abandoned.load(); });
    return m_finished;
}

std::optional<json> Task::response() const {
    std::lock_guard lock(m_mutex);
    return m_response;
}

std::optional<json> Task::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

int Task::http_status() const {
    std::lock_guard lock(m_mutex);
    return m_http_status;
}

std::shared_ptr<Task> TaskRegistry::start(const std::string& action, const std::string& description,
                                          bool cancellable) {
    // Join the threads of tasks that ended before (outside the lock: a worker's last step takes
    // it).
    std::vector<std::shared_ptr<Task>> ended;
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_workers, [&](const std::shared_ptr<Task>& t) {
            if (!m_running.contains(t->id())) {
                ended.push_back(t);
                return true;
            }
            return false;
        });
    }
    for (auto& t : ended)
        if (t->worker.joinable())
            t->worker.join();
    auto task = std::make_shared<Task>(m_node_id, m_next_id++, action, description, cancellable);
    std::lock_guard lock(m_mutex);
    m_running.emplace(task->id(), task);
    m_workers.push_back(task);
    return task;
}

void TaskRegistry::completed(const std::shared_ptr<Task>& task, bool store) {
    std::lock_guard lock(m_mutex);
    if (m_running.erase(task->id()) == 0)
        return; // forgotten by a restart meanwhile
    if (!store)
        return;
    // TaskResult.toXContent: {"completed": true, "task": TaskInfo, "response" | "error"}.
    json doc = {{"completed", true}, {"task", task->info(true)}};
    if (auto e = task->error())
        doc["error"] = *e;
    else if (auto r = task->response())
        doc["response"] = *r;
    m_results[task->id()] = std::move(doc);
}

std::shared_ptr<Task> TaskRegistry::running(std::int64_t id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_running.find(id);
    return it == m_running.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Task>> TaskRegistry::running_tasks() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::shared_ptr<Task>> out;
    for (const auto& [id, t] : m_running)
        out.push_back(t);
    return out;
}

std::optional<json> TaskRegistry::stored(std::int64_t id) const {
    std::lock_guard lock(m_mutex);
    const auto it = m_results.find(id);
    if (it == m_results.end())
        return std::nullopt;
    return it->second;
}

bool TaskRegistry::results_index_exists() const {
    std::lock_guard lock(m_mutex);
    return !m_results.empty();
}

std::vector<std::shared_ptr<Task>> TaskRegistry::forget_all() {
    std::lock_guard lock(m_mutex);
    for (auto& [id, t] : m_running)
        t->abandon();
    m_running.clear();
    auto workers = std::move(m_workers);
    m_workers.clear();
    return workers;
}

void TaskRegistry::join(const std::vector<std::shared_ptr<Task>>& workers) {
    for (const auto& t : workers) {
        t->abandon();
        if (t->worker.joinable())
            t->worker.join();
    }
}

} // namespace esmend::es_sim
