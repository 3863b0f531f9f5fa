#include "controlplane/job_dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>

namespace edgectl::controlplane {
namespace {

// Random high bits keep dispatch ids of different sidecars (and restarts) apart.
uint64_t RandomDispatchBase() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) & 0x7FFFFFFF00000000ULL;
}

std::string Describe(const bridge::JobKey& k) {
  return k.dag_id + "/" + k.task_id + "/" + k.run_id + "/" + std::to_string(k.try_number) + "/" +
         std::to_string(k.map_index);
}

}  // namespace

JobDispatcher::JobDispatcher(JobDispatcherOptions options, WorkerRegistry& registry,
                             DispatchLedger& ledger, SidecarStore& store,
                             bridge::EdgeApi& edge_api, Executor& executor, const Clock& clock,
                             Metrics& metrics)
    : options_(options),
      registry_(registry),
      ledger_(ledger),
      store_(store),
      edge_api_(edge_api),
      executor_(executor),
      clock_(clock),
      metrics_(metrics),
      dispatch_id_base_(RandomDispatchBase()) {}

JobDispatcher::~JobDispatcher() { Stop(); }

void JobDispatcher::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      WakeCause cause;
      {
        absl::MutexLock lock(&wake_mu_);
        auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
          return wake_ || notified_ || stopping_;
        };
        wake_mu_.AwaitWithTimeout(
            absl::Condition(&woken),
            listening_.load() ? options_.notify_poll_interval : options_.poll_interval);
        if (stopping_) return;
        cause = notified_ ? WakeCause::kNotify : wake_ ? WakeCause::kEvent : WakeCause::kTimer;
        wake_ = notified_ = false;
      }
      metrics_.dispatch().Woke(cause);
      Round(cause);
    }
  });
}

