#include "controlplane/admin/token_commands.h"

#include <iostream>
#include <memory>

#include "absl/time/time.h"
#include "controlplane/admin/central_command.h"
#include "controlplane/admin/token_admin.h"

namespace edgectl::admin {
namespace {

struct TokenFlags {
  CentralFlags central;
  std::string hostname;
  std::string token_id;
};

}  // namespace

void AddTokenCommands(CLI::App& app, cli::CliContext& context) {
  CLI::App* token = app.add_subcommand(
      "token", "Per-worker tokens with which edge workers authenticate at the sidecar.");
  token->require_subcommand(1);

  auto issue_flags = std::make_shared<TokenFlags>();
  CLI::App* issue = token->add_subcommand(
      "issue", "Issue a new token for a worker and print it once (only its hash is stored).");
  issue->add_option("-H,--edge-hostname", issue_flags->hostname, "The worker's name")->required();
  AddCentralFlags(issue, &issue_flags->central);
  issue->callback([&context, issue_flags] {
    context.exit_code = RunCentral(issue_flags->central, [&](pqxx::connection& conn) {
      absl::StatusOr<IssuedToken> issued = TokenAdmin(conn).Issue(issue_flags->hostname);
      if (!issued.ok()) return issued.status();
      std::cout << issued->token << std::endl;
      std::cerr << "Token " << issued->token_id << " issued for worker " << issue_flags->hostname
                << ". It is shown only this once: store it in a file readable only by the "
                   "worker's user (chmod 600) and point [edge] controlplane_token_file at it."
                << std::endl;
      return absl::OkStatus();
    });
  });

  auto list_flags = std::make_shared<TokenFlags>();
  CLI::App* list = token->add_subcommand("list", "List issued tokens (never the tokens).");
  list->add_option("-H,--edge-hostname", list_flags->hostname, "Only this worker's tokens");
  AddCentralFlags(list, &list_flags->central);
  list->callback([&context, list_flags] {
    context.exit_code = RunCentral(list_flags->central, [&](pqxx::connection& conn) {
      absl::StatusOr<std::vector<TokenListing>> tokens = TokenAdmin(conn).List(list_flags->hostname);
      if (!tokens.ok()) return tokens.status();
      std::cout << "worker_name\ttoken_id\tcreated_at" << std::endl;
      for (const TokenListing& t : *tokens) {
        std::cout << t.worker_name << "\t" << t.token_id << "\t"
                  << absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+00:00", t.created_at,
                                      absl::UTCTimeZone())
                  << std::endl;
      }
      return absl::OkStatus();
    });
  });

  auto revoke_flags = std::make_shared<TokenFlags>();
  CLI::App* revoke = token->add_subcommand(
      "revoke", "Revoke a worker's tokens; its next call (and its open stream) fails.");
  revoke->add_option("-H,--edge-hostname", revoke_flags->hostname, "The worker's name")
      ->required();
  revoke->add_option("--token-id", revoke_flags->token_id,
                     "Revoke only this token (an id from `edgectl token list`)");
  AddCentralFlags(revoke, &revoke_flags->central);
  revoke->callback([&context, revoke_flags] {
    context.exit_code = RunCentral(revoke_flags->central, [&](pqxx::connection& conn) {
      absl::StatusOr<int> revoked =
          TokenAdmin(conn).Revoke(revoke_flags->hostname, revoke_flags->token_id);
      if (!revoked.ok()) return revoked.status();
      std::cout << "Revoked " << *revoked << " token(s) of worker " << revoke_flags->hostname
                << "." << std::endl;
      return absl::OkStatus();
    });
  });
}

}  // namespace edgectl::admin
