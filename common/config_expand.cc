#include "common/config_expand.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace edgectl {
namespace {

constexpr int kMaxRounds = 100;

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The home directory from the passwd database (getpwuid / getpwnam); false when not found.
bool PasswdHome(const std::string* user, std::string* home) {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<size_t>(size) : 16384);
  struct passwd entry;
  struct passwd* found = nullptr;
  const int rc = user == nullptr
                     ? getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found)
                     : getpwnam_r(user->c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (rc != 0 || found == nullptr || found->pw_dir == nullptr) return false;
  *home = found->pw_dir;
  return true;
}

}  // namespace

std::string ExpandVars(absl::string_view text, const Environment& env) {
  if (text.find('$') == absl::string_view::npos) return std::string(text);
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t dollar = text.find('$', i);
    if (dollar == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(i, dollar - i));
    // _varprog: \$(\w+|\{[^}]*\}) with re.ASCII.
    size_t end = dollar + 1;
    std::string name;
    if (end < text.size() && text[end] == '{') {
      const size_t close = text.find('}', end + 1);
      if (close == absl::string_view::npos) {
        out.push_back('$');
        i = dollar + 1;
        continue;
      }
      name = std::string(text.substr(end + 1, close - end - 1));
      end = close + 1;
    } else {
      while (end < text.size() && IsWordChar(text[end])) ++end;
      if (end == dollar + 1) {
        out.push_back('$');
        i = dollar + 1;
        continue;
      }
      name = std::string(text.substr(dollar + 1, end - dollar - 1));
    }
    auto it = env.find(name);
    if (it == env.end()) {
      absl::StrAppend(&out, text.substr(dollar, end - dollar));
    } else {
      absl::StrAppend(&out, it->second);  // not scanned again in this pass, as in Python
    }
    i = end;
  }
  if (i < text.size()) absl::StrAppend(&out, text.substr(i));
  return out;
}

std::string ExpandUser(absl::string_view text, const Environment& env) {
  if (!absl::StartsWith(text, "~")) return std::string(text);
  size_t slash = text.find('/', 1);
  if (slash == absl::string_view::npos) slash = text.size();
  std::string home;
  if (slash == 1) {
    auto it = env.find("HOME");
    if (it != env.end()) {
      home = it->second;
    } else if (!PasswdHome(nullptr, &home)) {
      return std::string(text);
    }
  } else {
    const std::string user(text.substr(1, slash - 1));
    if (!PasswdHome(&user, &home)) return std::string(text);
  }
  while (!home.empty() && home.back() == '/') home.pop_back();
  std::string out = absl::StrCat(home, text.substr(slash));
  return out.empty() ? "/" : out;
}

absl::StatusOr<std::string> ExpandEnvVar(absl::string_view text, const Environment& env) {
  std::string current(text);
  if (current.empty()) return current;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::string next = ExpandUser(ExpandVars(current, env), env);
    if (next == current) return next;
    current = std::move(next);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "expanding $VARIABLES and ~ does not settle after ", kMaxRounds,
      " rounds (a variable whose value refers to itself?); Airflow would hang here, so fix the "
      "variable"));
}

Environment ProcessEnvironment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

}  // namespace edgectl
