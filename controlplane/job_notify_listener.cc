#include "controlplane/job_notify_listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/pqxx>

#include "controlplane/db/notify_trigger.h"

namespace edgectl::controlplane {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& c, JobNotifySink& sink)
      : notification_receiver(c, db::kNotifyChannel), sink_(sink) {}
  void operator()(const std::string& payload, int) override { sink_.OnQueueNotified(payload); }

 private:
  JobNotifySink& sink_;
};

// How long one wait for notifications may block: bounds how late Stop() is noticed. A wait
// is a poll(2) on the session's socket, not a statement.
constexpr long kWaitMicros = 250000;

}  // namespace

void JobNotifyListener::Start() {
  thread_ = std::thread([this] { Run(); });
}

void JobNotifyListener::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

int JobNotifyListener::backend_pid() const {
  absl::MutexLock lock(&mu_);
  return backend_pid_;
}

bool JobNotifyListener::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void JobNotifyListener::SetPid(int pid) {
  absl::MutexLock lock(&mu_);
  backend_pid_ = pid;
}

bool JobNotifyListener::WaitStopping(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&stopping_), d);
}

void JobNotifyListener::Run() {
  absl::Duration backoff = options_.min_backoff;
  while (!stopping()) {
    const absl::Time started = absl::Now();
    try {
      Session();
    } catch (const std::exception& e) {
      // Never the DSN: libpq's messages name host and port, not the password.
      spdlog::warn("dispatch: notification listener lost ({}); polling until it reconnects",
                   e.what());
    }
    SetPid(0);
    sink_.OnListening(false);
    // A session that lasted a while starts the backoff afresh.
    if (absl::Now() - started > options_.max_backoff) backoff = options_.min_backoff;
    if (WaitStopping(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void JobNotifyListener::Session() {
  pqxx::connection conn(options_.libpq_dsn);
  Receiver receiver(conn, sink_);  // LISTEN edgectl_edge_job
  conn.get_notifs();               // the LISTEN is sent and in effect before the check below
  SetPid(conn.backendpid());
  bool listening = false;
  absl::Time next_check = absl::InfinitePast();
  while (!stopping()) {
    if (absl::Now() >= next_check) {
      bool installed;
      {
        pqxx::read_transaction tx(conn);
        installed = db::NotifyTriggerInstalledIn(tx);
      }
      if (installed != listening) {
        if (installed) {
          spdlog::info("dispatch: LISTENing on {} (edge_job trigger installed); polling slowly "
                       "as a fallback",
                       db::kNotifyChannel);
        } else {
          spdlog::info("dispatch: the edge_job notification trigger is not installed; polling "
                       "(`edgectl db init --with-notify` installs it)");
        }
        listening = installed;
        // Listening from now on: anything queued before is found by the poll this triggers.
        sink_.OnListening(listening);
      }
      next_check = absl::Now() + options_.trigger_recheck_interval;
    }
    conn.await_notification(0, kWaitMicros);
    if (!conn.is_open()) throw pqxx::broken_connection("the LISTEN session closed");
  }
}

}  // namespace edgectl::controlplane
