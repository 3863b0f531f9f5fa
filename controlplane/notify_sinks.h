// File: controlplane/notify_sinks.h
//
// What JobNotifyListener tells the sidecar's parts (controlplane/db/notify_trigger.h): the
// dispatcher hears queues that got queued work, the state watcher hears workers whose row the
// centre changed or whose token was revoked. Called on the listener's thread; implementations
// only record and wake their own thread. OnListening(false) means "poll": notifications may be
// missed from then on until OnListening(true), after which one full poll catches up.
#ifndef EDGECTL_CONTROLPLANE_NOTIFY_SINKS_H_
#define EDGECTL_CONTROLPLANE_NOTIFY_SINKS_H_

#include <string>

namespace edgectl::controlplane {

class JobNotifySink {
 public:
  virtual ~JobNotifySink() = default;
  // Queued work appeared in `queue` (committed before this call).
  virtual void OnQueueNotified(const std::string& queue) = 0;
  // Whether notifications can be relied on from now on (false: poll at the normal cadence).
  virtual void OnListening(bool listening) = 0;
};

class WorkerNotifySink {
 public:
  virtual ~WorkerNotifySink() = default;
  // The centre changed this worker's edge_worker row (a request, queues or concurrency).
  virtual void OnWorkerNotified(const std::string& worker_name) = 0;
  // A token of this worker was revoked.
  virtual void OnTokenRevoked(const std::string& worker_name) = 0;
  // Whether worker notifications can be relied on from now on (false: poll every row).
  virtual void OnListening(bool listening) = 0;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_NOTIFY_SINKS_H_
