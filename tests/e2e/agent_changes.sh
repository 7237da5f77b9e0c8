#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What agents and users really do during a run, against real git repositories in
# temporary directories, with real agent processes (tests/agents/test-agent.sh):
#  1. an agent commits its own work (and leaves some uncommitted): all of it lands, in
#     one commit named after the task
#  2. an agent deletes tasks.md; another marks a different task and rewords it: neither
#     change lands, both are reported, every task is marked
#  3. an agent shrinks tasks.md to its first lines: flow neither aborts nor keeps the cut
#  4. the user commits during the run, and edits tasks.md (committed, then not): no
#     conflict, the user's commits and lines stay, every task is marked; a task whose
#     line the user rewords while it runs lands nothing, and the next run does it once
#  5. a duplicate task ID under git isolation: both occurrences run and are marked; a
#     task whose ID is a range (`T003..T004`) runs too
#  6. branches a killed run left without their worktrees are removed by the next run;
#     the branch of a task that finally failed is kept (and one an older flow kept), and
#     so are the user's own branches under flow/ (flow/new-ui), which no run made
#  7. an agent that exits 0 having changed nothing (or made only an empty commit), for a
#     task that names files, fails `validation` ("no changes"), its retry is told, and it
#     is never marked; a task that names no file is exempt; testing.requireChanges: false
#     turns the check off
#  8. the same without isolation: a named file that is still missing never gets a mark;
#     a mark that cannot be placed (its line reworded) fails its task alone
#  9. the user commits during a run that a critical failure would roll back: the branch
#     is left as it is (the user's commit on it), and the run says why, naming the commit
#     nor when the user's uncommitted changes (a file, a line of tasks.md) would be lost
# 10. two runs at once on two features of the repository: both finish, nothing conflicts
# 11. an agent that exits leaving index.lock in its own worktree: flow removes it (and
#     says so), the task lands, its worktree serves the next task; one it leaves in the
#     main repository's .git stays there, and the task fails `io` once, naming the lock
# 12. flow rollback with a commit that is not the run's on top: refused, naming it, and
#     nothing moves; --force undoes it too, keeping it reachable and saying so
# 13. the user checks out another branch (or detaches HEAD) during the run: nothing lands
#     on it, the task fails saying why, nothing new starts
# 14. an agent moves the run's branch to its own commit (`git update-ref`, the way around
#     git's guard for a branch checked out elsewhere): the branch is put back before
#     anything lands, the commit kept and the move reported; the work lands as the task's
#     commit, and the user's index and files end in step. The user's `git reset --soft
#     HEAD~1` is left as it is
# 15. files a task names that git ignores (config/local.env): no commit takes them, so
#     they are copied into the work tree as the agent left them; one the user already has
#     there stays theirs, the agent's kept under .flow/runs/ instead; both are said
# 16. many tasks, some succeeding on a retry in a worktree another task used: no branch
#     is left once every task succeeded
# 17. an agent changes the repository's git settings (its worktree shares .git/config and
#     the hooks with the user's work tree): each change is journaled and said with the
#     task, keys and hook names only (a value may be a secret)
# 18. the user writes, without committing, a file a running task creates: the task does
#     not land over it, fails once (no retry can get past it), says why; the rest land
# 19. the user resets a landed task's commit away during the run: that task is not
#     reported done (it fails, saying why), the run exits 1, the next run does it again
# 20. the user copies a task's line during the run (an ID the plan has): the copy is not
#     run, and the run says so and exits 1
# usage: agent_changes.sh FLOW AGENT
flow=$1 agent=$2
. "$(dirname "$0")/git_repo.sh" changes
make_repo() { make_git_repo "$1" "$(printf 'errorRecovery:\n  baseDelay: 20ms\n  maxDelay: 50ms')"; }
run_flow() {  # $1: name; the rest: extra arguments. Sets rc.
  local name=$1
  shift
  rc=0
  "$flow" run "$tasks" --progress plain --agent-cmd "$agent" "$@" > "$work/$name.out" 2>&1 || rc=$?
}
all_marked() {  # $1: when; $2: how many
  [ "$(grep -c '^- \[X\] T00' "$tasks")" = "$2" ] || problem "$1: $(grep -c '^- \[X\] T00' "$tasks") of $2 tasks marked: $(cat "$tasks")"
}
show() {  # $1: name: flow's output, for a failure
  echo "--- $1"; tail -15 "$work/$1.out"
}

# --- 1 ------------------------------------------------------------------------------
make_repo "$work/one"
TEST_AGENT_PLAN="T001:commit,T002:script,T003:commit" \
  TEST_AGENT_RUN_T002='mkdir -p app && echo mine > app/a2.py && git add app/a2.py && git commit -qm "agent: part one" && echo left > app/a3.py' \
  run_flow one --workers 2
[ "$rc" = 0 ] || { problem "agent commits: exit $rc"; show one; }
subjects=$(git -C "$repo" log --reverse --format=%s "$checkpoint..HEAD")
[ "$(echo "$subjects" | wc -l)" = 5 ] || problem "agent commits: expected one commit per task, got: $subjects"
if grep -q '^agent:' <<< "$subjects"; then problem "agent commits: the agent's own commits were kept, not squashed: $subjects"; fi
for f in app/__init__.py app/a.py app/a2.py app/a3.py app/b.py; do
  git -C "$repo" cat-file -e "HEAD:$f" 2>/dev/null || problem "agent commits: $f is not on main"
