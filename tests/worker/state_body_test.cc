// The register / heartbeat body and edge3's sysinfo keys and status levels.
#include "worker/state_body.h"

#include "gtest/gtest.h"

namespace edgectl::worker {
namespace {

StateBodyInput Input() {
  StateBodyInput input;
  input.state = "running";
  input.jobs_active = 2;
  input.queues = std::vector<std::string>{"default"};
  input.team_name = "team-a";
  input.versions = {"3.1.0", "5.0.0", "3.11.2 (main) [GCC 12.2.0]"};
  input.worker_start_time = "2026-11-25T12:00:00.000001";
  input.concurrency = 8;
  input.free_concurrency = 6;
  return input;
}

TEST(StateBodyTest, CarriesEdge3Sysinfo) {
  v1::WorkerStateBody body = BuildStateBody(Input());
  EXPECT_EQ(body.state(), "running");
  EXPECT_EQ(body.jobs_active(), 2);
  EXPECT_EQ(body.queues().names(0), "default");
  EXPECT_FALSE(body.has_maintenance_comments());
  EXPECT_EQ(body.team_name(), "team-a");
  const auto& sysinfo = body.sysinfo();
  EXPECT_EQ(sysinfo.at("status").int_value(), 20);
  EXPECT_EQ(sysinfo.count("status_text"), 0u);
  EXPECT_EQ(sysinfo.at("airflow_version").string_value(), "3.1.0");
  EXPECT_EQ(sysinfo.at("edge_provider_version").string_value(), "5.0.0");
  EXPECT_EQ(sysinfo.at("python_version").string_value(), "3.11.2 (main) [GCC 12.2.0]");
  EXPECT_EQ(sysinfo.at("worker_start_time").string_value(), "2026-11-25T12:00:00.000001");
  EXPECT_EQ(sysinfo.at("concurrency").int_value(), 8);
  EXPECT_EQ(sysinfo.at("free_concurrency").int_value(), 6);
}

TEST(StateBodyTest, ExtendedSysinfoIsMergedOverEdge3sKeys) {
  StateBodyInput input = Input();
  input.edgectl_instance = "inst-1";
  v1::SysinfoValue warning, disk, impostor;
  warning.set_int_value(30);
  disk.set_double_value(3.5);
  impostor.set_string_value("not-mine");
  input.extended_sysinfo = {{"status", warning}, {"disk_free_gb", disk},
                            {"edgectl_instance", impostor}};
  v1::WorkerStateBody body = BuildStateBody(input);
  EXPECT_EQ(body.sysinfo().at("status").int_value(), 30);
  EXPECT_DOUBLE_EQ(body.sysinfo().at("disk_free_gb").double_value(), 3.5);
  EXPECT_EQ(body.sysinfo().at("edgectl_instance").string_value(), "inst-1");
  EXPECT_EQ(body.sysinfo().count("edgectl_sysinfo_extension_error"), 0u);

  input.offline = true;
  v1::SysinfoValue text;
  text.set_string_value("disk filling up");
  input.extended_sysinfo["status_text"] = text;
  body = BuildStateBody(input);
  EXPECT_EQ(body.sysinfo().at("status").int_value(), 0);
  EXPECT_EQ(body.sysinfo().count("status_text"), 0u);

  input.extended_sysinfo.clear();
  input.extended_sysinfo_error = "RuntimeError: probe broke";
  body = BuildStateBody(input);
  EXPECT_EQ(body.sysinfo().at("edgectl_sysinfo_extension_error").string_value(),
            "RuntimeError: probe broke");
}

TEST(StateBodyTest, VersionMismatchIsAWarningWithEdge3Text) {
  StateBodyInput input = Input();
  input.versions_match = false;
  const auto sysinfo = BuildStateBody(input).sysinfo();
  EXPECT_EQ(sysinfo.at("status").int_value(), 30);
  EXPECT_EQ(sysinfo.at("status_text").string_value(), "Healthy but version mismatch");
  EXPECT_NE(sysinfo.at("version_mismatch_description").string_value().find("not matching"),
            std::string::npos);
}

TEST(StateBodyTest, OfflineMessageHasStatusNotSetWithoutText) {
  StateBodyInput input = Input();
  input.versions_match = false;
  input.offline = true;
  input.queues.reset();
  const v1::WorkerStateBody body = BuildStateBody(input);
  EXPECT_EQ(body.sysinfo().at("status").int_value(), 0);
  EXPECT_EQ(body.sysinfo().count("status_text"), 0u);
  EXPECT_FALSE(body.has_queues());  // absent = all queues
}

}  // namespace
}  // namespace edgectl::worker
