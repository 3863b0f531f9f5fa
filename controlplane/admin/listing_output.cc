#include "controlplane/admin/listing_output.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/python_list_repr.h"
#include "common/utf8.h"

namespace edgectl::admin {
namespace {

constexpr char kNoData[] = "No data found\n";

// --- json ------------------------------------------------------------------------------------

void AppendJsonValue(const FieldValue& value, std::string* out) {
  switch (value.kind) {
    case FieldValue::Kind::kNone:
      out->append("null");
      return;
    case FieldValue::Kind::kText:
      out->append(PythonJsonString(value.text));
      return;
    case FieldValue::Kind::kList:
      out->push_back('[');
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i > 0) out->append(", ");
        out->append(PythonJsonString(value.items[i]));
      }
      out->push_back(']');
      return;
  }
}

std::string RenderJson(const std::vector<Record>& records) {
  std::string out = "[";
  for (size_t r = 0; r < records.size(); ++r) {
    if (r > 0) out.append(", ");
    out.push_back('{');
    for (size_t f = 0; f < records[r].size(); ++f) {
      if (f > 0) out.append(", ");
      absl::StrAppend(&out, PythonJsonString(records[r][f].first), ": ");
      AppendJsonValue(records[r][f].second, &out);
    }
    out.push_back('}');
  }
  out.append("]\n");
  return out;
}

// --- yaml ------------------------------------------------------------------------------------

// Plain scalars YAML 1.1 (PyYAML's resolver) would read as something other than a string.
bool ReadsAsNonString(const std::string& text) {
  static const std::regex* const kPattern = new std::regex(
      "^(~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|"
      "off|Off|OFF|[-+]?[0-9][0-9_]*|[-+]?0x[0-9a-fA-F_]+|[-+]?([0-9][0-9_]*)?\\.[0-9_]*"
      "([eE][-+][0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+"
      "(\\.[0-9_]*)?)$");
  return text.empty() || std::regex_match(text, *kPattern);
}

void EmitYamlString(const std::string& text, YAML::Emitter* out) {
  if (ReadsAsNonString(text)) *out << YAML::SingleQuoted;
  *out << text;
}

