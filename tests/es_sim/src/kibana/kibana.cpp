#include "kibana/kibana.hpp"

#include "kibana/scenario.hpp"

#include <httplib.h>

#include <charconv>
#include <random>

namespace esmend::es_sim::kibana {

using nlohmann::json;

namespace {

std::string random_uuid() {
    std::random_device rd;
    std::mt19937_64 gen(rd());
    std::uniform_int_distribution<int> hex(0, 15);
    std::string s = "xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx";
    for (char& c : s)
        if (c == 'x')
            c = "0123456789abcdef"[hex(gen)];
    return s;
}

// The data views Fleet creates when it sets up (KB epm/kibana/index_pattern/install.ts: ids and
// titles logs-* and metrics-*, time field @timestamp, allowNoIndex). unsourced: name mirrors the
// title, which is what Kibana shows for a data view without its own name.
json data_view(const std::string& pattern, bool full) {
    json v = {{"id", pattern},
              {"name", pattern},
              {"namespaces", json::array({"default"})},
              {"title", pattern},
              {"typeMeta", json::object()}};
    if (full) {
        v["version"] = "WzEsMV0=";
        v["timeFieldName"] = "@timestamp";
        v["sourceFilters"] = json::array();
        v["fields"] = json::object();
        v["fieldFormats"] = json::object();
        v["runtimeFieldMap"] = json::object();
        v["fieldAttrs"] = json::object();
        v["allowNoIndex"] = true;
    }
    return v;
}

const std::vector<std::string>& data_view_ids() {
    static const std::vector<std::string> k_ids = {"logs-*", "metrics-*"};
    return k_ids;
}

} // namespace

Kibana::Kibana(KibanaOptions options, Engine& engine, const EndpointTable& table,
               const Security& security)
    : m_options(std::move(options)), m_es(engine, table), m_security(&security),
      m_fleet(m_es, m_options.version), m_agent(m_es, m_fleet, m_options.agent_period),
      m_uuid(random_uuid()) {}

Kibana::~Kibana() {
    stop();
}

std::expected<void, std::string> Kibana::load_scenario(const std::string& name, std::int64_t docs) {
    return kibana::load_scenario(name, docs, m_es, m_fleet);
}

void Kibana::start_agent() {
    m_agent.start();
}

std::expected<int, std::string> Kibana::start_http(int port) {
    if (m_thread.joinable())
        return m_port;
    m_http = std::make_unique<httplib::Server>();
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        KibanaRequest request;
        request.method = req.method;
        request.path = req.path;
        for (const auto& [k, v] : req.params)
            request.query[k] = v;
        request.body = req.body;
        auto reply = handle(request, req.get_header_value("Authorization"),
                            req.has_header("kbn-xsrf") || req.has_header("kbn-version"));
        const int status = reply ? reply->status : reply.error().status;
        const json body = reply ? reply->body : reply.error().body();
        res.status = status;
        if (status == 401)
            res.set_header("WWW-Authenticate", "Basic realm=\"kibana\"");
        res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                        "application/json; charset=utf-8");
    };
    m_http->set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                     std::exception_ptr ep) {
        std::string what = "es-sim Kibana internal error";
        try {
            if (ep)
                std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what += std::string(": ") + e.what();
        } catch (...) {
        }
        res.status = 500;
        res.set_content(KibanaError{500, what}.body().dump(), "application/json; charset=utf-8");
    });
    m_http->Get(".*", handler);
    m_http->Post(".*", handler);
    m_http->Put(".*", handler);
    m_http->Delete(".*", handler);
    m_http->Patch(".*", handler);
    const int bound = port == 0 ? m_http->bind_to_any_port("127.0.0.1")
                                : (m_http->bind_to_port("127.0.0.1", port) ? port : -1);
    if (bound <= 0)
        return std::unexpected("cannot bind 127.0.0.1:" + std::to_string(port) + " for Kibana");
    m_port = bound;
    m_thread = std::thread([this] { m_http->listen_after_bind(); });
    while (!m_http->is_running())
        std::this_thread::yield();
    return m_port;
}

void Kibana::stop() {
    m_agent.stop();
    if (m_http)
        m_http->stop();
    if (m_thread.joinable())
        m_thread.join();
    m_http.reset();
}

std::string Kibana::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

