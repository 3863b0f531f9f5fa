// File: controlplane/db/pg_status.h
//
// The storage edge: libpqxx reports errors as exceptions, edgectl as absl::Status. Every call
// into libpqxx goes through RunPg(), which converts what it throws by what the caller should do:
//   broken_connection                  -> UNAVAILABLE (retry; check the server)
//   serialization_failure, deadlock    -> ABORTED (rerun the transaction)
//   unique_violation                   -> ALREADY_EXISTS
//   undefined_table                    -> FAILED_PRECONDITION (point to `edgectl db init`)
//   other sql_error / anything else    -> INTERNAL
// Messages carry the server's text and the SQLSTATE, never the connection string.
#ifndef EDGECTL_CONTROLPLANE_DB_PG_STATUS_H_
#define EDGECTL_CONTROLPLANE_DB_PG_STATUS_H_

#include <exception>
#include <functional>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace edgectl::db {

// Converts the exception currently being handled. Call only inside a catch block.
absl::Status StatusFromCurrentException(const std::string& context);

// Runs fn, converting any exception to a Status prefixed with context ("list workers: ...").
template <typename Fn>
auto RunPg(const std::string& context, Fn&& fn) -> std::conditional_t<
    std::is_void_v<std::invoke_result_t<Fn>>, absl::Status,
    absl::StatusOr<std::invoke_result_t<Fn>>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
      fn();
      return absl::OkStatus();
    } else {
      return fn();
    }
  } catch (...) {
    return StatusFromCurrentException(context);
  }
}

}  // namespace edgectl::db

#endif  // EDGECTL_CONTROLPLANE_DB_PG_STATUS_H_
