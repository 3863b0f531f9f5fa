// File: controlplane/admin/name_pattern.h
//
// `list-workers --worker-name-pattern` takes a shell glob as edge3 does: `*` any run of
// characters, `?` exactly one; every other character (including SQL's own wildcards % and _)
// matches itself. GlobToLikePattern turns it into a pattern for `LIKE $n ESCAPE '\'`, always
// passed as a bound parameter, never spliced into SQL.
#ifndef EDGECTL_CONTROLPLANE_ADMIN_NAME_PATTERN_H_
#define EDGECTL_CONTROLPLANE_ADMIN_NAME_PATTERN_H_

#include <string>
#include <string_view>

namespace edgectl::admin {

inline constexpr char kLikeEscapeClause[] = "ESCAPE '\\'";

std::string GlobToLikePattern(std::string_view glob);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_NAME_PATTERN_H_
