#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The corpus benchmarks survive a bad file: a corpus folder holding a good file, a file
# whose graph has a cycle and a folder named like a file still gives figures for the
# good one, and says on stderr which it skipped and why.
# usage: bench_bad_file.sh CORPUS_FILE BENCH [ARGS after the folder...]
set -euo pipefail
good=$1
bench=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-bench-bad-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus/folder.md"
cp "$good" "$work/corpus/good.md"
# Ten tasks (enough for every bench to look at it), the first and the last waiting for
# each other (explicitly: an explicit wait on a later task alone beats document order).
{ echo '- [ ] T001 First (depends on T010)'; for i in 2 3 4 5 6 7 8 9; do echo "- [ ] T00$i Step $i"; done
  echo '- [ ] T010 Last (depends on T001)'; } > "$work/corpus/cycle.md"
rc=0
"$bench" "$work/corpus" "$@" > "$work/out" 2> "$work/err" || rc=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; head -20 "$work/out"; echo "--- stderr"; cat "$work/err"; exit 1; }
[ "$rc" = 0 ] || fail "exit $rc"
grep -q "skipped .*cycle.md: .*cycle" "$work/err" || fail "no word of cycle.md"
grep -q "skipped .*folder.md" "$work/err" || fail "no word of folder.md"
grep -q "1 corpus file" "$work/out" || fail "the good file was not measured"
echo "bench bad file: ok"