done
t002=$(git -C "$repo" log --format='%H %s' "$checkpoint..HEAD" | awk '$2 == "T002" { print $1 }')
[ "$(git -C "$repo" show --format= --name-only "$t002" | sort | tr '\n' ' ')" = "app/a.py app/a2.py app/a3.py specs/tasks.md " ] ||
  problem "agent commits: T002's commit holds $(git -C "$repo" show --format= --name-only "$t002" | tr '\n' ' ')"
all_marked "agent commits" 5
[ -z "$(git -C "$repo" status --porcelain)" ] || problem "agent commits: the tree is not clean: $(git -C "$repo" status --porcelain)"
no_leaks "agent commits"

# --- 2 ------------------------------------------------------------------------------
make_repo "$work/two"
expected=$(sed 's/^- \[ \]/- [X]/' "$tasks")
TEST_AGENT_PLAN="T001:script,T003:script" TEST_AGENT_RUN_T001='rm specs/tasks.md' \
  TEST_AGENT_RUN_T003='sed -i "s/^- \[ \] T004 \[P\] Write/- [X] T004 [P] Rewrite/" specs/tasks.md' \
  run_flow two --workers 2
[ "$rc" = 0 ] || { problem "tasks.md edited by agents: exit $rc"; show two; }
[ -f "$tasks" ] || problem "an agent's rm of tasks.md reached the branch"
git -C "$repo" cat-file -e HEAD:specs/tasks.md 2>/dev/null || problem "tasks.md is gone from the branch"
[ "$(cat "$tasks" 2>/dev/null)" = "$expected" ] || problem "tasks.md is not the plan with every task marked: $(cat "$tasks" 2>/dev/null)"
[ "$(grep -c '"event":"tasks-md-discarded"' "$journal")" = 2 ] || problem "the agents' changes to tasks.md were not journaled"
grep -q 'T001.*tasks.md' "$work/two.out" || problem "T001's change to tasks.md was not reported: $(cat "$work/two.out")"
if grep -q '"event":"mark-failed"' "$journal"; then problem "marks failed: $(grep mark-failed "$journal")"; fi
no_leaks "tasks.md edited by agents"

# --- 3 ------------------------------------------------------------------------------
make_repo "$work/three"
expected=$(sed 's/^- \[ \]/- [X]/' "$tasks")
TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002='head -3 specs/tasks.md > t && mv t specs/tasks.md' run_flow three --workers 3
[ "$rc" = 0 ] || { problem "tasks.md shrunk by an agent: exit $rc"; show three; }
[ "$(cat "$tasks")" = "$expected" ] || problem "after an agent shrank tasks.md, it is: $(cat "$tasks")"
no_leaks "tasks.md shrunk"

# --- 4 ------------------------------------------------------------------------------
make_repo "$work/four"
# The user's git commands, like anyone's, may meet flow's index.lock: they try again.
retry="do n=\$((n + 1)); [ \$n -lt 50 ] || exit 1; sleep 0.1; done"
# While T002 runs, the user commits a note; while T003 runs, the user adds lines at the
# top of tasks.md and commits; while T005 runs, the user edits tasks.md and does not
# commit, saving it from an editor that had it before flow marked T001.
TEST_AGENT_SECONDS=0.3 TEST_AGENT_PLAN="T002:script,T003:script,T005:script" \
  TEST_AGENT_RUN_T002="echo note > '$repo/notes.txt' && n=0 && until git -C '$repo' add notes.txt && git -C '$repo' commit -qm 'user: a note'; $retry" \
  TEST_AGENT_RUN_T003="sleep 0.15 && sed -i '1a\\
\\
User: committed line.' '$tasks' && n=0 && until git -C '$repo' commit -qam 'user: tasks.md'; $retry" \
  TEST_AGENT_RUN_T005="sed -i -e '1a\\
User: uncommitted line.' -e 's/^- \\[X\\] T001/- [ ] T001/' '$tasks'" \
  run_flow four --workers 3
[ "$rc" = 0 ] || { problem "user commits during the run: exit $rc"; show four; }
if grep -q '"event":"attempt-failed"' "$journal"; then problem "user commits: attempts failed: $(grep attempt-failed "$journal")"; fi
grep -qx 'user: a note' <<< "$(git -C "$repo" log --format=%s)" || problem "the user's commit is not on main"
grep -qx 'User: committed line.' "$tasks" && grep -qx 'User: uncommitted line.' "$tasks" || problem "the user's lines in tasks.md were lost: $(cat "$tasks")"
all_marked "user commits" 5
[ "$(cat "$repo/notes.txt")" = note ] || problem "the user's file changed"
no_leaks "user commits"
# The user rewords T002's line while T002 runs: its work landed unmarked, the task failed,
# and the next run did it again on top. Now nothing of it lands; the next run does it once.
make_repo "$work/four-b"
TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002="sed -i 's/T002 \\[P\\] Write/T002 [P] Write the module/' '$tasks' && echo once >> app/a.py" \
  run_flow four-b --workers 1 --retries 0
[ "$rc" = 1 ] || { problem "a running task's line reworded: exit $rc, expected 1"; show four-b; }
grep -q 'T002 \[P\] Write the module' "$tasks" || problem "the user's rewording is lost: $(cat "$tasks")"
grep -q '^T002' <<< "$(git -C "$repo" log --format=%s)" && problem "a running task's line reworded: its work landed anyway"
grep -q "not landed: .*edited while it ran" "$work/four-b.out" || { problem "a running task's line reworded: no word of why"; show four-b; }
# (The rewording went into the next task's commit, as a user's edit to tasks.md does.)
run_flow four-c --workers 1
[ "$rc" = 0 ] || { problem "the run after the rewording: exit $rc"; show four-c; }
grep -q '^- \[X\] T002 \[P\] Write the module' "$tasks" || problem "the run after the rewording did not mark T002: $(cat "$tasks")"
grep -qs once "$repo/app/a.py" && problem "the first attempt's work is on main: $(cat "$repo/app/a.py")"

