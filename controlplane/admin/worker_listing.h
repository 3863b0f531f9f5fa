// File: controlplane/admin/worker_listing.h
//
// The columns `edgectl list-workers` prints, in edge3's order (cli/edge_command.py
// list_edge_workers): worker_name, state, queues, jobs_active, concurrency, free_concurrency,
// maintenance_comment. Values are what edge3 hands AirflowConsole: jobs_active as str(int),
// concurrency/free_concurrency from sysinfo, queues as a list (None when all queues).
#ifndef EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_
#define EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_

#include <vector>

#include "controlplane/admin/listing_output.h"
#include "controlplane/admin/worker_admin.h"

namespace edgectl::admin {

std::vector<Record> WorkerListingRecords(const std::vector<WorkerRecord>& workers);

}  // namespace edgectl::admin

#endif  // EDGECTL_CONTROLPLANE_ADMIN_WORKER_LISTING_H_
