#include "bridge/edge_api.h"

#include <string>

#include "absl/strings/numbers.h"

namespace edgectl::bridge {
namespace {

// The status travels as a payload so callers can branch on it without parsing messages.
constexpr char kHttpStatusPayload[] = "edgectl.bridge/http_status";

}  // namespace

int HttpStatusOf(const absl::Status& status) {
  auto payload = status.GetPayload(kHttpStatusPayload);
  if (!payload.has_value()) return 0;
  int code = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &code)) return 0;
  return code;
}

absl::Status WithHttpStatus(absl::Status status, int http_status) {
  if (status.ok()) return status;
  status.SetPayload(kHttpStatusPayload, absl::Cord(std::to_string(http_status)));
  return status;
}

}  // namespace edgectl::bridge
