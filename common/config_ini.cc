#include "common/config_ini.h"

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace edgectl {
namespace {

// Python's configparser.MAX_INTERPOLATION_DEPTH.
constexpr int kMaxInterpolationDepth = 10;
constexpr char kDefaultSection[] = "DEFAULT";
constexpr char kInterpolationHint[] =
    "airflow.cfg values are interpolated by Python's ConfigParser: write %% for a literal %";

bool IsAsciiSpace(char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); }

size_t IndentOf(absl::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsAsciiSpace(line[i])) ++i;
  return i;
}

// Where a value being read is stored while its continuation lines arrive.
struct OpenOption {
  int section = -1;  // index into sections, or -1 for [DEFAULT]
  size_t option = 0;
  std::vector<std::string> parts;
};

}  // namespace

absl::StatusOr<IniFile> IniFile::Parse(absl::string_view text, const std::string& path) {
  IniFile file;
  file.path_ = path;
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " line 1: the file starts with a UTF-8 byte order mark, which Airflow's "
              "ConfigParser reads as part of the first line (so the first [section] is not "
              "found); save the file as UTF-8 without BOM"));
  }
  // Python reads text files with universal newlines: \r\n and a lone \r end a line too.
  std::string normalized = absl::StrReplaceAll(text, {{"\r\n", "\n"}, {"\r", "\n"}});
  std::vector<absl::string_view> lines = absl::StrSplit(normalized, '\n');

  bool have_section = false;
  int current = -1;  // section index, -1 = [DEFAULT]
  std::string current_name;
  std::vector<OpenOption> values;  // every option read, to join at the end
  int open = -1;                   // index into `values` of the option continuation lines extend
  size_t indent_level = 0;
  std::map<std::string, int> section_lines;
  std::map<std::pair<std::string, std::string>, int> option_lines;
  std::vector<int> bad_lines;

  auto options_of = [&](int section) -> std::vector<IniOption>& {
    return section < 0 ? file.defaults_ : file.sections_[section].options;
  };

  for (size_t i = 0; i < lines.size(); ++i) {
    const int number = static_cast<int>(i) + 1;
    absl::string_view line = lines[i];
    absl::string_view value = absl::StripAsciiWhitespace(line);
    const bool comment = absl::StartsWith(value, "#") || absl::StartsWith(value, ";");
    if (value.empty() || comment) {
      // A blank line belongs to the value being read (trailing ones are dropped when joining);
      // a comment line is skipped and does not end the value.
      if (!comment && open >= 0) values[open].parts.emplace_back();
      continue;
    }
    const size_t indent = IndentOf(line);
    if (open >= 0 && indent > indent_level) {
      values[open].parts.emplace_back(value);
      continue;
    }
    indent_level = indent;
    // configparser's SECTCRE `\[(?P<header>.+)\]` with re.match: the name runs to the last ']'.
    const size_t close = value.rfind(']');
    if (value[0] == '[' && close != absl::string_view::npos && close >= 2) {
      std::string name(value.substr(1, close - 1));
      open = -1;
      have_section = true;
      current_name = name;
      if (name == kDefaultSection) {
        current = -1;
        continue;
      }
      auto [it, inserted] = section_lines.emplace(name, number);
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, " line ", number, ": section [", name, "] appears again (first on line ",
            it->second, "); Airflow's ConfigParser is strict and refuses a repeated section, "
                        "so merge the two"));
      }
      file.sections_.push_back(IniSection{name, number, {}});
      current = static_cast<int>(file.sections_.size()) - 1;
      continue;
    }
    if (!have_section) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " line ", number,
          ": an option comes before any [section] header; Airflow's ConfigParser needs every "
          "option inside a section, e.g. put [core] above it"));
    }
    const size_t sep = value.find_first_of("=:");
    if (sep == absl::string_view::npos || sep == 0 ||
        absl::StripTrailingAsciiWhitespace(value.substr(0, sep)).empty()) {
      bad_lines.push_back(number);
      open = -1;
      continue;
    }
    std::string key(absl::StripTrailingAsciiWhitespace(value.substr(0, sep)));
    auto [it, inserted] = option_lines.emplace(std::make_pair(current_name, key), number);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " line ", number, ": [", current_name, "] ", key, " is set again (first on line ",
          it->second, "); Airflow's ConfigParser is strict and refuses a repeated option, so "
                      "keep one"));
    }
    std::vector<IniOption>& options = options_of(current);
    options.push_back(IniOption{key, "", number});
    values.push_back(OpenOption{current, options.size() - 1,
                                {std::string(absl::StripAsciiWhitespace(value.substr(sep + 1)))}});
    open = static_cast<int>(values.size()) - 1;
  }
  if (!bad_lines.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, bad_lines.size() == 1 ? " line " : " lines ", absl::StrJoin(bad_lines, ", "),
        ": not `key = value`, `key: value`, a [section] header or a comment; a value that goes "
        "on over several lines needs its further lines indented deeper than its key"));
  }
  for (OpenOption& v : values) {
    options_of(v.section)[v.option].raw =
        std::string(absl::StripTrailingAsciiWhitespace(absl::StrJoin(v.parts, "\n")));
  }
  return file;
}

