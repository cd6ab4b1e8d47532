#pragma once
// What a playbook wants done to the cluster, as data: the live executor sends it, the plan
// executor records it (that recording is the dry-run output). Decisions never know which one runs.

#include <es_client/error.hpp>
#include <es_client/http.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace esmend::playbooks {

enum class Service { elasticsearch, kibana };

struct Action {
    Service service = Service::elasticsearch;
    es_client::Method method = es_client::Method::put;
    std::string path; // "/_component_template/x?create=false", relative to the service's root
    std::optional<nlohmann::json> body;
    std::string summary; // one line for the operator: "create component template x"
    // When set, the response body is stored in the run state under this key (a reindex task id,
    // say), so later steps can read it.
    std::string capture;
};

// Executes actions. LiveExecutor sends them; PlanExecutor only records them.
class Executor {
public:
    virtual ~Executor() = default;
    [[nodiscard]] virtual es_client::Result<nlohmann::json> execute(const Action& action) = 0;
    // False for the plan executor: the step engine then assumes every action succeeded and moves
    // on instead of observing the (unchanged) cluster again.
    [[nodiscard]] virtual bool applies_changes() const = 0;
};

} // namespace esmend::playbooks
