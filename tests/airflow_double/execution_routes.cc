#include "tests/airflow_double/execution_routes.h"

#include <httplib.h>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/airflow_double/execution_token.h"

namespace edgectl::airflow_double {
namespace {

constexpr char kTi[] = "/execution/task-instances/([0-9a-fA-F-]{36})/";
// The double has no dag_run table; a fixed date keeps its answers comparable byte for byte.
constexpr char kRunDate[] = "2026-01-01T00:00:00Z";
constexpr char kXcom[] = "/execution/xcoms/([^/]+)/([^/]+)/([^/]+)/([^/]+)";

void Send(httplib::Response& res, const Reply& reply,
          const std::map<std::string, std::string>& headers = {}) {
  res.set_header("Date", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(),
                                          absl::UTCTimeZone()));
  res.set_header("Server", "uvicorn");
  for (const auto& [name, value] : headers) res.set_header(name.c_str(), value);
  res.status = reply.status;
  if (reply.status == 204) return;  // FastAPI sends no body with 204
  res.set_content(reply.body, "application/json");
}

Reply ReasonReply(int status, const std::string& reason, const std::string& message,
                  nlohmann::ordered_json extra = nlohmann::ordered_json::object()) {
  nlohmann::ordered_json detail = {{"reason", reason}, {"message", message}};
  for (auto& [k, v] : extra.items()) detail[k] = v;
  return JsonReply(nlohmann::ordered_json{{"detail", detail}}, status);
}

}  // namespace

std::optional<Reply> ExecutionRoutes::Authorize(const httplib::Request& req,
                                                const std::string* ti_id, bool run_route,
                                                std::string* scope) {
  auto refuse = [this](Reply reply) {
    absl::MutexLock lock(&mu_);
    ++refused_;
    return reply;
  };
  const std::string header = req.get_header_value("Authorization");
  if (!absl::StartsWith(header, "Bearer ")) {
    return refuse(DetailReply(401, "Not authenticated"));
  }
  absl::StatusOr<TaskTokenClaims> claims =
      VerifyTaskToken(secret_, header.substr(7), absl::Now());
  if (!claims.ok()) return refuse(DetailReply(403, std::string(claims.status().message())));
  if (ti_id != nullptr && claims->task_instance_id != *ti_id) {
    return refuse(DetailReply(403, "Token subject does not match the task instance"));
  }
  if (claims->scope == "workload" && !run_route) {
    return refuse(DetailReply(403, "Token scope 'workload' may only start the task"));
  }
  *scope = claims->scope;
  return std::nullopt;
}

bool ExecutionRoutes::KnownTaskInstance(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    if (tis_.count(id) != 0) return true;
  }
  std::unique_ptr<PgPool::Lease> lease = pool_.Borrow();
  pqxx::nontransaction tx(**lease);
  const bool found =
      !tx.exec_params("SELECT 1 FROM edge_job WHERE task_instance_id = $1", id).empty();
  if (found) {
    absl::MutexLock lock(&mu_);
    tis_.emplace(id, TaskInstance{});
  }
  return found;
}

ExecutionRoutes::Reply2 ExecutionRoutes::Run(const std::string& id, const std::string& body,
                                             const std::string& scope) {
  BodyValidator v(body);
  const std::string state = v.RequiredString("state");
  const std::string hostname = v.RequiredString("hostname");
  const std::string unixname = v.RequiredString("unixname");
  const int pid = v.RequiredInt("pid");
  v.RequiredDatetime("start_date");
  if (!v.ok()) return {v.ErrorReply(), {}};
  if (!KnownTaskInstance(id)) {
    return {ReasonReply(404, "not_found", "Task Instance not found"), {}};
  }
  absl::MutexLock lock(&mu_);
  TaskInstance& ti = tis_[id];
  const bool duplicate = ti.state == "running" && ti.hostname == hostname &&
                         ti.unixname == unixname && ti.pid == pid;
  if (!duplicate && ti.state != "queued" && ti.state != "restarting") {
    return {ReasonReply(409, "invalid_state",
                        "TI was not in a state where it could be marked as running",
                        {{"previous_state", ti.state}}),
            {}};
  }
  ti.state = state;
  ti.hostname = hostname;
  ti.unixname = unixname;
  ti.pid = pid;
  ++ti.run;
  nlohmann::ordered_json dag_run = {
      {"dag_id", "example_dag"}, {"run_id", "manual"}, {"logical_date", nullptr},
      {"data_interval_start", nullptr}, {"data_interval_end", nullptr}, {"run_after", kRunDate},
      {"start_date", kRunDate}, {"end_date", nullptr}, {"clear_number", 0},
      {"run_type", "manual"}, {"state", "running"}, {"conf", nlohmann::ordered_json::object()},
      {"consumed_asset_events", nlohmann::ordered_json::array()}};
  nlohmann::ordered_json context = {
      {"dag_run", dag_run}, {"task_reschedule_count", 0}, {"max_tries", 0},
      {"variables", nlohmann::ordered_json::array()},
      {"connections", nlohmann::ordered_json::array()},
      {"xcom_keys_to_clear", nlohmann::ordered_json::array()}, {"should_retry", false}};
  std::map<std::string, std::string> headers;
  if (scope == "workload") {
    headers["Refreshed-API-Token"] = MintTaskToken(secret_, id, "execution", absl::Minutes(10));
  }
  return {JsonReply(context), headers};
}

