// jobs/fetch as edge3 serves it: each job handed out once under concurrency, free-slot limit,
// queue filter, null queues = all, callbacks first, then priority and age.
#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/bridge/bridge_test_env.h"

namespace edgectl::testing {
namespace {

std::optional<bridge::EdgeJobFetched> Fetch(bridge::EdgeApiClient& client, const std::string& worker,
                                            int free, std::optional<std::vector<std::string>> queues) {
  bridge::FetchRequest request;
  request.free_concurrency = free;
  request.queues = std::move(queues);
  auto fetched = client.FetchJob(worker, request);
  EXPECT_TRUE(fetched.ok()) << fetched.status();
  return fetched.ok() ? *fetched : std::nullopt;
}

TEST_F(BridgeTest, EightThreadsFetchTwoHundredJobsEachExactlyOnce) {
  constexpr int kJobs = 200;
  constexpr int kThreads = 8;
  for (int i = 0; i < kJobs; ++i) {
    JobRow job;
    job.task_id = absl::StrCat("t", i);
    job.queued_seconds_ago = kJobs - i;
    InsertJob(job);
  }
  for (int t = 0; t < kThreads; ++t) RegisterWorker(absl::StrCat("worker-", t));
  absl::Mutex mu;
  std::vector<std::string> handed_out;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string worker = absl::StrCat("worker-", t);
      while (auto job = Fetch(*client_, worker, 1, std::nullopt)) {
        absl::MutexLock lock(&mu);
        handed_out.push_back(job->key.task_id + "@" + worker);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> tasks;
  for (const std::string& h : handed_out) tasks.insert(h.substr(0, h.find('@')));
  EXPECT_EQ(handed_out.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(tasks.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(QueryOne("SELECT count(*) FROM edge_job WHERE state = 'restarting' AND edge_worker LIKE 'worker-%'"),
            std::to_string(kJobs));
  // The table agrees with the replies about who got what.
  std::vector<std::string> sorted = handed_out;
  std::sort(sorted.begin(), sorted.end());
  std::string expected;
  for (const std::string& h : sorted) expected += h + ",";
  EXPECT_EQ(QueryOne("SELECT string_agg(task_id || '@' || edge_worker || ',', '' "
                     "ORDER BY task_id || '@' || edge_worker COLLATE \"C\") FROM edge_job"),
            expected);
}

TEST_F(BridgeTest, JobsNeedingMoreSlotsThanFreeAreNeverHandedOut) {
  RegisterWorker("w");
  JobRow big;
  big.task_id = "big";
  big.concurrency_slots = 3;
  big.queued_seconds_ago = 500;  // older, so it would come first if it fitted
  InsertJob(big);
  JobRow small;
  small.task_id = "small";
  small.concurrency_slots = 2;
  InsertJob(small);
  auto first = Fetch(*client_, "w", 2, std::nullopt);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->key.task_id, "small");
  EXPECT_FALSE(Fetch(*client_, "w", 2, std::nullopt).has_value());
  EXPECT_EQ(QueryOne("SELECT state FROM edge_job WHERE task_id = 'big'"), "queued");
  auto later = Fetch(*client_, "w", 3, std::nullopt);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->key.task_id, "big");
}

TEST_F(BridgeTest, QueuesFilterAndNullMeansAll) {
  RegisterWorker("w");
  for (const char* queue : {"a", "b", "c"}) {
    JobRow job;
    job.task_id = absl::StrCat("in-", queue);
    job.queue = queue;
    InsertJob(job);
  }
  auto b = Fetch(*client_, "w", 1, std::vector<std::string>{"b", "zzz"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->key.task_id, "in-b");
  EXPECT_FALSE(Fetch(*client_, "w", 1, std::vector<std::string>{"b"}).has_value());
  std::set<std::string> rest;
  while (auto job = Fetch(*client_, "w", 1, std::nullopt)) rest.insert(job->key.task_id);
  EXPECT_EQ(rest, (std::set<std::string>{"in-a", "in-c"}));
}

TEST_F(BridgeTest, CallbacksFirstThenPriorityThenAge) {
  RegisterWorker("w");
  JobRow old_low;
  old_low.task_id = "old-low";
  old_low.queued_seconds_ago = 900;
  InsertJob(old_low);
  JobRow new_high;
  new_high.task_id = "new-high";
  new_high.priority_weight = 10;
  new_high.queued_seconds_ago = 10;
  InsertJob(new_high);
  JobRow mid_low;
  mid_low.task_id = "mid-low";
  mid_low.queued_seconds_ago = 100;
  InsertJob(mid_low);
  JobRow callback;
  callback.dag_id = "ExecuteCallback";
  callback.task_id = "cb-1";
  callback.run_id = "ExecuteCallback-cb-1";
  callback.try_number = 0;
  callback.queued_seconds_ago = 1;
  InsertJob(callback);
  std::vector<std::string> order;
  while (auto job = Fetch(*client_, "w", 1, std::nullopt)) order.push_back(job->key.task_id);
  EXPECT_EQ(order, (std::vector<std::string>{"cb-1", "new-high", "old-low", "mid-low"}));
}

TEST_F(BridgeTest, WorkersOfATeamOnlyGetTheirTeamsJobs) {
  RegisterWorker("w");
  Exec("UPDATE edge_worker SET team_name = 'blue'");
  JobRow red;
  red.task_id = "red";
  InsertJob(red);
  Exec("UPDATE edge_job SET team_name = 'red'");
  JobRow blue;
  blue.task_id = "blue";
  InsertJob(blue);
  Exec("UPDATE edge_job SET team_name = 'blue' WHERE task_id = 'blue'");
  auto job = Fetch(*client_, "w", 1, std::nullopt);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->key.task_id, "blue");
  EXPECT_FALSE(Fetch(*client_, "w", 1, std::nullopt).has_value());
}

}  // namespace
}  // namespace edgectl::testing