# --- 5 ------------------------------------------------------------------------------
make_repo "$work/five"
sed -i 's/^- \[ \] T004 \[P\] Write `app\/c.py`/- [ ] T002 [P] Write `app\/d.py`/' "$tasks"
git -C "$repo" commit -qam "a duplicate ID"
run_flow five --workers 3
[ "$rc" = 0 ] || { problem "duplicate IDs: exit $rc"; show five; }
[ "$(grep -c '^- \[X\] T002 ' "$tasks")" = 2 ] || problem "duplicate IDs: not both T002 marked: $(cat "$tasks")"
[ -f "$repo/app/d.py" ] && [ -f "$repo/app/a.py" ] || problem "duplicate IDs: not both T002's files are there"
no_leaks "duplicate IDs"

# A task whose ID is a range ("T003..T004", as real files write one task over several
# IDs) runs under git isolation too: `..` is not allowed in a branch name.
make_repo "$work/five-range"
sed -i 's/^- \[ \] T003 \[P\] Write `app\/b.py`/- [ ] T003..T004 [P] Write `app\/b.py`/; /^- \[ \] T004 /d' "$tasks"
git -C "$repo" commit -qam "a range ID"
run_flow five-range --workers 3
[ "$rc" = 0 ] || { problem "a range ID: exit $rc"; show five-range; }
grep -q '^- \[X\] T003\.\.T004 ' "$tasks" || problem "a range ID: T003..T004 not marked: $(cat "$tasks")"
[ -f "$repo/app/b.py" ] || problem "a range ID: its file is not there"
no_leaks "a range ID"

# --- 6 ------------------------------------------------------------------------------
make_repo "$work/six"
TEST_AGENT_PLAN="T003:auth" run_flow six-a --workers 3 --retries 0
[ "$rc" = 1 ] || { problem "a failed task: exit $rc"; show six-a; }
kept=$(git -C "$repo" branch --list 'flow/*' | tr -d ' ')
[ -n "$kept" ] || problem "the failed task's branch was not kept"
# A run killed between removing a worktree and deleting its branch left this branch:
sh -c 'exit 0' & dead=$!; wait "$dead"
git -C "$repo" branch "flow/20260101T000000Z-$dead/T004" HEAD
git -C "$repo" branch "flow/20260101T000000Z-$dead/T002" "$(git -C "$repo" commit-tree -p HEAD -m 'WIP: my own' 'HEAD^{tree}')"
# … and an older flow kept this failed task's branch, with no marker but its WIP commit:
legacy="flow/20250101T000000Z-$dead/T005"
git -C "$repo" branch "$legacy" "$(git -C "$repo" commit-tree -p HEAD -m 'WIP T005 Wire: attempt 4 failed (conflict)' 'HEAD^{tree}')"
# … and a run killed between the WIP commit of a task canceled by a control and its
# marker left this one: the user's work, kept too.
canceled="flow/20250101T000000Z-$dead/T006"
git -C "$repo" branch "$canceled" "$(git -C "$repo" commit-tree -p HEAD -m 'WIP T006 Docs: canceled' 'HEAD^{tree}')"
# … and the user's own branches under flow/, which no run made: never flow's to remove.
git -C "$repo" branch "flow/new-ui" "$(git -C "$repo" commit-tree -p HEAD -m 'mine: new UI' 'HEAD^{tree}')"
git -C "$repo" branch "flow/ideas/wip" "$(git -C "$repo" commit-tree -p HEAD -m 'mine: ideas' 'HEAD^{tree}')"
run_flow six-b --workers 3
[ "$rc" = 0 ] || { problem "the run after a failure: exit $rc"; show six-b; }
[ "$(git -C "$repo" branch --list 'flow/*' | tr -d ' ' | tr '\n' ' ')" = "$legacy $canceled $kept flow/ideas/wip flow/new-ui " ] ||
  problem "after the next run, branches: $(git -C "$repo" branch --list 'flow/*' | tr -d ' ' | tr '\n' ' ') (want only $legacy $canceled $kept flow/ideas/wip flow/new-ui)"

# --- 7 ------------------------------------------------------------------------------
make_repo "$work/seven"
sed -i 's/^- \[ \] T001 .*/&\n- [ ] T006 Review the wording of the plan/' "$tasks"
git -C "$repo" commit -qam "a task with no file"
TEST_AGENT_PLAN="T002:nothing,T003:script-only,T006:nothing" TEST_AGENT_RUN_T003='git commit -q --allow-empty -m empty' \
  run_flow seven --workers 3 --retries 1
