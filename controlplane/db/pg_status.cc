#include "controlplane/db/pg_status.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace edgectl::db {
namespace {

std::string Trimmed(const char* what) {
  return std::string(absl::StripTrailingAsciiWhitespace(what));
}

}  // namespace

absl::Status StatusFromCurrentException(const std::string& context) {
  const std::string prefix = context.empty() ? "" : context + ": ";
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat(prefix, "lost the connection to PostgreSQL: ", Trimmed(e.what())));
  } catch (const pqxx::serialization_failure& e) {
    return absl::AbortedError(absl::StrCat(prefix, "transaction conflict, retry: ",
                                           Trimmed(e.what())));
  } catch (const pqxx::deadlock_detected& e) {
    return absl::AbortedError(absl::StrCat(prefix, "deadlock, retry: ", Trimmed(e.what())));
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(absl::StrCat(prefix, Trimmed(e.what())));
  } catch (const pqxx::undefined_table& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        prefix, Trimmed(e.what()),
        " - the edge3 tables are missing: run `edgectl db init` or Airflow's migrations "
        "(airflow db migrate)"));
  } catch (const pqxx::sql_error& e) {
    return absl::InternalError(
        absl::StrCat(prefix, Trimmed(e.what()), " (SQLSTATE ", e.sqlstate(), ")"));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(prefix, Trimmed(e.what())));
  } catch (...) {
    return absl::InternalError(absl::StrCat(prefix, "unknown error"));
  }
}

}  // namespace edgectl::db
