// airflow_double_main: the Airflow API double as a process, for the demo and end-to-end tests.
// Prints "listening on 127.0.0.1:PORT" as its first stdout line, serves until SIGINT/SIGTERM.
#include <gflags/gflags.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_split.h"
#include "common/malloc_tuning.h"
#include "tests/airflow_double/airflow_api_double.h"
#include "tests/airflow_double/edge3_versions.h"

DEFINE_int32(port, 0, "port on 127.0.0.1 (0 = a free port)");
DEFINE_string(dsn, "", "edge3 database: libpq string or SQLAlchemy URL");
DEFINE_string(jwt_secret, "", "[api_auth] jwt_secret; default: $AIRFLOW__API_AUTH__JWT_SECRET");
DEFINE_int32(jwt_leeway, 10, "[api_auth] jwt_leeway seconds");
DEFINE_string(jwt_issuer, "", "[api_auth] jwt_issuer (empty: not checked)");
DEFINE_string(airflow_version, "3.1.0", "Airflow version the double claims to run");
DEFINE_string(edge_provider_version, "5.0.0", "edge3 provider version the double claims to run");
DEFINE_string(base_log_folder, "", "also append pushed logs below this folder");
DEFINE_string(claimed_job_state, "restarting", "state a fetched job gets (restarting or running)");
DEFINE_string(edge3_version, "",
              "start as this edge3 version (4.3, 5.0, 5.2: its REST behaviours; the database must "
              "be at its schema revision); empty: edge3 5.0 behaviour on any schema");
DEFINE_string(comment_merge, "",
              "maintenance comment rule: if-different (edge3 >= 3.6) or always (before); "
              "empty: the version's");
DEFINE_double(fail_fraction, 0, "fraction of requests answered 503");
DEFINE_int32(delay_ms, 0, "delay added to every request");
// edge3's OIDC mode (worker_api/auth.py): set trusted_jwks_url to check worker tokens against it.
DEFINE_string(trusted_jwks_url, "", "[edge] trusted_jwks_url: JWKS URL or file (empty: shared-secret mode)");
DEFINE_string(jwt_algorithm, "RS256", "[edge] jwt_algorithm: comma list (RS256, ES256)");
DEFINE_string(jwt_audience, "", "[edge] jwt_audience (empty: tokens must carry no aud)");
DEFINE_string(edge_jwt_issuer, "", "[edge] jwt_issuer (required with trusted_jwks_url)");
DEFINE_int32(edge_jwt_leeway, 30, "[edge] jwt_leeway seconds");

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Airflow edge API double on the edge3 tables (tests and demo only)");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  edgectl::KeepFreedMemoryForReuse();  // logs/push bodies of 512 KiB: reuse their pages
  edgectl::airflow_double::AirflowApiDoubleOptions options;
  options.port = FLAGS_port;
  options.dsn = FLAGS_dsn;
  options.jwt_secret = FLAGS_jwt_secret;
  if (options.jwt_secret.empty()) {
    if (const char* env = std::getenv("AIRFLOW__API_AUTH__JWT_SECRET")) options.jwt_secret = env;
  }
  options.jwt_leeway = FLAGS_jwt_leeway;
  if (!FLAGS_jwt_issuer.empty()) options.jwt_issuer = FLAGS_jwt_issuer;
  if (!FLAGS_trusted_jwks_url.empty()) {
    edgectl::airflow_double::JwksValidatorOptions jwks;
    jwks.trusted_jwks_url = FLAGS_trusted_jwks_url;
    jwks.algorithms = absl::StrSplit(FLAGS_jwt_algorithm, ',', absl::SkipWhitespace());
    if (!FLAGS_jwt_audience.empty()) jwks.audience = FLAGS_jwt_audience;
    if (!FLAGS_edge_jwt_issuer.empty()) jwks.issuer = FLAGS_edge_jwt_issuer;
    jwks.leeway_seconds = FLAGS_edge_jwt_leeway;
    options.jwks = std::move(jwks);
  }
  options.airflow_version = FLAGS_airflow_version;
  options.edge_provider_version = FLAGS_edge_provider_version;
  if (!FLAGS_base_log_folder.empty()) options.base_log_folder = FLAGS_base_log_folder;
  options.claimed_job_state = FLAGS_claimed_job_state;
  options.edge3_version = FLAGS_edge3_version;
  options.comment_merge = FLAGS_comment_merge;
  if (!FLAGS_edge3_version.empty() &&
      gflags::GetCommandLineFlagInfoOrDie("edge_provider_version").is_default) {
    absl::StatusOr<edgectl::airflow_double::Edge3VersionMode> mode =
        edgectl::airflow_double::FindEdge3VersionMode(FLAGS_edge3_version);
    if (!mode.ok()) {
      std::cerr << "airflow_double: " << mode.status().message() << "\n";
      return 2;
    }
    options.edge_provider_version = mode->provider_version;
  }
  // Blocked before any thread starts, so every thread inherits the mask and sigwait gets them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  edgectl::airflow_double::AirflowApiDouble double_server(options);
  absl::StatusOr<int> port = double_server.Start();
  if (!port.ok()) {
    std::cerr << "airflow_double: " << port.status().message() << "\n";
    return 1;
  }
  double_server.SetFaults(FLAGS_fail_fraction, absl::Milliseconds(FLAGS_delay_ms));
  std::cout << "listening on 127.0.0.1:" << *port << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  double_server.Stop();
  return 0;
}
