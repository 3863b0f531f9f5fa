#include "controlplane/execution_relay/relay_service.h"

#include "absl/strings/str_cat.h"
#include "proto/execution_relay_rules.h"

namespace edgectl::controlplane {

v1::ExecutionApiResponse RelayBusyResponse(uint64_t request_id, const std::string& why) {
  v1::ExecutionApiResponse response =
      v1::RelayBusyResponse(absl::StrCat("edgectl sidecar relay: ", why, "; retry"));
  response.set_request_id(request_id);
  return response;
}

ExecutionRelayService::ExecutionRelayService(RelayServiceOptions options,
                                             std::unique_ptr<bridge::HttpTransport> transport)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      forwarder_(options_.forward, *transport_, metrics_),
      executor_(ExecutorOptions{options_.threads, options_.threads * 64,
                                options_.queued_per_worker, options_.running_per_worker}) {}

ExecutionRelayService::~ExecutionRelayService() { Shutdown(); }

void ExecutionRelayService::Submit(const std::string& fair_key,
                                   std::shared_ptr<const v1::ExecutionApiRequest> request,
                                   Done done) {
  auto shared_done = std::make_shared<Done>(std::move(done));
  absl::Status queued = executor_.Submit(fair_key, [this, request, shared_done] {
    (*shared_done)(forwarder_.Forward(*request));
  });
  if (!queued.ok()) {
    metrics_.Record(request->path(), 503, absl::ZeroDuration());
    (*shared_done)(RelayBusyResponse(request->request_id(), std::string(queued.message())));
  }
}

void ExecutionRelayService::Shutdown() { executor_.Shutdown(); }

}  // namespace edgectl::controlplane
