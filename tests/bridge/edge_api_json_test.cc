// Request bodies byte for byte as edge3's worker sends them (pydantic
// model_dump_json(exclude_unset=True)), and strict reply parsing.
#include "bridge/edge_api_json.h"

#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

WorkerStateBody Body() {
  WorkerStateBody body;
  body.state = "starting";
  body.queues = std::vector<std::string>{"default", "gpu"};
  body.sysinfo = {{"airflow_version", std::string("3.1.0")},
                  {"concurrency", int64_t{8}},
                  {"edge_provider_version", std::string("5.0.0")},
                  {"free_concurrency", int64_t{8}}};
  return body;
}

TEST(EdgeApiJsonTest, RegisterBodyOmitsUnsetComments) {
  EXPECT_EQ(RegisterBody(Body()),
            R"({"state":"starting","jobs_active":0,"queues":["default","gpu"],"sysinfo":)"
            R"({"airflow_version":"3.1.0","concurrency":8,"edge_provider_version":"5.0.0",)"
            R"("free_concurrency":8}})");
}

TEST(EdgeApiJsonTest, SetStateBodySendsCommentsEvenWhenNull) {
  WorkerStateBody body = Body();
  body.state = "idle";
  body.queues.reset();
  body.sysinfo = {{"load", 0.5}};
  EXPECT_EQ(SetStateBody(body),
            R"({"state":"idle","jobs_active":0,"queues":null,"sysinfo":{"load":0.5},)"
            R"("maintenance_comments":null})");
  body.maintenance_comments = "disk swap \"B\" \xc3\xa9";
  EXPECT_NE(SetStateBody(body).find(R"("maintenance_comments":"disk swap \"B\" é")"),
            std::string::npos);
}

TEST(EdgeApiJsonTest, FetchBodyAsEdge3FiveSendsIt) {
  FetchRequest request;
  request.queues = std::vector<std::string>{"queue"};
  request.free_concurrency = 2;
  request.supports_task_instance_uuid = false;
  EXPECT_EQ(FetchBody(request),
            R"({"queues":["queue"],"free_concurrency":2,"team_name":null,"supports_task_instance_uuid":false})");
}

TEST(EdgeApiJsonTest, PushLogsBodyUsesPydanticDatetimes) {
  JobKey key;
  const absl::Time t = absl::FromUnixMicros(1767225600123456);
  EXPECT_EQ(PushLogsBody(key, t, "line 1\n"),
            R"({"log_chunk_time":"2026-01-01T00:00:00.123456Z","log_chunk_data":"line 1\n"})");
  EXPECT_EQ(PydanticDatetime(absl::FromUnixSeconds(1767225600)), "2026-01-01T00:00:00Z");
  EXPECT_FALSE(JobStateBody(key).has_value());
  key.task_instance_id = "u-1";
  EXPECT_EQ(*JobStateBody(key), R"({"task_instance_id":"u-1"})");
}

TEST(EdgeApiJsonTest, UpdateQueuesBodyCarriesBothLists) {
  EXPECT_EQ(UpdateQueuesBody(std::vector<std::string>{"a"}, std::nullopt),
            R"({"new_queues":["a"],"remove_queues":null})");
}

TEST(EdgeApiJsonTest, RepliesAreParsedStrictly) {
  EXPECT_EQ(ParseRegistrationReturn(R"({"last_update":"2026-01-01T00:00:00Z"})")->last_update,
            "2026-01-01T00:00:00Z");
  EXPECT_EQ(ParseRegistrationReturn(R"({"last_update":5})").status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParseSetStateReturn("{not json").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseSetStateReturn(R"({"state":"idle","queues":"default"})").status().code(),
            absl::StatusCode::kInternal);
  WorkerSetStateReturn r = *ParseSetStateReturn(
      R"({"state":"maintenance request","queues":null,"maintenance_comments":"x","concurrency":4,"versions_match":true})");
  EXPECT_EQ(r.state, "maintenance request");
  EXPECT_FALSE(r.queues.has_value());
  EXPECT_EQ(*r.concurrency, 4);
  EXPECT_FALSE(ParseJobFetched("null")->has_value());
  EXPECT_EQ(ParseJobFetched(R"({"dag_id":"d"})").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseJsonString("").status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ParseHealth(R"({"status":1})").status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace edgectl::bridge
