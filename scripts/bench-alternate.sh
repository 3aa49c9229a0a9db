#!/usr/bin/env bash
# Runs `carethread bench` alternately with two builds, so both are measured in
# one run on the same machine state (these machines vary from day to day):
#
#   scripts/bench-alternate.sh OLD_BINARY NEW_BINARY [ROUNDS] [-- BENCH ARGS…]
#
# Each round runs OLD then NEW (then NEW then OLD on the next round, so
# neither always goes first). Prints every run's summary lines and, at the
# end, each build's median acknowledged sends/s and the ratio NEW/OLD. With
# `--sign-in-clients N` among the bench args it also prints each build's
# median sends-with-sign-ins/alone throughput and p99 ratios and the server's
# memory (VmHWM, and VmRSS when idle after the sign-ins).
set -euo pipefail
old="${1:?old binary}"; new="${2:?new binary}"; shift 2
rounds=3
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
args=("$@")
export CARETHREAD_LOG="${CARETHREAD_LOG:-warn}"

declare -a old_rates new_rates
declare -A signin=()
run() {
  local label="$1" bin="$2" out rate key value
  out="$("$bin" bench "${args[@]}" 2>&1)"
  rate="$(printf '%s\n' "$out" | sed -n 's/^sends .* failed, \([0-9][0-9.]*\)\/s;.*/\1/p' | head -n1)"
  printf '== %s (%s)\n%s\n' "$label" "$bin" "$(printf '%s\n' "$out" | grep -v ' INFO ')"
  if [ "$label" = old ]; then old_rates+=("$rate"); else new_rates+=("$rate"); fi
  # Sign-in figures (only with --sign-in-clients).
  for key in throughput p99 idle hwm; do
    case "$key" in
      throughput) value="$(printf '%s\n' "$out" | sed -n 's/^sends with sign-ins against alone: throughput \([0-9.]*\),.*/\1/p')" ;;
      p99) value="$(printf '%s\n' "$out" | sed -n 's/^sends with sign-ins against alone: .* p99 \([0-9.]*\)x.*/\1/p')" ;;
      idle) value="$(printf '%s\n' "$out" | sed -n 's/^server memory .* idle 2 s after \([0-9]*\);.*/\1/p')" ;;
      hwm) value="$(printf '%s\n' "$out" | sed -n 's/^server memory .* (VmHWM) \([0-9]*\)$/\1/p')" ;;
    esac
    [ -n "$value" ] && signin[$label.$key]="${signin[$label.$key]:-} $value"
  done
  return 0
}
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then run old "$old"; run new "$new"; else run new "$new"; run old "$old"; fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo="$(median "${old_rates[@]}")"; mn="$(median "${new_rates[@]}")"
echo "old sends/s: ${old_rates[*]} (median $mo)"
echo "new sends/s: ${new_rates[*]} (median $mn)"
awk -v o="$mo" -v n="$mn" 'BEGIN { if (o > 0) printf "new/old: %.3f\n", n / o }'
for label in old new; do
  [ -n "${signin[$label.throughput]:-}" ] || continue
  # shellcheck disable=SC2086 # word splitting intended: one figure per run
  printf '%s with sign-ins/alone: throughput%s (median %s), p99%s (median %s); VmHWM MB%s (median %s); idle VmRSS MB%s (median %s)\n' \
    "$label" "${signin[$label.throughput]}" "$(median ${signin[$label.throughput]})" \
    "${signin[$label.p99]}" "$(median ${signin[$label.p99]})" \
    "${signin[$label.hwm]}" "$(median ${signin[$label.hwm]})" \
    "${signin[$label.idle]}" "$(median ${signin[$label.idle]})"
done
