#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# git_overhead: what git isolation costs per task. N tasks in one wide [P] phase, each
# naming its own file, run at 2 workers by a tiny agent that writes that file, in a real
# git repository: once with --isolation none and once with --isolation git (a worktree,
# a commit and a fast-forward per task). Prints ms per task for both and the
# difference, the best of ROUNDS interleaved rounds.
# usage: [ROUNDS=3] benchmarks/git_overhead.sh [FLOW] [N]
set -euo pipefail
flow=${1:-build/flow}
n=${2:-40}
rounds=${ROUNDS:-3}
[ -x "$flow" ] || { echo "no flow binary at $flow"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-git-overhead-XXXXXX")
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
per_task() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }

cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
mkdir -p out && echo "$1" > "out/$1.txt"
AGENT
chmod +x "$work/agent.sh"
{
  echo "# Tasks: git_overhead"
  echo "## Phase 1: Work"
  for i in $(seq 1 "$n"); do echo "- [ ] T$i [P] write \`out/T$i.txt\`"; done
} > "$work/tasks.md.orig"

fresh() {  # a repository with tasks.md committed
  rm -rf "$work/repo" && mkdir -p "$work/repo"
  git -C "$work/repo" init -q -b main
  git -C "$work/repo" config user.name bench && git -C "$work/repo" config user.email bench@example.com
  cp "$work/tasks.md.orig" "$work/repo/tasks.md"
  git -C "$work/repo" add tasks.md && git -C "$work/repo" commit -q -m start
}

best_none=1e9 best_git=1e9
for _ in $(seq 1 "$rounds"); do
  for iso in none git; do
    fresh
    a=$(now)
    "$flow" run "$work/repo/tasks.md" --workers 2 --progress plain --isolation "$iso" \
      --agent-cmd "$work/agent.sh {task_id}" > "$work/out.txt" 2>&1 || true
    b=$(now)
    grep -q "$n succeeded" "$work/out.txt" || { echo "flow run ($iso) did not finish: $(tail -3 "$work/out.txt")"; exit 1; }
    ms=$(per_task "$a" "$b")
    if [ "$iso" = none ]; then best_none=$(min "$best_none" "$ms"); else best_git=$(min "$best_git" "$ms"); fi
  done
done
awk -v a="$best_none" -v b="$best_git" -v n="$n" 'BEGIN {
  printf "git_overhead: %d tasks, 2 workers: none %.1f ms/task, git %.1f ms/task, git isolation costs %.1f ms/task\n", n, a, b, b - a }'
