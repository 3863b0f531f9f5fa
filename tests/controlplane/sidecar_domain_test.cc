// The sidecar's domain classes (JobDispatcher, WorkerStateWatcher, WorkerRegistry) against
// in-memory collaborators and a manual clock: the free-slot estimate, queue and slot filters, the
// ack timeout measured exactly, requeue on a failed write, zero fetches without queued work,
// state_change events, and the newest Connect winning.
#include "controlplane/job_dispatcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "controlplane/auth/token_directory.h"
#include "controlplane/worker_state_watcher.h"
#include "tests/fakes/fake_sidecar_store.h"
#include "tests/fakes/manual_clock.h"

namespace edgectl::testing {
namespace {

using controlplane::QueuedWork;
using controlplane::WorkerEvent;

bool WaitUntil(const std::function<bool()>& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

// Hands out jobs t0, t1, ... and records each request.
class ScriptedFetchApi final : public bridge::EdgeApi {
 public:
  std::vector<bridge::FetchRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  void set_empty(bool empty) {
    absl::MutexLock lock(&mu_);
    empty_ = empty;
  }
  absl::StatusOr<std::optional<bridge::EdgeJobFetched>> FetchJob(
      const std::string&, const bridge::FetchRequest& request) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(request);
    if (empty_) return std::optional<bridge::EdgeJobFetched>();
    bridge::EdgeJobFetched job;
    job.key.task_id = "t" + std::to_string(next_++);
    job.command = "{}";
    return std::optional<bridge::EdgeJobFetched>(job);
  }
  absl::StatusOr<bridge::WorkerRegistrationReturn> RegisterWorker(
      const std::string&, const bridge::WorkerStateBody&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<bridge::WorkerSetStateReturn> SetState(const std::string&,
                                                        const bridge::WorkerStateBody&) override {
    return absl::UnimplementedError("");
  }
  absl::Status UpdateQueues(const std::string&, const std::optional<std::vector<std::string>>&,
                            const std::optional<std::vector<std::string>>&) override {
    return absl::UnimplementedError("");
  }
  absl::Status SetJobState(const bridge::JobKey&, const std::string&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<std::string> LogfilePath(const bridge::JobKey&) override {
    return absl::UnimplementedError("");
  }
  absl::Status PushLogs(const bridge::JobKey&, absl::Time, const std::string&) override {
    return absl::UnimplementedError("");
  }
  absl::StatusOr<std::map<std::string, std::string>> Health() override {
    return absl::UnimplementedError("");
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<bridge::FetchRequest> requests_ ABSL_GUARDED_BY(mu_);
  int next_ ABSL_GUARDED_BY(mu_) = 0;
  bool empty_ ABSL_GUARDED_BY(mu_) = false;
};

class RecordingStream final : public controlplane::EventStream {
 public:
  explicit RecordingStream(bool writes_fail = false) : writes_fail_(writes_fail) {}
  void Send(WorkerEvent event, std::function<void(bool)> written) override {
    {
      absl::MutexLock lock(&mu_);
      events_.push_back(event);
    }
    written(!writes_fail_);
  }
  void Cancel() override { cancelled_ = true; }
  void End(const absl::Status&) override { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  std::vector<WorkerEvent> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  const bool writes_fail_;
  std::atomic<bool> cancelled_{false};
  mutable absl::Mutex mu_;
  std::vector<WorkerEvent> events_ ABSL_GUARDED_BY(mu_);
};

class JobDispatcherTest : public ::testing::Test {
 protected:
  std::shared_ptr<RecordingStream> Attach(const std::string& name, int free,
                                          controlplane::QueueSet queues,
                                          bool writes_fail = false) {
    auto stream = std::make_shared<RecordingStream>(writes_fail);
    registry_.Attach(name, ++connect_order_, free, std::move(queues), "idle", stream);
    return stream;
  }
  // One dispatch round, waiting for the fetches it started.
  void Round() {
    dispatcher_.PollOnce();
    ASSERT_TRUE(WaitUntil([&] { return NoFetchInFlight(); }));
  }
  bool NoFetchInFlight() {
    // BeginFetch succeeds only when no fetch is in flight; undo at once.
    for (const std::string& name : registry_.ConnectedWorkers()) {
      if (!registry_.BeginFetch(name)) return false;
      registry_.EndFetch(name);
    }
    return true;
  }

  uint64_t connect_order_ = 0;
  ManualClock clock_;
  FakeSidecarStore store_;
  ScriptedFetchApi api_;
  controlplane::Metrics metrics_;
  controlplane::Executor executor_{2, 100};
  controlplane::WorkerRegistry registry_;
  controlplane::DispatchLedger ledger_;
  controlplane::JobDispatcher dispatcher_{{absl::Milliseconds(50), absl::Seconds(30)},
                                          registry_, ledger_, store_, api_, executor_, clock_,
                                          metrics_};
};

TEST_F(JobDispatcherTest, NothingQueuedMeansNoFetchAndNoWorkersMeansNoQuery) {
  store_.SetQueuedWork({{"default", 1, 3}});
  for (int i = 0; i < 5; ++i) Round();
  EXPECT_EQ(store_.queued_queries(), 0);  // nobody connected: not even the query
  auto stream = Attach("w1", 4, std::nullopt);
  store_.SetQueuedWork({});
  for (int i = 0; i < 5; ++i) Round();
  EXPECT_EQ(store_.queued_queries(), 5);
  EXPECT_TRUE(api_.requests().empty());
  EXPECT_TRUE(stream->events().empty());
}

TEST_F(JobDispatcherTest, EstimateIsReportedFreeMinusUnacknowledgedSlots) {
  auto stream = Attach("w1", 2, std::vector<std::string>{"default"});
  store_.SetQueuedWork({{"default", 1, 10}});
  Round();
  Round();
  Round();
  const auto requests = api_.requests();
  ASSERT_EQ(requests.size(), 2u);  // the third round saw 0 free slots
  EXPECT_EQ(requests[0].free_concurrency, 2);
  EXPECT_EQ(requests[1].free_concurrency, 1);
  EXPECT_EQ(requests[0].queues, (std::vector<std::string>{"default"}));
  ASSERT_EQ(stream->events().size(), 2u);
  // The worker starts t0 (1 free) while t1 is still unacknowledged: 1 - 1 = 0, no fetch.
  const WorkerEvent first = stream->events()[0];
  const WorkerEvent second = stream->events()[1];
  EXPECT_TRUE(ledger_.Acknowledge("w1", first.dispatch_id, first.job.key));
  registry_.UpdateFreeConcurrency("w1", 1);
  Round();
  EXPECT_EQ(api_.requests().size(), 2u);
  // It starts t1 (0 free), then t0 finishes (1 free): one fetch, offering 1 slot.
  EXPECT_TRUE(ledger_.Acknowledge("w1", second.dispatch_id, second.job.key));
  registry_.UpdateFreeConcurrency("w1", 0);
  Round();
  EXPECT_EQ(api_.requests().size(), 2u);
  registry_.UpdateFreeConcurrency("w1", 1);
  Round();
  ASSERT_EQ(api_.requests().size(), 3u);
  EXPECT_EQ(api_.requests()[2].free_concurrency, 1);
}

TEST_F(JobDispatcherTest, UnclaimableQueuedRowsDoNotCauseAFetchEveryPoll) {
  Attach("w1", 4, std::nullopt);
  Attach("w2", 4, std::nullopt);
  api_.set_empty(true);  // e.g. the row belongs to another team
  store_.SetQueuedWork({{"default", 1, 1}});
  for (int i = 0; i < 10; ++i) Round();
  EXPECT_EQ(api_.requests().size(), 1u);
  clock_.Advance(absl::Milliseconds(1100));
  Round();
  EXPECT_EQ(api_.requests().size(), 2u);
  // A newly queued job is tried at once.
  api_.set_empty(false);
  store_.SetQueuedWork({{"default", 1, 2}});
  Round();
  EXPECT_EQ(api_.requests().size(), 4u);  // one per queued job, on two workers
}

TEST_F(JobDispatcherTest, SkipsWorkersNotServingTheQueueOrWithTooFewSlots) {
  Attach("gpu", 4, std::vector<std::string>{"gpu"});
  Attach("small", 1, std::nullopt);
  store_.SetQueuedWork({{"default", 2, 1}});
  Round();
  EXPECT_TRUE(api_.requests().empty());
}

TEST_F(JobDispatcherTest, AckTimeoutIsMeasuredOnTheClock) {
  Attach("w1", 1, std::nullopt);
  store_.SetQueuedWork({{"default", 1, 1}});
  Round();
  store_.SetQueuedWork({});
  ASSERT_EQ(ledger_.size(), 1u);
  clock_.Advance(absl::Seconds(29));
  Round();
  EXPECT_TRUE(store_.requeued().empty());
  clock_.Advance(absl::Seconds(2));
  Round();
  EXPECT_EQ(store_.requeued(),
            (std::vector<std::pair<std::string, std::string>>{{"t0", "w1"}}));
  EXPECT_EQ(metrics_.dispatches_requeued(), 1u);
  EXPECT_EQ(ledger_.size(), 0u);
}

TEST_F(JobDispatcherTest, AcknowledgedDispatchIsNeverRequeued) {
  auto stream = Attach("w1", 1, std::nullopt);
  store_.SetQueuedWork({{"default", 1, 1}});
  Round();
  store_.SetQueuedWork({});
  ASSERT_EQ(stream->events().size(), 1u);
  EXPECT_TRUE(ledger_.Acknowledge("w1", stream->events()[0].dispatch_id, {}));
  clock_.Advance(absl::Minutes(5));
  Round();
  EXPECT_TRUE(store_.requeued().empty());
}

TEST_F(JobDispatcherTest, FailedWriteRequeuesAtOnce) {
  Attach("w1", 1, std::nullopt, /*writes_fail=*/true);
  store_.SetQueuedWork({{"default", 1, 1}});
  Round();
  ASSERT_TRUE(WaitUntil([&] { return !store_.requeued().empty(); }));
  EXPECT_EQ(store_.requeued()[0], std::make_pair(std::string("t0"), std::string("w1")));
  EXPECT_EQ(ledger_.size(), 0u);
}

TEST_F(JobDispatcherTest, FailedRequeueIsRetriedLater) {
  Attach("w1", 1, std::nullopt);
  store_.SetQueuedWork({{"default", 1, 1}});
  Round();
  store_.SetQueuedWork({});
  store_.FailWith(absl::UnavailableError("database down"));
  clock_.Advance(absl::Seconds(31));
  Round();
  EXPECT_EQ(ledger_.size(), 1u);  // kept, not forgotten
  store_.FailWith(absl::OkStatus());
  clock_.Advance(absl::Seconds(2));
  Round();
  EXPECT_EQ(store_.requeued().size(), 1u);
}

TEST(WorkerStateWatcherTest, PushesRequestedStatesOnceAndFollowsOtherChanges) {
  FakeSidecarStore store;
  controlplane::WorkerRegistry registry;
  auto stream = std::make_shared<RecordingStream>();
  registry.Attach("w1", 1, 2, std::nullopt, "idle", stream);
  controlplane::WorkerStateWatcher watcher(absl::Seconds(1), 30, registry, store);
  bridge::WorkerSetStateReturn welcome;
  welcome.state = "idle";
  watcher.Observe("w1", welcome);

  store.SetWorker({"w1", "running", std::nullopt, std::nullopt, std::nullopt});
  watcher.PollOnce();
  EXPECT_TRUE(stream->events().empty());  // the worker's own state: nothing to tell it
  store.SetWorker({"w1", "shutdown request", std::nullopt, std::nullopt, std::nullopt});
  watcher.PollOnce();
  watcher.PollOnce();
  ASSERT_EQ(stream->events().size(), 1u);
  EXPECT_EQ(stream->events()[0].kind, WorkerEvent::Kind::kStateChange);
  EXPECT_EQ(stream->events()[0].view.state.state, "shutdown request");
  EXPECT_EQ(stream->events()[0].view.heartbeat_interval_seconds, 30);
  EXPECT_TRUE(registry.DispatchCandidates().empty());  // no dispatch while shutting down

  store.SetWorker({"w1", "shutdown request", std::vector<std::string>{"gpu"}, std::nullopt, 5});
  watcher.PollOnce();
  ASSERT_EQ(stream->events().size(), 2u);
  EXPECT_EQ(stream->events()[1].view.state.concurrency, 5);
}

// Tokens still issued, and how many hashes each IssuedTokens call asked about.
class FakeTokens final : public auth::TokenDirectory {
 public:
  void Revoke(const std::string& hash) { revoked_.insert(hash); }
  absl::StatusOr<std::optional<std::string>> WorkerForToken(const std::string&) override {
    return std::optional<std::string>();
  }
  absl::StatusOr<std::set<std::string>> IssuedTokens(
      const std::vector<std::string>& hashes) override {
    asked_ += hashes.size();
    std::set<std::string> issued;
    for (const std::string& h : hashes) {
      if (revoked_.count(h) == 0) issued.insert(h);
    }
    return issued;
  }
  size_t asked() const { return asked_; }

 private:
  std::set<std::string> revoked_;
  size_t asked_ = 0;
};

TEST(WorkerStateWatcherTest, WhileListeningReadsOnlyNotifiedWorkersAndCatchesUpWhenItStarts) {
  FakeSidecarStore store;
  FakeTokens tokens;
  controlplane::WorkerRegistry registry;
  controlplane::WorkerStateWatcher watcher(absl::Seconds(1), 30, registry, store, &tokens);
  std::map<std::string, std::shared_ptr<RecordingStream>> streams;
  bridge::WorkerSetStateReturn idle;
  idle.state = "idle";
  for (const std::string name : {"w1", "w2", "w3"}) {
    streams[name] = std::make_shared<RecordingStream>();
    controlplane::SessionInfo info{"token", "hash-" + name, "peer", absl::Now()};
    registry.Attach(name, 1, 2, std::nullopt, "idle", streams[name], info);
    store.SetWorker({name, "idle", std::nullopt, std::nullopt, std::nullopt});
    watcher.Observe(name, idle);
  }
  // Changed while nobody listened: the first round after listening starts reads every row.
  store.SetWorker({"w3", "maintenance request", std::nullopt, std::nullopt, std::nullopt});
  watcher.OnListening(true);
  watcher.PollOnce();
  EXPECT_EQ(watcher.rows_requested(), 3u);
  EXPECT_EQ(tokens.asked(), 3u);
  ASSERT_EQ(streams["w3"]->events().size(), 1u);

  // Nothing notified: a round reads nothing (an idle fleet costs no statement).
  watcher.PollOnce();
  watcher.PollOnce();
  EXPECT_EQ(watcher.rows_requested(), 3u);
  EXPECT_EQ(tokens.asked(), 3u);

  // One notified worker: exactly its row.
  store.SetWorker({"w2", "shutdown request", std::nullopt, std::nullopt, std::nullopt});
  watcher.OnWorkerNotified("w2");
  watcher.OnWorkerNotified("w2");  // folded
  watcher.PollOnce();
  EXPECT_EQ(watcher.rows_requested(), 4u);
  ASSERT_EQ(streams["w2"]->events().size(), 1u);
  EXPECT_EQ(streams["w2"]->events()[0].view.state.state, "shutdown request");
  EXPECT_TRUE(streams["w1"]->events().empty());

  // A heartbeat reply older than the notification (Observe with the old view) would undo it:
  // the worker's row is read once more and the request is sent again.
  watcher.Observe("w2", idle);
  watcher.PollOnce();
  EXPECT_EQ(watcher.rows_requested(), 5u);
  ASSERT_EQ(streams["w2"]->events().size(), 2u);
  EXPECT_EQ(streams["w2"]->events()[1].view.state.state, "shutdown request");

  // A revoked token: only that worker's sessions are checked, and its stream ends.
  tokens.Revoke("hash-w1");
  watcher.OnTokenRevoked("w1");
  watcher.PollOnce();
  EXPECT_EQ(tokens.asked(), 4u);
  EXPECT_TRUE(streams["w1"]->cancelled());
  EXPECT_FALSE(streams["w3"]->cancelled());

  // Listener lost: back to reading every connected worker's row each round.
  watcher.OnListening(false);
  const uint64_t before = watcher.rows_requested();
  watcher.PollOnce();
  EXPECT_EQ(watcher.rows_requested(), before + registry.ConnectedWorkers().size());
}

TEST(WorkerRegistryTest, TheNewestConnectWinsWhateverOrderSessionsAttachIn) {
  controlplane::WorkerRegistry registry;
  auto newer = std::make_shared<RecordingStream>();
  auto older = std::make_shared<RecordingStream>();
  const uint64_t session = registry.Attach("w1", 5, 1, std::nullopt, "idle", newer);
  EXPECT_NE(session, 0u);
  // A Connect that arrived earlier but attaches later is refused and replaces nothing.
  EXPECT_EQ(registry.Attach("w1", 3, 1, std::nullopt, "idle", older), 0u);
  EXPECT_FALSE(newer->cancelled());
  // A later one replaces and cancels the current stream; the old session's Detach is a no-op.
  auto newest = std::make_shared<RecordingStream>();
  EXPECT_NE(registry.Attach("w1", 7, 1, std::nullopt, "idle", newest), 0u);
  EXPECT_TRUE(newer->cancelled());
  registry.Detach("w1", session);
  EXPECT_EQ(registry.size(), 1u);
  bool written = false;
  registry.Send("w1", WorkerEvent{}, [&](bool ok) { written = ok; });
  EXPECT_TRUE(written);
  EXPECT_EQ(newest->events().size(), 1u);
}

}  // namespace
}  // namespace edgectl::testing
