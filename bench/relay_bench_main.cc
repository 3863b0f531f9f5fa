// relay_bench: what the Execution API relay adds to a task's call, measured in one run on real
// parts, all on 127.0.0.1: the Airflow double's Execution API (HTTP), the sidecar (TLS, worker
// token) and the worker's relay (loopback HTTP endpoint + RelayExecutionApi stream), as
// `edgectl worker` with [edge] execution_api_relay runs them. Sequential task-instance
// heartbeats over keep-alive connections, alternately direct and through the relay (blocks of
// 50, so drifts of the machine hit both alike); the report gives p50/p99 of each and the added
// latency. Prints the build mode: compare optimised builds (bazel build -c opt).
#include <gflags/gflags.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_stack.h"
#include "bench/build_mode.h"
#include "bench/latency_stats.h"
#include "tests/airflow_double/execution_token.h"
#include "worker/execution_relay/execution_api_relay.h"
#include "worker/grpc_sidecar_client.h"

DEFINE_int32(requests, 2000, "heartbeats per path (direct, relayed)");
DEFINE_string(make_certs, "scripts/make-certs", "the certificate helper");

namespace edgectl::bench {
namespace {

constexpr char kTi[] = "7f1c1a55-3b7e-4a8e-9b1a-2d6a7e0c9f10";
constexpr char kWorker[] = "relay-bench";


absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  chmod(path.c_str(), 0600);
  return out ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

// One heartbeat; the duration, or an error naming the status.
absl::StatusOr<absl::Duration> Heartbeat(httplib::Client& client, const std::string& token) {
  const absl::Time start = absl::Now();
  httplib::Result r = client.Put(absl::StrCat("/execution/task-instances/", kTi, "/heartbeat"),
                                 {{"Authorization", "Bearer " + token}},
                                 R"({"hostname":"bench","pid":1})", "application/json");
  const absl::Duration took = absl::Now() - start;
  if (!r || r->status != 204) {
    return absl::InternalError(absl::StrCat("heartbeat answered ", r ? r->status : -1,
                                            r ? " " + r->body : ""));
  }
  return took;
}

int Run() {
  char dir[] = "/tmp/relay-bench-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  const std::string work_dir = dir;
  BenchStack stack;
  std::cerr << "relay_bench: starting PostgreSQL, the Airflow double and the sidecar\n";
  absl::Status s = stack.Start({30, absl::Milliseconds(20), FLAGS_make_certs, work_dir});
  const std::string token = "relay-bench-token-0123456789abcdef0123456789abcdef";
  if (s.ok()) s = stack.IssueTokens({{kWorker, token}});
  if (s.ok()) s = WriteFile(work_dir + "/token", token);
  if (s.ok()) s = WriteFile(work_dir + "/ca.pem", stack.ca_pem());
  if (s.ok()) {
    try {  // a task instance the double knows (it checks edge_job)
      pqxx::connection conn(stack.dsn());
      pqxx::work tx(conn);
      tx.exec_params0(
          "INSERT INTO edge_job (dag_id, task_id, run_id, map_index, try_number, "
          "task_instance_id, state, queue, concurrency_slots, command, queued_dttm, last_update) "
          "VALUES ('bench', 'relay', 'r1', -1, 1, $1, 'queued', 'parked', 1, '{}', now(), now())",
          kTi);
      tx.commit();
    } catch (const std::exception& e) {
      s = absl::InternalError(e.what());
    }
  }
  if (!s.ok()) {
    std::cerr << "relay_bench: setup failed: " << s << "\n";
    return 1;
  }
  auto sidecar = worker::GrpcSidecarClient::Create(
      stack.sidecar_address(), {work_dir + "/ca.pem", "", "", work_dir + "/token"},
      absl::Seconds(10));
  if (!sidecar.ok()) {
    std::cerr << "relay_bench: " << sidecar.status() << "\n";
    return 1;
  }
  worker::ExecutionApiRelayOptions relay_options;
  relay_options.client.worker_name = kWorker;
  worker::ExecutionApiRelay relay(**sidecar, relay_options);
  absl::StatusOr<std::string> url = relay.Start();
  if (!url.ok()) {
    std::cerr << "relay_bench: " << url.status() << "\n";
    return 1;
  }
  const int relay_port = std::stoi(url->substr(std::string("http://127.0.0.1:").size()));
  const std::string exec_token = airflow_double::MintTaskToken(BenchStack::kJwtSecret, kTi,
                                                               "execution", absl::Hours(1));
  httplib::Client direct("127.0.0.1", stack.airflow().port());
  httplib::Client relayed("127.0.0.1", relay_port);
  for (httplib::Client* c : {&direct, &relayed}) {
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);  // as Python clients do; else delayed ACKs cost 40 ms a call
  }
  httplib::Result started = direct.Patch(
      absl::StrCat("/execution/task-instances/", kTi, "/run"),
      {{"Authorization", "Bearer " + exec_token}},
      R"({"state":"running","hostname":"bench","unixname":"b","pid":1,"start_date":"2026-01-01T00:00:00Z"})",
      "application/json");
  if (!started || started->status != 200) {
    std::cerr << "relay_bench: could not start the task instance\n";
    return 1;
  }
  // Warm both paths (connections, TLS, the relay stream).
  for (int i = 0; i < 50; ++i) {
    if (!Heartbeat(direct, exec_token).ok() || !Heartbeat(relayed, exec_token).ok()) {
      std::cerr << "relay_bench: warm-up heartbeat failed\n";
      return 1;
    }
  }
  std::vector<absl::Duration> direct_sample, relayed_sample;
  for (int done = 0; done < FLAGS_requests; done += 50) {
    for (auto [client, sample] : {std::make_pair(&direct, &direct_sample),
                                  std::make_pair(&relayed, &relayed_sample)}) {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<absl::Duration> took = Heartbeat(*client, exec_token);
        if (!took.ok()) {
          std::cerr << "relay_bench: " << took.status() << "\n";
          return 1;
        }
        sample->push_back(*took);
      }
    }
  }
  const LatencySummary d = Summarize(direct_sample);
  const LatencySummary r = Summarize(relayed_sample);
  auto ms = [](absl::Duration x) { return absl::StrCat(absl::ToDoubleMilliseconds(x)); };
  std::cout << "\nExecution API relay: task-instance heartbeat, " << direct_sample.size()
            << " per path, sequential, keep-alive\n"
            << "build: " << BuildMode() << "\n"
            << "                 p50 ms     p99 ms\n"
            << "direct           " << ms(d.p50) << "   " << ms(d.p99) << "\n"
            << "through relay    " << ms(r.p50) << "   " << ms(r.p99) << "\n"
            << "added by relay   " << ms(r.p50 - d.p50) << "   " << ms(r.p99 - d.p99) << "\n";
  return 0;
}

}  // namespace
}  // namespace edgectl::bench

int main(int argc, char** argv) {
  gflags::SetUsageMessage("latency the Execution API relay adds (see bench/README.md)");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  spdlog::set_level(spdlog::level::warn);
  return edgectl::bench::Run();
}
