#include "controlplane/admin/health_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/edge_api_client.h"
#include "common/airflow_config.h"
#include "controlplane/admin/listing_output.h"

namespace edgectl::admin {
namespace {

struct HealthOptions {
  std::string output = "json";
  std::string api_url;
};

absl::StatusOr<std::unique_ptr<bridge::EdgeApiClient>> HealthClient(const HealthOptions& flags) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::Load();
  if (!config.ok()) return config.status();
  if (!flags.api_url.empty()) config->Set("edge", "api_url", flags.api_url);
  if (config->GetOr("edge", "api_url", "").empty()) {
    return absl::FailedPreconditionError(
        "API URL is not configured: set [edge] api_url (AIRFLOW__EDGE__API_URL) or pass "
        "--api-url");
  }
  // GET health carries no token, so the signer never runs; the client still insists on a
  // secret, which an operator's machine need not have for a probe.
  if (config->GetOr("api_auth", "jwt_secret", "").empty()) {
    config->Set("api_auth", "jwt_secret", "unused-by-health");
  }
  absl::StatusOr<bridge::EdgeApiClientOptions> options =
      bridge::EdgeApiClientOptions::FromAirflowConfig(*config);
  if (!options.ok()) return options.status();
  options->retry.attempts = 1;
  options->transport.connect_timeout = std::min(options->transport.connect_timeout,
                                                absl::Seconds(10));
  options->transport.request_timeout = std::min(options->transport.request_timeout,
                                                absl::Seconds(30));
  return bridge::EdgeApiClient::Create(*std::move(options));
}

absl::Status RunHealth(const HealthOptions& flags) {
  absl::StatusOr<OutputFormat> format = ParseOutputFormat(flags.output);
  if (!format.ok()) return format.status();
  absl::StatusOr<std::unique_ptr<bridge::EdgeApiClient>> client = HealthClient(flags);
  if (!client.ok()) return client.status();
  absl::StatusOr<std::map<std::string, std::string>> health = (*client)->Health();
  if (!health.ok()) return health.status();
  Record record;
  for (const auto& [key, value] : *health) record.push_back({key, FieldValue::Text(value)});
  std::cout << RenderRecords({record}, *format);
  return absl::OkStatus();
}

}  // namespace

void AddHealthCommand(CLI::App& app, cli::CliContext& context) {
  auto options = std::make_shared<HealthOptions>();
  CLI::App* command =
      app.add_subcommand("health", "Probe the Edge worker-api (GET /edge_worker/v1/health).");
  command
      ->add_option("-o,--output", options->output,
                   "Output format. Allowed values: json, yaml, plain, table (default: json)")
      ->check(CLI::IsMember({"table", "json", "yaml", "plain"}).description(""))
      ->type_name("(table, json, yaml, plain)");
  command->add_option("--api-url", options->api_url,
                      "URL of the Edge worker API (default: [edge] api_url)");
  command->callback([&context, options] {
    absl::Status status = RunHealth(*options);
    if (!status.ok()) std::cerr << "Error: " << status.message() << std::endl;
    context.exit_code = status.ok() ? 0 : 1;
  });
}

}  // namespace edgectl::admin
