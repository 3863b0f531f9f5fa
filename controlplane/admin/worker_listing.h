// File: controlplane/admin/worker_listing.h
//
// The columns `edgectl list-workers` prints, in edge3's order (cli/edge_command.py
// list_edge_workers): worker_name, state, queues, jobs_active, concurrency, free_concurrency,
// maintenance_comment. Values are what edge3 hands AirflowConsole: jobs_active as str(int),
// concurrency/free_concurrency from sysinfo, queues as a list (None when all queues).
// edgectl appends, after edge3's columns so scripts that read them by position keep working:
// heartbeat_age_sec (whole seconds since the last heartbeat, on the database's clock),
// airflow_version, edge_provider_version, edgectl_version (from sysinfo; None when not sent).
#ifndef EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_
#define EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_

#include <vector>

#include "controlplane/admin/listing_output.h"
#include "controlplane/admin/worker_admin.h"

namespace edgectl::admin {

std::vector<Record> WorkerListingRecords(const std::vector<WorkerRecord>& workers);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_
