// The cluster-wide repair lock (issue #7), against es-sim: a lease document created with op_type
// create, renewed and released with if_seq_no/if_primary_term, taken over after 90 s.
#include <playbooks/lock.hpp>

#include "support/es_sim_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

using namespace esmend;
using namespace esmend::playbooks;
using es_client::ErrorKind;
using es_client::Method;
using nlohmann::json;

namespace {

const std::string k_ds = "logs-golang.heap-default";

struct LockClock {
    std::int64_t ms = 1'767'323'045'000; // 2026-01-02T03:04:05.000Z
    NowMs fn() {
        return [this] { return ms; };
    }
};

LockHolder host_a() {
    return {"host-a", 111, "alice"};
}
LockHolder host_b() {
    return {"host-b", 222, "bob"};
}

json lease_doc(test::EsSim& sim) {
    return sim.call(Method::get, lock_path(k_ds));
}

} // namespace

TEST(Lock, AcquireCreatesTheLeaseDocument) {
    test::EsSim sim;
    LockClock time;
    auto lock = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(lock) << lock.error().describe();
    EXPECT_EQ(lock->run_id(), "run1");
    const auto doc = lease_doc(sim);
    EXPECT_EQ(doc["_id"], "lock-" + k_ds);
    const auto& src = doc["_source"];
    EXPECT_EQ(src["run_id"], "run1");
    EXPECT_EQ(src["data_stream"], k_ds);
    EXPECT_EQ(src["holder"], json({{"host", "host-a"}, {"pid", 111}, {"user", "alice"}}));
    EXPECT_EQ(src["acquired_at"], "2026-01-02T03:04:05.000Z");
    EXPECT_EQ(src["acquired_at_ms"], time.ms);
    EXPECT_EQ(src["renewed_at_ms"], time.ms);
    EXPECT_EQ(src["expires_at_ms"], time.ms + 90'000);
    EXPECT_EQ(src["expires_at"], "2026-01-02T03:05:35.000Z");
    EXPECT_EQ(lock->lease().seq_no, doc["_seq_no"]);
    EXPECT_EQ(lock->lease().primary_term, doc["_primary_term"]);
}

TEST(Lock, SecondAcquireIsRefusedNamingTheHolder) {
    test::EsSim sim;
    LockClock time;
    auto first = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(first);
    time.ms += 30'000;
    auto second = Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().kind, ErrorKind::conflict);
    EXPECT_EQ(second.error().message,
              "data stream logs-golang.heap-default is being repaired by run run1 on host "
              "host-a (pid 111) since 2026-01-02T03:04:05.000Z; the lease expires at "
              "2026-01-02T03:05:35.000Z");
    EXPECT_EQ(lease_doc(sim)["_source"]["run_id"], "run1"); // untouched
    // Another data stream is a separate lock.
    EXPECT_TRUE(Lock::acquire(sim.es(), "logs-golang.expvar-default", "run2", host_b(), time.fn()));
}

TEST(Lock, ExpiredLeaseIsTakenOver) {
    test::EsSim sim;
    LockClock time;
    auto first = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(first);
    time.ms += 89'999;
    EXPECT_FALSE(Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn()));
    time.ms += 1; // exactly at expires_at: abandoned
    auto second = Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn());
    ASSERT_TRUE(second) << second.error().describe();
    const auto src = lease_doc(sim)["_source"];
    EXPECT_EQ(src["run_id"], "run2");
    EXPECT_EQ(src["holder"]["host"], "host-b");
    EXPECT_EQ(src["acquired_at_ms"], time.ms);
    EXPECT_EQ(src["expires_at_ms"], time.ms + 90'000);
}

TEST(Lock, RacingTakeoversOfAnExpiredLeaseHaveExactlyOneWinner) {
    test::EsSim sim;
    LockClock time;
    ASSERT_TRUE(Lock::acquire(sim.es(), k_ds, "dead-run", host_a(), time.fn()));
    time.ms += 120'000;
    // Both racers read the same stale lease (same _seq_no) before either writes.
    auto seen_by_b = read_lease(sim.es(), k_ds);
    auto seen_by_c = read_lease(sim.es(), k_ds);
    ASSERT_TRUE(seen_by_b && *seen_by_b);
    ASSERT_TRUE(seen_by_c && *seen_by_c);
    ASSERT_EQ((*seen_by_b)->seq_no, (*seen_by_c)->seq_no);
    auto b = Lock::take_over(sim.es(), **seen_by_b, "run-b", host_b(), time.fn());
    auto c = Lock::take_over(sim.es(), **seen_by_c, "run-c", {"host-c", 333, "carol"}, time.fn());
    EXPECT_TRUE(b) << b.error().describe();
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().kind, ErrorKind::conflict);
    EXPECT_NE(c.error().message.find("by run run-b on host host-b (pid 222)"), std::string::npos)
        << c.error().message;
    EXPECT_EQ(lease_doc(sim)["_source"]["run_id"], "run-b");
}

