// File: controlplane/dispatch_ledger.h
//
// Jobs this sidecar fetched on a worker's behalf and wrote (or is writing) down its stream, not
// yet acknowledged by the worker's first ReportJobState (protocol contract §4-5). Entries are
// keyed by dispatch_id and belong to the worker name, not to one stream, so an acknowledgement
// sent after a reconnect still counts. Their slots are subtracted from the worker's reported free
// slots. Take*() remove entries so that exactly one of acknowledge / requeue wins. Thread-safe.
#ifndef EDGECTL_CONTROLPLANE_DISPATCH_LEDGER_H_
#define EDGECTL_CONTROLPLANE_DISPATCH_LEDGER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"

namespace edgectl::controlplane {

struct PendingDispatch {
  uint64_t dispatch_id = 0;
  std::string worker_name;
  bridge::JobKey key;
  int concurrency_slots = 1;
  absl::Time deadline;
};

bool SameJob(const bridge::JobKey& a, const bridge::JobKey& b);

class DispatchLedger {
 public:
  void Add(PendingDispatch dispatch);

  // The worker acknowledged: by dispatch_id, or (id 0 / unknown) by the job's key.
  // Returns whether a pending dispatch was removed.
  bool Acknowledge(const std::string& worker_name, uint64_t dispatch_id,
                   const bridge::JobKey& key);
  // For a write that failed: removes and returns the entry.
  std::optional<PendingDispatch> Take(uint64_t dispatch_id);
  // Removes and returns entries whose deadline is before `now`.
  std::vector<PendingDispatch> TakeExpired(absl::Time now);

  int PendingSlots(const std::string& worker_name) const;
  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  std::map<uint64_t, PendingDispatch> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_DISPATCH_LEDGER_H_
