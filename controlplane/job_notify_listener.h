// File: controlplane/job_notify_listener.h
//
// The sidecar's end of the optional notification triggers (controlplane/db/notify_trigger.h):
// one dedicated PostgreSQL session that LISTENs on edgectl_edge_job and tells a JobNotifySink of
// every notification (payload: the queue that got queued work), and, when a WorkerNotifySink is
// given, on edgectl_edge_worker and edgectl_worker_token (payload: the worker). Each sink is told
// it is "listening" only while the session is up AND its triggers are installed (checked on
// connect and every trigger_recheck_interval); otherwise the dispatcher and the state watcher
// poll at their normal cadence, so correctness never depends on notifications. A lost session
// (network, restart, pg_terminate_backend) is reported at once and reconnected with exponential
// backoff.
//
// PgBouncer: LISTEN needs a session of its own. Through PgBouncer in transaction (or statement)
// pooling the LISTEN lands on a server connection that is handed to other clients, so
// notifications never arrive (and the trigger check may pass): the sidecar then dispatches on
// its slow fallback poll (notify_poll_interval) only. Give the listener a direct connection
// (`[edge] controlplane_notify_sql_alchemy_conn`) or a session-pooled PgBouncer database.
#ifndef EDGECTL_CONTROLPLANE_JOB_NOTIFY_LISTENER_H_
#define EDGECTL_CONTROLPLANE_JOB_NOTIFY_LISTENER_H_

#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controlplane/notify_sinks.h"

namespace edgectl::controlplane {

struct JobNotifyListenerOptions {
  std::string libpq_dsn;
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(30);
  // How often a connected listener checks the trigger is still installed (one catalogue query):
  // after `db init --without-notify` the sidecar polls fast again within this time.
  absl::Duration trigger_recheck_interval = absl::Seconds(30);
};

class JobNotifyListener {
 public:
  // `workers` (may be null) hears edge_worker and token notifications too.
  JobNotifyListener(JobNotifyListenerOptions options, JobNotifySink& sink,
                    WorkerNotifySink* workers = nullptr)
      : options_(std::move(options)), sink_(sink), workers_(workers) {}
  ~JobNotifyListener() { Stop(); }

  void Start();
  void Stop();

  // The backend pid of the current LISTEN session (0 while down). For tests and diagnostics.
  int backend_pid() const;

 private:
  void Run();
  // One session: connect, LISTEN, check the trigger, deliver until an error or Stop().
  void Session();
  // Waits up to `d`; true when stopping.
  bool WaitStopping(absl::Duration d);
  bool stopping() const;
  void SetPid(int pid);
  void TellListening(bool jobs, bool workers);

  const JobNotifyListenerOptions options_;
  JobNotifySink& sink_;
  WorkerNotifySink* const workers_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int backend_pid_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_JOB_NOTIFY_LISTENER_H_
