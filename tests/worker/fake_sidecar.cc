#include "tests/worker/fake_sidecar.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/edge_states.h"
#include "google/protobuf/util/time_util.h"
#include "tests/airflow_double/worker_state_rules.h"

namespace edgectl::testing {

std::string JobId(const v1::JobKey& key) {
  return absl::StrCat(key.dag_id(), "|", key.task_id(), "|", key.run_id(), "|", key.try_number(),
                      "|", key.map_index());
}

class FakeSidecar::Service final : public v1::EdgeWorkerService::Service {
 public:
  explicit Service(FakeSidecar* owner) : owner_(owner) {}

  grpc::Status Register(grpc::ServerContext*, const v1::RegisterRequest* request,
                        v1::RegisterResponse* response) override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    owner_->registers_.push_back(*request);
    if (!owner_->register_error_.ok()) return owner_->register_error_;
    owner_->server_state_ = airflow_double::RedefineState(owner_->server_state_, request->body().state());
    response->set_versions_match(true);
    response->set_server_protocol_version(v1::PROTOCOL_VERSION_1);
    response->set_heartbeat_interval_seconds(owner_->heartbeat_interval_);
    return grpc::Status::OK;
  }

  grpc::Status Heartbeat(grpc::ServerContext*, const v1::HeartbeatRequest* request,
                         v1::HeartbeatResponse* response) override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    owner_->heartbeats_.push_back(*request);
    owner_->changed_.notify_all();
    if (owner_->heartbeat_error_.has_value()) return *owner_->heartbeat_error_;
    *response = owner_->ViewFor(request->body().state(), request->body());
    return grpc::Status::OK;
  }

  grpc::Status Connect(grpc::ServerContext* context, const v1::ConnectRequest* request,
                       grpc::ServerWriter<v1::ServerEvent>* writer) override {
    auto stream = std::make_shared<Stream>();
    v1::ServerEvent welcome;
    {
      std::lock_guard<std::mutex> lock(owner_->mutex_);
      owner_->connects_.push_back(*request);
      if (owner_->stream_ != nullptr) owner_->stream_->dropped = true;
      owner_->stream_ = stream;
      *welcome.mutable_welcome() = owner_->ViewFor(owner_->server_state_, v1::WorkerStateBody());
      owner_->changed_.notify_all();
    }
    if (!writer->Write(welcome)) return grpc::Status::CANCELLED;
    std::unique_lock<std::mutex> lock(owner_->mutex_);
    while (true) {
      owner_->changed_.wait_for(lock, std::chrono::milliseconds(50));
      if (stream->dropped || owner_->stopping_) {
        if (owner_->stream_ == stream) owner_->stream_.reset();
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream dropped by the fake sidecar");
      }
      if (context->IsCancelled()) {
        if (owner_->stream_ == stream) owner_->stream_.reset();
        return grpc::Status::CANCELLED;
      }
      while (!stream->events.empty()) {
        v1::ServerEvent event = stream->events.front();
        stream->events.pop_front();
        lock.unlock();
        const bool ok = writer->Write(event);
        lock.lock();
        if (!ok) {
          if (owner_->stream_ == stream) owner_->stream_.reset();
          return grpc::Status::CANCELLED;
        }
      }
    }
  }

  grpc::Status ClaimJob(grpc::ServerContext*, const v1::JobClaim* claim,
                        v1::JobClaimReply* reply) override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    owner_->claims_.push_back(*claim);
    if (claim->decline()) {
      reply->set_granted(false);
      reply->set_current_state("queued");
    } else if (owner_->refuse_claims_) {
      reply->set_granted(false);
      reply->set_current_state("queued");
    } else {
      reply->set_granted(true);
      bool& claimed = owner_->claimed_[JobId(claim->key())];
      if (!claimed) {
        claimed = true;
        v1::JobStateReport running;
        running.set_worker_name(claim->worker_name());
        *running.mutable_key() = claim->key();
        running.set_state("running");
        running.set_free_concurrency(-1);
        owner_->transitions_.push_back(running);
      }
    }
    owner_->changed_.notify_all();
    return grpc::Status::OK;
  }

  grpc::Status ReportJobState(grpc::ServerContext*, const v1::JobStateReport* report,
                              v1::JobStateAck* ack) override {
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    uint64_t& last = owner_->last_sequence_[JobId(report->key())];
    if (report->sequence() <= last) {
      ++owner_->duplicate_reports_;
      ack->set_duplicate(true);
    } else {
      last = report->sequence();
      owner_->applied_reports_.push_back(*report);
      owner_->transitions_.push_back(*report);
    }
    ack->set_applied_sequence(last);
    owner_->changed_.notify_all();
    return grpc::Status::OK;
  }

  grpc::Status PushLogs(grpc::ServerContext*, grpc::ServerReader<v1::LogChunk>* reader,
                        v1::PushLogsReply* reply) override {
    v1::LogChunk chunk;
    std::map<std::string, std::pair<v1::JobKey, uint64_t>> stored;
    std::lock_guard<std::mutex> lock(owner_->mutex_);
    while (reader->Read(&chunk)) {
      const int64_t time =
          google::protobuf::util::TimeUtil::TimestampToMicroseconds(chunk.chunk_time());
      auto& job_log = owner_->logs_[JobId(chunk.key())];
      if (job_log.count(time) == 0) {
        job_log[time] = {chunk.offset(), chunk.data()};
      } else {
        ++owner_->duplicate_log_chunks_;
      }
      auto& entry = stored[JobId(chunk.key())];
      entry.first = chunk.key();
      entry.second = std::max<uint64_t>(entry.second, chunk.offset() + chunk.data().size());
    }
    owner_->changed_.notify_all();
    if (owner_->fail_push_logs_after_store_ > 0) {
      --owner_->fail_push_logs_after_store_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "reply lost (fake)");
    }
    for (const auto& [id, entry] : stored) {
      v1::LogOffset* offset = reply->add_stored();
      *offset->mutable_key() = entry.first;
      offset->set_offset(entry.second);
    }
    return grpc::Status::OK;
  }

 private:
  FakeSidecar* owner_;
};

