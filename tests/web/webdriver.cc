#include "tests/web/webdriver.h"

#include <httplib.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/fixtures/free_port.h"

namespace edgectl::testing {
namespace {

constexpr char kChromedriver[] = "/usr/bin/chromedriver";
constexpr char kChromium[] = "/usr/bin/chromium";

}  // namespace

std::string TestOutputDir() {
  const char* dir = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

absl::StatusOr<std::unique_ptr<Browser>> Browser::Start(const std::string& work_dir) {
  if (std::ifstream(kChromedriver).fail() || std::ifstream(kChromium).fail()) {
    return absl::FailedPreconditionError(
        "chromium and chromedriver are not installed; run scripts/setup");
  }
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  std::unique_ptr<Browser> browser(new Browser());
  browser->port_ = *port;
  // Chromium wants a writable home for its caches; a test's HOME may not be one.
  auto driver = e2e::ChildProcess::Start(
      {kChromedriver, absl::StrCat("--port=", *port)},
      {{"HOME", work_dir}, {"XDG_CONFIG_HOME", work_dir}, {"XDG_CACHE_HOME", work_dir}},
      work_dir);
  if (!driver.ok()) return driver.status();
  browser->driver_ = std::move(*driver);
  absl::StatusOr<std::string> up =
      browser->driver_->WaitForOutput("started successfully", absl::Seconds(30));
  if (!up.ok()) return up.status();
  nlohmann::json options = {
      {"binary", kChromium},
      {"args",
       {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-extensions", "--window-size=1400,1000",
        "--user-data-dir=" + work_dir + "/chromium-profile"}}};
  absl::StatusOr<nlohmann::json> session = browser->Call(
      "POST", "/session",
      {{"capabilities", {{"alwaysMatch", {{"goog:chromeOptions", options}}}}}});
  if (!session.ok()) return session.status();
  browser->session_ = (*session).value("sessionId", "");
  if (browser->session_.empty()) {
    return absl::InternalError("chromedriver returned no session id: " + session->dump());
  }
  return browser;
}

Browser::~Browser() {
  if (!session_.empty()) Call("DELETE", "/session/" + session_, nullptr).IgnoreError();
}

absl::StatusOr<nlohmann::json> Browser::Call(const std::string& method, const std::string& path,
                                             const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  const std::string text = body.is_null() ? "" : body.dump();
  httplib::Result res =
      method == "POST"     ? client.Post(path.c_str(), text, "application/json")
      : method == "DELETE" ? client.Delete(path.c_str())
                           : client.Get(path.c_str());
  if (!res) {
    return absl::UnavailableError(absl::StrCat("chromedriver ", method, " ", path, ": ",
                                               httplib::to_string(res.error())));
  }
  nlohmann::json reply = nlohmann::json::parse(res->body, nullptr, false);
  if (reply.is_discarded() || !reply.contains("value")) {
    return absl::InternalError(absl::StrCat("chromedriver ", path, ": ", res->body));
  }
  if (res->status != 200) {
    return absl::InternalError(absl::StrCat("chromedriver ", method, " ", path, " -> ",
                                            res->status, ": ", reply["value"].dump()));
  }
  if (path == "/session") return reply["value"];
  return reply["value"];
}

absl::Status Browser::Navigate(const std::string& url) {
  return Call("POST", "/session/" + session_ + "/url", {{"url", url}}).status();
}

absl::StatusOr<nlohmann::json> Browser::Execute(const std::string& script,
                                                const nlohmann::json& args) {
  return Call("POST", "/session/" + session_ + "/execute/sync",
              {{"script", script}, {"args", args}});
}

absl::StatusOr<nlohmann::json> Browser::Await(
    const std::string& script, const std::function<bool(const nlohmann::json&)>& accept,
    absl::Duration timeout) {
  nlohmann::json last;
  absl::Status last_error = absl::OkStatus();
  const bool met = e2e::Eventually(
      [&] {
        absl::StatusOr<nlohmann::json> value = Execute(script);
        if (!value.ok()) {
          last_error = value.status();
          return false;
        }
        last = *value;
        return accept(last);
      },
      timeout);
  if (met) return last;
  return absl::DeadlineExceededError(absl::StrCat(
      "not within ", absl::FormatDuration(timeout), "; last value: ", last.dump(),
      last_error.ok() ? "" : "; last error: " + last_error.ToString()));
}

absl::Status Browser::Screenshot(const std::string& path) {
  absl::StatusOr<nlohmann::json> png = Call("GET", "/session/" + session_ + "/screenshot", nullptr);
  if (!png.ok()) return png.status();
  std::string bytes;
  if (!png->is_string() || !absl::Base64Unescape(png->get<std::string>(), &bytes)) {
    return absl::InternalError("chromedriver sent no PNG");
  }
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  return out.good() ? absl::OkStatus() : absl::InternalError("cannot write " + path);
}

}  // namespace edgectl::testing