KibanaReply Kibana::handle(const KibanaRequest& original, const std::string& authorization,
                           bool has_xsrf_header) {
    KibanaRequest request = original;
    // Spaces: every path may be prefixed with /s/{space_id} (es-apis.md §2.1). es-sim has one
    // space; any id serves the same objects (unsourced simplification).
    if (request.path.starts_with("/s/")) {
        const auto slash = request.path.find('/', 3);
        request.path = slash == std::string::npos ? "/" : request.path.substr(slash);
    }
    // Authentication runs before the xsrf check (Kibana's onPostAuth xsrf handler). Kibana asks
    // Elasticsearch (_security/_authenticate) with the caller's credentials and passes ES's
    // failure on as the @elastic/elasticsearch ResponseError message.
    std::string role = "superuser";
    if (m_security->enabled()) {
        if (authorization.empty())
            return kibana_error(401, "Unauthorized");
        auto principal = m_security->authenticate(authorization, "/_security/_authenticate");
        if (!principal) {
            const auto& e = principal.error();
            return kibana_error(401, "[" + e.type + "\n\tRoot causes:\n\t\t" + e.type + ": " +
                                         e.reason + "]: " + e.reason);
        }
        role = principal->role;
    }
    const bool safe = request.method == "GET" || request.method == "HEAD";
    if (!safe && !has_xsrf_header)
        // Kibana core http lifecycle_handlers.ts createXsrfPostAuthHandler.
        return kibana_error(400, "Request must contain a kbn-xsrf header.");
    // unsourced: the viewer role reads everything and writes nothing; no_access may only ask for
    // the status. Kibana answers a missing privilege with a plain 403.
    if (request.path != "/api/status" && (role == "no_access" || (role != "superuser" && !safe)))
        return kibana_error(403, "Forbidden");

    if (request.path == "/api/status" && request.method == "GET")
        return status();
    if (request.path.starts_with("/api/data_views") && request.method == "GET" &&
        m_options.version.major >= 8)
        return data_views(request);
    if (request.path == "/api/saved_objects/_find" && request.method == "GET")
        return find_index_patterns(request);
    if (request.path.starts_with("/api/fleet/")) {
        if (auto reply = m_fleet.handle(request))
            return *reply;
    }
    return kibana_error(404, "Not Found");
}

KibanaReply Kibana::status() const {
    const std::string number = m_options.version.number();
    json version = {{"number", number},
                    {"build_hash", "0000000000000000000000000000000000000000"},
                    {"build_number", 0},
                    {"build_snapshot", false}};
    if (m_options.version.major >= 8) {
        // Kibana 8.x /api/status (v8 format): overall and per-service levels.
        json available = {{"level", "available"}};
        return kibana_ok(json{
            {"name", m_options.name},
            {"uuid", m_uuid},
            {"version", version},
            {"status",
             {{"overall",
               {{"level", "available"}, {"summary", "All services and plugins are available"}}},
              {"core",
               {{"elasticsearch",
                 {{"level", "available"}, {"summary", "Elasticsearch is available"}}},
                {"savedObjects",
                 {{"level", "available"},
                  {"summary", "SavedObjects service has completed migrations and is available"}}}}},
              {"plugins",
               {{"fleet", {{"level", "available"}, {"summary", "Fleet is available"}}}}}}},
            {"metrics",
             {{"last_updated", iso_millis(0)}, {"collection_interval_in_millis", 5000}}}});
    }
    // Kibana 7.x /api/status (legacy format): overall state green.
    return kibana_ok(json{{"name", m_options.name},
                          {"uuid", m_uuid},
                          {"version", version},
                          {"status",
                           {{"overall",
                             {{"state", "green"},
                              {"title", "Green"},
                              {"nickname", "Looking good"},
                              {"icon", "success"},
                              {"uiColor", "secondary"}}},
                            {"statuses", json::array()}}},
                          {"metrics", json::object()}});
}

KibanaReply Kibana::data_views(const KibanaRequest& request) const {
    if (request.path == "/api/data_views" || request.path == "/api/data_views/") {
        json list = json::array();
        for (const auto& id : data_view_ids())
            list.push_back(data_view(id, false));
        return kibana_ok(json{{"data_view", list}});
    }
    const std::string prefix = "/api/data_views/data_view/";
    if (request.path.starts_with(prefix)) {
        const std::string id = request.path.substr(prefix.size());
        for (const auto& known : data_view_ids())
            if (known == id)
                return kibana_ok(json{{"data_view", data_view(id, true)}});
        // The saved-objects client's not-found error, which the data views API passes on.
        return kibana_error(404, "Saved object [index-pattern/" + id + "] not found");
    }
    return kibana_error(404, "Not Found");
}

KibanaReply Kibana::find_index_patterns(const KibanaRequest& request) const {
    // The saved objects _find API (es-apis.md §2.4; KB 7.8 saved-objects-api-find): how 7.x lists
    // index patterns, {saved_objects: [{id, type, attributes: {title}}], total, page, per_page}.
    // es-sim keeps only index-pattern objects; another type finds nothing.
    const auto type = request.query.find("type");
    if (type == request.query.end())
        return kibana_error(400, "[request query.type]: expected at least one defined value but "
                                 "got [undefined]");
    json found = json::array();
    if (type->second == "index-pattern") {
        for (const auto& id : data_view_ids()) {
            found.push_back({{"id", id},
                             {"type", "index-pattern"},
                             {"namespaces", json::array({"default"})},
                             {"attributes", {{"title", id}}},
                             {"references", json::array()},
                             {"score", 0},
                             {"version", "WzEsMV0="}});
        }
    }
    int per_page = 20;
    if (const auto it = request.query.find("per_page"); it != request.query.end()) {
        const auto& v = it->second;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), per_page);
        if (ec != std::errc{} || end != v.data() + v.size() || per_page < 0)
            return kibana_error(400, "[request query.per_page]: expected value of type [number] "
                                     "but got [string]");
    }
    return kibana_ok(json{
        {"page", 1}, {"per_page", per_page}, {"total", found.size()}, {"saved_objects", found}});
}

} // namespace esmend::es_sim::kibana
