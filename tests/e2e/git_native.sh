#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration in process (libgit2) gives what the git CLI gives. Real runs in real
# repositories, each done twice, in process and with FLOW_GIT_NATIVE=0 (the CLI):
#  1. one worker: every commit has the same tree, author, committer and message; the
#     tasks add, change, delete and make executable, write bytes that are not text and
#     ignored files, and list what they see in a worktree an earlier task used
#  2. three workers (tasks land on a head that moved): the same final tree, every task
#     marked, and the journal says which way each run integrated
#  3. no identity in git's configuration: both commit as flow <flow@localhost>
#  4. a prepare-commit-msg hook (git runs it even with --no-verify): the CLI integrates,
#     and every task's commit carries what the hook added
#  5. an attribute on tasks.md that git would apply (ident): the CLI integrates
#  6. a filter driver (clean: upper case): what the tasks add is filtered as git would
#  7. an agent that resets its worktree off the commit it started from (git reset --hard
#     HEAD~1): nothing of it is taken, the task fails, T001's work stays on main
#     and one that leaves a merge unfinished, its conflicts in the files, or makes a git
#     repository inside the work (a scaffolder's `git init`): the same
#  8. bold task IDs: each commit is named after the task without the stray `**`
#  9. the main index as each way leaves it (tasks.md's entry set for the fast-forward, in
#     process or by `git reset`): the same entries, stat data, version and extensions,
#     when flow is killed just before the fast-forward and after the resumed run, which
#     puts the entry back as before; and after every run above
# 10. an index with an extension libgit2 would drop (core.untrackedCache=true, or the
#     untracked cache added by hand): git sets the entry, and the extension stays
# usage: git_native.sh FLOW AGENT
flow=$1 agent=$2
. "$(dirname "$0")/git_repo.sh" native

# The tasks' own scripts (the test agent's "script" behaviour).
export TEST_AGENT_PLAN="T001:script,T002:script,T003:script,T004:script,T005:script"
export TEST_AGENT_RUN_T001='mkdir -p app && printf "\000\001\377bytes\n" > app/blob.bin'
export TEST_AGENT_RUN_T002='rm README && echo ignored > build.log && echo untracked > scratch.tmp && rm scratch.tmp'
export TEST_AGENT_RUN_T003='mkdir -p app && printf "#!/bin/sh\necho b\n" > app/run.sh && chmod +x app/run.sh'
export TEST_AGENT_RUN_T004='mkdir -p docs && printf "  trailing   \n" > docs/c.txt'
# What a later task sees in its worktree (reused from an earlier one) is committed, so the
# histories differ if a reused worktree kept anything (build.log, ignored, included).
export TEST_AGENT_RUN_T005='echo more >> app/a.py && find . -path ./.git -prune -o ! -name seen.txt -print | LC_ALL=C sort > seen.txt'

# The main index as git lists it, stat data that differs between two repositories made
# alike (times, device, inode) said only as set or not, then its version and extensions.
index_dump() {  # $1: repository
  git -C "$1" ls-files -s --debug |
    sed -E 's/^(  [cm]time: )0:0$/\1zero/; s/^(  [cm]time: )[0-9]+:[0-9]+$/\1set/' |
    sed -E 's/^(  dev: )[1-9][0-9]*/\1set/; s/(ino: )[1-9][0-9]*/\1set/'
  python3 - "$(git -C "$1" rev-parse --absolute-git-dir)/index" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
sig, version, n = struct.unpack(">4sII", d[:12])
print("version", version)
at = 12
for _ in range(n):  # versions 2 and 3
    flags = struct.unpack(">H", d[at + 60:at + 62])[0]
    name = at + 62 + (2 if flags & 0x4000 else 0)
    at += (d.index(b"\0", name) - at + 8) & ~7
while at < len(d) - 20:
    ext, size = struct.unpack(">4sI", d[at:at + 8])
    # TREE and REUC whole; others (the untracked cache holds stat data) by name
    print("extension", ext.decode(), d[at + 8:at + 8 + size].hex() if ext in (b"TREE", b"REUC") else "")
    at += 8 + size
PY
}
# Which way tasks.md's index entry was set for each task's fast-forward.
index_ways() { grep '"event":"committed"' "$1/.flow/implementation.log" | grep -o '"index":"[^"]*"' | sort | uniq -c | sed 's/^ *//'; }

