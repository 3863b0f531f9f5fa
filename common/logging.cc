#include "common/logging.h"

#include <grpc/support/log.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cctype>
#include <map>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace edgectl {
namespace {

// %* : the message, escaped for a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      const unsigned char u = static_cast<unsigned char>(c);
      std::string piece;
      switch (c) {
        case '"': piece = "\\\""; break;
        case '\\': piece = "\\\\"; break;
        case '\n': piece = "\\n"; break;
        case '\r': piece = "\\r"; break;
        case '\t': piece = "\\t"; break;
        default:
          piece = u < 0x20 ? absl::StrFormat("\\u%04x", u) : std::string(1, c);
      }
      dest.append(piece.data(), piece.data() + piece.size());
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

class RepeatLimitingSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RepeatLimitingSink(std::vector<spdlog::sink_ptr> inner, absl::Duration interval,
                     std::function<absl::Time()> clock)
      : inner_(std::move(inner)), interval_(interval), clock_(std::move(clock)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level < spdlog::level::warn) {
      Forward(msg);
      return;
    }
    std::string kind = absl::StrCat(static_cast<int>(msg.level), ":");
    for (char c : msg.payload) kind.push_back(absl::ascii_isdigit(c) ? '#' : c);
    const absl::Time now = clock_();
    Seen& seen = seen_[kind];
    if (seen.last != absl::InfinitePast() && now - seen.last < interval_) {
      ++seen.held_back;
      return;
    }
    seen.last = now;
    if (seen.held_back == 0) {
      Forward(msg);
    } else {
      std::string text(msg.payload.data(), msg.payload.size());
      absl::StrAppend(&text, " (", seen.held_back, " more like this in the last ",
                      absl::FormatDuration(interval_), " not logged)");
      seen.held_back = 0;
      spdlog::details::log_msg copy(msg);
      copy.payload = text;
      Forward(copy);
    }
    if (seen_.size() > 1000) seen_.clear();  // bounded: kinds are few, unless texts are unique
  }
  void flush_() override {
    for (auto& sink : inner_) sink->flush();
  }
  void set_pattern_(const std::string& pattern) override {
    for (auto& sink : inner_) sink->set_pattern(pattern);
  }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    for (auto& sink : inner_) sink->set_formatter(formatter->clone());
  }

 private:
  struct Seen {
    absl::Time last = absl::InfinitePast();
    int held_back = 0;
  };
  void Forward(const spdlog::details::log_msg& msg) {
    for (auto& sink : inner_) {
      if (sink->should_log(msg.level)) sink->log(msg);
    }
  }
  std::vector<spdlog::sink_ptr> inner_;
  const absl::Duration interval_;
  const std::function<absl::Time()> clock_;
  std::map<std::string, Seen> seen_;
};

void LogFromGrpc(gpr_log_func_args* args) {
  const spdlog::level::level_enum level = args->severity == GPR_LOG_SEVERITY_ERROR
                                              ? spdlog::level::err
                                          : args->severity == GPR_LOG_SEVERITY_INFO
                                              ? spdlog::level::info
                                              : spdlog::level::debug;
  spdlog::log(level, "grpc: {} ({}:{})", args->message, args->file, args->line);
}

}  // namespace

absl::StatusOr<LogOptions> LogOptionsFromConfig(const AirflowConfig& config,
                                                const std::string& level_flag, bool json_flag,
                                                bool verbose) {
  LogOptions options;
  std::string level = level_flag.empty() ? config.GetOr("logging", "logging_level", "INFO")
                                         : level_flag;
  level = absl::AsciiStrToUpper(level);
  if (verbose) level = "DEBUG";
  static const std::map<std::string, spdlog::level::level_enum> kLevels = {
      {"DEBUG", spdlog::level::debug},   {"INFO", spdlog::level::info},
      {"WARNING", spdlog::level::warn},  {"WARN", spdlog::level::warn},
      {"ERROR", spdlog::level::err},     {"CRITICAL", spdlog::level::critical},
      {"FATAL", spdlog::level::critical}};
  auto it = kLevels.find(level);
  if (it == kLevels.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "logging level '", level, "' is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL "
        "(--log-level, [logging] logging_level)"));
  }
  options.level = it->second;
  absl::StatusOr<bool> json = config.GetBool("logging", "json_format", false);
  if (!json.ok()) return json.status();
  options.json = json_flag || *json;
  return options;
}

std::unique_ptr<spdlog::formatter> MakeLogFormatter(bool json) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*');
  formatter->set_pattern(
      json ? R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","message":"%*"})"
           : "%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
  return formatter;
}

spdlog::sink_ptr MakeRepeatLimitingSink(std::vector<spdlog::sink_ptr> inner,
                                        absl::Duration repeat_interval,
                                        std::function<absl::Time()> clock) {
  return std::make_shared<RepeatLimitingSink>(std::move(inner), repeat_interval,
                                              std::move(clock));
}

void InstallLogging(const LogOptions& options, const std::string& name,
                    std::vector<spdlog::sink_ptr> sinks) {
  if (sinks.empty()) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto limited = MakeRepeatLimitingSink(std::move(sinks), options.repeat_interval, options.clock);
  spdlog::drop(name);
  auto logger = std::make_shared<spdlog::logger>(name, limited);
  logger->set_formatter(MakeLogFormatter(options.json));
  logger->set_level(options.level);
  spdlog::set_default_logger(logger);
  spdlog::set_level(options.level);
  gpr_set_log_function(&LogFromGrpc);
}

}  // namespace edgectl
