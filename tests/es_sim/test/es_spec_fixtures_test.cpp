// The official request/response examples (shared/fixtures/es-spec): every request example of the
// APIs es-sim emulates is accepted, and es-sim's responses have the examples' keys and value types.
#include "sim_test_support.hpp"
#include "yaml_subset.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using esmend::es_sim::testing::Sim;
using esmend::es_sim::testing::YamlSubset;
using nlohmann::json;

namespace {

const std::string k_root = std::string(ESMEND_SHARED_DIR) + "/fixtures/es-spec";

json read_example(const std::string& relative) {
    std::ifstream in(k_root + "/" + relative);
    std::stringstream ss;
    ss << in.rdbuf();
    return YamlSubset::parse(ss.str());
}

// The example body as JSON (or NDJSON text for _bulk).
json example_value(const json& example) {
    if (!example.contains("value"))
        return nullptr;
    const auto& v = example["value"];
    if (!v.is_string())
        return v;
    auto parsed = json::parse(v.get<std::string>(), nullptr, false);
    return parsed.is_discarded() ? v : parsed;
}

// Request examples of APIs that belong to a later part of the issue (reindex, tasks, snapshots,
// migration) or that es-sim does not emulate: listed explicitly, never silently skipped.
const std::set<std::string> k_expected_unsupported = {"_global/reindex",
                                                      "_global/reindex_rethrottle",
                                                      "tasks/get",
                                                      "tasks/cancel",
                                                      "tasks/list",
                                                      "snapshot/get",
                                                      "snapshot/create",
                                                      "snapshot/create_repository",
                                                      "snapshot/restore",
                                                      "indices/migrate_reindex",
                                                      "indices/get_migrate_reindex_status",
                                                      "indices/create_from",
                                                      "indices/stats" /* fielddata metric */,
                                                      "cluster/put_settings"};

std::string api_of(const std::string& relative) {
    return relative.substr(0, relative.find("/examples/"));
}

// Builds the state the examples assume (names taken from the examples themselves).
void setup(Sim& sim, const std::string& method, const std::string& path) {
    // Whether the request itself creates `name` (then the setup must not).
    auto creates = [&](const std::string& name) {
        const auto bare = path.substr(0, path.find('?'));
        return method == "PUT" && bare.ends_with("/" + name);
    };
    ASSERT_EQ(
        sim.put("/_index_template/es-spec-ds",
                {{"index_patterns", {"my-data-stream*", "logs-foo-bar"}},
                 {"data_stream", json::object()},
                 {"priority", 500},
                 {"template", {{"settings", {{"index.lifecycle.name", "my-lifecycle-policy"}}}}},
                 {"_meta", {{"my-meta-field", "foo"}}}})
            .status,
        200);
    if (!creates("my-data-stream")) {
        ASSERT_EQ(sim.put("/_data_stream/my-data-stream", json::object()).status, 200);
    }
    if (!creates("my-index-000001")) {
        ASSERT_EQ(sim.put("/my-index-000001",
                          {{"mappings",
                            {{"properties",
                              {{"rating", {{"type", "long"}}}, {"title", {{"type", "text"}}}}}}}})
                      .status,
                  200);
    }
    if (!creates("books")) {
        ASSERT_EQ(sim.put("/books", json::object()).status, 200);
    }
    if (!creates("my-pipeline-id")) {
        ASSERT_EQ(
            sim.put("/_ingest/pipeline/my-pipeline-id",
                    {{"description", "describe pipeline"},
                     {"version", 123},
                     {"processors", json::array({{{"set", {{"field", "a"}, {"value", "b"}}}}})}})
                .status,
            200);
    }
    if (!creates("template_1")) {
        ASSERT_EQ(sim.put("/_component_template/template_1", {{"template", json::object()}}).status,
                  200);
    }
    if (!creates("my-index-000001")) {
        ASSERT_EQ(
            sim.put("/my-index-000001/_doc/1?refresh=true", {{"rating", 5}, {"title", "x"}}).status,
            201);
    }
    if (!creates("my-index-template")) {
        ASSERT_EQ(sim.put("/_index_template/my-index-template",
                          {{"index_patterns", {"my-index-template-*"}}})
                      .status,
                  200);
    }
    ASSERT_EQ(sim.put("/_component_template/ct2", {{"template", json::object()}}).status, 200);
    // IndicesModifyDataStreamExample1 swaps .ds-my-data-stream-2023.07.26-000001 for a -downsample
    // copy.
    const json ts = {{"settings", {{"index.lifecycle.name", "my-lifecycle-policy"}}},
                     {"mappings", {{"properties", {{"@timestamp", {{"type", "date"}}}}}}}};
    ASSERT_EQ(sim.put("/.ds-my-data-stream-2023.07.26-000001", ts).status, 200);
    ASSERT_EQ(sim.put("/.ds-my-data-stream-2023.07.26-000001-downsample", ts).status, 200);
    ASSERT_EQ(sim.post("/_data_stream/_modify",
                       {{"actions",
                         json::array({{{"add_backing_index",
                                        {{"data_stream", "my-data-stream"},
                                         {"index", ".ds-my-data-stream-2023.07.26-000001"}}}}})}})
                  .status,
              200);
}

// Every key of `expected` exists in `actual` with the same JSON type (numbers of any kind match);
// arrays compare their first elements. Keys listed in `dynamic` hold maps keyed by data (index or
// field names): there the first entry of each side is compared.
void expect_shape(const json& expected, const json& actual, const std::string& path,
                  const std::set<std::string>& dynamic) {
    if (expected.is_number()) {
        EXPECT_TRUE(actual.is_number()) << path << ": expected a number, got " << actual.dump();
        return;
    }
    if (expected.is_null())
        return;
    ASSERT_EQ(std::string(expected.type_name()), std::string(actual.type_name()))
        << path << " in " << actual.dump().substr(0, 400);
    if (expected.is_array()) {
        if (!expected.empty() && !actual.empty())
            expect_shape(expected[0], actual[0], path + "[0]", dynamic);
        return;
    }
    if (!expected.is_object())
        return;
    if (dynamic.contains(path)) {
        if (!expected.empty() && !actual.empty())
            expect_shape(expected.begin().value(), actual.begin().value(), path + ".*", dynamic);
        return;
    }
    for (const auto& [k, v] : expected.items()) {
        // Template creation/modification dates arrived after 8.19 (es-apis.md §1.3: "recent").
        if (k == "created_date" || k == "created_date_millis" || k == "modified_date" ||
            k == "modified_date_millis")
            continue;
        // field_caps "inference" comes with semantic_text support in newer versions (not sourced
        // for 8.19).
        if (k == "inference")
            continue;
        const auto child = path.empty() ? k : path + "." + k;
        ASSERT_TRUE(actual.contains(k))
            << "missing key " << child << " in " << actual.dump().substr(0, 400);
        expect_shape(v, actual[k], child, dynamic);
    }
}

} // namespace

