// WorkerAdmin against a real PostgreSQL holding edge3's schema: every command's effect on
// edge_worker and every refusal, with one seeded row in each of edge3's 12 states; verbatim
// storage of awkward names; literal % in name patterns; concurrent admin commands and heartbeats.
#include "controlplane/admin/worker_admin.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/edge_states.h"
#include "common/python_list_repr.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/admin/seed_workers.h"
#include "tests/fixtures/edge_database.h"
#include "tests/fixtures/postgres_server.h"

namespace edgectl::admin {
namespace {

namespace st = ::edgectl::states;
using testing::InsertWorker;
using testing::ReadColumn;
using testing::SeedWorker;
using testing::WorkerExists;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const std::set<std::string> kOfflineish = {st::kOffline, st::kUnknown, st::kOfflineMaintenance};

std::string NameFor(std::string_view state) { return "w " + std::string(state); }

class WorkerAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dsn_ = edgectl::testing::CreateEdgeDatabase("admin");
    ASSERT_FALSE(dsn_.empty());
    conn_ = std::make_unique<pqxx::connection>(dsn_);
    admin_ = std::make_unique<WorkerAdmin>(*conn_);
  }

  // One worker per state, named "w <state>", in maintenance-ish states with a comment.
  void SeedEveryState() {
    for (std::string_view state : st::kAllWorkerStates) {
      SeedWorker w;
      w.name = NameFor(state);
      w.state = std::string(state);
      w.queues_text = "['default']";
      w.comment = "old comment";
      InsertWorker(*conn_, w);
    }
  }

  std::optional<std::string> Column(const std::string& name, const std::string& column) {
    return ReadColumn(*conn_, name, column);
  }

  // Runs `act` on every seeded state: states in `accepted` must succeed and pass `check`;
  // the others must be refused with FAILED_PRECONDITION naming the state, row unchanged.
  void ForEveryState(const std::set<std::string>& accepted,
                     const std::function<absl::Status(const std::string&)>& act,
                     const std::function<void(const std::string& name,
                                              const std::string& old_state)>& check) {
    SeedEveryState();
    for (std::string_view state_view : st::kAllWorkerStates) {
      const std::string state(state_view);
      const std::string name = NameFor(state);
      SCOPED_TRACE("state " + state);
      absl::Status status = act(name);
      if (accepted.count(state) > 0) {
        EXPECT_TRUE(status.ok()) << status;
        check(name, state);
      } else {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
        EXPECT_THAT(std::string(status.message()), HasSubstr(state));
        EXPECT_THAT(std::string(status.message()), HasSubstr("Allowed in states:"));
        EXPECT_EQ(Column(name, "state"), state);
        EXPECT_EQ(Column(name, "maintenance_comment"), "old comment");
        EXPECT_EQ(Column(name, "queues"), "['default']");
        EXPECT_EQ(Column(name, "concurrency"), std::nullopt);
      }
    }
  }

