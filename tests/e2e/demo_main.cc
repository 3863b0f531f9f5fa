// The demo behind `scripts/demo`: the whole system on this machine, end to end.
//
// Starts a throwaway PostgreSQL with the edge3 schema, the Airflow API double (Airflow itself is
// not installable here), the control-plane sidecar and one edge worker; queues a few jobs the way
// Airflow's EdgeExecutor does (edge_job rows with ExecuteTask workloads); shows them run, their
// logs arriving in edge_logs and the worker's row; then stops the worker gracefully.
#include <gflags/gflags.h>
#include <stdlib.h>

#include <iostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controlplane/db/pg_status.h"
#include "tests/e2e/edge_stack.h"
#include "tests/e2e/job_enqueuer.h"
#include "tests/e2e/local_database.h"
#include "tests/fixtures/postgres_server.h"

DEFINE_string(edgectl, "bazel-bin/cli/edgectl", "path of the edgectl binary");
DEFINE_string(airflow_double, "bazel-bin/tests/airflow_double/airflow_double_main",
              "path of the Airflow API double binary");
DEFINE_string(standin, "tests/task_sdk_standin", "folder of the Task SDK stand-in (PYTHONPATH)");
DEFINE_string(make_certs, "scripts/make-certs", "the certificate helper script");

namespace edgectl::e2e {
namespace {

void Say(const std::string& text) { std::cout << "\n==> " << text << std::endl; }

int Fail(const absl::Status& status) {
  std::cerr << "demo failed: " << status << std::endl;
  return 1;
}

void PrintQuery(const std::string& dsn, const std::string& sql) {
  absl::Status st = db::RunPg("demo query", [&] {
    pqxx::connection conn(dsn);
    pqxx::read_transaction tx(conn);
    pqxx::result r = tx.exec(sql);
    std::vector<std::string> header;
    for (pqxx::row::size_type c = 0; c < r.columns(); ++c) header.push_back(r.column_name(c));
    std::cout << absl::StrJoin(header, " | ") << "\n";
    for (const auto& row : r) {
      std::vector<std::string> cells;
      for (const auto& field : row) cells.push_back(field.is_null() ? "NULL" : field.c_str());
      std::cout << absl::StrJoin(cells, " | ") << "\n";
    }
  });
  if (!st.ok()) std::cout << st << "\n";
}

int RunDemo() {
  char work_template[] = "/tmp/edgectl-demo-XXXXXX";
  if (mkdtemp(work_template) == nullptr) return Fail(absl::InternalError("mkdtemp failed"));
  const std::string work_dir = work_template;

  Say("starting a throwaway PostgreSQL (Debian's server binaries, 127.0.0.1, free port)");
  testing::PostgresServer postgres;
  absl::StatusOr<std::string> dsn = StartEdgeDatabase(postgres, "edgectl_demo");
  if (!dsn.ok()) return Fail(dsn.status());
  std::cout << "edge3 schema created in " << *dsn << "\n";

  Say("making a throwaway CA, the sidecar's certificate and the worker's client certificate "
      "(scripts/make-certs); starting the Airflow API double and the control-plane sidecar "
      "(TLS, workers authenticated by client certificate or token)");
  EdgeStackOptions options;
  options.dsn = *dsn;
  options.work_dir = work_dir;
  options.edgectl_binary = FLAGS_edgectl;
  options.double_binary = FLAGS_airflow_double;
  options.standin_dir = FLAGS_standin;
  options.make_certs_script = FLAGS_make_certs;
  options.heartbeat_interval_sec = 5;
  auto stack = EdgeStack::Start(options);
  if (!stack.ok()) return Fail(stack.status());
  std::cout << "Airflow REST edge API (double): " << (*stack)->api_url() << "\n"
            << "sidecar gRPC (mutual TLS): " << (*stack)->controlplane_address() << "\n"
            << "certificates: " << (*stack)->pki()->dir() << "\n";

  Say("starting edge worker edge-demo-1 (concurrency 4, queues default,gpu), authenticated by "
      "its client certificate (CN/SAN edge-demo-1)");
  auto worker = (*stack)->StartWorker("edge-demo-1", {"-c", "4", "-q", "default,gpu"});
  if (!worker.ok()) return Fail(worker.status());
  PrintQuery(*dsn, "SELECT worker_name, state, queues, jobs_active FROM edge_worker");

  Say("queueing 4 jobs the way Airflow's EdgeExecutor does (edge_job rows, ExecuteTask workloads)");
  std::vector<TaskSpec> specs(4);
  specs[0].task_id = "extract";
  specs[0].standin = {{"lines", 5}, {"line_interval", 0.2}};
  specs[1].task_id = "transform";
  specs[1].queue = "gpu";
  specs[1].pool_slots = 2;
  specs[1].standin = {{"lines", 3}, {"sleep", 1}};
  specs[2].task_id = "load";
  specs[2].standin = {{"lines", 2}};
  specs[3].task_id = "flaky";
  specs[3].standin = {{"lines", 1}, {"exit_code", 1}, {"stderr", "ValueError: demo failure"}};
  for (TaskSpec& spec : specs) {
    spec.dag_id = "edgectl_demo";
    absl::StatusOr<QueuedJob> job = EnqueueTask(*dsn, spec);
    if (!job.ok()) return Fail(job.status());
    std::cout << "queued " << spec.dag_id << "." << spec.task_id << " on queue " << spec.queue
              << " (log " << job->log_path << ")\n";
  }

  Say("waiting for the jobs to finish");
  bool done = Eventually(
      [&] {
        return QueryValue(*dsn,
                          "SELECT count(*) FROM edge_job WHERE state NOT IN ('success', 'failed')") ==
               "0";
      },
      absl::Seconds(60));
  PrintQuery(*dsn,
             "SELECT dag_id, task_id, queue, concurrency_slots, state, edge_worker, "
             "to_char(last_update - queued_dttm, 'SS.MS') AS seconds FROM edge_job ORDER BY task_id");
  if (!done) return Fail(absl::DeadlineExceededError("jobs did not finish within 60 s"));

  Say("task logs as they arrived in edge_logs");
  PrintQuery(*dsn,
             "SELECT task_id, count(*) AS chunks, sum(length(log_chunk_data)) AS characters "
             "FROM edge_logs GROUP BY task_id ORDER BY task_id");
  PrintQuery(*dsn,
             "SELECT string_agg(log_chunk_data, '' ORDER BY log_chunk_time) AS flaky_log "
             "FROM edge_logs WHERE task_id = 'flaky'");

  Say("the worker's row (edgectl list-workers reads the same table)");
  PrintQuery(*dsn,
             "SELECT worker_name, state, queues, jobs_active, last_update, "
             "sysinfo->>'airflow_version' AS airflow, sysinfo->>'edge_provider_version' AS edge3 "
             "FROM edge_worker");

  Say("stopping the worker gracefully (edgectl stop --wait)");
  auto stop = ChildProcess::Start({FLAGS_edgectl, "stop", "--wait"},
                                  (*stack)->WorkerEnv("edge-demo-1"), work_dir);
  if (!stop.ok()) return Fail(stop.status());
  (void)(*stop)->WaitForExit(absl::Seconds(60));
  (void)(*worker)->WaitForExit(absl::Seconds(60));
  PrintQuery(*dsn, "SELECT worker_name, state FROM edge_worker");
  std::cout << "\ndemo finished; process output is in " << work_dir << "\n";
  return 0;
}

}  // namespace
}  // namespace edgectl::e2e

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  return edgectl::e2e::RunDemo();
}
