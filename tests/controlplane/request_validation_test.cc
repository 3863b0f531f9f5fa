// Checks on what a worker sends (controlplane/request_validation.h): every string field's
// length limit at its boundary (characters, not bytes), names with NUL, control characters or
// invalid UTF-8 refused rather than truncated, counts and numbers range-checked up to 2^64, and
// refusal messages that quote only a short prefix of the offending value.
#include "controlplane/request_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace edgectl::controlplane {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

v1::WorkerStateBody ValidBody() {
  v1::WorkerStateBody body;
  body.set_state("idle");
  body.set_jobs_active(0);
  body.mutable_queues()->add_names("default");
  (*body.mutable_sysinfo())["concurrency"].set_int_value(8);
  return body;
}

v1::RegisterRequest ValidRegister() {
  v1::RegisterRequest r;
  r.set_worker_name("worker-1");
  r.set_protocol_version(v1::PROTOCOL_VERSION_1);
  r.set_client_version("0.1.0");
  r.set_instance_id("0123456789abcdef");
  *r.mutable_body() = ValidBody();
  return r;
}

v1::JobKey ValidKey() {
  v1::JobKey k;
  k.set_dag_id("dag");
  k.set_task_id("task");
  k.set_run_id("manual__2026-01-01");
  k.set_try_number(1);
  k.set_map_index(-1);
  k.set_task_instance_id("0193f3a4-7a8b-7c6d-9e0f-123456789abc");
  return k;
}

v1::LogChunk ValidChunk() {
  v1::LogChunk c;
  c.set_worker_name("worker-1");
  *c.mutable_key() = ValidKey();
  c.set_offset(0);
  c.set_data("log line\n");
  c.mutable_chunk_time()->set_seconds(1767225600);
  return c;
}

v1::JobStateReport ValidReport() {
  v1::JobStateReport r;
  r.set_worker_name("worker-1");
  *r.mutable_key() = ValidKey();
  r.set_state("running");
  r.set_sequence(1);
  return r;
}

// `n` characters of `unit` (one UTF-8 character).
std::string Chars(size_t n, const std::string& unit = "x") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// One string field: validates a request that is valid except for this field's value.
struct Field {
  std::string name;
  size_t max_chars;
  bool is_name;  // control characters refused
  std::function<absl::Status(const std::string&)> check;
};