[ "$rc" = 1 ] || { problem "no changes: exit $rc, expected 1"; show seven; }
for id in T002 T003; do
  [ "$(grep '"event":"attempt-failed"' "$journal" | grep "\"task\":\"$id\"" | grep -c '"class":"validation"')" = 2 ] ||
    problem "$id changed nothing but did not fail validation twice: $(grep "\"task\":\"$id\"" "$journal" | grep attempt-failed)"
  grep -q '^- \[ \] '"$id" "$tasks" || problem "$id changed nothing but was marked"
  grep -qi 'no changes' "$repo"/.flow/runs/*/"$id"-*.2.prompt.md || problem "$id's retry prompt does not say it changed nothing"
done
grep -q '^- \[X\] T006' "$tasks" || problem "T006 names no file: it is exempt, but was not marked"
grep -q '^- \[X\] T004' "$tasks" || problem "T004 did its work but was not marked"
if grep -q '^T00[23] ' <<< "$(git -C "$repo" log --format=%s "$checkpoint..HEAD")"; then problem "a commit for a task that changed nothing"; fi
printf 'testing:\n  requireChanges: false\n' > "$repo/.flow/config.yaml"
TEST_AGENT_PLAN="T002:nothing,T003:nothing" run_flow seven-b --workers 3 --retries 0
[ "$rc" = 0 ] || { problem "requireChanges false: exit $rc"; show seven-b; }
all_marked "requireChanges false" 6

# --- 8 ------------------------------------------------------------------------------
make_repo "$work/eight"
TEST_AGENT_PLAN="T002:nothing" run_flow eight --workers 3 --retries 1 --isolation none
[ "$rc" = 1 ] || { problem "no isolation, no changes: exit $rc, expected 1"; show eight; }
[ "$(grep '"event":"attempt-failed"' "$journal" | grep '"task":"T002"' | grep -c '"class":"validation"')" = 2 ] ||
  problem "without isolation, T002 did not fail validation twice"
grep -q '^- \[ \] T002' "$tasks" || problem "without isolation, T002's file is missing but it was marked"
# Without isolation too, .flow/ stays out of `git status` (a `git add -A` took it).
if git -C "$repo" status --porcelain | grep_q '\.flow'; then problem "without isolation, git status shows .flow/"; fi
[ "$(grep -c '^- \[X\] T00' "$tasks")" = 3 ] || problem "without isolation, the tasks that worked are not all marked: $(cat "$tasks")"
# T003 and T004 end together (their marks are written in one batch), T004's agent having
# reworded T003's line: T003's mark cannot be placed, and it took T004's down with it.
make_repo "$work/eight-b"
TEST_AGENT_PLAN="T003:script,T004:script" \
  TEST_AGENT_RUN_T003="until [ -e '$work/eight-b.flag' ]; do sleep 0.01; done" \
  TEST_AGENT_RUN_T004="sed -i 's/T003 \\[P\\] Write/T003 [P] Write the module/' '$tasks' && touch '$work/eight-b.flag'" \
  run_flow eight-b --workers 3 --retries 0 --isolation none
[ "$rc" = 1 ] || { problem "without isolation, a line reworded: exit $rc, expected 1"; show eight-b; }
grep -q '^- \[X\] T004' "$tasks" || problem "without isolation, T004 was not marked with T003's mark refused: $(cat "$tasks")"
grep -q '^- \[ \] T003 \[P\] Write the module' "$tasks" || problem "without isolation, T003's reworded line: $(cat "$tasks")"

# --- 9 ------------------------------------------------------------------------------
make_repo "$work/nine"
cat > "$tasks" <<'TASKS'
# Tasks

## Phase 1: Setup

- [ ] T001 Create `app/__init__.py`

## Phase 2: Foundational

- [ ] T002 Write `app/a.py`
TASKS
git -C "$repo" commit -qam "plan nine"
checkpoint=$(git -C "$repo" rev-parse HEAD)
# While T002 runs the user commits; then T002 fails critically: a rollback would undo
# the user's commit too, so none is made.
TEST_AGENT_PLAN="T002:script-only" TEST_AGENT_RUN_T002="echo note > '$repo/notes.txt' && git -C '$repo' add notes.txt &&
  git -C '$repo' commit -qm 'user: during the run' && echo 'Invalid API key' >&2 && exit 1" run_flow nine --fail-fast
[ "$rc" = 1 ] || { problem "critical failure: exit $rc, expected 1"; show nine; }
[ "$(git -C "$repo" log -1 --format=%s)" = "user: during the run" ] || problem "the user's commit is no longer on the branch"
[ -e "$repo/notes.txt" ] || problem "the user's file is gone"
grep '"event":"rollback-refused"' "$journal" | grep_q 'user: during the run' || problem "the refused rollback is not journaled with the commit"
grep -q "not rolled back: .*user: during the run" "$work/nine.out" || { problem "the run does not say why it did not roll back"; show nine; }
grep_q '"event":"rolled-back"' "$journal" && problem "the run rolled back over the user's commit"
# The same with the user's work not committed: a file edited and a line added to tasks.md
# while T002 runs. A reset would lose both, with no copy in git: no rollback either.
git -C "$repo" reset -q --hard "$checkpoint"
TEST_AGENT_PLAN="T002:script-only" TEST_AGENT_RUN_T002="echo 'work in progress' >> '$repo/README' &&
  printf '\nA note of mine.\n' >> '$tasks' && echo 'Invalid API key' >&2 && exit 1" run_flow nine-b --fail-fast
[ "$rc" = 1 ] || { problem "critical failure, uncommitted work: exit $rc, expected 1"; show nine-b; }
grep -q 'work in progress' "$repo/README" || problem "the rollback lost the user's uncommitted edit"
grep -q 'A note of mine' "$tasks" || problem "the rollback lost the user's uncommitted line in tasks.md"
grep -q "not rolled back: .*README.* not committed" "$work/nine-b.out" || { problem "the run does not say why it did not roll back"; show nine-b; }
[ "$(grep -c '"event":"rolled-back"' "$journal")" = 0 ] || problem "the run rolled back over uncommitted work"

# --- 10 -----------------------------------------------------------------------------
make_repo "$work/ten"
mkdir -p "$repo/specs/b"
sed 's/`app\//`lib\//' "$tasks" > "$repo/specs/b/tasks.md"
git -C "$repo" add specs/b && git -C "$repo" commit -qm "a second feature"
# Two runs at once on two features of the repository, committing to the same branch.
TEST_AGENT_SECONDS=0.4 "$flow" run "$repo/specs/b/tasks.md" --workers 3 --agent-cmd "$agent" > "$work/ten-b.out" 2>&1 &
other=$!
sleep 0.2
TEST_AGENT_SECONDS=0.3 run_flow ten --workers 3
rc_b=0; wait "$other" || rc_b=$?
[ "$rc" = 0 ] && [ "$rc_b" = 0 ] || { problem "two features at once: exit $rc and $rc_b"; show ten; show ten-b; }
all_marked "two features at once, the first" 5
[ "$(grep -c '^- \[X\] T00' "$repo/specs/b/tasks.md")" = 5 ] || problem "two features at once: the second's tasks are not all marked"
[ "$(git -C "$repo" log --format=%s "$checkpoint..HEAD" | grep -c '^T00')" = 10 ] || problem "two features at once: not ten task commits"
no_leaks "two features at once"

# --- 11 -----------------------------------------------------------------------------
make_repo "$work/eleven"
# T002 leaves its worktree's index.lock, as an agent killed mid-`git add` does; with one
# worker, T003 runs next in the same worktree.
TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002=': > "$(git rev-parse --git-dir)/index.lock"' run_flow eleven --workers 1
[ "$rc" = 0 ] || { problem "a stale lock in the task's worktree: exit $rc"; show eleven; }
all_marked "a stale lock in the task's worktree" 5
grep '"event":"stale-lock-removed"' "$journal" | grep '"task":"T002"' | grep_q 'worktrees/[^"]*/index.lock' ||
  problem "the removed lock is not journaled with its path: $(grep -c stale-lock "$journal")"
