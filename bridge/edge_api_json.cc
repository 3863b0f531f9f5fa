#include "bridge/edge_api_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bridge/json_string.h"

namespace edgectl::bridge {
namespace {

using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

std::string Dump(const ordered_json& j) {
  // pydantic writes non-ASCII as UTF-8; invalid UTF-8 cannot reach it, here it becomes U+FFFD.
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

ordered_json Queues(const std::optional<std::vector<std::string>>& queues) {
  return queues.has_value() ? ordered_json(*queues) : ordered_json(nullptr);
}

ordered_json SysinfoJson(const Sysinfo& sysinfo) {
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : sysinfo) {
    std::visit([&out, &key](const auto& v) { out[key] = v; }, value);
  }
  return out;
}

ordered_json StateBody(const WorkerStateBody& body, bool with_comments) {
  ordered_json j;
  j["state"] = body.state;
  j["jobs_active"] = body.jobs_active;
  j["queues"] = Queues(body.queues);
  j["sysinfo"] = SysinfoJson(body.sysinfo);
  // edge3's set_state passes maintenance_comments explicitly (so null is sent); register does not.
  if (with_comments || body.maintenance_comments.has_value()) {
    j["maintenance_comments"] = body.maintenance_comments.has_value()
                                    ? ordered_json(*body.maintenance_comments)
                                    : ordered_json(nullptr);
  }
  if (body.team_name.has_value()) j["team_name"] = *body.team_name;
  return j;
}

absl::Status Malformed(const std::string& what, const std::string& body) {
  std::string shown = body.size() > 200 ? absl::StrCat(body.substr(0, 200), "...") : body;
  return absl::InternalError(absl::StrCat("Airflow edge API reply is malformed: ", what,
                                          "; reply was: ", shown));
}

absl::StatusOr<json> Parse(const std::string& body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Malformed("not JSON", body);
  return parsed;
}

// Field readers: `required` fields must be present; nullable ones may be null.
absl::Status ReadString(const json& obj, const char* key, std::string* out, const std::string& body) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return Malformed(absl::StrCat("'", key, "' must be a string"), body);
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadInt(const json& obj, const char* key, int* out, const std::string& body) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) {
    return Malformed(absl::StrCat("'", key, "' must be an integer"), body);
  }
  *out = it->get<int>();
  return absl::OkStatus();
}

absl::Status ReadOptionalString(const json& obj, const char* key, std::optional<std::string>* out,
                                const std::string& body) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return Malformed(absl::StrCat("'", key, "' must be a string or null"), body);
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadOptionalBool(const json& obj, const char* key, bool* out, const std::string& body) {
  auto it = obj.find(key);
  if (it == obj.end()) return absl::OkStatus();
  if (!it->is_boolean()) return Malformed(absl::StrCat("'", key, "' must be a boolean"), body);
  *out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status ReadQueues(const json& obj, std::optional<std::vector<std::string>>* out,
                        const std::string& body) {
  auto it = obj.find("queues");
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return Malformed("'queues' must be a list or null", body);
  std::vector<std::string> queues;
  for (const json& q : *it) {
    if (!q.is_string()) return Malformed("'queues' must hold strings", body);
    queues.push_back(q.get<std::string>());
  }
  *out = std::move(queues);
  return absl::OkStatus();
}

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    absl::Status status_ = (expr);             \
    if (!status_.ok()) return status_;         \
  } while (false)

}  // namespace

std::string PydanticDatetime(absl::Time t) {
  const int64_t micros = absl::ToUnixMicros(t) % 1000000;
  const char* format = micros == 0 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%dT%H:%M:%E6S";
  return absl::StrCat(absl::FormatTime(format, t, absl::UTCTimeZone()), "Z");
}

std::string RegisterBody(const WorkerStateBody& body) { return Dump(StateBody(body, false)); }
std::string SetStateBody(const WorkerStateBody& body) { return Dump(StateBody(body, true)); }

std::string UpdateQueuesBody(const std::optional<std::vector<std::string>>& new_queues,
                             const std::optional<std::vector<std::string>>& remove_queues) {
  ordered_json j;
  j["new_queues"] = Queues(new_queues);
  j["remove_queues"] = Queues(remove_queues);
  return Dump(j);
}

std::string FetchBody(const FetchRequest& request) {
  // Field order and explicit nulls as edge3 5.0's worker sends them.
  ordered_json j;
  j["queues"] = Queues(request.queues);
  j["free_concurrency"] = request.free_concurrency;
  j["team_name"] = request.team_name.has_value() ? ordered_json(*request.team_name) : ordered_json(nullptr);
  j["supports_task_instance_uuid"] = request.supports_task_instance_uuid;
  return Dump(j);
}

std::optional<std::string> JobStateBody(const JobKey& key) {
  if (key.task_instance_id.empty()) return std::nullopt;
  ordered_json j;
  j["task_instance_id"] = key.task_instance_id;
  return Dump(j);
}

