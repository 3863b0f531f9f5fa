// End to end, real processes: the two promises under failure (issue "A try runs exactly once,
// and nothing a site reports is lost"). Every test counts, per job, the runs of its try (the
// stand-in appends a line to a shared file at each start), whether its final state arrived, and
// whether edge_logs holds exactly the task's file, and asserts that nothing was lost or doubled.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/tcp_relay.h"

namespace edgectl::e2e {
namespace {

using ::testing::HasSubstr;

class ExactlyOnceTest : public EndToEndTest {
 protected:
  // Claims nobody confirmed go back to the queue after 3 s (default 30): the tests kill
  // processes holding such claims.
  std::map<std::string, std::string> ControlPlaneEnv() const override {
    return {{"AIRFLOW__EDGE__CONTROLPLANE_ACK_TIMEOUT_SEC", "3"},
            {"AIRFLOW__EDGE__API_RETRY_WAIT_MIN", "0.1"},
            {"AIRFLOW__EDGE__API_RETRY_WAIT_MAX", "1"}};
  }

  std::string Marker() const { return work_dir_ + "/runs"; }

  // Queues `n` jobs "<prefix>_<i>" writing `lines` log lines `interval` seconds apart.
  std::vector<QueuedJob> EnqueueMany(const std::string& prefix, int n, int lines,
                                     double interval) {
    std::vector<QueuedJob> jobs;
    for (int i = 0; i < n; ++i) {
      TaskSpec spec;
      spec.task_id = absl::StrCat(prefix, "_", i);
      spec.standin = {{"lines", lines}, {"line_interval", interval}, {"run_marker", Marker()}};
      jobs.push_back(Enqueue(spec));
    }
    return jobs;
  }

  struct Counts {
    int jobs = 0;
    int final_states_lost = 0;   // not 'success' in the end
    int tries_run_twice = 0;     // more than one start of the same try
    int tries_never_run = 0;
    int logs_lost_or_doubled = 0;  // edge_logs differs from the task's file
  };

  Counts Count(const std::string& prefix, const std::vector<QueuedJob>& jobs) {
    std::map<std::string, int> runs;
    std::ifstream in(Marker());
    std::string line;
    while (std::getline(in, line)) {
      ++runs[line.substr(0, line.find(' '))];
    }
    Counts c;
    c.jobs = static_cast<int>(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
      const std::string task = absl::StrCat(prefix, "_", i);
      if (JobState(task) != "success") ++c.final_states_lost;
      const int n = runs["e2e_dag." + task];
      if (n > 1) ++c.tries_run_twice;
      if (n == 0) ++c.tries_never_run;
      if (StoredLog(task) != LogFile(jobs[i])) ++c.logs_lost_or_doubled;
    }
    std::printf("%s: %d jobs; final states lost %d, tries run twice %d, never run %d, logs lost "
                "or doubled %d\n",
                prefix.c_str(), c.jobs, c.final_states_lost, c.tries_run_twice,
                c.tries_never_run, c.logs_lost_or_doubled);
    return c;
  }

  void ExpectNothingLostOrDoubled(const Counts& c) {
    EXPECT_EQ(c.final_states_lost, 0);
    EXPECT_EQ(c.tries_run_twice, 0);
    EXPECT_EQ(c.tries_never_run, 0);
    EXPECT_EQ(c.logs_lost_or_doubled, 0);
  }

  // Every job of `prefix` ended 'success' within `seconds` with its whole log; then the counts.
  void ExpectAllDoneOnce(const std::string& prefix, const std::vector<QueuedJob>& jobs,
                         int seconds) {
    ASSERT_TRUE(AwaitAllFinal(prefix, static_cast<int>(jobs.size()), seconds))
        << Query("SELECT string_agg(task_id || '=' || state, ', ') FROM edge_job WHERE state "
                 "<> 'success'");
    ASSERT_TRUE(AwaitAllLogs(prefix, jobs, 60));
    ExpectNothingLostOrDoubled(Count(prefix, jobs));
  }

  bool AwaitAllFinal(const std::string& prefix, int n, int seconds) {
    return AwaitQuery(absl::StrCat("SELECT count(*) FROM edge_job WHERE task_id LIKE '", prefix,
                                   "\\_%' AND state = 'success'"),
                      std::to_string(n), seconds);
  }

