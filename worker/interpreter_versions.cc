#include "worker/interpreter_versions.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/run_command.h"

namespace edgectl::worker {
namespace {

constexpr char kProbe[] =
    "import sys\n"
    "import airflow\n"
    "import airflow.providers.edge3 as edge3\n"
    "sys.stdout.write(airflow.__version__ + '\\n' + edge3.__version__ + '\\n' + "
    "sys.version.replace('\\n', ' ') + '\\n')\n";

}  // namespace

absl::StatusOr<InterpreterVersions> DetectInterpreterVersions(
    const std::string& interpreter, const std::vector<std::string>& env) {
  absl::StatusOr<CommandRun> run =
      RunCommand({{interpreter, "-c", kProbe}, &env, /*merge_stderr=*/true});
  if (!run.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run the Python interpreter '", interpreter, "': ", run.status().message(),
        ". Set [edge] python_interpreter (or --python) to a Python with Airflow installed."));
  }
  const std::string& output = run->out;
  std::vector<std::string> lines = absl::StrSplit(output, '\n');
  if (run->signaled || run->exit_code != 0 || lines.size() < 3) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read Airflow's and the edge3 provider's versions with '", interpreter,
        "' (is Airflow with apache-airflow-providers-edge3 installed for it, or PYTHONPATH "
        "set?): ",
        absl::StripAsciiWhitespace(output)));
  }
  return InterpreterVersions{lines[0], lines[1], lines[2]};
}

}  // namespace edgectl::worker
