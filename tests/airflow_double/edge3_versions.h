// File: tests/airflow_double/edge3_versions.h
//
// The edge3 provider versions the Airflow double can be started as (--edge3_version), one per
// schema revision of edgectl's compatibility window (controlplane/db/schema_revision.h), with
// the REST behaviours that differ between them:
//   4.3  revision c6b3c3d093fd: jobs keyed by their coordinates only; fetch answers without
//        task_instance_id, ignores supports_task_instance_uuid, and claims a job as `running`;
//        jobs/state takes no body.
//   5.0  revision f2a4b6c8d0e1: task_instance_id in fetch replies, in the jobs/state body and as
//        part of the key; 409 for a worker that does not declare supports_task_instance_uuid
//        when the job has a UUID; fetch claims a job as `restarting`.
//   5.2  revision cd96a0a0e458: as 5.0 (edge_job.command is TEXT).
// All three merge maintenance comments as routes/worker.py has since edge3 3.6 (append a
// reported comment only when it differs from the stored one; clear it outside maintenance).
// CommentMerge::kAlways is the rule of the routes before (append every reported comment),
// selectable on its own (--comment_merge=always) to show a client never re-sends a comment.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE3_VERSIONS_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE3_VERSIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace edgectl::airflow_double {

enum class CommentMerge {
  kIfDifferent,  // edge3 >= 3.6
  kAlways,       // edge3 routes before 3.6
};

absl::StatusOr<CommentMerge> ParseCommentMerge(const std::string& text);

struct Edge3VersionMode {
  std::string name;               // the --edge3_version value, e.g. "5.0"
  std::string provider_version;   // what the double claims to run, e.g. "5.0.0"
  std::string schema_revision;    // the alembic revision the database must be stamped with
  bool task_instance_ids = true;
  std::string claimed_job_state;  // what fetch sets a claimed job to
  CommentMerge comment_merge = CommentMerge::kIfDifferent;
};

const std::vector<Edge3VersionMode>& Edge3VersionModes();
// INVALID_ARGUMENT naming the known modes when there is no such mode.
absl::StatusOr<Edge3VersionMode> FindEdge3VersionMode(const std::string& name);

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_EDGE3_VERSIONS_H_
