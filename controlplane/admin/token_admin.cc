#include "controlplane/admin/token_admin.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "common/utf8.h"
#include "controlplane/auth/worker_token.h"
#include "controlplane/db/pg_status.h"

namespace edgectl::admin {
namespace {

absl::Status ValidateName(const std::string& worker_name) {
  if (worker_name.empty() || CodePointCount(worker_name) > states::kMaxWorkerNameLength) {
    return absl::InvalidArgumentError(
        "the worker name (-H) must have 1 to 64 characters, as edge_worker.worker_name");
  }
  for (unsigned char c : worker_name) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("the worker name (-H) contains a control character");
    }
  }
  return absl::OkStatus();
}

// A missing table gets edgectl's own hint rather than libpq's "relation does not exist".
absl::Status ExplainMissingTable(absl::Status status) {
  if (status.ok() || status.message().find("edgectl_worker_token") == absl::string_view::npos) {
    return status;
  }
  return absl::FailedPreconditionError(
      "the table edgectl_worker_token does not exist yet: run `edgectl db init` once (it leaves "
      "edge3's tables as they are)");
}

}  // namespace

absl::StatusOr<IssuedToken> TokenAdmin::Issue(const std::string& worker_name) {
  if (absl::Status s = ValidateName(worker_name); !s.ok()) return s;
  absl::StatusOr<std::string> token = auth::NewWorkerToken();
  if (!token.ok()) return token.status();
  const std::string hash = auth::TokenSha256Hex(*token);
  absl::Status stored = db::RunPg("issue worker token", [&] {
    pqxx::work tx(conn_);
    tx.exec_params0(
        "INSERT INTO edgectl_worker_token (token_sha256, worker_name) VALUES ($1, $2)", hash,
        worker_name);
    tx.commit();
  });
  if (!stored.ok()) return ExplainMissingTable(stored);
  return IssuedToken{*token, auth::TokenId(hash)};
}

absl::StatusOr<std::vector<TokenListing>> TokenAdmin::List(const std::string& worker_name) {
  absl::StatusOr<std::vector<TokenListing>> listing =
      db::RunPg("list worker tokens", [&]() -> std::vector<TokenListing> {
        pqxx::read_transaction tx(conn_);
        pqxx::result rows = tx.exec_params(
            "SELECT worker_name, token_sha256, "
            "((EXTRACT(EPOCH FROM created_at) * 1000000)::numeric(30,0))::bigint "
            "FROM edgectl_worker_token WHERE $1 = '' OR worker_name = $1 "
            "ORDER BY created_at, worker_name",
            worker_name);
        std::vector<TokenListing> out;
        for (const pqxx::row& r : rows) {
          out.push_back({r[0].as<std::string>(), auth::TokenId(r[1].as<std::string>()),
                         absl::FromUnixMicros(r[2].as<int64_t>())});
        }
        return out;
      });
  if (!listing.ok()) return ExplainMissingTable(listing.status());
  return listing;
}

absl::StatusOr<int> TokenAdmin::Revoke(const std::string& worker_name, const std::string& token_id) {
  if (absl::Status s = ValidateName(worker_name); !s.ok()) return s;
  const std::string id = absl::AsciiStrToLower(token_id);
  for (char c : id) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("--token-id is the hex id `edgectl token list` shows");
    }
  }
  absl::StatusOr<int> deleted = db::RunPg("revoke worker tokens", [&]() -> int {
    pqxx::work tx(conn_);
    pqxx::result r = tx.exec_params(
        "DELETE FROM edgectl_worker_token WHERE worker_name = $1 "
        "AND ($2 = '' OR token_sha256 LIKE $2 || '%')",
        worker_name, id);
    tx.commit();
    return static_cast<int>(r.affected_rows());
  });
  if (!deleted.ok()) return ExplainMissingTable(deleted.status());
  if (*deleted == 0) {
    return absl::NotFoundError(absl::StrCat("worker ", worker_name, " has no token",
                                            id.empty() ? "" : " with id " + id,
                                            " (see `edgectl token list`)"));
  }
  return deleted;
}

}  // namespace edgectl::admin
