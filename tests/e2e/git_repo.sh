# SPDX-License-Identifier: MIT
# Sourced by the git e2e scripts: a temporary work directory, failure reporting, a git
# identity, and make_git_repo.
set -euo pipefail
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-${1:-git}-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid

# make_git_repo DIR CONFIG: a repository on main whose one commit has README and
# specs/tasks.md (T001 alone; then T002–T004 in parallel and T005 after T002), with
# .flow/config.yaml (not committed) holding CONFIG. Sets repo, tasks, journal, checkpoint.
make_git_repo() {
  repo=$1
  mkdir -p "$repo/specs" "$repo/.flow"
  git -C "$repo" init -q -b main
  cat > "$repo/specs/tasks.md" <<'TASKS'
# Tasks

## Phase 1: Setup

- [ ] T001 Create `app/__init__.py`

## Phase 2: Work

- [ ] T002 [P] Write `app/a.py`
- [ ] T003 [P] Write `app/b.py`
- [ ] T004 [P] Write `app/c.py`
- [ ] T005 Wire `app/main.py` (depends on T002)
TASKS
  echo "seed" > "$repo/README"
  printf '%s\n' "$2" > "$repo/.flow/config.yaml"
  git -C "$repo" add README specs
  git -C "$repo" commit -qm "the plan"
  tasks="$repo/specs/tasks.md"
  journal="$repo/.flow/implementation.log"
  checkpoint=$(git -C "$repo" rev-parse HEAD)
}

# no_leaks WHEN: no worktree but the main one, no flow/* branch.
no_leaks() {  # $1: when
  [ "$(git -C "$repo" worktree list | wc -l)" = 1 ] || problem "$1: worktrees left: $(git -C "$repo" worktree list)"
  [ -z "$(git -C "$repo" branch --list 'flow/*')" ] || problem "$1: branches left: $(git -C "$repo" branch --list 'flow/*')"
}

# grep_q ARGS: grep -q that reads all its input, so that the command before it in a
# pipeline never dies of SIGPIPE (with pipefail, a false failure or a false pass).
grep_q() { grep "$@" > /dev/null; }
