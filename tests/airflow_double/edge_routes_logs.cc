// logs/logfile_path/... and logs/push/...
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "tests/airflow_double/edge_routes_internal.h"
#include "tests/airflow_double/log_push_body.h"

namespace edgectl::airflow_double {

std::string EdgeRoutes::RenderLogFilename(const bridge::JobKey& key) {
  return absl::StrCat("dag_id=", key.dag_id, "/run_id=", key.run_id, "/task_id=", key.task_id, "/",
                      key.map_index >= 0 ? absl::StrCat("map_index=", key.map_index, "/") : "",
                      "attempt=", key.try_number, ".log");
}

bool EdgeRoutes::TaskInstanceExists(pqxx::work& tx, const bridge::JobKey& key) const {
  return !tx.exec_params("SELECT 1 FROM edge_job WHERE dag_id = $1 AND task_id = $2 AND "
                         "run_id = $3 AND map_index = $4 AND try_number = $5 LIMIT 1",
                         key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number)
              .empty();
}

void EdgeRoutes::AppendToLogFile(const bridge::JobKey& key, const std::string& data) const {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(*options_.base_log_folder) / RenderLogFilename(key);
  // [logging] file_task_handler_new_folder_permissions: 0o775.
  fs::create_directories(path.parent_path());
  fs::permissions(path.parent_path(), static_cast<fs::perms>(0775));
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << data;
  if (!out) throw std::runtime_error("cannot append to " + path.string());
}

Reply EdgeRoutes::LogfilePath(const bridge::JobKey& key) {
  return InTransaction("logs/logfile_path", [&](pqxx::work& tx) {
    if (!TaskInstanceExists(tx, key)) return DetailReply(404, "TaskInstance not found");
    return JsonReply(RenderLogFilename(key));
  });
}

Reply EdgeRoutes::PushLogs(const bridge::JobKey& key, const std::string& text) {
  // The large value is taken out in one pass; the rest is validated as any body.
  std::string rest;
  std::optional<std::string> data = ExtractLogChunkData(text, &rest);
  BodyValidator v(data.has_value() ? rest : text);
  const std::string chunk_time = v.RequiredDatetime("log_chunk_time");
  std::string chunk_data = v.RequiredString("log_chunk_data");
  if (data.has_value()) chunk_data = *std::move(data);
  v.OptionalString("task_instance_id");
  if (!v.ok()) return v.ErrorReply();
  return InTransaction("logs/push", [&](pqxx::work& tx) {
    if (!TaskInstanceExists(tx, key)) return DetailReply(404, "TaskInstance not found");
    tx.exec_params("INSERT INTO edge_logs (dag_id, task_id, run_id, map_index, try_number, "
                   "log_chunk_time, log_chunk_data) VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7)",
                   key.dag_id, key.task_id, key.run_id, key.map_index, key.try_number, chunk_time,
                   chunk_data);
    if (options_.base_log_folder.has_value()) AppendToLogFile(key, chunk_data);
    tx.commit();
    return Reply{};
  });
}

}  // namespace edgectl::airflow_double
