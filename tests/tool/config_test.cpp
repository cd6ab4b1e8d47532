// Precedence: command line > environment > config file > built-in default.
#include <tool/options.hpp>

#include "support/temp_dir.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

using namespace esmend::tool;
using esmend::test::TempDir;

namespace {

struct Parsed {
    GlobalOptions options;
    CLI::App app{"test"};
};

std::unique_ptr<Parsed> parse(std::vector<std::string> args) {
    auto p = std::make_unique<Parsed>();
    add_global_options(p->app, p->options);
    std::vector<const char*> argv{"esmend"};
    for (const auto& a : args)
        argv.push_back(a.c_str());
    p->app.parse(static_cast<int>(argv.size()), argv.data());
    return p;
}

class Config : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* v : {"ELASTICSEARCH_HOSTS", "ELASTICSEARCH_USERNAME",
                              "ELASTICSEARCH_PASSWORD", "ESMEND_CONFIG", "KIBANA_HOST"})
            ::unsetenv(v);
    }
    void TearDown() override { SetUp(); }
    TempDir dir;
};

} // namespace

TEST_F(Config, FileFillsWhatIsUnset) {
    const auto path =
        dir.write("c.toml", "# esmend config\nes-url = \"https://es1:9200,https://es2:9200\"\n"
                            "user = \"elastic\"\ninsecure = true\nretries = 5\ntimeout = 12.5\n");
    auto p = parse({});
    ASSERT_TRUE(apply_config_file(p->app, path, p->options));
    EXPECT_EQ(p->options.es_url, "https://es1:9200,https://es2:9200");
    EXPECT_EQ(p->options.user, "elastic");
    EXPECT_TRUE(p->options.insecure);
    EXPECT_EQ(p->options.retries, 5);
    EXPECT_DOUBLE_EQ(p->options.timeout_seconds, 12.5);
}

TEST_F(Config, CommandLineAndEnvironmentOverrideTheFile) {
    const auto path =
        dir.write("c.toml", "es-url = \"http://from-file:9200\"\nuser = \"file-user\"\n"
                            "kibana-url = \"http://kb-file:5601\"\n");
    ::setenv("ELASTICSEARCH_USERNAME", "env-user", 1);
    ::setenv("KIBANA_HOST", "http://kb-env:5601", 1);
    auto p = parse({"--es-url", "http://from-cli:9200", "--kibana-url", "http://kb-cli:5601"});
    ASSERT_TRUE(apply_config_file(p->app, path, p->options));
    EXPECT_EQ(p->options.es_url, "http://from-cli:9200");
    EXPECT_EQ(p->options.user, "env-user");
    EXPECT_EQ(p->options.kibana_url, "http://kb-cli:5601");
}

TEST_F(Config, EnvironmentUsesElasticNames) {
    ::setenv("ELASTICSEARCH_HOSTS", R"(["http://a:9200","http://b:9200"])", 1);
    ::setenv("ELASTICSEARCH_PASSWORD", "pw", 1);
    auto p = parse({});
    EXPECT_EQ(p->options.es_url, R"(["http://a:9200","http://b:9200"])");
    EXPECT_EQ(p->options.password, "pw");
}

TEST_F(Config, UnknownKeyIsConfigError) {
    const auto path = dir.write("c.toml", "es_url = \"http://typo:9200\"\n");
    auto p = parse({});
    auto r = apply_config_file(p->app, path, p->options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, esmend::es_client::ErrorKind::config);
    EXPECT_NE(r.error().message.find("es_url"), std::string::npos);
}

TEST_F(Config, InvalidValueIsRejectedWithoutEchoingIt) {
    const auto path = dir.write("c.toml", "retries = \"many\"\n");
    auto p = parse({});
    auto r = apply_config_file(p->app, path, p->options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message.find("many"), std::string::npos);
}

TEST_F(Config, ExplicitMissingFileIsAnError) {
    auto p = parse({"--config", dir.file("nope.toml")});
    const auto path = config_file_path(p->options);
    ASSERT_TRUE(path);
    EXPECT_FALSE(apply_config_file(p->app, *path, p->options));
}

TEST_F(Config, DefaultPathIsXdgConfigWhenPresent) {
    ::setenv("XDG_CONFIG_HOME", dir.path().c_str(), 1);
    auto p = parse({});
    EXPECT_FALSE(config_file_path(p->options));
    std::filesystem::create_directories(dir.path() / "esmend");
    dir.write("esmend/config.toml", "user = \"x\"\n");
    EXPECT_EQ(config_file_path(p->options), dir.file("esmend/config.toml"));
    ::unsetenv("XDG_CONFIG_HOME");
}
