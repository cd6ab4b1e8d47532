// Snapshots (es-apis.md §1.11, §5 pitfall 13): fs repositories under path.repo, and snapshot
// create, get, delete and restore. Repository contents are kept in memory, keyed by the resolved fs
// location as ES keeps them on disk there: a second repository on the same location, or the same
// repository registered again, sees the same snapshots. es-sim never touches the file system
// (unsourced simplification: ES's FsBlobStore creates the directory and verification writes test
// blobs into it).
#include "engine.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <regex>

namespace esmend::es_sim {

using nlohmann::json;

namespace {

struct StoredSnapshot {
    std::string name;
    std::string uuid;
    std::vector<std::string> indices; // the indices in the snapshot, in resolution order
    std::vector<DataStream> data_streams;
    std::map<std::string, IndexData> index_copies; // deep copies of the live documents
    bool include_global_state = true;
    json metadata; // the user metadata, null when none
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
    std::int64_t shards = 0;
    // The global state (include_global_state): composable and component templates, pipelines.
    std::map<std::string, json> index_templates;
    std::map<std::string, json> component_templates;
    std::map<std::string, json> pipelines;
};

struct Repository {
    std::string type;
    json settings = json::object(); // flat keys, string values (ES Settings)
    std::string location;           // the resolved location, the key into contents
};

// ES Version.id: major * 1000000 + minor * 10000 + revision * 100 + 99 for a release build.
std::int64_t version_id(const SimVersion& v) {
    return static_cast<std::int64_t>(v.major) * 1000000 + v.minor * 10000 + v.patch * 100 + 99;
}

// The date format ES prints start_time and end_time with (strict_date_optional_time, UTC).
std::string iso_millis(std::int64_t ms) {
    const std::chrono::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(ms)};
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()),
                  static_cast<long long>(hms.subseconds().count()));
    return buf;
}

bool has_wildcard(const std::string& s) {
    return s.find('*') != std::string::npos;
}

// RepositoryMissingException: "[<repo>] missing", 404.
EsError repository_missing(const std::string& name) {
    return EsError(404, "repository_missing_exception", "[" + name + "] missing");
}

// SnapshotMissingException: "[<repo>:<snapshot>] is missing", 404.
EsError snapshot_missing(const std::string& repo, const std::string& snap) {
    return EsError(404, "snapshot_missing_exception", "[" + repo + ":" + snap + "] is missing");
}

// SnapshotRestoreException(Snapshot, msg): "[<repo>:<snapshot>/<uuid>] <msg>", 500 (real
// responses quoted in es-apis.md's sources show status 500).
EsError restore_error(const std::string& repo, const StoredSnapshot& snap, const std::string& msg) {
    return EsError(500, "snapshot_restore_exception",
                   "[" + repo + ":" + snap.name + "/" + snap.uuid + "] " + msg);
}

// RepositoriesService.createRepository wraps a failing repository constructor into "[<repo>]
// failed to create repository" with the constructor's RepositoryException as the cause; ES puts
// the innermost exception into root_cause (real 7.17 and 8.x responses, es-apis.md §0.2,
// deviantony/docker-elk#573). EsError::envelope() reports the outer error as the root cause, so
// this envelope is built here.
Reply failed_to_create_repository(const std::string& repo, const std::string& inner_reason) {
    const json inner = {{"type", "repository_exception"}, {"reason", inner_reason}};
    json error = {{"root_cause", json::array({inner})},
                  {"type", "repository_exception"},
                  {"reason", "[" + repo + "] failed to create repository"},
                  {"caused_by", inner}};
    return json_reply({{"error", error}, {"status", 500}}, 500);
}

// ES Settings are flat string maps; nested request objects flatten to dotted keys.
void flatten_plain(const json& node, const std::string& prefix, json& out) {
    for (const auto& [key, value] : node.items()) {
        const std::string name = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object())
            flatten_plain(value, name, out);
        else if (value.is_string())
            out[name] = value.get<std::string>();
        else if (value.is_null())
            out[name] = nullptr;
        else
            out[name] = value.dump();
    }
}

// Path.startsWith on normalised absolute paths, component by component.
bool path_starts_with(const std::filesystem::path& p, const std::filesystem::path& root) {
    std::vector<std::string> a;
    std::vector<std::string> b;
    for (const auto& c : p)
        if (!c.empty())
            a.push_back(c.string());
    for (const auto& c : root)
        if (!c.empty())
            b.push_back(c.string());
    return a.size() >= b.size() && std::equal(b.begin(), b.end(), a.begin());
}

// Environment.resolveRepoDir -> PathUtils.get(roots, location): the location resolved against each
// path.repo entry in turn (an absolute location stays itself) and normalised; the first result
// that still lies under its root wins.
std::optional<std::string> resolve_repo_location(const std::vector<std::string>& roots,
                                                 const std::string& location) {
    for (const auto& root : roots) {
        std::error_code ec;
        auto r = std::filesystem::absolute(root, ec);
        if (ec)
            continue;
        r = r.lexically_normal();
        const auto p = (r / location).lexically_normal();
        if (path_starts_with(p, r)) {
            auto s = p.string();
            while (s.size() > 1 && s.back() == '/')
                s.pop_back();
            return s;
        }
    }
    return std::nullopt;
}

// Strings.INVALID_FILENAME_CHARS as ES prints it (the same text the data stream name check uses).
constexpr const char* k_invalid_filename_chars = "[ , \", *, \\, <, |, ,, >, /, ?]";