TEST(EsSpecFixtures, YamlReaderReadsEveryExample) {
    int files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(k_root)) {
        if (entry.path().extension() != ".yaml")
            continue;
        ++files;
        const auto relative = std::filesystem::relative(entry.path(), k_root).string();
        const auto example = read_example(relative);
        ASSERT_TRUE(example.is_object()) << relative;
        if (relative.find("/request/") != std::string::npos && example.contains("method_request")) {
            EXPECT_TRUE(example["method_request"].is_string()) << relative;
        }
        if (example.contains("value") && example["value"].is_string() &&
            relative.find("bulk/examples/request") == std::string::npos &&
            !k_expected_unsupported.contains(api_of(relative))) {
            EXPECT_FALSE(
                json::parse(example["value"].get<std::string>(), nullptr, false).is_discarded())
                << relative;
        }
    }
    EXPECT_GT(files, 100);
    const auto info =
        read_example("_global/info/examples/response/RootNodeInfoResponseExample1.yaml");
    EXPECT_EQ(info["value"]["tagline"], "You Know, for Search");
    EXPECT_EQ(info["value"]["version"]["build_snapshot"], false);
}

TEST(EsSpecFixtures, EveryRequestExampleIsAccepted) {
    int sent = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(k_root)) {
        if (entry.path().extension() != ".yaml")
            continue;
        const auto relative = std::filesystem::relative(entry.path(), k_root).string();
        if (relative.find("/examples/request/") == std::string::npos)
            continue;
        if (k_expected_unsupported.contains(api_of(relative)))
            continue;
        const auto example = read_example(relative);
        if (!example.contains("method_request") || !example["method_request"].is_string())
            continue;
        auto request = example["method_request"].get<std::string>();
        const auto space = request.find(' ');
        if (space == std::string::npos)
            continue; // "GET" alone: no path to send
        const auto method = request.substr(0, space);
        auto path = request.substr(space + 1);
        if (!path.starts_with("/"))
            path = "/" + path;
        if (const auto hash = path.find('#'); hash != std::string::npos)
            path = path.substr(0, hash);
        // The security APIs need security enabled (a superuser here).
        esmend::es_sim::Options options;
        if (relative.starts_with("security/"))
            options.users = {
                esmend::es_sim::User{"elastic", "pw", esmend::es_sim::Role::superuser}};
        Sim sim(options);
        if (!options.users.empty())
            sim.auth("elastic", "pw");
        setup(sim, method, path);
        const auto value = example_value(example);
        std::string body;
        if (value.is_string()) {
            body = value.get<std::string>();
            if (!body.ends_with("\n") && path.find("_bulk") != std::string::npos)
                body += "\n";
        } else if (!value.is_null()) {
            body = value.dump();
        }
        const auto r = sim.call(method, path, body,
                                path.find("_bulk") != std::string::npos ? "application/x-ndjson"
                                                                        : "application/json");
        ++sent;
        // Examples whose data cannot exist here get ES's own 404: DELETE /_pit and a PIT search
        // with the example's made-up PIT id, and data stream stats for a name that is an index, not
        // a data stream.
        const bool expected_404 = path == "/_pit" ||
                                  relative.ends_with("SearchRequestExample2.yaml") ||
                                  relative.ends_with("indicesDataStreamStatsExampleRequest1.yaml");
        const bool ok = (r.status >= 200 && r.status < 300) || (expected_404 && r.status == 404);
        EXPECT_TRUE(ok) << relative << ": " << method << " " << path << " -> " << r.status << " "
                        << r.body.substr(0, 600);
    }
    EXPECT_GT(sent, 30);
}

