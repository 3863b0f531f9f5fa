// File: common/config_ini.h
//
// airflow.cfg as Airflow reads it: Python's configparser.ConfigParser with its defaults (strict,
// delimiters '=' and ':', BasicInterpolation) and AirflowConfigParser's case-preserving option
// names (its optionxform returns the name unchanged). The contract, line by line:
//   - `[name]` starts a section; the name is the text up to the line's last ']' (anything after
//     it is ignored) and is case-sensitive. [DEFAULT] lends its options to every section of the
//     file (a section's own option wins). Repeating a section (other than [DEFAULT]) is an error.
//   - `key = value` or `key: value`, split at the first '=' or ':', both sides stripped. Names
//     keep their case. Setting a key twice in one section is an error (strict mode).
//   - Lines whose first non-blank character is '#' or ';' are comments; there are no inline
//     comments ("a = b # c" has the value "b # c").
//   - A line indented deeper than its option's line continues the value ('\n' joins the lines);
//     comment lines inside a value are dropped, blank lines kept, trailing blank lines removed.
//   - Values are interpolated when read: `%%` is '%', `%(name)s` is option `name` of the same
//     section or [DEFAULT] (exact name), nested at most 10 deep; any other '%' is an error.
// Errors name the file, the line, the section and the key, and say what to change; they never
// quote a line's text (it may hold a password).
#ifndef EDGECTL_COMMON_CONFIG_INI_H_
#define EDGECTL_COMMON_CONFIG_INI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace edgectl {

struct IniOption {
  std::string name;  // as written
  std::string raw;   // the value before interpolation, continuation lines joined with '\n'
  int line = 0;      // where the key is
};

struct IniSection {
  std::string name;  // as written, case-sensitive
  int line = 0;
  std::vector<IniOption> options;  // in file order
};

class IniFile {
 public:
  // `path` is only used in messages.
  static absl::StatusOr<IniFile> Parse(absl::string_view text, const std::string& path);

  const std::string& path() const { return path_; }
  // In file order, [DEFAULT] excluded.
  const std::vector<IniSection>& sections() const { return sections_; }
  const std::vector<IniOption>& defaults() const { return defaults_; }

  // The option as ConfigParser.has_option() finds it: exact names; [DEFAULT]'s option when the
  // section exists in the file but does not set it. nullptr when absent.
  const IniOption* Find(const std::string& section, const std::string& option) const;
  // ConfigParser.items(section): [DEFAULT]'s options first, then the section's own (an own
  // option replaces the [DEFAULT] one in place).
  std::vector<const IniOption*> Items(const std::string& section) const;
  // The option's value after interpolation. The option must exist (Find() != nullptr).
  absl::StatusOr<std::string> Interpolated(const std::string& section,
                                           const std::string& option) const;

 private:
  const IniSection* FindSection(const std::string& name) const;
  absl::Status InterpolateInto(const std::string& section, const IniOption& option,
                               absl::string_view rest, int depth, std::string* out) const;

  std::string path_;
  std::vector<IniSection> sections_;
  std::vector<IniOption> defaults_;
};

}  // namespace edgectl

#endif  // EDGECTL_COMMON_CONFIG_INI_H_
