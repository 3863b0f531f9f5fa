// The fleet page in a real headless Chromium (Debian's chromium + chromedriver) against a
// running stack: real PostgreSQL, the Airflow API double, `edgectl controlplane` and `edgectl
// worker` processes with the Task SDK stand-in. Screenshots go to the test's output folder
// ($TEST_UNDECLARED_OUTPUTS_DIR, i.e. bazel-testlogs/tests/web/<test>/test.outputs/).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "pqxx/pqxx"
#include "tests/e2e/e2e_fixture.h"
#include "tests/web/webdriver.h"

namespace edgectl::e2e {
namespace {

using nlohmann::json;

// A name and comment an attacker would choose: markup, quotes and entities.
constexpr char kHostileName[] = "<script>window.pwned=1</script>&amp;\"x'";
constexpr char kHostileComment[] = "<img src=x onerror=\"window.pwned=2\"> & \"disk\" swap";

// Text of the workers table row whose first cell is `name` (null when there is none).
constexpr char kWorkerRowScript[] = R"js(
  for (const tr of document.querySelectorAll('#workers-table tbody tr')) {
    if (tr.cells[0].textContent === arguments[0]) {
      return Array.from(tr.cells, td => td.textContent);
    }
  }
  return null;)js";

class FleetPageBrowserTest : public EndToEndTest {
 protected:
  void SetUp() override {
    EndToEndTest::SetUp();
    if (HasFatalFailure()) return;
    absl::StatusOr<std::string> out =
        stack_->controlplane()->WaitForOutput("fleet page on http://", absl::Seconds(30));
    ASSERT_TRUE(out.ok()) << out.status();
    const size_t at = out->find("fleet page on ") + 14;
    page_url_ = out->substr(at, out->find('\n', at) - at);
    auto browser = testing::Browser::Start(work_dir_);
    ASSERT_TRUE(browser.ok()) << browser.status();
    browser_ = std::move(*browser);
  }

  void TearDown() override {
    browser_.reset();
    EndToEndTest::TearDown();
  }

  void Screenshot(const std::string& name) {
    const std::string path = testing::TestOutputDir() + "/" + name + ".png";
    absl::Status s = browser_->Screenshot(path);
    EXPECT_TRUE(s.ok()) << s;
  }

  // Awaits the workers row of `name` until `accept` takes its cells.
  absl::StatusOr<json> AwaitWorkerRow(const std::string& name,
                                      const std::function<bool(const json&)>& accept,
                                      absl::Duration timeout) {
    return browser_->Await(
        absl::StrCat("return (function() {", kWorkerRowScript, "}).apply(null, [",
                     json(name).dump(), "]);"),
        [&](const json& row) { return row.is_array() && accept(row); }, timeout);
  }

