#include "controlplane/request_validation.h"

#include "absl/strings/str_cat.h"
#include "common/edge_states.h"
#include "common/utf8.h"

namespace edgectl::controlplane {

// edge3 limits count characters (Python str length), i.e. UTF-8 code points.

absl::Status ValidateProtocolVersion(v1::ProtocolVersion version) {
  if (version == v1::PROTOCOL_VERSION_1) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the worker speaks edgectl protocol version ", static_cast<int>(version),
      ", this control plane speaks version ", static_cast<int>(v1::PROTOCOL_VERSION_1),
      "; run edgectl worker and controlplane of compatible releases"));
}

absl::Status ValidateWorkerName(const std::string& worker_name) {
  if (worker_name.empty()) {
    return absl::InvalidArgumentError("worker_name is empty; set --edge-hostname or the hostname");
  }
  const size_t length = CodePointCount(worker_name);
  if (length > states::kMaxWorkerNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker name \"", worker_name, "\" has ", length, " characters; edge3 allows at most ",
        states::kMaxWorkerNameLength,
        " (edge_worker.worker_name): choose a shorter --edge-hostname"));
  }
  return absl::OkStatus();
}

absl::Status ValidateQueues(const std::optional<std::vector<std::string>>& queues) {
  if (!queues) return absl::OkStatus();
  for (const std::string& queue : *queues) {
    const size_t length = CodePointCount(queue);
    if (length > states::kMaxQueueNameLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "queue name \"", queue.substr(0, 40), "...\" has ", length,
          " characters; edge3 allows at most ", states::kMaxQueueNameLength,
          ": shorten it in --queues"));
    }
  }
  return absl::OkStatus();
}

}  // namespace edgectl::controlplane
