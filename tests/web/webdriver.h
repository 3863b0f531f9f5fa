// File: tests/web/webdriver.h
//
// A headless Chromium for browser tests, driven over the W3C WebDriver protocol through Debian's
// chromedriver (scripts/setup installs chromium and chromium-driver). Start() runs chromedriver
// on a free loopback port as a child process (killed with the object) and opens a session with
// `--headless=new --no-sandbox` (tests may run as root in CI, where Chromium's sandbox cannot
// start) and a throwaway profile. Calls return absl::Status; nothing waits a fixed time:
// Await() polls a script's result against a deadline.
#ifndef EDGECTL_TESTS_WEB_WEBDRIVER_H_
#define EDGECTL_TESTS_WEB_WEBDRIVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/child_process.h"

namespace edgectl::testing {

class Browser {
 public:
  // `work_dir` holds chromedriver's output and the browser profile.
  static absl::StatusOr<std::unique_ptr<Browser>> Start(const std::string& work_dir);
  ~Browser();

  absl::Status Navigate(const std::string& url);
  // Runs `script` (a function body; `return` gives the value) in the page.
  absl::StatusOr<nlohmann::json> Execute(const std::string& script,
                                         const nlohmann::json& args = nlohmann::json::array());
  // Polls `script` every 100 ms until `accept` takes its value or `timeout` passes; the error
  // names the last value seen.
  absl::StatusOr<nlohmann::json> Await(const std::string& script,
                                       const std::function<bool(const nlohmann::json&)>& accept,
                                       absl::Duration timeout);
  // Writes a PNG of the viewport to `path`.
  absl::Status Screenshot(const std::string& path);

 private:
  Browser() = default;
  absl::StatusOr<nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body);

  std::unique_ptr<e2e::ChildProcess> driver_;
  int port_ = 0;
  std::string session_;
};

// Where a test writes files Bazel keeps ($TEST_UNDECLARED_OUTPUTS_DIR, else /tmp).
std::string TestOutputDir();

}  // namespace edgectl::testing

#endif  // EDGECTL_TESTS_WEB_WEBDRIVER_H_
