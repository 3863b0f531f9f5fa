// ExtractLogChunkData gives the value nlohmann would parse, and leaves bodies it cannot take
// for certain (\u escapes, invalid UTF-8, the key inside another string) to nlohmann.
#include "tests/airflow_double/log_push_body.h"

#include <random>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace edgectl::airflow_double {
namespace {

TEST(LogPushBodyTest, SameValueAsNlohmannAndTheRestKeepsTheOtherFields) {
  const std::string pieces[] = {"line ", "\n", "\t", "\"", "\\", "/", "\xC3\xA9",
                                "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\r", "\b", "\f"};
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) {
    std::string data;
    for (int k = static_cast<int>(rng() % 100); k > 0; --k) data += pieces[rng() % 12];
    nlohmann::ordered_json j;
    j["log_chunk_time"] = "2026-01-01T00:00:00.123456Z";
    j["log_chunk_data"] = data;
    j["task_instance_id"] = "u-1";
    std::string rest;
    std::optional<std::string> got = ExtractLogChunkData(j.dump(), &rest);
    ASSERT_TRUE(got.has_value()) << j.dump();
    EXPECT_EQ(*got, data);
    nlohmann::json parsed = nlohmann::json::parse(rest);
    EXPECT_EQ(parsed["log_chunk_data"], "");
    EXPECT_EQ(parsed["log_chunk_time"], "2026-01-01T00:00:00.123456Z");
    EXPECT_EQ(parsed["task_instance_id"], "u-1");
  }
  // Python's json.dumps layout (blanks after ':' and ',').
  std::string rest;
  EXPECT_EQ(ExtractLogChunkData(R"({"log_chunk_time": "t", "log_chunk_data": "a\nb"})", &rest),
            "a\nb");
  EXPECT_EQ(rest, R"({"log_chunk_time": "t", "log_chunk_data": ""})");
}

TEST(LogPushBodyTest, LeavesUnusualBodiesToTheGeneralParser) {
  std::string rest;
  EXPECT_FALSE(ExtractLogChunkData(R"({"log_chunk_data":"\u00e9"})", &rest));
  EXPECT_FALSE(ExtractLogChunkData("{\"log_chunk_data\":\"\xFF\"}", &rest));
  EXPECT_FALSE(ExtractLogChunkData("{\"log_chunk_data\":\"a\nb\"}", &rest));  // raw newline
  EXPECT_FALSE(ExtractLogChunkData(R"({"x":"\"log_chunk_data\":\"y\""})", &rest));
  EXPECT_FALSE(ExtractLogChunkData(R"({"x":"," "log_chunk_data":"y"})", &rest));
  EXPECT_FALSE(ExtractLogChunkData(R"({"log_chunk_data":"open)", &rest));
  EXPECT_FALSE(ExtractLogChunkData(R"({"log_chunk_data":7})", &rest));
  EXPECT_FALSE(ExtractLogChunkData(R"({"log_chunk_time":"t"})", &rest));
}

}  // namespace
}  // namespace edgectl::airflow_double