  // Logs arrive before the final state, but give the last bytes a moment when a worker died.
  bool AwaitAllLogs(const std::string& prefix, const std::vector<QueuedJob>& jobs, int seconds) {
    return Eventually(
        [&] {
          for (size_t i = 0; i < jobs.size(); ++i) {
            if (StoredLog(absl::StrCat(prefix, "_", i)) != LogFile(jobs[i])) return false;
          }
          return true;
        },
        absl::Seconds(seconds));
  }
};

TEST_F(ExactlyOnceTest, AFrozenWorkerNeverRunsATryTakenBackFromIt) {
  auto frozen = stack_->StartWorker("edge-frozen");
  ASSERT_TRUE(frozen.ok()) << frozen.status();
  // A stalled VM, a long pause: the worker stops right after it connected.
  ASSERT_TRUE(Eventually(
      [&] {
        return stack_->controlplane()->Stdout().find("worker edge-frozen connected") !=
               std::string::npos;
      },
      absl::Seconds(30)));
  (*frozen)->Signal(SIGSTOP);
  std::vector<QueuedJob> jobs = EnqueueMany("frozen", 1, 3, 0.1);
  // The sidecar pushes the job to the frozen worker's stream, waits out its ack timeout, and
  // takes it back.
  ASSERT_TRUE(AwaitQuery("SELECT edge_worker FROM edge_job WHERE task_id = 'frozen_0'",
                         "edge-frozen", 30));
  ASSERT_TRUE(AwaitJobState("frozen_0", "queued", 30));
  // Another worker gets it and runs it; then the frozen one wakes up with the job in hand.
  auto other = stack_->StartWorker("edge-awake");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(AwaitJobState("frozen_0", "running", 30));
  (*frozen)->Signal(SIGCONT);
  EXPECT_TRUE(Eventually(
      [&] {
        return (*frozen)->Stderr().find("Not starting dag_id=e2e_dag task_id=frozen_0") !=
               std::string::npos;
      },
      absl::Seconds(30)))
      << (*frozen)->Stderr();
  ASSERT_TRUE(AwaitAllFinal("frozen", 1, 30));
  ASSERT_TRUE(AwaitAllLogs("frozen", jobs, 30));
  EXPECT_EQ(Query("SELECT edge_worker FROM edge_job WHERE task_id = 'frozen_0'"), "edge-awake");
  ExpectNothingLostOrDoubled(Count("frozen", jobs));
}

TEST_F(ExactlyOnceTest, APartitionLongerThanTheRetryBudgetLosesAndDoublesNothing) {
  absl::StatusOr<std::unique_ptr<TcpRelay>> relay = TcpRelay::Start(stack_->controlplane_port());
  ASSERT_TRUE(relay.ok()) << relay.status();
  stack_->set_worker_address((*relay)->address());
  auto worker = stack_->StartWorker("edge-partitioned", {"-c", "6"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::vector<QueuedJob> jobs = EnqueueMany("partition", 6, 12, 0.5);
  ASSERT_TRUE(AwaitQuery("SELECT count(*) FROM edge_job WHERE task_id LIKE 'partition\\_%' AND "
                         "state = 'running'",
                         "6", 30));
  // The site loses its link for longer than edge3's worker would keep retrying (its 10 retries
  // take about 5 minutes; here the jobs' whole remaining run time and more). The jobs go on.
  (*relay)->Partition();
  const absl::Time start = absl::Now();
  ASSERT_TRUE(Eventually(
      [&] {
        for (const QueuedJob& job : jobs) {
          if (LogFile(job).find("line 11 of") == std::string::npos) return false;
        }
        return true;
      },
      absl::Seconds(60)));
  absl::SleepFor(std::max(absl::ZeroDuration(), absl::Seconds(12) - (absl::Now() - start)));
  EXPECT_EQ(Query("SELECT count(*) FROM edge_job WHERE task_id LIKE 'partition\\_%' AND "
                  "state = 'success'"),
            "0")
      << "nothing can have been reported during the partition";
  (*relay)->Heal();
  ASSERT_TRUE(AwaitAllFinal("partition", 6, 90)) << (*worker)->Stderr();
  ASSERT_TRUE(AwaitAllLogs("partition", jobs, 30));
  ExpectNothingLostOrDoubled(Count("partition", jobs));
  EXPECT_TRUE((*worker)->Running());
}

TEST_F(ExactlyOnceTest, KillingTheSidecarAtRandomLosesAndDoublesNothing) {
  auto a = stack_->StartWorker("edge-chaos-a", {"-c", "8"});
  auto b = stack_->StartWorker("edge-chaos-b", {"-c", "8"});
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<QueuedJob> jobs = EnqueueMany("sidecar_chaos", 200, 4, 0.05);
  std::mt19937 random(20261204);
  for (int kill = 0; kill < 5; ++kill) {
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(300, 2000)(random)));
    ASSERT_TRUE(stack_->KillControlPlane().ok());  // kill -9
    ASSERT_TRUE(stack_->StartControlPlane().ok());
  }
  ExpectAllDoneOnce("sidecar_chaos", jobs, 180);
}

TEST_F(ExactlyOnceTest, KillingTheWorkerAtRandomLosesAndDoublesNothing) {
  auto steady = stack_->StartWorker("edge-steady", {"-c", "8"});
  ASSERT_TRUE(steady.ok()) << steady.status();
  auto victim = stack_->StartWorker("edge-victim", {"-c", "8"});
  ASSERT_TRUE(victim.ok()) << victim.status();
  std::vector<QueuedJob> jobs = EnqueueMany("worker_chaos", 200, 4, 0.05);
  std::mt19937 random(4122026);
  for (int kill = 0; kill < 5; ++kill) {
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(300, 2000)(random)));
    (*victim)->Signal(SIGKILL);
    ASSERT_TRUE((*victim)->WaitForExit(absl::Seconds(10)).ok());
    victim = stack_->StartWorker("edge-victim", {"-c", "8"});
    ASSERT_TRUE(victim.ok()) << victim.status();
  }
  ExpectAllDoneOnce("worker_chaos", jobs, 180);
}

