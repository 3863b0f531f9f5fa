#include "worker/edge_worker.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/edge_states.h"
#include "spdlog/spdlog.h"
#include "worker/drain_escalation.h"
#include "worker/link_diagnosis.h"
#include "worker/local_files.h"
#include "worker/retry_after.h"
#include "worker/state_body.h"

namespace edgectl::worker {
namespace {

constexpr char kClientVersion[] = "edgectl 0.1.0";
constexpr char kVersionMismatch[] =
    "Version mismatch of Edge worker and Core. Shutting down worker.";
// After the last job of a drain ended, how long undelivered reports and logs may keep the worker.
constexpr absl::Duration kDrainFlushGrace = absl::Seconds(30);
constexpr size_t kMaxLogBatchBytes = 4 << 20;

ServerView ToServerView(const v1::HeartbeatResponse& response) {
  ServerView view;
  view.state = response.state();
  if (response.has_queues()) {
    view.queues = std::vector<std::string>(response.queues().names().begin(),
                                           response.queues().names().end());
  }
  if (response.has_maintenance_comments()) view.maintenance_comments = response.maintenance_comments();
  if (response.has_concurrency()) view.concurrency = response.concurrency();
  return view;
}

std::string JobName(const v1::JobKey& key) {
  return absl::StrCat("dag_id=", key.dag_id(), " task_id=", key.task_id(), " run_id=",
                      key.run_id(), " map_index=", key.map_index(), " try_number=",
                      key.try_number());
}

std::string TempStderrPath() {
  const char* tmp = getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/airflow-edge-task-stderr-XXXXXX.log");
  const int fd = mkstemps(pattern.data(), 4);
  if (fd >= 0) close(fd);
  return pattern;
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kCancelled ||
         status.code() == absl::StatusCode::kResourceExhausted;
}

}  // namespace

EdgeWorker::EdgeWorker(WorkerOptions options, InterpreterVersions versions,
                       TaskEnvironment task_env, EdgeWorkerDeps deps)
    : options_(std::move(options)),
      versions_(std::move(versions)),
      task_env_(std::move(task_env)),
      deps_(deps),
      state_(options_.concurrency, options_.queues),
      log_shipper_(options_.worker_name, kMaxLogBatchBytes),
      link_(deps.sidecar, deps.clock, deps.random, &wake_),
      drain_escalation_(options_.drain_timeout_sec, options_.drain_kill_grace_sec),
      heartbeat_interval_(absl::Seconds(options_.heartbeat_interval_sec)) {
  worker_start_time_ =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6S", deps_.clock->Now(), absl::LocalTimeZone());
}

EdgeWorker::~EdgeWorker() { deps_.sidecar->Disconnect(); }

int EdgeWorker::Run() {
  if (absl::Status registered = RegisterWithRetry(); !registered.ok()) {
    spdlog::error("{}", std::string(registered.message()));
    return 1;
  }
  if (absl::Status pid = WritePidFile(options_.paths.pid_file); !pid.ok()) {
    spdlog::error("{}", std::string(pid.message()));
    return 1;
  }
  EndLeftoverTaskGroups();
  if (absl::Status s = SignalPipe::Install({SIGINT, SIGTERM, SIGUSR2, SIGCHLD}); !s.ok()) {
    spdlog::error("{}", std::string(s.message()));
    return 1;
  }
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
  std::remove(options_.paths.job_groups_file.c_str());
  if (fatal_message_.has_value()) {
    spdlog::error("{}", *fatal_message_);
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Registration

absl::StatusOr<v1::RegisterResponse> EdgeWorker::RegisterOnce() {
  v1::RegisterRequest request;
  request.set_worker_name(options_.worker_name);
  request.set_protocol_version(v1::PROTOCOL_VERSION_1);
  request.set_client_version(kClientVersion);
  *request.mutable_body() = StateBody(state_.RegistrationState(), 0, false);
  absl::StatusOr<v1::RegisterResponse> response = deps_.sidecar->Register(request);
  if (response.ok()) {
    versions_match_ = response->versions_match();
    if (response->heartbeat_interval_seconds() > 0) {
      heartbeat_interval_ = absl::Seconds(response->heartbeat_interval_seconds());
    }
    link_.Registered();
  }
  return response;
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
    absl::StatusOr<v1::RegisterResponse> response = RegisterOnce();
    if (response.ok()) {
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

// ---------------------------------------------------------------------------------------------
// Orphan protection: process groups of running tasks are recorded so that a worker started
// after a crash (or SIGKILL) of its predecessor ends what PR_SET_PDEATHSIG did not.

void EdgeWorker::EndLeftoverTaskGroups() {
  absl::StatusOr<std::string> text = ReadWholeFile(options_.paths.job_groups_file);
  if (!text.ok()) return;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    int group = 0;
    if (!absl::SimpleAtoi(line, &group) || group <= 1) continue;
    if (kill(-group, 0) == 0) {
      spdlog::warn("Ending task process group {} left running by a previous worker", group);
      kill(-group, SIGKILL);
    }
  }
  std::remove(options_.paths.job_groups_file.c_str());
}

void EdgeWorker::RecordTaskGroups() {
  std::string content;
  for (const RunningJob& job : jobs_) absl::StrAppend(&content, job.pid, "\n");
  if (absl::Status s = WriteFileAtomically(options_.paths.job_groups_file, content); !s.ok()) {
    spdlog::warn("Cannot record task process groups: {}", std::string(s.message()));
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
  if (!state_.drain() || !jobs_.empty()) return false;
  const absl::Time now = deps_.clock->Now();
  if (!drained_at_.has_value()) drained_at_ = now;
  if (outbox_.empty() && !HasPendingLogs()) return true;
  if (now - *drained_at_ > kDrainFlushGrace) {
    spdlog::warn("Giving up on {} undelivered job state report(s) and pending log chunks: the "
                 "sidecar stayed unreachable",
                 outbox_.size());
    return true;
  }
  return false;
}

void EdgeWorker::Tick() {
  HandleSignals();
  HandleReceivedEvents();
  MaintainConnection();
  ReapJobs();
  if (link_.connected() && HeartbeatDue()) Heartbeat();
  ReadLogs();
  if (link_.connected()) {
    ShipLogs();
    if (!outbox_.empty()) {
      if (absl::Status s = outbox_.Flush(*deps_.sidecar); !s.ok()) {
        HandleCallError(s, "job state report");
      }
    }
  }
  EnforceDrainTimeout();
}

void EdgeWorker::WaitForWork() {
  pollfd fds[2] = {{SignalPipe::read_fd(), POLLIN, 0}, {wake_.read_fd(), POLLIN, 0}};
  poll(fds, 2, 100);
  wake_.Clear();
}

// ---------------------------------------------------------------------------------------------
// Connection

void EdgeWorker::MaintainConnection() {
  if (!link_.ConnectDue()) return;
  if (link_.need_register()) {
    absl::StatusOr<v1::RegisterResponse> response = RegisterOnce();
    if (!response.ok()) {
      if (response.status().code() == absl::StatusCode::kFailedPrecondition) {
        fatal_message_ = std::string(HandleRegisterError(response.status()).message());
        StartDrain("version mismatch");
      }
      spdlog::warn("Registering again failed: {}", response.status().ToString());
      link_.RetryLater();
      return;
    }
  }
  v1::ConnectRequest request;
  request.set_worker_name(options_.worker_name);
  request.set_free_concurrency(DispatchFreeSlots());
  if (state_.queues().has_value()) {
    for (const std::string& q : *state_.queues()) request.mutable_queues()->add_names(q);
  }
  for (const RunningJob& job : jobs_) *request.add_running_jobs() = job.key;
  link_.StartConnect(request);
}

void EdgeWorker::HandleReceivedEvents() {
  SidecarLink::Received received = link_.Take();
  for (const v1::ServerEvent& event : received.events) {
    switch (event.event_case()) {
      case v1::ServerEvent::kWelcome:
        if (!link_.connected()) {
          spdlog::info("Connected to the sidecar at {}", options_.controlplane_address);
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
  if (received.end.has_value()) MarkDisconnected(*received.end);
}

void EdgeWorker::MarkDisconnected(const absl::Status& status) {
  link_.MarkDisconnected(status, options_.controlplane_address);
}

void EdgeWorker::HandleCallError(const absl::Status& status, const char* what) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    fatal_message_ = absl::StrCat(kVersionMismatch, " ", status.message());
    spdlog::error("{}", *fatal_message_);
    StartDrain("version mismatch");
    return;
  }
  if (status.code() == absl::StatusCode::kUnauthenticated ||
      status.code() == absl::StatusCode::kPermissionDenied) {
    // Jobs keep running; the worker keeps trying (a renewed certificate or token file is
    // picked up without a restart).
    spdlog::error("{} refused by the sidecar: {}", what, status.ToString());
  } else {
    spdlog::warn("{} failed: {}", what, status.ToString());
  }
  if (IsRetryable(status) || status.code() == absl::StatusCode::kNotFound) {
    MarkDisconnected(status);
  }
}

// ---------------------------------------------------------------------------------------------
// Heartbeats

bool EdgeWorker::HeartbeatDue() const {
  return force_heartbeat_ || deps_.clock->Now() - last_heartbeat_at_ >= heartbeat_interval_ ||
         state_.Reported(!jobs_.empty()) != last_sent_state_ ||
         jobs_.size() != jobs_at_last_heartbeat_;
}

void EdgeWorker::Heartbeat() {
  const std::string sent_state = state_.Reported(!jobs_.empty());
  v1::HeartbeatRequest request;
  request.set_worker_name(options_.worker_name);
  *request.mutable_body() = StateBody(sent_state, static_cast<int>(jobs_.size()), false);
  request.set_free_concurrency(DispatchFreeSlots());
  force_heartbeat_ = false;
  last_heartbeat_at_ = deps_.clock->Now();
  last_sent_state_ = sent_state;
  jobs_at_last_heartbeat_ = jobs_.size();
  absl::StatusOr<v1::HeartbeatResponse> response = deps_.sidecar->Heartbeat(request);
  if (!response.ok()) {
    HandleCallError(response.status(), "Heartbeat");
    return;
  }
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
  return BuildStateBody(input);
}

// ---------------------------------------------------------------------------------------------
// Jobs

int EdgeWorker::UsedSlots() const {
  int used = 0;
  for (const RunningJob& job : jobs_) used += job.slots;
  return used;
}

void EdgeWorker::OnJob(const v1::Job& job) {
  const int slots = std::max(job.concurrency_slots(), 1);
  // Not acknowledging a job makes the sidecar requeue it after its ack timeout (protocol §5),
  // so refusing here loses nothing.
  if (!state_.AcceptsJobs()) {
    spdlog::warn("Not starting {}: the worker is {}; the sidecar will requeue it",
                 JobName(job.key()), state_.drain() ? "draining" : "in maintenance");
    return;
  }
  if (slots > FreeSlots()) {
    spdlog::warn("Not starting {}: it needs {} slot(s), {} free; the sidecar will requeue it",
                 JobName(job.key()), slots, FreeSlots());
    return;
  }
  for (const RunningJob& running : jobs_) {
    if (SameJob(running.key, job.key())) {
      spdlog::warn("Ignoring a second dispatch of running job {}", JobName(job.key()));
      return;
    }
  }
  StartJob(job);
}

void EdgeWorker::StartJob(const v1::Job& job) {
  spdlog::info("Received job: {}", JobName(job.key()));
  RunningJob running;
  running.key = job.key();
  running.slots = std::max(job.concurrency_slots(), 1);
  absl::StatusOr<WorkloadInfo> workload = ParseWorkload(job.command());
  std::string log_path;
  if (workload.ok() && workload->log_path.has_value()) {
    log_path = absl::StrCat(options_.base_log_folder, "/", *workload->log_path);
  }
  running.log = std::make_unique<LogTailer>(log_path, options_.push_log_chunk_size,
                                            options_.push_log_chunk_size, deps_.clock);
  if (!workload.ok()) {
    FailUnstartedJob(std::move(running), job.dispatch_id(), std::string(workload.status().message()));
    return;
  }
  running.stderr_path = TempStderrPath();
  absl::StatusOr<pid_t> pid = deps_.launcher->Launch(
      BuildTaskLaunchSpec(task_env_, job.command(), running.stderr_path));
  if (!pid.ok()) {
    std::remove(running.stderr_path.c_str());
    FailUnstartedJob(std::move(running), job.dispatch_id(), std::string(pid.status().message()));
    return;
  }
  running.pid = *pid;
  spdlog::info("Launched task subprocess pid={} for {}", running.pid, JobName(job.key()));
  const v1::JobKey key = running.key;
  jobs_.push_back(std::move(running));
  RecordTaskGroups();
  EnqueueReport(key, states::kJobRunning, job.dispatch_id());
}

void EdgeWorker::FailUnstartedJob(RunningJob job, uint64_t dispatch_id,
                                  const std::string& reason) {
  spdlog::error("Could not start {}: {}", JobName(job.key), reason);
  EnqueueReport(job.key, states::kJobRunning, dispatch_id);
  job.log->AppendText(absl::StrCat("Error executing job:\n", reason));
  finished_logs_.push_back({job.key, std::move(job.log)});
  EnqueueReport(job.key, states::kJobFailed, 0);
}

void EdgeWorker::EnqueueReport(const v1::JobKey& key, const char* state, uint64_t dispatch_id) {
  v1::JobStateReport report;
  report.set_worker_name(options_.worker_name);
  *report.mutable_key() = key;
  report.set_state(state);
  report.set_dispatch_id(dispatch_id);
  report.set_free_concurrency(DispatchFreeSlots());
  outbox_.Enqueue(std::move(report));
}

void EdgeWorker::ReapJobs() {
  for (size_t i = 0; i < jobs_.size();) {
    std::optional<int> exit_code = deps_.launcher->TryReap(jobs_[i].pid);
    if (exit_code.has_value()) {
      FinishJob(i, *exit_code);
    } else {
      ++i;
    }
  }
}

void EdgeWorker::FinishJob(size_t index, int exit_code) {
  RunningJob job = std::move(jobs_[index]);
  jobs_.erase(jobs_.begin() + static_cast<long>(index));
  RecordTaskGroups();
  if (options_.push_logs) {
    if (absl::Status s = job.log->ReadNew(/*final=*/true); !s.ok()) {
      spdlog::warn("Log file {} vanished while reading, ignoring: {}", job.log->path(), std::string(s.message()));
    }
  }
  if (exit_code == 0) {
    spdlog::info("Job completed: {}", JobName(job.key));
  } else {
    absl::StatusOr<std::string> details = ReadWholeFile(job.stderr_path);
    spdlog::error("Job failed (exit code {}): {}", exit_code, JobName(job.key));
    job.log->AppendText(absl::StrCat("Error executing job:\n", details.value_or("")));
  }
  std::remove(job.stderr_path.c_str());
  if (job.log->HasPending()) finished_logs_.push_back({job.key, std::move(job.log)});
  // The failure text should reach the log before the state says "failed".
  if (link_.connected()) ShipLogs();
  EnqueueReport(job.key, exit_code == 0 ? states::kJobSuccess : states::kJobFailed, 0);
}

// ---------------------------------------------------------------------------------------------
// Logs

void EdgeWorker::ReadLogs() {
  const absl::Time now = deps_.clock->Now();
  if (!options_.push_logs || now - last_log_read_at_ < options_.log_push_interval) {
    return;
  }
  last_log_read_at_ = now;
  for (RunningJob& job : jobs_) {
    if (absl::Status s = job.log->ReadNew(/*final=*/false); !s.ok()) {
      spdlog::warn("Log file {} could not be read, ignoring: {}", job.log->path(), std::string(s.message()));
    }
  }
}

bool EdgeWorker::HasPendingLogs() const {
  for (const RunningJob& job : jobs_) {
    if (job.log->HasPending()) return true;
  }
  return !finished_logs_.empty();
}

void EdgeWorker::ShipLogs() {
  // A few batches per tick at most, so a flood of log bytes does not starve heartbeats.
  for (int batch = 0; batch < 4 && HasPendingLogs(); ++batch) {
    std::vector<JobLog> logs;
    for (FinishedLog& finished : finished_logs_) logs.push_back({&finished.key, finished.log.get()});
    for (RunningJob& job : jobs_) logs.push_back({&job.key, job.log.get()});
    if (absl::Status s = log_shipper_.ShipOnce(*deps_.sidecar, logs); !s.ok()) {
      HandleCallError(s, "Log push");
      return;
    }
    finished_logs_.erase(
        std::remove_if(finished_logs_.begin(), finished_logs_.end(),
                       [](const FinishedLog& f) { return !f.log->HasPending(); }),
        finished_logs_.end());
  }
}

void EdgeWorker::PushNoticeToAllJobs(const std::string& message) {
  for (RunningJob& job : jobs_) job.log->AppendText(message + "\n");
  if (link_.connected()) ShipLogs();
}

// ---------------------------------------------------------------------------------------------
// Signals, drain, status

void EdgeWorker::HandleSignals() {
  for (int signal : SignalPipe::Drain()) {
    switch (signal) {
      case SIGINT:
        StartDrain("SIGINT");
        break;
      case SIGTERM:
        if (!state_.drain()) {
          StartDrain(nullptr);
          spdlog::info("SIGTERM received. Sending SIGTERM to all jobs and quit");
          PushNoticeToAllJobs("Edge worker received external SIGTERM; terminating task supervisor.");
          SignalJobs(SIGTERM, /*whole_group=*/false);
        }
        break;
      case SIGUSR2:
        OnStatusSignal();
        break;
      default:
        break;  // SIGCHLD only wakes the loop; ReapJobs does the work
    }
  }
}

void EdgeWorker::StartDrain(const char* reason) {
  if (!state_.StartDrain()) return;
  drain_started_at_ = deps_.clock->Now();
  if (reason == nullptr) return;
  spdlog::info("Request to shut down Edge Worker received, waiting for jobs to complete. {}",
               drain_escalation_.PolicyDescription());
}

void EdgeWorker::OnStatusSignal() {
  absl::StatusOr<std::string> marker_text = ReadWholeFile(options_.paths.marker_file);
  if (marker_text.ok()) {
    absl::StatusOr<MaintenanceMarker> marker = MarkerFromJson(*marker_text);
    if (marker.ok()) {
      spdlog::info("Requested to set maintenance mode to {}", marker->on ? "on" : "off");
      if (marker->on && marker->comments) spdlog::info("Comments: {}", *marker->comments);
      state_.SetMaintenance(marker->on, marker->comments);
      force_heartbeat_ = true;
    } else {
      spdlog::error("Ignoring maintenance marker {}: {}", options_.paths.marker_file,
                    std::string(marker.status().message()));
    }
    std::remove(options_.paths.marker_file.c_str());
  } else {
    spdlog::info("Request to get status of Edge Worker received.");
  }
  if (force_heartbeat_ && link_.connected()) Heartbeat();
  WriteStatusFile();
}

void EdgeWorker::WriteStatusFile() {
  WorkerStatusFile status;
  status.job_count = static_cast<int>(jobs_.size());
  for (const RunningJob& job : jobs_) {
    status.jobs.emplace_back(job.key.dag_id(), job.key.task_id(), job.key.run_id(),
                             job.key.try_number(), job.key.map_index());
  }
  status.state = state_.Reported(!jobs_.empty());
  status.maintenance = state_.maintenance();
  status.maintenance_comments = state_.maintenance_comments();
  status.drain = state_.drain();
  if (absl::Status s = WriteFileAtomically(options_.paths.status_file, StatusToJson(status));
      !s.ok()) {
    spdlog::error("Cannot write status file: {}", std::string(s.message()));
  }
}

void EdgeWorker::EnforceDrainTimeout() {
  if (!state_.drain() || jobs_.empty()) return;
  const DrainEscalation::Step step = drain_escalation_.Check(drain_started_at_, deps_.clock->Now());
  if (step.action == DrainEscalation::Action::kNone) return;
  const bool kill = step.action == DrainEscalation::Action::kKill;
  if (kill) {
    spdlog::warn("Drain kill grace of {}s exceeded with {} job(s) still running. Sending SIGKILL "
                 "and exiting.",
                 options_.drain_kill_grace_sec, jobs_.size());
  } else {
    spdlog::warn("Drain timeout of {}s exceeded with {} job(s) still running. Sending SIGTERM.",
                 options_.drain_timeout_sec, jobs_.size());
  }
  PushNoticeToAllJobs(step.notice);
  // After SIGKILL the jobs are reaped by the next ticks, so their failure is still reported.
  SignalJobs(kill ? SIGKILL : SIGTERM, /*whole_group=*/kill);
}

void EdgeWorker::SignalJobs(int signal, bool whole_group) {
  for (const RunningJob& job : jobs_) deps_.launcher->Signal(job.pid, signal, whole_group);
}

}  // namespace edgectl::worker
