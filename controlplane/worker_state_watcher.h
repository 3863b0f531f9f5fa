// File: controlplane/worker_state_watcher.h
//
// Central changes to a connected worker (protocol contract §8): reads edge_worker rows of workers
// connected to this sidecar, compares each with the view the worker last received (welcome,
// heartbeat reply or an earlier event) and pushes a state_change event when the state became
// 'maintenance request', 'maintenance exit' or 'shutdown request', or the concurrency or queues
// changed. Every change also updates the registry, so dispatch stops at once for a worker asked
// into maintenance or shutdown. It also ends the streams of workers whose token was revoked
// (`edgectl token revoke`), on every sidecar.
//
// Which rows it reads: while the notification triggers are installed and the listener's session
// is up (OnListening(true), controlplane/db/notify_trigger.h) only the rows of workers named by a
// notification, at once, and the tokens of workers named by a revocation: an idle fleet costs
// no statement but a full round a minute (the safety net: a listener behind a transaction-pooling
// PgBouncer passes its trigger check yet hears nothing). Otherwise, every interval, all connected workers' rows and all session tokens (one
// query each), as before; the first round after listening starts is such a full one, so nothing
// changed meanwhile is missed. A notification that overtakes the REST reply of a heartbeat or
// welcome (the reply then carries the older row) would be undone by Observe(); so a worker
// notified within the last minute is read once more after its Observe().
#ifndef EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_
#define EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_

#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/auth/token_directory.h"
#include "controlplane/notify_sinks.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

// The view a heartbeat reply or state_change would carry for a row.
WorkerView ViewOfRow(const WorkerRow& row, int heartbeat_interval_seconds);

class WorkerStateWatcher final : public WorkerNotifySink {
 public:
  // `tokens` (may be null) is asked every poll whether the tokens of token-authenticated
  // sessions are still issued; a revoked one ends its stream with UNAUTHENTICATED.
  WorkerStateWatcher(absl::Duration interval, int heartbeat_interval_seconds,
                     WorkerRegistry& registry, SidecarStore& store,
                     auth::TokenDirectory* tokens = nullptr)
      : interval_(interval), heartbeat_interval_seconds_(heartbeat_interval_seconds),
        registry_(registry), store_(store), tokens_(tokens) {}
  ~WorkerStateWatcher() override;

  void Start();
  void Stop();

  // What the worker now knows (welcome or heartbeat reply): the baseline for the next poll.
  void Observe(const std::string& worker_name, const bridge::WorkerSetStateReturn& view);
  void Forget(const std::string& worker_name);

  // WorkerNotifySink (the listener's thread): remember and wake the watcher.
  void OnWorkerNotified(const std::string& worker_name) override;
  void OnTokenRevoked(const std::string& worker_name) override;
  void OnListening(bool listening) override;

  // One round: a full poll, or (while listening) the notified workers only. Public for tests.
  void PollOnce();

  // Rows read in total, rounds run, and whether notifications are relied on (tests, diagnostics).
  uint64_t rows_requested() const;
  uint64_t rounds() const;
  bool listening() const;

 private:
  enum Pending : int { kRow = 1, kToken = 2 };
  struct Known {
    std::string state;
    QueueSet queues;
    std::optional<int> concurrency;
  };
  bool ShouldNotify(const Known& before, const WorkerRow& now) const;
  void Notify(const std::string& worker_name, int what);
  // One round; false when the database failed (what was due stays due).
  bool Round();
  // Ends the streams whose token is no longer issued; `only` limits it to those workers.
  bool EndRevokedSessions(const std::set<std::string>* only);
  // Reads `names`' rows and pushes what changed; `prune` forgets workers not in `names`.
  bool Compare(const std::vector<std::string>& names, bool prune);
  // Forgets baselines of workers no longer connected (in memory).
  void PruneKnown();

  const absl::Duration interval_;
  const int heartbeat_interval_seconds_;
  WorkerRegistry& registry_;
  SidecarStore& store_;
  auth::TokenDirectory* tokens_;
  mutable absl::Mutex mu_;
  std::map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
  bool listening_ ABSL_GUARDED_BY(mu_) = false;
  bool full_round_due_ ABSL_GUARDED_BY(mu_) = true;
  std::map<std::string, int> pending_ ABSL_GUARDED_BY(mu_);  // worker -> Pending bits
  // Workers notified lately, and what about, for the Observe() race (see the header comment).
  std::map<std::string, std::pair<absl::Time, int>> recent_ ABSL_GUARDED_BY(mu_);
  uint64_t rows_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rounds_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_
