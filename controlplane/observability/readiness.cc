#include "controlplane/observability/readiness.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace edgectl::controlplane {
namespace {

nlohmann::json Describe(const absl::Status& status) {
  if (status.ok()) return {{"status", "ok"}};
  return {{"status", "failing"}, {"error", std::string(status.message())}};
}

}  // namespace

std::string ReadinessReport::Json() const {
  return nlohmann::json{{"status", ready() ? "ready" : "not ready"},
                        {"checks", {{"database", Describe(database)},
                                    {"airflow_api", Describe(airflow_api)}}}}
      .dump();
}

ReadinessProbe::ReadinessProbe(Dependency database, Dependency airflow_api, const Clock& clock,
                               absl::Duration ttl, absl::Duration deadline)
    : database_(std::move(database)), airflow_api_(std::move(airflow_api)), clock_(clock),
      ttl_(ttl), deadline_(deadline), thread_([this] { Loop(); }) {}

ReadinessProbe::~ReadinessProbe() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void ReadinessProbe::Loop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](ReadinessProbe* p) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return p->stopping_ || p->requested_ > p->finished_;
        },
        this));
    if (stopping_) return;
    const uint64_t round = requested_;
    mu_.Unlock();
    ReadinessReport report;
    report.database = database_();
    mu_.Lock();
    partial_database_ = report.database;
    partial_round_ = round;
    mu_.Unlock();
    report.airflow_api = airflow_api_();
    mu_.Lock();
    last_ = std::move(report);
    last_at_ = clock_.Now();
    finished_ = round;
  }
}

ReadinessReport ReadinessProbe::Check() {
  absl::MutexLock lock(&mu_);
  if (clock_.Now() - last_at_ < ttl_) return last_;
  if (requested_ == finished_) ++requested_;
  const uint64_t wanted = requested_;
  auto done = [this, wanted]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return finished_ >= wanted; };
  if (mu_.AwaitWithTimeout(absl::Condition(&done), deadline_)) return last_;
  const std::string late = absl::StrCat("did not answer within ", absl::FormatDuration(deadline_));
  ReadinessReport report;
  if (partial_round_ == wanted) {
    report.database = partial_database_;
    report.airflow_api =
        absl::DeadlineExceededError(absl::StrCat("the Airflow API server ", late));
  } else {
    report.database = absl::DeadlineExceededError(absl::StrCat("PostgreSQL ", late));
    report.airflow_api = absl::UnknownError("not checked: waiting for PostgreSQL first");
  }
  return report;
}

}  // namespace edgectl::controlplane