struct ResponseCase {
    std::string file;
    std::string method;
    std::string path;
    json body;
    std::set<std::string> dynamic;
    std::function<void(Sim&)> prepare;
};

TEST(EsSpecFixtures, ResponsesHaveTheExamplesShapes) {
    const std::vector<ResponseCase> cases = {
        {"_global/info/examples/response/RootNodeInfoResponseExample1.yaml",
         "GET",
         "/",
         nullptr,
         {},
         nullptr},
        {"cluster/health/examples/response/ClusterHealthResponseExample1.yaml",
         "GET",
         "/_cluster/health",
         nullptr,
         {},
         nullptr},
        {"cat/indices/examples/200_response/CatIndicesResponseExample1.yaml",
         "GET",
         "/_cat/indices/my-index-*?v=true&s=index&format=json",
         nullptr,
         {},
         nullptr},
        {"cat/allocation/examples/200_response/CatAllocationResponseExample1.yaml",
         "GET",
         "/_cat/allocation?v=true&format=json",
         nullptr,
         {},
         nullptr},
        {"_global/count/examples/200_response/CountResponseExample1.yaml",
         "GET",
         "/my-index-000001/_count",
         nullptr,
         {},
         nullptr},
        {"_global/open_point_in_time/examples/response/OpenPointInTimeResponseExample1.yaml",
         "POST",
         "/my-index-000001/_pit?keep_alive=1m",
         nullptr,
         {},
         nullptr},
        {"indices/get_data_stream/examples/200_response/indicesGetDataStreamResponseExample1.yaml",
         "GET",
         "/_data_stream/my-data-stream",
         nullptr,
         {},
         nullptr},
        {"indices/data_streams_stats/examples/200_response/"
         "indicesDataStreamStatsResponseExample1.yaml",
         "GET",
         "/_data_stream/my-data-stream/_stats?human=true",
         nullptr,
         {},
         nullptr},
        {"indices/simulate_index_template/examples/200_response/"
         "indicesSimulateIndexTemplateResponseExample1.yaml",
         "POST",
         "/_index_template/_simulate_index/my-index-000001",
         nullptr,
         {},
         nullptr},
        {"indices/simulate_template/examples/200_response/"
         "indicesSimulateTemplateResponseExample2.yaml",
         "POST",
         "/_index_template/_simulate",
         json{{"index_patterns", {"my-index-*"}},
              {"priority", 10},
              {"template",
               {{"settings", {{"index.number_of_replicas", 1}}},
                {"mappings", {{"properties", {{"@timestamp", {{"type", "date"}}}}}}}}}},
         {},
         nullptr},
        {"cluster/get_component_template/examples/200_response/"
         "GetComponentTemplateResponseExample1.yaml",
         "GET",
         "/_component_template/template_1",
         nullptr,
         {"component_templates[0].component_template.template.mappings.properties"},
         nullptr},
        {"ingest/get_pipeline/examples/200_response/GetPipelineResponseExample1.yaml",
         "GET",
         "/_ingest/pipeline/my-pipeline-id",
         nullptr,
         {""},
         nullptr},
        {"_global/field_caps/examples/response/FieldCapabilitiesResponseExample1.yaml",
         "GET",
         "/index*/_field_caps?fields=rating,title",
         nullptr,
         {"fields", "fields.*"},
         [](Sim& sim) {
             // The example's conflict: rating is long in index1-2 and keyword in index3-4.
             // index1 is not aggregatable (no doc values), index4 not searchable (index: false).
             const std::vector<std::pair<std::string, json>> ratings = {
                 {"index1", {{"type", "long"}, {"doc_values", false}}},
                 {"index2", {{"type", "long"}}},
                 {"index3", {{"type", "keyword"}}},
                 {"index4", {{"type", "keyword"}, {"index", false}}}};
             for (const auto& [name, rating] : ratings) {
                 ASSERT_EQ(sim.put("/" + name,
                                   {{"mappings",
                                     {{"properties",
                                       {{"rating", rating}, {"title", {{"type", "text"}}}}}}}})
                               .status,
                           200);
             }
         }},
        {"_global/search/examples/200_response/SearchResponseExample1.yaml",
         "GET",
         "/my-index-000001/_search?from=0&size=20",
         nullptr,
         {},
         [](Sim& sim) {
             ASSERT_EQ(sim.del("/my-index-000001/_doc/1?refresh=true").status, 200);
             ASSERT_EQ(sim.put("/my-index-000001/_doc/0?refresh=true",
                               {{"@timestamp", "2099-11-15T14:12:12"},
                                {"http",
                                 {{"request", {{"method", "get"}}},
                                  {"response", {{"bytes", 1070000}, {"status_code", 200}}},
                                  {"version", "1.1"}}},
                                {"message", "GET /search HTTP/1.1 200 1070000"},
                                {"source", {{"ip", "127.0.0.1"}}},
                                {"user", {{"id", "kimchy"}}}})
                           .status,
                       201);
         }},
        {"_global/close_point_in_time/examples/200_response/ClosePointInTimeResponseExample1.yaml",
         "DELETE",
         "/_pit",
         nullptr,
         {},
         nullptr},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.file);
        Sim sim;
        setup(sim, "", "");
        ASSERT_EQ(
            sim.put("/_index_template/final-template",
                    {{"index_patterns", {"my-index-*"}},
                     {"priority", 5},
                     {"template",
                      {{"settings", {{"number_of_shards", 2}, {"number_of_replicas", 0}}},
                       {"mappings", {{"properties", {{"@timestamp", {{"type", "date"}}}}}}}}}})
                .status,
            200);
        ASSERT_EQ(sim.put("/_component_template/template_1",
                          {{"template",
                            {{"settings", {{"number_of_shards", 1}}},
                             {"mappings",
                              {{"_source", {{"enabled", false}}},
                               {"properties",
                                {{"host_name", {{"type", "keyword"}}},
                                 {"@timestamp", {{"type", "date"}}}}}}}}},
                           {"version", 1},
                           {"_meta", {{"description", "set number of shards to one"}}}})
                      .status,
                  200);
        if (c.prepare)
            c.prepare(sim);
        std::string body = c.body.is_null() ? "" : c.body.dump();
        if (c.path == "/_pit") {
            const auto pit = sim.post("/my-index-000001/_pit?keep_alive=1m", json::object());
            body = json({{"id", pit.json["id"]}}).dump();
        }
        const auto r = sim.call(c.method, c.path, body);
        ASSERT_GE(r.status, 200);
        ASSERT_LT(r.status, 300) << r.body;
        const auto expected = example_value(read_example(c.file));
        ASSERT_FALSE(expected.is_null());
        expect_shape(expected, r.json, "", c.dynamic);
    }
}
