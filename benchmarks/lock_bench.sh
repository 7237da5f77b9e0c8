#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lock_bench: `flow plan` and `flow simulate` on N tasks of one [P] phase where SHARE% of
# them also name one common file, against the same file where none do: wall time and
# peak memory (GNU time) per flow binary given, one after another in this run.
# usage: benchmarks/lock_bench.sh "N1 N2 ..." SHARE FLOW [FLOW ...]
set -euo pipefail
sizes=$1 share=$2
shift 2
[ $# -ge 1 ] || { echo "usage: $0 \"10000 30000\" 10 FLOW [FLOW ...]"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-lock-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
for n in $sizes; do
  for s in 0 "$share"; do
    awk -v n="$n" -v s="$s" 'BEGIN {
      print "## Phase 1: Work"
      for (i = 1; i <= n; i++)
        printf "- [ ] T%d [P] Edit %sapp/own%d.py\n", i, (s > 0 && i % int(100 / s) == 0) ? "app/x.py and " : "", i
    }' > "$work/n$n-s$s.md"
  done
  for flow in "$@"; do
    for cmd in plan simulate; do
      line="n=$n $cmd $flow:"
      for s in 0 "$share"; do
        /usr/bin/time -f "%e %M" -o "$work/time" "$flow" "$cmd" "$work/n$n-s$s.md" --workers 8 > "$work/out" 2>&1 || true
        read -r sec kb < "$work/time"
        line="$line  ${s}% shared: $sec s $((kb / 1024)) MB"
        [ "$s" = 0 ] && { base_s=$sec; base_kb=$kb; }
      done
      echo "$line  (x$(awk -v a="$sec" -v b="$base_s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') time, x$(awk -v a="$kb" -v b="$base_kb" 'BEGIN { printf "%.2f", a / b }') memory)"
    done
  done
done
