#include <playbooks/strategy.hpp>

namespace esmend::playbooks {

std::vector<StrategyAvailability> repair_strategies(const es_client::Version& version) {
    const auto features = es_client::Features::of(version);
    return {
        {"offline", "pause collection, copy out, delete and reinstall the data stream, copy back",
         features.data_streams,
         features.data_streams ? "data streams (7.9+)"
                               : "needs data streams: Elasticsearch 7.9 or later"},
        {"online", "rewrite old backing indices and swap them in with _data_stream/_modify",
         features.modify_data_stream,
         features.modify_data_stream ? "_data_stream/_modify (7.16+)"
                                     : "needs _data_stream/_modify: Elasticsearch 7.16 or later"},
    };
}

} // namespace esmend::playbooks
