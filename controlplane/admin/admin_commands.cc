#include "controlplane/admin/admin_commands.h"

namespace edgectl::controlplane {

void AddAdminCommands(CLI::App& app, cli::CliContext& context) {
  // Not yet implemented: see the open issues.
  (void)app;
  (void)context;
}

}  // namespace edgectl::controlplane
