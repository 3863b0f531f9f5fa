#include "bench/edgectl_fleet.h"

#include <algorithm>
#include <queue>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace edgectl::bench {
namespace {

constexpr int kRegisterThreads = 32;
const absl::Duration kCallDeadline = absl::Seconds(30);
// Connects opened per second while the fleet comes up: under the sidecar's default admission
// rate (500 a second), as workers starting across a fleet spread out.
constexpr int kConnectsPerSecond = 400;

std::chrono::system_clock::time_point DeadlineIn(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

// Keeps request, reply and context of one asynchronous unary call alive until its callback.
template <typename Request, typename Reply>
struct AsyncCall {
  grpc::ClientContext context;
  Request request;
  Reply reply;
};

}  // namespace

// One worker's Connect stream; hands pushed jobs to the fleet.
class WorkerStream final : public grpc::ClientReadReactor<v1::ServerEvent> {
 public:
  WorkerStream(EdgectlFleet* fleet, int worker, v1::EdgeWorkerService::Stub& stub,
               v1::ConnectRequest request)
      : fleet_(fleet), worker_(worker), request_(std::move(request)) {
    fleet_->Prepare(worker_, context_);
    context_.set_deadline(std::chrono::system_clock::time_point::max());  // a stream: no deadline
    stub.async()->Connect(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (event_.has_job()) fleet_->OnJob(worker_, event_.job());
    if (event_.has_welcome()) {
      absl::MutexLock lock(&mu_);
      welcomed_ = true;
    }
    StartRead(&event_);
  }

  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
    status_ = status;
  }

  bool WaitForWelcome(absl::Time deadline) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return welcomed_ || done_; };
    mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
    return welcomed_;
  }

  std::string Failure() {
    absl::MutexLock lock(&mu_);
    return done_ ? status_.error_message() : "no welcome event in time";
  }

  // Ended because the sidecar asked to come back later (admission pacing, limits).
  bool ToldToRetry() {
    absl::MutexLock lock(&mu_);
    return done_ && (status_.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     status_.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }

  void Cancel() {
    context_.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

 private:
  EdgectlFleet* const fleet_;
  const int worker_;
  grpc::ClientContext context_;
  v1::ConnectRequest request_;
  v1::ServerEvent event_;
  absl::Mutex mu_;
  bool welcomed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

EdgectlFleet::EdgectlFleet(const std::string& sidecar_address, const std::string& ca_pem,
                           int workers, int concurrency, std::string airflow_version,
                           std::string edge_provider_version, int workers_per_connection)
    : workers_(workers),
      concurrency_(concurrency),
      airflow_version_(std::move(airflow_version)),
      edge_provider_version_(std::move(edge_provider_version)),
      active_jobs_(new std::atomic<int>[workers]) {
  for (int i = 0; i < workers; ++i) {
    active_jobs_[i] = 0;
    tokens_.push_back(grpc::AccessTokenCredentials(TokenOf(i)));
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  const int per = std::clamp(workers_per_connection, 1, kMaxWorkersPerConnection);
  const int channels = (workers + per - 1) / per;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("edgectl.bench.channel", i);  // distinct arguments -> a distinct connection
    // Thousands of channels in one process: no per-channel subchannel pool sharing surprises.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs_.push_back(v1::EdgeWorkerService::NewStub(
        grpc::CreateCustomChannel(sidecar_address, grpc::SslCredentials(ssl), args)));
  }
}

EdgectlFleet::~EdgectlFleet() { DisconnectAll(); }