  // Bounded polling: returns once the row shows `state` or after 10 s.
  void AwaitState(const std::string& name, const std::string& state) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (Column(name, "state") != state && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::string dsn_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<WorkerAdmin> admin_;
};

TEST_F(WorkerAdminTest, RequestMaintenanceFromRunningStatesOnly) {
  ForEveryState(
      {st::kStarting, st::kRunning, st::kIdle, st::kMaintenanceExit},
      [&](const std::string& name) { return admin_->RequestMaintenance(name, "disk swap"); },
      [&](const std::string& name, const std::string&) {
        EXPECT_EQ(Column(name, "state"), st::kMaintenanceRequest);
        EXPECT_EQ(Column(name, "maintenance_comment"), "disk swap");
      });
}

TEST_F(WorkerAdminTest, ExitMaintenanceFromMaintenanceOnly) {
  ForEveryState(
      {st::kMaintenanceRequest, st::kMaintenancePending, st::kMaintenanceMode,
       st::kOfflineMaintenance},
      [&](const std::string& name) { return admin_->ExitMaintenance(name); },
      [&](const std::string& name, const std::string& old_state) {
        EXPECT_EQ(Column(name, "state"),
                  old_state == st::kOfflineMaintenance ? st::kOffline : st::kMaintenanceExit);
        EXPECT_EQ(Column(name, "maintenance_comment"), std::nullopt);
      });
}

TEST_F(WorkerAdminTest, UpdateMaintenanceCommentOnlyInMaintenance) {
  ForEveryState(
      {st::kMaintenanceRequest, st::kMaintenancePending, st::kMaintenanceMode,
       st::kOfflineMaintenance},
      [&](const std::string& name) { return admin_->UpdateMaintenanceComment(name, "new"); },
      [&](const std::string& name, const std::string& old_state) {
        EXPECT_EQ(Column(name, "state"), old_state);
        EXPECT_EQ(Column(name, "maintenance_comment"), "new");
      });
}

TEST_F(WorkerAdminTest, RemoveOnlyOfflineWorkers) {
  ForEveryState(kOfflineish, [&](const std::string& name) { return admin_->Remove(name); },
                [&](const std::string& name, const std::string&) {
                  EXPECT_FALSE(WorkerExists(*conn_, name));
                });
  EXPECT_TRUE(WorkerExists(*conn_, NameFor(st::kRunning)));
}

TEST_F(WorkerAdminTest, AddQueuesRefusedWhenOffline) {
  std::set<std::string> online;
  for (std::string_view s : st::kAllWorkerStates) {
    if (kOfflineish.count(std::string(s)) == 0) online.insert(std::string(s));
  }
  ForEveryState(
      online, [&](const std::string& name) { return admin_->AddQueues(name, {"gpu"}); },
      [&](const std::string& name, const std::string& old_state) {
        EXPECT_EQ(Column(name, "queues"), "['default', 'gpu']");
        EXPECT_EQ(Column(name, "state"), old_state);
      });
}

TEST_F(WorkerAdminTest, RemoveQueuesRefusedWhenOfflineAndLastRemovalMeansAllQueues) {
  std::set<std::string> online;
  for (std::string_view s : st::kAllWorkerStates) {
    if (kOfflineish.count(std::string(s)) == 0) online.insert(std::string(s));
  }
  ForEveryState(
      online, [&](const std::string& name) { return admin_->RemoveQueues(name, {"default"}); },
      [&](const std::string& name, const std::string&) {
        EXPECT_EQ(Column(name, "queues"), std::nullopt) << "NULL = all queues, as edge3";
      });
}

TEST_F(WorkerAdminTest, SetConcurrencyRefusedWhenOffline) {
  std::set<std::string> online;
  for (std::string_view s : st::kAllWorkerStates) {
    if (kOfflineish.count(std::string(s)) == 0) online.insert(std::string(s));
  }
  ForEveryState(
      online, [&](const std::string& name) { return admin_->SetConcurrency(name, 3); },
      [&](const std::string& name, const std::string&) {
        EXPECT_EQ(Column(name, "concurrency"), "3");
      });
}

TEST_F(WorkerAdminTest, ShutdownRequestsRunningWorkersAndLeavesOfflineOnes) {
  SeedEveryState();
  for (std::string_view state_view : st::kAllWorkerStates) {
    const std::string state(state_view);
    SCOPED_TRACE(state);
    absl::StatusOr<AdminDecision> decision = admin_->RequestShutdown(NameFor(state));
    ASSERT_TRUE(decision.ok()) << decision.status();
    if (kOfflineish.count(state) > 0) {
      EXPECT_EQ(decision->kind, AdminDecision::Kind::kNoOp);
      EXPECT_EQ(Column(NameFor(state), "state"), state);
    } else {
      EXPECT_EQ(decision->kind, AdminDecision::Kind::kApply);
      EXPECT_EQ(Column(NameFor(state), "state"), st::kShutdownRequest);
    }
    EXPECT_EQ(Column(NameFor(state), "maintenance_comment"), "old comment");
  }
}

TEST_F(WorkerAdminTest, ShutdownAllRequestsEveryRunningWorker) {
  SeedEveryState();
  absl::StatusOr<ShutdownAllResult> result = admin_->RequestShutdownAll();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->requested.size(), 9u);
  EXPECT_THAT(result->already_offline,
              UnorderedElementsAre(NameFor(st::kOffline), NameFor(st::kUnknown),
                                   NameFor(st::kOfflineMaintenance)));
  for (std::string_view state : st::kAllWorkerStates) {
    EXPECT_EQ(Column(NameFor(state), "state"),
              kOfflineish.count(std::string(state)) ? std::string(state) : st::kShutdownRequest);
  }
}

