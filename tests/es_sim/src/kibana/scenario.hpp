#pragma once
// Pre-loaded cluster states for demos and tests. "host-ip-conflict" is the state of a cluster hit
// by the golang package's host.ip conflict (es-apis.md §5.1, golang-integration.md §1.3):
// - golang 0.4.0 installed through Fleet and collecting: generation 1 of logs-golang.heap-default
//   and logs-golang.expvar-default hold `docs` events each, spread over the last days, with
//   host.ip mapped as keyword (strings_as_keyword);
// - then golang 1.6.0 installed over it with Fleet's rollover: generation 2 maps host.ip as ip and
//   holds k_generation2_docs newer events per stream;
// - an unrelated logs-nginx.access-default with host.ip as ip.
// So logs-*/_field_caps?fields=host.ip reports keyword and ip.
// "host-ip-not-upgraded" is the same cluster before the upgrade: golang 0.4.0 collecting, every
// golang backing index with host.ip as keyword (the template does not map it), and nginx's ip.

#include "kibana/es_caller.hpp"
#include "kibana/fleet.hpp"

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace esmend::es_sim::kibana {

inline constexpr std::int64_t k_generation2_docs = 5;
inline constexpr std::int64_t k_nginx_docs = 5;

[[nodiscard]] const std::vector<std::string>& scenario_names();
[[nodiscard]] std::string known_scenarios(); // the names, "a, b"
[[nodiscard]] std::expected<void, std::string>
load_scenario(const std::string& name, std::int64_t docs, EsCaller es, Fleet& fleet);

} // namespace esmend::es_sim::kibana
