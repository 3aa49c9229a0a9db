#!/usr/bin/env bash
# Runs `carethread bench` alternately with two builds, so both are measured in
# one run on the same machine state (these machines vary from day to day):
#
#   scripts/bench-alternate.sh OLD_BINARY NEW_BINARY [ROUNDS] [-- BENCH ARGS…]
#
# Each round runs OLD then NEW (then NEW then OLD on the next round, so
# neither always goes first). Prints every run's summary lines and, at the
# end, each build's median acknowledged sends/s and the ratio NEW/OLD.
set -euo pipefail
old="${1:?old binary}"; new="${2:?new binary}"; shift 2
rounds=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
args=("$@")
export CARETHREAD_LOG="${CARETHREAD_LOG:-warn}"

declare -a old_rates new_rates
run() {
  local label="$1" bin="$2" out rate
  out="$("$bin" bench "${args[@]}" 2>&1)"
  rate="$(printf '%s\n' "$out" | sed -n 's/^sends .* failed, \([0-9][0-9.]*\)\/s;.*/\1/p' | head -n1)"
  printf '== %s (%s)\n%s\n' "$label" "$bin" "$(printf '%s\n' "$out" | grep -v ' INFO ')"
  if [ "$label" = old ]; then old_rates+=("$rate"); else new_rates+=("$rate"); fi
}
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then run old "$old"; run new "$new"; else run new "$new"; run old "$old"; fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo="$(median "${old_rates[@]}")"; mn="$(median "${new_rates[@]}")"
echo "old sends/s: ${old_rates[*]} (median $mo)"
echo "new sends/s: ${new_rates[*]} (median $mn)"
awk -v o="$mo" -v n="$mn" 'BEGIN { if (o > 0) printf "new/old: %.3f\n", n / o }'