bool valid_file_name(const std::string& name) {
    return name.find_first_of("\\/*?\"<>| ,") == std::string::npos;
}

// SnapshotsService.validate: InvalidSnapshotNameException "[<repo>:<snap>] Invalid snapshot name
// [<snap>], <reason>", 400.
std::expected<void, EsError> validate_snapshot_name(const std::string& repo,
                                                    const std::string& snap) {
    auto bad = [&](const std::string& why) {
        return std::unexpected(
            EsError(400, "invalid_snapshot_name_exception",
                    "[" + repo + ":" + snap + "] Invalid snapshot name [" + snap + "], " + why));
    };
    if (snap.empty())
        return bad("cannot be empty");
    if (snap.find(' ') != std::string::npos)
        return bad("must not contain whitespace");
    if (snap.find(',') != std::string::npos)
        return bad("must not contain ','");
    if (snap.find('#') != std::string::npos)
        return bad("must not contain '#'");
    if (snap.front() == '_')
        return bad("must not start with '_'");
    std::string lower = snap;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != snap)
        return bad("must be lowercase");
    if (!valid_file_name(snap))
        return bad(std::string("must not contain the following characters ") +
                   k_invalid_filename_chars);
    return {};
}

// XContentMapValues.nodeBooleanValue(value, name): booleans and the strings "true"/"false".
std::expected<bool, EsError> node_bool(const json& value, const std::string& name) {
    if (value.is_boolean())
        return value.get<bool>();
    if (value.is_string() && (value == "true" || value == "false"))
        return value == "true";
    return std::unexpected(
        EsError(400, "illegal_argument_exception", "Could not convert [" + name + "] to boolean"));
}

// A list of names given as a comma-separated string or an array of strings.
std::expected<std::vector<std::string>, EsError> name_list(const json& value,
                                                           const std::string& malformed) {
    if (value.is_string())
        return split_commas(value.get<std::string>());
    std::vector<std::string> out;
    if (value.is_array()) {
        for (const auto& v : value) {
            if (!v.is_string())
                return std::unexpected(EsError(400, "illegal_argument_exception", malformed));
            out.push_back(v.get<std::string>());
        }
        return out;
    }
    return std::unexpected(EsError(400, "illegal_argument_exception", malformed));
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

// java.util.regex.Matcher.replaceAll: "$n" (the longest group number that exists), "${name}" is
// not supported by std::regex (unsourced: reported as an illegal group reference), "\x" is a
// literal x. std::regex is ECMAScript: Java-only syntax in the pattern is reported as
// pattern_syntax_exception (the type of Java's PatternSyntaxException, 400 as an
// IllegalArgumentException; the reason text is unsourced).
std::expected<std::string, EsError> java_replace_all(const std::string& input,
                                                     const std::string& pattern,
                                                     const std::string& replacement) {
    std::regex re;
    try {
        re = std::regex(pattern);
    } catch (const std::regex_error&) {
        return std::unexpected(
            EsError(400, "pattern_syntax_exception", "invalid rename_pattern [" + pattern + "]"));
    }
    std::string out;
    auto last = input.cbegin();
    for (auto it = std::sregex_iterator(input.begin(), input.end(), re);
         it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        out.append(last, m[0].first);
        const std::size_t groups = m.size() - 1;
        for (std::size_t i = 0; i < replacement.size(); ++i) {
            const char c = replacement[i];
            if (c == '\\') {
                if (++i >= replacement.size())
                    return std::unexpected(EsError(400, "illegal_argument_exception",
                                                   "character to be escaped is missing"));
                out.push_back(replacement[i]);
            } else if (c == '$') {
                if (++i >= replacement.size())
                    return std::unexpected(EsError(400, "illegal_argument_exception",
                                                   "Illegal group reference: group index is "
                                                   "missing"));
                if (!std::isdigit(static_cast<unsigned char>(replacement[i])))
                    return std::unexpected(
                        EsError(400, "illegal_argument_exception", "Illegal group reference"));
                std::size_t group = static_cast<std::size_t>(replacement[i] - '0');
                if (group > groups)
                    return std::unexpected(EsError(500, "index_out_of_bounds_exception",
                                                   "No group " + std::to_string(group)));
                while (i + 1 < replacement.size() &&
                       std::isdigit(static_cast<unsigned char>(replacement[i + 1]))) {
                    const std::size_t next =
                        group * 10 + static_cast<std::size_t>(replacement[i + 1] - '0');
                    if (next > groups)
                        break;
                    group = next;
                    ++i;
                }
                if (m[group].matched)
                    out.append(m[group].first, m[group].second);
            } else {
                out.push_back(c);
            }
        }
        last = m[0].second;
    }
    out.append(last, input.cend());
    return out;
}

// A deep copy of an index's live documents, mappings, settings and aliases: a snapshot contains
// every acknowledged write (ES flushes the shard first), not just the refreshed ones.
IndexData snapshot_copy(const IndexData& src) {
    IndexData c;
    c.name = src.name;
    c.uuid = src.uuid;
    c.settings = src.settings;
    c.mapping = src.mapping;
    c.aliases = src.aliases;
    c.creation_date = src.creation_date;
    c.data_stream = src.data_stream;
    c.next_seq = src.next_seq;
    c.store_bytes = src.store_bytes;
    std::vector<std::size_t> positions;
    positions.reserve(src.live.size());
    for (const auto& [id, pos] : src.live)
        positions.push_back(pos);
    std::sort(positions.begin(), positions.end());
    c.records.reserve(positions.size());
    for (const auto pos : positions) {
        c.live[src.records[pos].id] = c.records.size();
        c.records.push_back(src.records[pos]);
    }
    c.refreshed_seq = c.next_seq - 1;
    return c;
}

std::int64_t shard_count(const IndexData& index) {
    const auto v = index.setting("index.number_of_shards", "1");
    std::int64_t n = 1;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    return ec == std::errc{} && p == v.data() + v.size() ? n : 1;
}

// SnapshotInfo.toXContent as GET _snapshot and create with wait_for_completion render it
// (es-spec SnapshotGetResponseExample1, SnapshotCreateResponseExample1).
json snapshot_info(const StoredSnapshot& s, const std::string& repo, const SimVersion& version,
                   bool verbose, bool index_names) {
    json ds = json::array();
    for (const auto& d : s.data_streams)
        ds.push_back(d.name);
    json out = {{"snapshot", s.name}, {"uuid", s.uuid}, {"repository", repo}};
    if (index_names)
        out["indices"] = s.indices;
    out["data_streams"] = ds;
    out["state"] = "SUCCESS";
    if (!verbose) // SnapshotInfo.toXContent non-verbose form (inferred field list)
        return out;
    out["version_id"] = version_id(version);
    out["version"] = version.number();
    out["include_global_state"] = s.include_global_state;
    if (!s.metadata.is_null())
        out["metadata"] = s.metadata;
    out["start_time"] = iso_millis(s.start_ms);
    out["start_time_in_millis"] = s.start_ms;
    out["end_time"] = iso_millis(s.end_ms);
    out["end_time_in_millis"] = s.end_ms;
    out["duration_in_millis"] = s.end_ms - s.start_ms;
    out["failures"] = json::array();
    out["shards"] = {{"total", s.shards}, {"failed", 0}, {"successful", s.shards}};
    out["feature_states"] = json::array();
    return out;
}

// 299 Elasticsearch-<version>-<build hash> "<message>" (HeaderWarning.formatWarning).
std::string warning_header(const SimVersion& version, const std::string& message) {
    std::string escaped;
    for (const char c : message) {
        if (c == '"' || c == '\\')
            escaped.push_back('\\');
        escaped.push_back(c);
    }
    return "299 Elasticsearch-" + version.number() +
           "-0000000000000000000000000000000000000000 \"" + escaped + "\"";
}

// Repository types ES knows that es-sim does not emulate (8.x bundles s3, azure and gcs as
// modules; url is a module; source is x-pack).
bool known_unemulated_type(const std::string& type) {
    return type == "url" || type == "source" || type == "s3" || type == "azure" || type == "gcs";
}

} // namespace

