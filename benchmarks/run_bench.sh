#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_bench: 2,000 no-op tasks (/bin/true as the agent), as one wide [P] phase and as a
# chain, at 2 workers: wall time per task for `flow run` (journal and write-back
# included; each task names its own file, as tasks run without git isolation must to run
# in parallel), for the same DAG run by ninja -j2, and for a bare posix_spawn+wait loop,
# all measured here, one after another, in this run; the best of ROUNDS interleaved
# rounds, and the median of the rounds' flow/ninja and flow/loop ratios (each round's
# three runs are neighbours in time, so a noisy moment of the machine hits them alike).
# Then git isolation: GIT_N (default 200) no-op [P] tasks at 2 workers in a real git
# repository (a commit on a branch), `--isolation git` against `--isolation none`,
# paired round by round: the per-task overhead of git isolation.
#
# Where it measures: BENCH_DIR (default: a folder in BUILD_DIR), which should be the
# machine's ordinary filesystem, not tmpfs: creating and removing files is much of a
# short task's cost there. Every timed run gets a folder of its own, prepared before its
# window (sync'ed, so no earlier round's write-back lands in it); nothing is deleted
# until the end, so no round pays for an earlier one's files.
# The agent changes nothing, so testing.requireChanges is off in every round.
# usage: [ROUNDS=3] [GIT_N=200] [BENCH_DIR=dir] benchmarks/run_bench.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build-bench}
n=${2:-2000}
rounds=${ROUNDS:-3}
git_n=${GIT_N:-200}
flow="$build/flow"
loop="$build/benchmarks/spawn_loop"
[ -x "$flow" ] && [ -x "$loop" ] || { echo "build flow and spawn_loop first (-DFLOW_BUILD_BENCHMARKS=ON)"; exit 2; }
command -v ninja >/dev/null || { echo "ninja not found"; exit 2; }
parent=${BENCH_DIR:-$build}
mkdir -p "$parent"
work=$(mktemp -d "$parent/flow-run-bench-XXXXXX")
work=$(cd "$work" && pwd)
trap 'rm -rf "$work"' EXIT
fs=$(stat -f -c %T "$work")
echo "measuring in $work ($fs)"
[ "$fs" != tmpfs ] || echo "warning: $work is on tmpfs, not a disk's filesystem: set BENCH_DIR"
now() { date +%s.%N; }
per_task() { awk -v a="$1" -v b="$2" -v n="${3:-$n}" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
config="$work/bench.yaml"
printf 'testing:\n  requireChanges: false\n' > "$config"

for shape in wide chain; do
  dir="$work/$shape"
  mkdir -p "$dir"
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

  chain=0; [ "$shape" = chain ] && chain=1
  flow_ms=1e9 ninja_ms=1e9 loop_ms=1e9 by_ninja="" by_loop="" files=0
  for r in $(seq 1 "$rounds"); do
    # A fresh folder per round for each tool, made before its window.
    git init -q "$dir/flow$r" && mkdir -p "$dir/ninja$r"
    cp "$dir/tasks.md.orig" "$dir/flow$r/tasks.md"
    cp "$dir/build.ninja" "$dir/ninja$r/build.ninja"
    sync
    a=$(now); "$flow" run "$dir/flow$r/tasks.md" --workers 2 --progress plain --agent-cmd /bin/true --config "$config" > "$dir/flow$r.out"; b=$(now)
    grep -q "$n succeeded" "$dir/flow$r.out" || { echo "flow run did not finish: $(tail -3 "$dir/flow$r.out")"; exit 1; }
    f=$(per_task "$a" "$b")
    sync
    a=$(now); ninja -C "$dir/ninja$r" -j2 > /dev/null; b=$(now)
    nj=$(per_task "$a" "$b")
    sync
    a=$(now); "$loop" "$n" 2 "$chain" /bin/true; b=$(now)
    l=$(per_task "$a" "$b")
    flow_ms=$(min "$flow_ms" "$f"); ninja_ms=$(min "$ninja_ms" "$nj"); loop_ms=$(min "$loop_ms" "$l")
    by_ninja="$by_ninja $(awk -v f="$f" -v x="$nj" 'BEGIN { print f / x }')"
    by_loop="$by_loop $(awk -v f="$f" -v x="$l" 'BEGIN { print f / x }')"
    files=$(find "$dir/flow$r/.flow" -type f | wc -l)
  done
  awk -v s="$shape" -v f="$flow_ms" -v nj="$ninja_ms" -v l="$loop_ms" -v rn="$(echo "$by_ninja" | median)" \
      -v rl="$(echo "$by_loop" | median)" -v files="$files" -v n="$n" 'BEGIN {
    printf "%-6s  flow %7.3f ms/task   ninja %7.3f ms/task   bare loop %7.3f ms/task   flow/ninja %5.2fx   flow/loop %5.2fx   (median of rounds: %.2fx, %.2fx)   %.2f files/task in .flow\n",
           s, f, nj, l, f / nj, f / l, rn, rl, files / n }'
