#include <es_client/http.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace esmend::es_client {

std::string_view to_string(Method method) {
    switch (method) {
    case Method::get:
        return "GET";
    case Method::head:
        return "HEAD";
    case Method::post:
        return "POST";
    case Method::put:
        return "PUT";
    case Method::del:
        return "DELETE";
    }
    return "GET";
}

HttpRequest make_request(Method method, std::string path, std::string body) {
    HttpRequest request;
    request.method = method;
    request.path = std::move(path);
    request.body = std::move(body);
    return request;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
    std::optional<std::string_view> found;
    for (const auto& h : headers)
        if (iequals(h.name, name))
            found = h.value;
    return found;
}

} // namespace esmend::es_client