std::string PushLogsBody(const JobKey& key, absl::Time log_chunk_time,
                         const std::string& log_chunk_data) {
  // Log text is large and (as the sidecar makes it) valid UTF-8: written in one pass, the same
  // bytes nlohmann would write (bridge/json_string.h). Anything else goes the general way.
  std::string body;
  body.reserve(log_chunk_data.size() + key.task_instance_id.size() + 96);
  body += "{\"log_chunk_time\":";
  bool fast = AppendJsonString(body, PydanticDatetime(log_chunk_time));
  body += ",\"log_chunk_data\":";
  fast = fast && AppendJsonString(body, log_chunk_data);
  if (!key.task_instance_id.empty()) {
    body += ",\"task_instance_id\":";
    fast = fast && AppendJsonString(body, key.task_instance_id);
  }
  body += '}';
  if (fast) return body;
  ordered_json j;
  j["log_chunk_time"] = PydanticDatetime(log_chunk_time);
  j["log_chunk_data"] = log_chunk_data;
  if (!key.task_instance_id.empty()) j["task_instance_id"] = key.task_instance_id;
  return Dump(j);
}

absl::StatusOr<WorkerRegistrationReturn> ParseRegistrationReturn(const std::string& body) {
  absl::StatusOr<json> j = Parse(body);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Malformed("expected an object", body);
  WorkerRegistrationReturn out;
  RETURN_IF_ERROR(ReadString(*j, "last_update", &out.last_update, body));
  RETURN_IF_ERROR(ReadOptionalBool(*j, "versions_match", &out.versions_match, body));
  return out;
}

absl::StatusOr<WorkerSetStateReturn> ParseSetStateReturn(const std::string& body) {
  absl::StatusOr<json> j = Parse(body);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Malformed("expected an object", body);
  WorkerSetStateReturn out;
  RETURN_IF_ERROR(ReadString(*j, "state", &out.state, body));
  RETURN_IF_ERROR(ReadQueues(*j, &out.queues, body));
  RETURN_IF_ERROR(ReadOptionalString(*j, "maintenance_comments", &out.maintenance_comments, body));
  if (auto it = j->find("concurrency"); it != j->end() && !it->is_null()) {
    if (!it->is_number_integer()) return Malformed("'concurrency' must be an integer or null", body);
    out.concurrency = it->get<int>();
  }
  RETURN_IF_ERROR(ReadOptionalBool(*j, "versions_match", &out.versions_match, body));
  return out;
}

absl::StatusOr<std::optional<EdgeJobFetched>> ParseJobFetched(const std::string& body) {
  absl::StatusOr<json> j = Parse(body);
  if (!j.ok()) return j.status();
  if (j->is_null()) return std::optional<EdgeJobFetched>();
  if (!j->is_object()) return Malformed("expected an EdgeJobFetched object or null", body);
  EdgeJobFetched job;
  RETURN_IF_ERROR(ReadString(*j, "dag_id", &job.key.dag_id, body));
  RETURN_IF_ERROR(ReadString(*j, "task_id", &job.key.task_id, body));
  RETURN_IF_ERROR(ReadString(*j, "run_id", &job.key.run_id, body));
  RETURN_IF_ERROR(ReadInt(*j, "map_index", &job.key.map_index, body));
  RETURN_IF_ERROR(ReadInt(*j, "try_number", &job.key.try_number, body));
  RETURN_IF_ERROR(ReadInt(*j, "concurrency_slots", &job.concurrency_slots, body));
  std::optional<std::string> uuid;
  RETURN_IF_ERROR(ReadOptionalString(*j, "task_instance_id", &uuid, body));
  job.key.task_instance_id = uuid.value_or("");
  auto command = j->find("command");
  // An ExecuteTask workload (Airflow 3) or an argv list (Airflow 2).
  if (command == j->end() || !(command->is_object() || command->is_array())) {
    return Malformed("'command' must be a workload object", body);
  }
  job.command = command->dump(-1, ' ', false, json::error_handler_t::replace);
  return std::optional<EdgeJobFetched>(std::move(job));
}

absl::StatusOr<std::string> ParseJsonString(const std::string& body) {
  absl::StatusOr<json> j = Parse(body);
  if (!j.ok()) return j.status();
  if (!j->is_string()) return Malformed("expected a JSON string", body);
  return j->get<std::string>();
}

absl::StatusOr<std::map<std::string, std::string>> ParseHealth(const std::string& body) {
  absl::StatusOr<json> j = Parse(body);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Malformed("expected an object of strings", body);
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : j->items()) {
    if (!value.is_string()) return Malformed(absl::StrCat("'", key, "' must be a string"), body);
    out[key] = value.get<std::string>();
  }
  return out;
}

absl::Status ParseAnyJson(const std::string& body) { return Parse(body).status(); }

}  // namespace edgectl::bridge
