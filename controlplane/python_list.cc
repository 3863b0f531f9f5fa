#include "controlplane/python_list.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace edgectl::controlplane {
namespace {

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  absl::StatusOr<std::vector<std::string>> List() {
    std::vector<std::string> items;
    SkipSpace();
    if (!Consume('[')) return Error("expected '['");
    SkipSpace();
    while (!Consume(']')) {
      absl::StatusOr<std::string> item = String();
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      SkipSpace();
      if (Consume(',')) {
        SkipSpace();
      } else if (Peek() != ']') {
        return Error("expected ',' or ']'");
      }
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after ']'");
    return items;
  }

 private:
  absl::StatusOr<std::string> String() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a quoted string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      c = s_[pos_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'x': case 'u': case 'U': {
          const size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
          if (pos_ + digits > s_.size()) return Error("truncated escape");
          const std::string hex(s_.substr(pos_, digits));
          pos_ += digits;
          AppendUtf8(static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16)), out);
          break;
        }
        default: out += c;  // \\ \' \"
      }
    }
    if (!Consume(quote)) return Error("unterminated string");
    return out;
  }

  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Consume(char c) {
    if (Peek() != c || pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && absl::ascii_isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  absl::Status Error(const char* what) const {
    return absl::InvalidArgumentError(absl::StrCat("edge_worker.queues is not a Python list of ",
                                                   "strings (", what, " at position ", pos_,
                                                   "): ", std::string(s_)));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ParsePythonStringList(std::string_view repr) {
  return Parser(repr).List();
}

}  // namespace edgectl::controlplane
