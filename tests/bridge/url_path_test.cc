// edge3's URL building: quote() of worker names, unquoted ids, urljoin with api_url forms.
#include "bridge/url_path.h"

#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

JobKey Key(std::string dag, std::string task, std::string run, int try_number, int map_index) {
  JobKey key;
  key.dag_id = std::move(dag);
  key.task_id = std::move(task);
  key.run_id = std::move(run);
  key.try_number = try_number;
  key.map_index = map_index;
  return key;
}

TEST(UrlPathTest, PythonQuoteKeepsUnreservedAndSlash) {
  EXPECT_EQ(PythonQuote("edge-host.example.com"), "edge-host.example.com");
  EXPECT_EQ(PythonQuote("a_b~c/d"), "a_b~c/d");
  EXPECT_EQ(PythonQuote("host 1"), "host%201");
  EXPECT_EQ(PythonQuote("a+b:c@d"), "a%2Bb%3Ac%40d");
  EXPECT_EQ(PythonQuote("h\xc3\xa9"), "h%C3%A9");  // UTF-8 bytes, upper-case hex
}

TEST(UrlPathTest, WorkerPathsQuoteTheNameAndSignTheDecodedPath) {
  RestPath p = WorkerPath("edge-worker.site-1");
  EXPECT_EQ(p.wire, "worker/edge-worker.site-1");
  EXPECT_EQ(p.method, "worker/edge-worker.site-1");
  EXPECT_EQ(JobsFetchPath("edge-worker.site-1").wire, "jobs/fetch/edge-worker.site-1");
  EXPECT_EQ(WorkerQueuesPath("w-1").wire, "worker/queues/w-1");
  RestPath spaced = WorkerPath("my host");
  EXPECT_EQ(spaced.wire, "worker/my%20host");
  EXPECT_EQ(spaced.method, "worker/my host");
}

TEST(UrlPathTest, JobPathsCarryIdsUnquoted) {
  JobKey key = Key("my.dag.v2", "extract-1", "manual__2026-01-01T00:00:00+00:00", 1, -1);
  RestPath state = JobsStatePath(key, "running");
  EXPECT_EQ(state.wire, "jobs/state/my.dag.v2/extract-1/manual__2026-01-01T00:00:00+00:00/1/-1/running");
  EXPECT_EQ(state.method, state.wire);
  EXPECT_EQ(LogsPushPath(key).wire,
            "logs/push/my.dag.v2/extract-1/manual__2026-01-01T00:00:00+00:00/1/-1");
  key.map_index = 3;
  EXPECT_EQ(LogfilePathPath(key).wire,
            "logs/logfile_path/my.dag.v2/extract-1/manual__2026-01-01T00:00:00+00:00/1/3");
}

TEST(UrlPathTest, CharactersAUrlCannotCarryAreEncodedButNotSigned) {
  JobKey key = Key("d", "t", "run with space?#%", 2, -1);
  RestPath p = LogsPushPath(key);
  EXPECT_EQ(p.wire, "logs/push/d/t/run%20with%20space%3F%23%25/2/-1");
  EXPECT_EQ(p.method, "logs/push/d/t/run with space?#%/2/-1");
}

TEST(UrlPathTest, UuidGoesToTheQueryOutsideTheMethod) {
  JobKey key = Key("d", "t", "r", 1, -1);
  key.task_instance_id = "0199a3c5-2f4e-7c1a-9b5d-1234567890ab";
  RestPath p = LogfilePathPath(key);
  EXPECT_EQ(p.wire, "logs/logfile_path/d/t/r/1/-1?task_instance_id=0199a3c5-2f4e-7c1a-9b5d-1234567890ab");
  EXPECT_EQ(p.method, "logs/logfile_path/d/t/r/1/-1");
}

TEST(UrlPathTest, UrlJoinAsPythonsUrljoin) {
  EXPECT_EQ(*UrlJoin("https://af.example/edge_worker/v1/rpcapi", "worker/h"),
            "https://af.example/edge_worker/v1/worker/h");
  EXPECT_EQ(*UrlJoin("https://af.example/edge_worker/v1/", "worker/h"),
            "https://af.example/edge_worker/v1/worker/h");
  EXPECT_EQ(*UrlJoin("https://af.example/sub/edge_worker/v1/rpcapi?x=1", "health"),
            "https://af.example/sub/edge_worker/v1/health");
  EXPECT_EQ(*UrlJoin("http://127.0.0.1:8080", "health"), "http://127.0.0.1:8080/health");
  absl::StatusOr<std::string> bad = UrlJoin("af.example/edge_worker/v1/", "health");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("[edge] api_url"), std::string::npos);
}

}  // namespace
}  // namespace edgectl::bridge