Reply ExecutionRoutes::Heartbeat(const std::string& id, const std::string& body) {
  BodyValidator v(body);
  const std::string hostname = v.RequiredString("hostname");
  const int pid = v.RequiredInt("pid");
  if (!v.ok()) return v.ErrorReply();
  if (!KnownTaskInstance(id)) return ReasonReply(404, "not_found", "Task Instance not found");
  absl::MutexLock lock(&mu_);
  TaskInstance& ti = tis_[id];
  if (ti.state != "running") {
    return ReasonReply(409, "not_running",
                       "TI is no longer in the running state and task should terminate",
                       {{"current_state", ti.state}});
  }
  if (ti.hostname != hostname || ti.pid != pid) {
    return ReasonReply(409, "running_elsewhere", "TI is already running elsewhere",
                       {{"current_hostname", ti.hostname}, {"current_pid", ti.pid}});
  }
  ++ti.heartbeat;
  return Reply{204, ""};
}

Reply ExecutionRoutes::State(const std::string& id, const std::string& body) {
  BodyValidator v(body);
  const std::string state = v.RequiredString("state");
  v.CheckEnum("state", state,
              {"success", "failed", "skipped", "removed", "up_for_retry", "deferred",
               "up_for_reschedule"});
  if (!v.ok()) return v.ErrorReply();
  if (!KnownTaskInstance(id)) return ReasonReply(404, "not_found", "Task Instance not found");
  absl::MutexLock lock(&mu_);
  TaskInstance& ti = tis_[id];
  if (ti.state == state) return Reply{200, "null"};
  if (ti.state != "running") {
    return ReasonReply(409, "invalid_state", "TI was not in the running state so it cannot be updated",
                       {{"previous_state", ti.state}});
  }
  ti.state = state;
  ++ti.state_updates;
  return Reply{204, ""};
}

Reply ExecutionRoutes::SetXcom(const std::string& key, const std::string& body) {
  nlohmann::json value = nlohmann::json::parse(body, nullptr, false);
  if (value.is_discarded()) {
    nlohmann::ordered_json error = {{"type", "json_invalid"}, {"loc", {"body"}},
                                    {"msg", "JSON decode error"}, {"input", nlohmann::json::object()}};
    return JsonReply(nlohmann::ordered_json{{"detail", {error}}}, 422);
  }
  absl::MutexLock lock(&mu_);
  xcoms_[key] = value.dump();
  return JsonReply(nlohmann::ordered_json{{"message", "XCom successfully set"}}, 201);
}

Reply ExecutionRoutes::GetXcom(const std::string& key, const std::string& description) {
  absl::MutexLock lock(&mu_);
  auto it = xcoms_.find(key);
  if (it == xcoms_.end()) {
    return ReasonReply(404, "not_found", absl::StrCat("XCom with ", description, " not found"));
  }
  // The stored value is sent back in the order it was stored.
  return Reply{200, absl::StrCat("{\"key\":", nlohmann::json(key.substr(key.rfind('/') + 1)).dump(),
                                 ",\"value\":", it->second, "}")};
}

void ExecutionRoutes::Install(httplib::Server& s) {
  auto ti_route = [this](const char* action, auto handler) {
    return [this, action, handler](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.matches[1];
      std::string scope;
      if (std::optional<Reply> refused =
              Authorize(req, &id, std::string(action) == "run", &scope)) {
        Send(res, *refused);
        return;
      }
      handler(req, res, id, scope);
    };
  };
  s.Patch(absl::StrCat(kTi, "run"),
          ti_route("run", [this](const httplib::Request& req, httplib::Response& res,
                                 const std::string& id, const std::string& scope) {
            Reply2 r = Run(id, req.body, scope);
            Send(res, r.reply, r.headers);
          }));
  s.Put(absl::StrCat(kTi, "heartbeat"),
        ti_route("heartbeat", [this](const httplib::Request& req, httplib::Response& res,
                                     const std::string& id, const std::string&) {
          Send(res, Heartbeat(id, req.body));
        }));
  s.Patch(absl::StrCat(kTi, "state"),
          ti_route("state", [this](const httplib::Request& req, httplib::Response& res,
                                   const std::string& id, const std::string&) {
            Send(res, State(id, req.body));
          }));
  auto xcom_route = [this](bool set) {
    return [this, set](const httplib::Request& req, httplib::Response& res) {
      std::string scope;
      if (std::optional<Reply> refused = Authorize(req, nullptr, false, &scope)) {
        Send(res, *refused);
        return;
      }
      const std::string map_index =
          req.has_param("map_index") ? req.get_param_value("map_index") : "-1";
      const std::string key = absl::StrCat(req.matches[1].str(), "/", req.matches[2].str(), "/",
                                           req.matches[3].str(), "/", map_index, "/",
                                           req.matches[4].str());
      Send(res, set ? SetXcom(key, req.body)
                    : GetXcom(key, absl::StrCat("key='", req.matches[4].str(),
                                                "' map_index=", map_index)));
    };
  };
  s.Post(kXcom, xcom_route(true));
  s.Get(kXcom, xcom_route(false));
}

nlohmann::json ExecutionRoutes::Snapshot() const {
  absl::MutexLock lock(&mu_);
  nlohmann::json tis = nlohmann::json::object();
  for (const auto& [id, ti] : tis_) {
    tis[id] = {{"state", ti.state}, {"run", ti.run}, {"heartbeat", ti.heartbeat},
               {"state_updates", ti.state_updates}, {"hostname", ti.hostname}};
  }
  return {{"task_instances", tis}, {"xcoms", xcoms_.size()}, {"refused", refused_}};
}

void ExecutionRoutes::Reset() {
  absl::MutexLock lock(&mu_);
  tis_.clear();
  xcoms_.clear();
  refused_ = 0;
}

}  // namespace edgectl::airflow_double
