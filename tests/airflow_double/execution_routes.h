// File: tests/airflow_double/execution_routes.h
//
// The part of Airflow's Task Execution API (/execution/..., Airflow 3.1) that the Task SDK
// stand-in calls, with its status codes and bodies: task-instance run (PATCH, 200 TIRunContext,
// 404 unknown, 409 not queued), heartbeat (PUT, 204, 409 when not running or running elsewhere),
// state (PATCH, 204; 200 when already in that state; 409 when not running), and XCom set/get
// (POST 201, GET 200 / 404). Every route wants a task token (execution_token.h): 401 without,
// 403 when it does not verify, and for task-instance routes when its subject is another task
// instance; a workload-scoped token is good for `run` only, which answers with an execution
// token in Refreshed-API-Token. Task instances are those in edge_job (by task_instance_id);
// their states and XComs live in memory. TEST DOUBLE, not Airflow.
// Tests read what happened through Snapshot() (GET /_double/execution) and Reset().
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_ROUTES_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_ROUTES_H_

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/airflow_double/fastapi_replies.h"
#include "tests/airflow_double/pg_pool.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace edgectl::airflow_double {

class ExecutionRoutes {
 public:
  ExecutionRoutes(PgPool& pool, std::string jwt_secret) : pool_(pool), secret_(std::move(jwt_secret)) {}

  void Install(httplib::Server& server);
  // {"task_instances": {id: {"state", "run", "heartbeat", "state_updates"}}, "xcoms": n,
  //  "refused": n}
  nlohmann::json Snapshot() const;
  void Reset();

 private:
  struct TaskInstance {
    std::string state = "queued";
    std::string hostname;
    std::string unixname;
    int pid = 0;
    int run = 0, heartbeat = 0, state_updates = 0;
  };
  struct Reply2 {  // a reply plus the headers it carries
    Reply reply;
    std::map<std::string, std::string> headers;
  };

  // The token's claims, or the 401/403 reply.
  std::optional<Reply> Authorize(const httplib::Request& req, const std::string* ti_id,
                                 bool run_route, std::string* scope);
  bool KnownTaskInstance(const std::string& id);
  Reply2 Run(const std::string& id, const std::string& body, const std::string& scope);
  Reply Heartbeat(const std::string& id, const std::string& body);
  Reply State(const std::string& id, const std::string& body);
  Reply SetXcom(const std::string& key, const std::string& body);
  Reply GetXcom(const std::string& key, const std::string& description);

  PgPool& pool_;
  const std::string secret_;
  mutable absl::Mutex mu_;
  std::map<std::string, TaskInstance> tis_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> xcoms_ ABSL_GUARDED_BY(mu_);  // raw JSON value by key
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_EXECUTION_ROUTES_H_