  std::string page_url_;
  std::unique_ptr<testing::Browser> browser_;
};

TEST_F(FleetPageBrowserTest, ListsWorkersAndJobsAndFollowsARunningJobsLog) {
  auto worker = stack_->StartWorker("edge-page-1", {"--concurrency", "4"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  TaskSpec quick;
  quick.dag_id = "fleet_dag";
  quick.task_id = "quick";
  ASSERT_TRUE(EnqueueTask(stack_->dsn(), quick).ok());
  TaskSpec slow = quick;
  slow.task_id = "slow";
  slow.standin = {{"lines", 40}, {"line_interval", 0.25}};
  ASSERT_TRUE(EnqueueTask(stack_->dsn(), slow).ok());

  ASSERT_TRUE(browser_->Navigate(page_url_).ok());
  absl::StatusOr<json> row = AwaitWorkerRow(
      "edge-page-1",
      [](const json& r) { return r[7].get<std::string>().rfind("live · certificate", 0) == 0; },
      absl::Seconds(15));
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_NE((*row)[3].get<std::string>().find("/ 4"), std::string::npos) << row->dump();
  EXPECT_NE((*row)[8].get<std::string>().find("127.0.0.1"), std::string::npos) << row->dump();
  EXPECT_NE((*row)[5].get<std::string>().find("3.1.0 / 5.0.0"), std::string::npos);

  absl::StatusOr<json> tasks = browser_->Await(
      R"js(return Array.from(document.querySelectorAll('#jobs-table tbody tr'),
                             tr => tr.cells[1].textContent + ':' + tr.cells[5].textContent).sort();)js",
      [](const json& t) { return t.size() == 2 && t[0] == "quick:success"; }, absl::Seconds(30));
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  // Dispatch latency as the sidecar observed it when the claim was granted (queued -> claimed),
  // in the jobs table and in the hour's chart figures.
  absl::StatusOr<json> latency = browser_->Await(
      R"js(return [Array.from(document.querySelectorAll('#jobs-table tbody tr'),
                              tr => tr.cells[9].textContent),
                   document.getElementById('dispatch-figures').textContent];)js",
      [](const json& v) {
        return v[0].size() == 2 && v[0][0].get<std::string>().find(" ms") != std::string::npos &&
               v[0][1].get<std::string>().find(" ms") != std::string::npos &&
               v[1].get<std::string>().find("dispatches 2") != std::string::npos;
      },
      absl::Seconds(10));
  EXPECT_TRUE(latency.ok()) << latency.status();
  Screenshot("fleet-overview");

  // Open the slow job's log from its row, as an operator would.
  ASSERT_TRUE(browser_
                  ->Execute(R"js(
    for (const tr of document.querySelectorAll('#jobs-table tbody tr')) {
      if (tr.cells[1].textContent === 'slow') { tr.querySelector('a').click(); return true; }
    }
    return false;)js")
                  .ok());
  auto log_length = [&]() -> absl::StatusOr<json> {
    return browser_->Await(
        "return [document.getElementById('log-text').textContent.length, "
        "document.getElementById('log-state').textContent];",
        [](const json& v) { return v[0].get<int>() > 0; }, absl::Seconds(30));
  };
  absl::StatusOr<json> first = log_length();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ((*first)[1], "running") << "the job should still run: " << first->dump();
  const int first_length = (*first)[0].get<int>();
  // The log grows while the job runs, without reloading the page.
  absl::StatusOr<json> grown = browser_->Await(
      "return [document.getElementById('log-text').textContent.length, "
      "document.getElementById('log-state').textContent];",
      [&](const json& v) { return v[0].get<int>() > first_length && v[1] == "running"; },
      absl::Seconds(20));
  ASSERT_TRUE(grown.ok()) << grown.status();
  Screenshot("job-log-running");
  // Until it ends: then the whole log is there, and the page stops following.
  absl::StatusOr<json> done = browser_->Await(
      "return [document.getElementById('log-text').textContent, "
      "document.getElementById('log-follow').textContent];",
      [](const json& v) { return v[1] == "complete"; }, absl::Seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ((*done)[0].get<std::string>(), StoredLog("slow"));
  EXPECT_NE((*done)[0].get<std::string>().find("line 39 of fleet_dag.slow"), std::string::npos);
  Screenshot("job-log-complete");
}

TEST_F(FleetPageBrowserTest, MaintenanceShowsWithinSecondsAndHostileNamesRenderAsText) {
  auto worker = stack_->StartWorker("edge-page-2");
  ASSERT_TRUE(worker.ok()) << worker.status();
  // A row with a hostile name, as any registration through Airflow could write it.
  {
    pqxx::connection c(dsn_);
    pqxx::work tx(c);
    tx.exec_params0(
        "INSERT INTO edge_worker (worker_name, state, maintenance_comment, jobs_active, "
        "last_update, sysinfo) VALUES ($1, 'idle', $2, 0, now(), '{}')",
        std::string(kHostileName), std::string(kHostileComment));
    tx.commit();
  }
  ASSERT_TRUE(browser_->Navigate(page_url_).ok());
  absl::StatusOr<json> hostile = AwaitWorkerRow(
      kHostileName, [](const json&) { return true; }, absl::Seconds(15));
  ASSERT_TRUE(hostile.ok()) << hostile.status();
  EXPECT_EQ((*hostile)[6], kHostileComment);
  ASSERT_TRUE(AwaitWorkerRow("edge-page-2", [](const json& r) { return r[1] == "idle"; },
                             absl::Seconds(15))
                  .ok());

  const std::string comment = "<script>window.pwned=3</script> disk & \"fan\"";
  CommandResult request = Edgectl(
      {"remote-edge-worker-request-maintenance", "-H", "edge-page-2", "-c", comment});
  ASSERT_EQ(request.exit_code, 0) << request.combined();
  const absl::Time asked = absl::Now();
  absl::StatusOr<json> maintenance = AwaitWorkerRow(
      "edge-page-2",
      [&](const json& r) {
        return r[1].get<std::string>().rfind("maintenance", 0) == 0 && r[6] == comment;
      },
      absl::Seconds(8));
  ASSERT_TRUE(maintenance.ok()) << maintenance.status();
  EXPECT_LT(absl::Now() - asked, absl::Seconds(8));
  // Nothing in the data ran or became markup: one script (the page's), no images, no flag.
  absl::StatusOr<json> dom = browser_->Execute(
      "return [document.scripts.length, document.images.length, String(window.pwned), "
      "document.title];");
  ASSERT_TRUE(dom.ok()) << dom.status();
  EXPECT_EQ(*dom, json::array({1, 0, "undefined", "edgectl fleet"}));
  Screenshot("maintenance-and-hostile-name");
}

}  // namespace
}  // namespace edgectl::e2e
