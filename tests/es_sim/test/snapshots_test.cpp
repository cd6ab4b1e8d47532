// Snapshots: fs repositories under path.repo, create, get, delete and restore (es-apis.md §1.11,
// §5 pitfall 13; ES FsRepository, RepositoriesService, SnapshotsService, RestoreService).
#include "engine.hpp"
#include "sim_test_support.hpp"

#include <regex>

using esmend::es_sim::testing::ds_template;
using esmend::es_sim::testing::Sim;
using nlohmann::json;

namespace {

esmend::es_sim::Options with_repo(std::string version = "8.19.0") {
    esmend::es_sim::Options o;
    o.version = std::move(version);
    o.path_repo = {"/srv/es-backups", "/mnt/other"};
    return o;
}

void put_repo(Sim& sim, const std::string& name = "backup",
              const std::string& location = "nightly") {
    const auto r =
        sim.put("/_snapshot/" + name, {{"type", "fs"}, {"settings", {{"location", location}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json, json({{"acknowledged", true}}));
}

void seed_index(Sim& sim, const std::string& index, int docs) {
    auto r = sim.put("/" + index, {{"settings", {{"number_of_replicas", 0}}},
                                   {"mappings",
                                    {{"properties",
                                      {{"host", {{"properties", {{"ip", {{"type", "ip"}}}}}}},
                                       {"msg", {{"type", "keyword"}}}}}}},
                                   {"aliases", {{index + "-alias", json::object()}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::vector<json> lines;
    for (int i = 0; i < docs; ++i) {
        lines.push_back({{"index", {{"_index", index}, {"_id", std::to_string(i)}}}});
        lines.push_back({{"host", {{"ip", "10.0.0." + std::to_string(i % 250)}}},
                         {"msg", "m" + std::to_string(i)}});
    }
    r = sim.bulk("/_bulk?refresh=true", lines);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json["errors"], false) << r.body;
}

void seed_data_stream(Sim& sim, const std::string& name, int docs) {
    std::vector<json> lines;
    for (int i = 0; i < docs; ++i) {
        lines.push_back({{"create", {{"_index", name}}}});
        lines.push_back({{"@timestamp", "2024-01-01T00:00:0" + std::to_string(i % 10) + "Z"},
                         {"host", {{"ip", "10.1.0." + std::to_string(i)}}}});
    }
    const auto r = sim.bulk("/_bulk?refresh=true", lines);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json["errors"], false) << r.body;
}

// Every document's _source by _id, via a search sorted by _id: what a restore must bring back.
std::map<std::string, json> sources(Sim& sim, const std::string& target) {
    const auto r = sim.post("/" + target + "/_search",
                            {{"size", 1000}, {"query", {{"match_all", json::object()}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, json> out;
    for (const auto& hit : r.json["hits"]["hits"])
        out[hit["_id"].get<std::string>()] = hit["_source"];
    return out;
}

} // namespace

// es-apis.md §0.2 / deviantony/docker-elk#573: FsRepository's RepositoryException, wrapped by
// RepositoriesService.createRepository into "failed to create repository"; root_cause is the inner
// error and the status 500.
TEST(Snapshots, RepositoryRefusedWhenPathRepoIsEmpty) {
    Sim sim;
    const auto r =
        sim.put("/_snapshot/my_backup", {{"type", "fs"}, {"settings", {{"location", "/data"}}}});
    EXPECT_EQ(r.status, 500) << r.body;
    const std::string inner = "[my_backup] location [/data] doesn't match any of the locations "
                              "specified by path.repo because this setting is empty";
    EXPECT_EQ(r.json["status"], 500);
    EXPECT_EQ(r.json["error"]["type"], "repository_exception");
    EXPECT_EQ(r.json["error"]["reason"], "[my_backup] failed to create repository");
    EXPECT_EQ(r.json["error"]["caused_by"]["type"], "repository_exception");
    EXPECT_EQ(r.json["error"]["caused_by"]["reason"], inner);
    EXPECT_EQ(r.json["error"]["root_cause"][0]["type"], "repository_exception");
    EXPECT_EQ(r.json["error"]["root_cause"][0]["reason"], inner);
    EXPECT_EQ(sim.get("/_snapshot/my_backup").status, 404);
}

// FsRepository: a location outside every path.repo entry (absolute, or escaping with "..").
TEST(Snapshots, RepositoryOutsidePathRepoRefused) {
    Sim sim(with_repo());
    for (const std::string location : {"/data/backups", "../escape", "/srv/es-backups-other"}) {
        const auto r =
            sim.put("/_snapshot/r1", {{"type", "fs"}, {"settings", {{"location", location}}}});
        EXPECT_EQ(r.status, 500) << location << r.body;
        EXPECT_EQ(r.json["error"]["reason"], "[r1] failed to create repository");
        EXPECT_EQ(r.json["error"]["caused_by"]["reason"],
                  "[r1] location [" + location +
                      "] doesn't match any of the locations specified by path.repo");
    }
    auto r = sim.put("/_snapshot/r1", {{"type", "fs"}, {"settings", json::object()}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json["error"]["caused_by"]["reason"], "[r1] missing location");
    // RepositoriesService.createRepository: an unknown type is not wrapped.
    r = sim.put("/_snapshot/r1", {{"type", "tape"}, {"settings", {{"location", "x"}}}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json["error"]["type"], "repository_exception");
    EXPECT_EQ(r.json["error"]["reason"], "[r1] repository type [tape] does not exist");
    EXPECT_FALSE(r.json["error"].contains("caused_by"));
    // PutRepositoryRequest.validate.
    r = sim.put("/_snapshot/r1", {{"settings", {{"location", "x"}}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "action_request_validation_exception");
    EXPECT_EQ(r.json["error"]["reason"], "Validation Failed: 1: type is missing;");
}

TEST(Snapshots, RepositoryRegisteredListedAndMissing) {
    Sim sim(with_repo());
    put_repo(sim, "backup", "nightly");
    // An absolute location under the second path.repo entry, with a nested setting.
    auto r = sim.put(
        "/_snapshot/other",
        {{"type", "fs"}, {"settings", {{"location", "/mnt/other/a/../b"}, {"compress", true}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    r = sim.get("/_snapshot/backup");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json,
              json({{"backup", {{"type", "fs"}, {"settings", {{"location", "nightly"}}}}}}));
    r = sim.get("/_snapshot");
    EXPECT_EQ(r.json.size(), 2U);
    EXPECT_EQ(r.json["other"]["settings"]["compress"], "true"); // ES Settings keep strings
    EXPECT_EQ(sim.get("/_snapshot/_all").json.size(), 2U);
    EXPECT_EQ(sim.get("/_snapshot/oth*").json.size(), 1U);
    EXPECT_EQ(sim.get("/_snapshot/none*").json, json::object());
    r = sim.get("/_snapshot/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "repository_missing_exception");
    EXPECT_EQ(r.json["error"]["reason"], "[nope] missing");
    r = sim.put("/_snapshot/nope/snap", json::object());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["reason"], "[nope] missing");
    // The endpoint table validates the parameters (rest-api-spec snapshot.create_repository).
    r = sim.put("/_snapshot/backup?bogus=1", {{"type", "fs"}, {"settings", {{"location", "x"}}}});
    EXPECT_EQ(r.status, 400);
}

TEST(Snapshots, SnapshotOfAnIndexWithWaitForCompletion) {
    Sim sim(with_repo());
    put_repo(sim);
    seed_index(sim, "index_1", 20);
    const auto before = sim.get("/").json["version"]["number"];
    auto r = sim.put("/_snapshot/backup/snapshot_1?wait_for_completion=true",
                     {{"indices", "index_1,missing_index"},
                      {"ignore_unavailable", true},
                      {"include_global_state", false},
                      {"metadata", {{"taken_by", "user123"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    // es-spec SnapshotCreateResponseExample1.
    const auto& s = r.json["snapshot"];
    EXPECT_EQ(s["snapshot"], "snapshot_1");
    EXPECT_EQ(s["repository"], "backup");
    EXPECT_EQ(s["uuid"].get<std::string>().size(), 22U);
    EXPECT_EQ(s["version"], before);
    EXPECT_EQ(s["version_id"], 8190099);
    EXPECT_EQ(s["indices"], json::array({"index_1"}));
    EXPECT_EQ(s["data_streams"], json::array());
    EXPECT_EQ(s["feature_states"], json::array());
    EXPECT_EQ(s["include_global_state"], false);
    EXPECT_EQ(s["metadata"], json({{"taken_by", "user123"}}));
    EXPECT_EQ(s["state"], "SUCCESS");
    EXPECT_EQ(s["failures"], json::array());
    EXPECT_EQ(s["shards"], json({{"total", 1}, {"failed", 0}, {"successful", 1}}));
    EXPECT_TRUE(std::regex_match(s["start_time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
    EXPECT_GE(s["end_time_in_millis"].get<std::int64_t>(),
              s["start_time_in_millis"].get<std::int64_t>());
    EXPECT_EQ(s["duration_in_millis"].get<std::int64_t>(),
              s["end_time_in_millis"].get<std::int64_t>() -
                  s["start_time_in_millis"].get<std::int64_t>());
    // Without ignore_unavailable a missing index fails the snapshot (strictExpandHidden).
    r = sim.put("/_snapshot/backup/snapshot_2?wait_for_completion=true",
                {{"indices", {"index_1", "missing_index"}}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "index_not_found_exception");
}

// SnapshotsService.ensureSnapshotNameAvailableInRepo; SnapshotsService.validate.
TEST(Snapshots, DuplicateAndInvalidNamesRefused) {
    Sim sim(with_repo());
    put_repo(sim);
    seed_index(sim, "index_1", 2);
    ASSERT_EQ(sim.put("/_snapshot/backup/snap", {{"indices", "index_1"}}).status, 200);
    auto r = sim.put("/_snapshot/backup/snap", {{"indices", "index_1"}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "snapshot_name_already_in_use_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:snap] Invalid snapshot name [snap], snapshot with the same name already "
              "exists");
    r = sim.put("/_snapshot/backup/Snap", json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "invalid_snapshot_name_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:Snap] Invalid snapshot name [Snap], must be lowercase");
    r = sim.put("/_snapshot/backup/_snap", json::object());
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:_snap] Invalid snapshot name [_snap], must not start with '_'");
}

// 7.x throws the parent InvalidSnapshotNameException for a duplicate name.
TEST(Snapshots, DuplicateNameOn717IsInvalidSnapshotName) {
    Sim sim(with_repo("7.17"));
    put_repo(sim);
    ASSERT_EQ(sim.put("/_snapshot/backup/snap", json::object()).status, 200);
    const auto r = sim.put("/_snapshot/backup/snap", json::object());
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["type"], "invalid_snapshot_name_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:snap] Invalid snapshot name [snap], snapshot with the same name already "
              "exists");
    // ES Version.id of the emulated 7.17.x release: 7 * 1000000 + 17 * 10000 + patch * 100 + 99.
    const auto number = sim.get("/").json["version"]["number"].get<std::string>();
    ASSERT_TRUE(number.starts_with("7.17."));
    const auto info = sim.get("/_snapshot/backup/snap").json["snapshots"][0];
    EXPECT_EQ(info["version"], number);
    EXPECT_EQ(info["version_id"], 7170099 + 100 * std::stoi(number.substr(5)));
}

// Without wait_for_completion ES answers {"accepted": true} (es-apis.md §1.11); es-sim completes
// the snapshot at once, so GET shows it. es-spec SnapshotGetResponseExample1 for the list shape.
TEST(Snapshots, AcceptedSnapshotIsListedAndPaginated) {
    Sim sim(with_repo());
    put_repo(sim);
    seed_index(sim, "index_1", 3);
    for (const char* name : {"snapshot_1", "snapshot_2", "snapshot_3"}) {
        const auto r = sim.post(std::string("/_snapshot/backup/") + name, {{"indices", "index_1"}});
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(r.json, json({{"accepted", true}}));
    }
    auto r = sim.get("/_snapshot/backup/snapshot_*");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["total"], 3);
    EXPECT_EQ(r.json["remaining"], 0);
    ASSERT_EQ(r.json["snapshots"].size(), 3U);
    EXPECT_EQ(r.json["snapshots"][0]["snapshot"], "snapshot_1");
    EXPECT_EQ(r.json["snapshots"][0]["state"], "SUCCESS");
    EXPECT_EQ(sim.get("/_snapshot/backup/_all").json["total"], 3);
    EXPECT_EQ(sim.get("/_snapshot/backup/*").json["total"], 3);
    r = sim.get("/_snapshot/backup/*,-snapshot_2");
    ASSERT_EQ(r.json["total"], 2) << r.body;
    EXPECT_EQ(r.json["snapshots"][1]["snapshot"], "snapshot_3");
    r = sim.get("/_snapshot/backup/*?sort=name&order=desc&size=2");
    EXPECT_EQ(r.json["snapshots"].size(), 2U);
    EXPECT_EQ(r.json["snapshots"][0]["snapshot"], "snapshot_3");
    EXPECT_EQ(r.json["total"], 3);
    EXPECT_EQ(r.json["remaining"], 1);
    r = sim.get("/_snapshot/backup/snapshot_2?verbose=false");
    EXPECT_EQ(r.json["snapshots"][0]["indices"], json::array({"index_1"}));
    EXPECT_FALSE(r.json["snapshots"][0].contains("start_time"));
    r = sim.get("/_snapshot/backup/nope");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "snapshot_missing_exception");
    EXPECT_EQ(r.json["error"]["reason"], "[backup:nope] is missing");
    r = sim.get("/_snapshot/backup/nope?ignore_unavailable=true");
    EXPECT_EQ(r.json["total"], 0);
}

TEST(Snapshots, RestoreRenamedIndexBringsDocumentsMappingsAndAliasesBack) {
    Sim sim(with_repo());
    put_repo(sim);
    seed_index(sim, "index_1", 30);
    // A write after the last refresh is still in the snapshot (ES flushes first).
    ASSERT_EQ(sim.put("/index_1/_doc/late", {{"msg", "late"}}).status, 201);
    ASSERT_EQ(
        sim.put("/_snapshot/backup/snapshot_2?wait_for_completion=true", {{"indices", "index_1"}})
            .status,
        200);
    const auto mapping = sim.get("/index_1/_mapping").json["index_1"];
    ASSERT_EQ(sim.post("/index_1/_refresh", json::object()).status, 200);
    const auto docs = sources(sim, "index_1");
    ASSERT_EQ(docs.size(), 31U);
    // Changes after the snapshot do not leak into it.
    ASSERT_EQ(sim.del("/index_1/_doc/0").status, 200);

    // es-spec SnapshotRestoreRequestExample1.
    auto r = sim.post("/_snapshot/backup/snapshot_2/_restore?wait_for_completion=true",
                      {{"indices", "index_1,index_2"},
                       {"ignore_unavailable", true},
                       {"include_global_state", false},
                       {"rename_pattern", "index_(.+)"},
                       {"rename_replacement", "restored_index_$1"},
                       {"include_aliases", false}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json, json({{"snapshot",
                             {{"snapshot", "snapshot_2"},
                              {"indices", {"restored_index_1"}},
                              {"shards", {{"total", 1}, {"failed", 0}, {"successful", 1}}}}}}));
    EXPECT_EQ(sim.get("/restored_index_1/_mapping").json["restored_index_1"], mapping);
    EXPECT_EQ(sources(sim, "restored_index_1"), docs);
    auto index = sim.get("/restored_index_1").json["restored_index_1"];
    EXPECT_EQ(index["aliases"], json::object()); // include_aliases: false
    EXPECT_NE(index["settings"]["index"]["uuid"],
              sim.get("/index_1").json["index_1"]["settings"]["index"]["uuid"]);
    EXPECT_EQ(index["settings"]["index"]["number_of_replicas"], "0");

    // include_aliases defaults to true; index_settings changes a setting on the way in.
    r = sim.post("/_snapshot/backup/snapshot_2/_restore?wait_for_completion=true",
                 {{"indices", "index_1"},
                  {"rename_pattern", "index"},
                  {"rename_replacement", "copy"},
                  {"index_settings", {{"index.number_of_replicas", 2}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["snapshot"]["indices"], json::array({"copy_1"}));
    index = sim.get("/copy_1").json["copy_1"];
    EXPECT_TRUE(index["aliases"].contains("index_1-alias"));
    EXPECT_EQ(index["settings"]["index"]["number_of_replicas"], "2");
}

// RestoreService.validateExistingClosedIndex (es-sim has no closed indices).
TEST(Snapshots, RestoreOntoAnExistingIndexRefused) {
    Sim sim(with_repo());
    put_repo(sim);
    seed_index(sim, "index_1", 2);
    auto r = sim.put("/_snapshot/backup/snap?wait_for_completion=true", {{"indices", "index_1"}});
    ASSERT_EQ(r.status, 200);
    const auto uuid = r.json["snapshot"]["uuid"].get<std::string>();
    r = sim.post("/_snapshot/backup/snap/_restore", json::object());
    EXPECT_EQ(r.status, 500) << r.body;
    EXPECT_EQ(r.json["error"]["type"], "snapshot_restore_exception");
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:snap/" + uuid +
                  "] cannot restore index [index_1] because an open index with same name already "
                  "exists in the cluster. Either close or delete the existing index or restore the "
                  "index under a different name by providing a rename pattern and replacement "
                  "name");
    // The same restore succeeds once the index is gone; without wait_for_completion: accepted.
    ASSERT_EQ(sim.del("/index_1").status, 200);
    r = sim.post("/_snapshot/backup/snap/_restore", json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json, json({{"accepted", true}}));
    EXPECT_EQ(sim.get("/index_1/_count").json["count"], 2);
    // RestoreSnapshotRequest.source and RestoreService.restoreSnapshot errors.
    r = sim.post("/_snapshot/backup/snap/_restore", {{"bogus", 1}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json["error"]["reason"], "Unknown parameter bogus");
    r = sim.post("/_snapshot/backup/nope/_restore", json::object());
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json["error"]["reason"], "[backup:nope] snapshot does not exist");
    r = sim.post("/_snapshot/backup/snap/_restore",
                 {{"rename_pattern", "index_1"},
                  {"rename_replacement", "x"},
                  {"index_settings", {{"index.number_of_shards", 3}}}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json["error"]["reason"],
              "[backup:snap/" + uuid +
                  "] cannot modify setting [index.number_of_shards] on restore");
}

// A data stream in "indices" brings its backing indices and is recorded in data_streams
// (es-apis.md §1.11); renaming it renames the backing indices (.ds-<new>-...), RestoreService.
TEST(Snapshots, DataStreamSnapshotAndRenamedRestore) {
    Sim sim(with_repo());
    put_repo(sim);
    ds_template(sim);
    seed_data_stream(sim, "logs-app-default", 12);
    const auto ds = sim.get("/_data_stream/logs-app-default").json["data_streams"][0];
    const auto backing = ds["indices"][0]["index_name"].get<std::string>();
    auto r = sim.put("/_snapshot/backup/ds_snap?wait_for_completion=true",
                     {{"indices", "logs-app-default"}, {"include_global_state", false}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["snapshot"]["data_streams"], json::array({"logs-app-default"}));
    EXPECT_EQ(r.json["snapshot"]["indices"], json::array({backing}));
    const auto mapping = sim.get("/" + backing + "/_mapping").json[backing];
    const auto docs = sources(sim, "logs-app-default");
    ASSERT_EQ(docs.size(), 12U);

    r = sim.post("/_snapshot/backup/ds_snap/_restore?wait_for_completion=true",
                 {{"indices", "logs-app-default"},
                  {"rename_pattern", "logs-app-(.*)"},
                  {"rename_replacement", "logs-restored-$1"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("Warning").empty()) << r.header("Warning");
    const std::string renamed_backing =
        ".ds-logs-restored-default" + backing.substr(std::string(".ds-logs-app-default").size());
    EXPECT_EQ(r.json["snapshot"]["indices"], json::array({renamed_backing}));
    r = sim.get("/_data_stream/logs-restored-default");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json["data_streams"][0]["indices"][0]["index_name"], renamed_backing);
    EXPECT_EQ(r.json["data_streams"][0]["template"], "logs");
    EXPECT_EQ(sim.get("/" + renamed_backing + "/_mapping").json[renamed_backing], mapping);
    EXPECT_EQ(sources(sim, "logs-restored-default"), docs);
    // The restored stream takes writes into its (renamed) write index.
    r = sim.bulk("/_bulk", {{{"create", {{"_index", "logs-restored-default"}}}},
                            {{"@timestamp", "2024-02-01T00:00:00Z"}}});
    EXPECT_EQ(r.json["items"][0]["create"]["_index"], renamed_backing) << r.body;
    // The original is untouched; restoring it in place collides with its open backing index.
    r = sim.post("/_snapshot/backup/ds_snap/_restore", {{"indices", "logs-app-default"}});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.json["error"]["type"], "snapshot_restore_exception");
}

// ES#111893 / ES PR#114589: a data stream restored without a matching data stream template is
// restored anyway, with a warning header (the template check uses the name in the snapshot).
TEST(Snapshots, DataStreamRestoredWithoutTemplateWarns) {
    Sim sim(with_repo());
    put_repo(sim);
    ds_template(sim);
    seed_data_stream(sim, "logs-app-default", 3);
    auto r = sim.put("/_snapshot/backup/s1?wait_for_completion=true", {{"indices", "logs-*"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto uuid = r.json["snapshot"]["uuid"].get<std::string>();
    ASSERT_EQ(sim.del("/_data_stream/logs-app-default").status, 200);
    ASSERT_EQ(sim.del("/_index_template/logs").status, 200);
    r = sim.post("/_snapshot/backup/s1/_restore?wait_for_completion=true", json::object());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Warning"),
              "299 Elasticsearch-8.19.0-0000000000000000000000000000000000000000 \"Snapshot [s1/" +
                  uuid +
                  "] contains data stream [logs-app-default] but custer does not have a matching "
                  "index template. This will cause rollover to fail until a matching index "
                  "template is created\"");
    EXPECT_EQ(sim.get("/logs-app-default/_count").json["count"], 3);
    // include_global_state brings the template back with the stream: no warning then.
    ASSERT_EQ(sim.del("/_data_stream/logs-app-default").status, 200);
    r = sim.post("/_snapshot/backup/s1/_restore?wait_for_completion=true",
                 {{"include_global_state", true}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("Warning").empty());
    EXPECT_EQ(sim.get("/_index_template/logs").status, 200);
}

TEST(Snapshots, DeleteSnapshotThenMissing) {
    Sim sim(with_repo());
    put_repo(sim);
    ASSERT_EQ(sim.put("/_snapshot/backup/a1", json::object()).status, 200);
    ASSERT_EQ(sim.put("/_snapshot/backup/a2", json::object()).status, 200);
    ASSERT_EQ(sim.put("/_snapshot/backup/b1", json::object()).status, 200);
    auto r = sim.del("/_snapshot/backup/a1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json, json({{"acknowledged", true}}));
    r = sim.get("/_snapshot/backup/a1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["reason"], "[backup:a1] is missing");
    r = sim.del("/_snapshot/backup/a1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json["error"]["type"], "snapshot_missing_exception");
    ASSERT_EQ(sim.del("/_snapshot/backup/a*").status, 200);
    r = sim.get("/_snapshot/backup/*");
    EXPECT_EQ(r.json["total"], 1);
    EXPECT_EQ(r.json["snapshots"][0]["snapshot"], "b1");
}

// DELETE _snapshot/{repository} (RepositoriesService.unregisterRepository). rest-api-spec's
// snapshot.delete_repository is not in the shared endpoint subset, so es-sim's HTTP router does not
// route it yet; the handler is exercised on the engine directly.
TEST(Snapshots, DeleteRepositoryKeepsSnapshotsAtTheLocation) {
    esmend::es_sim::EngineOptions options;
    options.path_repo = {"/srv/es-backups"};
    esmend::es_sim::Engine engine(options);
    auto call = [&](const std::string& endpoint, const std::string& method,
                    std::map<std::string, std::string> parts, const json& body = nullptr) {
        esmend::es_sim::RestRequest req;
        req.endpoint = endpoint;
        req.method = method;
        req.parts = std::move(parts);
        if (!body.is_null())
            req.body = body.dump();
        return engine.handle(req);
    };
    const json repo = {{"type", "fs"}, {"settings", {{"location", "nightly"}}}};
    ASSERT_TRUE(call("snapshot.create_repository", "PUT", {{"repository", "backup"}}, repo));
    ASSERT_TRUE(call("snapshot.create", "PUT", {{"repository", "backup"}, {"snapshot", "s1"}}));
    auto r = call("snapshot.delete_repository", "DELETE", {{"repository", "backup"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(*r->json, json({{"acknowledged", true}}));
    r = call("snapshot.get_repository", "GET", {{"repository", "backup"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().status, 404);
    EXPECT_EQ(r.error().type, "repository_missing_exception");
    EXPECT_EQ(r.error().reason, "[backup] missing");
    r = call("snapshot.delete_repository", "DELETE", {{"repository", "backup"}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, "[backup] missing");
    EXPECT_TRUE(call("snapshot.delete_repository", "DELETE", {{"repository", "none*"}}));
    // The snapshot lives at the location: a repository registered on it again sees it.
    ASSERT_TRUE(call("snapshot.create_repository", "PUT", {{"repository", "again"}},
                     {{"type", "fs"}, {"settings", {{"location", "/srv/es-backups/nightly/"}}}}));
    r = call("snapshot.get", "GET", {{"repository", "again"}, {"snapshot", "s1"}});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r->json)["snapshots"][0]["repository"], "again");
}
