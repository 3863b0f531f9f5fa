#include "tests/airflow_double/airflow_api_double.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/database_url.h"
#include "controlplane/db/pg_status.h"
#include "controlplane/db/schema_revision.h"
#include "tests/airflow_double/edge3_versions.h"
#include "tests/airflow_double/edge_routes.h"
#include "tests/airflow_double/execution_routes.h"
#include "tests/airflow_double/jwt_validator.h"
#include "tests/airflow_double/pg_pool.h"

namespace edgectl::airflow_double {
namespace {

constexpr char kPrefix[] = "/edge_worker/v1/";
constexpr char kControlPrefix[] = "/_double/";  // counters and faults for other processes
constexpr char kJob[] = "([^/]+)/([^/]+)/([^/]+)/(-?[0-9]+)/(-?[0-9]+)";

constexpr const char* kEndpointNames[kEndpointCount] = {
    "register", "set_state", "update_queues", "fetch", "job_state", "logfile_path", "push_logs",
    "health", "other"};

Endpoint Classify(const std::string& method, const std::string& path) {
  if (!absl::StartsWith(path, kPrefix)) return Endpoint::kOther;
  const std::string rest = path.substr(sizeof(kPrefix) - 1);
  if (rest == "health") return Endpoint::kHealth;
  if (absl::StartsWith(rest, "worker/queues/") && method == "PATCH") return Endpoint::kUpdateQueues;
  if (absl::StartsWith(rest, "worker/")) {
    return method == "POST" ? Endpoint::kRegister : method == "PATCH" ? Endpoint::kSetState
                                                                      : Endpoint::kOther;
  }
  if (absl::StartsWith(rest, "jobs/fetch/")) return Endpoint::kFetch;
  if (absl::StartsWith(rest, "jobs/state/")) return Endpoint::kJobState;
  if (absl::StartsWith(rest, "logs/logfile_path/")) return Endpoint::kLogfilePath;
  if (absl::StartsWith(rest, "logs/push/")) return Endpoint::kPushLogs;
  return Endpoint::kOther;
}

void Send(httplib::Response& res, const Reply& reply) {
  // uvicorn sends Date on every reply; clients use it to diagnose clock skew.
  res.set_header("Date", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone()));
  res.set_header("Server", "uvicorn");
  res.status = reply.status;
  const bool json = reply.status != 500;
  res.set_content(reply.body, json ? "application/json" : "text/plain; charset=utf-8");
}

bridge::JobKey JobFromMatches(const httplib::Request& req) {
  bridge::JobKey key;
  key.dag_id = req.matches[1];
  key.task_id = req.matches[2];
  key.run_id = req.matches[3];
  key.try_number = std::stoi(req.matches[4]);
  key.map_index = std::stoi(req.matches[5]);
  return key;
}

}  // namespace

absl::Status AirflowApiDoubleOptions::Validate() const {
  if (dsn.empty()) return absl::InvalidArgumentError("the Airflow double needs --dsn (edge3 database)");
  if (jwt_secret.empty()) {
    return absl::InvalidArgumentError("the Airflow double needs a JWT secret ([api_auth] jwt_secret)");
  }
  if (jwt_leeway < 0) return absl::InvalidArgumentError("jwt_leeway must not be negative");
  if (jwks.has_value()) {
    if (absl::Status s = jwks->Validate(); !s.ok()) return s;
  }
  if (port < 0 || port > 65535) return absl::InvalidArgumentError("port must be 0..65535");
  if (threads < 1) return absl::InvalidArgumentError("threads must be at least 1");
  return absl::OkStatus();
}

