// One log format (UTC with offset, or JSON lines with the message escaped), Airflow's levels,
// and repeated warnings held back with a count.
#include "common/logging.h"

#include <spdlog/sinks/ostream_sink.h>

#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace edgectl {
namespace {

using ::testing::HasSubstr;

struct Captured {
  std::ostringstream out;
  std::vector<std::string> Lines() const {
    std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
    return lines;
  }
};

void Install(Captured& captured, LogOptions options) {
  InstallLogging(options, "test", {std::make_shared<spdlog::sinks::ostream_sink_mt>(captured.out, true)});
}

TEST(Logging, TextLinesAreUtcWithTheOffset) {
  Captured c;
  Install(c, LogOptions{});
  spdlog::info("hello {}", 1);
  ASSERT_EQ(c.Lines().size(), 1u);
  EXPECT_TRUE(std::regex_match(
      c.Lines()[0], std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 \[info\] hello 1)")))
      << c.Lines()[0];
}

TEST(Logging, JsonLinesEscapeTheMessage) {
  Captured c;
  LogOptions options;
  options.json = true;
  Install(c, options);
  spdlog::warn("worker \"<x>\"\tsaid \\ \x01 and\nmore");
  ASSERT_EQ(c.Lines().size(), 1u);
  nlohmann::json line = nlohmann::json::parse(c.Lines()[0]);
  EXPECT_EQ(line["level"], "warning");
  EXPECT_EQ(line["logger"], "test");
  EXPECT_EQ(line["message"], "worker \"<x>\"\tsaid \\ \x01 and\nmore");
  EXPECT_THAT(line["time"].get<std::string>(), ::testing::EndsWith("+00:00"));
}

TEST(Logging, RepeatedWarningsAreHeldBackAndCounted) {
  Captured c;
  absl::Time now = absl::FromUnixSeconds(1000);
  LogOptions options;
  options.repeat_interval = absl::Seconds(60);
  options.clock = [&now] { return now; };
  Install(c, options);
  for (int i = 0; i < 5; ++i) spdlog::error("cannot reach the sidecar (attempt {})", i);
  spdlog::error("another cause");
  for (int i = 0; i < 3; ++i) spdlog::info("info is never held back {}", i);
  EXPECT_EQ(c.Lines().size(), 5u) << c.out.str();  // first of each cause + 3 infos
  now += absl::Seconds(59);
  spdlog::error("cannot reach the sidecar (attempt {})", 8);  // still within the minute
  EXPECT_EQ(c.Lines().size(), 5u);
  now += absl::Seconds(2);
  spdlog::error("cannot reach the sidecar (attempt {})", 9);
  ASSERT_EQ(c.Lines().size(), 6u);
  EXPECT_THAT(c.Lines()[5], HasSubstr("cannot reach the sidecar (attempt 9) (5 more like this"));
}

TEST(Logging, LevelsAreAirflowsAndABadOneIsNamed) {
  absl::StatusOr<AirflowConfig> config = AirflowConfig::FromText("[logging]\nlogging_level = WARNING\n", {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(LogOptionsFromConfig(*config, "", false, false)->level, spdlog::level::warn);
  EXPECT_EQ(LogOptionsFromConfig(*config, "error", false, false)->level, spdlog::level::err);
  EXPECT_EQ(LogOptionsFromConfig(*config, "", false, true)->level, spdlog::level::debug);
  absl::StatusOr<LogOptions> bad = LogOptionsFromConfig(*config, "LOUD", false, false);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("DEBUG, INFO, WARNING, ERROR, CRITICAL"));
}

}  // namespace
}  // namespace edgectl
