// File: controlplane/observability/probe_routes.h
//
// The sidecar's probes on its metrics port, for systemd watchdogs, load balancers and
// Kubernetes:
//   GET /healthz  200 {"status": "ok"} while the process serves HTTP (liveness: restart it when
//                 this stops answering);
//   GET /readyz   200 when PostgreSQL and the Airflow API answer, else 503; the body names each
//                 check and, for a failing one, why (readiness: send workers elsewhere).
#ifndef EDGECTL_CONTROLPLANE_OBSERVABILITY_PROBE_ROUTES_H_
#define EDGECTL_CONTROLPLANE_OBSERVABILITY_PROBE_ROUTES_H_

#include <httplib.h>

#include "controlplane/observability/readiness.h"

namespace edgectl::controlplane {

// `readiness` must outlive the server.
void MountProbeRoutes(httplib::Server& server, ReadinessProbe& readiness);

}  // namespace edgectl::controlplane

#endif  // EDGECTL_CONTROLPLANE_OBSERVABILITY_PROBE_ROUTES_H_