TEST_F(ExactlyOnceTest, AirflowAnswering503sForAMinuteFinishesEverything) {
  auto worker = stack_->StartWorker("edge-flaky-api", {"-c", "4"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(stack_->SetAirflowFaults(0.3).ok());
  const absl::Time until = absl::Now() + absl::Minutes(1);
  std::vector<QueuedJob> jobs;
  int batch = 0;
  // Work keeps arriving for the whole minute.
  while (absl::Now() < until) {
    for (int i = 0; i < 4; ++i) {
      TaskSpec spec;
      spec.task_id = absl::StrCat("flaky_", jobs.size());
      spec.standin = {{"lines", 3}, {"line_interval", 0.1}, {"run_marker", Marker()}};
      jobs.push_back(Enqueue(spec));
    }
    ++batch;
    absl::SleepFor(absl::Seconds(3));
  }
  ASSERT_TRUE(stack_->SetAirflowFaults(0).ok());
  ExpectAllDoneOnce("flaky", jobs, 120);
  EXPECT_GT(batch, 10);
  // The link itself stayed up: Airflow's errors are not a lost connection.
  EXPECT_EQ((*worker)->Stderr().find("Lost the sidecar"), std::string::npos) << (*worker)->Stderr();
}

TEST_F(ExactlyOnceTest, AWorkerRestartedDuringAnOutageDeliversWhatItJournaled) {
  auto worker = stack_->StartWorker("edge-outage");
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::vector<QueuedJob> jobs = EnqueueMany("outage", 2, 6, 0.3);
  ASSERT_TRUE(AwaitQuery("SELECT count(*) FROM edge_job WHERE task_id LIKE 'outage\\_%' AND "
                         "state = 'running'",
                         "2", 30));
  ASSERT_TRUE(stack_->KillControlPlane().ok());
  // The jobs end during the outage; then the worker is lost too, and started again, while the
  // sidecar is still down.
  ASSERT_TRUE(Eventually(
      [&] {
        return (*worker)->Stderr().find("Job completed: dag_id=e2e_dag task_id=outage_1") !=
                   std::string::npos &&
               (*worker)->Stderr().find("Job completed: dag_id=e2e_dag task_id=outage_0") !=
                   std::string::npos;
      },
      absl::Seconds(30)));
  (*worker)->Signal(SIGKILL);
  ASSERT_TRUE((*worker)->WaitForExit(absl::Seconds(10)).ok());
  ASSERT_TRUE(stack_->PrepareCredentials("edge-outage").ok());
  auto restarted = ChildProcess::Start(
      {stack_->options().edgectl_binary, "worker", "-H", "edge-outage",
       "--controlplane-address=" + stack_->controlplane_address()},
      stack_->WorkerEnv("edge-outage"), work_dir_);
  ASSERT_TRUE(restarted.ok());
  ASSERT_TRUE((*restarted)->WaitForOutput("retrying registration", absl::Seconds(30)).ok())
      << (*restarted)->Stderr();
  ASSERT_TRUE(stack_->StartControlPlane().ok());
  ASSERT_TRUE(AwaitAllFinal("outage", 2, 60)) << (*restarted)->Stderr();
  ASSERT_TRUE(AwaitAllLogs("outage", jobs, 30));
  ExpectNothingLostOrDoubled(Count("outage", jobs));
}

}  // namespace
}  // namespace edgectl::e2e
