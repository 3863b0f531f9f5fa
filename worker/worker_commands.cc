#include "worker/worker_commands.h"

namespace edgectl::worker {

void AddWorkerCommands(CLI::App& app, cli::CliContext& context) {
  // Not yet implemented: see the open issues.
  (void)app;
  (void)context;
}

}  // namespace edgectl::worker