struct SnapshotStore {
    std::map<std::string, Repository> repositories;
    std::map<std::string, std::vector<StoredSnapshot>> contents; // by resolved fs location
};

namespace {

SnapshotStore& store(std::shared_ptr<SnapshotStore>& p) {
    if (!p)
        p = std::make_shared<SnapshotStore>();
    return *p;
}

// The snapshots stored at repository `name`'s location; an unregistered repository is
// repository_missing_exception (RepositoriesService.repository).
std::expected<std::vector<StoredSnapshot>*, EsError> repository_contents(SnapshotStore& s,
                                                                         const std::string& name) {
    const auto it = s.repositories.find(name);
    if (it == s.repositories.end())
        return std::unexpected(repository_missing(name));
    return &s.contents[it->second.location];
}

} // namespace

// PUT/POST _snapshot/{repository} (es-spec SnapshotCreateRepositoryRequestExample1).
Reply Engine::snapshot_create_repository(const RestRequest& request) {
    const auto name = request.part("repository");
    auto verify = parse_bool_param(request, "verify", true);
    if (!verify)
        return std::unexpected(verify.error());
    auto body = parse_body(request, true);
    if (!body)
        return std::unexpected(body.error());
    // PutRepositoryRequest.source: "type" and "settings"; other keys are ignored.
    std::string type;
    json settings = json::object();
    for (const auto& [key, value] : body->items()) {
        if (key == "type") {
            type = value.is_string() ? value.get<std::string>() : value.dump();
        } else if (key == "settings") {
            if (!value.is_object())
                return std::unexpected(
                    EsError(400, "illegal_argument_exception",
                            "Malformed settings section, should include an inner object"));
            flatten_plain(value, "", settings);
        }
    }
    if (type.empty()) // PutRepositoryRequest.validate
        return std::unexpected(EsError(400, "action_request_validation_exception",
                                       "Validation Failed: 1: type is missing;"));
    // RepositoriesService.validate (RepositoryException, 500).
    if (name.find('#') != std::string::npos)
        return std::unexpected(
            EsError(500, "repository_exception", "[" + name + "] must not contain '#'"));
    if (!valid_file_name(name))
        return std::unexpected(EsError(500, "repository_exception",
                                       "[" + name + "] must not contain the following characters " +
                                           k_invalid_filename_chars));
    if (known_unemulated_type(type))
        return std::unexpected(EsError(501, "es_sim_unsupported_exception",
                                       "es-sim does not implement repository type [" + type + "]"));
    if (type != "fs") // RepositoriesService.createRepository, not wrapped
        return std::unexpected(
            EsError(500, "repository_exception",
                    "[" + name + "] repository type [" + type + "] does not exist"));
    // FsRepository's constructor (ES server/.../repositories/fs/FsRepository.java).
    const std::string location = settings.contains("location") && settings["location"].is_string()
                                     ? settings["location"].get<std::string>()
                                     : std::string{};
    if (location.empty())
        return failed_to_create_repository(name, "[" + name + "] missing location");
    const auto resolved = resolve_repo_location(m_options.path_repo, location);
    if (!resolved) {
        return failed_to_create_repository(
            name, "[" + name + "] location [" + location +
                      "] doesn't match any of the locations specified by path.repo" +
                      (m_options.path_repo.empty() ? " because this setting is empty" : ""));
    }
    auto& s = store(m_snapshots);
    s.repositories[name] = Repository{type, settings, *resolved};
    s.contents.try_emplace(*resolved);
    return json_reply(acknowledged());
}