void EdgectlFleet::DisconnectAll() {
  for (auto& stream : streams_) stream->Cancel();
  // Acknowledgements still in flight reference this fleet.
  const absl::Time deadline = absl::Now() + kCallDeadline;
  while (calls_in_flight_.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  streams_.clear();
  stubs_.clear();  // the last reference to each channel: its connection closes
}

std::string EdgectlFleet::QueueOf(int worker) { return absl::StrFormat("edgectl-q%04d", worker); }
std::string EdgectlFleet::NameOf(int worker) { return absl::StrFormat("edgectl-w%04d", worker); }
std::string EdgectlFleet::TokenOf(int worker) { return "edgectl_wt_bench_" + NameOf(worker); }

std::vector<std::pair<std::string, std::string>> EdgectlFleet::Tokens() const {
  std::vector<std::pair<std::string, std::string>> tokens;
  for (int i = 0; i < workers_; ++i) tokens.emplace_back(NameOf(i), TokenOf(i));
  return tokens;
}

void EdgectlFleet::Prepare(int worker, grpc::ClientContext& context) const {
  context.set_credentials(tokens_[worker]);
  context.set_deadline(DeadlineIn(kCallDeadline));
}

v1::EdgeWorkerService::Stub& EdgectlFleet::StubFor(int worker) const {
  // Consecutive workers share a connection (at most `per` each).
  const size_t per = (workers_ + stubs_.size() - 1) / stubs_.size();
  return *stubs_[worker / per];
}

v1::WorkerStateBody EdgectlFleet::IdleBody(int worker) const {
  v1::WorkerStateBody body;
  body.set_state("idle");
  body.mutable_queues()->add_names(QueueOf(worker));
  auto& sysinfo = *body.mutable_sysinfo();
  sysinfo["airflow_version"].set_string_value(airflow_version_);
  sysinfo["edge_provider_version"].set_string_value(edge_provider_version_);
  sysinfo["concurrency"].set_int_value(concurrency_);
  sysinfo["free_concurrency"].set_int_value(concurrency_);
  return body;
}

absl::Status EdgectlFleet::RegisterAll() {
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status first_error;
  auto register_some = [&] {
    for (int i = next++; i < workers_; i = next++) {
      v1::RegisterRequest request;
      request.set_worker_name(NameOf(i));
      request.set_protocol_version(v1::PROTOCOL_VERSION_1);
      request.set_client_version("edge-bench");
      *request.mutable_body() = IdleBody(i);
      request.mutable_body()->set_state("starting");
      v1::RegisterResponse reply;
      grpc::Status s;
      // The sidecar admits so many registrations a second and tells the rest to come back.
      for (int attempt = 0; attempt < 30; ++attempt) {
        grpc::ClientContext context;
        Prepare(i, context);
        s = StubFor(i).Register(&context, request, &reply);
        if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
            s.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
          break;
        }
        absl::SleepFor(absl::Seconds(1));
      }
      absl::MutexLock lock(&mu);
      if (!s.ok() && first_error.ok()) {
        first_error = absl::UnavailableError(
            absl::StrFormat("register %s: %s", NameOf(i), s.error_message()));
      }
      if (s.ok()) heartbeat_interval_seconds_ = reply.heartbeat_interval_seconds();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kRegisterThreads; ++t) threads.emplace_back(register_some);
  for (std::thread& t : threads) t.join();
  return first_error;
}

absl::Status EdgectlFleet::ConnectAll(absl::Duration timeout) {
  auto open = [this](int i) {
    v1::ConnectRequest request;
    request.set_worker_name(NameOf(i));
    request.set_free_concurrency(concurrency_);
    request.mutable_queues()->add_names(QueueOf(i));
    return std::make_unique<WorkerStream>(this, i, StubFor(i), std::move(request));
  };
  // Opens the streams of `which`, at most kConnectsPerSecond a second.
  auto open_paced = [&](const std::vector<int>& which) {
    absl::Time second = absl::Now();
    int in_second = 0;
    for (int i : which) {
      if (in_second == kConnectsPerSecond) {
        absl::SleepFor(second + absl::Seconds(1) - absl::Now());
        second = absl::Now();
        in_second = 0;
      }
      streams_[i] = open(i);
      ++in_second;
    }
  };
  streams_.resize(workers_);
  std::vector<int> pending(workers_);
  for (int i = 0; i < workers_; ++i) pending[i] = i;
  const absl::Time deadline = absl::Now() + timeout;
  while (!pending.empty()) {
    open_paced(pending);
    // A stream the sidecar turned away for now is opened again a second later, as a worker does.
    std::vector<int> retry;
    for (int i : pending) {
      if (streams_[i]->WaitForWelcome(deadline)) continue;
      if (!streams_[i]->ToldToRetry() || absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrFormat("connect %s: %s", NameOf(i), streams_[i]->Failure()));
      }
      retry.push_back(i);
    }
    if (!retry.empty()) absl::SleepFor(absl::Seconds(1));
    pending = std::move(retry);
  }
  return absl::OkStatus();
}