TEST_F(WorkerAdminTest, UnknownWorkerIsNotFoundForEveryCommand) {
  const std::string expected = "Edge Worker ghost is unknown!";
  std::vector<absl::Status> statuses = {
      admin_->RequestMaintenance("ghost", "c"), admin_->ExitMaintenance("ghost"),
      admin_->UpdateMaintenanceComment("ghost", "c"), admin_->RequestShutdown("ghost").status(),
      admin_->Remove("ghost"), admin_->AddQueues("ghost", {"q"}),
      admin_->RemoveQueues("ghost", {"q"}), admin_->SetConcurrency("ghost", 2)};
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
    EXPECT_EQ(status.message(), expected);
  }
}

TEST_F(WorkerAdminTest, AddQueuesIsAUnionWithoutDuplicates) {
  InsertWorker(*conn_, {.name = "w1", .queues_text = "['default']"});
  ASSERT_TRUE(admin_->AddQueues("w1", {"gpu", "default", "gpu"}).ok());
  EXPECT_EQ(Column("w1", "queues"), "['default', 'gpu']");
  InsertWorker(*conn_, {.name = "w2"});  // NULL: all queues
  ASSERT_TRUE(admin_->AddQueues("w2", {"a"}).ok());
  EXPECT_EQ(Column("w2", "queues"), "['a']");
  ASSERT_TRUE(admin_->RemoveQueues("w2", {"not-there"}).ok());
  EXPECT_EQ(Column("w2", "queues"), "['a']");
}

TEST_F(WorkerAdminTest, QueueLimitsAreCheckedBeforeAnythingChanges) {
  InsertWorker(*conn_, {.name = "w1", .queues_text = "['default']"});
  absl::Status too_long = admin_->AddQueues("w1", {std::string(257, 'q')});
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_long.message()), HasSubstr("at most 256 characters"));
  // A 256-character name is a valid queue name but its repr no longer fits edge_worker.queues.
  absl::Status no_room = admin_->AddQueues("w1", {std::string(256, 'q')});
  EXPECT_EQ(no_room.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(no_room.message()), HasSubstr("edge_worker.queues holds at most 256"));
  absl::Status empty = admin_->AddQueues("w1", {"a", ""});
  EXPECT_EQ(empty.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Column("w1", "queues"), "['default']");
}

TEST_F(WorkerAdminTest, OverlongCommentIsRefusedBeforeAnythingChanges) {
  InsertWorker(*conn_, {.name = "w1", .state = "maintenance mode", .comment = "kept"});
  // 1025 characters (code points, as VARCHAR counts them; each is two bytes here).
  std::string long_comment;
  for (int i = 0; i < 1025; ++i) long_comment += "\xc3\xa9";
  for (const absl::Status& status : {admin_->UpdateMaintenanceComment("w1", long_comment),
                                     admin_->RequestMaintenance("w1", long_comment)}) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("at most 1024"));
  }
  EXPECT_EQ(Column("w1", "maintenance_comment"), "kept");
  EXPECT_TRUE(admin_->UpdateMaintenanceComment("w1", long_comment.substr(2)).ok());
}

TEST_F(WorkerAdminTest, ConcurrencyMustBePositive) {
  InsertWorker(*conn_, {.name = "w1", .concurrency = 4});
  for (int bad : {0, -1}) {
    absl::Status status = admin_->SetConcurrency("w1", bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), HasSubstr("positive"));
  }
  EXPECT_EQ(Column("w1", "concurrency"), "4");
}

TEST_F(WorkerAdminTest, AwkwardNamesCommentsAndQueuesAreStoredAndListedVerbatim) {
  const std::vector<std::string> names = {"it's \"q\"", "100%_done", "semi;colon",
                                          "new\nline", "back\\slash", "caf\xc3\xa9"};
  const std::string comment = "it's \"fine\"; 100% _really_\nsecond line \\ \xe6\x97\xa5";
  for (const std::string& name : names) {
    InsertWorker(*conn_, {.name = name, .queues_text = std::nullopt});
    ASSERT_TRUE(admin_->RequestMaintenance(name, comment).ok()) << name;
    ASSERT_TRUE(admin_->AddQueues(name, {name, "o'k"}).ok()) << name;
  }
  EXPECT_EQ(Column("it's \"q\"", "queues"), "['it\\'s \"q\"', \"o'k\"]");
  absl::StatusOr<std::vector<WorkerRecord>> listed = admin_->List({});
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), names.size());
  std::set<std::string> seen;
  for (const WorkerRecord& w : *listed) {
    seen.insert(w.worker_name);
    EXPECT_EQ(w.maintenance_comment, comment);
    ASSERT_TRUE(w.queues.has_value());
    EXPECT_THAT(*w.queues, ElementsAre(w.worker_name, "o'k"));
  }
  EXPECT_EQ(seen, std::set<std::string>(names.begin(), names.end()));
}