const IniSection* IniFile::FindSection(const std::string& name) const {
  for (const IniSection& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const IniOption* IniFile::Find(const std::string& section, const std::string& option) const {
  const IniSection* s = FindSection(section);
  if (s == nullptr) return nullptr;
  for (const IniOption& o : s->options) {
    if (o.name == option) return &o;
  }
  for (const IniOption& o : defaults_) {
    if (o.name == option) return &o;
  }
  return nullptr;
}

std::vector<const IniOption*> IniFile::Items(const std::string& section) const {
  std::vector<const IniOption*> items;
  const IniSection* s = FindSection(section);
  if (s == nullptr) return items;
  for (const IniOption& d : defaults_) items.push_back(&d);
  for (const IniOption& o : s->options) {
    bool replaced = false;
    for (const IniOption*& item : items) {
      if (item->name == o.name) {
        item = &o;
        replaced = true;
      }
    }
    if (!replaced) items.push_back(&o);
  }
  return items;
}

absl::StatusOr<std::string> IniFile::Interpolated(const std::string& section,
                                                  const std::string& option) const {
  const IniOption* found = Find(section, option);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat(path_, ": [", section, "] ", option, " is not set"));
  }
  std::string out;
  absl::Status status = InterpolateInto(section, *found, found->raw, 1, &out);
  if (!status.ok()) return status;
  return out;
}

// BasicInterpolation._interpolate_some: references resolve in the section being read (and
// [DEFAULT]), whichever option the text came from.
absl::Status IniFile::InterpolateInto(const std::string& section, const IniOption& option,
                                      absl::string_view rest, int depth, std::string* out) const {
  const auto error = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(path_, " line ", option.line, ": [", section,
                                                   "] ", option.name, ": ", problem));
  };
  if (depth > kMaxInterpolationDepth) {
    return error(absl::StrCat("%(name)s references nest deeper than ", kMaxInterpolationDepth,
                              " levels (an option that refers to itself?); break the loop"));
  }
  while (!rest.empty()) {
    const size_t p = rest.find('%');
    if (p == absl::string_view::npos) {
      absl::StrAppend(out, rest);
      return absl::OkStatus();
    }
    absl::StrAppend(out, rest.substr(0, p));
    rest.remove_prefix(p);
    const char next = rest.size() > 1 ? rest[1] : '\0';
    if (next == '%') {
      out->push_back('%');
      rest.remove_prefix(2);
      continue;
    }
    if (next != '(') {
      return error(absl::StrCat("a '%' that is not followed by '%' or '(' (", kInterpolationHint,
                                ")"));
    }
    // _KEYCRE: %\(([^)]+)\)s
    const size_t close = rest.find(')', 2);
    if (close == absl::string_view::npos || close == 2 || close + 1 >= rest.size() ||
        rest[close + 1] != 's') {
      return error(absl::StrCat("a '%(' that does not form %(name)s (", kInterpolationHint, ")"));
    }
    const std::string name(rest.substr(2, close - 2));
    rest.remove_prefix(close + 2);
    const IniOption* referenced = Find(section, name);
    if (referenced == nullptr) {
      return error(absl::StrCat("%(", name, ")s refers to an option that neither [", section,
                                "] nor [DEFAULT] sets in this file (names are case-sensitive; ",
                                kInterpolationHint, ")"));
    }
    if (referenced->raw.find('%') == std::string::npos) {
      absl::StrAppend(out, referenced->raw);
    } else {
      absl::Status nested = InterpolateInto(section, option, referenced->raw, depth + 1, out);
      if (!nested.ok()) return nested;
    }
  }
  return absl::OkStatus();
}

}  // namespace edgectl