std::vector<Field> AllStringFields() {
  const auto reg = [](std::function<void(v1::RegisterRequest&, const std::string&)> set) {
    return [set](const std::string& v) {
      v1::RegisterRequest r = ValidRegister();
      set(r, v);
      return ValidateRegister(r);
    };
  };
  const auto key = [](std::function<void(v1::JobKey&, const std::string&)> set) {
    return [set](const std::string& v) {
      v1::JobStateReport r = ValidReport();
      set(*r.mutable_key(), v);
      return ValidateJobStateReport(r);
    };
  };
  using R = v1::RegisterRequest;
  using K = v1::JobKey;
  return {
      {"Register.worker_name", 64, true, reg([](R& r, auto& v) { r.set_worker_name(v); })},
      {"Register.client_version", 64, true, reg([](R& r, auto& v) { r.set_client_version(v); })},
      {"Register.instance_id", 64, true, reg([](R& r, auto& v) { r.set_instance_id(v); })},
      {"Register.previous_instance_id", 64, true,
       reg([](R& r, auto& v) { r.set_previous_instance_id(v); })},
      {"body.state", 20, true, reg([](R& r, auto& v) { r.mutable_body()->set_state(v); })},
      {"body.maintenance_comments", 1024, false,
       reg([](R& r, auto& v) { r.mutable_body()->set_maintenance_comments(v); })},
      {"body.team_name", 64, true, reg([](R& r, auto& v) { r.mutable_body()->set_team_name(v); })},
      {"body.sysinfo key", 64, true,
       reg([](R& r, auto& v) { (*r.mutable_body()->mutable_sysinfo())[v].set_int_value(1); })},
      {"body.sysinfo value", 1024, false,
       reg([](R& r, auto& v) {
         (*r.mutable_body()->mutable_sysinfo())["k"].set_string_value(v);
       })},
      {"Heartbeat.worker_name", 64, true,
       [](const std::string& v) {
         v1::HeartbeatRequest h;
         h.set_worker_name(v);
         *h.mutable_body() = ValidBody();
         return ValidateHeartbeat(h);
       }},
      {"Connect.worker_name", 64, true,
       [](const std::string& v) {
         v1::ConnectRequest c;
         c.set_worker_name(v);
         return ValidateConnect(c);
       }},
      {"Connect.running_jobs.dag_id", 250, true,
       [](const std::string& v) {
         v1::ConnectRequest c;
         c.set_worker_name("w");
         *c.add_running_jobs() = ValidKey();
         c.mutable_running_jobs(0)->set_dag_id(v);
         return ValidateConnect(c);
       }},
      {"JobClaim.worker_name", 64, true,
       [](const std::string& v) {
         v1::JobClaim c;
         c.set_worker_name(v);
         *c.mutable_key() = ValidKey();
         return ValidateClaim(c);
       }},
      {"JobStateReport.worker_name", 64, true,
       [](const std::string& v) {
         v1::JobStateReport r = ValidReport();
         r.set_worker_name(v);
         return ValidateJobStateReport(r);
       }},
      {"LogChunk.worker_name", 64, true,
       [](const std::string& v) {
         v1::LogChunk c = ValidChunk();
         c.set_worker_name(v);
         return ValidateLogChunk(c, 1 << 20);
       }},
      {"JobKey.dag_id", 250, true, key([](K& k, auto& v) { k.set_dag_id(v); })},
      {"JobKey.task_id", 250, true, key([](K& k, auto& v) { k.set_task_id(v); })},
      {"JobKey.run_id", 250, true, key([](K& k, auto& v) { k.set_run_id(v); })},
      {"JobKey.task_instance_id", 36, true,
       key([](K& k, auto& v) { k.set_task_instance_id(v); })},
  };
}

TEST(RequestValidation, ValidRequestsPass) {
  EXPECT_TRUE(ValidateRegister(ValidRegister()).ok());
  EXPECT_TRUE(ValidateJobStateReport(ValidReport()).ok());
  EXPECT_TRUE(ValidateLogChunk(ValidChunk(), 1 << 20).ok());
  EXPECT_TRUE(ValidateJobKey(ValidKey()).ok());
}

TEST(RequestValidation, EveryStringFieldHasItsCharacterLimit) {
  for (const Field& f : AllStringFields()) {
    SCOPED_TRACE(f.name);
    EXPECT_TRUE(f.check(Chars(f.max_chars)).ok()) << f.check(Chars(f.max_chars));
    // Limits count characters: the longest value in 2- and 4-byte characters fits too.
    EXPECT_TRUE(f.check(Chars(f.max_chars, "\xC3\xA9")).ok());
    EXPECT_TRUE(f.check(Chars(f.max_chars, "\xF0\x9F\x98\x80")).ok());
    for (const char* unit : {"x", "\xC3\xA9", "\xF0\x9F\x98\x80"}) {
      absl::Status over = f.check(Chars(f.max_chars + 1, unit));
      EXPECT_EQ(over.code(), absl::StatusCode::kInvalidArgument) << unit;
      EXPECT_THAT(over.message(), HasSubstr("longer than " + std::to_string(f.max_chars)));
    }
  }
}