TEST_F(WorkerAdminTest, NamePatternIsAGlobWithLiteralPercentAndUnderscore) {
  for (const char* name : {"a%b", "axb", "a_b", "aXb", "zzz"}) {
    InsertWorker(*conn_, {.name = name});
  }
  auto names = [&](const std::string& glob) {
    WorkerFilter filter;
    filter.name_glob = glob;
    std::vector<std::string> out;
    absl::StatusOr<std::vector<WorkerRecord>> listed = admin_->List(filter);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return out;
    for (const WorkerRecord& w : *listed) out.push_back(w.worker_name);
    return out;
  };
  EXPECT_THAT(names("a%b"), ElementsAre("a%b"));
  EXPECT_THAT(names("a_b"), ElementsAre("a_b"));
  EXPECT_THAT(names("*%*"), ElementsAre("a%b"));
  EXPECT_THAT(names("a?b"), ElementsAre("a%b", "aXb", "a_b", "axb"));
  EXPECT_THAT(names("a*"), ElementsAre("a%b", "aXb", "a_b", "axb"));
  EXPECT_THAT(names("'; DROP TABLE edge_worker; --"), ElementsAre());
  EXPECT_THAT(names("*"), ElementsAre("a%b", "aXb", "a_b", "axb", "zzz"));
}

TEST_F(WorkerAdminTest, ListFiltersByStateAndQueuesOrderedByName) {
  InsertWorker(*conn_, {.name = "d", .state = "idle", .queues_text = "['a']"});
  InsertWorker(*conn_, {.name = "c", .state = "running", .queues_text = "['b', 'x']"});
  InsertWorker(*conn_, {.name = "b", .state = "idle", .queues_text = std::nullopt});
  InsertWorker(*conn_, {.name = "a", .state = "maintenance mode", .queues_text = "['c']",
                        .sysinfo = std::nullopt});
  auto names = [&](WorkerFilter filter) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<WorkerRecord>> listed = admin_->List(filter);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return out;
    for (const WorkerRecord& w : *listed) out.push_back(w.worker_name);
    return out;
  };
  EXPECT_THAT(names({}), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(names({.states = {"idle"}}), ElementsAre("b", "d"));
  EXPECT_THAT(names({.states = {"running", "maintenance mode"}}), ElementsAre("a", "c"));
  // Any-of membership; "b" serves all queues (NULL) and so serves these too.
  EXPECT_THAT(names({.queues = {"a", "x"}}), ElementsAre("b", "c", "d"));
  EXPECT_THAT(names({.states = {"idle"}, .queues = {"c"}}), ElementsAre("b"));

  absl::StatusOr<std::vector<WorkerRecord>> all = admin_->List({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].concurrency, std::nullopt);  // no sysinfo
  EXPECT_EQ((*all)[1].concurrency, "8");
  EXPECT_EQ((*all)[1].free_concurrency, "6");
  EXPECT_EQ((*all)[1].queues, std::nullopt);
  EXPECT_THAT(*(*all)[2].queues, ElementsAre("b", "x"));
}

