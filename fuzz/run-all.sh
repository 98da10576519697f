#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each (default 60),
# one after another, and prints one line per target: executions and
# findings. Crashes are saved by libFuzzer under fuzz/artifacts/<target>/,
# each run's output under fuzz/logs/<target>.log.
#
#     cargo install cargo-fuzz      # once; needs a nightly toolchain
#     fuzz/run-all.sh 120
#     fuzz/run-all.sh 60 m3_server_transcript record_open
set -uo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets="${*:-$(cargo +nightly fuzz list)}"
mkdir -p logs
status=0
for target in $targets; do
  log="logs/$target.log"
  cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
  result=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(ls "artifacts/$target" 2>/dev/null | grep -c . || true)
  printf '%-22s %6ss  %10s executions  exit %s  %s artifact(s)\n' \
    "$target" "$seconds" "${runs:-?}" "$result" "$crashes"
  [ "$result" -eq 0 ] || status=1
done
exit $status
