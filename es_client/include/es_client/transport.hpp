#pragma once

#include <es_client/error.hpp>
#include <es_client/http.hpp>

namespace esmend::es_client {

// Sends one request and returns the response, whatever its HTTP status. Implementations must be
// safe to call from several threads at once.
class Transport {
public:
    virtual ~Transport() = default;
    [[nodiscard]] virtual Result<HttpResponse> perform(const HttpRequest& request) = 0;
};

} // namespace esmend::es_client
