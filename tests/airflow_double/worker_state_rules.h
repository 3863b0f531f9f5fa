// File: tests/airflow_double/worker_state_rules.h
//
// edge3's server-side rules for what a register / set_state call stores (routes/worker.py,
// newest; spec §7.1): the stored state wins while an admin request is pending, and maintenance
// comments reported by the worker are appended to the stored ones.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_WORKER_STATE_RULES_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_WORKER_STATE_RULES_H_

#include <optional>
#include <string>

namespace edgectl::airflow_double {

// redefine_state(db_state, reported_state).
std::string RedefineState(const std::string& db_state, const std::string& reported_state);

// The comment to store for `new_state`: cleared outside the maintenance states; a new non-empty
// reported comment is appended after a blank line while both stay under 1020 characters,
// otherwise it replaces the stored one.
std::optional<std::string> MergeMaintenanceComments(const std::string& new_state,
                                                    const std::optional<std::string>& stored,
                                                    const std::optional<std::string>& reported);

// The rule of edge3's routes before 3.6: every non-empty reported comment is appended (or
// replaces the stored one past 1020 characters), whatever the state and even when it repeats.
std::optional<std::string> AppendMaintenanceCommentsAlways(
    const std::optional<std::string>& stored, const std::optional<std::string>& reported);

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_WORKER_STATE_RULES_H_