// Admin commands (queue read-modify-write, concurrency, maintenance round trips) race with
// heartbeat-style updates of the same row; nothing any of them wrote may be lost.
TEST_F(WorkerAdminTest, ConcurrentAdminCommandsAndHeartbeatsLoseNoUpdate) {
  InsertWorker(*conn_, {.name = "racer", .state = "idle", .queues_text = std::nullopt});
  constexpr int kAdminThreads = 4;
  constexpr int kQueuesPerThread = 5;
  constexpr int kHeartbeatThreads = 2;
  constexpr int kHeartbeats = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kAdminThreads; ++t) {
    threads.emplace_back([&, t] {
      pqxx::connection conn(dsn_);
      WorkerAdmin admin(conn);
      for (int q = 0; q < kQueuesPerThread; ++q) {
        std::string queue = std::string(1, static_cast<char>('a' + t)) + std::to_string(q);
        if (!admin.AddQueues("racer", {queue}).ok()) ++failures;
        if (!admin.SetConcurrency("racer", 1 + q).ok()) ++failures;
      }
    });
  }
  for (int h = 0; h < kHeartbeatThreads; ++h) {
    threads.emplace_back([&] {
      pqxx::connection conn(dsn_);
      for (int i = 0; i < kHeartbeats; ++i) {
        pqxx::work tx(conn);
        tx.exec_params0(
            "UPDATE edge_worker SET jobs_active = jobs_active + 1, last_update = now(), "
            "sysinfo = $2::json WHERE worker_name = $1",
            "racer", R"({"concurrency": 8, "free_concurrency": 7})");
        tx.commit();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<std::vector<std::string>> queues =
      ParsePythonStrList(*Column("racer", "queues"));
  ASSERT_TRUE(queues.ok()) << queues.status();
  std::set<std::string> got(queues->begin(), queues->end());
  EXPECT_EQ(got.size(), static_cast<size_t>(kAdminThreads * kQueuesPerThread))
      << "an admin command overwrote another's queues: " << *Column("racer", "queues");
  EXPECT_EQ(queues->size(), got.size()) << "duplicates";
  EXPECT_EQ(Column("racer", "jobs_active"), std::to_string(kHeartbeatThreads * kHeartbeats))
      << "an admin command overwrote a heartbeat";
  EXPECT_EQ(Column("racer", "state"), "idle");
}

// Maintenance round trips race with heartbeats that, like edge3's set_state, read the state and
// write back a state derived from it under the row lock (SELECT ... FOR UPDATE).
TEST_F(WorkerAdminTest, MaintenanceRequestsAreNotLostToLockingHeartbeats) {
  InsertWorker(*conn_, {.name = "racer", .state = "idle"});
  std::atomic<bool> stop{false};
  std::atomic<int> heartbeats{0};
  std::thread heartbeat([&] {
    pqxx::connection conn(dsn_);
    while (!stop.load()) {
      pqxx::work tx(conn);
      std::string state =
          tx.exec_params1("SELECT state FROM edge_worker WHERE worker_name = $1 FOR UPDATE",
                          "racer")[0]
              .as<std::string>();
      // The worker acknowledges requests (edge3 redefine_state + worker reply), else idles.
      std::string next = state == st::kMaintenanceRequest ? st::kMaintenanceMode
                         : state == st::kMaintenanceExit  ? st::kIdle
                                                          : state;
      tx.exec_params0("UPDATE edge_worker SET state = $2, jobs_active = jobs_active + 1 "
                      "WHERE worker_name = $1",
                      "racer", next);
      tx.commit();
      ++heartbeats;
    }
  });
  int requests = 0;
  for (int i = 0; i < 40; ++i) {
    absl::Status status = admin_->RequestMaintenance("racer", "round " + std::to_string(i));
    if (status.ok()) {
      ++requests;
      // Wait for the heartbeat to acknowledge, then leave maintenance.
      AwaitState("racer", st::kMaintenanceMode);
      ASSERT_EQ(Column("racer", "state"), st::kMaintenanceMode) << "request lost in round " << i;
      ASSERT_TRUE(admin_->ExitMaintenance("racer").ok());
      AwaitState("racer", st::kIdle);
      ASSERT_EQ(Column("racer", "state"), st::kIdle) << "exit lost in round " << i;
    }
  }
  stop = true;
  heartbeat.join();
  EXPECT_EQ(requests, 40);
  EXPECT_EQ(Column("racer", "jobs_active"), std::to_string(heartbeats.load()));
}

TEST(WorkerAdminSchemaTest, MissingTablesPointToDbInit) {
  absl::StatusOr<std::string> dsn =
      edgectl::testing::SharedPostgres().CreateDatabase("admin_empty");
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  pqxx::connection conn(*dsn);
  WorkerAdmin admin(conn);
  absl::StatusOr<std::vector<WorkerRecord>> listed = admin.List({});
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(listed.status().message()), HasSubstr("edgectl db init"));
  absl::Status changed = admin.RequestMaintenance("w1", "c");
  EXPECT_EQ(changed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(changed.message()), HasSubstr("edgectl db init"));
}

}  // namespace
}  // namespace edgectl::admin