TEST(RequestValidation, NulControlCharactersAndInvalidUtf8AreRefusedNotTruncated) {
  const std::vector<std::string> bad_anywhere = {
      "w\xFF", "w\xC0\xAF", "w\xED\xA0\x80", "w\xE6\x97", "\x80w", "w\xF4\x90\x80\x80"};
  const std::vector<std::string> bad_in_names = {std::string("w\0x", 3), std::string("w\0", 2),
                                                 "w\n", "w\t", "\x1Bw", "w\x7F"};
  for (const Field& f : AllStringFields()) {
    SCOPED_TRACE(f.name);
    for (const std::string& v : bad_anywhere) {
      absl::Status s = f.check(v);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(s.message(), HasSubstr("not valid UTF-8"));
    }
    if (!f.is_name) {
      EXPECT_TRUE(f.check("line one\n\tline two").ok());  // free text may hold line breaks
      // ... but not NUL, which PostgreSQL text cannot store.
      EXPECT_THAT(f.check(std::string("a\0b", 3)).message(), HasSubstr("contains a NUL"));
      continue;
    }
    for (const std::string& v : bad_in_names) {
      absl::Status s = f.check(v);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(s.message(), HasSubstr("NUL or control character"));
    }
  }
}

TEST(RequestValidation, QueueNamesAndTheStoredListFit) {
  const auto check = [](std::vector<std::string> queues) {
    return ValidateQueues(std::optional<std::vector<std::string>>(std::move(queues)));
  };
  EXPECT_TRUE(ValidateQueues(std::nullopt).ok());
  EXPECT_TRUE(check({}).ok());
  // edge_worker.queues holds str(list) in 256 characters: "['" + 252 + "']".
  EXPECT_TRUE(check({Chars(252)}).ok());
  EXPECT_THAT(check({Chars(253)}).message(), HasSubstr("as edge3 stores it"));
  absl::Status long_name = check({Chars(257)});
  EXPECT_EQ(long_name.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(long_name.message(), HasSubstr("queue name"));
  EXPECT_EQ(check(std::vector<std::string>(257, "q")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(check({"ok", std::string("q\0", 2)}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(check({"ok", "q\xFF"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidation, CountsAndNumbersAreRangeChecked) {
  v1::RegisterRequest r = ValidRegister();
  r.mutable_body()->set_jobs_active(-1);
  EXPECT_EQ(ValidateRegister(r).code(), absl::StatusCode::kInvalidArgument);
  r.mutable_body()->set_jobs_active(100001);
  EXPECT_EQ(ValidateRegister(r).code(), absl::StatusCode::kInvalidArgument);
  r.mutable_body()->set_jobs_active(100000);
  EXPECT_TRUE(ValidateRegister(r).ok());

  auto& sysinfo = *r.mutable_body()->mutable_sysinfo();
  for (int i = 0; sysinfo.size() < 64; ++i) sysinfo["k" + std::to_string(i)].set_int_value(i);
  EXPECT_TRUE(ValidateRegister(r).ok());
  sysinfo["one-more"].set_int_value(1);
  EXPECT_EQ(ValidateRegister(r).code(), absl::StatusCode::kInvalidArgument);

  v1::ConnectRequest c;
  c.set_worker_name("w");
  for (int i = 0; i < 10000; ++i) *c.add_running_jobs() = ValidKey();
  EXPECT_TRUE(ValidateConnect(c).ok());
  *c.add_running_jobs() = ValidKey();
  EXPECT_EQ(ValidateConnect(c).code(), absl::StatusCode::kInvalidArgument);

  v1::JobKey k = ValidKey();
  k.set_try_number(-1);
  EXPECT_EQ(ValidateJobKey(k).code(), absl::StatusCode::kInvalidArgument);
  k = ValidKey();
  k.set_map_index(-2);
  EXPECT_EQ(ValidateJobKey(k).code(), absl::StatusCode::kInvalidArgument);
  k = ValidKey();
  k.set_run_id("");
  EXPECT_EQ(ValidateJobKey(k).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateWorkerName("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidation, SequencesNearTwoToTheSixtyFourAreRefused) {
  for (uint64_t ok : {uint64_t{0}, kMaxSequence}) {
    v1::JobStateReport r = ValidReport();
    r.set_sequence(ok);
    EXPECT_TRUE(ValidateJobStateReport(r).ok()) << ok;
  }
  for (uint64_t bad : {kMaxSequence + 1, kU64Max / 2, kU64Max - 1, kU64Max}) {
    v1::JobStateReport r = ValidReport();
    r.set_sequence(bad);
    EXPECT_EQ(ValidateJobStateReport(r).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RequestValidation, LogOffsetsSizesAndTimesAreRangeChecked) {
  v1::LogChunk c = ValidChunk();
  c.set_offset(kMaxLogOffset);
  EXPECT_TRUE(ValidateLogChunk(c, 1 << 20).ok());
  for (uint64_t bad : {kMaxLogOffset + 1, kU64Max - 9, kU64Max}) {
    c.set_offset(bad);
    EXPECT_EQ(ValidateLogChunk(c, 1 << 20).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  c = ValidChunk();
  c.set_data(std::string(1000, 'x'));
  EXPECT_TRUE(ValidateLogChunk(c, 1000).ok());
  EXPECT_EQ(ValidateLogChunk(c, 999).code(), absl::StatusCode::kInvalidArgument);

  const auto with_time = [](int64_t seconds, int32_t nanos) {
    v1::LogChunk chunk = ValidChunk();
    chunk.mutable_chunk_time()->set_seconds(seconds);
    chunk.mutable_chunk_time()->set_nanos(nanos);
    return ValidateLogChunk(chunk, 1 << 20);
  };
  EXPECT_TRUE(with_time(1767225600, 999999999).ok());
  EXPECT_TRUE(with_time(253402300799, 0).ok());  // 9999-12-31T23:59:59Z
  for (auto [s, n] : std::vector<std::pair<int64_t, int32_t>>{
           {0, 0}, {-1, 0}, {1767225600, -1}, {1767225600, 1000000000}, {253402300800, 0},
           {std::numeric_limits<int64_t>::max(), 0}}) {
    EXPECT_EQ(with_time(s, n).code(), absl::StatusCode::kInvalidArgument) << s << "." << n;
  }
  c = ValidChunk();
  c.clear_chunk_time();
  EXPECT_EQ(ValidateLogChunk(c, 1 << 20).code(), absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidation, ProtocolVersionMismatchIsAFailedPrecondition) {
  v1::RegisterRequest r = ValidRegister();
  r.set_protocol_version(v1::PROTOCOL_VERSION_UNSPECIFIED);
  EXPECT_EQ(ValidateRegister(r).code(), absl::StatusCode::kFailedPrecondition);
  // Version 2 (the Execution API relay) is version 1 plus an RPC: both are served.
  r.set_protocol_version(v1::PROTOCOL_VERSION_2);
  EXPECT_TRUE(ValidateRegister(r).ok());
  r.set_protocol_version(static_cast<v1::ProtocolVersion>(3));
  absl::Status s = ValidateRegister(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("version 3"));
  EXPECT_THAT(s.message(), HasSubstr("versions 1 to 2"));
}

TEST(RequestValidation, MessagesQuoteOnlyAShortPrefix) {
  const std::string huge(1 << 20, 'n');
  for (const Field& f : AllStringFields()) {
    SCOPED_TRACE(f.name);
    absl::Status s = f.check(huge);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_LT(s.message().size(), 400u);
    EXPECT_THAT(s.message(), HasSubstr("\"" + std::string(40, 'n') + "\"... (1048576 bytes)"));
  }
  // A NUL deep in a long name is escaped, not echoed.
  std::string nul_name = std::string(30, 'a') + std::string(1, '\0') + std::string(30, 'b');
  absl::Status s = ValidateWorkerName(nul_name);
  EXPECT_THAT(s.message(), HasSubstr("\\x00"));
  EXPECT_EQ(std::string(s.message()).find('\0'), std::string::npos);
}

}  // namespace
}  // namespace edgectl::controlplane
