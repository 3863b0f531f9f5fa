#include "tests/airflow_double/log_push_body.h"

#include <algorithm>

#include "controlplane/log_text.h"

namespace edgectl::airflow_double {

std::optional<std::string> ExtractLogChunkData(std::string_view body, std::string* rest) {
  static constexpr std::string_view kKey = "\"log_chunk_data\"";
  const size_t key = body.find(kKey);
  if (key == std::string_view::npos) return std::nullopt;
  // The key must be a key: before it only a '{' or ',' (and blanks), and no escape or odd
  // number of quotes before it, so it is not inside another string.
  const std::string_view before = body.substr(0, key);
  if (before.find('\\') != std::string_view::npos) return std::nullopt;
  if (std::count(before.begin(), before.end(), '"') % 2 != 0) return std::nullopt;
  const size_t last = before.find_last_not_of(" \t\r\n");
  if (last == std::string_view::npos || (before[last] != '{' && before[last] != ',')) {
    return std::nullopt;
  }
  size_t i = key + kKey.size();
  while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
  if (i >= body.size() || body[i] != ':') return std::nullopt;
  ++i;
  while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
  if (i >= body.size() || body[i] != '"') return std::nullopt;
  const size_t value_start = i;
  ++i;
  std::string data;
  data.reserve(body.size() - i);
  size_t run = i;
  for (;;) {
    if (i >= body.size()) return std::nullopt;  // unterminated
    const auto c = static_cast<unsigned char>(body[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    data.append(body.data() + run, i - run);
    if (c == '"') break;
    if (c < 0x20 || i + 1 >= body.size()) return std::nullopt;  // raw control character
    switch (body[i + 1]) {
      case '"': data += '"'; break;
      case '\\': data += '\\'; break;
      case '/': data += '/'; break;
      case 'b': data += '\b'; break;
      case 'f': data += '\f'; break;
      case 'n': data += '\n'; break;
      case 'r': data += '\r'; break;
      case 't': data += '\t'; break;
      default: return std::nullopt;  // \u and anything else: the general parser
    }
    i += 2;
    run = i;
  }
  // Invalid UTF-8 (or an escaped NUL, impossible here) goes the general way, which refuses it.
  if (controlplane::CleanPrefixLength(data) != data.size()) return std::nullopt;
  rest->assign(body.substr(0, value_start));
  rest->append("\"\"");
  rest->append(body.substr(i + 1));
  return data;
}

}  // namespace edgectl::airflow_double
