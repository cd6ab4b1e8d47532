// The compiled-in assets mirror the Golang integration 1.6.0 field for field: every field of
// Elastic's fields.yml (../shared/fixtures/golang-integration) with its type and unit, host.ip as
// ECS's ip, and templates that reference each other in install order.
#include <assets/assets.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <vector>

using namespace esmend::assets;
using nlohmann::json;

namespace {

struct FieldDef {
    std::string type;
    std::string unit;
};

// Reads the subset of the package's fields.yml format that it uses: nested "- name:" entries under
// "type: group" parents, each with type and optional unit. Indentation gives the nesting.
std::map<std::string, FieldDef> read_fields_yml(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::map<std::string, FieldDef> out;
    std::vector<std::pair<std::size_t, std::string>> stack; // (indent of "- name", full name)
    std::string line;
    std::string current;
    const auto trim = [](std::string s) {
        while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
            s.pop_back();
        if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"'))
            s = s.substr(1, s.size() - 2);
        return s;
    };
    while (std::getline(in, line)) {
        const auto indent = line.find_first_not_of(' ');
        if (indent == std::string::npos)
            continue;
        const std::string body = line.substr(indent);
        if (body.rfind("- name: ", 0) == 0) {
            while (!stack.empty() && stack.back().first >= indent)
                stack.pop_back();
            const std::string name = trim(body.substr(8));
            current = stack.empty() ? name : stack.back().second + "." + name;
            stack.emplace_back(indent, current);
        } else if (body.rfind("type: ", 0) == 0 && !current.empty()) {
            out[current].type = trim(body.substr(6));
        } else if (body.rfind("unit: ", 0) == 0 && !current.empty()) {
            out[current].unit = trim(body.substr(6));
        }
    }
    std::erase_if(out, [](const auto& kv) { return kv.second.type == "group"; });
    return out;
}

const json* mapping_of(const json& properties, const std::string& dotted) {
    const json* node = &properties;
    std::size_t start = 0;
    while (true) {
        const auto dot = dotted.find('.', start);
        const auto key = dotted.substr(start, dot - start);
        if (!node->contains(key))
            return nullptr;
        const json& field = (*node)[key];
        if (dot == std::string::npos)
            return &field;
        if (!field.contains("properties"))
            return nullptr;
        node = &field["properties"];
        start = dot + 1;
    }
}

json body_of(const std::string& name) {
    const auto* a = find(name);
    EXPECT_NE(a, nullptr) << name;
    return a ? json::parse(a->json) : json();
}

std::string fields_yml(const std::string& ds) {
    return std::string(ESMEND_SHARED_DIR) + "/fixtures/golang-integration/data_stream/" + ds +
           "/fields/fields.yml";
}

} // namespace

TEST(Assets, AllParseAndComeInInstallOrder) {
    ASSERT_EQ(all().size(), 7u);
    int last_kind = -1;
    for (const auto& a : all()) {
        EXPECT_FALSE(json::parse(a.json, nullptr, false).is_discarded()) << a.name;
        EXPECT_GE(static_cast<int>(a.kind), last_kind)
            << "component templates, then pipelines, then index templates";
        last_kind = static_cast<int>(a.kind);
    }
}

TEST(Assets, EveryIntegrationFieldIsMappedWithTypeAndUnit) {
    for (const std::string ds : {"heap", "expvar"}) {
        const auto fields = read_fields_yml(fields_yml(ds));
        ASSERT_GE(fields.size(), 13u) << ds;
        const auto props =
            body_of("logs-golang." + ds + "@package")["template"]["mappings"]["properties"];
        for (const auto& [name, def] : fields) {
            const json* m = mapping_of(props, name);
            ASSERT_NE(m, nullptr) << name << " is not mapped";
            EXPECT_EQ((*m)["type"], def.type) << name;
            if (def.unit.empty()) {
                EXPECT_FALSE(m->contains("meta")) << name;
            } else {
                EXPECT_EQ((*m)["meta"]["unit"], def.unit) << name;
            }
        }
    }
}

TEST(Assets, BaseFieldsFollowTheIntegration) {
    const auto fields =
        read_fields_yml(std::string(ESMEND_SHARED_DIR) +
                        "/fixtures/golang-integration/data_stream/heap/fields/base-fields.yml");
    ASSERT_EQ(fields.size(), 6u);
    for (const std::string ds : {"heap", "expvar"}) {
        const auto props =
            body_of("logs-golang." + ds + "@package")["template"]["mappings"]["properties"];
        for (const auto& [name, def] : fields) {
            const json* m = mapping_of(props, name);
            ASSERT_NE(m, nullptr) << name;
            EXPECT_EQ((*m)["type"], def.type) << name;
        }
    }
}

TEST(Assets, HostIpIsEcsIpAndIpStringsMapDynamicallyAsIp) {
    for (const std::string ds : {"heap", "expvar"}) {
        const auto mappings = body_of("logs-golang." + ds + "@package")["template"]["mappings"];
        const json* ip = mapping_of(mappings["properties"], "host.ip");
        ASSERT_NE(ip, nullptr);
        EXPECT_EQ((*ip)["type"], "ip");
        const auto& first = mappings["dynamic_templates"][0].begin().value();
        EXPECT_EQ(first["path_match"], "*.ip");
        EXPECT_EQ(first["mapping"]["type"], "ip");
    }
}

TEST(Assets, IndexTemplatesComposeTheirComponentsAndPipeline) {
    for (const std::string ds : {"heap", "expvar"}) {
        const auto t = body_of("logs-golang." + ds);
        EXPECT_EQ(t["index_patterns"], json::array({"logs-golang." + ds + "-*"}));
        EXPECT_EQ(t["priority"], 200);
        EXPECT_TRUE(t["data_stream"].is_object());
        EXPECT_EQ(t["_meta"]["managed_by"], "esmend");
        EXPECT_EQ(t["_meta"]["package"]["version"], "1.6.0");
        for (const auto& c : t["composed_of"])
            EXPECT_NE(find(c.get<std::string>()), nullptr) << c;
        const auto pipeline = body_of(
            "logs-golang." + ds + "@package")["template"]["settings"]["index"]["default_pipeline"];
        EXPECT_NE(find(pipeline.get<std::string>()), nullptr);
    }
}
