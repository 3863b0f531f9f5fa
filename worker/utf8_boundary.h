// File: worker/utf8_boundary.h
//
// Where to cut a byte stream so that no UTF-8 character is split across two log chunks: the
// sidecar decodes every chunk on its own (edge3's backslashreplace rules), so a character cut in
// half would arrive as two escaped bytes instead of the character. Only an *incomplete trailing*
// sequence is held back; invalid bytes elsewhere pass through unchanged (the sidecar escapes them).
#ifndef EDGECTL_WORKER_UTF8_BOUNDARY_H_
#define EDGECTL_WORKER_UTF8_BOUNDARY_H_

#include <cstddef>
#include <string_view>

namespace edgectl::worker {

// Length of the longest prefix of `data` that does not end inside a multi-byte UTF-8 sequence
// which more bytes could still complete. Equals data.size() unless the last 1-3 bytes are the
// start of a valid-looking but unfinished sequence.
size_t CompleteUtf8PrefixLength(std::string_view data);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_UTF8_BOUNDARY_H_
