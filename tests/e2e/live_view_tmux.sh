#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The live view of `flow run` in real terminals (tmux panes of 40 to 200 columns and 10
# to 50 rows), during a real run with the scripted test agent: while it runs, no line
# is wider than the pane (tmux -J joins what wrapped) and the header is on screen
# exactly once; when it ends, the scrollback holds nothing but the final summary, which
# says how the run ended, one line per failed task with its attempts, and not the task
# that recovered. Then Ctrl-C: the view says it is stopping and what it waits for.
# usage: live_view_tmux.sh FLOW TEST_AGENT
set -euo pipefail
flow=$1 agent=$2
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/install-deps.sh)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-tmux-XXXXXX")
sock=""
cleanup() { [ -z "$sock" ] || tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }

# A feature with chained setup tasks, 24 [P] tasks with long and CJK descriptions, one
# that fails once and recovers (T005) and one that fails for good (T009).
make_repo() {
  rm -rf "$work/repo"
  git init -q "$work/repo"
  {
    echo "# Tasks"
    echo "## Phase 1: Setup"
    echo "- [ ] T001 Create the project skeleton in src/app/__init__.py"
    echo "- [ ] T002 Configure the linter in setup.cfg"
    echo "## Phase 2: Core"
    for i in $(seq 3 26); do
      n=$(printf '%03d' "$i")
      if [ $((i % 3)) = 0 ]; then
        echo "- [ ] T$n [P] 实现数据模型和存储层的第${i}个模块 in src/app/m$n.py"
      else
        echo "- [ ] T$n [P] Implement module number $i with a rather long description that wraps in src/app/m$n.py"
      fi
    done
    echo "## Phase 3: Polish"
    echo "- [ ] T027 Write the README in README.md"
  } > "$work/repo/tasks.md"
}

