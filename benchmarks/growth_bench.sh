#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# growth_bench: how `flow check`, `flow plan`, `flow simulate` and a no-op `flow run`
# grow with the number of tasks. For each size a Spec-Kit-shaped tasks.md (a setup
# phase, then user-story phases of 50 tasks, three in four [P], each naming its own
# file, and one task in ten also naming one shared file, src/shared/registry.py) is
# generated; each command's wall time and peak memory (GNU time) are taken, and the
# exponent k of time ~ n^k is fitted by least squares on log-log (k <= 1.1: linear),
# and given for the last step alone. check, plan and simulate are run REPEAT times
# (default 3) and the fastest is kept: on a machine others share, one run's wall time
# moves by tens of percent. The CPU time (user + system) of that run is fitted too.
# The run uses /bin/true as the agent, 2 workers, no git isolation; its sizes stop at
# RUN_MAX (default 30000: 100k no-op tasks take minutes on 2 cores).
# Measured in BENCH_DIR (default: a folder beside this script's build dir argument).
# usage: [RUN_MAX=30000] [REPEAT=3] [BENCH_DIR=dir] benchmarks/growth_bench.sh FLOW ["N1 N2 ..."]
set -euo pipefail
flow=$1
sizes=${2:-"1000 3000 10000 30000 100000"}
run_max=${RUN_MAX:-30000}
[ -x "$flow" ] || { echo "no flow binary at $flow"; exit 2; }
parent=${BENCH_DIR:-$(dirname "$flow")}
work=$(mktemp -d "$parent/flow-growth-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "measuring in $work ($(stat -f -c %T "$work")); run up to $run_max tasks"
printf 'testing:\n  requireChanges: false\n' > "$work/config.yaml"

generate() {  # N FILE
  awk -v n="$1" 'BEGIN {
    print "# Tasks: growth_bench (" n " tasks)\n\n## Phase 1: Setup\n"
    for (i = 1; i <= 20 && i <= n; i++) printf "- [ ] T%d Set up `setup/s%d.cfg`\n", i, i
    story = 0
    for (i = 21; i <= n; i++) {
      if ((i - 21) % 50 == 0) { story++; printf "\n## Phase %d: User Story %d - Feature %d (Priority: P%d)\n\n", story + 1, story, story, (story - 1) % 3 + 1 }
      p = (i % 4 != 0) ? "[P] " : ""
      shared = (i % 10 == 0) ? " and `src/shared/registry.py`" : ""
      printf "- [ ] T%d %s[US%d] Implement part %d in `src/us%d/m%d.py`%s\n", i, p, story, i, story, i, shared
    }
  }' > "$2"
}

repeat=${REPEAT:-3}

# time_of CMD...: "seconds kilobytes cpu-seconds" of one run (its output thrown away).
time_of() {
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" > "$work/out" 2>&1 || { echo "failed: $* : $(tail -3 "$work/out")" >&2; exit 1; }
  awk '{ print $1, $2, $3 + $4 }' "$work/time"
}

# best_of CMD...: time_of's line of the fastest of $repeat runs.
best_of() {
  for _ in $(seq "$repeat"); do time_of "$@"; done | sort -n | head -1
}

declare -A secs mem cpu
for n in $sizes; do
  generate "$n" "$work/t$n.md"
  read -r secs[check,$n] mem[check,$n] cpu[check,$n] <<< "$(best_of "$flow" check "$work/t$n.md")"
  read -r secs[plan,$n] mem[plan,$n] cpu[plan,$n] <<< "$(best_of "$flow" plan "$work/t$n.md" --workers 4)"
  read -r secs[simulate,$n] mem[simulate,$n] cpu[simulate,$n] <<< "$(best_of "$flow" simulate "$work/t$n.md" --workers 4)"
  line=$(printf "n=%-7s check %6.2f s (cpu %5.2f) %4d MB   plan %6.2f s (cpu %5.2f) %4d MB   simulate %6.2f s (cpu %5.2f) %4d MB" "$n" \
    "${secs[check,$n]}" "${cpu[check,$n]}" $((mem[check,$n] / 1024)) "${secs[plan,$n]}" "${cpu[plan,$n]}" $((mem[plan,$n] / 1024)) \
    "${secs[simulate,$n]}" "${cpu[simulate,$n]}" $((mem[simulate,$n] / 1024)))
  if [ "$n" -le "$run_max" ]; then
    git init -q "$work/run$n"
    cp "$work/t$n.md" "$work/run$n/tasks.md"
    sync
    read -r secs[run,$n] mem[run,$n] cpu[run,$n] <<< "$(time_of "$flow" run "$work/run$n/tasks.md" --workers 2 --progress plain \
      --agent-cmd /bin/true --isolation none --config "$work/config.yaml")"
    grep -q "$n succeeded" "$work/out" || { echo "the run of $n did not finish: $(tail -3 "$work/out")"; exit 1; }
    line="$line   run $(printf "%7.2f s (cpu %6.2f) %4d MB (%.2f ms/task)" "${secs[run,$n]}" "${cpu[run,$n]}" $((mem[run,$n] / 1024)) \
      "$(awk -v s="${secs[run,$n]}" -v n="$n" 'BEGIN { print s * 1000 / n }')")"
  fi
  echo "$line"
done

# The exponent of time ~ n^k (least squares on log-log), per command, over its sizes.
for cmd in check plan simulate run; do
  pts=""
  for n in $sizes; do
    [ -n "${secs[$cmd,$n]:-}" ] && pts="$pts $n:${secs[$cmd,$n]}:${mem[$cmd,$n]}:${cpu[$cmd,$n]}"
  done
  echo "$pts" | tr ' ' '\n' | grep . | awk -F: -v cmd="$cmd" '
    { x[NR] = log($1); y[NR] = log($2 > 0.005 ? $2 : 0.005); m[NR] = log($3); c[NR] = log($4 > 0.005 ? $4 : 0.005)
      lo = (NR == 1 ? $1 : lo); hi = $1 }
    END {
      if (NR < 2) exit
      for (i = 1; i <= NR; i++) { sx += x[i]; sy += y[i]; sm += m[i]; sc += c[i] }
      for (i = 1; i <= NR; i++) {
        dx = x[i] - sx / NR; sxx += dx * dx; sxy += dx * (y[i] - sy / NR); sxm += dx * (m[i] - sm / NR); sxc += dx * (c[i] - sc / NR)
      }
      # The last step alone too: a fit over a range that starts where process start-up
      # dominates can hide growth at the top.
      printf "%-8s time ~ n^%.2f, cpu ~ n^%.2f, peak memory ~ n^%.2f  (%d to %d tasks; the last step alone: time n^%.2f, cpu n^%.2f)\n",
             cmd, sxy / sxx, sxc / sxx, sxm / sxx, lo, hi, (y[NR] - y[NR - 1]) / (x[NR] - x[NR - 1]), (c[NR] - c[NR - 1]) / (x[NR] - x[NR - 1])
    }'
done
