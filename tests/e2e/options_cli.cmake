# SPDX-License-Identifier: MIT
# The CLI's one option table, end to end: every spelling of an option, the errors that
# name the flag, did-you-mean, help from the table, -v/-q, and the one worker default.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(example ${EXAMPLES}/todo-cli/specs/001-todo-cli/tasks.md)
# Outside any repository: a run's work directory (and the checks it detects there) is the
# folder of its tasks.md, not this source tree.
string(RANDOM LENGTH 8 suffix)
set(tmp /tmp/flow-cli-options-${suffix})
file(REMOVE_RECURSE ${tmp})
file(MAKE_DIRECTORY ${tmp}/plain ${tmp}/dash ${tmp}/configured/.flow)

# --opt value, --opt=value, -j3 and -j 3 all mean the same.
foreach(spelling "--workers;3" "--workers=3" "-j3" "-j;3")
  run_flow(out rc plan ${example} ${spelling})
  expect("plan ${spelling}: exit ${rc}: ${out}" ${rc} EQUAL 0)
  expect_in("Estimated makespan on 3 workers" "${out}")
endforeach()
# Options may come before the file too.
run_flow(out rc plan --workers=2 ${example})
expect_in("Estimated makespan on 2 workers" "${out}")

# A missing value names the flag and exits 2 (it used to print nothing).
run_flow(out rc plan ${example} --workers)
expect("plan --workers (no value): exit ${rc}" ${rc} EQUAL 2)
expect_in("flow plan: --workers needs a value (N)" "${out}")
run_flow(out rc plan ${example} -j)
expect("plan -j (no value): exit ${rc}" ${rc} EQUAL 2)
expect_in("flow plan: -j (--workers) needs a value (N)" "${out}")
# status --workdir is in its table, so it is known, and needs a value.
run_flow(out rc status ${example} --workdir)
expect("status --workdir (no value): exit ${rc}" ${rc} EQUAL 2)
expect_in("flow status: --workdir needs a value (DIR)" "${out}")

# Mistyped flags and commands: did you mean …?
run_flow(out rc run ${example} --wrokers 3)
expect("run --wrokers: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: unknown option --wrokers; did you mean --workers?" "${out}")
expect_in("Run 'flow help run' for its options." "${out}")
run_flow(out rc check --jsno ${example})
expect_in("unknown option --jsno; did you mean --json?" "${out}")
run_flow(out rc chek ${example})
expect("flow chek: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow: unknown command 'chek'; did you mean 'check'?" "${out}")
run_flow(out rc plan ${example} --zzzzzzzz)
expect("unknown far from all: exit ${rc}" ${rc} EQUAL 2)
string(FIND "${out}" "did you mean" at)
expect("no suggestion expected for --zzzzzzzz: ${out}" ${at} EQUAL -1)
run_flow(out rc plan ${example} -Z)
expect("unknown short: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow plan: unknown option -Z" "${out}")

# Choices come from the table; a switch takes no value.
run_flow(out rc run ${example} --isolation=sideways --dry-run)
expect("--isolation=sideways: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: --isolation takes auto, git or none, not 'sideways'" "${out}")
run_flow(out rc run ${example} --dry-run=yes)
expect("--dry-run=yes: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: --dry-run takes no value" "${out}")
run_flow(out rc plan ${example} --stories=sideways)
expect_in("--stories takes parallel or sequential, not 'sideways'" "${out}")
run_flow(out rc plan ${example} ${example})
expect("two files: exit ${rc}" ${rc} EQUAL 2)
expect_in("more than one file given" "${out}")

# `--` ends the options: a file whose name starts with a dash.
file(WRITE ${tmp}/plain/-odd.md "- [ ] T001 a task\n")
execute_process(COMMAND ${FLOW} check -- -odd.md WORKING_DIRECTORY ${tmp}/plain OUTPUT_VARIABLE out ERROR_VARIABLE err
                RESULT_VARIABLE rc)
expect("check -- -odd.md: exit ${rc}: ${out}${err}" ${rc} EQUAL 0)
expect_in("-odd.md: 1 tasks in" "${out}")

# Help comes from the table: flow help run, flow run --help, flow run -h are one text, and
# it lists every option, including the common ones.
run_flow(help_run rc help run)
expect("help run: exit ${rc}" ${rc} EQUAL 0)
run_flow(dash_help rc run --help)
expect("run --help: exit ${rc}" ${rc} EQUAL 0)
run_flow(dash_h rc run -h)
string(COMPARE EQUAL "${help_run}" "${dash_help}" same)
expect("help run and run --help differ" same)
string(COMPARE EQUAL "${help_run}" "${dash_h}" same)
expect("help run and run -h differ" same)
foreach(flag "usage: flow run [options] [<tasks.md>]" "--agent-cmd T" "-j, --workers N" "--isolation I" "--allow-dirty"
        "--update-interval S" "--config FILE" "-v, --verbose" "-q, --quiet" "--color WHEN" "exit status:")
  expect_in("${flag}" "${help_run}")