TEST(Lock, SameRunReacquiresAfterACrash) {
    test::EsSim sim;
    LockClock time;
    auto before_crash = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(before_crash);
    time.ms += 10'000; // well inside the lease: the process died and was restarted
    auto resumed = Lock::acquire(sim.es(), k_ds, "run1", {"host-a", 999, "alice"}, time.fn());
    ASSERT_TRUE(resumed) << resumed.error().describe();
    const auto src = lease_doc(sim)["_source"];
    EXPECT_EQ(src["holder"]["pid"], 999);
    EXPECT_EQ(src["acquired_at_ms"], time.ms - 10'000); // still held since the first acquire
    EXPECT_EQ(src["expires_at_ms"], time.ms + 90'000);
    // The crashed process's handle is stale now.
    auto stale = before_crash->renew();
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().kind, ErrorKind::conflict);
}

TEST(Lock, RenewExtendsTheLease) {
    test::EsSim sim;
    LockClock time;
    auto lock = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(lock);
    const auto acquired = time.ms;
    for (int i = 0; i < 3; ++i) {
        time.ms += 60'000; // renewed every minute, the lease never lapses
        auto renewed = lock->renew();
        ASSERT_TRUE(renewed) << renewed.error().describe();
    }
    const auto doc = lease_doc(sim);
    EXPECT_EQ(doc["_source"]["acquired_at_ms"], acquired);
    EXPECT_EQ(doc["_source"]["renewed_at_ms"], time.ms);
    EXPECT_EQ(doc["_source"]["expires_at_ms"], time.ms + 90'000);
    EXPECT_EQ(lock->lease().seq_no, doc["_seq_no"]);
    time.ms += 89'000;
    EXPECT_FALSE(Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn()));
}

TEST(Lock, RenewAfterSomeoneElseTookOverFails) {
    test::EsSim sim;
    LockClock time;
    auto slow = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(slow);
    time.ms += 95'000; // run1 stalled past its lease
    auto other = Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn());
    ASSERT_TRUE(other);
    auto renewed = slow->renew();
    ASSERT_FALSE(renewed);
    EXPECT_EQ(renewed.error().kind, ErrorKind::conflict);
    EXPECT_NE(renewed.error().message.find("run run1 lost the lock"), std::string::npos)
        << renewed.error().message;
    EXPECT_EQ(lease_doc(sim)["_source"]["run_id"], "run2"); // not overwritten
    // Its release leaves run2's lease alone.
    auto released = slow->release();
    ASSERT_FALSE(released);
    EXPECT_EQ(released.error().kind, ErrorKind::conflict);
    EXPECT_EQ(lease_doc(sim)["_source"]["run_id"], "run2");
}

TEST(Lock, RenewAfterTheLeaseWasDeletedFails) {
    test::EsSim sim;
    LockClock time;
    auto lock = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(lock);
    sim.call(Method::del, lock_path(k_ds));
    auto renewed = lock->renew();
    ASSERT_FALSE(renewed);
    EXPECT_EQ(renewed.error().kind, ErrorKind::conflict);
    EXPECT_NE(renewed.error().message.find("no document was found"), std::string::npos)
        << renewed.error().message;
    auto after = sim.es().find(lock_path(k_ds)); // renewing did not recreate it
    ASSERT_TRUE(after);
    EXPECT_FALSE(*after && (**after).value("found", false));
}

TEST(Lock, ReleaseDeletesTheLeaseAndIsIdempotent) {
    test::EsSim sim;
    LockClock time;
    auto lock = Lock::acquire(sim.es(), k_ds, "run1", host_a(), time.fn());
    ASSERT_TRUE(lock);
    auto released = lock->release();
    ASSERT_TRUE(released) << released.error().describe();
    auto lease = read_lease(sim.es(), k_ds);
    ASSERT_TRUE(lease);
    EXPECT_FALSE(lease->has_value());
    EXPECT_TRUE(lock->release()); // already gone
    // The lock is free again at once, without waiting for the lease to expire.
    EXPECT_TRUE(Lock::acquire(sim.es(), k_ds, "run2", host_b(), time.fn()));
}

TEST(Lock, CurrentHolderDescribesThisProcess) {
    const auto h = current_holder();
    EXPECT_FALSE(h.host.empty());
    EXPECT_EQ(h.pid, static_cast<std::int64_t>(::getpid()));
}
