// airflow.cfg parsing as Python's ConfigParser does it for Airflow (strict, BasicInterpolation,
// case-preserving names). Expected values were checked against configparser's source.
#include "common/config_ini.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

IniFile Parse(const std::string& text) {
  absl::StatusOr<IniFile> ini = IniFile::Parse(text, "/etc/airflow/airflow.cfg");
  EXPECT_TRUE(ini.ok()) << ini.status();
  return ini.ok() ? *ini : IniFile();
}

std::string Value(const IniFile& ini, const std::string& section, const std::string& key) {
  absl::StatusOr<std::string> value = ini.Interpolated(section, key);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : "<error>";
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<IniFile> ini = IniFile::Parse(text, "/etc/airflow/airflow.cfg");
  EXPECT_FALSE(ini.ok());
  return ini.ok() ? "" : std::string(ini.status().message());
}

TEST(ConfigIniTest, DoublePercentIsALiteralPercent) {
  IniFile ini = Parse("[logging]\nlog_format = [%%(asctime)s] %%(message)s 100%%\n");
  EXPECT_EQ(Value(ini, "logging", "log_format"), "[%(asctime)s] %(message)s 100%");
  EXPECT_EQ(ini.Find("logging", "log_format")->raw, "[%%(asctime)s] %%(message)s 100%%");
}

TEST(ConfigIniTest, InterpolatesFromTheSameSectionAndDefault) {
  IniFile ini = Parse(
      "[DEFAULT]\nhost = default-host\nuser = airflow\n"
      "[database]\nhost = db.example\nport = 5432\n"
      "sql_alchemy_conn = postgresql://%(user)s@%(address)s/airflow\n"
      "address = %(host)s:%(port)s\n"
      "[other]\nurl = http://%(host)s\n");
  EXPECT_EQ(Value(ini, "database", "sql_alchemy_conn"), "postgresql://airflow@db.example:5432/airflow");
  // A [DEFAULT] value resolves references in the section being read.
  EXPECT_EQ(Value(ini, "other", "url"), "http://default-host");
  EXPECT_EQ(Value(ini, "other", "user"), "airflow");
}

TEST(ConfigIniTest, BadPercentNamesFileLineSectionKeyAndTheFix) {
  IniFile ini = Parse("[core]\n\nfernet_key = abc%def\n");
  absl::StatusOr<std::string> value = ini.Interpolated("core", "fernet_key");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              AllOf(HasSubstr("/etc/airflow/airflow.cfg line 3"), HasSubstr("[core] fernet_key"),
                    HasSubstr("write %% for a literal %"), Not(HasSubstr("abc"))));
  EXPECT_FALSE(Parse("[a]\nx = 50%\n").Interpolated("a", "x").ok());
  EXPECT_FALSE(Parse("[a]\nx = %(y\n").Interpolated("a", "x").ok());
  EXPECT_FALSE(Parse("[a]\nx = %(y)d\ny = 1\n").Interpolated("a", "x").ok());
}

