#include "controlplane/controlplane_command.h"

namespace edgectl::controlplane {

void AddControlPlaneCommand(CLI::App& app, cli::CliContext& context) {
  // Not yet implemented: see the open issues.
  (void)app;
  (void)context;
}

}  // namespace edgectl::controlplane