grep -q "removed.*index.lock" "$work/eleven.out" || { problem "the removed lock is not reported"; show eleven; }
grep_q '"event":"attempt-failed"' "$journal" && problem "a stale lock in the task's worktree failed an attempt"
no_leaks "a stale lock in the task's worktree"
# One left in the main repository's .git: flow did not make it and does not remove it.
make_repo "$work/eleven-main"
TEST_AGENT_PLAN="T001:script" TEST_AGENT_RUN_T001=': > "$(git rev-parse --git-common-dir)/index.lock"' run_flow eleven-main --workers 1
[ "$rc" = 1 ] || { problem "a stale lock in the main repository: exit $rc, expected 1"; show eleven-main; }
[ -e "$repo/.git/index.lock" ] || problem "the main repository's index.lock was removed"
[ "$(grep '"event":"attempt-failed"' "$journal" | grep -c '"task":"T001"')" = 1 ] ||
  problem "a stale lock in the main repository: T001 was retried: $(grep -c attempt-failed "$journal")"
grep '"event":"attempt-failed"' "$journal" | grep_q '"class":"io"' || { problem "the main repository's lock is not an io failure"; show eleven-main; }
grep -q "T001 .*\[io\]" "$work/eleven-main.out" || { problem "the summary does not say io"; show eleven-main; }
grep -q "$repo/.git/index.lock" "$work/eleven-main.out" || { problem "the lock's path is not named"; show eleven-main; }
grep -q "remove it" "$work/eleven-main.out" || { problem "the failure does not say what to do"; show eleven-main; }
rm -f "$repo/.git/index.lock"

# --- 12 -----------------------------------------------------------------------------
make_repo "$work/twelve"
run_flow twelve --workers 3
[ "$rc" = 0 ] || { problem "run 12: exit $rc"; show twelve; }
ran=$(git -C "$repo" rev-parse HEAD)
echo mine > "$repo/mine.txt"
git -C "$repo" add mine.txt
GIT_AUTHOR_NAME="A User" GIT_AUTHOR_EMAIL=user@example.invalid git -C "$repo" commit -qm "user: my own work"
mine=$(git -C "$repo" rev-parse HEAD)
last=$(git -C "$repo" log -1 --format=%s "$ran" | cut -d' ' -f1)
rc=0; "$flow" rollback "$tasks" --to "$last" > "$work/twelve-to.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "nothing of run .* to roll back: .*user: my own work" "$work/twelve-to.out" ||
  problem "rollback --to the run's last task, a user's commit on top: exit $rc: $(cat "$work/twelve-to.out")"
