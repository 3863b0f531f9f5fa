// File: worker/health/worker_status_board.h
//
// What the worker's health endpoint shows, handed from the worker's loop thread (which owns all
// of the worker's state and publishes a snapshot after every tick, ~10 per second at most) to the
// endpoint's HTTP threads, which only ever read the latest snapshot. The loop never waits for a
// reader beyond one copy under a mutex, and a reader never sees half an update. Thread-safe.
#ifndef EDGECTL_WORKER_HEALTH_WORKER_STATUS_BOARD_H_
#define EDGECTL_WORKER_HEALTH_WORKER_STATUS_BOARD_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "worker/local_files.h"

namespace edgectl::worker {

struct WorkerSnapshot {
  std::string worker_name;
  WorkerStatusFile status;  // state, jobs, maintenance, drain: as in the status file
  int concurrency = 0;
  int free_slots = 0;
  // The link to the sidecar.
  std::string sidecar_address;
  bool sidecar_connected = false;
  absl::Time sidecar_changed_at = absl::InfinitePast();  // when it last went up or down
  uint64_t sidecar_disconnects = 0;
  // Heartbeats answered by the sidecar, and the last one.
  uint64_t heartbeats_ok = 0;
  uint64_t heartbeats_failed = 0;
  absl::Time last_heartbeat_ok = absl::InfinitePast();
  // Jobs pushed by the sidecar that this process took on.
  uint64_t jobs_accepted = 0;
  bool published = false;  // false until the loop's first tick
};

class WorkerStatusBoard {
 public:
  void Publish(WorkerSnapshot snapshot) {
    snapshot.published = true;
    absl::MutexLock lock(&mu_);
    latest_ = std::move(snapshot);
  }
  WorkerSnapshot Latest() const {
    absl::MutexLock lock(&mu_);
    return latest_;
  }

 private:
  mutable absl::Mutex mu_;
  WorkerSnapshot latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_HEALTH_WORKER_STATUS_BOARD_H_