run_both() {  # $1: name, $2: workers; then the environment and repository set up by setup_repo
  for how in native cli; do
    setup_repo "$work/$1-$how"
    local env=()
    [ "$how" = cli ] && env=(FLOW_GIT_NATIVE=0)
    rc=0
    env "${env[@]}" "$flow" run "$tasks" --workers "$2" --progress plain --agent-cmd "$agent" > "$work/$1-$how.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] || { problem "$1 ($how): exit $rc"; cat "$work/$1-$how.out"; }
    [ "$(grep -c '^- \[X\]' "$tasks")" = 5 ] || problem "$1 ($how): not every task is marked"
    index_dump "$repo" > "$work/$1-$how.index"  # before status, which may refresh it
    [ -z "$(git -C "$repo" status --porcelain)" ] || problem "$1 ($how): the tree is not clean: $(git -C "$repo" status --porcelain)"
    no_leaks "$1 ($how)"
    eval "${1//-/_}_${how}=\$repo"
  done
  cmp -s "$work/$1-native.index" "$work/$1-cli.index" ||
    problem "$1: the indexes differ: $(diff "$work/$1-native.index" "$work/$1-cli.index" | head -20)"
}
setup_repo() {
  make_git_repo "$1" ""
  echo '*.log' > "$repo/.gitignore"
  git -C "$repo" add .gitignore && git -C "$repo" commit -qm ignore
}
history() { git -C "$1" log --reverse --format='%T|%an <%ae>|%cn <%ce>|%B|%x00'; }
tasks_commits() { git -C "$1" log --format=%s | grep -c '^T00'; }
integration() { grep '"event":"checkpoint"' "$1/.flow/implementation.log" | grep -o '"integration":"[^"]*"' | tail -1; }

# --- 1 ------------------------------------------------------------------------------
run_both one 1
[ "$(history "$one_native")" = "$(history "$one_cli")" ] ||
  problem "one worker: the histories differ: $(diff -a <(history "$one_native") <(history "$one_cli") | head -20)"
[ "$(tasks_commits "$one_native")" = 5 ] || problem "one worker: not 5 commits"
[ "$(git -C "$one_native" ls-tree HEAD app/run.sh | cut -c1-6)" = 100755 ] || problem "app/run.sh is not executable in the commit"
git -C "$one_native" cat-file -e HEAD:README 2>/dev/null && problem "README's deletion was not integrated"
[ "$(integration "$one_native")" = '"integration":"libgit2"' ] || problem "the default did not integrate in process: $(integration "$one_native")"
[ "$(integration "$one_cli")" = '"integration":"git: FLOW_GIT_NATIVE=0"' ] || problem "FLOW_GIT_NATIVE=0 was not the CLI: $(integration "$one_cli")"
[ "$(index_ways "$one_native")" = '5 "index":"libgit2"' ] || problem "one worker: tasks.md's entry was not set in process: $(index_ways "$one_native")"
[ "$(index_ways "$one_cli")" = '5 "index":"git: FLOW_GIT_NATIVE=0"' ] || problem "one worker: FLOW_GIT_NATIVE=0 did not set it with git: $(index_ways "$one_cli")"
grep -q '^specs/tasks.md$' <(git -C "$one_native" ls-files) || problem "one worker: tasks.md is not in the index"

# --- 2 ------------------------------------------------------------------------------
run_both three 3
[ "$(git -C "$three_native" rev-parse 'HEAD^{tree}')" = "$(git -C "$three_cli" rev-parse 'HEAD^{tree}')" ] ||
  problem "three workers: the final trees differ: $(diff <(git -C "$three_native" ls-tree -r HEAD) <(git -C "$three_cli" ls-tree -r HEAD))"
