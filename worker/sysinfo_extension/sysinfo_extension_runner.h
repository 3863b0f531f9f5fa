// File: worker/sysinfo_extension/sysinfo_extension_runner.h
//
// SysinfoExtension is how the worker loop gets the result of [edge] extended_system_info_function
// without ever waiting for it: Request() asks for an evaluation (ignored while one runs) and
// TakeResult() hands over the newest finished one, once. SysinfoExtensionRunner runs the
// evaluations on a thread of its own through a PythonSysinfoHelper, each bounded by a timeout, so
// a slow or hanging function delays only its own result, never a heartbeat.
#ifndef EDGECTL_WORKER_SYSINFO_EXTENSION_SYSINFO_EXTENSION_RUNNER_H_
#define EDGECTL_WORKER_SYSINFO_EXTENSION_SYSINFO_EXTENSION_RUNNER_H_

#include <memory>
#include <optional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "worker/sysinfo_extension/python_sysinfo_helper.h"

namespace edgectl::worker {

struct SysinfoExtensionResult {
  SysinfoValues values;  // empty when the evaluation failed
  absl::Status error;    // why it failed (the function's exception, a timeout, ...)
};

class SysinfoExtension {
 public:
  virtual ~SysinfoExtension() = default;
  virtual void Request() = 0;
  virtual std::optional<SysinfoExtensionResult> TakeResult() = 0;
};

class SysinfoExtensionRunner : public SysinfoExtension {
 public:
  SysinfoExtensionRunner(std::unique_ptr<PythonSysinfoHelper> helper, absl::Duration timeout);
  ~SysinfoExtensionRunner() override;

  void Request() override;
  std::optional<SysinfoExtensionResult> TakeResult() override;

 private:
  void Loop();

  std::unique_ptr<PythonSysinfoHelper> helper_;
  const absl::Duration timeout_;
  absl::Mutex mu_;
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<SysinfoExtensionResult> result_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_SYSINFO_EXTENSION_SYSINFO_EXTENSION_RUNNER_H_