[ "$(git -C "$repo" rev-parse HEAD)" = "$mine" ] || problem "rollback --to the run's last task moved the branch"
rc=0; "$flow" rollback "$tasks" > "$work/twelve-rb.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || problem "rollback over a user's commit: exit $rc, expected 1: $(cat "$work/twelve-rb.out")"
[ "$(git -C "$repo" rev-parse HEAD)" = "$mine" ] || problem "the refused rollback moved the branch"
grep -q "${mine:0:10}" "$work/twelve-rb.out" || problem "the refusal does not name the commit: $(cat "$work/twelve-rb.out")"
grep -q "user: my own work" "$work/twelve-rb.out" || problem "the refusal does not give its subject: $(cat "$work/twelve-rb.out")"
grep -q "A User" "$work/twelve-rb.out" || problem "the refusal does not give its author: $(cat "$work/twelve-rb.out")"
grep -q -- "--force" "$work/twelve-rb.out" || problem "the refusal does not say how to proceed: $(cat "$work/twelve-rb.out")"
[ -e "$repo/mine.txt" ] || problem "the refused rollback removed the user's file"
rc=0; "$flow" rollback "$tasks" --force > "$work/twelve-force.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || problem "rollback --force: exit $rc: $(cat "$work/twelve-force.out")"
[ "$(git -C "$repo" rev-parse HEAD)" = "$checkpoint" ] || problem "rollback --force did not reach the checkpoint"
grep -q "${mine:0:10}" "$work/twelve-force.out" || problem "rollback --force does not name the user's commit: $(cat "$work/twelve-force.out")"
run=$(grep -o '"run":"[^"]*","event":"checkpoint"' "$journal" | tail -1 | cut -d'"' -f4)
git -C "$repo" merge-base --is-ancestor "$mine" "refs/flow/$run/rolled-back" ||
  problem "rollback --force lost the user's commit: it is not under refs/flow/$run/rolled-back"
git -C "$repo" merge-base --is-ancestor "$ran" "refs/flow/$run/rolled-back" || problem "rollback --force lost the run's commits"

# --- 13 -----------------------------------------------------------------------------
# The user checks out another branch while T002 runs (or detaches HEAD): `git merge
# --ff-only` would move theirs, and the journal said the task was on main. Nothing lands
# on either; the task fails naming the branch, nothing new starts, main keeps T001 alone.
for how in branch detach; do
  make_repo "$work/thirteen-$how"
  git -C "$repo" branch feature
  switch="git -C '$repo' checkout -q feature"
  [ "$how" = detach ] && switch="git -C '$repo' checkout -q --detach"
  TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002="$switch && mkdir -p app && echo b > app/a.py" \
    run_flow "thirteen-$how" --workers 1 --retries 2
  [ "$rc" = 1 ] || { problem "branch switched ($how): exit $rc, expected 1"; show "thirteen-$how"; }
  [ "$(git -C "$repo" log --format=%s feature | head -1)" = "the plan" ] || problem "branch switched ($how): feature moved"
  [ "$(git -C "$repo" log --format=%s main | head -1 | cut -d' ' -f1)" = T001 ] || problem "branch switched ($how): main is not at T001"
  [ "$(git -C "$repo" rev-parse HEAD)" = "$(git -C "$repo" rev-parse "main~1")" ] || [ "$how" = detach ] ||
    problem "branch switched ($how): HEAD moved"
  grep -q "not landed: .* and this run commits to main" "$work/thirteen-$how.out" || { problem "branch switched ($how): no word of why"; show "thirteen-$how"; }
  [ "$(grep '"event":"attempt-failed"' "$journal" | grep -c '"task":"T002"')" = 1 ] || problem "branch switched ($how): T002 was retried"
  grep '"event":"committed"' "$journal" | grep -q '"task":"T002"' && problem "branch switched ($how): T002 journaled as committed"
done

# --- 14 -----------------------------------------------------------------------------
# Before: nothing was reported, T001 and T002 landed on top of the agent's commit, and
# the user's index kept the tree the branch had before: T001's file staged as deleted,
# for the next `git commit` to record. Both ways (in process and the git CLI).
for way in native cli; do
  make_repo "$work/fourteen-$way"
  TEST_AGENT_PLAN="T001:script" \
    TEST_AGENT_RUN_T001='mkdir -p app && echo own > app/own.py && git add -A && git commit -qm "agent: my own" && git update-ref refs/heads/main HEAD' \
    FLOW_GIT_NATIVE=$([ "$way" = native ] && echo 1 || echo 0) run_flow "fourteen-$way" --workers 1
  [ "$rc" = 0 ] || { problem "branch moved by an agent ($way): exit $rc"; show "fourteen-$way"; }
  [ -z "$(git -C "$repo" status --porcelain)" ] ||
    problem "branch moved by an agent ($way): the user's tree is out of step: $(git -C "$repo" status --porcelain | tr '\n' ' ')"
  [ "$(git -C "$repo" log --format=%s "$checkpoint..HEAD" | cut -d' ' -f1 | sort | tr '\n' ' ')" = "T001 T002 T003 T004 T005 " ] ||
    problem "branch moved by an agent ($way): main holds $(git -C "$repo" log --format=%s "$checkpoint..HEAD" | tr '\n' '|')"
  git -C "$repo" cat-file -e HEAD:app/own.py 2>/dev/null || problem "branch moved by an agent ($way): its work did not land"
  grep '"event":"branch-moved-back"' "$journal" | grep_q '"task":"T001"' ||
    problem "branch moved by an agent ($way): not journaled: $(grep -c branch-moved "$journal")"
  grep -q "moved main back from .*agent: my own" "$work/fourteen-$way.out" ||
    { problem "branch moved by an agent ($way): not said"; show "fourteen-$way"; }
  kept=$(git -C "$repo" for-each-ref --format='%(refname)' 'refs/flow/*/moved/1')
  [ -n "$kept" ] && [ "$(git -C "$repo" log -1 --format=%s "$kept")" = "agent: my own" ] ||
    problem "branch moved by an agent ($way): its commit is not kept: $kept"
  all_marked "branch moved by an agent ($way)" 5
  no_leaks "branch moved by an agent ($way)"