// GET _snapshot, GET _snapshot/{repository} (comma lists, wildcards, _all).
Reply Engine::snapshot_get_repository(const RestRequest& request) {
    auto local = parse_bool_param(request, "local", false);
    if (!local)
        return std::unexpected(local.error());
    auto& s = store(m_snapshots);
    auto expr = request.part("repository");
    if (expr.empty() || expr == "_all")
        expr = "*";
    json out = json::object();
    for (const auto& item : split_commas(expr)) {
        bool found = false;
        for (const auto& [name, repo] : s.repositories) {
            if (has_wildcard(item) ? simple_match(item, name) : name == item) {
                out[name] = {{"type", repo.type}, {"settings", nest_settings(repo.settings)}};
                found = true;
            }
        }
        if (!found && !has_wildcard(item))
            return std::unexpected(repository_missing(item));
    }
    return json_reply(out);
}

// DELETE _snapshot/{repository}: RepositoriesService.unregisterRepository (wildcards allowed;
// a concrete missing name is RepositoryMissingException). The snapshots stay at the location.
Reply Engine::snapshot_delete_repository(const RestRequest& request) {
    auto& s = store(m_snapshots);
    const auto expr = request.part("repository");
    std::vector<std::string> doomed;
    for (const auto& item : split_commas(expr)) {
        bool found = false;
        for (const auto& [name, repo] : s.repositories) {
            if (has_wildcard(item) ? simple_match(item, name) : name == item) {
                doomed.push_back(name);
                found = true;
            }
        }
        if (!found && !has_wildcard(item))
            return std::unexpected(repository_missing(item));
    }
    for (const auto& name : doomed)
        s.repositories.erase(name);
    return json_reply(acknowledged());
}

// PUT/POST _snapshot/{repository}/{snapshot} (es-spec SnapshotCreateRequestExample1). es-sim takes
// the snapshot within the request, so without wait_for_completion the answer is {"accepted": true}
// and GET already shows it as SUCCESS (unsourced simplification: ES may still report
// IN_PROGRESS for a while).
Reply Engine::snapshot_create(const RestRequest& request) {
    const auto repo_name = request.part("repository");
    const auto snap_name = request.part("snapshot");
    auto wait = parse_bool_param(request, "wait_for_completion", false);
    if (!wait)
        return std::unexpected(wait.error());
    auto stored = repository_contents(store(m_snapshots), repo_name);
    if (!stored)
        return std::unexpected(stored.error());
    auto& contents = **stored;
    if (auto ok = validate_snapshot_name(repo_name, snap_name); !ok)
        return std::unexpected(ok.error());
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    // CreateSnapshotRequest.source: unknown keys are ignored; the indices options default to
    // IndicesOptions.strictExpandHidden (no ignore_unavailable, wildcards reach hidden indices).
    std::vector<std::string> expressions;
    bool include_global_state = true;
    json metadata = nullptr;
    IndicesOptions options{true, true, true, false, true};
    for (const auto& [key, value] : body->items()) {
        if (key == "indices") {
            auto list =
                name_list(value, "malformed indices section, should be an array of strings");
            if (!list)
                return std::unexpected(list.error());
            expressions = *list;
        } else if (key == "include_global_state") {
            auto b = node_bool(value, "include_global_state");
            if (!b)
                return std::unexpected(b.error());
            include_global_state = *b;
        } else if (key == "partial") {
            auto b = node_bool(value, "partial");
            if (!b)
                return std::unexpected(b.error());
        } else if (key == "metadata") {
            if (!value.is_null() && !value.is_object())
                return std::unexpected(EsError(400, "illegal_argument_exception",
                                               "malformed metadata, should be an object"));
            metadata = value;
        } else if (key == "ignore_unavailable" || key == "allow_no_indices") {
            auto b = node_bool(value, key);
            if (!b)
                return std::unexpected(b.error());
            (key == "ignore_unavailable" ? options.ignore_unavailable : options.allow_no_indices) =
                *b;
        }
    }
    // SnapshotsService.ensureSnapshotNameAvailableInRepo: 8.x throws
    // SnapshotNameAlreadyInUseException (added with ES PR#84829, 8.2; version inferred), 7.x its
    // parent InvalidSnapshotNameException; both 400 with the same reason.
    for (const auto& existing : contents) {
        if (existing.name == snap_name) {
            return std::unexpected(
                EsError(400,
                        m_options.version.at_least(8, 2) ? "snapshot_name_already_in_use_exception"
                                                         : "invalid_snapshot_name_exception",
                        "[" + repo_name + ":" + snap_name + "] Invalid snapshot name [" +
                            snap_name + "], snapshot with the same name already exists"));
        }
    }
    const std::string expression = expressions.empty() ? "_all" : join(expressions);
    auto names = resolve(expression, options, true);
    if (!names)
        return std::unexpected(names.error());
    // IndexNameExpressionResolver.dataStreamNames: the data streams the expression names or
    // matches; their backing indices come along through resolve() above.
    std::vector<std::string> data_streams;
    {
        std::vector<std::string> items = split_commas(expression);
        if (items.empty() || (items.size() == 1 && items[0] == "_all"))
            items = {"*"};
        std::set<std::string> picked;
        bool saw_wildcard = false;
        for (const auto& item : items) {
            if (item.starts_with("-") && saw_wildcard) {
                for (auto it = picked.begin(); it != picked.end();)
                    it = simple_match(item.substr(1), *it) ? picked.erase(it) : std::next(it);
                continue;
            }
            saw_wildcard = saw_wildcard || has_wildcard(item);
            for (const auto& [name, ds] : m_data_streams)
                if (has_wildcard(item) ? simple_match(item, name) : name == item)
                    picked.insert(name);
        }
        data_streams.assign(picked.begin(), picked.end());
    }
    StoredSnapshot snap;
    snap.name = snap_name;
    snap.uuid = new_uuid();
    snap.include_global_state = include_global_state;
    snap.metadata = metadata;
    snap.start_ms = now_ms();
    for (const auto& name : *names) {
        const auto& index = m_indices.at(name);
        snap.indices.push_back(name);
        snap.shards += shard_count(index);
        snap.index_copies.emplace(name, snapshot_copy(index));
    }
    for (const auto& name : data_streams)
        snap.data_streams.push_back(m_data_streams.at(name));
    if (include_global_state) {
        snap.index_templates = m_index_templates;
        snap.component_templates = m_component_templates;
        snap.pipelines = m_pipelines;
    }
    snap.end_ms = now_ms();
    const auto info = snapshot_info(snap, repo_name, m_options.version, true, true);
    contents.push_back(std::move(snap));
    if (*wait)
        return json_reply({{"snapshot", info}});
    return json_reply({{"accepted", true}});
}

