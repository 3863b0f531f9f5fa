// worker/{name} (register, set_state) and worker/queues/{name}.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "tests/airflow_double/edge_routes_internal.h"
#include "common/python_list_repr.h"
#include "tests/airflow_double/worker_state_rules.h"

namespace edgectl::airflow_double {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

struct StateBody {
  std::string state;
  int jobs_active = 0;
  std::optional<std::vector<std::string>> queues;
  json sysinfo;
  std::optional<std::string> maintenance_comments;
  std::optional<std::string> team_name;
};

std::optional<StateBody> ParseStateBody(const std::string& text, Reply* error) {
  BodyValidator v(text);
  StateBody body;
  body.state = v.RequiredString("state");
  body.jobs_active = v.OptionalInt("jobs_active", 0);
  body.queues = v.OptionalStringList("queues");
  body.sysinfo = v.RequiredSysinfo("sysinfo");
  body.maintenance_comments = v.OptionalString("maintenance_comments");
  body.team_name = v.OptionalString("team_name");
  v.CheckEnum("state", body.state,
              std::vector<std::string>(states::kAllWorkerStates.begin(),
                                       states::kAllWorkerStates.end()));
  if (!v.ok()) {
    *error = v.ErrorReply();
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> OptionalText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

ordered_json QueuesJson(const std::optional<std::string>& repr) {
  if (!repr.has_value()) return nullptr;
  absl::StatusOr<std::vector<std::string>> queues = ParsePythonStrList(*repr);
  if (!queues.ok()) throw std::runtime_error(std::string(queues.status().message()));
  return *queues;
}

Reply WorkerNotFound() { return DetailReply(404, "Worker not found"); }

}  // namespace

std::optional<Reply> EdgeRoutes::VersionMismatch(const json& sysinfo) const {
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  if (!sysinfo.contains("airflow_version")) {
    return DetailReply(400, "Edge Worker does not specify the version it is running on.");
  }
  if (sysinfo["airflow_version"] != options_.airflow_version) {
    return DetailReply(400, absl::StrCat("Edge Worker runs on Airflow ", text(sysinfo["airflow_version"]),
                                         " and the core runs on ", options_.airflow_version,
                                         ". Rejecting access due to difference."));
  }
  if (!sysinfo.contains("edge_provider_version")) {
    return DetailReply(400, "Edge Worker does not specify the provider version it is running on.");
  }
  if (sysinfo["edge_provider_version"] != options_.edge_provider_version) {
    return DetailReply(400, absl::StrCat("Edge Worker runs on Edge Provider ",
                                         text(sysinfo["edge_provider_version"]),
                                         " and the core runs on ", options_.edge_provider_version,
                                         ". Rejecting access due to difference."));
  }
  return std::nullopt;
}

std::optional<std::string> EdgeRoutes::MergeComments(
    const std::string& new_state, const std::optional<std::string>& stored,
    const std::optional<std::string>& reported) const {
  return options_.comment_merge == CommentMerge::kAlways
             ? AppendMaintenanceCommentsAlways(stored, reported)
             : MergeMaintenanceComments(new_state, stored, reported);
}

Reply EdgeRoutes::Register(const std::string& worker_name, const std::string& text) {
  Reply error;
  std::optional<StateBody> body = ParseStateBody(text, &error);
  if (!body.has_value()) return error;
  if (std::optional<Reply> mismatch = VersionMismatch(body->sysinfo)) return *mismatch;
  return InTransaction("register", [&](pqxx::work& tx) {
    const std::string now = NowText();
    const std::optional<std::string> queues = QueuesToColumn(body->queues);
    const bool created =
        tx.exec_params("INSERT INTO edge_worker (worker_name, state, queues, team_name, "
                       "first_online, jobs_active) VALUES ($1, $2, $3, $4, $5::timestamptz, 0) "
                       "ON CONFLICT (worker_name) DO NOTHING",
                       worker_name, body->state, queues, body->team_name, now)
            .affected_rows() == 1;
    pqxx::row row = tx.exec_params1(
        "SELECT state, maintenance_comment FROM edge_worker WHERE worker_name = $1 FOR UPDATE",
        worker_name);
    const std::string db_state = row[0].as<std::string>();
    if (!created && !states::IsOfflineState(db_state)) {
      return DetailReply(409, absl::StrCat("Worker '", worker_name, "' is already active in state '",
                                           db_state, "'. Cannot start a duplicate worker with the "
                                           "same name."));
    }
    const std::string state = RedefineState(db_state, body->state);
    tx.exec_params("UPDATE edge_worker SET state = $2, maintenance_comment = $3, queues = $4, "
                   "sysinfo = $5::json, last_update = $6::timestamptz, team_name = $7 "
                   "WHERE worker_name = $1",
                   worker_name, state,
                   MergeComments(state, OptionalText(row[1]), body->maintenance_comments),
                   queues, body->sysinfo.dump(), now, body->team_name);
    tx.commit();
    ordered_json reply;
    reply["last_update"] = now;
    reply["versions_match"] = true;
    return JsonReply(reply);
  });
}

Reply EdgeRoutes::SetState(const std::string& worker_name, const std::string& text) {
  Reply error;
  std::optional<StateBody> body = ParseStateBody(text, &error);
  if (!body.has_value()) return error;
  return InTransaction("set_state", [&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_params(
        "SELECT state, maintenance_comment, queues, concurrency FROM edge_worker "
        "WHERE worker_name = $1 FOR UPDATE",
        worker_name);
    if (rows.empty()) return WorkerNotFound();
    const pqxx::row row = rows[0];
    const std::string state = RedefineState(row[0].as<std::string>(), body->state);
    const std::optional<std::string> comment =
        MergeComments(state, OptionalText(row[1]), body->maintenance_comments);
    tx.exec_params("UPDATE edge_worker SET state = $2, maintenance_comment = $3, jobs_active = $4, "
                   "sysinfo = $5::json, last_update = $6::timestamptz WHERE worker_name = $1",
                   worker_name, state, comment, body->jobs_active, body->sysinfo.dump(), NowText());
    tx.commit();
    // edge3 stores first, then rejects: the mismatching worker stays visible.
    if (std::optional<Reply> mismatch = VersionMismatch(body->sysinfo)) return *mismatch;
    ordered_json reply;
    reply["state"] = state;
    reply["queues"] = QueuesJson(OptionalText(row[2]));
    reply["maintenance_comments"] = comment.has_value() ? ordered_json(*comment) : ordered_json(nullptr);
    reply["concurrency"] = row[3].is_null() ? ordered_json(nullptr) : ordered_json(row[3].as<int>());
    reply["versions_match"] = true;
    return JsonReply(reply);
  });
}

Reply EdgeRoutes::UpdateQueues(const std::string& worker_name, const std::string& text) {
  BodyValidator v(text);
  std::optional<std::vector<std::string>> add = v.OptionalStringList("new_queues");
  std::optional<std::vector<std::string>> remove = v.OptionalStringList("remove_queues");
  if (!v.ok()) return v.ErrorReply();
  return InTransaction("update_queues", [&](pqxx::work& tx) {
    pqxx::result rows = tx.exec_params(
        "SELECT queues FROM edge_worker WHERE worker_name = $1 FOR UPDATE", worker_name);
    if (rows.empty()) return WorkerNotFound();
    std::vector<std::string> queues;
    if (!rows[0][0].is_null()) {
      absl::StatusOr<std::vector<std::string>> stored =
          ParsePythonStrList(rows[0][0].as<std::string>());
      if (!stored.ok()) throw std::runtime_error(std::string(stored.status().message()));
      queues = *stored;
    }
    for (const std::string& q : add.value_or(std::vector<std::string>{})) {
      if (std::find(queues.begin(), queues.end(), q) == queues.end()) queues.push_back(q);
    }
    for (const std::string& q : remove.value_or(std::vector<std::string>{})) {
      queues.erase(std::remove(queues.begin(), queues.end(), q), queues.end());
    }
    tx.exec_params("UPDATE edge_worker SET queues = $2 WHERE worker_name = $1", worker_name,
                   QueuesToColumn(queues));
    tx.commit();
    return Reply{};
  });
}

}  // namespace edgectl::airflow_double
