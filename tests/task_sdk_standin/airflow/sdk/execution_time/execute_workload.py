"""TEST DOUBLE for Airflow's Task SDK entry point `execute_workload`.

NOT Airflow. Reads the workload like the real entry point, but instead of supervising a task it
writes log lines, sleeps and exits with a code chosen by the workload's "standin" knobs (see
tests/task_sdk_standin/README.md).
"""
import argparse
import json
import os
import signal
import sys
import time


def _knob(knobs, key, env, default, cast):
    if key in knobs:
        return cast(knobs[key])
    if env in os.environ:
        return cast(os.environ[env])
    return default


def _label(workload):
    if workload["type"] == "ExecuteTask":
        ti = workload["ti"]
        return f"{ti['dag_id']}.{ti['task_id']}"
    return f"callback.{workload['callback']['id']}"


def _write_bulk(log, total, label, marker):
    """Writes exactly `total` bytes of UTF-8 lines (log benchmarks): one 1 MiB block of lines
    written again and again, the remainder ASCII; then, when `marker` is set, writes
    {"start": t0, "end": t1} (Unix seconds) to that file."""
    start = time.time()
    block = bytearray()
    i = 0
    while len(block) < (1 << 20):
        block += f"{i:07d} {label} caf\u00e9 \u2713 the quick brown fox jumps over the lazy dog\n".encode()
        i += 1
    block = bytes(block)
    written = 0
    while written + len(block) <= total:
        log.write(block)
        written += len(block)
    if written < total:
        rest = total - written
        log.write(b"x" * (rest - 1) + b"\n")
    end = time.time()
    if marker:
        with open(marker + ".tmp", "w") as f:
            json.dump({"start": start, "end": end}, f)
        os.rename(marker + ".tmp", marker)


def main():
    parser = argparse.ArgumentParser(prog="execute_workload")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--json-path")
    group.add_argument("--json-string")
    args = parser.parse_args()
    if args.json_path:
        with open(args.json_path) as f:
            workload = json.load(f)
    else:
        workload = json.loads(args.json_string)
    if workload.get("type") not in ("ExecuteTask", "ExecuteCallback"):
        print(f"unknown workload type {workload.get('type')!r}", file=sys.stderr)
        return 2
    knobs = workload.get("standin") or {}
    if knobs.get("ignore_sigterm"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "pid_file" in knobs:
        with open(knobs["pid_file"], "w") as f:
            f.write(str(os.getpid()))
    if "run_marker" in knobs:
        # One line per start of this task: the exactly-once tests count runs with it.
        with open(knobs["run_marker"], "a") as f:
            f.write(f"{_label(workload)} pid={os.getpid()}\n")
    lines = _knob(knobs, "lines", "EDGECTL_STANDIN_LINES", 3, int)
    line_interval = _knob(knobs, "line_interval", "EDGECTL_STANDIN_LINE_INTERVAL", 0.0, float)
    sleep = _knob(knobs, "sleep", "EDGECTL_STANDIN_SLEEP", 0.0, float)
    exit_code = _knob(knobs, "exit_code", "EDGECTL_STANDIN_EXIT_CODE", 0, int)
    stderr_text = _knob(knobs, "stderr", "EDGECTL_STANDIN_STDERR", "", str)

    if knobs.get("write_log", True) and workload.get("log_path"):
        base = os.environ.get("AIRFLOW__LOGGING__BASE_LOG_FOLDER", "")
        path = os.path.join(base, workload["log_path"])
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "ab", buffering=0) as log:
            if "log_bytes" in knobs:
                _write_bulk(log, int(knobs["log_bytes"]), _label(workload), knobs.get("written_marker"))
            elif "raw_log_hex" in knobs:
                log.write(bytes.fromhex(knobs["raw_log_hex"]))
            elif "raw_log" in knobs:
                log.write(knobs["raw_log"].encode("utf-8"))
            else:
                log.write(
                    (
                        "env: execution_api={} hostname={} hostname_callable={}\n".format(
                            os.environ.get("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", ""),
                            os.environ.get("HOSTNAME", ""),
                            os.environ.get("AIRFLOW__CORE__HOSTNAME_CALLABLE", ""),
                        )
                    ).encode()
                )
                for i in range(lines):
                    log.write(f"line {i} of {_label(workload)}\n".encode())
                    if line_interval:
                        time.sleep(line_interval)
    if sleep:
        time.sleep(sleep)
    if "execution_api" in knobs:
        from airflow.sdk.execution_time import supervisor_calls

        exit_code = supervisor_calls.run(workload, knobs["execution_api"], exit_code)
    if stderr_text:
        sys.stderr.write(stderr_text)
        sys.stderr.flush()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
