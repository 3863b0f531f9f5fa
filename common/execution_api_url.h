// File: common/execution_api_url.h
//
// Where Airflow's Task Execution API is, as edge3 derives it for task processes: [core]
// execution_api_server_url, else [edge] api_url with "edge_worker/v1/rpcapi" replaced by
// "execution". edgectl's api_url usually ends ".../edge_worker/v1/" (no "rpcapi"); then the
// part from "edge_worker/v1" on becomes "execution", which is what edge3's rule means for it.
// Empty when neither option is set. The worker gives the URL to tasks; the sidecar forwards
// relayed Execution API calls to it.
#ifndef EDGECTL_COMMON_EXECUTION_API_URL_H_
#define EDGECTL_COMMON_EXECUTION_API_URL_H_

#include <string>

#include "common/airflow_config.h"

namespace edgectl {

std::string ExecutionApiServerUrl(const AirflowConfig& config);
// The same rule applied to an [edge] api_url alone.
std::string ExecutionApiUrlFromApiUrl(const std::string& api_url);

}  // namespace edgectl

#endif  // EDGECTL_COMMON_EXECUTION_API_URL_H_
