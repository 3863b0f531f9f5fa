// Airflow's expand_env_var (os.path.expandvars + os.path.expanduser until nothing changes).
#include "common/config_expand.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

const Environment kEnv = {
    {"HOME", "/home/airflow/"}, {"SUB", "logs"}, {"NESTED", "$SUB/x"}, {"EMPTY", ""}};

std::string Expand(const std::string& text) {
  absl::StatusOr<std::string> out = ExpandEnvVar(text, kEnv);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "<error>";
}

TEST(ConfigExpandTest, DollarNamesAndBraces) {
  EXPECT_EQ(Expand("$SUB/a"), "logs/a");
  EXPECT_EQ(Expand("${SUB}a"), "logsa");
  EXPECT_EQ(Expand("a$EMPTY.b"), "a.b");
}

TEST(ConfigExpandTest, UnsetAndMalformedReferencesStay) {
  EXPECT_EQ(Expand("$UNSET/${UNSET}"), "$UNSET/${UNSET}");
  EXPECT_EQ(Expand("$$ $ ${SUB"), "$$ $ ${SUB");
  EXPECT_EQ(Expand("${}"), "${}");
  EXPECT_EQ(Expand("100%"), "100%");
}

TEST(ConfigExpandTest, RepeatsUntilNothingChanges) {
  // One expandvars pass does not rescan what it substituted; Airflow's loop does.
  EXPECT_EQ(ExpandVars("$NESTED", kEnv), "$SUB/x");
  EXPECT_EQ(Expand("$NESTED"), "logs/x");
}

TEST(ConfigExpandTest, TildeOnlyAtTheStart) {
  EXPECT_EQ(Expand("~"), "/home/airflow");
  EXPECT_EQ(Expand("~/dags"), "/home/airflow/dags");
  EXPECT_EQ(Expand("a ~/dags"), "a ~/dags");
  EXPECT_EQ(Expand("~root/x"), "/root/x");
  EXPECT_EQ(Expand("~no-such-user-edgectl/x"), "~no-such-user-edgectl/x");
  EXPECT_EQ(ExpandUser("~", {{"HOME", "/"}}), "/");
}

TEST(ConfigExpandTest, AVariableThatKeepsGrowingIsAnError) {
  absl::StatusOr<std::string> out = ExpandEnvVar("$LOOP", {{"LOOP", "a$LOOP"}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), ::testing::HasSubstr("does not settle"));
  // A variable equal to its own reference settles at once, as in Python.
  EXPECT_EQ(*ExpandEnvVar("$SELF", {{"SELF", "$SELF"}}), "$SELF");
}

}  // namespace
}  // namespace edgectl
