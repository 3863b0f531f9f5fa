// File: bridge/json_string.h
//
// A JSON string literal written in one pass for large, valid UTF-8 values (log text bound for
// logs/push): runs that need no escape are copied at once, 8 bytes checked at a time. The output
// is byte for byte what nlohmann::json::dump(-1) writes for the same string (non-ASCII kept as
// UTF-8; \b \t \n \f \r \" \\ and \u00XX, lower-case hex, for other control characters).
// Invalid UTF-8 is refused (false, `out` unchanged) so callers can fall back to nlohmann, which
// replaces it.
#ifndef EDGECTL_BRIDGE_JSON_STRING_H_
#define EDGECTL_BRIDGE_JSON_STRING_H_

#include <string>
#include <string_view>

namespace edgectl::bridge {

// Appends `"value"` (quotes included) to `out`; false when `value` is not valid UTF-8.
bool AppendJsonString(std::string& out, std::string_view value);

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_JSON_STRING_H_
