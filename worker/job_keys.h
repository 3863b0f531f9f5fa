// File: worker/job_keys.h
//
// Job identity on the worker: two JobKeys name the same job when all of edge3's coordinates
// match (the task_instance_id is not compared: older sidecars may not send it).
#ifndef EDGECTL_WORKER_JOB_KEYS_H_
#define EDGECTL_WORKER_JOB_KEYS_H_

#include "proto/edge_worker.pb.h"

namespace edgectl::worker {

inline bool SameJob(const v1::JobKey& a, const v1::JobKey& b) {
  return a.dag_id() == b.dag_id() && a.task_id() == b.task_id() && a.run_id() == b.run_id() &&
         a.try_number() == b.try_number() && a.map_index() == b.map_index();
}

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_JOB_KEYS_H_
