// File: tests/airflow_double/log_push_body.h
//
// The double's logs/push handler parses 512 KiB bodies per call; nlohmann's lexer does that at
// ~40 MB/s (per character, with UTF-8 checks), which made the double, not edgectl, the limit of
// bench/log_bench. This takes the one large value, log_chunk_data, out of the body in one pass when
// it is a plain JSON string (simple escapes, valid UTF-8, the key outside any string) and leaves
// the body with that value emptied, so the small rest is validated as before (FastAPI's 422s
// unchanged). Anything unusual (\u escapes, odd layout) returns nullopt: parse the whole body the
// general way. Real Airflow (pydantic-core) parses JSON far faster than nlohmann.
#ifndef EDGECTL_TESTS_AIRFLOW_DOUBLE_LOG_PUSH_BODY_H_
#define EDGECTL_TESTS_AIRFLOW_DOUBLE_LOG_PUSH_BODY_H_

#include <optional>
#include <string>
#include <string_view>

namespace edgectl::airflow_double {

// The decoded log_chunk_data and, in *rest, the body with it replaced by "".
std::optional<std::string> ExtractLogChunkData(std::string_view body, std::string* rest);

}  // namespace edgectl::airflow_double

#endif  // EDGECTL_TESTS_AIRFLOW_DOUBLE_LOG_PUSH_BODY_H_
