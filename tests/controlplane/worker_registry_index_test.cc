// WorkerRegistry's queue index (controlplane/worker_registry.h): CandidatesFor(queue) lists
// exactly the workers DispatchCandidates() would have picked for that queue, after every kind of
// change (connect, heartbeat, dispatch/fetch, stall, maintenance, disconnect, reconnect), and
// spreads successive asks over the fleet.
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "controlplane/worker_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl::controlplane {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class NullStream : public EventStream {
 public:
  void Send(WorkerEvent, std::function<void(bool)> written) override { written(true); }
  void Cancel() override {}
  void End(const absl::Status&) override {}
};

std::vector<std::string> Names(const std::vector<DispatchCandidate>& candidates) {
  std::vector<std::string> names;
  for (const DispatchCandidate& c : candidates) names.push_back(c.worker_name);
  return names;
}

// What the full scan (the former dispatch path) says serves `queue`.
std::set<std::string> ByScan(const WorkerRegistry& registry, const std::string& queue) {
  std::set<std::string> names;
  for (const DispatchCandidate& c : registry.DispatchCandidates()) {
    if (ServesQueue(c.queues, queue)) names.insert(c.worker_name);
  }
  return names;
}

std::set<std::string> ByIndex(WorkerRegistry& registry, const std::string& queue) {
  std::vector<std::string> names = Names(registry.CandidatesFor(queue, 1000));
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size()) << "a worker listed twice for " << queue;
  return unique;
}

class RegistryIndexTest : public ::testing::Test {
 protected:
  uint64_t Attach(const std::string& name, int free, QueueSet queues,
                  const std::string& state = "idle") {
    return registry_.Attach(name, ++order_, free, std::move(queues), state,
                            std::make_shared<NullStream>());
  }
  // Index and scan agree on every queue in play.
  void ExpectConsistent() {
    for (const char* q : {"a", "b", "c", "other"}) {
      EXPECT_EQ(ByIndex(registry_, q), ByScan(registry_, q)) << "queue " << q;
    }
  }

  WorkerRegistry registry_;
  uint64_t order_ = 0;
};

TEST_F(RegistryIndexTest, ConnectIndexesByQueueAndAllQueues) {
  Attach("w1", 2, std::vector<std::string>{"a"});
  Attach("w2", 1, std::vector<std::string>{"a", "b"});
  Attach("w3", 1, std::nullopt);                              // all queues
  Attach("w4", 0, std::vector<std::string>{"a"});             // no free slots
  Attach("w5", 3, std::vector<std::string>{"a"}, "maintenance mode");
  EXPECT_THAT(ByIndex(registry_, "a"), UnorderedElementsAre("w1", "w2", "w3"));
  EXPECT_THAT(ByIndex(registry_, "b"), UnorderedElementsAre("w2", "w3"));
  EXPECT_THAT(ByIndex(registry_, "other"), UnorderedElementsAre("w3"));
  ExpectConsistent();
}

TEST_F(RegistryIndexTest, HeartbeatFetchStallMaintenanceAndDisconnectKeepItExact) {
  const uint64_t s1 = Attach("w1", 0, std::vector<std::string>{"a"});
  Attach("w2", 1, std::vector<std::string>{"a", "b"});
  EXPECT_THAT(ByIndex(registry_, "a"), ElementsAre("w2"));

  registry_.UpdateFreeConcurrency("w1", 2);  // heartbeat: slots free again
  EXPECT_THAT(ByIndex(registry_, "a"), UnorderedElementsAre("w1", "w2"));

  ASSERT_TRUE(registry_.BeginFetch("w2"));  // dispatch in flight: not a candidate anywhere
  EXPECT_THAT(ByIndex(registry_, "a"), ElementsAre("w1"));
  EXPECT_THAT(ByIndex(registry_, "b"), IsEmpty());
  ExpectConsistent();
  registry_.EndFetch("w2");
  EXPECT_THAT(ByIndex(registry_, "b"), ElementsAre("w2"));

  registry_.MarkStalled("w1");  // ack timeout
  EXPECT_THAT(ByIndex(registry_, "a"), ElementsAre("w2"));
  registry_.UpdateFreeConcurrency("w1", 1);  // claim/report: alive again
  EXPECT_THAT(ByIndex(registry_, "a"), UnorderedElementsAre("w1", "w2"));

  registry_.UpdateView("w2", "maintenance request", std::vector<std::string>{"a", "b"});
  EXPECT_THAT(ByIndex(registry_, "b"), IsEmpty());
  registry_.UpdateView("w2", "idle", std::vector<std::string>{"c"});  // exit, queues changed
  EXPECT_THAT(ByIndex(registry_, "a"), ElementsAre("w1"));
  EXPECT_THAT(ByIndex(registry_, "b"), IsEmpty());
  EXPECT_THAT(ByIndex(registry_, "c"), ElementsAre("w2"));
  registry_.UpdateView("w2", "idle", std::nullopt);  // now all queues
  EXPECT_THAT(ByIndex(registry_, "b"), ElementsAre("w2"));
  ExpectConsistent();

  registry_.Detach("w1", s1);
  registry_.End("w2", absl::UnauthenticatedError("revoked"));
  EXPECT_THAT(ByIndex(registry_, "a"), IsEmpty());
  EXPECT_THAT(ByIndex(registry_, "other"), IsEmpty());
  ExpectConsistent();
}

TEST_F(RegistryIndexTest, ReconnectReplacesTheEntryAndAnOldDetachLeavesIt) {
  const uint64_t old_session = Attach("w1", 1, std::vector<std::string>{"a"});
  registry_.BeginFetch("w1");
  Attach("w1", 1, std::vector<std::string>{"b"});  // reconnect with other queues
  EXPECT_THAT(ByIndex(registry_, "a"), IsEmpty());
  EXPECT_THAT(ByIndex(registry_, "b"), ElementsAre("w1"));
  registry_.Detach("w1", old_session);  // the old stream ending must not remove the new one
  EXPECT_THAT(ByIndex(registry_, "b"), ElementsAre("w1"));
  ExpectConsistent();
}

TEST_F(RegistryIndexTest, AsksAreBoundedAndRotate) {
  for (int i = 0; i < 10; ++i) Attach("w" + std::to_string(i), 1, std::vector<std::string>{"a"});
  std::set<std::string> seen;
  for (int round = 0; round < 5; ++round) {
    std::vector<std::string> picked = Names(registry_.CandidatesFor("a", 2));
    ASSERT_EQ(picked.size(), 2u);
    seen.insert(picked.begin(), picked.end());
  }
  EXPECT_EQ(seen.size(), 10u);  // five asks of two covered all ten workers
  EXPECT_EQ(registry_.CandidatesFor("a", 100).size(), 10u);
  EXPECT_THAT(registry_.CandidatesFor("nobody-serves-this", 5), IsEmpty());
}

}  // namespace
}  // namespace edgectl::controlplane
