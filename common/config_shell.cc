#include "common/config_shell.h"

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/run_command.h"
#include "common/utf8.h"

namespace edgectl {
namespace {

bool IsShlexSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

absl::StatusOr<std::vector<std::string>> ShlexSplit(absl::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = '\0';
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = '\0';
      } else if (c == '\\') {
        if (i + 1 >= command.size()) break;  // reported as the unclosed quote below
        const char next = command[++i];
        if (next != '"' && next != '\\') word.push_back('\\');
        word.push_back(next);
      } else {
        word.push_back(c);
      }
      continue;
    }
    if (IsShlexSpace(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        return absl::InvalidArgumentError(
            "it ends with a backslash that escapes nothing (shlex: No escaped character)");
      }
      word.push_back(command[++i]);
    } else {
      word.push_back(c);
    }
  }
  if (quote != '\0') {
    return absl::InvalidArgumentError(absl::StrCat(
        "it has an unclosed ", quote == '"' ? "double" : "single",
        " quote (shlex: No closing quotation)"));
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string DropInvalidUtf8(absl::string_view bytes) {
  const std::string_view view(bytes.data(), bytes.size());
  std::string out;
  out.reserve(view.size());
  for (size_t pos = 0; pos < view.size();) {
    const DecodedChar decoded = DecodeUtf8At(view, pos);
    if (decoded.valid) out.append(view.substr(pos, decoded.length));
    pos += decoded.length;
  }
  return out;
}

absl::StatusOr<std::string> RunConfigCommand(const std::string& command) {
  absl::StatusOr<std::vector<std::string>> argv = ShlexSplit(command);
  if (!argv.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot be split into words: ", argv.status().message(),
        "; Airflow splits it like a shell (shlex) and runs it without one, so fix the quoting"));
  }
  if (argv->empty()) {
    return absl::InvalidArgumentError("is empty; write the command to run, e.g. `cat /path/file`");
  }
  const std::string& program = argv->front();
  // stderr is read only so the child never blocks on it; it is not shown (see header).
  absl::StatusOr<CommandRun> run = RunCommand({*argv});
  if (!run.ok()) {
    if (run.status().code() != absl::StatusCode::kFailedPrecondition) {
      return absl::InternalError(absl::StrCat("`", program, "`: ", run.status().message()));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` cannot be started: ", run.status().message(),
        "; Airflow runs the command without a shell, so give a program on PATH or its full path "
        "(for pipes or $VARIABLES write sh -c '...')"));
  }
  const char* const kNoOutput = " (its output is not shown: it may be the secret; run the command "
                                "by hand to see its error)";
  if (run->signaled) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` was killed by signal ", run->exit_code, kNoOutput));
  }
  if (run->exit_code != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "`", program, "` exited with status ", run->exit_code, kNoOutput));
  }
  return DropInvalidUtf8(run->out);
}

}  // namespace edgectl
