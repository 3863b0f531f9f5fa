// File: controlplane/web/gzip.h
//
// gzip (RFC 1952) of an answer body with zlib, so the fleet page's JSON is compressed once per
// cache period and the same bytes go to every viewer that accepts gzip (browsers all do),
// instead of being compressed again, or sent ten times larger, per request.
#ifndef EDGECTL_CONTROLPLANE_WEB_GZIP_H_
#define EDGECTL_CONTROLPLANE_WEB_GZIP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace edgectl::web {

absl::StatusOr<std::string> Gzip(absl::string_view data);

// Whether an Accept-Encoding header value allows gzip (a "gzip;q=0" refusal counts as no).
bool AcceptsGzip(absl::string_view accept_encoding);

}  // namespace edgectl::web

#endif  // EDGECTL_CONTROLPLANE_WEB_GZIP_H_
