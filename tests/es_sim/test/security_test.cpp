// Authentication and role checks.
#include "security.hpp"
#include "sim_test_support.hpp"

using esmend::es_sim::ApiKey;
using esmend::es_sim::Options;
using esmend::es_sim::Role;
using esmend::es_sim::User;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {
Options secured() {
    Options o;
    o.users = {User{"admin", "pw", Role::superuser}, User{"reader", "rpw", Role::read_only},
               User{"nobody", "npw", Role::no_access}};
    o.api_keys = {ApiKey{"key1", "secret1", Role::superuser}};
    return o;
}
} // namespace

TEST(Security, MissingCredentialsIs401WithChallenges) {
    Sim sim(secured());
    const auto r = sim.get("/_cluster/health?pretty");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.json["error"]["type"], "security_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "missing authentication credentials for REST request [/_cluster/health?pretty]");
    EXPECT_NE(r.body.find("Basic realm=\\\"security\\\" charset=\\\"UTF-8\\\""), std::string::npos);
    EXPECT_TRUE(r.headers.count("WWW-Authenticate") >= 1);
    EXPECT_EQ(r.header("X-elastic-product"), "Elasticsearch");
}

TEST(Security, WrongPasswordIs401) {
    Sim sim(secured());
    sim.auth("admin", "nope");
    const auto r = sim.get("/");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.json["error"]["reason"],
              "unable to authenticate user [admin] for REST request [/]");
}

TEST(Security, SuperuserMayWrite) {
    Sim sim(secured());
    sim.auth("admin", "pw");
    EXPECT_EQ(sim.put("/x", json::object()).status, 200);
    const auto me = sim.get("/_security/_authenticate");
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.json["username"], "admin");
    EXPECT_EQ(me.json["roles"], json::array({"superuser"}));
    EXPECT_EQ(me.json["authentication_type"], "realm");
}

TEST(Security, ReadOnlyUserGets403OnBulkButMayRead) {
    Sim sim(secured());
    sim.auth("admin", "pw");
    ASSERT_EQ(sim.put("/x", json::object()).status, 200);
    sim.auth("reader", "rpw");
    EXPECT_EQ(sim.get("/x/_count").status, 200);
    const auto r = sim.bulk("/_bulk", {{{"index", {{"_index", "x"}}}}, {{"a", 1}}});
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json["error"]["type"], "security_exception");
    EXPECT_TRUE(r.json["error"]["reason"].get<std::string>().starts_with(
        "action [indices:data/write/bulk] is unauthorized for user [reader] with effective roles "
        "[viewer]"))
        << r.body;
}

TEST(Security, NoAccessUserIsRefusedEvenReads) {
    Sim sim(secured());
    sim.auth("nobody", "npw");
    EXPECT_EQ(sim.get("/").status, 403);
    EXPECT_EQ(sim.get("/_security/_authenticate").status, 200);
}

TEST(Security, ApiKeyAuthenticates) {
    Sim sim(secured());
    sim.header("Authorization", "ApiKey " + esmend::es_sim::base64_encode("key1:secret1"));
    const auto me = sim.get("/_security/_authenticate");
    ASSERT_EQ(me.status, 200);
    EXPECT_EQ(me.json["authentication_type"], "api_key");
    sim.clear_headers();
    sim.header("Authorization", "ApiKey " + esmend::es_sim::base64_encode("key1:wrong"));
    EXPECT_EQ(sim.get("/").status, 401);
}

TEST(Security, HasPrivilegesReflectsTheRole) {
    Sim sim(secured());
    sim.auth("reader", "rpw");
    const auto r = sim.post(
        "/_security/user/_has_privileges",
        {{"cluster", {"monitor", "manage"}},
         {"index", json::array({{{"names", {"logs-*"}}, {"privileges", {"read", "write"}}}})}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json["username"], "reader");
    EXPECT_EQ(r.json["has_all_requested"], false);
    EXPECT_EQ(r.json["cluster"], json({{"monitor", true}, {"manage", false}}));
    EXPECT_EQ(r.json["index"]["logs-*"], json({{"read", true}, {"write", false}}));
}

// ES RBACEngine.checkPrivileges -> ClusterPrivilegeResolver.resolve / IndexPrivilege.resolve: a
// privilege name ES does not know is a 400 illegal_argument_exception, not a "false" (a typo in
// a client's check must not pass for a missing privilege). Names are case-insensitive, and raw
// actions are privileges too.
TEST(Security, HasPrivilegesRefusesUnknownPrivilegeNames) {
    Sim sim(secured());
    sim.auth("reader", "rpw");
    auto r =
        sim.post("/_security/user/_has_privileges", {{"cluster", {"monitor", "create_snapshots"}}});
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "illegal_argument_exception");
    EXPECT_EQ(r.json["error"]["reason"].get<std::string>().rfind(
                  "unknown cluster privilege [create_snapshots]. a privilege must be either one of "
                  "the predefined cluster privilege names [",
                  0),
              0u)
        << r.json.dump();
    r = sim.post("/_security/user/_has_privileges",
                 {{"index", json::array({{{"names", {"logs-*"}}, {"privileges", {"reed"}}}})}});
    ASSERT_EQ(r.status, 400);
    EXPECT_NE(r.json["error"]["reason"].get<std::string>().find("unknown index privilege [reed]"),
              std::string::npos);
    r = sim.post(
        "/_security/user/_has_privileges",
        {{"cluster", {"Create_Snapshot", "cluster:monitor/main"}},
         {"index",
          json::array({{{"names", {"logs-*"}},
                        {"privileges", {"VIEW_INDEX_METADATA", "indices:data/read/search"}}}})}});
    EXPECT_EQ(r.status, 200) << r.json.dump();
}

TEST(Security, Base64RoundTrips) {
    for (const std::string s : {"", "a", "ab", "abc", "user:password"})
        EXPECT_EQ(esmend::es_sim::base64_decode(esmend::es_sim::base64_encode(s)), s);
}
