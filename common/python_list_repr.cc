#include "common/python_list_repr.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace edgectl {
namespace {

// Characters str.isprintable() rejects (categories Cc, Cf, Zl, Zp, Zs other than ' ', Co, Cs),
// covering the ones that occur in practice; Python escapes them in repr.
bool IsPythonNonPrintable(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) return true;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F)) return true;
  if ((c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF) return true;
  if ((c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0xE000 && c <= 0xF8FF)) return true;
  if (c >= 0xF0000) return true;  // supplementary private use planes
  return false;
}

void AppendEscapedCodePoint(char32_t c, std::string* out) {
  char buffer[16];
  if (c <= 0xFF) {
    std::snprintf(buffer, sizeof(buffer), "\\x%02x", static_cast<unsigned>(c));
  } else if (c <= 0xFFFF) {
    std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(c));
  } else {
    std::snprintf(buffer, sizeof(buffer), "\\U%08x", static_cast<unsigned>(c));
  }
  out->append(buffer);
}

// A cursor over the text being parsed; every error names the offending position.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<std::string>> ParseList() {
    SkipSpace();
    char close;
    if (Consume('[')) {
      close = ']';
    } else if (Consume('(')) {
      close = ')';
    } else {
      return Error("expected '['");
    }
    std::vector<std::string> items;
    SkipSpace();
    while (!Consume(close)) {
      absl::StatusOr<std::string> item = ParseString();
      if (!item.ok()) return item.status();
      items.push_back(*std::move(item));
      SkipSpace();
      if (Consume(close)) break;
      if (!Consume(',')) return Error("expected ',' or the closing bracket");
      SkipSpace();
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the list");
    return items;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a Python list of strings (", what, " at character ", pos_ + 1, ")"));
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Consume(char c) {
    if (!AtEnd() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                        text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // One literal, possibly implicitly concatenated with following ones ('a' "b" == 'ab').
  absl::StatusOr<std::string> ParseString() {
    std::string out;
    bool any = false;
    while (true) {
      size_t start = pos_;
      bool raw = false;
      while (!AtEnd() && (text_[pos_] == 'u' || text_[pos_] == 'U' || text_[pos_] == 'r' ||
                          text_[pos_] == 'R')) {
        raw = raw || text_[pos_] == 'r' || text_[pos_] == 'R';
        ++pos_;
      }
      if (AtEnd() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
        pos_ = start;
        if (any) return out;
        return Error("expected a quoted string");
      }
      absl::Status status = ParseOneLiteral(raw, &out);
      if (!status.ok()) return status;
      any = true;
      SkipSpace();
    }
  }

  absl::Status ParseOneLiteral(bool raw, std::string* out) {
    char quote = text_[pos_++];
    while (true) {
      if (AtEnd() || text_[pos_] == '\n') return Error("unterminated string");
      char c = text_[pos_++];
      if (c == quote) return absl::OkStatus();
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return Error("unterminated string");
      if (raw) {
        out->push_back('\\');
        out->push_back(text_[pos_++]);
        continue;
      }
      absl::Status status = ParseEscape(out);
      if (!status.ok()) return status;
    }
  }

  absl::Status ParseEscape(std::string* out) {
    char e = text_[pos_++];
    switch (e) {
      case '\n': return absl::OkStatus();  // line continuation
      case '\\': out->push_back('\\'); return absl::OkStatus();
      case '\'': out->push_back('\''); return absl::OkStatus();
      case '"': out->push_back('"'); return absl::OkStatus();
      case 'a': out->push_back('\a'); return absl::OkStatus();
      case 'b': out->push_back('\b'); return absl::OkStatus();
      case 'f': out->push_back('\f'); return absl::OkStatus();
      case 'n': out->push_back('\n'); return absl::OkStatus();
      case 'r': out->push_back('\r'); return absl::OkStatus();
      case 't': out->push_back('\t'); return absl::OkStatus();
      case 'v': out->push_back('\v'); return absl::OkStatus();
      case 'x': return ParseHexEscape(2, out);
      case 'u': return ParseHexEscape(4, out);
      case 'U': return ParseHexEscape(8, out);
      default: break;
    }
    if (e >= '0' && e <= '7') {
      char32_t value = e - '0';
      for (int i = 0; i < 2 && !AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++i) {
        value = value * 8 + (text_[pos_++] - '0');
      }
      AppendUtf8(value, out);
      return absl::OkStatus();
    }
    // Python keeps unknown escapes as written.
    out->push_back('\\');
    out->push_back(e);
    return absl::OkStatus();
  }

  absl::Status ParseHexEscape(int digits, std::string* out) {
    char32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      if (AtEnd()) return Error("truncated escape");
      char h = text_[pos_++];
      int v;
      if (h >= '0' && h <= '9') {
        v = h - '0';
      } else if (h >= 'a' && h <= 'f') {
        v = h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        v = h - 'A' + 10;
      } else {
        return Error("invalid hex escape");
      }
      value = value * 16 + v;
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return Error("escape outside Unicode");
    }
    AppendUtf8(value, out);
    return absl::OkStatus();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string PythonStrRepr(std::string_view utf8) {
  const bool has_single = utf8.find('\'') != std::string_view::npos;
  const bool has_double = utf8.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (size_t pos = 0; pos < utf8.size();) {
    DecodedChar c = DecodeUtf8At(utf8, pos);
    if (!c.valid) {
      // Not reachable from PostgreSQL (UTF-8 validated); Python would hold a surrogate escape.
      AppendEscapedCodePoint(0xDC00 + static_cast<unsigned char>(utf8[pos]), &out);
    } else if (c.code_point == static_cast<char32_t>(quote) || c.code_point == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c.code_point));
    } else if (c.code_point == '\n') {
      out.append("\\n");
    } else if (c.code_point == '\r') {
      out.append("\\r");
    } else if (c.code_point == '\t') {
      out.append("\\t");
    } else if (IsPythonNonPrintable(c.code_point)) {
      AppendEscapedCodePoint(c.code_point, &out);
    } else {
      out.append(utf8.substr(pos, c.length));
    }
    pos += c.length;
  }
  out.push_back(quote);
  return out;
}

std::string FormatPythonStrList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(PythonStrRepr(items[i]));
  }
  out.push_back(']');
  return out;
}

absl::StatusOr<std::vector<std::string>> ParsePythonStrList(std::string_view text) {
  return Parser(text).ParseList();
}

std::optional<std::string> QueuesToColumn(const std::optional<std::vector<std::string>>& queues) {
  if (!queues.has_value() || queues->empty()) return std::nullopt;
  return FormatPythonStrList(*queues);
}

}  // namespace edgectl
