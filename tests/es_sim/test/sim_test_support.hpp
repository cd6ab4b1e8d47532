#pragma once
// Shared test support for es-sim's endpoint tests: an in-process server on an ephemeral port and a
// small HTTP client that returns status, parsed body and headers.

#include <es_sim/server.hpp>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace esmend::es_sim::testing {

struct Http {
    int status = 0;
    std::string body;
    nlohmann::json json;
    httplib::Headers headers;
    bool ok = false; // false when the connection failed

    [[nodiscard]] std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

// The response as the tests read it (ok is false when the connection failed).
inline Http to_http(const httplib::Result& r) {
    Http out;
    if (!r)
        return out;
    out.ok = true;
    out.status = r->status;
    out.body = r->body;
    out.headers = r->headers;
    out.json = nlohmann::json::parse(r->body, nullptr, false);
    return out;
}

class Sim {
public:
    explicit Sim(Options options = {}) : m_server(std::make_unique<Server>(std::move(options))) {
        auto port = m_server->start();
        EXPECT_TRUE(port.has_value()) << (port ? "" : port.error());
        m_client = std::make_unique<httplib::Client>("127.0.0.1", port.value_or(0));
        m_client->set_read_timeout(60);
        m_client->set_keep_alive(true);
    }

    void auth(const std::string& user, const std::string& password) {
        m_client->set_basic_auth(user, password);
    }
    void header(const std::string& name, const std::string& value) {
        m_headers.emplace(name, value);
    }
    void clear_headers() { m_headers.clear(); }

    Http call(const std::string& method, const std::string& path, const std::string& body = {},
              const std::string& content_type = "application/json") {
        httplib::Result r = [&] {
            if (method == "GET")
                return body.empty() ? m_client->Get(path, m_headers)
                                    : m_client->send(request(method, path, body, content_type));
            if (method == "HEAD")
                return m_client->Head(path, m_headers);
            if (method == "DELETE")
                return body.empty() ? m_client->Delete(path, m_headers)
                                    : m_client->Delete(path, m_headers, body, content_type);
            if (method == "PUT")
                return m_client->Put(path, m_headers, body, content_type);
            return m_client->Post(path, m_headers, body, content_type);
        }();
        return to_http(r);
    }
    Http get(const std::string& path) { return call("GET", path); }
    Http head(const std::string& path) { return call("HEAD", path); }
    Http del(const std::string& path, const std::string& body = {}) {
        return call("DELETE", path, body);
    }
    Http put(const std::string& path, const nlohmann::json& body) {
        return call("PUT", path, body.dump());
    }
    Http post(const std::string& path, const nlohmann::json& body) {
        return call("POST", path, body.dump());
    }
    Http post_raw(const std::string& path, const std::string& body,
                  const std::string& content_type = "application/x-ndjson") {
        return call("POST", path, body, content_type);
    }
    // Sends an NDJSON bulk body built from the given lines (each line gets its newline).
    Http bulk(const std::string& path, const std::vector<nlohmann::json>& lines) {
        std::string body;
        for (const auto& l : lines)
            body += l.dump() + "\n";
        return post_raw(path, body);
    }

    [[nodiscard]] std::string url() const { return m_server->url(); }
    Server& server() { return *m_server; }

private:
    httplib::Request request(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& content_type) {
        httplib::Request req;
        req.method = method;
        req.path = path;
        req.headers = m_headers;
        req.body = body;
        req.set_header("Content-Type", content_type);
        return req;
    }

    std::unique_ptr<Server> m_server;
    std::unique_ptr<httplib::Client> m_client;
    httplib::Headers m_headers;
};

// A client for es-sim's Kibana port: sends kbn-xsrf on non-GET requests unless told not to.
class KibanaClient {
public:
    explicit KibanaClient(const std::string& url) {
        const auto colon = url.rfind(':');
        m_client = std::make_unique<httplib::Client>(
            "127.0.0.1", colon == std::string::npos ? 0 : std::stoi(url.substr(colon + 1)));
        m_client->set_read_timeout(60);
    }
    void auth(const std::string& user, const std::string& password) {
        m_client->set_basic_auth(user, password);
    }
    enum class Xsrf { send, omit };
    Http call(const std::string& method, const std::string& path, const std::string& body = {},
              Xsrf xsrf = Xsrf::send) {
        httplib::Headers headers;
        if (xsrf == Xsrf::send && method != "GET")
            headers.emplace("kbn-xsrf", "esmend-test");
        httplib::Result r = [&] {
            if (method == "GET")
                return m_client->Get(path, headers);
            if (method == "DELETE")
                return m_client->Delete(path, headers);
            if (method == "PUT")
                return m_client->Put(path, headers, body, "application/json");
            return m_client->Post(path, headers, body, "application/json");
        }();
        return to_http(r);
    }
    Http get(const std::string& path) { return call("GET", path); }
    Http post(const std::string& path, const nlohmann::json& body) {
        return call("POST", path, body.dump());
    }
    Http put(const std::string& path, const nlohmann::json& body) {
        return call("PUT", path, body.dump());
    }

private:
    std::unique_ptr<httplib::Client> m_client;
};

// Options for an in-process es-sim with Kibana on a free port.
inline Options with_kibana(Options options = {}) {
    options.kibana_port = 0;
    return options;
}

// A data stream template for logs-*-* with host.ip of `ip_type` (the host.ip conflict's two sides).
inline void ds_template(Sim& sim, const std::string& ip_type = "keyword") {
    const auto r = sim.put(
        "/_index_template/logs",
        {{"index_patterns", {"logs-*-*"}},
         {"priority", 100},
         {"data_stream", nlohmann::json::object()},
         {"template",
          {{"settings", {{"number_of_replicas", 0}}},
           {"mappings",
            {{"properties", {{"host", {{"properties", {{"ip", {{"type", ip_type}}}}}}}}}}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
}

} // namespace esmend::es_sim::testing
