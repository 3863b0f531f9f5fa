// File: controlplane/admin/listing_output.h
//
// Prints a list of records the way Airflow's AirflowConsole.print_as does
// (airflow-core/src/airflow/cli/simple_table.py), for `list-workers -o table|json|yaml|plain`:
//   table  rich's SimpleTable: header, a `=`/`+` rule, one line per row, columns joined by " | ",
//          None printed as "None", lists joined with ","; cells containing newlines take several
//          lines; widths count terminal columns (wide CJK characters, emoji) not bytes.
//   json   json.dumps(list of dicts): one line, ", " and ": " separators, non-ASCII as \uXXXX,
//          None -> null, lists as arrays.
//   yaml   yaml.dump: a block sequence of mappings with keys sorted; strings that would read back
//          as numbers/booleans/null are quoted, so the values stay strings as in Airflow.
//   plain  tabulate(tablefmt="plain"): columns separated by two spaces, each at least its
//          header's width + 2, numeric columns right-aligned, None empty, lists as Python repr,
//          trailing blanks stripped.
// Empty input prints "No data found" for table and plain, as Airflow does.
// Deliberate difference: rich would interpret "[tag]" markup and ":emoji:" codes inside values
// and wrap lines at 200 columns; edgectl prints values verbatim and never wraps.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_LISTING_OUTPUT_H_
#define EDGECTL_CONTROLPLANE_ADMIN_LISTING_OUTPUT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::admin {

enum class OutputFormat { kTable, kJson, kYaml, kPlain };

absl::StatusOr<OutputFormat> ParseOutputFormat(const std::string& name);

// A field value before AirflowConsole's per-format normalisation.
struct FieldValue {
  enum class Kind { kNone, kText, kList };
  Kind kind = Kind::kNone;
  std::string text;
  std::vector<std::string> items;

  static FieldValue None() { return {}; }
  static FieldValue Text(std::string t) { return {Kind::kText, std::move(t), {}}; }
  static FieldValue OptionalText(const std::optional<std::string>& t) {
    return t.has_value() ? Text(*t) : None();
  }
  static FieldValue List(std::vector<std::string> i) { return {Kind::kList, "", std::move(i)}; }
};

// Field order is column order (as a Python dict keeps insertion order).
using Record = std::vector<std::pair<std::string, FieldValue>>;

// The full output, ending with a newline.
std::string RenderRecords(const std::vector<Record>& records, OutputFormat format);

// Python's json.dumps() of one string (ensure_ascii), quotes included.
std::string PythonJsonString(const std::string& utf8);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_LISTING_OUTPUT_H_
