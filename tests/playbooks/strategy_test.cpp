#include <playbooks/strategy.hpp>

#include <gtest/gtest.h>

using esmend::es_client::Version;
using esmend::playbooks::repair_strategies;

namespace {
bool available(const Version& v, const std::string& name) {
    for (const auto& s : repair_strategies(v))
        if (s.name == name)
            return s.available;
    ADD_FAILURE() << "no strategy " << name;
    return false;
}
} // namespace

TEST(RepairStrategies, NoneBeforeDataStreams) {
    EXPECT_FALSE(available({7, 8, 0}, "offline"));
    EXPECT_FALSE(available({7, 8, 0}, "online"));
}

TEST(RepairStrategies, OfflineOnlyBefore716) {
    EXPECT_TRUE(available({7, 15, 0}, "offline"));
    EXPECT_FALSE(available({7, 15, 0}, "online"));
}

TEST(RepairStrategies, BothOn717And8x) {
    EXPECT_TRUE(available({7, 17, 0}, "online"));
    EXPECT_TRUE(available({8, 19, 0}, "online"));
    EXPECT_TRUE(available({8, 19, 0}, "offline"));
}