[ "$(tasks_commits "$three_native")" = 5 ] || problem "three workers: not 5 commits"

# --- 3 ------------------------------------------------------------------------------
(
  unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
  export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
  mkdir -p "$HOME"
  setup_repo() {
    GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid \
      make_git_repo "$1" ""
  }
  run_both nobody 1
  for r in "$nobody_native" "$nobody_cli"; do
    who=$(git -C "$r" log --format='%an <%ae>|%cn <%ce>' --grep '^T00' | sort -u)
    [ "$who" = 'flow <flow@localhost>|flow <flow@localhost>' ] || problem "no identity: commits by $who in $r"
  done
  [ "$(history "$nobody_native")" = "$(history "$nobody_cli")" ] || problem "no identity: the histories differ"
  [ "$(integration "$nobody_native")" = '"integration":"libgit2"' ] || problem "no identity: not in process: $(integration "$nobody_native")"
  exit "$fail"
) || fail=1

# --- 4 ------------------------------------------------------------------------------
setup_repo() {
  make_git_repo "$1" ""
  printf '#!/bin/sh\nprintf "\\nHooked-By: test\\n" >> "$1"\n' > "$repo/.git/hooks/prepare-commit-msg"
  chmod +x "$repo/.git/hooks/prepare-commit-msg"
}
run_both hook 2
[ "$(integration "$hook_native")" = '"integration":"git: a prepare-commit-msg hook"' ] ||
  problem "a prepare-commit-msg hook did not keep the CLI: $(integration "$hook_native")"
[ "$(git -C "$hook_native" log --format=%B --grep '^T00' | grep -c '^Hooked-By: test$')" = 5 ] ||
  problem "the hook's line is not in every task's commit: $(git -C "$hook_native" log --format=%B)"

# --- 5 ------------------------------------------------------------------------------
setup_repo() {
  make_git_repo "$1" ""
  echo 'specs/tasks.md ident' > "$repo/.gitattributes"
  git -C "$repo" add .gitattributes && git -C "$repo" commit -qm attributes
}
run_both attr 2
[ "$(integration "$attr_native")" = '"integration":"git: tasks.md has the attribute ident"' ] ||
  problem "an attribute on tasks.md did not keep the CLI: $(integration "$attr_native")"

# --- 6 ------------------------------------------------------------------------------
setup_repo() {
  make_git_repo "$1" ""
  git -C "$repo" config filter.upper.clean 'tr a-z A-Z'
  git -C "$repo" config filter.upper.smudge cat
  echo 'docs/*.txt filter=upper' > "$repo/.gitattributes"
  git -C "$repo" add .gitattributes && git -C "$repo" commit -qm attributes
}
run_both filter 1
[ "$(history "$filter_native")" = "$(history "$filter_cli")" ] || problem "a filter driver: the histories differ"
[ "$(git -C "$filter_native" show HEAD:docs/c.txt)" = "  TRAILING   " ] ||
  problem "the clean filter was not applied to what was committed: $(git -C "$filter_native" show HEAD:docs/c.txt)"

# --- 7 ------------------------------------------------------------------------------
for how in native cli; do
  make_git_repo "$work/reset-$how" 'errorRecovery:
  maxRetries: 1
  baseDelay: 50ms
  maxDelay: 100ms'
  env=()
  [ "$how" = cli ] && env=(FLOW_GIT_NATIVE=0)
  rc=0
  env "${env[@]}" TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002='git reset -q --hard HEAD~1' \
    "$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/reset-$how.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || problem "reset ($how): exit $rc, expected 1: $(tail -5 "$work/reset-$how.out")"
  git -C "$repo" cat-file -e HEAD:app/__init__.py 2>/dev/null || problem "reset ($how): T001's work is gone from main"
  grep -q '^- \[ \] T002' "$tasks" || problem "reset ($how): T002 is marked"
  grep -q "moved its worktree off the commit it started from" "$work/reset-$how.out" ||
    problem "reset ($how): no word of why: $(tail -8 "$work/reset-$how.out")"
  grep -q '^T002' <<< "$(git -C "$repo" log --format=%s)" && problem "reset ($how): T002 was committed"
