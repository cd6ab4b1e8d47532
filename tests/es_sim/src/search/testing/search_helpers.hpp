#pragma once
// Small helpers shared by the search unit tests.

#include "search/search.hpp"
#include "search/testing/fake_docs.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace esmend::es_sim::search::testing {

// 2023-08-01T00:00:00Z, the fixed `now` of the tests.
inline constexpr std::int64_t k_test_now = 1690848000000;

inline std::expected<nlohmann::json, EsError>
search_json(const FakeCorpus& corpus, const std::string& body, const Params& params = {},
            std::unique_ptr<SearchCache>* cache = nullptr, std::int64_t max_window = 10000) {
    const nlohmann::json parsed = body.empty() ? nlohmann::json() : nlohmann::json::parse(body);
    SearchInput in;
    in.body = &parsed;
    in.params = &params;
    in.docs = corpus.views();
    in.max_result_window = max_window;
    in.cache = cache;
    in.now_millis = k_test_now;
    return run_search(in);
}

inline std::vector<std::string> hit_ids(const nlohmann::json& result) {
    std::vector<std::string> out;
    for (const auto& h : result["hits"]["hits"])
        out.push_back(h["_id"].get<std::string>());
    return out;
}

} // namespace esmend::es_sim::search::testing
