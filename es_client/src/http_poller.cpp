#include <es_client/http_poller.hpp>

#include "curl_easy.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace esmend::es_client {

namespace {
struct MultiDeleter {
    void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
} // namespace

// One easy handle per target, kept across rounds so that each keeps its connection alive.
struct HttpPoller::State {
    std::unique_ptr<CURLM, MultiDeleter> multi;
    std::vector<curl::EasyPtr> easies;
    std::vector<curl::ListPtr> headers;
    std::vector<std::string> urls;
    std::vector<std::string> authorizations;
    std::vector<HttpResponse> responses;
    std::vector<std::chrono::steady_clock::time_point> started;
};

Result<std::unique_ptr<HttpPoller>> HttpPoller::create(std::vector<PollTarget> targets) {
    if (!curl::global_init()) {
        return std::unexpected(make_error(ErrorKind::config, "libcurl could not be initialised"));
    }
    std::unique_ptr<HttpPoller> poller(new HttpPoller(std::move(targets)));
    auto& s = *poller->m_state;
    s.multi.reset(curl_multi_init());
    if (!s.multi)
        return std::unexpected(make_error(ErrorKind::transport, "curl_multi_init failed"));
    const auto n = poller->m_targets.size();
    s.easies.resize(n);
    s.headers.resize(n);
    s.urls.resize(n);
    s.authorizations.resize(n);
    s.responses.resize(n);
    s.started.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& t = poller->m_targets[i];
        s.easies[i].reset(curl_easy_init());
        if (!s.easies[i])
            return std::unexpected(make_error(ErrorKind::transport, "curl_easy_init failed"));
        s.urls[i] = t.base.str() + t.path;
        s.authorizations[i] = t.credentials.authorization();
        curl_slist* list = curl_slist_append(nullptr, "Accept: application/json");
        if (!s.authorizations[i].empty()) {
            list = curl_slist_append(list, ("Authorization: " + s.authorizations[i]).c_str());
        }
        s.headers[i].reset(list);
        CURL* easy = s.easies[i].get();
        CURLcode rc = CURLE_OK;
        const auto set = [&](CURLoption option, auto value) {
            if (rc == CURLE_OK)
                rc = curl_easy_setopt(easy, option, value);
        };
        set(CURLOPT_URL, s.urls[i].c_str());
        set(CURLOPT_PROTOCOLS_STR, "http,https");
        set(CURLOPT_NOSIGNAL, 1L);
        set(CURLOPT_HTTPGET, 1L);
        set(CURLOPT_TIMEOUT_MS, static_cast<long>(t.timeout.count()));
        set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.timeout.count()));
        set(CURLOPT_ACCEPT_ENCODING, "");
        set(CURLOPT_USERAGENT, "esmend");
        set(CURLOPT_HTTPHEADER, s.headers[i].get());
        set(CURLOPT_WRITEFUNCTION, &curl::on_body);
        set(CURLOPT_WRITEDATA, &s.responses[i].body);
        set(CURLOPT_HEADERFUNCTION, &curl::on_header);
        set(CURLOPT_HEADERDATA, &s.responses[i].headers);
        set(CURLOPT_PRIVATE, reinterpret_cast<void*>(i));
        if (rc == CURLE_OK)
            rc = curl::apply_tls(easy, t.tls);
        if (rc != CURLE_OK) {
            return std::unexpected(
                make_error(ErrorKind::config,
                           std::string("libcurl rejected an option: ") + curl_easy_strerror(rc)));
        }
    }
    return poller;
}

HttpPoller::HttpPoller(std::vector<PollTarget> targets)
    : m_targets(std::move(targets)), m_state(std::make_unique<State>()) {}

HttpPoller::~HttpPoller() = default;

std::vector<PollOutcome> HttpPoller::poll_all(const Cancellation* cancel) {
    auto& s = *m_state;
    const auto n = m_targets.size();
    std::vector<PollOutcome> outcomes(n);
    std::vector<bool> done(n, false);
    for (std::size_t i = 0; i < n; ++i) {
        s.responses[i] = HttpResponse{};
        s.responses[i].host = m_targets[i].base.str();
        s.started[i] = std::chrono::steady_clock::now();
        curl_multi_add_handle(s.multi.get(), s.easies[i].get());
    }
    int running = static_cast<int>(n);
    while (running > 0) {
        if (cancel != nullptr && cancel->requested())
            break;
        if (curl_multi_perform(s.multi.get(), &running) != CURLM_OK)
            break;
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(s.multi.get(), &queued)) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            void* priv = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            const auto i = reinterpret_cast<std::size_t>(priv);
            outcomes[i].elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - s.started[i]);
            if (msg->data.result == CURLE_OK) {
                long status = 0;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
                s.responses[i].status = static_cast<int>(status);
                outcomes[i].response = std::move(s.responses[i]);
            } else {
                outcomes[i].response =
                    std::unexpected(curl::error_from_curl(msg->data.result, nullptr,
                                                          m_targets[i].base, msg->easy_handle)
                                        .error);
            }
            done[i] = true;
        }
        if (running > 0)
            curl_multi_poll(s.multi.get(), nullptr, 0, 100, nullptr);
    }
    for (std::size_t i = 0; i < n; ++i) {
        curl_multi_remove_handle(s.multi.get(), s.easies[i].get());
        if (!done[i]) {
            outcomes[i].response = std::unexpected(make_error(
                ErrorKind::cancelled, "poll of " + m_targets[i].base.str() + " cancelled"));
        }
    }
    return outcomes;
}

} // namespace esmend::es_client