done

# An agent that leaves a merge half done (its conflict markers in app/__init__.py, the
# index unmerged, MERGE_HEAD set) and exits 0: `git add --all` took the markers, and they
# landed on main with the task marked. Now nothing of it is taken and the task fails.
for how in native cli; do
  make_git_repo "$work/merge-$how" 'errorRecovery:
  maxRetries: 0'
  env=()
  [ "$how" = cli ] && env=(FLOW_GIT_NATIVE=0)
  rc=0
  env "${env[@]}" TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002='git checkout -q -b side && echo side >> app/__init__.py &&
    git commit -qam side && git checkout -q - && echo mine >> app/__init__.py && git commit -qam mine &&
    { git merge side > /dev/null 2>&1; true; }' \
    "$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/merge-$how.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || problem "merge ($how): exit $rc, expected 1: $(tail -5 "$work/merge-$how.out")"
  grep -q '^- \[ \] T002' "$tasks" || problem "merge ($how): T002 is marked"
  git -C "$repo" grep -q '<<<<<<<' HEAD -- app && problem "merge ($how): conflict markers landed on main"
  grep -q "left a merge unfinished (app/__init__.py)" "$work/merge-$how.out" ||
    problem "merge ($how): no word of why: $(tail -8 "$work/merge-$how.out")"
  # A repository the agent made inside the work (a scaffolder's `git init`): it landed as
  # a link to a commit that exists nowhere else, its files lost, the task marked.
  make_git_repo "$work/nested-$how" 'errorRecovery:
  maxRetries: 0'
  rc=0
  env "${env[@]}" TEST_AGENT_PLAN="T002:script" TEST_AGENT_RUN_T002='mkdir -p web && cd web && git init -q &&
    echo hi > index.js && git add index.js && git commit -qm scaffold' \
    "$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/nested-$how.out" 2>&1 || rc=$?
  [ "$rc" = 1 ] || problem "nested repository ($how): exit $rc, expected 1: $(tail -5 "$work/nested-$how.out")"
  grep -q '^- \[ \] T002' "$tasks" || problem "nested repository ($how): T002 is marked"
  grep -q '^160000' <<< "$(git -C "$repo" ls-tree -r HEAD)" && problem "nested repository ($how): a gitlink landed on main"
  grep -q "left a git repository inside the work (web)" "$work/nested-$how.out" ||
    problem "nested repository ($how): no word of why: $(tail -8 "$work/nested-$how.out")"
done

# --- 8 ------------------------------------------------------------------------------
make_git_repo "$work/bold" ""
printf -- '- [ ] **T001** Create `a.txt`\n- [ ] **T002 [P]** Create `b.txt`\n- [ ] **T003**: Create `c.txt`\n' > "$tasks"
git -C "$repo" commit -qam "bold tasks"
rc=0
"$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/bold.out" 2>&1 || rc=$?
[ "$rc" = 0 ] || problem "bold: exit $rc: $(tail -5 "$work/bold.out")"
subjects=$(git -C "$repo" log --reverse --format=%s HEAD~3..HEAD | tr '\n' '|')
[ "$subjects" = 'T001 Create `a.txt`|T002 [P] Create `b.txt`|T003: Create `c.txt`|' ] || problem "bold: the subjects are $subjects"