std::string RenderYaml(const std::vector<Record>& records) {
  if (records.empty()) return "[]\n";
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << YAML::BeginSeq;
  for (const Record& record : records) {
    std::map<std::string, const FieldValue*> sorted;  // yaml.dump sorts keys
    for (const auto& [key, value] : record) sorted[key] = &value;
    out << YAML::BeginMap;
    for (const auto& [key, value] : sorted) {
      out << YAML::Key << key << YAML::Value;
      switch (value->kind) {
        case FieldValue::Kind::kNone:
          out << YAML::Null;
          break;
        case FieldValue::Kind::kText:
          EmitYamlString(value->text, &out);
          break;
        case FieldValue::Kind::kList:
          if (value->items.empty()) out << YAML::Flow;
          out << YAML::BeginSeq;
          for (const std::string& item : value->items) EmitYamlString(item, &out);
          out << YAML::EndSeq;
          break;
      }
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  return absl::StrCat(out.c_str(), "\n");
}

// --- table and plain -------------------------------------------------------------------------

// A cell as the grid renderers see it: its lines (text split at newlines).
using CellLines = std::vector<std::string>;

size_t CellWidth(const CellLines& lines) {
  size_t width = 0;
  for (const std::string& line : lines) width = std::max(width, DisplayWidth(line));
  return width;
}

CellLines SplitLines(const std::string& text) { return absl::StrSplit(text, '\n'); }

std::string PadRight(const std::string& text, size_t width) {
  size_t w = DisplayWidth(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

std::string PadLeft(const std::string& text, size_t width) {
  size_t w = DisplayWidth(text);
  return w >= width ? text : std::string(width - w, ' ') + text;
}

// Lines of one grid row: line i of every cell, each cell laid out by `layout(column, text)`.
template <typename Layout>
std::vector<std::string> RowLines(const std::vector<CellLines>& cells, const std::string& sep,
                                  Layout layout) {
  size_t height = 1;
  for (const CellLines& cell : cells) height = std::max(height, cell.size());
  std::vector<std::string> lines;
  for (size_t i = 0; i < height; ++i) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line.append(sep);
      line.append(layout(c, i < cells[c].size() ? cells[c][i] : std::string()));
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string TableText(const FieldValue& value) {
  switch (value.kind) {
    case FieldValue::Kind::kNone:
      return "None";
    case FieldValue::Kind::kText:
      return value.text;
    case FieldValue::Kind::kList:
      return absl::StrJoin(value.items, ",");
  }
  return "";
}

std::string RenderTable(const std::vector<Record>& records) {
  if (records.empty()) return kNoData;
  const size_t columns = records[0].size();
  std::vector<CellLines> header;
  std::vector<std::vector<CellLines>> body;
  std::vector<size_t> widths(columns, 0);
  for (const auto& [key, value] : records[0]) header.push_back(SplitLines(key));
  for (const Record& record : records) {
    std::vector<CellLines> row;
    for (const auto& [key, value] : record) row.push_back(SplitLines(TableText(value)));
    body.push_back(std::move(row));
  }
  for (size_t c = 0; c < columns; ++c) {
    widths[c] = CellWidth(header[c]);
    for (const auto& row : body) widths[c] = std::max(widths[c], CellWidth(row[c]));
  }
  // rich pads each cell by one blank on both sides except at the outer edges (pad_edge=False).
  auto layout = [&](size_t c, const std::string& text) {
    std::string cell = PadRight(text, widths[c]);
    return absl::StrCat(c == 0 ? "" : " ", cell, c + 1 == columns ? "" : " ");
  };
  std::string out;
  for (const std::string& line : RowLines(header, "|", layout)) absl::StrAppend(&out, line, "\n");
  std::vector<std::string> rule;
  for (size_t c = 0; c < columns; ++c) {
    size_t padding = (c == 0 ? 0 : 1) + (c + 1 == columns ? 0 : 1);
    rule.push_back(std::string(widths[c] + padding, '='));
  }
  absl::StrAppend(&out, absl::StrJoin(rule, "+"), "\n");
  for (const auto& row : body) {
    for (const std::string& line : RowLines(row, "|", layout)) absl::StrAppend(&out, line, "\n");
  }
  out.append("\n");  // SimpleTable's caption " "
  return out;
}

// tabulate's number detection: a column whose non-missing values all parse as numbers.
bool IsNumber(const std::string& text) {
  static const std::regex* const kNumber = new std::regex(
      "^\\s*[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$|^\\s*[-+]?(inf|nan)\\s*$",
      std::regex::icase);
  return std::regex_match(text, *kNumber);
}

std::string RenderPlain(const std::vector<Record>& records) {
  if (records.empty()) return kNoData;
  constexpr size_t kMinPadding = 2;  // tabulate's MIN_PADDING
  const size_t columns = records[0].size();
  std::vector<CellLines> header;
  for (const auto& [key, value] : records[0]) header.push_back(SplitLines(key));
  std::vector<std::vector<CellLines>> body;
  std::vector<bool> numeric(columns, true);
  std::vector<bool> any_value(columns, false);
  for (const Record& record : records) {
    std::vector<CellLines> row;
    for (size_t c = 0; c < columns; ++c) {
      const FieldValue& value = record[c].second;
      std::string text;
      if (value.kind == FieldValue::Kind::kText) {
        text = value.text;
        numeric[c] = numeric[c] && IsNumber(text);
        any_value[c] = true;
      } else if (value.kind == FieldValue::Kind::kList) {
        text = FormatPythonStrList(value.items);
        numeric[c] = false;
        any_value[c] = true;
      }
      row.push_back(SplitLines(text));
    }
    body.push_back(std::move(row));
  }
  std::vector<size_t> widths(columns);
  for (size_t c = 0; c < columns; ++c) {
    numeric[c] = numeric[c] && any_value[c];
    widths[c] = CellWidth(header[c]) + kMinPadding;
    for (const auto& row : body) widths[c] = std::max(widths[c], CellWidth(row[c]));
  }
  auto layout = [&](size_t c, const std::string& text) {
    return numeric[c] ? PadLeft(text, widths[c]) : PadRight(text, widths[c]);
  };
  std::string out;
  auto append_rows = [&](const std::vector<CellLines>& cells) {
    for (const std::string& line : RowLines(cells, "  ", layout)) {
      absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
    }
  };
  append_rows(header);
  for (const auto& row : body) append_rows(row);
  return out;
}

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  if (name == "plain") return OutputFormat::kPlain;
  return absl::InvalidArgumentError(absl::StrCat(
      "Unknown formatter: ", name, ". Allowed options: ['json', 'yaml', 'table', 'plain']"));
}

std::string PythonJsonString(const std::string& utf8) {
  std::string out = "\"";
  char buffer[16];
  for (size_t pos = 0; pos < utf8.size();) {
    DecodedChar c = DecodeUtf8At(utf8, pos);
    pos += c.length;
    char32_t cp = c.valid ? c.code_point : 0xFFFD;
    switch (cp) {
      case '"': out.append("\\\""); continue;
      case '\\': out.append("\\\\"); continue;
      case '\n': out.append("\\n"); continue;
      case '\r': out.append("\\r"); continue;
      case '\t': out.append("\\t"); continue;
      case '\b': out.append("\\b"); continue;
      case '\f': out.append("\\f"); continue;
      default: break;
    }
    if (cp >= 0x20 && cp < 0x7F) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x10000) {
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(cp));
      out.append(buffer);
    } else {
      char32_t v = cp - 0x10000;
      std::snprintf(buffer, sizeof(buffer), "\\u%04x\\u%04x",
                    static_cast<unsigned>(0xD800 + (v >> 10)),
                    static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      out.append(buffer);
    }
  }
  out.push_back('"');
  return out;
}

std::string RenderRecords(const std::vector<Record>& records, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return RenderTable(records);
    case OutputFormat::kJson:
      return RenderJson(records);
    case OutputFormat::kYaml:
      return RenderYaml(records);
    case OutputFormat::kPlain:
      return RenderPlain(records);
  }
  return "";
}

}  // namespace edgectl::admin
