// File: bridge/edge_api_json.h
//
// The JSON of the edge API, both ways. Request bodies are what edge3's worker sends, i.e. pydantic
// model_dump_json(exclude_unset=True): compact, fields in the model's order, fields the worker
// sets explicitly present even when null, others absent; datetimes as pydantic writes aware UTC
// ones (2026-01-01T00:00:00.123456Z, fraction dropped when zero). Reply parsers are strict: a
// reply that is not the shape openapi/v2-edge-generated.yaml declares is an INTERNAL error naming
// what is wrong; nothing here throws.
#ifndef EDGECTL_BRIDGE_EDGE_API_JSON_H_
#define EDGECTL_BRIDGE_EDGE_API_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bridge/edge_api.h"

namespace edgectl::bridge {

std::string PydanticDatetime(absl::Time t);

std::string RegisterBody(const WorkerStateBody& body);
std::string SetStateBody(const WorkerStateBody& body);
std::string UpdateQueuesBody(const std::optional<std::vector<std::string>>& new_queues,
                             const std::optional<std::vector<std::string>>& remove_queues);
std::string FetchBody(const FetchRequest& request);
// nullopt for coordinate-keyed jobs: edge3 then sends no body at all.
std::optional<std::string> JobStateBody(const JobKey& key);
std::string PushLogsBody(const JobKey& key, absl::Time log_chunk_time,
                         const std::string& log_chunk_data);

absl::StatusOr<WorkerRegistrationReturn> ParseRegistrationReturn(const std::string& body);
absl::StatusOr<WorkerSetStateReturn> ParseSetStateReturn(const std::string& body);
absl::StatusOr<std::optional<EdgeJobFetched>> ParseJobFetched(const std::string& body);
absl::StatusOr<std::string> ParseJsonString(const std::string& body);
absl::StatusOr<std::map<std::string, std::string>> ParseHealth(const std::string& body);
// For endpoints answering null: the body must still be JSON.
absl::Status ParseAnyJson(const std::string& body);

}  // namespace edgectl::bridge

#endif  // EDGECTL_BRIDGE_EDGE_API_JSON_H_