done
# The user's "Undo Last Commit" (`git reset --soft HEAD~1`) while T003 runs also leaves
# the index as it was, on purpose: the branch went back to a commit it had, and stays
# there. T002's change stays staged for the user, its mark went into T003's commit with
# the user's tasks.md, so T002 counts done; nothing is moved back.
make_repo "$work/fourteen-soft"
TEST_AGENT_PLAN="T003:script" TEST_AGENT_RUN_T003="git -C '$work/fourteen-soft' reset -q --soft HEAD~1" \
  run_flow fourteen-soft --workers 1
[ "$rc" = 0 ] || { problem "the user's soft reset: exit $rc"; show fourteen-soft; }
if grep_q '"event":"branch-moved-back"' "$journal"; then problem "the user's soft reset was undone: $(grep branch-moved "$journal")"; fi
git -C "$repo" cat-file -e HEAD:app/a.py 2>/dev/null && problem "the user's soft reset: T002's commit is back on main"
[ "$(git -C "$repo" status --porcelain app/a.py)" = "A  app/a.py" ] ||
  problem "the user's soft reset: T002's change is not staged: $(git -C "$repo" status --porcelain)"
all_marked "the user's soft reset" 5

# --- 15 -----------------------------------------------------------------------------
# Before: the worktree was removed with them, the task marked, nothing said. T002 names
# an ignored link and an ignored folder (they went unsaid), a file too large to copy;
# T003 names nothing but an ignored file (it failed "no changes" on every attempt).
make_repo "$work/fifteen"
printf 'config/*.env\n.env\ncache/\ndata/\n' > "$repo/.gitignore"
printf '# Tasks\n\n- [ ] T001 Create the settings in `config/local.env` and `config/secret.env`, the loader in `app/load.py`\n' > "$tasks"
printf -- '- [ ] T002 Link `.env` to `config/local.env`, fill `cache/`, write `data/big.json` and `app/two.py`\n' >> "$tasks"
printf -- '- [ ] T003 Create `config/dev.env` with the defaults\n' >> "$tasks"
git -C "$repo" add -A && git -C "$repo" commit -qm "settings are local"
mkdir -p "$repo/config" && echo mine > "$repo/config/secret.env"
TEST_AGENT_PLAN="T002:script-only" \
  TEST_AGENT_RUN_T002='ln -s config/local.env .env && mkdir -p cache/fx app && echo 1 > cache/fx/1.json && mkdir -p data && truncate -s 65M data/big.json && echo two > app/two.py' \
  run_flow fifteen --workers 1 --retries 0
[ "$rc" = 0 ] || { problem "ignored files: exit $rc"; show fifteen; }
[ "$(cat "$repo/config/local.env" 2>/dev/null)" = T001 ] || problem "ignored files: config/local.env is not in the work tree"
[ "$(cat "$repo/config/secret.env")" = mine ] || problem "ignored files: the user's config/secret.env was overwritten"
[ "$(cat "$repo"/.flow/runs/*/T001-*.ignored/config/secret.env 2>/dev/null)" = T001 ] ||
  problem "ignored files: the agent's config/secret.env is not kept: $(find "$repo/.flow/runs" -path '*ignored*')"
git -C "$repo" cat-file -e HEAD:app/load.py 2>/dev/null || problem "ignored files: the loader did not land"
[ -z "$(git -C "$repo" log --all --format= --name-only | grep '\.env$')" ] || problem "ignored files: a commit holds an ignored file"
grep '"event":"ignored-files"' "$journal" | grep_q '"task":"T001"' || problem "ignored files: not journaled"
grep -q "copied into the work tree: config/local.env" "$work/fifteen.out" || { problem "ignored files: the copy is not said"; show fifteen; }
grep -q "yours stays: config/secret.env" "$work/fifteen.out" || { problem "ignored files: the kept copy is not said"; show fifteen; }
[ -z "$(git -C "$repo" status --porcelain)" ] || problem "ignored files: the tree is not clean: $(git -C "$repo" status --porcelain)"
[ "$(readlink "$repo/.env")" = config/local.env ] || problem "ignored files: the link .env was not made again: $(ls -la "$repo")"
[ "$(cat "$repo/cache/fx/1.json" 2>/dev/null)" = 1 ] || problem "ignored files: the file in the ignored folder cache/ was not copied"
[ ! -e "$repo/data/big.json" ] || problem "ignored files: a 65 MiB file was copied"
grep -q "not copied into the work tree: data/big.json, 65 MiB" "$work/fifteen.out" ||
  { problem "ignored files: the file too large is not said"; show fifteen; }
[ "$(grep '"event":"ignored-files"' "$journal" | grep -c '"task":"T002"')" = 3 ] ||
  problem "ignored files: T002's link, folder and large file are not each said: $(grep -c '"event":"ignored-files"' "$journal")"
[ "$(cat "$repo/config/dev.env" 2>/dev/null)" = T003 ] || problem "ignored files: T003's only file did not land"
all_marked "ignored files" 3

