// File: worker/run_worker.h
//
// `edgectl worker`: builds and validates WorkerOptions, probes the Python interpreter for the
// Airflow and edge3 versions, daemonizes when asked (before any thread exists: gRPC starts
// threads), wires the production collaborators and runs the EdgeWorker. Returns the exit code.
#ifndef EDGECTL_WORKER_RUN_WORKER_H_
#define EDGECTL_WORKER_RUN_WORKER_H_

#include "worker/worker_options.h"

namespace edgectl::worker {

int RunWorkerCommand(const WorkerFlags& flags);

}  // namespace edgectl::worker

#endif  // EDGECTL_WORKER_RUN_WORKER_H_
