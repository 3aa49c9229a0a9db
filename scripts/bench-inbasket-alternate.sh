#!/usr/bin/env bash
# Times the in-basket's pages on one generated clinic alternately with two
# builds, each serving its own copy of the clinic (the newer build migrates
# its copy when it opens it):
#
#   scripts/bench-inbasket-alternate.sh OLD_BINARY NEW_BINARY DATA_DIR [ROUNDS] [-- BENCH-INBASKET ARGS…]
#
# DATA_DIR is a clinic `carethread bench-insights --data-dir DATA_DIR` built
# (with its master.key); build it with OLD_BINARY, so both builds can open it.
# Each round serves the clinic with OLD then NEW (NEW then OLD the next
# round) through `carethread demo --data-dir`, and runs NEW's
# `carethread bench-inbasket --url` against it.
set -euo pipefail
old="${1:?old binary}"; new="${2:?new binary}"; data="${3:?data directory}"; shift 3
rounds=2
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
args=("$@")
export CARETHREAD_LOG="${CARETHREAD_LOG:-warn}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
for label in old new; do cp -r "$data" "$work/$label"; done

run() {
  local label="$1" bin="$2" port server
  port=$(( 20000 + RANDOM % 20000 ))
  "$bin" demo --port "$port" --data-dir "$work/$label" > "$work/$label.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
    sleep 0.5
  done
  echo "== $label ($bin)"
  "$new" bench-inbasket --url "http://127.0.0.1:$port" "${args[@]}"
  kill "$server"; wait "$server" 2>/dev/null || true
}

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then run old "$old"; run new "$new"; else run new "$new"; run old "$old"; fi
done
