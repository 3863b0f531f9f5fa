#!/usr/bin/env bash
# The Debian package, for real on this machine (as root): built by packaging/build-deb from the
# test build's binaries, its Depends name the libraries the binaries link, the worker-only
# binary links no libpqxx, `dpkg -i` installs it (user, directories, example configuration),
# the installed binaries print their version, `systemd-analyze verify` accepts both units, and
# `dpkg -r` / `--purge` leave nothing behind.
set -euo pipefail
# dpkg runs ldconfig, useradd and start-stop-daemon from the sbin directories.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
edgectl=$(readlink -f "$1") worker=$(readlink -f "$2") build_deb=$(readlink -f "$3")
fail() { echo "FAIL: $*" >&2; exit 1; }
# Installing a package needs root: as root, or through password-less sudo (as scripts/setup).
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || fail "installs a package: run as root or with password-less sudo"
  SUDO="sudo -n"
fi
dpkg -s edgectl >/dev/null 2>&1 && fail "an edgectl package is installed already; not touching it"

out=$(mktemp -d)
cleanup() {
  $SUDO dpkg --purge edgectl >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT
# Waits for another dpkg or apt (scripts/setup, unattended upgrades) to finish.
with_dpkg() {
  for _ in $(seq 1 60); do
    if "$@" >"$out/dpkg.log" 2>&1; then return 0; fi
    grep -q "lock" "$out/dpkg.log" || { cat "$out/dpkg.log" >&2; return 1; }
    sleep 2
  done
  cat "$out/dpkg.log" >&2
  return 1
}

deb=$(bash "$build_deb" 0.2.0 "$edgectl" "$worker" "$out")
depends=$(dpkg-deb -f "$deb" Depends)
for pkg in libgrpc++1.51 libpqxx-6.4 libcurl4 libc6; do
  grep -q "$pkg (>= " <<<"$depends" || fail "Depends lacks $pkg: $depends"
done
ldd "$worker" | grep -q libpqxx && fail "edgectl-worker links libpqxx"

with_dpkg $SUDO dpkg -i "$deb" || fail "dpkg -i failed"
/usr/bin/edgectl --version | grep -q "^edgectl 0.2.0 (commit " || fail "edgectl --version: $(/usr/bin/edgectl --version)"
/usr/bin/edgectl-worker --version | grep -q "^edgectl 0.2.0 (commit " || fail "edgectl-worker --version"
getent passwd edgectl >/dev/null || fail "no edgectl user"
[ -f /etc/edgectl/airflow.cfg ] || fail "no /etc/edgectl/airflow.cfg"
[ -d /var/lib/edgectl ] || fail "no /var/lib/edgectl"
# AIRFLOW_CONFIG as the units set it: the example configuration reads.
AIRFLOW_CONFIG=/etc/edgectl/airflow.cfg AIRFLOW_HOME="$out" /usr/bin/edgectl-worker config get-value edge execution_api_relay \
  | grep -qx True || fail "the installed example configuration does not read"
for unit in edgectl-controlplane.service edgectl-worker@.service; do
  systemd-analyze verify "/lib/systemd/system/$unit" || fail "systemd-analyze verify $unit"
done

with_dpkg $SUDO dpkg -r edgectl || fail "dpkg -r failed"
[ ! -e /usr/bin/edgectl ] && [ ! -e /usr/bin/edgectl-worker ] || fail "binaries left after dpkg -r"
[ ! -e /lib/systemd/system/edgectl-controlplane.service ] || fail "unit left after dpkg -r"
with_dpkg $SUDO dpkg --purge edgectl || fail "dpkg --purge failed"
getent passwd edgectl >/dev/null && fail "edgectl user left after purge"
[ ! -e /etc/edgectl ] || fail "/etc/edgectl left after purge"
echo "PASS: built, installed, verified and removed $(basename "$deb")"
