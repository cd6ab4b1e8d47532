#include "support/test_server.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace esmend::test {

TestServer::TestServer() : m_server(std::make_unique<httplib::Server>()) {}

TestServer::TestServer(const TlsFiles& tls)
    : m_server(tls.client_ca.empty()
                   ? std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str())
                   : std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str(),
                                                          tls.client_ca.c_str())),
      m_tls(true) {}

TestServer::~TestServer() {
    stop();
}

void TestServer::start() {
    m_server->set_keep_alive_max_count(1000);
    m_server->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
        ++m_requests;
        std::lock_guard lock(m_mutex);
        m_remote_ports.insert(req.remote_port);
        return httplib::Server::HandlerResponse::Unhandled;
    });
    m_port = m_server->bind_to_any_port("127.0.0.1");
    ASSERT_GT(m_port, 0) << "cannot bind 127.0.0.1";
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
    for (int i = 0; i < 500 && !m_server->is_running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

void TestServer::stop() {
    if (m_thread.joinable()) {
        m_server->stop();
        m_thread.join();
    }
}

std::string TestServer::url() const {
    return std::string(m_tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(m_port);
}

std::size_t TestServer::connections() const {
    std::lock_guard lock(m_mutex);
    return m_remote_ports.size();
}

int unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

void serve_es_root(httplib::Server& server, const std::string& version) {
    server.Get("/", [version](const httplib::Request&, httplib::Response& res) {
        res.set_header("X-elastic-product", "Elasticsearch");
        res.set_content(
            R"({"name":"node-1","cluster_name":"test-cluster","cluster_uuid":"uuid-123",)"
            R"("version":{"number":")" +
                version + R"(","build_flavor":"default"},"tagline":"You Know, for Search"})",
            "application/json");
    });
}

} // namespace esmend::test
