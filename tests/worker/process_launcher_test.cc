// PosixProcessLauncher with real processes: exit codes, stderr capture, own session, group
// signalling, PATH lookup and a clear error for a missing interpreter.
#include "worker/process_launcher.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace edgectl::worker {
namespace {

std::optional<int> ReapWithin(ProcessLauncher& launcher, pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (std::optional<int> code = launcher.TryReap(pid)) return code;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return std::nullopt;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempPath(const std::string& name) {
  return std::string(getenv("TEST_TMPDIR")) + "/" + name;
}

TEST(PosixProcessLauncherTest, CapturesStderrAndExitCode) {
  PosixProcessLauncher launcher;
  LaunchSpec spec{{"sh", "-c", "echo \"to stderr $GREETING\" >&2; exit 3"},
                  {"PATH=/usr/bin:/bin", "GREETING=hello"},
                  TempPath("stderr1.log")};
  absl::StatusOr<pid_t> pid = launcher.Launch(spec);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_EQ(ReapWithin(launcher, *pid, absl::Seconds(10)), std::optional<int>(3));
  EXPECT_EQ(Read(spec.stderr_path), "to stderr hello\n");
}

TEST(PosixProcessLauncherTest, RunsInItsOwnSessionAndGroup) {
  PosixProcessLauncher launcher;
  const std::string out = TempPath("sid.txt");
  LaunchSpec spec{{"sh", "-c", "ps -o sid=,pgid= -p $$ > " + out + "; sleep 30"},
                  {"PATH=/usr/bin:/bin"},
                  TempPath("stderr2.log")};
  absl::StatusOr<pid_t> pid = launcher.Launch(spec);
  ASSERT_TRUE(pid.ok()) << pid.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Read(out).empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  std::istringstream ids(Read(out));
  pid_t sid = 0, pgid = 0;
  ids >> sid >> pgid;
  EXPECT_EQ(sid, *pid);
  EXPECT_EQ(pgid, *pid);
  EXPECT_EQ(launcher.TryReap(*pid), std::nullopt);  // still running
  launcher.Signal(*pid, SIGKILL, /*whole_group=*/true);
  EXPECT_EQ(ReapWithin(launcher, *pid, absl::Seconds(10)), std::optional<int>(128 + SIGKILL));
}

TEST(PosixProcessLauncherTest, MissingProgramIsAClearError) {
  PosixProcessLauncher launcher;
  absl::StatusOr<pid_t> pid =
      launcher.Launch({{"/nonexistent/python3", "-m", "x"}, {}, TempPath("stderr3.log")});
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(pid.status().message().find("python_interpreter"), std::string::npos);
}

}  // namespace
}  // namespace edgectl::worker
