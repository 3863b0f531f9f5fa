// File: worker/interpreter_versions.h
//
// The versions sent in sysinfo (edge3 §3.7) come from the Python that will run the tasks: the
// worker runs `<interpreter> -c ...` once at startup and reads airflow.__version__,
// airflow.providers.edge3.__version__ and sys.version. A failure is FAILED_PRECONDITION with the
// interpreter's stderr, since nothing can run without Airflow's Task SDK.
#ifndef EDGECTL_WORKER_INTERPRETER_VERSIONS_H_
#define EDGECTL_WORKER_INTERPRETER_VERSIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::worker {

struct InterpreterVersions {
  std::string airflow_version;
  std::string edge_provider_version;
  std::string python_version;
};

// env: the environment the task processes will get (PYTHONPATH matters).
absl::StatusOr<InterpreterVersions> DetectInterpreterVersions(
    const std::string& interpreter, const std::vector<std::string>& env);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_INTERPRETER_VERSIONS_H_