# --- 9 ------------------------------------------------------------------------------
# Killed at the fast-forward, tasks.md's entry already set: the same index either way;
# then the resumed run puts the entry back (its commit never landed) and lands every task.
for how in native cli; do
  make_git_repo "$work/killed-$how" ""
  env=()
  [ "$how" = cli ] && env=(FLOW_GIT_NATIVE=0)
  env "${env[@]}" FLOW_TEST_PAUSE=before-fast-forward FLOW_TEST_PAUSE_FILE="$work/killed-$how.paused" \
    "$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/killed-$how.1.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do [ -e "$work/killed-$how.paused" ] && break; sleep 0.05; done
  [ -e "$work/killed-$how.paused" ] || problem "killed ($how): flow never reached the fast-forward"
  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  index_dump "$repo" > "$work/killed-$how.index"
  [ "$(git -C "$repo" rev-parse :specs/tasks.md)" != "$(git -C "$repo" rev-parse HEAD:specs/tasks.md)" ] ||
    problem "killed ($how): tasks.md's entry is HEAD's: it was not set"
  git -C "$repo" diff-index --cached --name-status HEAD > "$work/killed-$how.staged"
  git -C "$repo" diff-files --name-status > "$work/killed-$how.unstaged"
  rc=0
  env "${env[@]}" "$flow" run "$tasks" --workers 1 --progress plain --agent-cmd "$agent" > "$work/killed-$how.2.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { problem "killed ($how): the resumed run exit $rc"; cat "$work/killed-$how.2.out"; }
  grep -q "tasks.md: index entry reset (a killed run's commit never landed)" "$work/killed-$how.2.out" ||
    problem "killed ($how): the index entry was not said to be put back: $(cat "$work/killed-$how.2.out")"
  [ "$(grep -c '^- \[X\]' "$tasks")" = 5 ] || problem "killed ($how): not every task is marked"
  [ "$(git -C "$repo" log --format=%s | grep -c '^T001 ')" = 1 ] || problem "killed ($how): T001 is not committed once"
  index_dump "$repo" > "$work/killed-$how.after"
  [ -z "$(git -C "$repo" status --porcelain)" ] || problem "killed ($how): the tree is not clean: $(git -C "$repo" status --porcelain)"
  eval "killed_$how=\$repo"
done
for f in index staged unstaged after; do
  cmp -s "$work/killed-native.$f" "$work/killed-cli.$f" ||
    problem "killed: $f differs: $(diff "$work/killed-native.$f" "$work/killed-cli.$f" | head -20)"
done
[ "$(cat "$work/killed-native.staged")" = "M	specs/tasks.md" ] || problem "killed: staged: $(cat "$work/killed-native.staged")"
[ "$(cat "$work/killed-native.unstaged")" = "M	specs/tasks.md" ] || problem "killed: not staged: $(cat "$work/killed-native.unstaged")"
grep -A1 $'\tspecs/tasks.md$' "$work/killed-native.index" | grep -q 'ctime: zero' ||
  problem "killed: tasks.md's entry has stat data: $(grep -A5 $'\tspecs/tasks.md$' "$work/killed-native.index")"
[ "$(index_ways "$killed_native")" = '5 "index":"libgit2"' ] || problem "killed: the resumed run did not set the entry in process: $(index_ways "$killed_native")"

# --- 10 -----------------------------------------------------------------------------
setup_repo() {
  make_git_repo "$1" ""
  git -C "$repo" config core.untrackedCache true
  git -C "$repo" status --porcelain > /dev/null  # writes the untracked cache
}
run_both untracked 1
grep -q '^extension UNTR' "$work/untracked-native.index" || problem "untracked cache: the extension is gone"
[ "$(index_ways "$untracked_native")" = '5 "index":"git: core.untrackedCache is set"' ] ||
  problem "untracked cache: not set with git: $(index_ways "$untracked_native")"
setup_repo() {
  make_git_repo "$1" ""
  git -C "$repo" update-index --untracked-cache 2> /dev/null
}
run_both untracked-by-hand 1
grep -q '^extension UNTR' "$work/untracked-by-hand-native.index" || problem "untracked cache by hand: the extension is gone"
[ "$(index_ways "$untracked_by_hand_native")" = '5 "index":"git: the index has the extension UNTR"' ] ||
  problem "untracked cache by hand: not set with git: $(index_ways "$untracked_by_hand_native")"

[ "$fail" = 0 ] && echo "git native: same as the CLI"
exit "$fail"
