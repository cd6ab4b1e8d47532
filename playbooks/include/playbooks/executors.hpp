#pragma once
// The two executors: live (sends each action) and plan (records it for --dry-run).

#include <es_client/elasticsearch.hpp>
#include <es_client/kibana.hpp>
#include <playbooks/action.hpp>

#include <vector>

namespace esmend::playbooks {

class LiveExecutor final : public Executor {
public:
    // `kibana` may be null when no Kibana is configured; a Kibana action then fails with a
    // config error that says so.
    LiveExecutor(es_client::Elasticsearch& es, es_client::Kibana* kibana)
        : m_es(es), m_kibana(kibana) {}
    [[nodiscard]] es_client::Result<nlohmann::json> execute(const Action& action) override;
    [[nodiscard]] bool applies_changes() const override { return true; }

private:
    es_client::Elasticsearch& m_es;
    es_client::Kibana* m_kibana;
};

class PlanExecutor final : public Executor {
public:
    // Records the action and answers with an empty object, as if it had succeeded.
    [[nodiscard]] es_client::Result<nlohmann::json> execute(const Action& action) override;
    [[nodiscard]] bool applies_changes() const override { return false; }
    [[nodiscard]] const std::vector<Action>& recorded() const { return m_recorded; }

private:
    std::vector<Action> m_recorded;
};

} // namespace esmend::playbooks
