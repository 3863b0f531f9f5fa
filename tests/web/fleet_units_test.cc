// Pure pieces of the fleet page: the per-minute dispatch latency ring, the JSON rendering of
// hostile values, and the embedded page files' promises (no inline script or style, data only
// through textContent).
#include <string>

#include "controlplane/dispatch_latency_log.h"
#include "controlplane/web/fleet_assets.h"
#include "controlplane/web/fleet_json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace edgectl::web {
namespace {

using controlplane::DispatchLatencyLog;

const absl::Time kNoon = absl::FromUnixSeconds(1767268800);  // 2026-01-01T12:00:00Z

TEST(DispatchLatencyLogTest, AggregatesPerMinuteAndEstimatesPercentiles) {
  DispatchLatencyLog log;
  for (int i = 0; i < 99; ++i) log.Record("j" + std::to_string(i), absl::Milliseconds(8), kNoon);
  log.Record("slow", absl::Milliseconds(400), kNoon + absl::Seconds(30));
  log.Record("next", absl::Milliseconds(30), kNoon + absl::Minutes(1));
  const auto minutes = log.LastHour(kNoon + absl::Minutes(1));
  ASSERT_EQ(minutes.size(), 2u);
  EXPECT_EQ(minutes[0].minute, kNoon);
  EXPECT_EQ(minutes[0].count, 100u);
  EXPECT_DOUBLE_EQ(minutes[0].p50_seconds, 0.01);  // bucket bound above 8 ms
  EXPECT_DOUBLE_EQ(minutes[0].p99_seconds, 0.01);
  EXPECT_DOUBLE_EQ(minutes[0].max_seconds, 0.4);
  EXPECT_DOUBLE_EQ(minutes[1].p50_seconds, 0.03);  // capped at the largest value seen
  const controlplane::LatencyMinute hour = log.HourTotal(kNoon + absl::Minutes(1));
  EXPECT_EQ(hour.count, 101u);
  EXPECT_EQ(log.ForJob("slow"), absl::Milliseconds(400));
  EXPECT_EQ(log.ForJob("never"), std::nullopt);
}

TEST(DispatchLatencyLogTest, ForgetsWhatIsOlderThanAnHourAndBoundsRecentJobs) {
  DispatchLatencyLog log;
  log.Record("old", absl::Milliseconds(5), kNoon);
  EXPECT_EQ(log.LastHour(kNoon + absl::Minutes(59)).size(), 1u);
  EXPECT_TRUE(log.LastHour(kNoon + absl::Minutes(60)).empty());
  // A minute 60 minutes later reuses the slot and starts from zero.
  log.Record("new", absl::Milliseconds(7), kNoon + absl::Minutes(60));
  const auto minutes = log.LastHour(kNoon + absl::Minutes(60));
  ASSERT_EQ(minutes.size(), 1u);
  EXPECT_EQ(minutes[0].count, 1u);
  for (size_t i = 0; i < DispatchLatencyLog::kRecentJobs; ++i) {
    log.Record("job" + std::to_string(i), absl::Milliseconds(1), kNoon + absl::Minutes(61));
  }
  EXPECT_EQ(log.ForJob("old"), std::nullopt);
  EXPECT_EQ(log.ForJob("job0"), absl::Milliseconds(1));
}

TEST(DispatchJobIdTest, PartsCannotRunIntoEachOther) {
  EXPECT_NE(controlplane::DispatchJobId("a", "bc", "r", -1, 1),
            controlplane::DispatchJobId("ab", "c", "r", -1, 1));
  EXPECT_NE(controlplane::DispatchJobId("a", "b", "r", 1, 11),
            controlplane::DispatchJobId("a", "b", "r", 11, 1));
}

TEST(FleetJsonTest, HostileValuesAreEscapedJsonAndReadBackExactly) {
  WorkerList list;
  admin::WorkerRecord w;
  w.worker_name = "<script>alert(\"x\")</script>&\\\n\x01";
  w.state = "idle";
  w.maintenance_comment = "</script><img src=x onerror=alert(1)>";
  w.queues = std::vector<std::string>{"a\"b"};
  list.workers.push_back(w);
  const std::string text = Dump(WorkersJson(list, {}, kNoon));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
  EXPECT_NE(text.find(R"(<script>alert(\"x\")</script>&\\\n\u0001)"), std::string::npos);
  const nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_EQ(back["workers"][0]["worker_name"], w.worker_name);
  EXPECT_EQ(back["workers"][0]["maintenance_comment"], *w.maintenance_comment);
  EXPECT_EQ(back["workers"][0]["queues"][0], "a\"b");
  EXPECT_EQ(back["workers"][0]["jobs_active"], "0");  // as list-workers -o json prints it
}

TEST(FleetJsonTest, InvalidUtf8IsReplacedNotFatal) {
  LogSlice slice;
  slice.text = "ok \xff\xfe end";
  const nlohmann::json back = nlohmann::json::parse(Dump(LogJson(JobRef{}, slice)));
  EXPECT_EQ(back["text"], "ok \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(FleetAssetsTest, PageHasNoInlineCodeAndPutsDataInAsText) {
  const Asset* page = FindAsset("index.html");
  const Asset* script = FindAsset("fleet.js");
  ASSERT_NE(page, nullptr);
  ASSERT_NE(script, nullptr);
  ASSERT_NE(FindAsset("fleet.css"), nullptr);
  EXPECT_EQ(FindAsset("missing.js"), nullptr);
  const std::string html(page->body);
  // Every <script> has a src (CSP forbids inline code anyway; this keeps the page working).
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    EXPECT_EQ(html.compare(at, 13, "<script src=\""), 0) << html.substr(at, 40);
  }
  EXPECT_EQ(html.find(" style="), std::string::npos);
  EXPECT_EQ(html.find(" onclick="), std::string::npos);
  EXPECT_EQ(html.find("<style"), std::string::npos);
  const std::string js(script->body);
  EXPECT_EQ(js.find("innerHTML"), std::string::npos);
  EXPECT_EQ(js.find("outerHTML"), std::string::npos);
  EXPECT_EQ(js.find("insertAdjacentHTML"), std::string::npos);
  EXPECT_EQ(js.find("document.write"), std::string::npos);
  EXPECT_EQ(js.find("eval("), std::string::npos);
  EXPECT_NE(js.find("textContent"), std::string::npos);
}

}  // namespace
}  // namespace edgectl::web
