"""TEST DOUBLE: the Execution API calls Airflow's Task SDK supervisor makes for one task.

NOT Airflow. Used by the stand-in `execute_workload` when the workload's "standin" knobs carry
"execution_api": start the task instance (PATCH task-instances/{id}/run, taking a
Refreshed-API-Token the answer may carry), optionally set and read back an XCom, heartbeat
(PUT task-instances/{id}/heartbeat) every `heartbeat_interval` seconds for `duration` seconds,
then report the final state (PATCH task-instances/{id}/state). Like the real client it keeps one
HTTP/1.1 connection alive and retries connection errors and 502/503/504 answers with
exponential backoff (`retries` times). Everything it saw goes to the JSON file `report`.
"""
import getpass
import http.client
import json
import os
import socket
import time
import urllib.parse
from datetime import datetime, timezone

RETRYABLE = (502, 503, 504)


class ApiClient:
    def __init__(self, base_url, token, retries, report):
        url = urllib.parse.urlsplit(base_url)
        self.host, self.port = url.hostname, url.port or 80
        self.base_path = url.path.rstrip("/")
        self.token = token
        self.retries = retries
        self.report = report
        self.conn = None

    def _send_once(self, method, path, body):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, self.base_path + path, body=data, headers=headers)
        resp = self.conn.getresponse()
        payload = resp.read()
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return resp.status, dict(resp.getheaders()), payload

    def call(self, method, path, body=None):
        delay = 0.2
        for attempt in range(self.retries + 1):
            self.report["requests"] += 1
            try:
                status, headers, payload = self._send_once(method, path, body)
            except (OSError, http.client.HTTPException) as e:
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                self.report["connection_errors"] += 1
                self.report["last_error"] = repr(e)
                status, headers, payload = None, {}, b""
            if status is not None:
                key = str(status)
                self.report["statuses"][key] = self.report["statuses"].get(key, 0) + 1
                refreshed = {k.lower(): v for k, v in headers.items()}.get("refreshed-api-token")
                if refreshed:
                    self.token = refreshed
                    self.report["token_refreshed"] = True
                if status not in RETRYABLE:
                    return status, payload
            if attempt < self.retries:
                self.report["retries"] += 1
                time.sleep(delay)
                delay = min(delay * 2, 5)
        return status, payload


def _now():
    return datetime.now(timezone.utc).isoformat()


def _write_report(path, report):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(report, f)
    os.replace(tmp, path)


def run(workload, knobs, exit_code):
    """Returns the process exit code: `exit_code`, or 3 when an API call failed for good."""
    report = {"requests": 0, "retries": 0, "connection_errors": 0, "statuses": {},
              "heartbeats_ok": 0, "failures": [], "token_refreshed": False}
    ti = workload["ti"]
    client = ApiClient(os.environ["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"], workload["token"],
                       int(knobs.get("retries", 6)), report)
    hostname = os.environ.get("HOSTNAME") or socket.getfqdn()
    ti_path = f"/task-instances/{ti['id']}"

    def expect(what, status, payload, wanted):
        if status not in wanted:
            report["failures"].append(f"{what}: {status} {payload[:300].decode(errors='replace')}")
            return False
        return True

    status, payload = client.call("PATCH", ti_path + "/run", {
        "state": "running", "hostname": hostname, "unixname": getpass.getuser(),
        "pid": os.getpid(), "start_date": _now()})
    ok = expect("run", status, payload, (200,))
    xcom_bytes = int(knobs.get("xcom_bytes", 0))
    if ok and xcom_bytes:
        quote = lambda s: urllib.parse.quote(str(s), safe="")
        xcom_path = "/xcoms/{}/{}/{}/return_value?map_index={}".format(
            quote(ti["dag_id"]), quote(ti["run_id"]), quote(ti["task_id"]), ti.get("map_index", -1))
        value = ("x" * xcom_bytes)
        status, payload = client.call("POST", xcom_path, value)
        ok = expect("xcom set", status, payload, (201,)) and ok
        status, payload = client.call("GET", xcom_path)
        ok = expect("xcom get", status, payload, (200,)) and ok
        report["xcom_roundtrip"] = status == 200 and json.loads(payload).get("value") == value
    deadline = time.monotonic() + float(knobs.get("duration", 0))
    interval = float(knobs.get("heartbeat_interval", 1))
    while ok and time.monotonic() < deadline:
        status, payload = client.call("PUT", ti_path + "/heartbeat",
                                      {"hostname": hostname, "pid": os.getpid()})
        if expect("heartbeat", status, payload, (204,)):
            report["heartbeats_ok"] += 1
        else:
            ok = False
        time.sleep(interval)
    final = "success" if exit_code == 0 else "failed"
    if ok:
        status, payload = client.call("PATCH", ti_path + "/state", {"state": final, "end_date": _now()})
        ok = expect("state", status, payload, (204, 200))
    report["final_state_reported"] = ok
    if "report" in knobs:
        _write_report(knobs["report"], report)
    return exit_code if ok else 3
