// File: controlplane/log_text.h
//
// edge3's conversion of raw task-log bytes into the text it stores in edge_logs, as a pure
// function so the sidecar produces exactly what an edge3 worker would:
//   * bytes are decoded as UTF-8 with Python's errors="backslashreplace": every byte that is not
//     part of a well-formed UTF-8 sequence becomes the four characters \xNN (lower-case hex);
//     overlong forms, surrogates (ED A0..BF) and code points above U+10FFFF are ill-formed;
//   * NUL characters become U+FFFD;
//   * the text is split into slices of at most `slice_chars` characters (Python str length =
//     code points), slice i stored with log_chunk_time = chunk_time + i microseconds.
// Fast path: bytes that are valid UTF-8 without NUL (almost every log) are only validated, ASCII
// 8 bytes at a time, and become the text without a copy; runs that need no change are copied
// whole otherwise. A text of at most slice_chars bytes is one slice without counting characters.
#ifndef EDGECTL_CONTROLPLANE_LOG_TEXT_H_
#define EDGECTL_CONTROLPLANE_LOG_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace edgectl::controlplane {

// Returns valid UTF-8 text (`bytes` itself when it needs no change).
std::string DecodeLogBytes(std::string bytes);

// Length of the longest prefix of `bytes` that is well-formed UTF-8 without NUL, i.e. that
// DecodeLogBytes leaves unchanged.
size_t CleanPrefixLength(std::string_view bytes);

// Splits valid UTF-8 text into consecutive slices of at most slice_chars code points each.
// Empty text gives no slices. slice_chars must be > 0.
std::vector<std::string> SplitIntoSlices(std::string_view text, size_t slice_chars);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_LOG_TEXT_H_