# --- 16 -----------------------------------------------------------------------------
# A batch of branch deletions that took the branch of a worktree about to serve a retry
# ran before the worktree was switched: git refused it (checked out), and it was left.
make_repo "$work/sixteen"
{ printf '# Tasks\n\n'; for i in $(seq 10 45); do printf -- '- [ ] T0%s [P] Make `app/m%s.py`\n' "$i" "$i"; done; } > "$tasks"
git -C "$repo" commit -qam "many tasks"
plan=""; for i in $(seq 12 3 45); do plan="$plan,T0$i:fail-once"; done
TEST_AGENT_PLAN=${plan#,} TEST_AGENT_SECONDS=0 run_flow sixteen --workers 3
[ "$rc" = 0 ] || { problem "retries in reused worktrees: exit $rc"; show sixteen; }
[ "$(grep -c '^- \[X\] T0' "$tasks")" = 36 ] || problem "retries in reused worktrees: $(grep -c '^- \[X\] T0' "$tasks") of 36 marked"
no_leaks "retries in reused worktrees"
# Run again with everything done: nothing of this run to undo (it had named a rollback,
# which would undo the run before).
run_flow sixteen-again
[ "$rc" = 0 ] && grep -q "no commit on main; nothing of this run to undo" "$work/sixteen-again.out" ||
  { problem "a run with nothing to do: exit $rc, or it offers a rollback"; show sixteen-again; }

# --- 17 -----------------------------------------------------------------------------
# Before: nothing was said, and the user's next commits carried the agent's identity.
make_repo "$work/seventeen"
git -C "$repo" config core.autocrlf false
TEST_AGENT_PLAN="T002:script" \
  TEST_AGENT_RUN_T002='git config user.name "Agent Bot" && git config core.autocrlf true && git config http.extraHeader "Authorization: Bearer sekrit" && git config url."https://x-access-token:sekrit2@github.com/".insteadOf https://github.com/ && printf "#!/bin/sh\n" > "$(git rev-parse --git-common-dir)/hooks/pre-commit" && chmod +x "$(git rev-parse --git-common-dir)/hooks/pre-commit"' \
  run_flow seventeen --workers 1
[ "$rc" = 0 ] || { problem "git settings changed: exit $rc"; show seventeen; }
line=$(grep '"event":"config-changed"' "$journal" || true)
grep_q '"task":"T002"' <<< "$line" || problem "git settings changed: not journaled with T002: $line"
for what in "set user.name" "changed core.autocrlf" "set http.extraheader" "added hook pre-commit" \
            "set url.https://\*\*\*@github.com/.insteadof"; do
  grep_q "$what" <<< "$line" || problem "git settings changed: the journal does not say '$what': $line"
done
grep -q "git settings changed while its agent ran" "$work/seventeen.out" || { problem "git settings changed: not said"; show seventeen; }
if grep_q -e sekrit -e "Agent Bot" "$journal" "$work/seventeen.out"; then problem "git settings changed: a value or a key's token was written out"; fi
[ "$(grep -c '"event":"config-changed"' "$journal")" = 1 ] || problem "git settings changed: said more than once"
all_marked "git settings changed" 5

# --- 18 -----------------------------------------------------------------------------
# Before: every retry's agent ran again to meet the same refusal of git's.
make_repo "$work/eighteen"
TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002="mkdir -p '$work/eighteen/app' && echo mine > '$work/eighteen/app/a.py'" \
  run_flow eighteen --workers 1 --retries 3
[ "$rc" = 1 ] || { problem "the user's file in the way: exit $rc, expected 1"; show eighteen; }
[ "$(cat "$repo/app/a.py")" = mine ] || problem "the user's file in the way: it was overwritten"
[ "$(grep '"event":"task-started"' "$journal" | grep -c '"task":"T002"')" = 1 ] || problem "the user's file in the way: T002 was retried"
grep -q "your uncommitted changes in .* are in the way" "$work/eighteen.out" || { problem "the user's file in the way: not said"; show eighteen; }
[ "$(grep -c '^- \[X\] T00[134]' "$tasks")" = 3 ] || problem "the user's file in the way: the other tasks did not land: $(cat "$tasks")"

# --- 19 -----------------------------------------------------------------------------
# Before: "5 succeeded", exit 0, with T002's work and mark gone from the branch.
make_repo "$work/nineteen"
TEST_AGENT_PLAN="T003:script" TEST_AGENT_RUN_T003="git -C '$work/nineteen' reset -q --hard HEAD~1" \
  run_flow nineteen --workers 1
[ "$rc" = 1 ] || { problem "a landed commit reset away: exit $rc, expected 1"; show nineteen; }
grep -q "T002.*no longer on main" "$work/nineteen.out" || { problem "a landed commit reset away: not said"; show nineteen; }
grep '"event":"commit-gone"' "$journal" | grep_q '"task":"T002"' || problem "a landed commit reset away: not journaled"
grep -q '^- \[ \] T002' "$tasks" || problem "a landed commit reset away: T002 is marked: $(grep T002 "$tasks")"
run_flow nineteen-again
[ "$rc" = 0 ] && grep -q "1 succeeded" "$work/nineteen-again.out" || { problem "after the reset, the next run: exit $rc"; show nineteen-again; }
git -C "$repo" cat-file -e HEAD:app/a.py 2>/dev/null || problem "after the reset, the next run: T002's file is not on main"

# --- 20 -----------------------------------------------------------------------------
# Before: exit 0, nothing said, the copy left [ ] for the next run.
make_repo "$work/twenty"
TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002="sed -i '/T004/p' '$work/twenty/specs/tasks.md'" run_flow twenty --workers 1
[ "$rc" = 1 ] || { problem "a copied task line: exit $rc, expected 1"; show twenty; }
grep -q "not run: T004 (line [0-9]*): written into tasks.md during the run (a second line with this ID)" "$work/twenty.out" ||
  { problem "a copied task line: not said"; show twenty; }
[ "$(grep -c '^- \[X\] T004' "$tasks")" = 1 ] && [ "$(grep -c '^- \[ \] T004' "$tasks")" = 1 ] ||
  problem "a copied task line: marks: $(grep T004 "$tasks")"

[ "$fail" = 0 ] && echo "agent changes: commits, tasks.md edits, user commits, duplicates, stale branches and empty work all checked"
exit "$fail"