absl::StatusOr<EdgeRoutesOptions> AirflowApiDouble::RoutesOptions(const std::string& dsn) const {
  EdgeRoutesOptions routes{options_.airflow_version, options_.edge_provider_version,
                           options_.base_log_folder, options_.claimed_job_state};
  absl::StatusOr<db::DetectedSchema> schema = db::RunPg("read the edge3 schema", [&] {
    pqxx::connection conn(dsn);
    pqxx::read_transaction tx(conn);
    return db::DetectSchemaIn(tx);
  });
  if (!schema.ok()) return schema.status();
  routes.priority_weight = schema->has_priority_weight;
  if (!options_.edge3_version.empty()) {
    absl::StatusOr<Edge3VersionMode> mode = FindEdge3VersionMode(options_.edge3_version);
    if (!mode.ok()) return mode.status();
    if (schema->StampText() != mode->schema_revision) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the double as edge3 ", mode->name, " needs a database at schema revision ",
          mode->schema_revision, "; this one is at ", schema->StampText()));
    }
    routes.task_instance_ids = mode->task_instance_ids;
    routes.claimed_job_state = mode->claimed_job_state;
    routes.comment_merge = mode->comment_merge;
  }
  if (!options_.comment_merge.empty()) {
    absl::StatusOr<CommentMerge> merge = ParseCommentMerge(options_.comment_merge);
    if (!merge.ok()) return merge.status();
    routes.comment_merge = *merge;
  }
  return routes;
}

AirflowApiDouble::AirflowApiDouble(AirflowApiDoubleOptions options)
    : options_(std::move(options)), delay_(absl::ZeroDuration()) {}

AirflowApiDouble::~AirflowApiDouble() { Stop(); }

absl::StatusOr<int> AirflowApiDouble::Start() {
  if (absl::Status status = options_.Validate(); !status.ok()) return status;
  absl::StatusOr<DatabaseUrl> url = ParseDatabaseUrl(options_.dsn);
  if (!url.ok()) return url.status();
  pool_ = std::make_unique<PgPool>(url->libpq_dsn());
  if (options_.jwks.has_value()) jwks_ = std::make_unique<JwksValidator>(*options_.jwks);
  absl::StatusOr<EdgeRoutesOptions> routes = RoutesOptions(url->libpq_dsn());
  if (!routes.ok()) return routes.status();
  routes_ = std::make_unique<EdgeRoutes>(pool_.get(), *std::move(routes));
  execution_ = std::make_unique<ExecutionRoutes>(*pool_, options_.jwt_secret);
  server_ = std::make_unique<httplib::Server>();
  const int threads = options_.threads;
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);  // uvicorn does not cap requests per connection  // replies go out in two writes; no Nagle delay
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  InstallRoutes();
  port_ = options_.port == 0 ? server_->bind_to_any_port(options_.host)
                             : (server_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("the Airflow double cannot listen on ", options_.host,
                                               ":", options_.port, " (port in use?)"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the loop runs would be lost, leaving Stop() joining forever.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  if (!server_->is_running()) return absl::InternalError("the Airflow double's HTTP server did not start");
  return port_;
}

void AirflowApiDouble::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string AirflowApiDouble::api_url() const {
  return absl::StrCat("http://", options_.host, ":", port_, kPrefix);
}

int64_t AirflowApiDouble::RequestCount(Endpoint endpoint) const {
  return counts_[static_cast<int>(endpoint)].load();
}

int64_t AirflowApiDouble::TotalRequests() const {
  int64_t total = 0;
  for (const auto& c : counts_) total += c.load();
  return total;
}

void AirflowApiDouble::ResetCounters() {
  for (auto& c : counts_) c.store(0);
}

void AirflowApiDouble::SetFaults(double fail_fraction, absl::Duration delay) {
  absl::MutexLock lock(&fault_mu_);
  fail_fraction_ = fail_fraction;
  delay_ = delay;
}

bool AirflowApiDouble::InjectFault() {
  absl::Duration delay;
  bool fail = false;
  {
    absl::MutexLock lock(&fault_mu_);
    delay = delay_;
    if (fail_fraction_ > 0) {
      fault_state_ ^= fault_state_ << 13;
      fault_state_ ^= fault_state_ >> 7;
      fault_state_ ^= fault_state_ << 17;
      fail = static_cast<double>(fault_state_ >> 11) / static_cast<double>(1ULL << 53) < fail_fraction_;
    }
  }
  if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
  return fail;
}

void AirflowApiDouble::InstallControlRoutes() {
  server_->Get("/_double/counts", [this](const httplib::Request&, httplib::Response& res) {
    nlohmann::ordered_json counts;
    for (int i = 0; i < kEndpointCount; ++i) counts[kEndpointNames[i]] = counts_[i].load();
    counts["total"] = TotalRequests();
    Send(res, JsonReply(counts));
  });
  server_->Put("/_double/faults", [this](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.value("fail_fraction", nlohmann::json(0.0)).is_number() ||
        !body.value("delay_ms", nlohmann::json(0)).is_number()) {
      Send(res, DetailReply(422, "expected {\"fail_fraction\": 0..1, \"delay_ms\": n}"));
      return;
    }
    SetFaults(body.value("fail_fraction", 0.0), absl::Milliseconds(body.value("delay_ms", 0.0)));
    Send(res, Reply{});
  });
  server_->Get("/_double/execution", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(execution_->Snapshot().dump(), "application/json");
  });
  server_->Delete("/_double/execution", [this](const httplib::Request&, httplib::Response& res) {
    execution_->Reset();
    Send(res, Reply{});
  });
  server_->Delete("/_double/counts", [this](const httplib::Request&, httplib::Response& res) {
    ResetCounters();
    Send(res, Reply{});
  });
}