void EdgectlFleet::OnJob(int worker, const v1::Job& job) {
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    timings_[job.key().task_id()] = JobTiming{now, absl::InfinitePast(), false};
  }
  ++active_jobs_[worker];
  using Call = AsyncCall<v1::JobClaim, v1::JobClaimReply>;
  auto call = std::make_shared<Call>();
  Prepare(worker, call->context);
  call->request.set_worker_name(NameOf(worker));
  *call->request.mutable_key() = job.key();
  call->request.set_dispatch_id(job.dispatch_id());
  call->request.set_free_concurrency(std::max(0, concurrency_ - active_jobs_[worker].load()));
  ++calls_in_flight_;
  StubFor(worker).async()->ClaimJob(
      &call->context, &call->request, &call->reply, [this, call, worker, job](grpc::Status s) {
        const bool granted = s.ok() && call->reply.granted();
        RecordAcknowledgement(job.key().task_id(), granted);
        // The task "ran": report success at once, as a very short task would.
        if (granted) ReportSuccess(worker, job);
        --calls_in_flight_;
      });
}

void EdgectlFleet::ReportSuccess(int worker, const v1::Job& job) {
  using Call = AsyncCall<v1::JobStateReport, v1::JobStateAck>;
  auto call = std::make_shared<Call>();
  Prepare(worker, call->context);
  call->request.set_worker_name(NameOf(worker));
  *call->request.mutable_key() = job.key();
  call->request.set_state("success");
  call->request.set_sequence(next_sequence_++);
  --active_jobs_[worker];
  call->request.set_free_concurrency(std::max(0, concurrency_ - active_jobs_[worker].load()));
  ++calls_in_flight_;
  StubFor(worker).async()->ReportJobState(&call->context, &call->request, &call->reply,
                                          [this, call](grpc::Status s) {
                                            {
                                              absl::MutexLock lock(&mu_);
                                              ++success_reports_;
                                              last_success_report_ = absl::Now();
                                              if (s.ok()) ++success_reports_ok_;
                                            }
                                            --calls_in_flight_;
                                          });
}

void EdgectlFleet::RecordAcknowledgement(const std::string& task_id, bool ok) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  JobTiming& timing = timings_[task_id];
  if (ok) {
    timing.running_acknowledged = now;
  } else {
    timing.acknowledgement_failed = true;
  }
  ++acknowledged_;
}

std::map<std::string, JobTiming> EdgectlFleet::Timings() const {
  absl::MutexLock lock(&mu_);
  return timings_;
}

bool EdgectlFleet::WaitForAcknowledgements(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto ready = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return acknowledged_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
}

void EdgectlFleet::WaitForSuccessReports(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto ready = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return success_reports_ >= n; };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
}

size_t EdgectlFleet::SuccessReports() const {
  absl::MutexLock lock(&mu_);
  return success_reports_;
}

int64_t EdgectlFleet::SuccessReportsOk() const {
  absl::MutexLock lock(&mu_);
  return success_reports_ok_;
}

absl::Time EdgectlFleet::LastSuccessReport() const {
  absl::MutexLock lock(&mu_);
  return last_success_report_;
}

HeartbeatTally EdgectlFleet::RunHeartbeats(absl::Duration interval, absl::Duration window,
                                           std::mt19937& rng) {
  using Due = std::pair<absl::Time, int>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> schedule;
  const absl::Time start = absl::Now();
  const absl::Time end = start + window;
  std::uniform_real_distribution<double> phase(0, absl::ToDoubleSeconds(interval));
  for (int i = 0; i < workers_; ++i) schedule.push({start + absl::Seconds(phase(rng)), i});
  auto tally = std::make_shared<HeartbeatTally>();
  auto tally_mu = std::make_shared<absl::Mutex>();
  while (!schedule.empty() && schedule.top().first < end) {
    const auto [due, worker] = schedule.top();
    schedule.pop();
    absl::SleepFor(due - absl::Now());
    using Call = AsyncCall<v1::HeartbeatRequest, v1::HeartbeatResponse>;
    auto call = std::make_shared<Call>();
    Prepare(worker, call->context);
    call->request.set_worker_name(NameOf(worker));
    *call->request.mutable_body() = IdleBody(worker);
    call->request.set_free_concurrency(concurrency_);
    ++calls_in_flight_;
    StubFor(worker).async()->Heartbeat(&call->context, &call->request, &call->reply,
                                       [this, call, tally, tally_mu](grpc::Status s) {
                                         {
                                           absl::MutexLock lock(tally_mu.get());
                                           ++tally->sent;
                                           if (!s.ok()) ++tally->failed;
                                         }
                                         --calls_in_flight_;
                                       });
    schedule.push({due + interval, worker});
  }
  absl::SleepFor(end - absl::Now());
  const absl::Time deadline = absl::Now() + kCallDeadline;
  while (calls_in_flight_.load() > 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  absl::MutexLock lock(tally_mu.get());
  return *tally;
}

}  // namespace edgectl::bench
