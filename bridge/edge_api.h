// File: bridge/edge_api.h
//
// EdgeApi: Airflow's REST edge API (/edge_worker/v1/*, edge3 provider) as a C++ interface, one
// method per endpoint, typed requests and replies named after edge3's pydantic models. The
// control plane depends only on this interface; EdgeApiClient (edge_api_client.h) implements it
// over HTTP with Airflow-exact JWTs and edge3's retry policy, and tests substitute fakes.
//
// Errors (absl::Status), chosen by what the caller should do; the message carries the HTTP
// status and the server's `detail`, never the JWT secret or a token:
//   FAILED_PRECONDITION  HTTP 400 on register / set_state: Airflow and worker versions differ.
//                        set_state has stored the state before answering 400 (edge3 order).
//   ALREADY_EXISTS       HTTP 409 on register: a worker of that name is active.
//                        HTTP 409 on fetch: the job needs task-instance UUID support.
//   NOT_FOUND            HTTP 404 (unknown worker; task instance not found), and 405 (edge API
//                        not enabled: [edge] api_enabled = True is missing on the API server).
//   PERMISSION_DENIED    HTTP 403: token refused (secret, clock skew or method claim).
//   INVALID_ARGUMENT     HTTP 422 (and other 4xx): the request was malformed.
//   UNAVAILABLE          network error, timeout, 5xx or 429 after all retries: try later.
//   INTERNAL             the server answered something that is not the declared JSON.
// HttpStatusOf() recovers the HTTP status of a failed call (0 for network errors).
//
// All methods are safe to call from many threads at once.
#ifndef EDGECTL_BRIDGE_EDGE_API_H_
#define EDGECTL_BRIDGE_EDGE_API_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace edgectl::bridge {

// sysinfo values: edge3 allows str | int | float (datetimes travel as ISO strings).
using SysinfoValue = std::variant<std::string, int64_t, double>;
using Sysinfo = std::map<std::string, SysinfoValue>;

// edge3's WorkerStateBody (register and set_state).
struct WorkerStateBody {
  std::string state;  // EdgeWorkerState value, see common/edge_states.h
  int jobs_active = 0;
  std::optional<std::vector<std::string>> queues;  // nullopt = all queues (JSON null)
  Sysinfo sysinfo;  // must hold airflow_version and edge_provider_version
  std::optional<std::string> maintenance_comments;
  std::optional<std::string> team_name;
};

// edge3's WorkerRegistrationReturn.
struct WorkerRegistrationReturn {
  std::string last_update;  // ISO 8601 as Airflow sent it
  bool versions_match = true;
};

// edge3's WorkerSetStateReturn.
struct WorkerSetStateReturn {
  std::string state;
  std::optional<std::vector<std::string>> queues;
  std::optional<std::string> maintenance_comments;
  std::optional<int> concurrency;
  bool versions_match = true;
};

// The five coordinates of a task instance try (plus its UUID in edge3 >= 5.0).
struct JobKey {
  std::string dag_id;
  std::string task_id;
  std::string run_id;
  int try_number = 0;
  int map_index = -1;
  std::string task_instance_id;  // "" for rows keyed by coordinates only
};

// edge3's WorkerQueuesBody (jobs/fetch request).
struct FetchRequest {
  std::optional<std::vector<std::string>> queues;  // nullopt = all queues
  int free_concurrency = 0;
  std::optional<std::string> team_name;
  bool supports_task_instance_uuid = true;
};

// edge3's EdgeJobFetched.
struct EdgeJobFetched {
  JobKey key;
  std::string command;  // the workload, as compact JSON text
  int concurrency_slots = 1;
};

class EdgeApi {
 public:
  virtual ~EdgeApi() = default;

  // POST worker/{worker_name}
  virtual absl::StatusOr<WorkerRegistrationReturn> RegisterWorker(
      const std::string& worker_name, const WorkerStateBody& body) = 0;
  // PATCH worker/{worker_name}
  virtual absl::StatusOr<WorkerSetStateReturn> SetState(const std::string& worker_name,
                                                        const WorkerStateBody& body) = 0;
  // PATCH worker/queues/{worker_name}
  virtual absl::Status UpdateQueues(const std::string& worker_name,
                                    const std::optional<std::vector<std::string>>& new_queues,
                                    const std::optional<std::vector<std::string>>& remove_queues) = 0;
  // POST jobs/fetch/{worker_name}; nullopt when no job is queued for the worker (JSON null).
  virtual absl::StatusOr<std::optional<EdgeJobFetched>> FetchJob(const std::string& worker_name,
                                                                 const FetchRequest& request) = 0;
  // PATCH jobs/state/{dag_id}/{task_id}/{run_id}/{try_number}/{map_index}/{state}
  virtual absl::Status SetJobState(const JobKey& key, const std::string& state) = 0;
  // GET logs/logfile_path/{dag_id}/{task_id}/{run_id}/{try_number}/{map_index}
  virtual absl::StatusOr<std::string> LogfilePath(const JobKey& key) = 0;
  // POST logs/push/{dag_id}/{task_id}/{run_id}/{try_number}/{map_index}
  virtual absl::Status PushLogs(const JobKey& key, absl::Time log_chunk_time,
                                const std::string& log_chunk_data) = 0;
  // GET health (no authentication)
  virtual absl::StatusOr<std::map<std::string, std::string>> Health() = 0;
};

// The HTTP status a failed EdgeApi call received, or 0 (network error, or not an HTTP failure).
int HttpStatusOf(const absl::Status& status);

// Returns status carrying http_status for HttpStatusOf(); for implementations and fakes.
absl::Status WithHttpStatus(absl::Status status, int http_status);

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_EDGE_API_H_
