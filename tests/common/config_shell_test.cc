// `_cmd` commands as Airflow's run_command runs them: shlex.split, no shell, stdout unstripped.
// These run real programs (/bin/sh, echo, printf).
#include "common/config_shell.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> Split(const std::string& command) {
  absl::StatusOr<std::vector<std::string>> words = ShlexSplit(command);
  EXPECT_TRUE(words.ok()) << words.status();
  return words.ok() ? *words : std::vector<std::string>{"<error>"};
}

TEST(ConfigShellTest, SplitsLikePythonShlex) {
  EXPECT_THAT(Split("  cat   /run/secrets/jwt "), ElementsAre("cat", "/run/secrets/jwt"));
  EXPECT_THAT(Split("sh -c 'echo $HOME | tr a b'"), ElementsAre("sh", "-c", "echo $HOME | tr a b"));
  EXPECT_THAT(Split(R"(a"b c"d 'e\f' "g\"h\\i\j")"), ElementsAre("ab cd", "e\\f", "g\"h\\i\\j"));
  EXPECT_THAT(Split(R"(a\ b \"c '' "")"), ElementsAre("a b", "\"c", "", ""));
  EXPECT_THAT(Split("# not a comment"), ElementsAre("#", "not", "a", "comment"));
  EXPECT_THAT(Split(""), IsEmpty());
  EXPECT_FALSE(ShlexSplit("echo 'open").ok());
  EXPECT_FALSE(ShlexSplit("echo \"open").ok());
  EXPECT_FALSE(ShlexSplit("echo trailing\\").ok());
}

TEST(ConfigShellTest, OutputIsStdoutUnstripped) {
  absl::StatusOr<std::string> out = RunConfigCommand("/bin/sh -c 'printf \"  s3cret\\n\\n\"; echo noise >&2'");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "  s3cret\n\n");
}

TEST(ConfigShellTest, NoShellIsInvolved) {
  // echo receives "$HOME" and "|" as words: nothing expands them.
  absl::StatusOr<std::string> out = RunConfigCommand("echo $HOME | ~");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "$HOME | ~\n");
}

TEST(ConfigShellTest, FailureNamesProgramAndStatusButNotOutput) {
  absl::StatusOr<std::string> out =
      RunConfigCommand("/bin/sh -c 'echo TopSecret; echo TopSecretErr >&2; exit 3'");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(),
              AllOf(HasSubstr("`/bin/sh` exited with status 3"), HasSubstr("not shown"),
                    Not(HasSubstr("TopSecret"))));
  absl::StatusOr<std::string> killed = RunConfigCommand("/bin/sh -c 'kill -9 $$'");
  ASSERT_FALSE(killed.ok());
  EXPECT_THAT(killed.status().message(), HasSubstr("killed by signal 9"));
}

TEST(ConfigShellTest, MissingProgramOrEmptyCommandIsClear) {
  absl::StatusOr<std::string> out = RunConfigCommand("no-such-program-edgectl --flag");
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              AllOf(HasSubstr("`no-such-program-edgectl` cannot be started"),
                    HasSubstr("without a shell")));
  EXPECT_FALSE(RunConfigCommand("   ").ok());
  EXPECT_THAT(RunConfigCommand("echo 'x").status().message(), HasSubstr("No closing quotation"));
}

TEST(ConfigShellTest, UndecodableBytesAreDropped) {
  absl::StatusOr<std::string> out = RunConfigCommand("printf 'a\\377b\\303\\251'");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "ab\xC3\xA9");
}

TEST(ConfigShellTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  absl::StatusOr<std::string> out = RunConfigCommand(
      "/bin/sh -c 'head -c 300000 /dev/zero >&2; head -c 300000 /dev/zero | tr \"\\0\" a'");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->size(), 300000u);
}

}  // namespace
}  // namespace edgectl