// GET _snapshot/{repository}/{snapshot}: {"snapshots": [...], "total", "remaining"} (es-spec
// SnapshotGetResponseExample1; 7.17 takes the same sort/size/offset parameters per its
// rest-api-spec, so the same paginated shape is assumed there, inferred). Sorted by start_time
// ascending by default; sort, order, size, offset and from_sort_value (start_time and name) are
// supported.
Reply Engine::snapshot_get(const RestRequest& request) {
    auto ignore_unavailable = parse_bool_param(request, "ignore_unavailable", false);
    if (!ignore_unavailable)
        return std::unexpected(ignore_unavailable.error());
    auto verbose = parse_bool_param(request, "verbose", true);
    if (!verbose)
        return std::unexpected(verbose.error());
    auto index_names = parse_bool_param(request, "index_names", true);
    if (!index_names)
        return std::unexpected(index_names.error());
    for (const char* p : {"after", "slm_policy_filter", "index_details"})
        if (request.has(p))
            return std::unexpected(
                EsError(501, "es_sim_unsupported_exception",
                        std::string("es-sim does not implement snapshot.get [") + p + "]"));
    auto& s = store(m_snapshots);
    auto repo_expr = request.part("repository");
    if (repo_expr == "_all")
        repo_expr = "*";
    std::vector<std::string> repos;
    for (const auto& item : split_commas(repo_expr)) {
        bool found = false;
        for (const auto& [name, repo] : s.repositories)
            if (has_wildcard(item) ? simple_match(item, name) : name == item) {
                repos.push_back(name);
                found = true;
            }
        if (!found && !has_wildcard(item))
            return std::unexpected(repository_missing(item));
    }
    struct Row {
        const StoredSnapshot* snap;
        std::string repo;
    };
    std::vector<Row> rows;
    auto snap_items = split_commas(request.part("snapshot"));
    for (const auto& repo : repos) {
        const auto& contents = s.contents[s.repositories.at(repo).location];
        for (const auto& item : snap_items) {
            if (item == "_current") // nothing is ever in progress in es-sim
                continue;
            // "-pattern" after a wildcard excludes (get snapshot API docs, path parameters).
            if (item.starts_with("-") &&
                std::any_of(snap_items.begin(), snap_items.end(),
                            [](const std::string& i) { return i == "_all" || has_wildcard(i); })) {
                std::erase_if(rows, [&](const Row& r) {
                    return r.repo == repo && simple_match(item.substr(1), r.snap->name);
                });
                continue;
            }
            const bool all = item == "_all" || has_wildcard(item);
            bool found = false;
            for (const auto& snap : contents) {
                if (all ? simple_match(item == "_all" ? "*" : item, snap.name)
                        : snap.name == item) {
                    found = true;
                    if (std::none_of(rows.begin(), rows.end(),
                                     [&](const Row& r) { return r.snap == &snap; }))
                        rows.push_back({&snap, repo});
                }
            }
            if (!found && !all && !*ignore_unavailable)
                return std::unexpected(snapshot_missing(repo, item));
        }
    }
    const auto sort = request.param("sort", "start_time");
    const auto order = request.param("order", "asc");
    if (order != "asc" && order != "desc")
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "unknown order [" + order + "]"));
    auto key_less = [&](const Row& a, const Row& b) {
        auto tie = [&] {
            return a.snap->name != b.snap->name ? a.snap->name < b.snap->name : a.repo < b.repo;
        };
        if (sort == "name")
            return tie();
        if (sort == "duration") {
            const auto da = a.snap->end_ms - a.snap->start_ms;
            const auto db = b.snap->end_ms - b.snap->start_ms;
            return da != db ? da < db : tie();
        }
        if (sort == "index_count")
            return a.snap->indices.size() != b.snap->indices.size()
                       ? a.snap->indices.size() < b.snap->indices.size()
                       : tie();
        if (sort == "shard_count")
            return a.snap->shards != b.snap->shards ? a.snap->shards < b.snap->shards : tie();
        if (sort == "repository")
            return a.repo != b.repo ? a.repo < b.repo : tie();
        return a.snap->start_ms != b.snap->start_ms ? a.snap->start_ms < b.snap->start_ms : tie();
    };
    static const std::set<std::string> k_sorts = {"start_time",  "name",        "duration",
                                                  "index_count", "shard_count", "repository"};
    if (!k_sorts.contains(sort))
        return std::unexpected(
            EsError(400, "illegal_argument_exception", "unknown sort key [" + sort + "]"));
    std::sort(rows.begin(), rows.end(), key_less);
    if (order == "desc")
        std::reverse(rows.begin(), rows.end());
    if (request.has("from_sort_value")) {
        const auto from = request.param("from_sort_value");
        if (sort != "start_time" && sort != "name")
            return std::unexpected(EsError(
                501, "es_sim_unsupported_exception",
                "es-sim implements from_sort_value for sort=start_time and sort=name only"));
        std::erase_if(rows, [&](const Row& r) {
            if (sort == "name")
                return order == "asc" ? r.snap->name < from : r.snap->name > from;
            std::int64_t v = 0;
            std::from_chars(from.data(), from.data() + from.size(), v);
            return order == "asc" ? r.snap->start_ms < v : r.snap->start_ms > v;
        });
    }
    const auto total = static_cast<std::int64_t>(rows.size());
    std::int64_t offset = 0;
    std::int64_t size = -1;
    for (auto [name, target] : {std::pair{"offset", &offset}, std::pair{"size", &size}}) {
        if (!request.has(name))
            continue;
        const auto v = request.param(name);
        const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *target);
        if (ec != std::errc{} || p != v.data() + v.size())
            return std::unexpected(EsError(400, "illegal_argument_exception",
                                           "Failed to parse int parameter [" + std::string(name) +
                                               "] with value [" + v + "]"));
    }
    json list = json::array();
    std::int64_t shown = 0;
    for (std::int64_t i = std::max<std::int64_t>(0, offset); i < total; ++i) {
        if (size > 0 && shown >= size) // size 0 (the default): no limit
            break;
        const auto& row = rows[static_cast<std::size_t>(i)];
        list.push_back(
            snapshot_info(*row.snap, row.repo, m_options.version, *verbose, *index_names));
        ++shown;
    }
    const auto remaining =
        std::max<std::int64_t>(0, total - std::max<std::int64_t>(0, offset) - shown);
    return json_reply({{"snapshots", list}, {"total", total}, {"remaining", remaining}});
}

