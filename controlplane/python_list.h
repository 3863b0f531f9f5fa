// File: controlplane/python_list.h
//
// edge3 stores edge_worker.queues as Python's str(list) repr, e.g. "['default', 'gpu']", and
// reads it back with ast.literal_eval; NULL (and an empty list) means all queues. This parses
// that repr: single- or double-quoted string literals with Python's backslash escapes
// (\\ \' \" \n \t \r \xNN \uNNNN), separated by commas, optional trailing comma.
#ifndef EDGECTL_CONTROLPLANE_PYTHON_LIST_H_
#define EDGECTL_CONTROLPLANE_PYTHON_LIST_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::controlplane {

absl::StatusOr<std::vector<std::string>> ParsePythonStringList(std::string_view repr);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_PYTHON_LIST_H_
