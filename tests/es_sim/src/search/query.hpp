#pragma once
// The query DSL subset es-sim understands, compiled once per request and then matched against
// DocViews. Parsing errors are ES's request-level parsing_exception; value errors that ES raises
// when building the Lucene query for a shard (a non-numeric term on a long field...) are returned
// by match() as the shard-level cause, for the caller to wrap as a shard failure.

#include "doc_view.hpp"
#include "es_error.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>

namespace esmend::es_sim::search {

struct QueryContext {
    std::int64_t now_millis = 0; // the value of `now` in date math, fixed for the request
};

// nullopt: the document does not match. A value: its score (es-sim scores every matching leaf
// query as its boost, 1.0 by default, instead of BM25; bool sums must/should scores as ES does).
using MatchResult = std::expected<std::optional<double>, EsError>;

class Query {
public:
    virtual ~Query() = default;
    [[nodiscard]] virtual MatchResult match(const DocView& doc) const = 0;
};

using QueryPtr = std::unique_ptr<Query>;

// Parses a query object such as {"term": {"host.ip": "10.0.0.1"}}. A null pointer input means
// match_all.
[[nodiscard]] std::expected<QueryPtr, EsError> parse_query(const nlohmann::json* query,
                                                           const QueryContext& context);

// The "failed to create query" shard failure ES reports when a query value cannot be parsed for
// a field's type (ES SearchExecutionContext / QueryShardException).
[[nodiscard]] EsError query_shard_error(std::string_view index, const std::string& message,
                                        EsError cause);

} // namespace esmend::es_sim::search
