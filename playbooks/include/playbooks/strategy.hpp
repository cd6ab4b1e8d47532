#pragma once
// The repair strategies a cluster version allows. The gates themselves live in es_client::Features;
// this is where esmend decides what it can offer with them.

#include <es_client/version.hpp>

#include <string>
#include <vector>

namespace esmend::playbooks {

struct StrategyAvailability {
    std::string name;    // "offline" or "online"
    std::string summary; // one line on what the strategy does
    bool available = false;
    std::string requirement; // why it is or is not available on this version
};

// Offline: pause collection, copy out, delete and reinstall the data stream, copy back (needs data
// streams, 7.9). Online: rewrite old backing indices and swap them in with _data_stream/_modify
// (7.16), without pausing collection.
[[nodiscard]] std::vector<StrategyAvailability>
repair_strategies(const es_client::Version& version);

} // namespace esmend::playbooks
