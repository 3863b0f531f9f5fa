// File: controlplane/worker_state_watcher.h
//
// Central changes to a connected worker (protocol contract §8): one query per interval reads
// the edge_worker rows of all workers connected to this sidecar, compares each with the view the
// worker last received (welcome, heartbeat reply or an earlier event) and pushes a state_change
// event when the state became 'maintenance request', 'maintenance exit' or 'shutdown request', or
// the concurrency or queues changed. Every change also updates the registry, so dispatch stops
// at once for a worker asked into maintenance or shutdown. The same poll ends the streams of
// workers whose token was revoked (`edgectl token revoke`), so revocation reaches open streams
// within one interval on every sidecar.
#ifndef EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_
#define EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_

#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/auth/token_directory.h"
#include "controlplane/sidecar_store.h"
#include "controlplane/worker_registry.h"

namespace edgectl::controlplane {

// The view a heartbeat reply or state_change would carry for a row.
WorkerView ViewOfRow(const WorkerRow& row, int heartbeat_interval_seconds);

class WorkerStateWatcher {
 public:
  // `tokens` (may be null) is asked every poll whether the tokens of token-authenticated
  // sessions are still issued; a revoked one ends its stream with UNAUTHENTICATED.
  WorkerStateWatcher(absl::Duration interval, int heartbeat_interval_seconds,
                     WorkerRegistry& registry, SidecarStore& store,
                     auth::TokenDirectory* tokens = nullptr)
      : interval_(interval), heartbeat_interval_seconds_(heartbeat_interval_seconds),
        registry_(registry), store_(store), tokens_(tokens) {}
  ~WorkerStateWatcher();

  void Start();
  void Stop();

  // What the worker now knows (welcome or heartbeat reply): the baseline for the next poll.
  void Observe(const std::string& worker_name, const bridge::WorkerSetStateReturn& view);
  void Forget(const std::string& worker_name);

  // One poll. Public for tests.
  void PollOnce();

 private:
  struct Known {
    std::string state;
    QueueSet queues;
    std::optional<int> concurrency;
  };
  bool ShouldNotify(const Known& before, const WorkerRow& now) const;
  void EndRevokedSessions();

  const absl::Duration interval_;
  const int heartbeat_interval_seconds_;
  WorkerRegistry& registry_;
  SidecarStore& store_;
  auth::TokenDirectory* tokens_;
  absl::Mutex mu_;
  std::map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_STATE_WATCHER_H_
