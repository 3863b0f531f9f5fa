// File: common/python_list_repr.h
//
// edge3 stores a worker's queues in edge_worker.queues as the Python repr of a list of strings
// (`str(["default", "gpu"])` -> `['default', 'gpu']`) and reads it back with ast.literal_eval.
// These two functions read and write that text so edgectl and Airflow can share the column:
//   - FormatPythonStrList prints exactly what Python's str(list) prints, including its choice of
//     quote character ('...' unless the string contains ' and no ") and its escapes (\\, \n,
//     \xNN / \uNNNN for non-printable characters);
//   - ParsePythonStrList accepts what literal_eval accepts for a flat list (or tuple) of string
//     literals: either quote, the usual escapes, u/r prefixes, a trailing comma.
// Anything else (numbers, nesting, expressions) is INVALID_ARGUMENT, never guessed at.
#ifndef EDGECTL_COMMON_PYTHON_LIST_REPR_H_
#define EDGECTL_COMMON_PYTHON_LIST_REPR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl {

// The repr Python prints for one str (quotes included).
std::string PythonStrRepr(std::string_view utf8);

// Python's str(list_of_str), e.g. "['default', \"it's\"]". An empty list prints "[]".
std::string FormatPythonStrList(const std::vector<std::string>& items);

absl::StatusOr<std::vector<std::string>> ParsePythonStrList(std::string_view text);

// The edge_worker.queues value for a queue list: nullopt (SQL NULL, "all queues") for nullopt
// and, as edge3 stores it, for an empty list.
std::optional<std::string> QueuesToColumn(const std::optional<std::vector<std::string>>& queues);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_PYTHON_LIST_REPR_H_
