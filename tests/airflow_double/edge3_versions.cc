#include "tests/airflow_double/edge3_versions.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace edgectl::airflow_double {

absl::StatusOr<CommentMerge> ParseCommentMerge(const std::string& text) {
  if (text == "if-different") return CommentMerge::kIfDifferent;
  if (text == "always") return CommentMerge::kAlways;
  return absl::InvalidArgumentError(absl::StrCat(
      "--comment_merge must be if-different (edge3 >= 3.6) or always (before), not '", text, "'"));
}

const std::vector<Edge3VersionMode>& Edge3VersionModes() {
  static const auto* modes = new std::vector<Edge3VersionMode>{
      {"4.3", "4.3.2", "c6b3c3d093fd", /*task_instance_ids=*/false, "running",
       CommentMerge::kIfDifferent},
      {"5.0", "5.0.0", "f2a4b6c8d0e1", /*task_instance_ids=*/true, "restarting",
       CommentMerge::kIfDifferent},
      {"5.2", "5.2.0", "cd96a0a0e458", /*task_instance_ids=*/true, "restarting",
       CommentMerge::kIfDifferent},
  };
  return *modes;
}

absl::StatusOr<Edge3VersionMode> FindEdge3VersionMode(const std::string& name) {
  for (const Edge3VersionMode& mode : Edge3VersionModes()) {
    if (mode.name == name) return mode;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--edge3_version '", name, "' is not one the double can be started as; known: ",
      absl::StrJoin(Edge3VersionModes(), ", ",
                    [](std::string* out, const Edge3VersionMode& m) { out->append(m.name); })));
}

}  // namespace edgectl::airflow_double
