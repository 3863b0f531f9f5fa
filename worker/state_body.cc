#include "worker/state_body.h"

namespace edgectl::worker {
namespace {

constexpr char kMismatchDescription[] =
    "The version between the Edge Worker and the Airflow Core is not matching for either the "
    "edge or airflow package version. Please check if the Edge Provider version is compatible "
    "with your Airflow version. The worker will still operate but you might miss some features "
    "or have issues. Please consider upgrading the Edge Provider to a compatible version.";
// Python logging levels, which edge3 uses as sysinfo status.
constexpr int kLogLevelNotSet = 0;
constexpr int kLogLevelInfo = 20;
constexpr int kLogLevelWarning = 30;

v1::SysinfoValue StringValue(const std::string& s) {
  v1::SysinfoValue value;
  value.set_string_value(s);
  return value;
}

v1::SysinfoValue IntValue(int64_t i) {
  v1::SysinfoValue value;
  value.set_int_value(i);
  return value;
}

}  // namespace

v1::WorkerStateBody BuildStateBody(const StateBodyInput& input) {
  v1::WorkerStateBody body;
  body.set_state(input.state);
  body.set_jobs_active(input.jobs_active);
  if (input.queues.has_value()) {
    for (const std::string& q : *input.queues) body.mutable_queues()->add_names(q);
  }
  if (input.maintenance_comments.has_value()) {
    body.set_maintenance_comments(*input.maintenance_comments);
  }
  if (input.team_name.has_value()) body.set_team_name(*input.team_name);
  auto& sysinfo = *body.mutable_sysinfo();
  if (input.offline) {
    sysinfo["status"] = IntValue(kLogLevelNotSet);
  } else if (input.versions_match) {
    sysinfo["status"] = IntValue(kLogLevelInfo);
  } else {
    sysinfo["status"] = IntValue(kLogLevelWarning);
    sysinfo["status_text"] = StringValue("Healthy but version mismatch");
    sysinfo["version_mismatch_description"] = StringValue(kMismatchDescription);
  }
  sysinfo["airflow_version"] = StringValue(input.versions.airflow_version);
  sysinfo["edge_provider_version"] = StringValue(input.versions.edge_provider_version);
  sysinfo["python_version"] = StringValue(input.versions.python_version);
  sysinfo["worker_start_time"] = StringValue(input.worker_start_time);
  sysinfo["concurrency"] = IntValue(input.concurrency);
  sysinfo["free_concurrency"] = IntValue(input.free_concurrency);
  // edge3 updates its sysinfo with the function's dict, so its keys win (status included) ...
  for (const auto& [key, value] : input.extended_sysinfo) sysinfo[key] = value;
  if (input.extended_sysinfo_error.has_value()) {
    sysinfo["edgectl_sysinfo_extension_error"] = StringValue(*input.extended_sysinfo_error);
  }
  // ... but the final message still says NOTSET, without a status text.
  if (input.offline) {
    sysinfo["status"] = IntValue(kLogLevelNotSet);
    sysinfo.erase("status_text");
  }
  if (!input.edgectl_version.empty()) {
    sysinfo["edgectl_version"] = StringValue(input.edgectl_version);
  }
  if (!input.edgectl_instance.empty()) {
    sysinfo["edgectl_instance"] = StringValue(input.edgectl_instance);
  }
  return body;
}

}  // namespace edgectl::worker
