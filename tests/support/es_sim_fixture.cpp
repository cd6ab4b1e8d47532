#include "support/es_sim_fixture.hpp"

#include <assets/assets.hpp>
#include <es_client/curl_transport.hpp>

#include <gtest/gtest.h>

namespace esmend::test {

EsSim::EsSim(es_sim::Options options)
    : m_server(std::make_unique<es_sim::Server>(std::move(options))) {
    auto port = m_server->start();
    if (!port) {
        ADD_FAILURE() << "es-sim did not start: " << port.error();
        return;
    }
    m_url = m_server->url();
    m_es = new_client();
}

std::unique_ptr<es_client::Elasticsearch> EsSim::new_client() const {
    es_client::TransportOptions t;
    t.hosts = {*es_client::parse_base_url(m_url, 9200)};
    return std::make_unique<es_client::Elasticsearch>(std::shared_ptr<es_client::Transport>(
        std::move(*es_client::CurlTransport::create(std::move(t)))));
}

EsSim::~EsSim() {
    // Close the client's kept-alive connections first, so the server's workers are not left
    // waiting out their keep-alive timeout.
    m_es.reset();
    m_server->stop();
}

nlohmann::json EsSim::call(es_client::Method method, const std::string& path,
                           const nlohmann::json* body) {
    auto r = m_es->call(method, path, body);
    EXPECT_TRUE(r) << es_client::to_string(method) << " " << path << ": "
                   << (r ? "" : r.error().describe());
    return r ? *r : nlohmann::json();
}

nlohmann::json EsSim::kibana_call(es_client::Method method, const std::string& path,
                                  const nlohmann::json* body) {
    es_client::TransportOptions t;
    t.hosts = {*es_client::parse_base_url(kibana_url(), 5601)};
    es_client::Kibana kibana(std::shared_ptr<es_client::Transport>(
        std::move(*es_client::CurlTransport::create(std::move(t)))));
    auto r = kibana.call(method, path, body);
    EXPECT_TRUE(r) << es_client::to_string(method) << " kbn:" << path << ": "
                   << (r ? "" : r.error().describe());
    return r ? *r : nlohmann::json();
}

void EsSim::install_golang_assets() {
    for (const auto& a : assets::all()) {
        const auto body = nlohmann::json::parse(a.json);
        call(es_client::Method::put, std::string(assets::api_prefix(a.kind)) + std::string(a.name),
             &body);
    }
}

std::int64_t EsSim::count(const std::string& target) {
    call(es_client::Method::post, "/" + target + "/_refresh");
    return call(es_client::Method::get, "/" + target + "/_count").value("count", std::int64_t{-1});
}

std::vector<std::string> EsSim::ids(const std::string& target) {
    call(es_client::Method::post, "/" + target + "/_refresh");
    const nlohmann::json body = {{"size", 10000}, {"_source", false}, {"track_total_hits", true}};
    auto page = call(es_client::Method::post, "/" + target + "/_search", &body);
    EXPECT_LT(page["hits"]["total"]["value"].get<std::int64_t>(), 10000) << "ids() reads one page";
    std::vector<std::string> out;
    for (const auto& h : page["hits"]["hits"])
        out.push_back(h["_id"].get<std::string>());
    return out;
}

} // namespace esmend::test