TEST(ConfigIniTest, MissingReferenceAndLoopsAreErrors) {
  IniFile ini = Parse("[a]\nx = %(Y)s\ny = 1\nloop = %(loop)s\n[b]\nz = %(y)s\n");
  absl::StatusOr<std::string> missing = ini.Interpolated("a", "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("%(Y)s refers to an option"));
  absl::StatusOr<std::string> loop = ini.Interpolated("a", "loop");
  ASSERT_FALSE(loop.ok());
  EXPECT_THAT(loop.status().message(), HasSubstr("deeper than 10"));
  EXPECT_FALSE(ini.Interpolated("b", "z").ok());  // other sections are not searched
}

TEST(ConfigIniTest, EqualsOrColonSplitsAtTheFirstDelimiter) {
  IniFile ini = Parse("[edge]\n  spaced key   =   v  \napi_url: http://h:8080/x\nurl=a=b\n");
  EXPECT_EQ(Value(ini, "edge", "api_url"), "http://h:8080/x");
  EXPECT_EQ(Value(ini, "edge", "url"), "a=b");
  EXPECT_EQ(Value(ini, "edge", "spaced key"), "v");
}

TEST(ConfigIniTest, CommentsAreWholeLinesOnly) {
  IniFile ini = Parse("# top\n; also\n[core]\n  # indented comment\nexecutor = Edge # not a comment\n");
  EXPECT_EQ(Value(ini, "core", "executor"), "Edge # not a comment");
  EXPECT_EQ(ini.sections().size(), 1u);
}

TEST(ConfigIniTest, IndentedLinesContinueTheValue) {
  IniFile ini = Parse(
      "[dag_processor]\n"
      "dag_bundle_config_list = [\n"
      "    {\"name\": \"a\",\n"
      "\n"
      "    # dropped comment\n"
      "     \"x\": 1}\n"
      "  ]\n"
      "\n"
      "\n"
      "next = 1\n"
      "  [not_a_section]\n");
  EXPECT_EQ(Value(ini, "dag_processor", "dag_bundle_config_list"),
            "[\n{\"name\": \"a\",\n\n\"x\": 1}\n]");
  EXPECT_EQ(Value(ini, "dag_processor", "next"), "1\n[not_a_section]");
}

TEST(ConfigIniTest, ContinuationIsRelativeToTheKeysIndentation) {
  IniFile ini = Parse("[a]\n  x = 1\n  y = 2\n    more\n");
  EXPECT_EQ(Value(ini, "a", "x"), "1");
  EXPECT_EQ(Value(ini, "a", "y"), "2\nmore");
}

TEST(ConfigIniTest, NamesKeepTheirCase) {
  IniFile ini = Parse("[Core]\nExecutor = A\nexecutor = B\n");
  EXPECT_EQ(ini.Find("core", "executor"), nullptr);
  EXPECT_EQ(ini.Find("Core", "executor")->raw, "B");
  EXPECT_EQ(ini.Find("Core", "Executor")->raw, "A");  // different names: no duplicate
}

TEST(ConfigIniTest, DuplicatesAreErrorsAsInStrictMode) {
  EXPECT_THAT(ErrorOf("[core]\na = 1\n[edge]\n[core]\n"),
              AllOf(HasSubstr("line 4"), HasSubstr("[core] appears again (first on line 1)")));
  EXPECT_THAT(ErrorOf("[core]\na = 1\nb = 2\na = 3\n"),
              AllOf(HasSubstr("line 4"), HasSubstr("[core] a is set again (first on line 2)")));
  EXPECT_THAT(ErrorOf("[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n"), HasSubstr("[DEFAULT] a"));
  IniFile ok = Parse("[DEFAULT]\na = 1\n[x]\n[DEFAULT]\nb = 2\n");
  EXPECT_EQ(ok.defaults().size(), 2u);
}

TEST(ConfigIniTest, SectionNameRunsToTheLastBracket) {
  IniFile ini = Parse("[core] ; trailing text\na = 1\n[x]y]\nb = 2\n");
  EXPECT_NE(ini.Find("core", "a"), nullptr);
  EXPECT_NE(ini.Find("x]y", "b"), nullptr);
}

TEST(ConfigIniTest, DefaultOptionsAppearInFileSectionsOnly) {
  IniFile ini = Parse("[DEFAULT]\nshared = s\n[core]\nshared = own\n[edge]\n");
  EXPECT_EQ(ini.Find("core", "shared")->raw, "own");
  EXPECT_EQ(ini.Find("edge", "shared")->raw, "s");
  EXPECT_EQ(ini.Find("database", "shared"), nullptr);
  ASSERT_EQ(ini.Items("core").size(), 1u);
  EXPECT_EQ(ini.Items("core")[0]->raw, "own");
}

TEST(ConfigIniTest, MalformedLinesAreReportedTogetherWithoutTheirText) {
  const std::string message = ErrorOf("[core]\nTopSecretLine\nok = 1\n= value\nanother\n");
  EXPECT_THAT(message, AllOf(HasSubstr("/etc/airflow/airflow.cfg lines 2, 4, 5"),
                             HasSubstr("indented deeper than its key"),
                             Not(HasSubstr("TopSecret"))));
}

TEST(ConfigIniTest, OptionBeforeAnySectionOrABomIsAnError) {
  EXPECT_THAT(ErrorOf("\n# c\nexecutor = x\n"),
              AllOf(HasSubstr("line 3"), HasSubstr("before any [section]")));
  EXPECT_THAT(ErrorOf("[edge\n"), HasSubstr("line 1"));
  EXPECT_THAT(ErrorOf("\xEF\xBB\xBF[core]\n"), HasSubstr("byte order mark"));
}

TEST(ConfigIniTest, WindowsLineEndings) {
  IniFile ini = Parse("[core]\r\nexecutor = A\r\n  B\r\n");
  EXPECT_EQ(Value(ini, "core", "executor"), "A\nB");
}

}  // namespace
}  // namespace edgectl
