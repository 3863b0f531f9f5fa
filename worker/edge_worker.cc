#include "worker/edge_worker.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/build_info.h"
#include "common/edge_states.h"
#include "spdlog/spdlog.h"
#include "worker/link_diagnosis.h"
#include "worker/local_files.h"
#include "worker/retry_after.h"
#include "worker/state_body.h"

namespace edgectl::worker {
namespace {

constexpr char kClientVersion[] = "edgectl 0.1.0";
constexpr char kVersionMismatch[] =
    "Version mismatch of Edge worker and Core. Shutting down worker.";
// After the last job of a drain ended, how long undelivered reports and logs may keep the worker
// (what is left stays journaled and is delivered by the next start).
constexpr absl::Duration kDrainFlushGrace = absl::Seconds(30);

ServerView ToServerView(const v1::HeartbeatResponse& response) {
  ServerView view;
  view.state = response.state();
  if (response.has_queues()) {
    view.queues = std::vector<std::string>(response.queues().names().begin(),
                                           response.queues().names().end());
  }
  if (response.has_maintenance_comments()) {
    view.maintenance_comments = response.maintenance_comments();
  }
  if (response.has_concurrency()) view.concurrency = response.concurrency();
  return view;
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kCancelled ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

JobRunnerOptions RunnerOptions(const WorkerOptions& o, const TaskEnvironment& task_env) {
  JobRunnerOptions r;
  r.worker_name = o.worker_name;
  r.task_env = task_env;
  r.keeper_binary = o.keeper_binary;
  r.base_log_folder = o.base_log_folder;
  r.push_logs = o.push_logs;
  r.push_log_chunk_size = static_cast<size_t>(std::max(o.push_log_chunk_size, 4));
  r.log_push_interval = o.log_push_interval;
  return r;
}

}  // namespace

EdgeWorker::EdgeWorker(WorkerOptions options, InterpreterVersions versions,
                       TaskEnvironment task_env, WorkerInstance instance, EdgeWorkerDeps deps)
    : options_(std::move(options)),
      versions_(std::move(versions)),
      task_env_(std::move(task_env)),
      instance_(std::move(instance)),
      deps_(deps),
      state_(options_.concurrency, options_.queues),
      link_(deps.sidecar, deps.clock, deps.random, &wake_),
      calls_("heartbeat", deps.clock, deps.random, &wake_),
      runner_(RunnerOptions(options_, task_env_),
              {deps.sidecar, deps.launcher, deps.clock, deps.random, &wake_, deps.journal},
              [this](const absl::Status& s) { OnWorkerProblem(s); },
              [this](int released) { return DispatchFreeSlots(released); }),
      drain_escalation_(options_.drain_timeout_sec, options_.drain_kill_grace_sec),
      heartbeat_interval_(absl::Seconds(options_.heartbeat_interval_sec)) {
  worker_start_time_ =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6S", deps_.clock->Now(), absl::LocalTimeZone());
}

EdgeWorker::~EdgeWorker() { deps_.sidecar->Disconnect(); }

int EdgeWorker::Run() {
  if (deps_.sysinfo_extension != nullptr) deps_.sysinfo_extension->Request();
  if (absl::Status registered = RegisterWithRetry(); !registered.ok()) {
    spdlog::error("{}", std::string(registered.message()));
    return 1;
  }
  if (absl::Status pid = WritePidFile(options_.paths.pid_file); !pid.ok()) {
    spdlog::error("{}", std::string(pid.message()));
    return 1;
  }
  if (absl::Status s = SignalPipe::Install({SIGINT, SIGTERM, SIGUSR2, SIGCHLD, SIGHUP}); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 1;
  }
  runner_.Restore();
  spdlog::info("Edge worker {} registered; sidecar {}, concurrency {}, queues {}",
               options_.worker_name, options_.controlplane_address, state_.concurrency(),
               state_.queues() ? absl::StrJoin(*state_.queues(), ",") : "(all)");
  while (!Finished()) {
    Tick();
    WaitForWork();
  }
  SignalOffline();
  deps_.sidecar->Disconnect();
  std::remove(options_.paths.pid_file.c_str());
  if (fatal_message_.has_value()) {
    spdlog::error("{}", *fatal_message_);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Registration

v1::RegisterRequest EdgeWorker::RegisterRequest() {
  v1::RegisterRequest request;
  request.set_worker_name(options_.worker_name);
  // Version 2 only when this worker needs the relay: a sidecar of version 1 then says so at once.
  request.set_protocol_version(options_.execution_api_relay ? v1::PROTOCOL_VERSION_2
                                                            : v1::PROTOCOL_VERSION_1);
  request.set_client_version(kClientVersion);
  request.set_instance_id(instance_.id);
  request.set_previous_instance_id(instance_.previous_id);
  *request.mutable_body() = StateBody(state_.RegistrationState(), 0, false);
  return request;
}

void EdgeWorker::OnRegistered(const v1::RegisterResponse& response) {
  versions_match_ = response.versions_match();
  if (response.heartbeat_interval_seconds() > 0) {
    heartbeat_interval_ = absl::Seconds(response.heartbeat_interval_seconds());
  }
  link_.Registered();
}

absl::Status EdgeWorker::HandleRegisterError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kFailedPrecondition:
      spdlog::info(kVersionMismatch);
      return absl::FailedPreconditionError(absl::StrCat(kVersionMismatch, " ", status.message()));
    case absl::StatusCode::kUnauthenticated:
      return absl::UnauthenticatedError(absl::StrCat(
          "The sidecar at ", options_.controlplane_address,
          " did not accept this worker's credentials: ", status.message()));
    case absl::StatusCode::kPermissionDenied:
      return absl::PermissionDeniedError(absl::StrCat(
          "The sidecar at ", options_.controlplane_address, " refused worker '",
          options_.worker_name, "': ", status.message()));
    case absl::StatusCode::kAlreadyExists:
      return absl::AlreadyExistsError(absl::StrCat(
          "A worker with the name '", options_.worker_name,
          "' is already active. Please ensure worker names are unique, or stop the existing "
          "worker before starting a new one."));
    default:
      return absl::Status(status.code(),
                          absl::StrCat("Registration with the sidecar at ",
                                       options_.controlplane_address, " failed: ",
                                       status.message()));
  }
}

absl::Status EdgeWorker::RegisterWithRetry() {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<v1::RegisterResponse> response = deps_.sidecar->Register(RegisterRequest());
    if (response.ok()) {
      OnRegistered(*response);
      link_.ResetBackoff();
      return absl::OkStatus();
    }
    if (!IsRetryable(response.status())) return HandleRegisterError(response.status());
    // gRPC says only "failed to connect": find out why, now and then (a probe costs a
    // connection and a handshake).
    if (attempt % 10 == 0 && response.status().code() != absl::StatusCode::kResourceExhausted) {
      const std::string why = DiagnoseSidecarLink(
          options_.controlplane_address,
          {options_.controlplane_tls_ca, options_.controlplane_tls_cert,
           options_.controlplane_tls_key, options_.controlplane_token_file});
      if (!why.empty()) spdlog::error("Cannot reach the sidecar: {}", why);
    }
    const absl::Duration delay =
        std::max(link_.NextBackoffDelay(),
                 RetryAfterOf(response.status()).value_or(absl::ZeroDuration()));
    spdlog::warn("Sidecar at {} not reachable ({}); retrying registration in {}",
                 options_.controlplane_address, std::string(response.status().message()),
                 absl::FormatDuration(delay));
    absl::SleepFor(delay);
  }
}

void EdgeWorker::SignalOffline() {
  spdlog::info("Quitting worker, signal being offline.");
  v1::HeartbeatRequest request;
  request.set_worker_name(options_.worker_name);
  const std::string state =
      state_.maintenance() ? states::kOfflineMaintenance : states::kOffline;
  *request.mutable_body() = StateBody(state, 0, /*offline=*/true);
  request.set_free_concurrency(0);
  absl::StatusOr<v1::HeartbeatResponse> response = deps_.sidecar->Heartbeat(request);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kFailedPrecondition) {
      spdlog::info("Version mismatch of Edge worker and Core. Quitting worker anyway.");
    } else {
      spdlog::warn("Could not report {}: {}", state, std::string(response.status().message()));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The loop

bool EdgeWorker::Finished() {
  if (!state_.drain() || runner_.Active() > 0) return false;
  const absl::Time now = deps_.clock->Now();
  if (!drained_at_.has_value()) drained_at_ = now;
  if (!runner_.HasUndelivered()) return true;
  if (now - *drained_at_ > kDrainFlushGrace) {
    spdlog::warn("{} ended job(s) still await delivery (the sidecar or Airflow is unreachable); "
                 "they stay in the worker journal {} and are delivered when this worker starts "
                 "again",
                 runner_.Undelivered(), deps_.journal->dir());
    return true;
  }
  return false;
}

void EdgeWorker::Tick() {
  HandleSignals();
  calls_.RunCompletion();
  HandleReceivedEvents();
  MaintainConnection();
  runner_.Tick();
  TakeExtendedSysinfo();
  if (!link_.need_register() && HeartbeatDue()) Heartbeat();
  EnforceDrainTimeout();
  PublishStatus();
}

void EdgeWorker::WaitForWork() {
  pollfd fds[2] = {{SignalPipe::read_fd(), POLLIN, 0}, {wake_.read_fd(), POLLIN, 0}};
  poll(fds, 2, 100);
  wake_.Clear();
}

// ---------------------------------------------------------------------------------------------
// Connection

void EdgeWorker::MaintainConnection() {
  if (link_.need_register()) {
    if (!calls_.Ready()) return;
    SidecarClient* sidecar = deps_.sidecar;
    calls_.Submit([this, sidecar, request = RegisterRequest()]() -> CallLane::Completion {
      absl::StatusOr<v1::RegisterResponse> response = sidecar->Register(request);
      return [this, response] {
        if (response.ok()) {
          calls_.Succeeded();
          OnRegistered(*response);
          spdlog::info("Registered again with the sidecar at {}", options_.controlplane_address);
          return;
        }
        if (IsRetryable(response.status())) {
          calls_.Failed(response.status());
          spdlog::warn("Registering again failed: {}", response.status().ToString());
          return;
        }
        // Refused for good (version mismatch, another live worker took the name, credentials).
        fatal_message_ = std::string(HandleRegisterError(response.status()).message());
        calls_.Failed(response.status());
        StartDrain("registration refused");
      };
    });
    return;
  }
  if (!link_.ConnectDue()) return;
  v1::ConnectRequest request;
  request.set_worker_name(options_.worker_name);
  request.set_free_concurrency(DispatchFreeSlots());
  if (state_.queues().has_value()) {
    for (const std::string& q : *state_.queues()) request.mutable_queues()->add_names(q);
  }
  for (const v1::JobKey& key : runner_.RunningKeys()) *request.add_running_jobs() = key;
  link_.StartConnect(request);
}

void EdgeWorker::HandleReceivedEvents() {
  SidecarLink::Received received = link_.Take();
  for (const v1::ServerEvent& event : received.events) {
    switch (event.event_case()) {
      case v1::ServerEvent::kWelcome:
        if (!link_.connected()) {
          spdlog::info("Connected to the sidecar at {}", options_.controlplane_address);
          calls_.SidecarReachable();
          runner_.SidecarReachable();
        }
        link_.OnWelcome();
        ApplyServerView(event.welcome(), last_sent_state_);
        force_heartbeat_ = true;
        break;
      case v1::ServerEvent::kStateChange:
        ApplyServerView(event.state_change(), last_sent_state_);
        force_heartbeat_ = true;
        break;
      case v1::ServerEvent::kJob:
        OnJob(event.job());
        break;
      default:
        break;
    }
  }
  if (received.end.has_value()) {
    const absl::Status& end = *received.end;
    if (end.code() == absl::StatusCode::kUnauthenticated ||
        end.code() == absl::StatusCode::kPermissionDenied) {
      // Jobs keep running; the worker keeps trying (a renewed certificate or token file is
      // picked up without a restart).
      spdlog::error("The sidecar ended the event stream: {}", end.ToString());
    }
    link_.MarkDisconnected(end, options_.controlplane_address);
  }
}

void EdgeWorker::OnWorkerProblem(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    if (!fatal_message_.has_value()) {
      fatal_message_ = absl::StrCat(kVersionMismatch, " ", status.message());
      spdlog::error("{}", *fatal_message_);
    }
    StartDrain("version mismatch");
  } else if (status.code() == absl::StatusCode::kNotFound && !link_.need_register()) {
    spdlog::warn("The sidecar does not know this worker any more ({}); registering again",
                 std::string(status.message()));
    link_.RequireRegistration();
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeats

bool EdgeWorker::HeartbeatDue() const {
  const size_t active = runner_.Active();
  return force_heartbeat_ || deps_.clock->Now() - last_heartbeat_at_ >= heartbeat_interval_ ||
         state_.Reported(active > 0) != last_sent_state_ || active != jobs_at_last_heartbeat_;
}

void EdgeWorker::Heartbeat() {
  if (!calls_.Ready()) return;
  const size_t active = runner_.Active();
  const std::string sent_state = state_.Reported(active > 0);
  v1::HeartbeatRequest request;
  request.set_worker_name(options_.worker_name);
  *request.mutable_body() = StateBody(sent_state, static_cast<int>(active), false);
  request.set_free_concurrency(DispatchFreeSlots());
  force_heartbeat_ = false;
  // Evaluated off the loop; the next heartbeat carries the result (edge3 evaluates it in line).
  if (deps_.sysinfo_extension != nullptr) deps_.sysinfo_extension->Request();
  last_heartbeat_at_ = deps_.clock->Now();
  last_sent_state_ = sent_state;
  jobs_at_last_heartbeat_ = active;
  SidecarClient* sidecar = deps_.sidecar;
  calls_.Submit([this, sidecar, request, sent_state]() -> CallLane::Completion {
    absl::StatusOr<v1::HeartbeatResponse> response = sidecar->Heartbeat(request);
    return [this, response, sent_state] { OnHeartbeat(response, sent_state); };
  });
}

void EdgeWorker::OnHeartbeat(const absl::StatusOr<v1::HeartbeatResponse>& response,
                             const std::string& sent_state) {
  if (!response.ok()) {
    const absl::Status& s = response.status();
    OnWorkerProblem(s);
    const absl::Duration delay = calls_.Failed(s);
    if (s.code() == absl::StatusCode::kUnauthenticated ||
        s.code() == absl::StatusCode::kPermissionDenied) {
      spdlog::error("Heartbeat refused by the sidecar: {}", s.ToString());
    } else {
      spdlog::warn("Heartbeat failed ({}); next try in {}", s.ToString(),
                   absl::FormatDuration(delay));
    }
    force_heartbeat_ = true;  // the state it carried must still reach the centre
    ++heartbeats_failed_;
    return;
  }
  calls_.Succeeded();
  ++heartbeats_ok_;
  last_heartbeat_ok_ = deps_.clock->Now();
  spdlog::debug("Heartbeat sent state {}, server state {}", sent_state, response->state());
  if (response->heartbeat_interval_seconds() > 0) {
    heartbeat_interval_ = absl::Seconds(response->heartbeat_interval_seconds());
  }
  versions_match_ = response->versions_match();
  ApplyServerView(*response, sent_state);
}

void EdgeWorker::ApplyServerView(const v1::HeartbeatResponse& response,
                                 const std::string& sent_state) {
  const ServerViewReaction reaction = state_.ApplyServerView(ToServerView(response), sent_state);
  if (reaction.maintenance_entered) spdlog::info("Maintenance mode requested!");
  if (reaction.maintenance_exited) spdlog::info("Exit Maintenance mode requested!");
  if (reaction.shutdown_requested) {
    spdlog::info("Shutdown requested!");
    drain_started_at_ = deps_.clock->Now();
  }
  if (reaction.previous_concurrency.has_value()) {
    spdlog::info("Concurrency updated from {} to {} by remote request.",
                 *reaction.previous_concurrency, state_.concurrency());
  }
  // edge3 heartbeats again at once when the server's state differs from the one sent; a sticky
  // server state (shutdown request) would make that a storm, so only twice in a row.
  if (reaction.state_differs && consecutive_state_differs_ < 2) {
    ++consecutive_state_differs_;
    force_heartbeat_ = true;
  } else if (!reaction.state_differs) {
    consecutive_state_differs_ = 0;
  }
}

v1::WorkerStateBody EdgeWorker::StateBody(const std::string& state, int jobs_active,
                                          bool offline) const {
  StateBodyInput input;
  input.state = state;
  input.jobs_active = jobs_active;
  input.queues = state_.queues();
  input.maintenance_comments = state_.maintenance_comments();
  input.team_name = options_.team_name;
  input.versions = versions_;
  input.worker_start_time = worker_start_time_;
  input.concurrency = state_.concurrency();
  input.free_concurrency = FreeSlots();
  input.versions_match = versions_match_;
  input.offline = offline;
  input.edgectl_version = kEdgectlVersion;
  input.edgectl_instance = instance_.id;
  input.extended_sysinfo = extended_sysinfo_;
  input.extended_sysinfo_error = extended_sysinfo_error_;
  return BuildStateBody(input);
}

void EdgeWorker::TakeExtendedSysinfo() {
  if (deps_.sysinfo_extension == nullptr) return;
  std::optional<SysinfoExtensionResult> result = deps_.sysinfo_extension->TakeResult();
  if (!result.has_value()) return;
  // The first result goes out at once rather than a heartbeat interval later.
  if (!has_extended_sysinfo_) force_heartbeat_ = true;
  has_extended_sysinfo_ = true;
  if (result->error.ok()) {
    if (extended_sysinfo_error_.has_value()) spdlog::info("Extended sysinfo works again");
    extended_sysinfo_ = std::move(result->values);
    extended_sysinfo_error_.reset();
  } else {
    const std::string why(result->error.message());
    if (extended_sysinfo_error_ != why) {
      spdlog::warn("Failed to get extended sysinfo, skipping it: {}", why);
    }
    extended_sysinfo_.clear();
    extended_sysinfo_error_ = why;
  }
  // The status edge3 decides on: the function's, else its own (INFO, or WARNING on a mismatch).
  int status = versions_match_ ? 20 : 30;
  if (auto it = extended_sysinfo_.find("status"); it != extended_sysinfo_.end()) {
    if (it->second.has_int_value()) status = static_cast<int>(it->second.int_value());
    if (it->second.has_double_value()) status = static_cast<int>(it->second.double_value());
  }
  const AutomaticMaintenanceChange change = DecideAutomaticMaintenance(
      options_.automatic_maintenance, state_.maintenance(), state_.maintenance_comments(), status,
      deps_.clock->Now(), absl::LocalTimeZone());
  if (change.enter) {
    spdlog::info("Entering maintenance mode due to status {} in sysinfo.", LogLevelName(status));
    state_.SetMaintenance(true, change.comment);
    force_heartbeat_ = true;
  } else if (change.exit) {
    spdlog::info("Exiting maintenance mode due to status {} in sysinfo.", LogLevelName(status));
    state_.SetMaintenance(false, std::nullopt);
    force_heartbeat_ = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs

int EdgeWorker::DispatchFreeSlots(int released) const {
  if (!state_.AcceptsJobs()) return 0;
  if (runner_.Undelivered() >= static_cast<size_t>(options_.max_undelivered_jobs)) return 0;
  return std::max(FreeSlots() + released, 0);
}

void EdgeWorker::OnJob(const v1::Job& job) {
  const int slots = std::max(job.concurrency_slots(), 1);
  // A job not taken is not claimed: the sidecar takes it back after its ack timeout (protocol
  // §5), so refusing here loses nothing.
  if (!state_.AcceptsJobs()) {
    spdlog::warn("Not taking {}: the worker is {}; giving it back to the sidecar",
                 JobName(job.key()), state_.drain() ? "draining" : "in maintenance");
    runner_.Decline(job);
    return;
  }
  if (slots > FreeSlots() || DispatchFreeSlots() == 0) {
    spdlog::warn("Not taking {}: it needs {} slot(s), {} free; giving it back to the sidecar",
                 JobName(job.key()), slots, DispatchFreeSlots());
    runner_.Decline(job);
    return;
  }
  if (runner_.Accept(job)) {
    ++jobs_accepted_;
  } else {
    runner_.Decline(job);
  }
}

}  // namespace edgectl::worker
