// File: controlplane/job_dispatcher.h
//
// Push dispatch (protocol contract §4-5). Every poll interval one query for the whole fleet asks
// PostgreSQL which queues have queued jobs (nothing else happens when none do, so idle workers
// cost Airflow nothing but their heartbeats). For each such queue it picks connected workers
// serving it whose free-slot estimate (reported free slots minus unacknowledged dispatches)
// fits the smallest job, at most one per queued job and one fetch in flight per worker, and calls
// EdgeApi::FetchJob on their behalf on the executor. Airflow claims the row (FOR UPDATE SKIP
// LOCKED), so several sidecars on one database never hand out a job twice. A fetched job is
// written down the worker's stream with a fresh dispatch_id and recorded in the DispatchLedger.
//
// A queue for which jobs/fetch found nothing although the query showed queued work (another
// sidecar was faster, or the jobs are for another team) is left alone for a second unless its
// queued count grows, so unclaimable rows cannot turn every poll into REST calls.
//
// Lost dispatches: when the write fails (or the worker is gone), or no claim arrives within
// ack_timeout, the job is put back to 'queued' with a guarded UPDATE (only while it is still an
// unconfirmed claim of that worker, state 'restarting'), so another worker gets it and the try
// is not lost; a worker that asks for its claim later is refused (ClaimJob) and never starts it.
// Every max(ack_timeout / 2, 1 s) one statement also requeues unconfirmed claims of edgectl
// workers older than ack_timeout whichever sidecar made them (one that died between jobs/fetch
// and the push leaves no memory of it anywhere).
//
// Event-driven (optional edge_job trigger, `edgectl db init --with-notify`): while a
// JobNotifyListener reports it is listening (OnListening(true)), the dispatcher queries PostgreSQL
// only when a NOTIFY arrives, when a worker event may have freed slots while the last query still
// showed queued work, every notify_poll_interval while it does, and once per
// notify_idle_poll_interval as a safety net; the stale-claim sweep runs every ack_timeout. An idle
// sidecar with the trigger thus sends no dispatch statements. Whenever the listener is down or
// the trigger absent, it polls every poll_interval as without it.
#ifndef EDGECTL_CONTROLPLANE_JOB_DISPATCHER_H_
#define EDGECTL_CONTROLPLANE_JOB_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"
#include "controlplane/clock.h"
#include "controlplane/dispatch_ledger.h"
#include "controlplane/executor.h"
#include "controlplane/job_notify_listener.h"
#include "controlplane/metrics.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

struct JobDispatcherOptions {
  absl::Duration poll_interval = absl::Milliseconds(20);
  absl::Duration ack_timeout = absl::Seconds(30);
  // With notifications (see above).
  absl::Duration notify_poll_interval = absl::Seconds(1);
  absl::Duration notify_idle_poll_interval = absl::Seconds(60);
};

class JobDispatcher final : public JobNotifySink {
 public:
  JobDispatcher(JobDispatcherOptions options, WorkerRegistry& registry, DispatchLedger& ledger,
                SidecarStore& store, bridge::EdgeApi& edge_api, Executor& executor,
                const Clock& clock, Metrics& metrics);
  ~JobDispatcher() override;

  void Start();
  void Stop();
  // Polls again at once (a job was delivered, or a worker gained free slots).
  void Wake();

  // JobNotifySink (the edge_job trigger's notifications).
  void OnQueueNotified(const std::string& queue) override;
  void OnListening(bool listening) override;

  // One round: requeue expired dispatches, then dispatch queued work. Public for tests.
  void PollOnce();

  // Free-slot estimate of a connected worker (contract §4).
  int FreeSlots(const DispatchCandidate& candidate) const;

 private:
  void Round(WakeCause cause);
  bool ShouldQuery(WakeCause cause);
  void Dispatch();
  void RequeueExpired();
  void SweepStaleClaims();
  void StartFetch(const DispatchCandidate& candidate, const QueuedWork& queued);
  bool IsDry(const QueuedWork& queued);
  void Deliver(const std::string& worker_name, const bridge::EdgeJobFetched& job);
  void OnWriteResult(uint64_t dispatch_id, bool written);
  void Requeue(const PendingDispatch& dispatch, const char* why);

  const JobDispatcherOptions options_;
  WorkerRegistry& registry_;
  DispatchLedger& ledger_;
  SidecarStore& store_;
  bridge::EdgeApi& edge_api_;
  Executor& executor_;
  const Clock& clock_;
  Metrics& metrics_;

  const uint64_t dispatch_id_base_;
  std::atomic<uint64_t> next_dispatch_{1};
  absl::Time last_sweep_ = absl::InfinitePast();  // dispatcher thread only
  absl::Time last_query_ = absl::InfinitePast();  // dispatcher thread only
  // The last query showed queued work (or could not tell): keep looking without a NOTIFY.
  bool work_seen_ = true;                          // dispatcher thread only
  std::atomic<bool> listening_{false};
  struct DryMark {
    absl::Time until;
    int jobs = 0;
  };
  absl::Mutex dry_mu_;
  std::map<std::string, DryMark> dry_ ABSL_GUARDED_BY(dry_mu_);
  absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool notified_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_JOB_DISPATCHER_H_
