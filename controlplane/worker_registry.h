// File: controlplane/worker_registry.h
//
// The workers connected to this sidecar (in memory only: the sidecar is stateless apart from
// live connections). A session holds the worker's open stream, the queues it serves, its state
// as last seen by the centre (jobs are only dispatched in starting/running/idle), the free slots
// it last reported (Connect, Heartbeat, ReportJobState), and whether a fetch on its behalf is in
// flight. A new Connect of the same worker replaces (cancels) the old stream; Detach() by the old
// stream does not remove the new session. Thread-safe.
//
// Cost by queues, not by workers: besides the sessions the registry keeps an index from queue to
// the workers that could take a job of it now (dispatchable state, free slots reported, not
// stalled, no fetch in flight), updated by every call that changes one of those (Attach,
// UpdateFreeConcurrency, MarkStalled, UpdateView, BeginFetch/EndFetch, Detach, End). A dispatch
// round asks CandidatesFor(queue, n) for each queue with queued work and pays O(log N + n), not
// O(N); successive asks start after the worker picked last, so work spreads over the fleet.
#ifndef EDGECTL_CONTROLPLANE_WORKER_REGISTRY_H_
#define EDGECTL_CONTROLPLANE_WORKER_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/synchronization/mutex.h"
#include "controlplane/worker_event.h"

namespace edgectl::controlplane {

using QueueSet = std::optional<std::vector<std::string>>;  // nullopt = all queues

bool ServesQueue(const QueueSet& queues, const std::string& queue);

// How and from where a session's stream was opened (for revocation checks and the fleet view).
struct SessionInfo {
  std::string auth_method;   // "certificate", "token", "none"
  std::string token_sha256;  // token sessions only
  std::string peer;
  absl::Time connected_since;
};

// What the dispatcher needs to choose a worker.
struct DispatchCandidate {
  std::string worker_name;
  QueueSet queues;
  int reported_free = 0;
};

// A connected worker as the fleet page shows it (a copy; no stream).
struct SessionView {
  std::string worker_name;
  SessionInfo info;
  std::string state;  // as the sidecar last saw it
  int reported_free = 0;
  bool stalled = false;
};

class WorkerRegistry {
 public:
  // Returns the session id to pass to Detach(), and cancels a previous stream of the same
  // worker. `connect_order` is when the Connect arrived (increasing): sessions are attached from
  // executor threads in any order, and a Connect that arrived before the current session's is
  // refused (returns 0) so that the newest Connect always wins.
  uint64_t Attach(const std::string& worker_name, uint64_t connect_order, int free_concurrency,
                  QueueSet queues, const std::string& state, std::shared_ptr<EventStream> stream,
                  SessionInfo info = {});
  void Detach(const std::string& worker_name, uint64_t session_id);

  // Also a sign of life: a stalled worker (below) takes jobs again.
  void UpdateFreeConcurrency(const std::string& worker_name, int free_concurrency);
  // The worker let a dispatch time out unclaimed (frozen, overloaded, a stalled VM): it gets no
  // more jobs until it calls again (a heartbeat, claim or report: UpdateFreeConcurrency), so
  // queued work goes to workers that answer instead of back to the same one.
  void MarkStalled(const std::string& worker_name);
  // The centre's view changed (heartbeat reply or a changed edge_worker row).
  void UpdateView(const std::string& worker_name, const std::string& state, QueueSet queues);

  // Connected workers in a dispatchable state with no fetch in flight (all of them: O(N); for
  // tests and diagnostics; dispatch uses CandidatesFor).
  std::vector<DispatchCandidate> DispatchCandidates() const;
  // Up to `max` such workers serving `queue` (those listing it, then those serving all queues),
  // starting after the one returned first last time for this queue.
  std::vector<DispatchCandidate> CandidatesFor(const std::string& queue, size_t max);
  // Marks a fetch in flight; false when the worker is gone or already has one.
  bool BeginFetch(const std::string& worker_name);
  void EndFetch(const std::string& worker_name);

  // Writes to the worker's current stream; calls written(false) when it is not connected.
  void Send(const std::string& worker_name, WorkerEvent event,
            std::function<void(bool written)> written);

  std::vector<std::string> ConnectedWorkers() const;
  // Every open session, by worker name (read-only; for the fleet page).
  std::vector<SessionView> Sessions() const;
  // (worker, token hash) of sessions authenticated by a token.
  std::vector<std::pair<std::string, std::string>> TokenSessions() const;
  // Ends the worker's stream with `why` (revoked token, taken over registration).
  void End(const std::string& worker_name, const absl::Status& why);
  size_t size() const;
  // Cancels every stream (shutdown).
  void CancelAll();

 private:
  struct Session {
    uint64_t id = 0;
    uint64_t connect_order = 0;
    std::shared_ptr<EventStream> stream;
    QueueSet queues;
    std::string state;
    int reported_free = 0;
    bool fetch_in_flight = false;
    bool stalled = false;
    SessionInfo info;
    bool indexed = false;  // listed in the candidate index under `queues`
  };

  static bool Eligible(const Session& s);
  // Take a session out of the index before changing it, put it back (if eligible) after.
  void Unindex(const std::string& name, Session& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Reindex(const std::string& name, Session& s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends up to `max` candidates from `names`, starting after `*cursor`, and moves the cursor.
  void Pick(const std::set<std::string>& names, std::string* cursor, size_t max,
            std::vector<DispatchCandidate>* out) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  // queue -> eligible workers listing it; workers serving all queues in any_queue_.
  std::map<std::string, std::set<std::string>> by_queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> any_queue_ ABSL_GUARDED_BY(mu_);
  // queue -> the worker picked last (where the next CandidatesFor starts).
  std::map<std::string, std::string> cursor_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> any_cursor_ ABSL_GUARDED_BY(mu_);
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_WORKER_REGISTRY_H_
