// The `_secret` backend edgectl supports: Airflow's LocalFilesystemBackend configs files.
#include "common/config_secrets.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

SecretsBackend Local(const std::string& configs_file) {
  absl::StatusOr<SecretsBackend> backend = SecretsBackend::Create(
      kLocalFilesystemBackend, absl::StrCat("{\"configs_file_path\": \"", configs_file, "\"}"));
  EXPECT_TRUE(backend.ok()) << backend.status();
  return *backend;
}

TEST(ConfigSecretsTest, EnvFileIsReadAsAirflowReadsIt) {
  SecretsBackend backend = Local(WriteFile(
      "configs.env", "# comment\n  # indented comment\n\njwt= spaced value \nconn=a=b\n"));
  EXPECT_EQ(*backend.GetConfig("jwt"), " spaced value ");  // nothing is stripped
  EXPECT_EQ(*backend.GetConfig("conn"), "a=b");
  EXPECT_EQ(*backend.GetConfig("missing"), std::nullopt);
  EXPECT_THAT(backend.Describe(), HasSubstr("configs.env"));
}

TEST(ConfigSecretsTest, BrokenEnvFileNamesLinesNotValues) {
  SecretsBackend backend = Local(WriteFile("bad.env", "ok=1\nTopSecretNoEquals\nempty=\nok=2\n"));
  absl::StatusOr<std::optional<std::string>> value = backend.GetConfig("ok");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(),
              AllOf(HasSubstr("line 2 has no '='"), HasSubstr("line 3 has an empty value"),
                    Not(HasSubstr("TopSecret"))));
}

TEST(ConfigSecretsTest, JsonFileHoldsStrings) {
  SecretsBackend backend =
      Local(WriteFile("configs.json", R"({"jwt": "s3cret", "one": ["only"], "n": 5})"));
  EXPECT_EQ(*backend.GetConfig("jwt"), "s3cret");
  EXPECT_EQ(*backend.GetConfig("one"), "only");  // a one-element list, as load_configs_dict
  EXPECT_EQ(*backend.GetConfig("missing"), std::nullopt);
  EXPECT_THAT(backend.GetConfig("n").status().message(), HasSubstr("not a JSON string"));
  SecretsBackend broken = Local(WriteFile("broken.json", R"({"jwt": "TopSecret)"));
  EXPECT_THAT(broken.GetConfig("jwt").status().message(),
              AllOf(HasSubstr("not valid JSON"), Not(HasSubstr("TopSecret"))));
}

TEST(ConfigSecretsTest, OtherBackendsAndYamlAreUnimplemented) {
  absl::StatusOr<SecretsBackend> vault = SecretsBackend::Create(
      "airflow.providers.hashicorp.secrets.vault.VaultBackend", R"({"token": "TopSecret"})");
  ASSERT_FALSE(vault.ok());
  EXPECT_EQ(vault.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(vault.status().message(),
              AllOf(HasSubstr("VaultBackend"), HasSubstr("_cmd"), Not(HasSubstr("TopSecret"))));
  SecretsBackend yaml = Local(WriteFile("configs.yaml", "jwt: x\n"));
  EXPECT_EQ(yaml.GetConfig("jwt").status().code(), absl::StatusCode::kUnimplemented);
}

TEST(ConfigSecretsTest, LocalBackendWithoutConfigsFileIsAnError) {
  absl::StatusOr<SecretsBackend> none = SecretsBackend::Create(
      kLocalFilesystemBackend, R"({"variables_file_path": "/x.json"})");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("configs_file_path"));
  EXPECT_FALSE(SecretsBackend::Create(kLocalFilesystemBackend, "{not json").ok());
  absl::StatusOr<SecretsBackend> unreadable = SecretsBackend::Create(
      kLocalFilesystemBackend, R"({"configs_file_path": "/no/such/configs.json"})");
  ASSERT_TRUE(unreadable.ok());
  EXPECT_THAT(unreadable->GetConfig("x").status().message(), HasSubstr("cannot read"));
}

}  // namespace
}  // namespace edgectl