# check.py WIDTH FILE MODE: MODE live (visible screen) or final (with scrollback).
cat > "$work/check.py" <<'PY'
import sys, unicodedata
width, path, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def cols(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
text = open(path, encoding="utf-8", errors="replace").read()
# The view's frames end where the run's report (printed after them, plain) begins.
lines = text.split("\n")
end = next((i for i, l in enumerate(lines) if " succeeded, " in l or l.startswith("FLOW-EXIT=")), len(lines))
bad = [l for l in lines[:end] if cols(l) > width]
headers = text.count("Flow Implementation Progress")
problems = []
if bad: problems.append(f"{len(bad)} line(s) wider than {width}: {bad[0]!r}")
if mode == "live" and headers > 1: problems.append(f"header {headers} times on screen")
if mode == "final" and headers != 1: problems.append(f"header {headers} times in screen and scrollback")
print("; ".join(problems))
PY

run_in_tmux() {  # cols rows extra-env...
  local c=$1 r=$2
  shift 2
  make_repo
  [ -z "$sock" ] || tmux -L "$sock" kill-server 2>/dev/null || true
  sock="flow-view-$$-$c-$r-${RANDOM}"   # a server of its own per run
  tmux -L "$sock" -f /dev/null new-session -d -s v -x "$c" -y "$r" \
    "cd '$work/repo' && env TEST_AGENT_SECONDS=0.4 TEST_AGENT_PLAN=T005:fail-once,T009:auth $* '$flow' run tasks.md --workers 6 --progress live --update-interval 0.1 --agent-cmd '$agent'; echo FLOW-EXIT=\$?; sleep 600"
  tmux -L "$sock" set-option -t v history-limit 5000 >/dev/null
}

wait_running() {  # until the view shows a running task
  for _ in $(seq 1 300); do
    tmux -L "$sock" capture-pane -p -J -t v > "$work/screen"
    grep -q "Currently Executing ([1-9]" "$work/screen" && return 0
    sleep 0.05
  done
}

for c in 40 60 80 120 200; do
  for r in 10 24 50; do
    run_in_tmux "$c" "$r"
    seen=0 live_problems=""
    for _ in $(seq 1 600); do
      tmux -L "$sock" capture-pane -p -J -t v > "$work/screen" 2>/dev/null || true
      if grep -q "FLOW-EXIT=" "$work/screen"; then break; fi
      if grep -q "Flow Implementation Progress" "$work/screen"; then
        seen=$((seen + 1))
        p=$(python3 "$work/check.py" "$c" "$work/screen" live)
        [ -z "$p" ] || { live_problems=$p; cp "$work/screen" "$work/bad-screen"; }
      fi
      sleep 0.1
    done
    tmux -L "$sock" capture-pane -p -J -S - -E - -t v > "$work/all"
    [ "$seen" -gt 0 ] || problem "${c}x${r}: the live view never showed"
    [ -z "$live_problems" ] || { problem "${c}x${r} during the run: $live_problems"; cat "$work/bad-screen"; }
    p=$(python3 "$work/check.py" "$c" "$work/all" final)
    [ -z "$p" ] || { problem "${c}x${r} at the end: $p"; cat "$work/all"; }
    grep -q "FLOW-EXIT=1" "$work/all" || problem "${c}x${r}: flow did not exit 1: $(tail -3 "$work/all")"
    grep -q "Finished with failures" "$work/all" || problem "${c}x${r}: the final frame does not say the run failed"
    if [ "$c" -ge 60 ]; then
      grep -q "T009 (1 attempt)" "$work/all" || problem "${c}x${r}: no line for the failed T009 with its attempts"
      grep -q "T005 (" "$work/all" && problem "${c}x${r}: T005 recovered but is listed as failed"
    fi
    grep -q "Status: In Progress" "$work/all" && problem "${c}x${r}: the final frame still says In Progress"
    echo "${c}x${r}: ${seen} frames checked"
  done
done

# A resize during the run (SIGWINCH): the frames that follow fit the new width at once.
run_in_tmux 120 30 TEST_AGENT_SECONDS=1
wait_running
tmux -L "$sock" resize-window -t v -x 50 -y 20
sleep 1
resized=0
for _ in $(seq 1 20); do
  tmux -L "$sock" capture-pane -p -J -t v > "$work/screen"
  grep -q "FLOW-EXIT=" "$work/screen" && break
  p=$(python3 "$work/check.py" 50 "$work/screen" live)
  [ -z "$p" ] || { problem "after a resize to 50x20: $p"; cat "$work/screen"; break; }
  resized=$((resized + 1))
  sleep 0.2
done
[ "$resized" -gt 0 ] || problem "the run ended before the resize could be checked"
echo "resize: ${resized} frames checked"

# Ctrl-C once: the view says it is stopping and what it waits for (tasks that take 3 s,
# so that the frame stays long enough to be seen).
run_in_tmux 80 24 TEST_AGENT_SECONDS=3
wait_running
tmux -L "$sock" send-keys -t v C-c
stopping=0
for _ in $(seq 1 200); do
  tmux -L "$sock" capture-pane -p -J -S - -E - -t v > "$work/all"
  grep -q "Stopping (Ctrl-C): no new task starts; waiting for T" "$work/all" && stopping=1
  grep -q "FLOW-EXIT=" "$work/all" && break
  sleep 0.05
done
[ "$stopping" = 1 ] || problem "after Ctrl-C the view did not say it is stopping: $(cat "$work/all")"
grep -q "Stopped after Ctrl-C" "$work/all" || problem "the final frame after Ctrl-C does not say the run stopped: $(cat "$work/all")"
grep -q "FLOW-EXIT=130" "$work/all" || problem "flow did not exit 130 after Ctrl-C"

# The bottleneck line names what holds the run back now, in the --eta-trace's words:
# too few workers, a file lock, a named resource (from .flow/config.yaml), a closed
# rate-limit gate, else the critical path. Each case is a short real run in a 100x30 pane.
bottleneck_case() {  # name pattern workers env tasks.md-lines [config.yaml-lines]
  local name=$1 pattern=$2 workers=$3 envs=$4 tasks=$5 config=${6:-}
  rm -rf "$work/repo"
  git init -q "$work/repo" && mkdir -p "$work/repo/.flow"
  printf '%b' "$tasks" > "$work/repo/tasks.md"
  [ -z "$config" ] || printf '%b' "$config" > "$work/repo/.flow/config.yaml"
  [ -z "$sock" ] || tmux -L "$sock" kill-server 2>/dev/null || true
  sock="flow-view-$$-bottleneck-${RANDOM}"
  tmux -L "$sock" -f /dev/null new-session -d -s v -x 100 -y 30 \
    "cd '$work/repo' && env $envs '$flow' run tasks.md --workers $workers --progress live --update-interval 0.1 --agent-cmd '$agent'; echo FLOW-EXIT=\$?; sleep 600"
  local seen=""
  for _ in $(seq 1 400); do
    tmux -L "$sock" capture-pane -p -J -t v > "$work/screen" 2>/dev/null || true
    seen=$(grep -m1 -E "Bottleneck: $pattern" "$work/screen" || true)
    [ -z "$seen" ] || break
    grep -q "FLOW-EXIT=" "$work/screen" && break
    sleep 0.05
  done
  if [ -n "$seen" ]; then echo "bottleneck ($name): $seen"
  else problem "bottleneck ($name): no line matching 'Bottleneck: $pattern'"; cat "$work/screen"; fi
}
bottleneck_case workers "[0-9]+ ready, 2 workers" 2 TEST_AGENT_SECONDS=1 \
  "# Tasks\n## Phase 1: Core\n$(for i in 1 2 3 4 5 6; do echo "- [ ] T00$i [P] Module $i in src/m$i.py\\n"; done)"
bottleneck_case "file lock" "T00[12] waits for src/a.py \\(held by T00[12]\\)" 4 TEST_AGENT_SECONDS=2 \
  "# Tasks\n## Phase 1: Core\n- [ ] T001 [P] Parse the input in src/a.py\n- [ ] T002 [P] Print the output in src/a.py\n"
bottleneck_case resource "T00[12] waits for resource db \\(held by T00[12]\\)" 4 TEST_AGENT_SECONDS=2 \
  "# Tasks\n## Phase 1: Core\n- [ ] T001 [P] Migrate the schema in db/schema.sql\n- [ ] T002 [P] Seed the data in db/seed.sql\n" \
  "resources:\n  T001: db\n  T002: db\n"
bottleneck_case "rate limit" "rate-limit gate closed \\(T001 hit the limit\\)" 2 "TEST_AGENT_PLAN=T001:ratelimit TEST_AGENT_SECONDS=0.1" \
  "# Tasks\n## Phase 1: Core\n- [ ] T001 Call the service in src/a.py\n" \
  "errorRecovery:\n  maxRetries: 2\n  baseDelay: 3s\n"
bottleneck_case "critical path" "critical path: T001 \\(\\+2 after it\\)" 2 TEST_AGENT_SECONDS=2 \
  "# Tasks\n## Phase 1: Core\n- [ ] T001 First in src/a.py\n- [ ] T002 Second in src/b.py\n- [ ] T003 Third in src/c.py\n"

[ "$fail" = 0 ] && echo "live view: all sizes pass"
exit "$fail"