void AirflowApiDouble::InstallRoutes() {
  httplib::Server& s = *server_;
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (absl::StartsWith(req.path, kControlPrefix)) return httplib::Server::HandlerResponse::Unhandled;
    counts_[static_cast<int>(Classify(req.method, req.path))]++;
    if (!InjectFault()) return httplib::Server::HandlerResponse::Unhandled;
    Send(res, DetailReply(503, "Service Unavailable (injected by the Airflow double)"));
    return httplib::Server::HandlerResponse::Handled;
  });
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) Send(res, DetailReply(404, "Not Found"));
  });

  // Every v1 route but health checks the token against the decoded path, as edge3 does.
  auto authed = [this](auto handler) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      const std::string method_path = req.path.substr(sizeof(kPrefix) - 1);
      if (!req.has_header("Authorization")) {  // FastAPI: a required Header() is missing
        nlohmann::ordered_json missing = {{"type", "missing"},
                                          {"loc", {"header", "authorization"}},
                                          {"msg", "Field required"},
                                          {"input", nullptr}};
        Send(res, JsonReply(nlohmann::ordered_json{{"detail", {missing}}}, 422));
        return;
      }
      const std::string token = req.get_header_value("Authorization");
      absl::Status valid =
          jwks_ ? jwks_->ValidateToken(token, absl::Now())
                : ValidateWorkerToken(JwtValidatorOptions{options_.jwt_secret, options_.jwt_leeway,
                                                          options_.jwt_issuer},
                                      token, method_path, absl::Now());
      if (!valid.ok()) {
        spdlog::warn("airflow double: 403 for {} {}: {}", req.method, req.path, std::string(valid.message()));
        Send(res, DetailReply(403, ForbiddenDetail()));
        return;
      }
      Send(res, handler(req));
    };
  };
  const std::string v1 = "/edge_worker/v1/";
  s.Patch(v1 + "worker/queues/([^/]+)", authed([this](const httplib::Request& r) {
            return routes_->UpdateQueues(r.matches[1], r.body);
          }));
  s.Post(v1 + "worker/([^/]+)", authed([this](const httplib::Request& r) {
           return routes_->Register(r.matches[1], r.body);
         }));
  s.Patch(v1 + "worker/([^/]+)", authed([this](const httplib::Request& r) {
            return routes_->SetState(r.matches[1], r.body);
          }));
  s.Post(v1 + "jobs/fetch/([^/]+)", authed([this](const httplib::Request& r) {
           return routes_->Fetch(r.matches[1], r.body);
         }));
  s.Patch(v1 + "jobs/state/" + kJob + "/([^/]+)", authed([this](const httplib::Request& r) {
            return routes_->JobState(JobFromMatches(r), r.matches[6], r.body);
          }));
  s.Get(v1 + "logs/logfile_path/" + kJob, authed([this](const httplib::Request& r) {
          return routes_->LogfilePath(JobFromMatches(r));
        }));
  s.Post(v1 + "logs/push/" + kJob, authed([this](const httplib::Request& r) {
           return routes_->PushLogs(JobFromMatches(r), r.body);
         }));
  execution_->Install(s);
  InstallControlRoutes();
  s.Get(v1 + "health", [](const httplib::Request&, httplib::Response& res) {
    Send(res, JsonReply(nlohmann::ordered_json{{"status", "healthy"}}));
  });
}

}  // namespace edgectl::airflow_double
