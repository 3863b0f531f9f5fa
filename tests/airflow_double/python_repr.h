// File: tests/airflow_double/python_repr.h
//
// edge3 stores edge_worker.queues as Python's str(list): "['default', 'gpu']", read back with
// ast.literal_eval; an empty list is stored as NULL (= all queues). These convert both ways for
// lists of strings, with Python's quoting rules (single quotes unless the text holds a single
// quote and no double quote; backslash escapes).
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_PYTHON_REPR_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_PYTHON_REPR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::airflow_double {

// nullopt for nullopt or an empty list (the column is then NULL).
std::optional<std::string> QueuesToPythonRepr(const std::optional<std::vector<std::string>>& queues);
absl::StatusOr<std::vector<std::string>> ParsePythonStringList(const std::string& repr);

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_PYTHON_REPR_H_
