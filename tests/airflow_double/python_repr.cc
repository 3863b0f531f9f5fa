#include "tests/airflow_double/python_repr.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgectl::airflow_double {
namespace {

std::string PythonStringRepr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == quote) {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += absl::StrFormat("\\x%02x", c);
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

absl::Status Bad(const std::string& repr) {
  return absl::InvalidArgumentError(absl::StrCat("not a Python list of strings: ", repr));
}

}  // namespace

std::optional<std::string> QueuesToPythonRepr(
    const std::optional<std::vector<std::string>>& queues) {
  if (!queues.has_value() || queues->empty()) return std::nullopt;
  std::string out = "[";
  for (size_t i = 0; i < queues->size(); ++i) {
    if (i > 0) out += ", ";
    out += PythonStringRepr((*queues)[i]);
  }
  return out + "]";
}

absl::StatusOr<std::vector<std::string>> ParsePythonStringList(const std::string& repr) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_space = [&] { while (i < repr.size() && repr[i] == ' ') ++i; };
  skip_space();
  if (i >= repr.size() || repr[i++] != '[') return Bad(repr);
  skip_space();
  if (i < repr.size() && repr[i] == ']') return out;
  while (i < repr.size()) {
    skip_space();
    if (i >= repr.size() || (repr[i] != '\'' && repr[i] != '"')) return Bad(repr);
    const char quote = repr[i++];
    std::string item;
    while (i < repr.size() && repr[i] != quote) {
      char c = repr[i++];
      if (c != '\\') {
        item += c;
        continue;
      }
      if (i >= repr.size()) return Bad(repr);
      char e = repr[i++];
      if (e == 'n') item += '\n';
      else if (e == 'r') item += '\r';
      else if (e == 't') item += '\t';
      else if (e == 'x' && i + 2 <= repr.size()) {
        item += static_cast<char>(std::stoi(repr.substr(i, 2), nullptr, 16));
        i += 2;
      } else item += e;
    }
    if (i >= repr.size()) return Bad(repr);
    ++i;  // closing quote
    out.push_back(std::move(item));
    skip_space();
    if (i < repr.size() && repr[i] == ',') {
      ++i;
      continue;
    }
    if (i < repr.size() && repr[i] == ']') return out;
    return Bad(repr);
  }
  return Bad(repr);
}

}  // namespace edgectl::airflow_double
