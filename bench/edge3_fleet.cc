#include "bench/edge3_fleet.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace edgectl::bench {
namespace {
constexpr int kConcurrency = 8;  // edge3's default worker concurrency
}  // namespace

Edge3Fleet::Edge3Fleet(int workers, std::string airflow_version,
                       std::string edge_provider_version)
    : workers_(workers),
      airflow_version_(std::move(airflow_version)),
      edge_provider_version_(std::move(edge_provider_version)) {}

Edge3Fleet::~Edge3Fleet() { Stop(); }

std::string Edge3Fleet::QueueOf(int worker) { return absl::StrFormat("edge3-q%04d", worker); }
std::string Edge3Fleet::NameOf(int worker) { return absl::StrFormat("edge3-w%04d", worker); }

bridge::WorkerStateBody Edge3Fleet::IdleBody(int worker) const {
  bridge::WorkerStateBody body;
  body.state = "idle";
  body.queues = std::vector<std::string>{QueueOf(worker)};
  body.sysinfo["airflow_version"] = airflow_version_;
  body.sysinfo["edge_provider_version"] = edge_provider_version_;
  body.sysinfo["concurrency"] = int64_t{kConcurrency};
  body.sysinfo["free_concurrency"] = int64_t{kConcurrency};
  return body;
}

absl::Status Edge3Fleet::RegisterAll(const ClientFactory& new_client) {
  for (int i = 0; i < workers_; ++i) {
    absl::StatusOr<std::unique_ptr<bridge::EdgeApi>> client = new_client();
    if (!client.ok()) return client.status();
    bridge::WorkerStateBody body = IdleBody(i);
    body.state = "starting";
    absl::StatusOr<bridge::WorkerRegistrationReturn> registered =
        (*client)->RegisterWorker(NameOf(i), body);
    if (!registered.ok()) return registered.status();
    clients_.push_back(std::move(*client));
  }
  return absl::OkStatus();
}

void Edge3Fleet::Start(const Edge3LoopOptions& options, uint32_t seed) {
  stop_ = std::make_unique<absl::Notification>();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < static_cast<int>(clients_.size()); ++i) {
    const absl::Duration fetch_phase = options.job_poll_interval * unit(rng);
    const absl::Duration heartbeat_phase = options.heartbeat_interval * unit(rng);
    threads_.emplace_back(&Edge3Fleet::Loop, this, i, options, fetch_phase, heartbeat_phase);
  }
}

Edge3CallTally Edge3Fleet::Stop() {
  if (stop_ && !stop_->HasBeenNotified()) stop_->Notify();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  return Edge3CallTally{fetches_.exchange(0), heartbeats_.exchange(0), failed_.exchange(0)};
}

void Edge3Fleet::Loop(int worker, const Edge3LoopOptions& options, absl::Duration fetch_phase,
                      absl::Duration heartbeat_phase) {
  bridge::EdgeApi& api = *clients_[worker];
  bridge::FetchRequest request;
  request.queues = std::vector<std::string>{QueueOf(worker)};
  request.free_concurrency = kConcurrency;
  const absl::Time start = absl::Now();
  absl::Time next_fetch = start + fetch_phase;
  absl::Time next_heartbeat = start + heartbeat_phase;
  while (!stop_->WaitForNotificationWithDeadline(std::min(next_fetch, next_heartbeat))) {
    const absl::Time now = absl::Now();
    if (now >= next_fetch) {
      absl::StatusOr<std::optional<bridge::EdgeJobFetched>> job =
          api.FetchJob(NameOf(worker), request);
      const absl::Time fetched = absl::Now();
      ++fetches_;
      if (!job.ok()) ++failed_;
      const bool got_job = job.ok() && job->has_value();
      if (got_job) {
        absl::MutexLock lock(&mu_);
        fetched_[(*job)->key.task_id] = fetched;
      }
      // edge3's loop: fetch again at once after a job, else sleep the poll interval.
      next_fetch = got_job ? fetched : fetched + options.job_poll_interval;
    }
    if (now >= next_heartbeat) {
      ++heartbeats_;
      if (!api.SetState(NameOf(worker), IdleBody(worker)).ok()) ++failed_;
      next_heartbeat += options.heartbeat_interval;
    }
  }
}

std::map<std::string, absl::Time> Edge3Fleet::Fetched() const {
  absl::MutexLock lock(&mu_);
  return fetched_;
}

}  // namespace edgectl::bench