FakeSidecar::FakeSidecar() : service_(std::make_unique<Service>(this)) {}

FakeSidecar::~FakeSidecar() { Stop(); }

void FakeSidecar::Start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  grpc::ServerBuilder builder;
  int selected = 0;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port_), grpc::InsecureServerCredentials(),
                           &selected);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ != nullptr) port_ = selected;
}

void FakeSidecar::Stop() {
  if (server_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server_->Wait();
  server_.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  stream_.reset();
}

void FakeSidecar::SetRegisterError(grpc::Status status) {
  std::lock_guard<std::mutex> lock(mutex_);
  register_error_ = std::move(status);
}

void FakeSidecar::SetHeartbeatError(std::optional<grpc::Status> status) {
  std::lock_guard<std::mutex> lock(mutex_);
  heartbeat_error_ = std::move(status);
}

void FakeSidecar::SetHeartbeatInterval(int seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  heartbeat_interval_ = seconds;
}

void FakeSidecar::SetServerState(const std::string& state) {
  std::lock_guard<std::mutex> lock(mutex_);
  server_state_ = state;
}

void FakeSidecar::SetCentralConcurrency(std::optional<int> concurrency) {
  std::lock_guard<std::mutex> lock(mutex_);
  central_concurrency_ = concurrency;
}

void FakeSidecar::FailPushLogsAfterStore(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_push_logs_after_store_ = n;
}

v1::HeartbeatResponse FakeSidecar::ViewFor(const std::string& reported,
                                           const v1::WorkerStateBody& body) {
  server_state_ = airflow_double::RedefineState(server_state_, reported);
  v1::HeartbeatResponse view;
  view.set_state(server_state_);
  if (body.has_queues()) *view.mutable_queues() = body.queues();
  const bool maintenance = server_state_ == states::kMaintenanceRequest ||
                           server_state_ == states::kMaintenancePending ||
                           server_state_ == states::kMaintenanceMode;
  if (maintenance && body.has_maintenance_comments()) {
    view.set_maintenance_comments(body.maintenance_comments());
  }
  if (central_concurrency_.has_value()) view.set_concurrency(*central_concurrency_);
  view.set_versions_match(true);
  view.set_heartbeat_interval_seconds(heartbeat_interval_);
  return view;
}

bool FakeSidecar::PushJob(const v1::JobKey& key, const std::string& command, int slots) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stream_ == nullptr) return false;
  v1::ServerEvent event;
  *event.mutable_job()->mutable_key() = key;
  event.mutable_job()->set_command(command);
  event.mutable_job()->set_concurrency_slots(slots);
  event.mutable_job()->set_dispatch_id(next_dispatch_id_++);
  stream_->events.push_back(event);
  changed_.notify_all();
  return true;
}

bool FakeSidecar::PushStateChange(const v1::HeartbeatResponse& change) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stream_ == nullptr) return false;
  if (!change.state().empty()) server_state_ = change.state();
  v1::ServerEvent event;
  *event.mutable_state_change() = change;
  stream_->events.push_back(event);
  changed_.notify_all();
  return true;
}

void FakeSidecar::DropStream() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stream_ != nullptr) stream_->dropped = true;
  changed_.notify_all();
}

std::vector<v1::RegisterRequest> FakeSidecar::registers() {
  std::lock_guard<std::mutex> lock(mutex_);
  return registers_;
}

std::vector<v1::HeartbeatRequest> FakeSidecar::heartbeats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return heartbeats_;
}

std::vector<std::string> FakeSidecar::heartbeat_states() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& h : heartbeats_) out.push_back(h.body().state());
  return out;
}

std::vector<v1::JobStateReport> FakeSidecar::applied_reports() {
  std::lock_guard<std::mutex> lock(mutex_);
  return applied_reports_;
}

std::vector<v1::JobClaim> FakeSidecar::claims() {
  std::lock_guard<std::mutex> lock(mutex_);
  return claims_;
}

std::vector<v1::JobStateReport> FakeSidecar::transitions() {
  std::lock_guard<std::mutex> lock(mutex_);
  return transitions_;
}

void FakeSidecar::RefuseClaims(bool refuse) {
  std::lock_guard<std::mutex> lock(mutex_);
  refuse_claims_ = refuse;
}

int FakeSidecar::duplicate_reports() {
  std::lock_guard<std::mutex> lock(mutex_);
  return duplicate_reports_;
}

int FakeSidecar::duplicate_log_chunks() {
  std::lock_guard<std::mutex> lock(mutex_);
  return duplicate_log_chunks_;
}

std::vector<v1::ConnectRequest> FakeSidecar::connects() {
  std::lock_guard<std::mutex> lock(mutex_);
  return connects_;
}

bool FakeSidecar::stream_open() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stream_ != nullptr && !stream_->dropped;
}

std::string FakeSidecar::StoredLog(const v1::JobKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [time, chunk] : logs_[JobId(key)]) out += chunk.data;
  return out;
}

std::vector<int64_t> FakeSidecar::StoredChunkTimes(const v1::JobKey& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<int64_t> out;
  for (const auto& [time, chunk] : logs_[JobId(key)]) out.push_back(time);
  return out;
}

std::string FakeSidecar::server_state() {
  std::lock_guard<std::mutex> lock(mutex_);
  return server_state_;
}

bool FakeSidecar::WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

}  // namespace edgectl::testing
