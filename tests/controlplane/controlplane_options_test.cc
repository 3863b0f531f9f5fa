// Configuration of the sidecar as Airflow reads it: airflow.cfg text, AIRFLOW__ variables over
// it, the SQLAlchemy URL turned into libpq fields, defaults, and clear validation messages.
#include "controlplane/controlplane_options.h"

#include <gtest/gtest.h>

namespace edgectl::controlplane {
namespace {

constexpr char kCfg[] = R"(
[edge]
api_url = http://api:8080/edge_worker/v1/rpcapi
heartbeat_interval = 10
controlplane_tls_cert = /etc/edgectl/sidecar.pem
controlplane_tls_key = /etc/edgectl/sidecar.key
controlplane_tls_client_ca = /etc/edgectl/workers-ca.pem
[api_auth]
jwt_secret = from-file
[database]
# '%' is ConfigParser's interpolation character: airflow.cfg writes a literal one as '%%'.
sql_alchemy_conn = postgresql+psycopg2://airflow:p%%40ss@db.example:5433/airflow
)";

TEST(ControlPlaneOptionsTest, ReadsAirflowConfigWithEnvironmentOnTop) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(
      kCfg, {{"AIRFLOW__EDGE__CONTROLPLANE_LISTEN_ADDRESS", "127.0.0.1:6000"},
             {"AIRFLOW__EDGE__CONTROLPLANE_ACK_TIMEOUT_SEC", "2.5"}});
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<ControlPlaneOptions> o = OptionsFromConfig(*config);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->Validate().ok()) << o->Validate();
  EXPECT_EQ(o->api_url, "http://api:8080/edge_worker/v1/rpcapi");
  EXPECT_EQ(o->jwt_secret, "from-file");
  EXPECT_EQ(o->database.host, "db.example");
  EXPECT_EQ(o->database.port, "5433");
  EXPECT_EQ(o->database.password, "p@ss");
  EXPECT_EQ(o->listen_address, "127.0.0.1:6000");
  EXPECT_EQ(o->metrics_address, "127.0.0.1:9464");
  EXPECT_EQ(o->heartbeat_interval_seconds, 10);
  EXPECT_EQ(o->ack_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(o->dispatch_poll_interval, absl::Milliseconds(20));
  EXPECT_EQ(o->push_log_chunk_size, 524288u);
  EXPECT_EQ(o->tls_client_ca_file, "/etc/edgectl/workers-ca.pem");
  EXPECT_FALSE(o->worker_tokens);
  EXPECT_FALSE(o->insecure_allow_unauthenticated);
}

TEST(ControlPlaneOptionsTest, SecureByDefault) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(
      "[edge]\napi_url = http://api:8080/edge_worker/v1/rpcapi\n[api_auth]\njwt_secret = s\n"
      "[database]\nsql_alchemy_conn = postgresql://airflow@db/airflow\n",
      {});
  ASSERT_TRUE(config.ok()) << config.status();
  ControlPlaneOptions o = *OptionsFromConfig(*config);
  // Loopback unless configured, so a sidecar is never exposed by accident.
  EXPECT_EQ(o.listen_address, "127.0.0.1:50051");
  // No way for workers to authenticate: refused, naming the choices.
  const std::string message(o.Validate().message());
  EXPECT_NE(message.find("no worker authentication is configured"), std::string::npos) << message;
  EXPECT_NE(message.find("--tls-client-ca"), std::string::npos);
  EXPECT_NE(message.find("--worker-tokens"), std::string::npos);
  EXPECT_NE(message.find("--insecure-allow-unauthenticated"), std::string::npos);
  o.insecure_allow_unauthenticated = true;
  EXPECT_TRUE(o.Validate().ok()) << o.Validate();
  // Tokens and client certificates need the sidecar's own TLS certificate.
  o.insecure_allow_unauthenticated = false;
  o.worker_tokens = true;
  EXPECT_NE(o.Validate().message().find("needs TLS"), std::string::npos) << o.Validate();
  o.worker_tokens = false;
  o.tls_client_ca_file = "/ca.pem";
  EXPECT_NE(o.Validate().message().find("needs the sidecar's own certificate"), std::string::npos)
      << o.Validate();
  o.tls_cert_file = "/c.pem";
  o.tls_key_file = "/k.pem";
  EXPECT_TRUE(o.Validate().ok()) << o.Validate();
}

TEST(ControlPlaneOptionsTest, ValidationNamesWhatToFix) {
  absl::StatusOr<AirflowConfig> empty = AirflowConfig::FromText("", {});
  ASSERT_TRUE(empty.ok());
  absl::StatusOr<ControlPlaneOptions> o = OptionsFromConfig(*empty);
  ASSERT_TRUE(o.ok());
  EXPECT_NE(o->Validate().message().find("[edge] api_url is not set"), std::string::npos);

  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText(kCfg, {});
  ASSERT_TRUE(config.ok());
  ControlPlaneOptions good = *OptionsFromConfig(*config);
  ControlPlaneOptions bad = good;
  bad.listen_address = "no-port";
  EXPECT_NE(bad.Validate().message().find("--listen-address"), std::string::npos);
  bad = good;
  bad.tls_key_file.clear();
  EXPECT_NE(bad.Validate().message().find("controlplane_tls_key"), std::string::npos);
  bad = good;
  bad.jwt_secret.clear();
  EXPECT_NE(bad.Validate().message().find("jwt_secret"), std::string::npos);
  // In OIDC mode the tokens come from the issuer: no shared secret needed.
  bad.oidc_token_url = "https://idp.example/token";
  EXPECT_TRUE(bad.Validate().ok()) << bad.Validate();
  // Secrets never appear in messages.
  bad = good;
  bad.heartbeat_interval_seconds = 0;
  EXPECT_EQ(bad.Validate().message().find("p@ss"), std::string::npos);

  absl::StatusOr<AirflowConfig> typo = AirflowConfig::FromText(
      kCfg, {{"AIRFLOW__EDGE__CONTROLPLANE_DISPATCH_POLL_INTERVAL_MS", "fast"}});
  ASSERT_TRUE(typo.ok());
  absl::StatusOr<ControlPlaneOptions> parsed = OptionsFromConfig(*typo);
  EXPECT_FALSE(parsed.ok());
}

TEST(ControlPlaneOptionsTest, SplitsHostAndPort) {
  EXPECT_EQ(*SplitHostPort("0.0.0.0:50051"), std::make_pair(std::string("0.0.0.0"), 50051));
  EXPECT_EQ(*SplitHostPort("[::1]:0"), std::make_pair(std::string("::1"), 0));
  EXPECT_FALSE(SplitHostPort("host:99999").ok());
  EXPECT_FALSE(SplitHostPort(":80").ok());
}

}  // namespace
}  // namespace edgectl::controlplane
