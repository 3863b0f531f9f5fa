#include "controlplane/job_notify_listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <vector>

#include "controlplane/db/notify_trigger.h"

namespace edgectl::controlplane {
namespace {

class Receiver : public pqxx::notification_receiver {
 public:
  using Deliver = std::function<void(const std::string& payload)>;
  Receiver(pqxx::connection& c, const std::string& channel, Deliver deliver)
      : notification_receiver(c, channel), deliver_(std::move(deliver)) {}
  void operator()(const std::string& payload, int) override { deliver_(payload); }

 private:
  Deliver deliver_;
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
    TellListening(false, false);
    // A session that lasted a while starts the backoff afresh.
    if (absl::Now() - started > options_.max_backoff) backoff = options_.min_backoff;
    if (WaitStopping(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void JobNotifyListener::TellListening(bool jobs, bool workers) {
  sink_.OnListening(jobs);
  if (workers_ != nullptr) workers_->OnListening(workers);
}

void JobNotifyListener::Session() {
  pqxx::connection conn(options_.libpq_dsn);
  std::vector<std::unique_ptr<Receiver>> receivers;  // each sends its LISTEN
  receivers.push_back(std::make_unique<Receiver>(
      conn, db::kNotifyChannel, [this](const std::string& q) { sink_.OnQueueNotified(q); }));
  if (workers_ != nullptr) {
    receivers.push_back(std::make_unique<Receiver>(
        conn, db::kWorkerChannel, [this](const std::string& w) { workers_->OnWorkerNotified(w); }));
    receivers.push_back(std::make_unique<Receiver>(
        conn, db::kTokenChannel, [this](const std::string& w) { workers_->OnTokenRevoked(w); }));
  }
  conn.get_notifs();  // the LISTENs are sent and in effect before the check below
  SetPid(conn.backendpid());
  db::NotifyTriggers listening;  // all false
  absl::Time next_check = absl::InfinitePast();
  while (!stopping()) {
    if (absl::Now() >= next_check) {
      db::NotifyTriggers installed;
      {
        pqxx::read_transaction tx(conn);
        installed = db::NotifyTriggersInstalledIn(tx);
      }
      if (installed.edge_job != listening.edge_job || installed.workers() != listening.workers()) {
        if (installed.edge_job) {
          spdlog::info("dispatch: LISTENing on {} (edge_job trigger installed); polling slowly "
                       "as a fallback",
                       db::kNotifyChannel);
        } else {
          spdlog::info("dispatch: the edge_job notification trigger is not installed; polling "
                       "(`edgectl db init --with-notify` installs it)");
        }
        if (workers_ != nullptr) {
          spdlog::info(installed.workers()
                           ? "state watcher: following edge_worker and token changes on NOTIFY"
                           : "state watcher: the edge_worker/token notification triggers are not "
                             "installed; reading every connected worker's row each poll");
        }
        listening = installed;
        // Listening from now on: what changed before is found by the poll this triggers.
        TellListening(listening.edge_job, listening.workers());
      }
      next_check = absl::Now() + options_.trigger_recheck_interval;
    }
    conn.await_notification(0, kWaitMicros);
    if (!conn.is_open()) throw pqxx::broken_connection("the LISTEN session closed");
  }
}

}  // namespace edgectl::controlplane