endforeach()
run_flow(out rc help)
expect("help: exit ${rc}" ${rc} EQUAL 0)
foreach(cmd run retry status rollback serve check plan simulate completion)
  expect_in("  ${cmd} " "${out}")
endforeach()
# flow retry: run's options less the ones that pick other tasks, plus --hint.
run_flow(help_retry rc retry --help)
expect("retry --help: exit ${rc}" ${rc} EQUAL 0)
foreach(flag "usage: flow retry [options] <tasks.md> <task>..." "--hint TEXT" "--agent-cmd T" "-j, --workers N")
  expect_in("${flag}" "${help_retry}")
endforeach()
foreach(flag "--only" "--story" "--dry-run" "--dashboard")
  string(FIND "${help_retry}" "${flag}" at)
  expect("retry --help offers ${flag}" ${at} EQUAL -1)
endforeach()
run_flow(out rc retry ${example})
expect("retry without a task: exit ${rc}" ${rc} EQUAL 2)
run_flow(out rc help chek)
expect("help chek: exit ${rc}" ${rc} EQUAL 2)
expect_in("did you mean 'check'?" "${out}")
run_flow(out rc)
expect("no command: exit ${rc}" ${rc} EQUAL 2)

# -v and -q, the same for every command; switches combine and the last one wins.
run_flow(quiet rc check -q ${example})
expect("check -q: exit ${rc}" ${rc} EQUAL 0)
string(FIND "${quiet}" "tasks in" at)
expect("check -q printed its summary: ${quiet}" ${at} EQUAL -1)
run_flow(verbose rc check -qv ${example})
expect_in(": phase \"" "${verbose}")
run_flow(out rc check --verbose ${example})
string(COMPARE EQUAL "${verbose}" "${out}" same)
expect("check -qv and --verbose differ" same)
run_flow(out rc check -vq ${example})
string(COMPARE EQUAL "${out}" "${quiet}" same)
expect("check -vq is not quiet: ${out}" same)
# simulate -q: the result without the event lines.
run_flow(out rc simulate ${example} -q --seed 3)
expect("simulate -q: exit ${rc}" ${rc} EQUAL 0)
expect_in("makespan" "${out}")
string(FIND "${out}" " start " at)
expect("simulate -q printed events: ${out}" ${at} EQUAL -1)
# run -q: the summary, no line per event; -v: each event's whole detail.
file(WRITE ${tmp}/plain/tasks.md "- [ ] T001 first\n- [ ] T002 second\n")
run_flow(out rc run ${tmp}/plain/tasks.md -q --progress plain --isolation none --agent-cmd true)
expect("run -q: exit ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("2 succeeded, 0 failed" "${out}")
string(FIND "${out}" "started" at)
expect("run -q printed events: ${out}" ${at} EQUAL -1)

# --runner and the dashboard's options, from the table like the rest.
run_flow(out rc run ${tmp}/plain/tasks.md --runner)
expect("run --runner (no value): exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: --runner needs a value (R)" "${out}")
run_flow(out rc run ${tmp}/plain/tasks.md --runner=cluster)
expect("run --runner=cluster: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: --runner takes local or slurm, not 'cluster'" "${out}")
# --dashboard's ADDR is optional: a tasks file after it stays the tasks file, an address
# is taken, and --dashboard=ADDR must be one.
file(WRITE ${tmp}/dash/tasks.md "- [ ] T001 first\n")
run_flow(out rc run --dashboard ${tmp}/dash/tasks.md --isolation none --agent-cmd true --progress plain)
expect("run --dashboard tasks.md: exit ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("flow run: dashboard at http://127.0.0.1:" "${out}")
expect_in("1 succeeded, 0 failed" "${out}")
file(WRITE ${tmp}/dash/tasks.md "- [ ] T001 first\n")
run_flow(out rc run --dashboard 127.0.0.1:0 ${tmp}/dash/tasks.md --isolation none --agent-cmd true --progress plain)
expect("run --dashboard ADDR tasks.md: exit ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("flow run: dashboard at http://127.0.0.1:" "${out}")
run_flow(out rc run ${tmp}/dash/tasks.md --dashboard=localhost:99999)
expect("run --dashboard=localhost:99999: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow run: --dashboard takes PORT, HOST:PORT or HOST, not 'localhost:99999'" "${out}")
run_flow(out rc help run)
expect_in("--dashboard [ADDR]" "${out}")
expect_in("--dashboard-read-only" "${out}")
expect_in("--runner R" "${out}")
# serve: several files, and its own options.
run_flow(out rc serve ${tmp}/dash/tasks.md --listen)
expect("serve --listen (no value): exit ${rc}" ${rc} EQUAL 2)
expect_in("flow serve: --listen needs a value (ADDR)" "${out}")
run_flow(out rc serve ${tmp}/dash/tasks.md ${tmp}/plain/tasks.md --listen=localhost:99999)
expect("serve --listen=localhost:99999: exit ${rc}" ${rc} EQUAL 2)
expect_in("flow serve: --listen takes PORT, HOST:PORT or HOST" "${out}")
run_flow(out rc serve --lisen 0)
expect_in("unknown option --lisen; did you mean --listen?" "${out}")

# One default worker count: plan and simulate plan for what run would use.
run_flow(out rc plan ${tmp}/plain/tasks.md)
expect_in("; 1 workers" "${out}")
file(WRITE ${tmp}/configured/tasks.md "- [ ] T001 first\n- [ ] T002 second\n")
file(WRITE ${tmp}/configured/.flow/config.yaml "implementer:\n  parallel:\n    maxWorkers: 5\n")
run_flow(out rc plan ${tmp}/configured/tasks.md)
expect_in("; 5 workers" "${out}")
run_flow(out rc simulate ${tmp}/configured/tasks.md --json)
string(JSON w GET "${out}" workers)
expect("simulate's default workers: ${w}" ${w} EQUAL 5)
run_flow(out rc run ${tmp}/configured/tasks.md --isolation none --agent-cmd true --progress plain)
expect_in("(5 workers)" "${out}")
run_flow(out rc plan ${tmp}/configured/tasks.md -j2)
expect_in("; 2 workers" "${out}")

# The tasks `flow simulate FILE --story ${story}` runs (done ones read as succeeded), against ${want}.
macro(stories_run file)
  run_flow(out rc simulate ${tmp}/stories/${file} --story ${story} --json)
  expect("simulate ${file} --story ${story}: exit ${rc}: ${out}" ${rc} EQUAL 0)
  string(JSON n LENGTH "${out}" tasks)
  set(got "")
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON st GET "${out}" tasks ${i} status)
    string(JSON id GET "${out}" tasks ${i} id)
    if(st STREQUAL "succeeded")
      list(APPEND got ${id})
    endif()
  endforeach()
  string(REPLACE ";" " " got "${got}")
  expect("simulate ${file} --story ${story} ran '${got}', expected '${want}'" "${got}" STREQUAL "${want}")
endmacro()

# --story: by label, prefixed labels being stories of their own (Arishay/fullstack-todo-app:
# `--story AUTH-US1` selected nothing, `--story US1` both AUTH-US1 and TASK-US1); a story
# no task is in is an error, not a run of nothing.
file(MAKE_DIRECTORY ${tmp}/stories)
file(WRITE ${tmp}/stories/tasks.md "## Phase 1: Setup\n- [X] T001 setup\n"
     "## Phase 2: User Story AUTH-US1 - Register\n- [ ] T002 [AUTH-US1] register\n"
     "## Phase 3: User Story TASK-US1 - Create\n- [ ] T003 [TASK-US1] create\n"
     "## Phase 4: User Story 2 - List\n- [ ] T004 [US2] list\n- [ ] T005 list more\n")
# (T001, done, reads as succeeded.)
foreach(case "AUTH-US1;T001 T002" "TASK-US1;T001 T003" "US2;T001 T004 T005")
  list(GET case 0 story)
  list(GET case 1 want)
  stories_run(tasks.md)
endforeach()
# By the phase too: a `User Story 1` phase's tasks labelled by layer ([BE-US1]) are US1's;
# an unlabelled task in a `User Story AUTH-US1` phase is AUTH-US1's, not US1's.
file(WRITE ${tmp}/stories/layers.md "## Phase 1: Setup\n- [X] T001 setup\n"
     "## Phase 2: User Story 1 - Browse\n- [ ] T002 [BE-US1] model\n- [ ] T003 [FE-US1] list\n"
     "## Phase 3: User Story AUTH-US1 - Register\n- [ ] T004 [P] contract test\n- [ ] T005 [AUTH-US1] service\n")
foreach(case "US1;T001 T002 T003" "BE-US1;T001 T002" "AUTH-US1;T001 T004 T005")
  list(GET case 0 story)
  list(GET case 1 want)
  stories_run(layers.md)
endforeach()
# A task for several stories (`[US1, US2]`, `[US2][US3]`, `[US3-US4]`) is in each: generacy's
# were in none, or in the last label's only.
file(WRITE ${tmp}/stories/several.md "## Phase 1: Setup\n- [X] T001 setup\n"
     "## Phase 2: Shared\n- [ ] T002 [P] [US1, US2] shared\n- [ ] T003 [P] [US2][US3] other\n"
     "- [ ] T004 [P] [US1] mine\n- [ ] T005 [P] [US3-US4] range\n")
foreach(case "US1;T001 T002 T004" "US2;T001 T002 T003" "US3;T001 T003 T005" "US4;T001 T005")
  list(GET case 0 story)
  list(GET case 1 want)
  stories_run(several.md)
endforeach()
foreach(cmd "simulate" "run;--dry-run;--isolation;none;--agent-cmd;true")
  run_flow(out rc ${cmd} ${tmp}/stories/tasks.md --story US1)
  expect("${cmd} --story US1 (no such story here): exit ${rc}: ${out}" ${rc} EQUAL 2)
  expect_in("no task is in story US1 (its stories: AUTH-US1, TASK-US1, US2)" "${out}")
endforeach()
file(REMOVE_RECURSE ${tmp})
message(STATUS "cli options: all spellings, errors and defaults pass")
