#include <es_client/read_only_transport.hpp>

#include <utility>

namespace esmend::es_client {

ReadOnlyTransport::ReadOnlyTransport(std::shared_ptr<Transport> inner,
                                     std::vector<std::string> read_only_posts)
    : m_inner(std::move(inner)), m_read_only_posts(std::move(read_only_posts)) {}

Result<HttpResponse> ReadOnlyTransport::perform(const HttpRequest& request) {
    if (request.method == Method::get || request.method == Method::head)
        return m_inner->perform(request);
    const std::string_view path = std::string_view(request.path).substr(0, request.path.find('?'));
    if (request.method == Method::post) {
        for (const auto& endpoint : m_read_only_posts) {
            const std::string segment = "/" + endpoint;
            if (path.ends_with(segment) || path.find(segment + "/") != std::string_view::npos)
                return m_inner->perform(request);
        }
    }
    return std::unexpected(make_error(
        ErrorKind::state, "read-only: refused " + std::string(to_string(request.method)) + " " +
                              std::string(path) + " (this command never changes the cluster)"));
}

} // namespace esmend::es_client
