// The repair's live view: the step list, and the reindex bar's rate and time left worked out from
// the task status samples (issue #7, "a live progress bar for each reindex, with docs/s and ETA").
#include <tool/progress.hpp>

#include <gtest/gtest.h>

#include <sstream>

using esmend::tool::format_duration;
using esmend::tool::group_thousands;
using esmend::tool::ProgressView;
using namespace std::chrono_literals;

namespace {

// A view on a string, with a clock the test moves.
class Progress : public ::testing::Test {
protected:
    ProgressView make(bool terminal) {
        return ProgressView(out, terminal, [this] { return now; });
    }
    std::ostringstream out;
    std::chrono::steady_clock::time_point now{};
};

} // namespace

TEST_F(Progress, RateAndTimeLeftComeFromTheSamples) {
    auto view = make(false);
    view.step_started("copy_out");
    view.waiting("reindex", 0, 10000);
    EXPECT_FALSE(view.rate().has_value());
    now += 2s;
    view.waiting("reindex", 2000, 10000);
    ASSERT_TRUE(view.rate().has_value());
    EXPECT_DOUBLE_EQ(*view.rate(), 1000.0);
    EXPECT_DOUBLE_EQ(*view.seconds_left(), 8.0);
    now += 2s;
    view.waiting("reindex", 6000, 10000);
    EXPECT_DOUBLE_EQ(*view.rate(), 1500.0);
    EXPECT_NEAR(*view.seconds_left(), 4000.0 / 1500.0, 1e-9);
}

TEST_F(Progress, ARestartedTaskRestartsTheRate) {
    auto view = make(false);
    view.step_started("copy_back");
    view.waiting("reindex", 5000, 10000);
    now += 1s;
    view.waiting("reindex", 100, 10000); // the task vanished and was started again
    EXPECT_FALSE(view.rate().has_value());
    now += 1s;
    view.waiting("reindex", 600, 10000);
    EXPECT_DOUBLE_EQ(*view.rate(), 500.0);
}

TEST_F(Progress, ALogGetsOneLinePerStepAndThrottledProgress) {
    auto view = make(false);
    view.step_started("copy_out");
    view.waiting("reindex", 0, 1000);
    now += 1s;
    view.waiting("reindex", 100, 1000); // within 10 s of the last line: not printed
    now += 9s;
    view.waiting("reindex", 500, 1000);
    view.step_done("copy_out", "reindexed a -> b");
    EXPECT_EQ(out.str(), "… copy_out\n"
                         "  [........................] 0% 0/1,000 docs\n"
                         "  [############............] 50% 500/1,000 docs  50 docs/s  ETA 10s\n"
                         "✓ copy_out: reindexed a -> b\n");
}

TEST_F(Progress, ATerminalRedrawsTheCurrentLine) {
    auto view = make(true);
    view.step_started("copy_out");
    view.waiting("reindex", 0, 100);
    now += 1s;
    view.waiting("reindex", 50, 100);
    view.step_failed("copy_out", "cancelled");
    EXPECT_EQ(out.str(), "… copy_out"
                         "\r\033[K… copy_out  [........................] 0% 0/100 docs"
                         "\r\033[K… copy_out  [############............] 50% 50/100 docs  "
                         "50 docs/s  ETA 1s"
                         "\r\033[K✗ copy_out: cancelled\n");
}

TEST_F(Progress, DurationsAndNumbersReadLikeElasticsTools) {
    EXPECT_EQ(format_duration(0.2), "1s");
    EXPECT_EQ(format_duration(59), "59s");
    EXPECT_EQ(format_duration(185), "3m05s");
    EXPECT_EQ(format_duration(3720), "1h02m");
    EXPECT_EQ(group_thousands(0), "0");
    EXPECT_EQ(group_thousands(1234567), "1,234,567");
    EXPECT_EQ(group_thousands(-1000), "-1,000");
}
