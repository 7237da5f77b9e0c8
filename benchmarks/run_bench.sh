#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_bench: 2,000 no-op tasks (/bin/true as the agent), as one wide [P] phase and as a
# chain, at 2 workers: wall time per task for `flow run` (journal and write-back
# included; each task names its own file, as tasks run without git isolation must to run
# in parallel), for the same DAG run by ninja -j2, and for a bare posix_spawn+wait loop,
# all measured here, one after another, in this run; the best of ROUNDS interleaved rounds.
# Then git isolation: GIT_N (default 200) no-op [P] tasks at 2 workers in a real git
# repository (a commit on a branch), `--isolation git` against `--isolation none` in the
# same repository, paired round by round: the per-task overhead of git isolation.
# The agent changes nothing, so testing.requireChanges is off in every round.
# usage: [ROUNDS=3] [GIT_N=200] benchmarks/run_bench.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build-bench}
n=${2:-2000}
rounds=${ROUNDS:-3}
git_n=${GIT_N:-200}
flow="$build/flow"
loop="$build/benchmarks/spawn_loop"
[ -x "$flow" ] && [ -x "$loop" ] || { echo "build flow and spawn_loop first (-DFLOW_BUILD_BENCHMARKS=ON)"; exit 2; }
command -v ninja >/dev/null || { echo "ninja not found"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-run-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
per_task() { awk -v a="$1" -v b="$2" -v n="${3:-$n}" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
config="$work/bench.yaml"
printf 'testing:\n  requireChanges: false\n' > "$config"

for shape in wide chain; do
  dir="$work/$shape"
  mkdir -p "$dir/.git"
  {
    echo "# Tasks: run_bench ($shape)"
    echo "## Phase 1: Work"
    for i in $(seq 1 "$n"); do
      if [ "$shape" = wide ]; then echo "- [ ] T$i [P] no-op task on \`out/t$i.txt\`"; else echo "- [ ] T$i no-op task on \`out/t$i.txt\`"; fi
    done
  } > "$dir/tasks.md.orig"
  {
    echo "rule run"
    echo "  command = /bin/true"
    prev=""
    for i in $(seq 1 "$n"); do
      if [ "$shape" = chain ] && [ -n "$prev" ]; then echo "build t$i: run || $prev"; else echo "build t$i: run"; fi
      prev="t$i"
    done
  } > "$dir/build.ninja"

  # Interleaved rounds (ROUNDS, default 3), the best of each: a noisy moment of the
  # machine then hits all three alike.
  chain=0; [ "$shape" = chain ] && chain=1
  flow_ms=1e9 ninja_ms=1e9 loop_ms=1e9
  for _ in $(seq 1 "$rounds"); do
    cp "$dir/tasks.md.orig" "$dir/tasks.md"; rm -rf "$dir/.flow" "$dir/.ninja_log"
    a=$(now); "$flow" run "$dir/tasks.md" --workers 2 --progress plain --agent-cmd /bin/true --config "$config" > "$dir/flow.out"; b=$(now)
    grep -q "$n succeeded" "$dir/flow.out" || { echo "flow run did not finish: $(tail -3 "$dir/flow.out")"; exit 1; }
    flow_ms=$(min "$flow_ms" "$(per_task "$a" "$b")")
    a=$(now); ninja -C "$dir" -j2 > /dev/null; b=$(now)
    ninja_ms=$(min "$ninja_ms" "$(per_task "$a" "$b")")
    a=$(now); "$loop" "$n" 2 "$chain" /bin/true; b=$(now)
    loop_ms=$(min "$loop_ms" "$(per_task "$a" "$b")")
  done
  awk -v s="$shape" -v f="$flow_ms" -v nj="$ninja_ms" -v l="$loop_ms" 'BEGIN {
    printf "%-6s  flow %7.3f ms/task   ninja %7.3f ms/task   bare loop %7.3f ms/task   flow/ninja %5.2fx   flow/loop %5.2fx\n",
           s, f, nj, l, f / nj, f / l }'
done

# Git isolation. Everything that resets the repository between rounds (the branch back to
# its first commit, the run's refs and .flow/ removed) happens outside the timed window.
repo="$work/git"
mkdir -p "$repo"
{
  echo "# Tasks: run_bench (git)"
  echo "## Phase 1: Work"
  for i in $(seq 1 "$git_n"); do echo "- [ ] T$i [P] no-op task on \`out/t$i.txt\`"; done
} > "$repo/tasks.md"
git -C "$repo" init --quiet --initial-branch=main
git -C "$repo" config user.name run_bench
git -C "$repo" config user.email run_bench@localhost
git -C "$repo" config gc.auto 0  # no background gc to land in one round and not the other
printf '/.flow/\n' > "$repo/.gitignore"
git -C "$repo" add tasks.md .gitignore
git -C "$repo" commit --quiet -m "run_bench: the tasks"
git -C "$repo" checkout --quiet -b feature
start=$(git -C "$repo" rev-parse HEAD)
reset_repo() {
  git -C "$repo" reset --quiet --hard "$start"
  git -C "$repo" clean -fdxq
  git -C "$repo" for-each-ref --format='delete %(refname)' refs/flow/ | git -C "$repo" update-ref --stdin
}
git_ms=1e9 none_ms=1e9 diff_ms=1e9
for _ in $(seq 1 "$rounds"); do
  for iso in none git; do
    reset_repo
    a=$(now)
    "$flow" run "$repo/tasks.md" --workers 2 --progress plain --agent-cmd /bin/true --isolation "$iso" --config "$config" > "$work/git.out"
    b=$(now)
    grep -q "$git_n succeeded" "$work/git.out" || { echo "flow run --isolation $iso did not finish: $(tail -3 "$work/git.out")"; exit 1; }
    eval "${iso}_round=\$(per_task \"\$a\" \"\$b\" \"\$git_n\")"
  done
  [ "$(git -C "$repo" rev-list --count "$start..HEAD")" = "$git_n" ] || { echo "git isolation did not commit a commit per task"; exit 1; }
  git_ms=$(min "$git_ms" "$git_round"); none_ms=$(min "$none_ms" "$none_round")
  # The overhead of a round against its own pair, so that a noisy moment counts once.
  diff_ms=$(min "$diff_ms" "$(awk -v g="$git_round" -v z="$none_round" 'BEGIN { print g - z }')")
done
awk -v n="$git_n" -v g="$git_ms" -v z="$none_ms" -v d="$diff_ms" 'BEGIN {
  printf "git     %d tasks: --isolation git %7.3f ms/task   --isolation none %7.3f ms/task   git/none %5.2fx   overhead %7.3f ms/task\n",
         n, g, z, g / z, d }'
