// edge3's retry policy: environment variables, wait bounds, what is retried, Retry-After.
#include "bridge/retry_policy.h"

#include <map>
#include <vector>

#include "gtest/gtest.h"

namespace edgectl::bridge {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

HttpResponse Response(int status, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

TEST(RetryOptionsTest, DefaultsAreEdge3s) {
  RetryOptions o = *RetryOptionsFromEnv(Env({}));
  EXPECT_EQ(o.attempts, 10);
  EXPECT_EQ(o.wait_min, absl::Seconds(1));
  EXPECT_EQ(o.wait_max, absl::Seconds(90));
}

TEST(RetryOptionsTest, EdgeVariablesWinOverWorkersFallbacks) {
  RetryOptions o = *RetryOptionsFromEnv(Env({{"AIRFLOW__EDGE__API_RETRIES", "3"},
                                             {"AIRFLOW__WORKERS__API_RETRIES", "7"},
                                             {"AIRFLOW__WORKERS__API_RETRY_WAIT_MIN", "0.5"},
                                             {"AIRFLOW__EDGE__API_RETRY_WAIT_MAX", "2.5"}}));
  EXPECT_EQ(o.attempts, 3);
  EXPECT_EQ(o.wait_min, absl::Milliseconds(500));
  EXPECT_EQ(o.wait_max, absl::Milliseconds(2500));
}

TEST(RetryOptionsTest, MalformedValuesNameTheVariable) {
  absl::StatusOr<RetryOptions> o = RetryOptionsFromEnv(Env({{"AIRFLOW__EDGE__API_RETRIES", "ten"}}));
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("AIRFLOW__EDGE__API_RETRIES"), std::string::npos);
  EXPECT_FALSE(RetryOptionsFromEnv(Env({{"AIRFLOW__EDGE__API_RETRY_WAIT_MIN", "5"},
                                        {"AIRFLOW__EDGE__API_RETRY_WAIT_MAX", "1"}}))
                   .ok());
}

TEST(RetryPolicyTest, RandomExponentialWaitStaysWithinTenacitysBounds) {
  for (double r : {0.0, 0.999999}) {
    RetryPolicy policy(RetryOptions{}, [](absl::Duration) {}, absl::Now, [r] { return r; });
    const absl::StatusOr<HttpResponse> failure = Response(503);
    // Upper bound of try n's wait: clamp(2^(n-1), 1 s, 90 s).
    const std::vector<double> highs = {1, 2, 4, 8, 16, 32, 64, 90, 90};
    for (int n = 1; n <= 9; ++n) {
      absl::Duration wait = policy.WaitAfter(n, failure);
      EXPECT_GE(wait, absl::Seconds(1));
      EXPECT_LE(wait, absl::Seconds(highs[n - 1]));
      if (r > 0.9) EXPECT_GT(wait, absl::Seconds(highs[n - 1] * 0.99));
    }
  }
}

TEST(RetryPolicyTest, RetriesNetworkErrorsAnd5xxAnd429ButNotOther4xx) {
  EXPECT_TRUE(RetryPolicy::IsRetryable(absl::UnavailableError("refused")));
  EXPECT_TRUE(RetryPolicy::IsRetryable(absl::DeadlineExceededError("timeout")));
  EXPECT_TRUE(RetryPolicy::IsRetryable(Response(500)));
  EXPECT_TRUE(RetryPolicy::IsRetryable(Response(503)));
  EXPECT_TRUE(RetryPolicy::IsRetryable(Response(429)));
  for (int code : {200, 400, 403, 404, 405, 409, 422}) {
    EXPECT_FALSE(RetryPolicy::IsRetryable(Response(code))) << code;
  }
}

TEST(RetryPolicyTest, RunStopsAfterConfiguredAttemptsAndSleepsBetween) {
  std::vector<absl::Duration> sleeps;
  RetryPolicy policy(RetryOptions{4, absl::Milliseconds(10), absl::Milliseconds(40)},
                     [&](absl::Duration d) { sleeps.push_back(d); });
  int calls = 0;
  RetryOutcome out = policy.Run([&]() -> absl::StatusOr<HttpResponse> {
    ++calls;
    return absl::UnavailableError("connection refused");
  }, "GET health");
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(out.attempts, 4);
  EXPECT_EQ(sleeps.size(), 3u);
  for (absl::Duration d : sleeps) {
    EXPECT_GE(d, absl::Milliseconds(10));
    EXPECT_LE(d, absl::Milliseconds(40));
  }
}

TEST(RetryPolicyTest, RunReturnsAtOnceOnSuccessOr4xx) {
  RetryPolicy policy(RetryOptions{5, absl::ZeroDuration(), absl::ZeroDuration()},
                     [](absl::Duration) {});
  int calls = 0;
  RetryOutcome out = policy.Run([&]() -> absl::StatusOr<HttpResponse> {
    return ++calls < 3 ? Response(502) : Response(404);
  }, "x");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(out.last->status, 404);
}

TEST(RetryPolicyTest, Http429HonoursRetryAfterSecondsAndDate) {
  const absl::Time now = absl::FromUnixSeconds(1767225600);  // Thu, 01 Jan 2026 00:00:00 GMT
  RetryPolicy policy(RetryOptions{10, absl::Seconds(1), absl::Seconds(90)},
                     [](absl::Duration) {}, [now] { return now; }, [] { return 0.0; });
  EXPECT_EQ(policy.WaitAfter(1, Response(429, {{"retry-after", "7"}})), absl::Seconds(7));
  EXPECT_EQ(policy.WaitAfter(1, Response(429, {{"retry-after", "Thu, 01 Jan 2026 00:00:12 GMT"}})),
            absl::Seconds(12));
  // Capped at wait_max; without a usable header the random exponential wait applies.
  EXPECT_EQ(policy.WaitAfter(1, Response(429, {{"retry-after", "3600"}})), absl::Seconds(90));
  EXPECT_EQ(policy.WaitAfter(3, Response(429)), absl::Seconds(1));
}

}  // namespace
}  // namespace edgectl::bridge
