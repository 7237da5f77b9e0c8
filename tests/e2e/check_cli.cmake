# SPDX-License-Identifier: MIT
# `flow check` end to end: exit codes, output format and --json on real files.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(example ${EXAMPLES}/todo-cli/specs/001-todo-cli/tasks.md)
run_flow(out rc check ${example})
expect("check on the example exited ${rc}: ${out}" ${rc} EQUAL 0)
string(FIND "${out}" "tasks in" at)
expect("no summary in: ${out}" ${at} GREATER -1)

# JSON is valid and carries the tasks.
run_flow(out rc check --json ${example})
expect("check --json exited ${rc}" ${rc} EQUAL 0)
string(JSON n LENGTH "${out}" tasks)
expect("expected >= 20 tasks in the example, got ${n}" ${n} GREATER_EQUAL 20)
string(JSON first_id GET "${out}" tasks 0 id)
expect("first task is ${first_id}" "${first_id}" STREQUAL "T001")
string(JSON state GET "${out}" tasks 0 state)
expect("first task state is ${state}" "${state}" STREQUAL "pending")

# A file with a NUL byte: an error with path:line, exit 1.
set(tmp ${CMAKE_CURRENT_BINARY_DIR}/cli-check-tmp)
file(MAKE_DIRECTORY ${tmp})
execute_process(COMMAND printf "- [ ] T001 a\\n\\000\\n" OUTPUT_FILE ${tmp}/nul.md)
run_flow(out rc check ${tmp}/nul.md)
expect("NUL file: expected exit 2, got ${rc}: ${out}" ${rc} EQUAL 2)
string(FIND "${out}" "${tmp}/nul.md:2: error:" at)
expect("NUL file: no path:line error in: ${out}" ${at} GREATER -1)
string(FIND "${out}" "[nul-byte]" at)
expect("NUL file: no code in: ${out}" ${at} GREATER -1)

# Warnings alone exit 0 and print path:line: warning: … [code].
file(WRITE ${tmp}/dup.md "- [ ] T001 a\n- [ ] T001 b\n")
run_flow(out rc check ${tmp}/dup.md)
expect("duplicate: expected exit 0, got ${rc}" ${rc} EQUAL 0)
string(FIND "${out}" "${tmp}/dup.md:2: warning: T001 is also declared at line 1" at)
expect("duplicate: unexpected output: ${out}" ${at} GREATER -1)

# Usage and I/O errors exit 2.
run_flow(out rc check)
expect("no file: expected 2, got ${rc}" ${rc} EQUAL 2)
run_flow(out rc check ${tmp}/missing.md)
expect("missing file: expected 2, got ${rc}" ${rc} EQUAL 2)
run_flow(out rc check --bogus ${example})
expect("bad option: expected 2, got ${rc}" ${rc} EQUAL 2)

# Every corpus file: exit 0 and valid JSON with no error (none has a real cycle; a cycle's
# exit 2 and report are plan_cli's and the hardening scenario's).
file(GLOB corpus ${DATA}/corpus/*.md)
foreach(f ${corpus})
  run_flow(out rc check --json ${f})
  string(JSON errors GET "${out}" summary errors)
  expect("${f}: exit ${rc}" ${rc} EQUAL 0)
  expect("${f}: ${errors} errors" ${errors} EQUAL 0)
endforeach()
# Sections, mirrors and every line not executed are summarised with a reason; --verbose
# lists the sections and each line.
file(WRITE ${tmp}/shapes.md
  "## Phase 1: Setup\n"
  "### 1.1 Storage\n"
  "- [ ] T001 a\n"
  "  - [ ] acceptance box\n"
  "### LT002: Heading task\n"
  "## Validation Checklist\n"
  "- [ ] T001-T001: all validated\n"
  "- [ ] LT002: validated\n"
  "```\n- [ ] T009 in code\n```\n")
run_flow(out rc check ${tmp}/shapes.md)
expect("shapes: exit ${rc}: ${out}" ${rc} EQUAL 0)
foreach(want "2 tasks in 1 phases (1 groups)"
             "1 section: a heading, bold or numbered item with tasks under it: a section, not a task (line 2)"
             "2 mirror: re-lists tasks declared elsewhere: a mirror, never run and never marked (lines 7, 8)"
             "1 nested: nested under a task or list item (line 4)"
             "1 in-code: inside a code block (line 10)")
  string(FIND "${out}" "${want}" at)
  expect("shapes: '${want}' missing from: ${out}" ${at} GREATER -1)
endforeach()
string(FIND "${out}" "duplicate-id" at)
expect("shapes: a mirror is not a duplicate: ${out}" ${at} EQUAL -1)
run_flow(out rc check --verbose ${tmp}/shapes.md)
foreach(want "shapes.md:1: phase \"Phase 1: Setup\" (setup): 2 tasks"
             "shapes.md:2:   group \"1.1 Storage\": 2 tasks"
             "shapes.md:8: not executed (mirror: re-lists tasks declared elsewhere: a mirror, never run and never marked): - [ ] LT002: validated")
  string(FIND "${out}" "${want}" at)
  expect("shapes --verbose: '${want}' missing from: ${out}" ${at} GREATER -1)
endforeach()

# A plan written on its author's machine: absolute paths through a folder named as the
# repository, and a table's path column, are the repository's files; a path into another
# project is reported by `check` (as `plan` and `run` do) and never locked.
set(acme ${tmp}/acme)
file(REMOVE_RECURSE ${acme})
execute_process(COMMAND git init -q ${acme})
file(MAKE_DIRECTORY ${acme}/specs/001-x ${acme}/packages)
file(WRITE ${acme}/specs/001-x/tasks.md
  "- [ ] T001 [P] Edit /Users/ann/github/acme/src/a.py\n"
  "- [ ] T002 [P] Fix `~/acme/src/a.py` and `~/other/b.py`\n"
  "- [ ] T003 [P] Create `/packages/db/package.json`\n\n"
  "| Status | ID | Task | Absolute Path(s) |\n|---|---|---|---|\n"
  "| [ ] | T004 [P] | Wire it | /workspaces/acme/packages/db/package.json |\n")
run_flow(out rc plan --explain T001 ${acme}/specs/001-x/tasks.md)
expect("absolute: exit ${rc}: ${out}" ${rc} EQUAL 0)
foreach(want "files: src/a.py" "never runs together with T002 (src/a.py)")
  string(FIND "${out}" "${want}" at)
  expect("absolute: '${want}' missing from: ${out}" ${at} GREATER -1)
endforeach()
run_flow(out rc plan --explain T004 ${acme}/specs/001-x/tasks.md)
string(FIND "${out}" "never runs together with T003 (packages/db/package.json)" at)
expect("path column: T004 does not share T003's file: ${out}" ${at} GREATER -1)
run_flow(out rc check ${acme}/specs/001-x/tasks.md)
string(FIND "${out}" "tasks.md:2: warning: path \"~/other/b.py\" is outside the repository and is not used [path-outside-repo]" at)
expect("absolute: no warning for another project's path: ${out}" ${at} GREATER -1)
