#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# prompt_bench: what `flow run` writes into its agents' prompts as a run grows. For N
# no-op tasks (/bin/true as the agent, 2 workers, no git isolation) laid out like a
# Spec-Kit feature (a setup phase, then user-story phases of 50 tasks, sequential runs
# broken by [P] tasks, every 5 tasks of a story sharing a file), it prints the total
# prompt bytes, the first, last and largest prompt, and the wall time, for each flow
# binary given; and beside them what an agent that read the whole tasks.md per task
# would be given (tasks.md bytes × N). Binaries are run one after another, per N.
# usage: benchmarks/prompt_bench.sh "N1 N2 ..." FLOW [FLOW ...]
set -euo pipefail
sizes=$1
shift
[ $# -ge 1 ] || { echo "usage: $0 \"1000 4000\" FLOW [FLOW ...]"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-prompt-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

for n in $sizes; do
  dir="$work/n$n"
  git init -q "$dir" && mkdir -p "$dir/.flow"
  # The agent does nothing: a task that names files may not count that as done.
  config=$'testing:\n  requireChanges: false\n'
  {
    echo "# Tasks: prompt_bench ($n tasks)"
    echo
    echo "## Phase 1: Setup"
    for i in $(seq 1 20); do echo "- [ ] T$i Set up \`setup/s$i.cfg\`"; done
    story=0
    for i in $(seq 21 "$n"); do
      if [ $(((i - 21) % 50)) -eq 0 ]; then
        story=$((story + 1))
        echo
        echo "## Phase $((story + 1)): User Story $story - Feature $story (Priority: P$(((story - 1) % 3 + 1)))"
      fi
      p=""; [ $((i % 4)) -ne 0 ] && p="[P] "
      echo "- [ ] T$i ${p}[US$story] Implement part $i of story $story in \`src/us$story/m$(((i - 21) % 50 / 5)).py\`"
    done
  } > "$dir/tasks.md.orig"
  whole=$(wc -c < "$dir/tasks.md.orig")
  echo "n=$n  tasks.md $whole bytes; whole tasks.md per task: $((whole * n)) bytes per run"
  for flow in "$@"; do
    cp "$dir/tasks.md.orig" "$dir/tasks.md"
    rm -rf "$dir/.flow" "$dir/src" "$dir/setup"
    mkdir -p "$dir/.flow" && printf '%s' "$config" > "$dir/.flow/config.yaml"
    a=$(date +%s.%N)
    "$flow" run "$dir/tasks.md" --workers 2 --progress plain --agent-cmd /bin/true > "$dir/flow.out"
    b=$(date +%s.%N)
    grep -q "$n succeeded" "$dir/flow.out" || { echo "flow run did not finish: $(tail -3 "$dir/flow.out")"; exit 1; }
    # Prompts are written <id>-<index>.<attempt>.prompt.md; order them by task index.
    find "$dir/.flow" -name '*.prompt.md' -printf '%f %s\n' |
      awk -v f="$flow" -v s="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }')" -v whole="$whole" -v n="$n" '
        { split($1, p, /[-.]/); i = p[2] + 0; size[i] = $2; total += $2; if ($2 > max) max = $2; if (!(i in seen)) { seen[i] = 1 } }
        END {
          first = size[0]; last = size[n - 1]
          printf "  %-40s total %12d bytes (%.3f of whole tasks.md)  first %6d  last %6d  max %6d  wall %s s\n",
                 f, total, total / (whole * n), first, last, max, s
        }'
  done
done