// DELETE _snapshot/{repository}/{snapshot} (comma lists and wildcards).
Reply Engine::snapshot_delete(const RestRequest& request) {
    auto wait = parse_bool_param(request, "wait_for_completion", true);
    if (!wait)
        return std::unexpected(wait.error());
    const auto repo_name = request.part("repository");
    auto stored = repository_contents(store(m_snapshots), repo_name);
    if (!stored)
        return std::unexpected(stored.error());
    auto& contents = **stored;
    std::set<std::string> doomed;
    for (const auto& item : split_commas(request.part("snapshot"))) {
        const bool all = item == "_all" || has_wildcard(item);
        bool found = false;
        for (const auto& snap : contents)
            if (all ? simple_match(item == "_all" ? "*" : item, snap.name) : snap.name == item) {
                doomed.insert(snap.name);
                found = true;
            }
        if (!found && !all)
            return std::unexpected(snapshot_missing(repo_name, item));
    }
    std::erase_if(contents, [&](const StoredSnapshot& snap) { return doomed.contains(snap.name); });
    return json_reply(acknowledged());
}

// POST _snapshot/{repository}/{snapshot}/_restore (ES RestoreService; es-spec
// SnapshotRestoreRequestExample1). The restore completes within the request.
Reply Engine::snapshot_restore(const RestRequest& request) {
    const auto repo_name = request.part("repository");
    const auto snap_name = request.part("snapshot");
    auto wait = parse_bool_param(request, "wait_for_completion", false);
    if (!wait)
        return std::unexpected(wait.error());
    auto stored = repository_contents(store(m_snapshots), repo_name);
    if (!stored)
        return std::unexpected(stored.error());
    auto& contents = **stored;
    const auto snap_it = std::find_if(contents.begin(), contents.end(),
                                      [&](const StoredSnapshot& x) { return x.name == snap_name; });
    if (snap_it == contents.end()) // RestoreService.restoreSnapshot
        return std::unexpected(
            EsError(500, "snapshot_restore_exception",
                    "[" + repo_name + ":" + snap_name + "] snapshot does not exist"));
    const StoredSnapshot& snap = *snap_it;
    auto body = parse_body(request);
    if (!body)
        return std::unexpected(body.error());
    // RestoreSnapshotRequest.source: unknown keys are refused; the indices options default to
    // IndicesOptions.strictExpandOpen.
    std::vector<std::string> requested;
    bool include_global_state = false;
    bool include_aliases = true;
    std::optional<std::string> rename_pattern;
    std::optional<std::string> rename_replacement;
    json index_settings = json::object();
    std::vector<std::string> ignore_index_settings;
    bool ignore_unavailable = false;
    for (const auto& [key, value] : body->items()) {
        if (key == "indices") {
            auto list =
                name_list(value, "malformed indices section, should be an array of strings");
            if (!list)
                return std::unexpected(list.error());
            requested = *list;
        } else if (key == "include_global_state" || key == "include_aliases" || key == "partial" ||
                   key == "ignore_unavailable" || key == "allow_no_indices") {
            auto b = node_bool(value, key);
            if (!b)
                return std::unexpected(b.error());
            if (key == "include_global_state")
                include_global_state = *b;
            else if (key == "include_aliases")
                include_aliases = *b;
            else if (key == "ignore_unavailable")
                ignore_unavailable = *b;
        } else if (key == "rename_pattern" || key == "rename_replacement") {
            if (!value.is_string())
                return std::unexpected(
                    EsError(400, "illegal_argument_exception", "malformed " + key));
            (key == "rename_pattern" ? rename_pattern : rename_replacement) =
                value.get<std::string>();
        } else if (key == "index_settings") {
            if (!value.is_object())
                return std::unexpected(
                    EsError(400, "illegal_argument_exception", "malformed index_settings section"));
            index_settings = flatten_settings(value);
        } else if (key == "ignore_index_settings") {
            auto list = name_list(
                value, "malformed ignore_index_settings section, should be an array of strings");
            if (!list)
                return std::unexpected(list.error());
            ignore_index_settings = *list;
        } else if (key == "feature_states" || key == "expand_wildcards") {
            continue; // es-sim snapshots hold no feature states; wildcards expand in the snapshot
        } else {
            return std::unexpected(
                EsError(400, "illegal_argument_exception", "Unknown parameter " + key));
        }
    }
    if (requested.empty())
        requested = {"*"};
    const bool rename = rename_pattern && rename_replacement;
    auto rename_name = [&](const std::string& name) -> std::expected<std::string, EsError> {
        if (!rename)
            return name;
        return java_replace_all(name, *rename_pattern, *rename_replacement);
    };

    // getDataStreamsToRestore: the snapshot's data streams the request names or matches.
    std::vector<const DataStream*> streams;
    for (const auto& ds : snap.data_streams) {
        bool picked = false;
        for (const auto& item : requested) {
            if (item.starts_with("-"))
                picked = picked && !simple_match(item.substr(1), ds.name);
            else if (item == "_all" || simple_match(item, ds.name))
                picked = true;
        }
        if (picked)
            streams.push_back(&ds);
    }
    // The requested indices (SnapshotUtils.filterIndices over the snapshot's index list), minus
    // the data streams, plus their backing indices.
    std::vector<std::string> to_restore;
    std::set<std::string> backing;
    {
        std::set<std::string> chosen;
        bool saw_wildcard = false;
        for (const auto& item : requested) {
            if (std::any_of(streams.begin(), streams.end(),
                            [&](const DataStream* d) { return d->name == item; }))
                continue;
            if (item.starts_with("-") && saw_wildcard) {
                for (auto it = chosen.begin(); it != chosen.end();)
                    it = simple_match(item.substr(1), *it) ? chosen.erase(it) : std::next(it);
                continue;
            }
            if (item == "_all" || has_wildcard(item)) {
                saw_wildcard = true;
                for (const auto& name : snap.indices)
                    if (simple_match(item == "_all" ? "*" : item, name))
                        chosen.insert(name);
                continue;
            }
            if (std::find(snap.indices.begin(), snap.indices.end(), item) != snap.indices.end())
                chosen.insert(item);
            else if (!ignore_unavailable)
                return std::unexpected(index_not_found(item));
        }
        for (const auto* ds : streams)
            for (const auto& idx : ds->indices) {
                chosen.insert(idx);
                backing.insert(idx);
            }
        to_restore.assign(chosen.begin(), chosen.end());
    }

    // RestoreService.renameIndex: a backing index is renamed without its ".ds-" prefix, which is
    // put back afterwards, so that a renamed data stream gets renamed backing indices.
    std::map<std::string, std::string> renamed; // new name -> name in the snapshot
    std::map<std::string, std::string> new_name_of;
    for (const auto& name : to_restore) {
        std::string target = name;
        if (rename) {
            const bool ds_backing = backing.contains(name) && name.starts_with(".ds-");
            auto r = rename_name(ds_backing ? name.substr(4) : name);
            if (!r)
                return std::unexpected(r.error());
            target = ds_backing ? ".ds-" + *r : *r;
        }
        if (const auto [it, inserted] = renamed.emplace(target, name); !inserted)
            return std::unexpected(
                EsError(500, "snapshot_restore_exception",
                        "[" + repo_name + ":" + snap_name + "] indices [" + name + "] and [" +
                            it->second + "] are renamed into the same index [" + target + "]"));
        new_name_of[name] = target;
    }

    // RestoreService.validateDataStreamTemplatesExistAndWarnIfMissing (ES PR#114589 for
    // ES#111893; 8.17, version inferred from the PR's merge date): a restored data stream without
    // a matching data stream template is restored anyway, with a warning header. ES checks the
    // data stream's name as it is in the snapshot, before any rename.
    std::vector<std::string> warnings;
    if (m_options.version.at_least(8, 17)) {
        std::vector<std::string> patterns;
        auto collect = [&](const std::map<std::string, json>& templates) {
            for (const auto& [tname, t] : templates)
                if (t.contains("data_stream") && t.contains("index_patterns"))
                    for (const auto& p : t["index_patterns"])
                        if (p.is_string())
                            patterns.push_back(p.get<std::string>());
        };
        collect(m_index_templates);
        if (include_global_state)
            collect(snap.index_templates);
        for (const auto* ds : streams) {
            if (std::none_of(patterns.begin(), patterns.end(),
                             [&](const std::string& p) { return simple_match(p, ds->name); }))
                warnings.push_back(
                    "Snapshot [" + snap.name + "/" + snap.uuid + "] contains data stream [" +
                    ds->name +
                    "] but custer does not have a matching index template. This will cause "
                    "rollover to fail until a matching index template is created");
        }
    }

    // RestoreService.updateIndexSettings, then the existing-index check
    // (validateExistingClosedIndex: es-sim has no closed indices, so any existing index refuses).
    static const std::set<std::string> k_unmodifiable = {
        "index.number_of_shards", "index.version.created", "index.uuid", "index.creation_date",
        "index.history_uuid"};
    std::set<std::string> unremovable = k_unmodifiable;
    unremovable.insert("index.number_of_replicas");
    unremovable.insert("index.auto_expand_replicas");
    std::vector<IndexData> restored;
    for (const auto& [target, source] : renamed) {
        IndexData index = snap.index_copies.at(source);
        for (const auto& ignored : ignore_index_settings) {
            if (!has_wildcard(ignored) && unremovable.contains(ignored))
                return std::unexpected(restore_error(
                    repo_name, snap, "cannot remove setting [" + ignored + "] on restore"));
        }
        std::vector<std::string> drop;
        for (const auto& [key, value] : index.settings.items()) {
            if (unremovable.contains(key))
                continue;
            for (const auto& ignored : ignore_index_settings)
                if (has_wildcard(ignored) ? simple_match(ignored, key) : ignored == key)
                    drop.push_back(key);
        }
        for (const auto& key : drop)
            index.settings.erase(key);
        for (const auto& [key, value] : index_settings.items()) {
            if (k_unmodifiable.contains(key))
                return std::unexpected(restore_error(
                    repo_name, snap, "cannot modify setting [" + key + "] on restore"));
            index.settings[key] = value;
        }
        if (m_indices.contains(target))
            return std::unexpected(restore_error(
                repo_name, snap,
                "cannot restore index [" + target +
                    "] because an open index with same name already exists in the cluster. Either "
                    "close or delete the existing index or restore the index under a different "
                    "name by providing a rename pattern and replacement name"));
        index.name = target;
        restored.push_back(std::move(index));
    }

    // Apply: indices (restoreToCreateNewIndex: a new index.uuid, the rest of the settings as in
    // the snapshot), then data streams, then the global state.
    std::vector<std::string> restored_names;
    std::int64_t shards = 0;
    for (auto& index : restored) {
        index.uuid = new_uuid();
        index.settings["index.uuid"] = index.uuid;
        index.last_refresh_ms = now_ms();
        index.refreshed_seq = index.next_seq - 1;
        if (!include_aliases)
            index.aliases = json::object();
        index.data_stream.clear();
        shards += shard_count(index);
        restored_names.push_back(index.name);
        auto name = index.name;
        m_indices.insert_or_assign(name, std::move(index));
    }
    for (const auto* ds : streams) {
        DataStream copy = *ds;
        auto name = rename_name(ds->name);
        if (!name)
            return std::unexpected(name.error());
        copy.name = *name;
        for (auto& idx : copy.indices)
            idx = new_name_of.at(idx);
        for (const auto& idx : copy.indices)
            m_indices.at(idx).data_stream = copy.name;
        std::string template_name;
        if (const json* t = find_index_template(copy.name, &template_name);
            t != nullptr && t->contains("data_stream"))
            copy.template_name = template_name;
        // ES#74319: a data stream restored over one with the same name replaces it; backing
        // indices of the replaced stream that the snapshot does not bring stay as plain indices.
        if (const auto old = m_data_streams.find(copy.name); old != m_data_streams.end())
            for (const auto& idx : old->second.indices)
                if (std::find(copy.indices.begin(), copy.indices.end(), idx) == copy.indices.end())
                    if (const auto it = m_indices.find(idx); it != m_indices.end())
                        it->second.data_stream.clear();
        m_data_streams.insert_or_assign(copy.name, std::move(copy));
    }
    if (include_global_state) {
        for (const auto& [name, t] : snap.component_templates)
            m_component_templates[name] = t;
        for (const auto& [name, t] : snap.index_templates)
            m_index_templates[name] = t;
        for (const auto& [name, p] : snap.pipelines)
            m_pipelines[name] = p;
    }
    RestResponse response =
        *wait ? json_reply(
                    {{"snapshot",
                      {{"snapshot", snap.name},
                       {"indices", restored_names},
                       {"shards", {{"total", shards}, {"failed", 0}, {"successful", shards}}}}}})
              : json_reply({{"accepted", true}});
    for (const auto& w : warnings)
        response.headers.emplace_back("Warning", warning_header(m_options.version, w));
    return response;
}

} // namespace esmend::es_sim