done

# Git isolation: a pristine repository (the tasks committed on a branch), copied for each
# run before its window, so nothing is reset or deleted inside it.
pristine="$work/git-pristine"
mkdir -p "$pristine"
{
  echo "# Tasks: run_bench (git)"
  echo "## Phase 1: Work"
  for i in $(seq 1 "$git_n"); do echo "- [ ] T$i [P] no-op task on \`out/t$i.txt\`"; done
} > "$pristine/tasks.md"
git -C "$pristine" init --quiet --initial-branch=main
git -C "$pristine" config user.name run_bench
git -C "$pristine" config user.email run_bench@localhost
git -C "$pristine" config gc.auto 0  # no background gc to land in one round and not the other
printf '/.flow/\n' > "$pristine/.gitignore"
git -C "$pristine" add tasks.md .gitignore
git -C "$pristine" commit --quiet -m "run_bench: the tasks"
git -C "$pristine" checkout --quiet -b feature
start=$(git -C "$pristine" rev-parse HEAD)
git_ms=1e9 none_ms=1e9 diffs="" ratios=""
for r in $(seq 1 "$rounds"); do
  for iso in none git; do
    repo="$work/git-$iso$r"
    cp -a "$pristine" "$repo"
    sync
    a=$(now)
    "$flow" run "$repo/tasks.md" --workers 2 --progress plain --agent-cmd /bin/true --isolation "$iso" --config "$config" > "$repo.out"
    b=$(now)
    grep -q "$git_n succeeded" "$repo.out" || { echo "flow run --isolation $iso did not finish: $(tail -3 "$repo.out")"; exit 1; }
    eval "${iso}_round=\$(per_task \"\$a\" \"\$b\" \"\$git_n\")"
  done
  [ "$(git -C "$work/git-git$r" rev-list --count "$start..HEAD")" = "$git_n" ] || { echo "git isolation did not commit a commit per task"; exit 1; }
  git_ms=$(min "$git_ms" "$git_round"); none_ms=$(min "$none_ms" "$none_round")
  # The overhead of a round against its own pair, so that a noisy moment counts once.
  diffs="$diffs $(awk -v g="$git_round" -v z="$none_round" 'BEGIN { print g - z }')"
  ratios="$ratios $(awk -v g="$git_round" -v z="$none_round" 'BEGIN { print g / z }')"
done
awk -v n="$git_n" -v g="$git_ms" -v z="$none_ms" -v d="$(echo "$diffs" | median)" -v q="$(echo "$ratios" | median)" 'BEGIN {
  printf "git     %d tasks: --isolation git %7.3f ms/task   --isolation none %7.3f ms/task   git/none %5.2fx (median of rounds %.2fx)   overhead %7.3f ms/task (median of rounds)\n",
         n, g, z, g / z, q, d }'
