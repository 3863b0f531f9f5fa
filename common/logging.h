// File: common/logging.h
//
// One log format for every line a process writes, its own and gRPC's: UTC with the offset
// ("2026-12-04T12:00:00.123+00:00 [warning] text"), or JSON lines ({"time", "level", "logger",
// "message"}, the message JSON-escaped) with [logging] json_format = True or --log-json. The
// level is Airflow's [logging] logging_level (DEBUG, INFO, WARNING, ERROR, CRITICAL), which
// --log-level and -v/--verbose override. Warnings and errors that repeat are rate-limited: the
// first of a kind is written, the same kind again within `repeat_interval` only counted, and the
// next one written after it says how many were held back ("kind" = the text with its numbers
// blanked, so "retry 3 of 10" and "retry 4 of 10" are one kind). An outage then costs a line per
// cause per interval, not one per attempt.
#ifndef EDGECTL_COMMON_LOGGING_H_
#define EDGECTL_COMMON_LOGGING_H_

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/airflow_config.h"

namespace edgectl {

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  bool json = false;
  absl::Duration repeat_interval = absl::Seconds(60);
  std::function<absl::Time()> clock = [] { return absl::Now(); };  // tests substitute theirs
};

// `level_flag` "" = not given; `verbose` means DEBUG.
absl::StatusOr<LogOptions> LogOptionsFromConfig(const AirflowConfig& config,
                                                const std::string& level_flag, bool json_flag,
                                                bool verbose);

// Makes `sinks` (stderr when empty) the default logger `name`, in the format and at the level of
// `options`, and sends gRPC's own log lines there too.
void InstallLogging(const LogOptions& options, const std::string& name,
                    std::vector<spdlog::sink_ptr> sinks = {});

// The formatter of `options` (for tests and for sinks made later).
std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool json);
// A sink that passes lines to `inner`, holding back repeats of warnings and errors.
spdlog::sink_ptr MakeRepeatLimitingSink(std::vector<spdlog::sink_ptr> inner,
                                        absl::Duration repeat_interval,
                                        std::function<absl::Time()> clock);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_LOGGING_H_
