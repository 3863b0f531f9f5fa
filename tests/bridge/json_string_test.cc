// AppendJsonString (the one-pass writer for log text bound for logs/push) against nlohmann's
// dump, which the rest of the bridge uses: byte-identical on every ASCII byte, multi-byte UTF-8
// and long mixed text; invalid UTF-8 is refused so PushLogsBody falls back to nlohmann (which
// replaces it), and PushLogsBody's two paths agree.
#include "bridge/json_string.h"

#include <random>
#include <string>

#include "absl/time/time.h"
#include "bridge/edge_api_json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace edgectl::bridge {
namespace {

std::string Nlohmann(const std::string& s) {
  return nlohmann::ordered_json(s).dump(-1, ' ', false,
                                        nlohmann::ordered_json::error_handler_t::replace);
}

std::string Fast(const std::string& s) {
  std::string out;
  EXPECT_TRUE(AppendJsonString(out, s)) << s;
  return out;
}

TEST(JsonStringTest, EveryAsciiByteAsNlohmannWritesIt) {
  for (int b = 0; b < 0x80; ++b) {
    const std::string s = "x" + std::string(1, static_cast<char>(b)) + "0123456789abcdef";
    EXPECT_EQ(Fast(s), Nlohmann(s)) << "byte " << b;
  }
}

TEST(JsonStringTest, MultiByteUtf8IsKept) {
  const std::string s = "gr\xC3\xBC\xC3\x9F \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD end";
  EXPECT_EQ(Fast(s), Nlohmann(s));
  EXPECT_EQ(Fast(""), "\"\"");
}

TEST(JsonStringTest, RandomMixedTextMatchesNlohmann) {
  const std::string pieces[] = {"a", "log line ", "\n", "\t", "\"", "\\", std::string(1, '\x01'),
                                "\x1F", "\x7F", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                "\\xff", "0123456789 the quick brown fox "};
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 200); k > 0; --k) s += pieces[rng() % 14];
    EXPECT_EQ(Fast(s), Nlohmann(s));
  }
}

TEST(JsonStringTest, RefusesInvalidUtf8AndLeavesTheOutputAlone) {
  for (const std::string bad : {"a\xFF", "\x80", "ab\xE2\x82", "\xC0\xAF", "\xED\xA0\x80",
                                "\xF4\x90\x80\x80", "0123456789abcdef\xC3"}) {
    std::string out = "prefix";
    EXPECT_FALSE(AppendJsonString(out, bad)) << bad;
    EXPECT_EQ(out, "prefix");
  }
}

TEST(JsonStringTest, PushLogsBodyIsTheSameOnBothPaths) {
  JobKey key;
  key.task_instance_id = "0192f0c1-uuid";
  const absl::Time t = absl::FromUnixMicros(1767225600123456);
  const std::string text = "line \"1\"\n\ttab \xE2\x9C\x93 \x01 end\\";
  nlohmann::ordered_json j;
  j["log_chunk_time"] = "2026-01-01T00:00:00.123456Z";
  j["log_chunk_data"] = text;
  j["task_instance_id"] = key.task_instance_id;
  EXPECT_EQ(PushLogsBody(key, t, text), j.dump());
  // Invalid UTF-8 (never made by the sidecar, but possible for a caller): nlohmann's U+FFFD.
  EXPECT_EQ(PushLogsBody(key, t, "a\xFF" "b"),
            R"({"log_chunk_time":"2026-01-01T00:00:00.123456Z","log_chunk_data":"a)"
            "\xEF\xBF\xBD"
            R"(b","task_instance_id":"0192f0c1-uuid"})");
}

}  // namespace
}  // namespace edgectl::bridge
