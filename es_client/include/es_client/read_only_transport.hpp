#pragma once
// A Transport decorator that only lets reads reach the cluster: GET and HEAD, plus POSTs to the
// read-only endpoints the caller names (say `_field_caps`, `_search`, `_count`,
// `_index_template/_simulate_index`). Anything else fails with ErrorKind::state before it is sent,
// so a command built on it is read-only by construction, not by care.

#include <es_client/transport.hpp>

#include <memory>
#include <string>
#include <vector>

namespace esmend::es_client {

class ReadOnlyTransport final : public Transport {
public:
    // An endpoint "E" allows a POST whose path (without the query) ends in "/E" or contains
    // "/E/".
    ReadOnlyTransport(std::shared_ptr<Transport> inner, std::vector<std::string> read_only_posts);
    [[nodiscard]] Result<HttpResponse> perform(const HttpRequest& request) override;

private:
    std::shared_ptr<Transport> m_inner;
    std::vector<std::string> m_read_only_posts;
};

} // namespace esmend::es_client