void JobDispatcher::Stop() {
  {
    absl::MutexLock lock(&wake_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void JobDispatcher::Wake() {
  absl::MutexLock lock(&wake_mu_);
  wake_ = true;
}

void JobDispatcher::OnQueueNotified(const std::string&) {
  metrics_.dispatch().NotificationReceived();
  absl::MutexLock lock(&wake_mu_);
  notified_ = true;
}

void JobDispatcher::OnListening(bool listening) {
  metrics_.dispatch().SetListening(listening);
  listening_.store(listening);
  // Either way, look once now: work queued before the LISTEN (or while it was down) has sent
  // no notification that will arrive.
  absl::MutexLock lock(&wake_mu_);
  notified_ = true;
}

int JobDispatcher::FreeSlots(const DispatchCandidate& candidate) const {
  return candidate.reported_free - ledger_.PendingSlots(candidate.worker_name);
}

void JobDispatcher::PollOnce() { Round(WakeCause::kNotify); }

void JobDispatcher::Round(WakeCause cause) {
  RequeueExpired();
  SweepStaleClaims();
  if (ShouldQuery(cause)) Dispatch();
}

bool JobDispatcher::ShouldQuery(WakeCause cause) {
  if (!listening_.load() || cause == WakeCause::kNotify || work_seen_) return true;
  // Nothing was queued at the last look and no NOTIFY came since: nothing to dispatch. A rare
  // safety query covers a LISTEN session that died without an error (half-open TCP).
  return clock_.Now() - last_query_ >= options_.notify_idle_poll_interval;
}

void JobDispatcher::Dispatch() {
  if (registry_.size() == 0) {
    work_seen_ = true;  // unknown: look again once a worker is here
    return;
  }
  last_query_ = clock_.Now();
  metrics_.dispatch().Queried();
  absl::StatusOr<std::vector<QueuedWork>> work = store_.QueuedWorkByQueue();
  if (!work.ok()) {
    work_seen_ = true;
    spdlog::warn("dispatch: {}", work.status().ToString());
    return;
  }
  work_seen_ = !work->empty();
  // Per queue, only the workers that could take its jobs (the registry's index): a round costs
  // O(queues with work + workers picked), however many workers are connected.
  std::set<std::string> taken;
  for (const QueuedWork& queued : *work) {
    if (IsDry(queued)) continue;
    int remaining = queued.jobs;
    // Some of those asked for may lack slots once unacknowledged dispatches count (FreeSlots).
    const size_t ask = static_cast<size_t>(remaining) * 2 + 4;
    for (const DispatchCandidate& c : registry_.CandidatesFor(queued.queue, ask)) {
      if (remaining == 0) break;
      if (taken.count(c.worker_name) > 0) continue;
      if (FreeSlots(c) < queued.min_concurrency_slots) continue;
      taken.insert(c.worker_name);
      --remaining;
      StartFetch(c, queued);
    }
  }
}

bool JobDispatcher::IsDry(const QueuedWork& queued) {
  absl::MutexLock lock(&dry_mu_);
  auto it = dry_.find(queued.queue);
  if (it == dry_.end()) return false;
  if (clock_.Now() < it->second.until && queued.jobs <= it->second.jobs) return true;
  dry_.erase(it);
  return false;
}

void JobDispatcher::StartFetch(const DispatchCandidate& candidate, const QueuedWork& queued) {
  if (!registry_.BeginFetch(candidate.worker_name)) return;
  bridge::FetchRequest request;
  request.queues = candidate.queues;
  request.free_concurrency = FreeSlots(candidate);
  request.supports_task_instance_uuid = true;
  const std::string name = candidate.worker_name;
  absl::Status submitted = executor_.Submit([this, name, request, queued] {
    absl::StatusOr<std::optional<bridge::EdgeJobFetched>> job = edge_api_.FetchJob(name, request);
    if (!job.ok()) {
      spdlog::warn("dispatch: jobs/fetch for worker {} failed: {}", name,
                   job.status().ToString());
    } else if (job->has_value()) {
      Deliver(name, **job);
    } else {
      absl::MutexLock lock(&dry_mu_);
      dry_[queued.queue] = DryMark{clock_.Now() + absl::Seconds(1), queued.jobs};
    }
    registry_.EndFetch(name);
    if (job.ok() && job->has_value()) Wake();  // there may be more for this worker
  });
  if (!submitted.ok()) registry_.EndFetch(name);
}

void JobDispatcher::Deliver(const std::string& worker_name, const bridge::EdgeJobFetched& job) {
  const uint64_t id = dispatch_id_base_ | next_dispatch_.fetch_add(1);
  ledger_.Add({id, worker_name, job.key, job.concurrency_slots,
               clock_.Now() + options_.ack_timeout});
  metrics_.JobDispatched();
  WorkerEvent event;
  event.kind = WorkerEvent::Kind::kJob;
  event.job = job;
  event.dispatch_id = id;
  spdlog::info("dispatch: job {} to worker {} (dispatch {})", Describe(job.key), worker_name, id);
  registry_.Send(worker_name, std::move(event),
                 [this, id](bool written) { OnWriteResult(id, written); });
}

void JobDispatcher::OnWriteResult(uint64_t dispatch_id, bool written) {
  if (written) return;
  // Runs on a gRPC thread: the UPDATE goes to the executor (or, when it is full, to the ack
  // timeout, which requeues the job a little later instead).
  std::optional<PendingDispatch> lost = ledger_.Take(dispatch_id);
  if (!lost) return;
  PendingDispatch dispatch = *std::move(lost);
  absl::Status submitted =
      executor_.Submit([this, dispatch] { Requeue(dispatch, "the stream write failed"); });
  if (!submitted.ok()) {
    dispatch.deadline = absl::InfinitePast();
    ledger_.Add(std::move(dispatch));
  }
}

void JobDispatcher::RequeueExpired() {
  for (const PendingDispatch& d : ledger_.TakeExpired(clock_.Now())) {
    registry_.MarkStalled(d.worker_name);
    Requeue(d, "no acknowledgement within the ack timeout");
  }
}

void JobDispatcher::SweepStaleClaims() {
  const absl::Time now = clock_.Now();
  // With notifications a requeue by any sidecar's sweep also NOTIFYs, so one sweep per
  // ack_timeout bounds how long a dead sidecar's claim waits, at a cost of one statement.
  const absl::Duration every = listening_.load() ? std::max(options_.ack_timeout, absl::Seconds(1))
                                                 : std::max(options_.ack_timeout / 2,
                                                            absl::Seconds(1));
  if (now - last_sweep_ < every) return;
  last_sweep_ = now;
  absl::StatusOr<int> requeued = store_.RequeueStaleClaims(options_.ack_timeout);
  if (!requeued.ok()) {
    spdlog::warn("dispatch: could not requeue stale claims: {}", requeued.status().ToString());
  } else if (*requeued > 0) {
    for (int i = 0; i < *requeued; ++i) metrics_.DispatchRequeued();
    spdlog::warn("dispatch: {} job(s) claimed but never confirmed within {} went back to queued",
                 *requeued, absl::FormatDuration(options_.ack_timeout));
    Wake();
  }
}

void JobDispatcher::Requeue(const PendingDispatch& dispatch, const char* why) {
  absl::StatusOr<bool> changed = store_.RequeueJob(dispatch.key, dispatch.worker_name);
  if (!changed.ok()) {
    spdlog::error("dispatch: could not requeue job {} of worker {} ({}): {}",
                  Describe(dispatch.key), dispatch.worker_name, why,
                  changed.status().ToString());
    PendingDispatch retry = dispatch;  // try again shortly rather than lose track of it
    retry.deadline = clock_.Now() + absl::Seconds(1);
    ledger_.Add(std::move(retry));
    return;
  }
  if (*changed) {
    metrics_.DispatchRequeued();
    spdlog::warn("dispatch: job {} requeued, {} (worker {})", Describe(dispatch.key), why,
                 dispatch.worker_name);
    Wake();
  }
}

}  // namespace edgectl::controlplane
