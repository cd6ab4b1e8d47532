#pragma once
// Aggregations es-sim supports: terms (with sub-aggregations), min, max, value_count, cardinality.
// Each index is one shard in es-sim and the whole document set is visible at once, so terms
// counts are exact: doc_count_error_upper_bound is always 0 and cardinality is an exact count
// (ES's HyperLogLog++ is also exact below its precision_threshold, 3000 by default).

#include "doc_view.hpp"
#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <memory>
#include <vector>

namespace esmend::es_sim::search {

class Aggregation;

// A parsed "aggs" object: request-level errors (unknown type, bad parameters) are found here.
class Aggregations {
public:
    Aggregations();
    Aggregations(Aggregations&&) noexcept;
    Aggregations& operator=(Aggregations&&) noexcept;
    ~Aggregations();

    [[nodiscard]] static std::expected<Aggregations, EsError> parse(const nlohmann::json& spec);

    // The "aggregations" response object over the matching documents. Shard-level problems
    // (terms on a text field) come back as the shard's cause for the caller to wrap.
    [[nodiscard]] std::expected<nlohmann::json, EsError>
    run(const std::vector<const DocView*>& docs) const;

    [[nodiscard]] bool empty() const;

private:
    std::vector<std::unique_ptr<Aggregation>> m_aggs;
};

} // namespace esmend::es_sim::search
