/* SPDX-License-Identifier: MIT */
/* The C ABI from C: parse, build the graph, drive the scheduler to completion with a
 * fake clock, errors, option versions, a host policy, simulation and marks. */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include <flow/flow.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

static const char *kText =
    "## Phase 1: Setup\n"
    "- [ ] T001 Create `src/app.py`\n"
    "- [ ] T002 [P] Add `src/a.py`\n"
    "- [ ] T003 [P] Add `src/b.py`\n"
    "## Phase 2: User Story 1\n"
    "- [ ] T004 [US1] Wire it in src/app.py (depends on T002, T003)\n";

/* An agent that writes the files its task names: one that changes nothing has not done
   a task that names files, and fails it (testing.requireChanges). */
static const char *kWritingAgent =
    "sh -c 'for f in $FLOW_TASK_FILES; do mkdir -p \"$(dirname \"$f\")\"; echo x >> \"$f\"; done'";

static int decide_calls = 0;
static int host_decide(flow_decision *out, const char *task_id, int attempt, const flow_failure *failure, double now,
                       void *payload) {
  (void)now;
  ++decide_calls;
  CHECK(strcmp((const char *)payload, "payload") == 0);
  CHECK(failure->failure_class == FLOW_FAIL_NETWORK);
  if (strcmp(task_id, "T003") == 0) return FLOW_EUSER;
  out->kind = attempt < 2 ? FLOW_DECIDE_RETRY : FLOW_DECIDE_SKIP;
  out->delay = 5;
  out->reason = "host says so";
  return FLOW_OK;
}
/* A host policy with the recovery ladder's fields: T001's first failure is retried with
 * the alternative strategy and an instruction of its own; anything else is given up on,
 * for a person (needs-attention). The instruction lives in a buffer that is overwritten
 * after the callback: flow must have copied it. */
static char host_instruction[64];
static int host_ladder_calls = 0;
static int host_ladder(flow_decision_v2 *out, const char *task_id, int attempt, const flow_failure *failure,
                       double now, void *payload) {
  (void)failure;
  (void)now;
  (void)payload;
  ++host_ladder_calls;
  CHECK(out->version == FLOW_DECISION_VERSION && out->kind == FLOW_DECIDE_FAIL && out->instruction != NULL &&
        out->needs_attention == 0);
  if (strcmp(task_id, "T001") == 0 && attempt == 1) {
    out->kind = FLOW_DECIDE_RETRY;
    out->strategy = "alternative";
    out->agent = "nosuch-agent"; /* not one of the run's: it stays on its agent, and says so */
    snprintf(host_instruction, sizeof host_instruction, "INSTR-C: write it with the standard library");
    out->instruction = host_instruction;
    out->reason = "host: another way";
    return FLOW_OK;
  }
  if (strcmp(task_id, "T004") == 0) {
    out->kind = FLOW_DECIDE_RETRY;
    out->strategy = "sideways"; /* not a strategy flow has: the task fails */
    return FLOW_OK;
  }
  out->needs_attention = 1;
  out->reason = "host: a person's turn";
  return FLOW_OK;
}
static int host_attention_events = 0;
static int count_attention(const flow_run_event_v2 *e, void *payload) {
  (void)payload;
  if (strcmp(e->kind, "needs-attention") == 0) {
    ++host_attention_events;
    CHECK(strcmp(e->task_id, "T003") == 0);
  }
  return FLOW_OK;
}

static int events_seen = 0, marked_seen = 0;
static int on_run_event(const flow_run_event *e, void *payload) {
  (void)payload;
  ++events_seen;
  if (strcmp(e->kind, "marked") == 0) ++marked_seen;
  return FLOW_OK;
}
static int stop_on_first_start(const flow_run_event *e, void *payload) {
  (void)payload;
  return strcmp(e->kind, "started") == 0 ? FLOW_EUSER : FLOW_OK;
}

/* The first flow_run_options layout, as a caller built against the first header has it,
 * followed by a canary that flow must not touch. */
typedef struct old_run_options {
  unsigned int version;
  const char *tasks_path, *agent_command, *workdir;
  int workers;
  double task_timeout;
  int fail_fast, dry_run;
} old_run_options;
typedef struct old_caller {
  old_run_options opts;
  unsigned int canary;
} old_caller;

/* The second layout (through selected_count), as a caller built against the second
 * header has it, followed by a canary that flow must not touch. */
typedef struct v2_caller {
  struct {
    unsigned int version;
    const char *tasks_path, *agent_command, *workdir;
    int workers;
    double task_timeout;
    int fail_fast, dry_run;
    const char *agent, *model;
    int max_turns;
    const char *isolation;
    int allow_dirty, retries;
    const char *config_path, *events_path;
    const unsigned char *selected;
    size_t selected_count;
  } opts;
  unsigned int canary;
} v2_caller;

static int read_all(const char *path, char *buf, size_t size) {
  size_t n;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  n = fread(buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose(f);
  return (int)n;
}

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  if (!fp) return;
  fputs(text, fp);
  fclose(fp);
}

static int v2_events = 0, v2_ticks = 0, v2_lines = 0;
/* Answers a task that needs attention with a hint, from the event callback, as a person
 * at a host's UI would. */
static int attention_seen = 0;
static int retry_with_hint(const flow_run_event_v2 *e, void *payload) {
  flow_run *const *run = (flow_run *const *)payload;
  if (strcmp(e->kind, "needs-attention") == 0) {
    ++attention_seen;
    if (attention_seen == 1) CHECK(flow_run_retry(*run, e->task_id, "HINT-C: read the spec") == FLOW_OK);
  }
  return FLOW_OK;
}
static int on_run_event_v2(const flow_run_event_v2 *e, void *payload) {
  (void)payload;
  CHECK(e->version >= 2);
  if (strcmp(e->kind, "tick") == 0) ++v2_ticks;
  else ++v2_events;
  if (e->task >= 0 && e->line > 0) ++v2_lines;
  return FLOW_OK;
}

static int count_lines(const char *path, const char *needle) {
  char line[4096];
  int n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  while (fgets(line, sizeof line, f))
    if (strstr(line, needle)) ++n;
  fclose(f);
  return n;
}

static int freed = 0;
static void free_payload(void *p) {
  (void)p;
  ++freed;
}

/* A version-2 host policy that retries after an infinite delay: a decision flow cannot
 * apply, so the task fails. */
static int host_infinite_delay(flow_decision_v2 *out, const char *task_id, int attempt, const flow_failure *failure,
                               double now, void *payload) {
  (void)task_id;
  (void)attempt;
  (void)failure;
  (void)now;
  (void)payload;
  out->kind = FLOW_DECIDE_RETRY;
  out->delay = INFINITY;
  return FLOW_OK;
}

/* Checks that the last error is FLOW_EMISUSE and that its message names `what`. */
static int misuse_names(const char *what) {
  return flow_error_last()->code == FLOW_EMISUSE && strstr(flow_error_last()->message, what) != NULL;
}

/* Recovery delays, jitter and the times a policy is asked at must be numbers: NaN and
 * infinities are refused with FLOW_EMISUSE and a message that names the field. */
static void check_policy_numbers(const flow_plan *plan) {
  const double bad[3] = {NAN, INFINITY, -INFINITY};
  size_t i;
  for (i = 0; i < 3; ++i) {
    flow_policy *p = NULL;
    flow_policy_options po = FLOW_POLICY_OPTIONS_INIT;
    po.base_delay = bad[i];
    CHECK(flow_policy_new_stock(&p, &po) == FLOW_EMISUSE && p == NULL && misuse_names("base_delay"));
    po.base_delay = 1;
    po.max_delay = bad[i];
    CHECK(flow_policy_new_stock(&p, &po) == FLOW_EMISUSE && p == NULL && misuse_names("max_delay"));
    po.max_delay = 30;
    po.jitter = bad[i];
    CHECK(flow_policy_new_stock(&p, &po) == FLOW_EMISUSE && p == NULL && misuse_names("jitter"));
  }
  {
    flow_policy *stock = NULL, *host = NULL;
    flow_policy_vtable_v2 vt = FLOW_POLICY_VTABLE_V2_INIT;
    flow_failure f = {FLOW_FAIL_RATE_LIMIT, "claude", -1, "slow down"};
    flow_decision d;
    flow_decision_v2 d2 = FLOW_DECISION_INIT;
    CHECK(flow_policy_new_stock(&stock, NULL) == FLOW_OK);
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, NAN) == FLOW_EMISUSE && misuse_names("now"));
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, INFINITY) == FLOW_EMISUSE && misuse_names("now"));
    f.reset_at = NAN;
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, 0) == FLOW_EMISUSE && misuse_names("reset_at"));
    f.reset_at = INFINITY;
    CHECK(flow_policy_decide_v2(&d2, stock, plan, 0, 1, &f, 0) == FLOW_EMISUSE && misuse_names("reset_at"));
    f.reset_at = 60;
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, 0) == FLOW_OK && d.kind == FLOW_DECIDE_RETRY);
    CHECK(isfinite(d.delay) && d.delay >= 60);
    vt.decide = host_infinite_delay;
    CHECK(flow_policy_new_host_v2(&host, &vt) == FLOW_OK);
    CHECK(flow_policy_decide_v2(&d2, host, plan, 0, 1, &f, 0) == FLOW_OK);
    CHECK(d2.kind == FLOW_DECIDE_FAIL && strstr(d2.reason, "invalid decision") != NULL);
    flow_policy_free(host);
    flow_policy_free(stock);
  }
}

/* The scheduler's times are numbers too: a NaN or infinite `now` or `not_before` is
 * refused with FLOW_EMISUSE naming the argument, the out-parameter reset first, and the
 * refused retry leaves the task running. */
static void check_scheduler_times(const flow_graph *graph) {
  const double bad[3] = {NAN, INFINITY, -INFINITY};
  size_t i;
  for (i = 0; i < 3; ++i) {
    flow_scheduler *s = NULL;
    int t = -1, none = 7;
    double wake = 5;
    CHECK(flow_scheduler_new(&s, graph, NULL) == FLOW_OK);
    CHECK(flow_scheduler_next(&none, s, bad[i]) == FLOW_EMISUSE && none == -1);
    CHECK(misuse_names("flow_scheduler_next: now"));
    CHECK(flow_scheduler_next(&t, s, 0) == FLOW_OK && t == 0);
    CHECK(flow_scheduler_retry(s, t, bad[i]) == FLOW_EMISUSE && misuse_names("flow_scheduler_retry: not_before"));
    CHECK(flow_scheduler_status(s, t) == FLOW_STATUS_RUNNING);
    CHECK(flow_scheduler_next_wake(&wake, s, bad[i]) == FLOW_EMISUSE && wake == 0);
    CHECK(misuse_names("flow_scheduler_next_wake: now"));
    flow_scheduler_free(s);
  }
}

/* A simulation needs a worker: 0 and negative counts are refused, as the scheduler's are. */
static void check_sim_workers(const flow_graph *graph, flow_policy *policy) {
  const int bad[2] = {0, -3};
  size_t i;
  for (i = 0; i < 2; ++i) {
    flow_sim_options so = FLOW_SIM_OPTIONS_INIT;
    flow_sim_report rep;
    flow_sim_report_v2 rep2 = FLOW_SIM_REPORT_INIT;
    so.workers = bad[i];
    CHECK(flow_simulate(&rep, graph, &so, policy) == FLOW_EMISUSE && misuse_names("workers"));
    CHECK(flow_simulate_v2(&rep2, graph, &so, policy) == FLOW_EMISUSE && misuse_names("workers"));
  }
}

/* Durations are finite and >= 0 wherever they come in: one NaN, infinity or negative
 * duration is FLOW_EMISUSE, and the message says which task's it is. */
static void check_durations(const flow_graph *graph, flow_policy *policy) {
  const double bad[4] = {NAN, INFINITY, -INFINITY, -1};
  size_t i;
  for (i = 0; i < 4; ++i) {
    double durations[4] = {1, 1, 1, 1};
    int path[4];
    size_t count = 0;
    double length = 0, bound = 0;
    flow_sim_options so = FLOW_SIM_OPTIONS_INIT;
    flow_sim_report rep;
    durations[2] = bad[i];
    CHECK(flow_graph_critical_path(path, 4, &count, &length, graph, durations, 4) == FLOW_EMISUSE);
    CHECK(misuse_names("task 2"));
    CHECK(flow_graph_lower_bound(&bound, graph, durations, 4, 2) == FLOW_EMISUSE && misuse_names("task 2"));
    so.durations = durations;
    so.duration_count = 4;
    CHECK(flow_simulate(&rep, graph, &so, policy) == FLOW_EMISUSE && misuse_names("task 2"));
  }
}

/* A failing call resets its out-parameters before it checks its other arguments, so a
 * caller who initialised nothing never reads garbage: handles and strings to NULL,
 * numbers to 0, a task index to -1, a decision to "fail", and a versioned struct to what
 * its _init() gives (its version kept, nothing past that version's fields written). */
static char junk;
static void check_outputs_reset(const flow_plan *plan) {
  void *garbage = &junk;
  const double durations[4] = {1, 1, 1, 1};
  {
    flow_plan *p = (flow_plan *)garbage;
    flow_graph *g = (flow_graph *)garbage;
    flow_scheduler *s = (flow_scheduler *)garbage;
    flow_policy *pol = (flow_policy *)garbage;
    flow_run *run = (flow_run *)garbage;
    flow_policy_options po = FLOW_POLICY_OPTIONS_INIT;
    CHECK(flow_plan_parse(&p, NULL, 5) == FLOW_EMISUSE && p == NULL);
    p = (flow_plan *)garbage;
    CHECK(flow_plan_load(&p, NULL) == FLOW_EMISUSE && p == NULL);
    CHECK(flow_graph_new(&g, NULL, NULL) == FLOW_EMISUSE && g == NULL);
    CHECK(flow_scheduler_new(&s, NULL, NULL) == FLOW_EMISUSE && s == NULL);
    po.max_retries = -1;
    CHECK(flow_policy_new_stock(&pol, &po) == FLOW_EMISUSE && pol == NULL);
    pol = (flow_policy *)garbage;
    CHECK(flow_policy_new_host(&pol, NULL) == FLOW_EMISUSE && pol == NULL);
    pol = (flow_policy *)garbage;
    CHECK(flow_policy_new_host_v2(&pol, NULL) == FLOW_EMISUSE && pol == NULL);
    CHECK(flow_run_new(&run, NULL, NULL, NULL, NULL) == FLOW_EMISUSE && run == NULL);
    run = (flow_run *)garbage;
    CHECK(flow_run_new_v2(&run, NULL, NULL, NULL, NULL) == FLOW_EMISUSE && run == NULL);
  }
  {
    flow_task_info info;
    flow_task_info_v2 info2;
    flow_phase_info phase;
    flow_diagnostic diag;
    flow_edge edge;
    const char *first = "x", *last = "x";
    int line = 7;
    memset(&info, 0x5a, sizeof info);
    CHECK(flow_plan_task(&info, NULL, 0) == FLOW_EMISUSE && info.id == NULL && info.line == 0);
    memset(&info2, 0x5a, sizeof info2);
    info2.version = FLOW_TASK_INFO_VERSION;
    CHECK(flow_plan_task_v2(&info2, plan, 99) == FLOW_EMISUSE);
    CHECK(info2.version == FLOW_TASK_INFO_VERSION && info2.id == NULL && info2.dependency_count == 0);
    CHECK(flow_plan_task_dependency(&first, &last, &line, NULL, 0, 0) == FLOW_EMISUSE);
    CHECK(first == NULL && last == NULL && line == 0);
    memset(&phase, 0x5a, sizeof phase);
    CHECK(flow_plan_phase(&phase, NULL, 0) == FLOW_EMISUSE && phase.title == NULL && phase.priority == NULL);
    memset(&diag, 0x5a, sizeof diag);
    CHECK(flow_plan_diagnostic(&diag, NULL, 0) == FLOW_EMISUSE && diag.code == NULL && diag.message == NULL);
    memset(&edge, 0x5a, sizeof edge);
    CHECK(flow_graph_edge(&edge, NULL, 0) == FLOW_EMISUSE && edge.words == NULL && edge.from == 0);
  }
  {
    int preds[4], task = 3;
    size_t count = 99;
    double length = 5, bound = 5, wake = 5;
    CHECK(flow_graph_task_predecessors(preds, 4, &count, NULL, 0) == FLOW_EMISUSE && count == 0);
    count = 99;
    CHECK(flow_graph_critical_path(preds, 4, &count, &length, NULL, durations, 4) == FLOW_EMISUSE);
    CHECK(count == 0 && length == 0);
    CHECK(flow_graph_lower_bound(&bound, NULL, durations, 4, 1) == FLOW_EMISUSE && bound == 0);
    CHECK(flow_scheduler_next(&task, NULL, 0) == FLOW_EMISUSE && task == -1);
    CHECK(flow_scheduler_next_wake(&wake, NULL, 0) == FLOW_EMISUSE && wake == 0);
  }
  {
    flow_failure f = {FLOW_FAIL_NETWORK, NULL, -1, NULL};
    flow_decision d;
    flow_decision_v2 d2;
    flow_sim_report rep;
    flow_sim_report_v2 rep2;
    flow_run_report rr;
    flow_run_report_v2 rr2;
    struct {
      flow_run_report_v3 report;
      int canary;
    } rr3;
    struct {
      flow_run_report_v4 report;
      int canary;
    } rr4;
    memset(&d, 0x5a, sizeof d);
    CHECK(flow_policy_decide(&d, NULL, plan, 0, 1, &f, 0) == FLOW_EMISUSE);
    CHECK(d.kind == FLOW_DECIDE_FAIL && d.delay == 0 && d.reason == NULL && d.agent == NULL);
    memset(&d2, 0x5a, sizeof d2);
    d2.version = FLOW_DECISION_VERSION;
    CHECK(flow_policy_decide_v2(&d2, NULL, plan, 0, 1, &f, 0) == FLOW_EMISUSE);
    CHECK(d2.version == FLOW_DECISION_VERSION && d2.kind == FLOW_DECIDE_FAIL && d2.reason == NULL &&
          d2.instruction == NULL && d2.needs_attention == 0);
    memset(&rep, 0x5a, sizeof rep);
    CHECK(flow_simulate(&rep, NULL, NULL, NULL) == FLOW_EMISUSE && rep.makespan == 0 && rep.attempts == 0);
    memset(&rep2, 0x5a, sizeof rep2);
    rep2.version = FLOW_SIM_REPORT_VERSION;
    CHECK(flow_simulate_v2(&rep2, NULL, NULL, NULL) == FLOW_EMISUSE);
    CHECK(rep2.version == FLOW_SIM_REPORT_VERSION && rep2.makespan == 0 && rep2.skipped == 0);
    memset(&rr, 0x5a, sizeof rr);
    CHECK(flow_run_execute(NULL, &rr) == FLOW_EMISUSE && rr.succeeded == 0 && rr.wall == 0);
    memset(&rr2, 0x5a, sizeof rr2);
    rr2.version = FLOW_RUN_REPORT_VERSION;
    CHECK(flow_run_execute_v2(NULL, &rr2) == FLOW_EMISUSE);
    CHECK(rr2.version == FLOW_RUN_REPORT_VERSION && rr2.run_id == NULL && rr2.rolled_back_to == NULL);
    memset(&rr3, 0x5a, sizeof rr3);
    rr3.report.version = FLOW_RUN_REPORT_V3_VERSION;
    CHECK(flow_run_execute_v3(NULL, &rr3.report) == FLOW_EMISUSE);
    CHECK(rr3.report.version == FLOW_RUN_REPORT_V3_VERSION && rr3.report.run_id == NULL &&
          rr3.report.needs_attention == 0 && rr3.canary == 0x5a5a5a5a);
    /* A version-2 report in a version-3 struct: what lies past version 2 is not the
     * caller's to lose. */
    memset(&rr3, 0x5a, sizeof rr3);
    rr3.report.version = FLOW_RUN_REPORT_VERSION;
    CHECK(flow_run_execute_v3(NULL, &rr3.report) == FLOW_EMISUSE);
    CHECK(rr3.report.version == FLOW_RUN_REPORT_VERSION && rr3.report.journal_path == NULL &&
          rr3.report.needs_attention == 0x5a5a5a5a);
    memset(&rr4, 0x5a, sizeof rr4);
    rr4.report.version = FLOW_RUN_REPORT_V4_VERSION;
    CHECK(flow_run_execute_v4(NULL, &rr4.report) == FLOW_EMISUSE);
    CHECK(rr4.report.version == FLOW_RUN_REPORT_V4_VERSION && rr4.report.run_id == NULL &&
          rr4.report.needs_attention == 0 && rr4.report.stopped == 0 && rr4.report.excluded == 0 &&
          rr4.canary == 0x5a5a5a5a);
  }
}

/* Cancels the run twice when T003 starts, as two Ctrl-C would: nothing new starts and
 * T003's attempt is killed before it ends. */
static int cancel_twice_at_t003(const flow_run_event_v2 *e, void *payload) {
  flow_run *const *run = (flow_run *const *)payload;
  if (strcmp(e->kind, "started") == 0 && strcmp(e->task_id, "T003") == 0) {
    CHECK(flow_run_cancel(*run) == FLOW_OK);
    CHECK(flow_run_cancel(*run) == FLOW_OK);
  }
  return FLOW_OK;
}

/* A version-4 report puts every task of the file in exactly one count: T001 was done
 * before the run, T002 succeeds, T003 hangs and is stopped by the interrupt, T004 is
 * not selected and T005, which waits for T003, is blocked. Versions 2 and 3 of the
 * report, in the same call, get only their own fields. */
/* `dir`, made a git repository with no commit: the run's work dir (not the repository
 * around the build tree), where tasks run in place. */
static int init_repo(const char *dir) {
  char cmd[4200];
  mkdir(dir, 0755);
  snprintf(cmd, sizeof cmd, "git init -q '%s'", dir);
  return system(cmd) == 0;
}

static void check_report_counts(const char *tmpdir, const char *agents) {
  static const char *text =
      "## Phase 1: Setup\n"
      "- [X] T001 Create `src/app.py`\n"
      "- [ ] T002 Add `src/a.py`\n"
      "- [ ] T003 Add `src/b.py`\n"
      "## Phase 2: User Story 1\n"
      "- [ ] T004 [US1] Add `src/c.py`\n"
      "- [ ] T005 [US1] Wire it in src/app.py (depends on T003)\n";
  const unsigned char selected[5] = {1, 1, 1, 0, 1};
  char repo[4200], tasks[4300], agent[4400];
  flow_run *run = NULL;
  flow_run_options o = FLOW_RUN_OPTIONS_INIT;
  flow_run_report_v4 r4 = FLOW_RUN_REPORT_V4_INIT;
  struct {
    flow_run_report_v4 report;
    int canary;
  } r3;
  snprintf(repo, sizeof repo, "%s/capi-counts", tmpdir);
  snprintf(tasks, sizeof tasks, "%s/tasks.md", repo);
  snprintf(agent, sizeof agent, "%s/test-agent.sh", agents);
  CHECK(init_repo(repo));
  write_text(tasks, text);
  setenv("TEST_AGENT_PLAN", "T003:hang", 1);
  o.tasks_path = tasks;
  o.agent_command = agent;
  o.workers = 1;
  o.isolation = "none";
  o.config_path = "";
  o.selected = selected;
  o.selected_count = 5;
  CHECK(r4.version == FLOW_RUN_REPORT_V4_VERSION && r4.stopped == 0 && r4.done_before == 0 && r4.excluded == 0);
  CHECK(flow_run_new_v2(&run, &o, NULL, cancel_twice_at_t003, &run) == FLOW_OK);
  CHECK(flow_run_execute_v4(run, &r4) == FLOW_OK);
  CHECK(r4.version == FLOW_RUN_REPORT_V4_VERSION && r4.interrupted == 1);
  CHECK(r4.succeeded == 1 && r4.failed == 0 && r4.blocked == 1 && r4.skipped == 0);
  CHECK(r4.stopped == 1 && r4.done_before == 1 && r4.excluded == 1);
  CHECK(r4.succeeded + r4.failed + r4.blocked + r4.skipped + r4.stopped + r4.done_before + r4.excluded == 5);
  CHECK(r4.run_id && r4.run_id[0] && strcmp(r4.isolation, "none") == 0);
  flow_run_free(run);

  /* A version-3 report in a version-4 struct: the same run counts, nothing past
   * needs_attention written. */
  write_text(tasks, text);
  memset(&r3, 0x5a, sizeof r3);
  r3.report.version = FLOW_RUN_REPORT_V3_VERSION;
  CHECK(flow_run_new_v2(&run, &o, NULL, cancel_twice_at_t003, &run) == FLOW_OK);
  CHECK(flow_run_execute_v4(run, &r3.report) == FLOW_OK);
  CHECK(r3.report.version == FLOW_RUN_REPORT_V3_VERSION && r3.report.succeeded == 1 && r3.report.blocked == 1);
  CHECK(r3.report.interrupted == 1 && r3.report.needs_attention == 0);
  CHECK(r3.report.stopped == 0x5a5a5a5a && r3.report.done_before == 0x5a5a5a5a && r3.report.excluded == 0x5a5a5a5a);
  CHECK(r3.canary == 0x5a5a5a5a);
  flow_run_free(run);
  unsetenv("TEST_AGENT_PLAN");

  CHECK(flow_run_report_v4_init(&r4, FLOW_RUN_REPORT_V4_VERSION) == FLOW_OK && r4.stopped == 0 && r4.run_id == NULL);
  memset(&r3, 0x5a, sizeof r3);
  CHECK(flow_run_report_v4_init(&r3.report, FLOW_RUN_REPORT_VERSION) == FLOW_OK);
  CHECK(r3.report.version == FLOW_RUN_REPORT_VERSION && r3.report.rolled_back_to == NULL);
  CHECK(r3.report.needs_attention == 0x5a5a5a5a && r3.report.stopped == 0x5a5a5a5a);
  CHECK(flow_run_report_v4_init(&r4, 5) == FLOW_EVERSION && r4.version == FLOW_RUN_REPORT_V4_VERSION);
  r4.version = 1;
  CHECK(flow_run_execute_v4(NULL, &r4) == FLOW_EVERSION);
}

/* Every failing call sets the last error, flow_run_cancel(NULL) too: an earlier,
 * unrelated error must not be what flow_error_last() reports. Success leaves it alone. */
static void check_cancel_sets_the_last_error(void) {
  flow_plan *p = NULL;
  CHECK(flow_graph_new(NULL, NULL, NULL) == FLOW_EMISUSE && misuse_names("flow_graph_new"));
  CHECK(flow_run_cancel(NULL) == FLOW_EMISUSE && misuse_names("flow_run_cancel"));
  CHECK(flow_plan_parse(&p, "", 0) == FLOW_OK && misuse_names("flow_run_cancel"));
  flow_plan_free(p);
}

int main(int argc, char **argv) {
  const char *tmpdir = argc > 1 ? argv[1] : ".";
  flow_plan *plan = NULL;
  flow_graph *graph = NULL;
  flow_scheduler *sched = NULL;
  flow_task_info info;
  flow_edge edge;
  size_t i, count = 0;
  int preds[8];
  double now = 0;
  int started[4] = {0, 0, 0, 0};
  int order[4];
  int n_done = 0;

  CHECK(flow_abi_version() == FLOW_ABI_VERSION);
  CHECK(strlen(flow_version_string()) > 0);
  CHECK(strcmp(flow_strerror(FLOW_ECYCLE), "dependency cycle") == 0);
  CHECK(flow_strerror(12345) != NULL);

  /* Parse and read tasks. */
  CHECK(flow_plan_parse(&plan, kText, strlen(kText)) == FLOW_OK);
  CHECK(flow_plan_task_count(plan) == 4);
  CHECK(flow_plan_task(&info, plan, 3) == FLOW_OK);
  CHECK(strcmp(info.id, "T004") == 0);
  CHECK(info.line == 6);
  CHECK(info.state == FLOW_TASK_PENDING);
  CHECK(info.story == 1);
  CHECK(info.dependency_count == 2);
  CHECK(strcmp(flow_plan_task_path(plan, 3, 0), "src/app.py") == 0);
  CHECK(flow_plan_task_path(plan, 3, 1) == NULL);
  CHECK(flow_plan_task(&info, plan, 9) == FLOW_EMISUSE);
  CHECK(flow_error_last()->code == FLOW_EMISUSE);
  {
    flow_task_info_v2 info2 = FLOW_TASK_INFO_INIT;
    CHECK(flow_plan_task_v2(&info2, plan, 3) == FLOW_OK);
    CHECK(info2.version == FLOW_TASK_INFO_VERSION && strcmp(info2.id, "T004") == 0 && info2.line == 6);
    CHECK(info2.dependency_count == 2 && info2.story == 1);
    info2.version = 7;
    CHECK(flow_plan_task_v2(&info2, plan, 3) == FLOW_EVERSION);
    CHECK(flow_task_info_init(&info2, FLOW_TASK_INFO_VERSION) == FLOW_OK && info2.id == NULL);
  }
  CHECK(flow_plan_phase_count(plan) == 2);
  CHECK(strcmp(flow_plan_phase_story_label(plan, 0), "") == 0);
  CHECK(strcmp(flow_plan_phase_story_label(plan, 1), "US1") == 0);
  CHECK(flow_plan_phase_story_label(plan, 2) == NULL && flow_plan_phase_story_label(NULL, 0) == NULL);
  CHECK(flow_plan_task_other_story(plan, 3, 0) == NULL && flow_plan_task_other_story(NULL, 0, 0) == NULL);
  {
    /* A task for several stories: its first is story_label, the others one by one. */
    static const char kSeveral[] = "- [ ] T001 [US1, US3] shared\n- [ ] T002 [US2][US4] other\n";
    flow_plan *several = NULL;
    CHECK(flow_plan_parse(&several, kSeveral, strlen(kSeveral)) == FLOW_OK);
    CHECK(flow_plan_task(&info, several, 0) == FLOW_OK && strcmp(info.story_label, "US1") == 0 && info.story == 1);
    CHECK(strcmp(flow_plan_task_other_story(several, 0, 0), "US3") == 0);
    CHECK(flow_plan_task_other_story(several, 0, 1) == NULL);
    CHECK(strcmp(flow_plan_task_other_story(several, 1, 0), "US4") == 0);
    CHECK(flow_plan_task_other_story(several, 2, 0) == NULL);
    flow_plan_free(several);
  }

  /* Build the graph; T004 waits for T002 and T003 (and phase 1). */
  {
    flow_graph_options opts;
    CHECK(flow_graph_options_init(&opts, FLOW_GRAPH_OPTIONS_VERSION) == FLOW_OK);
    CHECK(flow_graph_options_init(&opts, 999) == FLOW_EVERSION);
    CHECK(flow_graph_new(&graph, plan, &opts) == FLOW_OK);
  }
  CHECK(flow_graph_task_count(graph) == 4);
  CHECK(flow_graph_edge_count(graph) > 0);
  CHECK(flow_graph_edge(&edge, graph, 0) == FLOW_OK);
  CHECK(flow_graph_task_predecessors(preds, 8, &count, graph, 3) == FLOW_OK);
  CHECK(count == 3);
  CHECK(flow_graph_wave(graph, 0) == 1);
  CHECK(flow_graph_wave(graph, 3) == 3);

  /* Free order never matters: the graph keeps the plan alive. */
  flow_plan_free(plan);
  plan = NULL;

  /* Drive the scheduler to completion on a fake clock (every task takes 1). */
  {
    flow_scheduler_options so;
    flow_scheduler_options_init(&so, FLOW_SCHEDULER_OPTIONS_VERSION);
    {
      /* Misuse the header names is refused, never a scheduler that loses tasks. */
      double bad[4] = {1, NAN, 1, 1};
      flow_scheduler *s2 = NULL;
      int t = -1;
      so.workers = 0;
      CHECK(flow_scheduler_new(&s2, graph, &so) == FLOW_EMISUSE && s2 == NULL);
      so.workers = 2;
      so.estimates = bad;
      so.estimate_count = 4;
      CHECK(flow_scheduler_new(&s2, graph, &so) == FLOW_EMISUSE && s2 == NULL);
      CHECK(strstr(flow_error_last()->message, "task 1") != NULL);
      so.estimates = NULL;
      so.estimate_count = 0;
      CHECK(flow_scheduler_new(&s2, graph, &so) == FLOW_OK);
      CHECK(flow_scheduler_next(&t, s2, NAN) == FLOW_EMISUSE);
      CHECK(flow_scheduler_next(&t, s2, 0) == FLOW_OK && t == 0);
      CHECK(flow_scheduler_retry(s2, t, NAN) == FLOW_EMISUSE);
      CHECK(flow_scheduler_status(s2, t) == FLOW_STATUS_RUNNING);
      flow_scheduler_free(s2);
    }
    so.workers = 2;
    CHECK(flow_scheduler_new(&sched, graph, &so) == FLOW_OK);
  }
  flow_graph_free(graph); /* the scheduler keeps it alive */
  graph = NULL;
  while (!flow_scheduler_done(sched)) {
    int t = -1, running[2], n = 0;
    while (flow_scheduler_next(&t, sched, now) == FLOW_OK && t >= 0) {
      CHECK(n < 2);
      running[n++] = t;
      started[t] = 1;
    }
    CHECK(n > 0);
    now += 1;
    for (i = 0; i < (size_t)n; ++i) {
      CHECK(flow_scheduler_finish(sched, running[i], FLOW_STATUS_SUCCEEDED) == FLOW_OK);
      order[n_done++] = running[i];
    }
  }
  CHECK(n_done == 4);
  CHECK(order[0] == 0);
  CHECK(order[3] == 3);
  CHECK(started[1] && started[2]);
  CHECK(flow_scheduler_status(sched, 3) == FLOW_STATUS_SUCCEEDED);
  CHECK(flow_scheduler_finish(sched, 3, FLOW_STATUS_SUCCEEDED) == FLOW_EMISUSE);
  flow_scheduler_free(sched);

  /* A cycle is FLOW_ECYCLE with the tasks named. */
  {
    const char *cyc = "- [ ] T001 [P] a (depends on T002)\n- [ ] T002 [P] b (depends on T001)\n";
    flow_plan *p = NULL;
    flow_graph *g = NULL;
    CHECK(flow_plan_parse(&p, cyc, strlen(cyc)) == FLOW_OK);
    CHECK(flow_graph_new(&g, p, NULL) == FLOW_ECYCLE);
    CHECK(g == NULL);
    CHECK(flow_error_last()->code == FLOW_ECYCLE);
    CHECK(strstr(flow_error_last()->message, "T001 (line 1)") != NULL);
    flow_plan_free(p);
  }

  /* The stock policy and a host policy; a host abort comes out as FLOW_EUSER. */
  {
    flow_policy *stock = NULL, *host = NULL;
    flow_policy_vtable vt = {FLOW_POLICY_VTABLE_VERSION, host_decide, free_payload, (void *)"payload"};
    flow_failure f = {FLOW_FAIL_NETWORK, "claude", -1, "connection refused"};
    flow_decision d;
    flow_sim_report rep;
    flow_sim_options so;
    CHECK(flow_plan_parse(&plan, kText, strlen(kText)) == FLOW_OK);
    CHECK(flow_graph_new(&graph, plan, NULL) == FLOW_OK);
    CHECK(flow_policy_new_stock(&stock, NULL) == FLOW_OK);
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, 0) == FLOW_OK);
    CHECK(d.kind == FLOW_DECIDE_RETRY);
    CHECK(d.delay > 0 && d.delay <= 1.0);
    f.failure_class = FLOW_FAIL_AUTH;
    CHECK(flow_policy_decide(&d, stock, plan, 0, 1, &f, 0) == FLOW_OK);
    CHECK(d.kind == FLOW_DECIDE_FAIL);
    CHECK(strstr(d.reason, "not retried") != NULL);

    CHECK(flow_policy_new_host(&host, &vt) == FLOW_OK);
    flow_sim_options_init(&so, FLOW_SIM_OPTIONS_VERSION);
    so.workers = 2;
    so.faults = "T002=network*2";
    CHECK(flow_simulate(&rep, graph, &so, host) == FLOW_OK);
    CHECK(rep.retries == 1);      /* attempt 1 retried, attempt 2 skipped */
    CHECK(rep.skipped == 1);
    CHECK(rep.succeeded == 3);
    {
      flow_sim_report_v2 rep2;
      CHECK(flow_sim_report_init(&rep2, FLOW_SIM_REPORT_VERSION) == FLOW_OK);
      CHECK(flow_simulate_v2(&rep2, graph, &so, stock) == FLOW_OK);
      CHECK(rep2.version == FLOW_SIM_REPORT_VERSION && rep2.makespan > 0 && rep2.attempts >= 4);
      rep2.version = 1;
      CHECK(flow_simulate_v2(&rep2, graph, &so, stock) == FLOW_EVERSION);
    }
    so.faults = "T003=network";
    CHECK(flow_simulate(&rep, graph, &so, host) == FLOW_EUSER);
    so.faults = "T003=bogus";
    CHECK(flow_simulate(&rep, graph, &so, stock) == FLOW_EPARSE);
    CHECK(decide_calls == 3);
    /* The recovery ladder (version 2 options): a strategy from attempt 2, another agent
     * and a simplified prompt from attempt 3; a version-1 struct still works. */
    {
      flow_policy *ladder = NULL;
      flow_policy_options po = FLOW_POLICY_OPTIONS_INIT;
      const flow_fallback_step steps[2] = {{2, NULL, "alternative", NULL}, {3, "codex", "simplified", "one file"}};
      const flow_fallback_step bad[1] = {{2, NULL, "sideways", NULL}};
      CHECK(po.version == 2 && po.fallback == NULL && po.fallback_count == 0);
      po.fallback = steps;
      po.fallback_count = 2;
      f.failure_class = FLOW_FAIL_NETWORK;
      CHECK(flow_policy_new_stock(&ladder, &po) == FLOW_OK);
      CHECK(flow_policy_decide(&d, ladder, plan, 0, 1, &f, 0) == FLOW_OK);
      CHECK(d.kind == FLOW_DECIDE_RETRY && strcmp(d.strategy, "alternative") == 0 && strcmp(d.agent, "") == 0);
      CHECK(flow_policy_decide(&d, ladder, plan, 0, 2, &f, 0) == FLOW_OK);
      CHECK(strcmp(d.strategy, "simplified") == 0 && strcmp(d.agent, "codex") == 0);
      /* The versioned decision: the instruction too, and needs-attention once the ladder
       * (three retries) has run out; an auth failure is nobody's puzzle. */
      {
        flow_decision_v2 d2 = FLOW_DECISION_INIT;
        CHECK(d2.version == FLOW_DECISION_VERSION && d2.kind == FLOW_DECIDE_FAIL);
        CHECK(flow_policy_decide_v2(&d2, ladder, plan, 0, 2, &f, 0) == FLOW_OK);
        CHECK(d2.version == 2 && d2.kind == FLOW_DECIDE_RETRY && strcmp(d2.strategy, "simplified") == 0);
        CHECK(strcmp(d2.agent, "codex") == 0 && strcmp(d2.instruction, "one file") == 0 && d2.needs_attention == 0);
        CHECK(flow_policy_decide_v2(&d2, ladder, plan, 0, 4, &f, 0) == FLOW_OK);
        CHECK(d2.kind == FLOW_DECIDE_FAIL && d2.needs_attention == 1 && strstr(d2.reason, "4 attempts") != NULL);
        f.failure_class = FLOW_FAIL_REFUSED;
        CHECK(flow_policy_decide_v2(&d2, ladder, plan, 0, 1, &f, 0) == FLOW_OK);
        CHECK(d2.kind == FLOW_DECIDE_FAIL && d2.needs_attention == 1);
        f.failure_class = FLOW_FAIL_AUTH;
        CHECK(flow_policy_decide_v2(&d2, ladder, plan, 0, 1, &f, 0) == FLOW_OK);
        CHECK(d2.kind == FLOW_DECIDE_FAIL && d2.needs_attention == 0 && strcmp(d2.instruction, "") == 0);
        f.failure_class = FLOW_FAIL_NETWORK;
        d2.version = 1;
        CHECK(flow_policy_decide_v2(&d2, ladder, plan, 0, 1, &f, 0) == FLOW_EVERSION);
        CHECK(flow_decision_init(&d2, 1) == FLOW_EVERSION);
        CHECK(flow_decision_init(&d2, FLOW_DECISION_VERSION) == FLOW_OK && d2.version == 2 && d2.kind == FLOW_DECIDE_FAIL);
        CHECK(flow_decision_init(NULL, FLOW_DECISION_VERSION) == FLOW_EMISUSE);
      }
      /* A host policy with the versioned decision, asked directly: its fields come back
       * as it set them (copied), and one flow cannot apply fails the task. */
      {
        flow_policy *hv2 = NULL;
        flow_policy_vtable_v2 vt2 = FLOW_POLICY_VTABLE_V2_INIT;
        flow_decision_v2 d2 = FLOW_DECISION_INIT;
        CHECK(flow_policy_new_host_v2(&hv2, &vt2) == FLOW_EMISUSE); /* no callback */
        vt2.decide = host_ladder;
        vt2.version = 1;
        CHECK(flow_policy_new_host_v2(&hv2, &vt2) == FLOW_EVERSION);
        vt2.version = FLOW_POLICY_VTABLE_V2_VERSION;
        CHECK(flow_policy_new_host_v2(&hv2, &vt2) == FLOW_OK);
        CHECK(flow_policy_decide_v2(&d2, hv2, plan, 0, 1, &f, 0) == FLOW_OK);
        host_instruction[0] = '\0';
        CHECK(d2.kind == FLOW_DECIDE_RETRY && strcmp(d2.strategy, "alternative") == 0 && strcmp(d2.agent, "nosuch-agent") == 0);
        CHECK(strcmp(d2.instruction, "INSTR-C: write it with the standard library") == 0);
        CHECK(flow_policy_decide_v2(&d2, hv2, plan, 2, 1, &f, 0) == FLOW_OK);
        CHECK(d2.kind == FLOW_DECIDE_FAIL && d2.needs_attention == 1 && strcmp(d2.reason, "host: a person's turn") == 0);
        CHECK(flow_policy_decide_v2(&d2, hv2, plan, 3, 1, &f, 0) == FLOW_OK);
        CHECK(d2.kind == FLOW_DECIDE_FAIL && strstr(d2.reason, "invalid decision") != NULL);
        flow_policy_free(hv2);
        host_ladder_calls = 0;
      }
      flow_policy_free(ladder);
      po.fallback = bad;
      po.fallback_count = 1;
      CHECK(flow_policy_new_stock(&ladder, &po) == FLOW_EMISUSE);
      CHECK(flow_policy_options_init(&po, 1) == FLOW_OK && po.version == 1 && po.max_retries == 3);
      CHECK(flow_policy_new_stock(&ladder, &po) == FLOW_OK);
      flow_policy_free(ladder);
    }
    check_policy_numbers(plan);
    check_scheduler_times(graph);
    check_sim_workers(graph, stock);
    check_durations(graph, stock);
    check_outputs_reset(plan);
    flow_policy_free(host);
    CHECK(freed == 1);
    flow_policy_free(stock);
    flow_graph_free(graph);
  }

  /* Marks in a real file: one byte changes, atomically. */
  {
    char path[4096];
    FILE *fp;
    char buf[512];
    size_t len;
    int line = 3;
    const char *id = "T002";
    int done = 1;
    snprintf(path, sizeof path, "%s/capi-tasks.md", tmpdir);
    fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (fp) {
      fputs(kText, fp);
      fclose(fp);
    }
    CHECK(flow_marks_set(path, kText, strlen(kText), &line, &id, &done, 1) == FLOW_OK);
    fp = fopen(path, "rb");
    len = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp) fclose(fp);
    buf[len] = '\0';
    CHECK(len == strlen(kText));
    CHECK(strstr(buf, "- [X] T002 [P] Add `src/a.py`") != NULL);
    line = 4;
    id = "T999";
    CHECK(flow_marks_set(path, buf, len, &line, &id, &done, 1) == FLOW_ENOTFOUND);
    remove(path);
  }
  flow_plan_free(plan);

  /* A whole run, by flow: processes, marks, journal; and a callback that stops it. */
  {
    char repo[4096], tasks[4200];
    FILE *fp;
    flow_run *run = NULL;
    flow_run_options ro;
    flow_run_report rr;
    snprintf(repo, sizeof repo, "%s/capi-run", tmpdir);
    snprintf(tasks, sizeof tasks, "%s/tasks.md", repo);
    CHECK(init_repo(repo));
    fp = fopen(tasks, "wb");
    if (fp) {
      fputs(kText, fp);
      fclose(fp);
    }
    CHECK(flow_run_options_init(&ro, FLOW_RUN_OPTIONS_VERSION) == FLOW_OK);
    ro.tasks_path = tasks;
    ro.agent_command = kWritingAgent;
    ro.workers = 2;
    CHECK(flow_run_new(&run, &ro, NULL, on_run_event, NULL) == FLOW_OK);
    CHECK(flow_run_execute(run, &rr) == FLOW_OK);
    CHECK(rr.succeeded == 4 && rr.failed == 0);
    CHECK(marked_seen == 4);
    CHECK(events_seen > 8);
    flow_run_free(run);

    fp = fopen(tasks, "wb");
    if (fp) {
      fputs(kText, fp);
      fclose(fp);
    }
    CHECK(flow_run_new(&run, &ro, NULL, stop_on_first_start, NULL) == FLOW_OK);
    CHECK(flow_run_execute(run, &rr) == FLOW_EUSER);
    flow_run_free(run);
    /* A timeout that is not a number of seconds is refused, not taken as "none". */
    {
      const double bad[3] = {NAN, INFINITY, -INFINITY};
      for (int i = 0; i < 3; ++i) {
        ro.task_timeout = bad[i];
        run = (flow_run *)&ro;
        CHECK(flow_run_new(&run, &ro, NULL, NULL, NULL) == FLOW_EMISUSE && run == NULL && misuse_names("task_timeout"));
      }
      ro.task_timeout = 0;
    }
    ro.tasks_path = NULL;
    CHECK(flow_run_new(&run, &ro, NULL, NULL, NULL) == FLOW_EMISUSE);

    /* A caller built against the first header: version 1, the short struct. */
    {
      old_caller old;
      old.canary = 0xC0FFEEu;
      CHECK(flow_run_options_init((flow_run_options *)&old.opts, 1) == FLOW_OK);
      CHECK(old.canary == 0xC0FFEEu && old.opts.version == 1 && old.opts.workers == 1);
      old.opts.tasks_path = tasks;
      old.opts.agent_command = kWritingAgent;
      fp = fopen(tasks, "wb");
      if (fp) {
        fputs(kText, fp);
        fclose(fp);
      }
      CHECK(flow_run_new(&run, (const flow_run_options *)&old.opts, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute(run, &rr) == FLOW_OK);
      CHECK(rr.succeeded == 4);
      flow_run_free(run);
    }

    /* Version 2: what `flow run` can set — the settings file, isolation, an events file,
     * a selection — and the versioned event and report. */
    {
      char flowdir[4300], config[4400], events[4400];
      flow_run_options o2 = FLOW_RUN_OPTIONS_INIT;
      flow_run_report_v2 r2 = FLOW_RUN_REPORT_INIT;
      const unsigned char only_two[4] = {1, 1, 0, 0};
      snprintf(flowdir, sizeof flowdir, "%s/.flow", repo);
      snprintf(config, sizeof config, "%s/.flow/config.yaml", repo);
      snprintf(events, sizeof events, "%s/events.jsonl", repo);
      mkdir(flowdir, 0755);
      fp = fopen(config, "wb");
      if (fp) {
        fputs("implementer:\n  parallel:\n    maxWorkers: 3\ntesting:\n  runTests: false\n", fp);
        fclose(fp);
      }
      fp = fopen(tasks, "wb");
      if (fp) {
        fputs(kText, fp);
        fclose(fp);
      }
      CHECK(o2.version == FLOW_RUN_OPTIONS_VERSION && o2.workers == 0 && o2.retries < 0);
      CHECK(o2.stall_timeout < 0 && o2.max_cost_usd < 0 && o2.max_task_cost_usd < 0 && o2.runner == NULL);
      o2.tasks_path = tasks;
      o2.agent_command = kWritingAgent;
      o2.isolation = "none";
      o2.events_path = events;
      o2.selected = only_two;
      o2.selected_count = 4;
      CHECK(flow_run_new_v2(&run, &o2, NULL, on_run_event_v2, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_OK);
      CHECK(r2.succeeded == 2);
      CHECK(r2.workers == 3); /* from the settings file */
      CHECK(r2.run_id && r2.run_id[0] && r2.journal_path && strstr(r2.journal_path, "implementation.log"));
      CHECK(r2.isolation && strcmp(r2.isolation, "none") == 0);
      CHECK(v2_events > 4 && v2_lines > 0);
      CHECK(count_lines(events, "\"schema\":\"flow-event/1\"") > 4);
      CHECK(count_lines(events, "\"kind\":\"tick\"") == 0);
      flow_run_free(run);

      /* Flags over the file: workers set here win. */
      o2.workers = 1;
      o2.selected = NULL;
      o2.selected_count = 0;
      o2.events_path = NULL;
      CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_OK);
      CHECK(r2.workers == 1 && r2.succeeded == 2);
      flow_run_free(run);

      /* A bad settings file is an error with its line; a report of an unknown version is refused. */
      fp = fopen(config, "wb");
      if (fp) {
        fputs("implementer:\n  parallel:\n    maxWorkers: many\n", fp);
        fclose(fp);
      }
      CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_EPARSE);
      CHECK(flow_error_last()->line == 3);
      r2.version = 99;
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_EVERSION);
      flow_run_free(run);
      o2.config_path = ""; /* none */
      r2.version = FLOW_RUN_REPORT_VERSION;
      CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_OK);
      flow_run_free(run);
      o2.isolation = "sideways";
      CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_EMISUSE);
      o2.isolation = NULL;
      o2.agent_command = "/nonexistent/agent";
      CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r2) == FLOW_ENOTFOUND);
      flow_run_free(run);
      /* needs-attention: counted in a version-3 report; flow_run_retry() with a hint
       * brings the task back in the same run, and what it blocked runs after it. */
      {
        flow_run_report_v3 r3 = FLOW_RUN_REPORT_V3_INIT;
        fp = fopen(config, "wb");
        if (fp) {
          fputs("errorRecovery:\n  maxRetries: 0\ntesting:\n  runTests: false\n", fp);
          fclose(fp);
        }
        o2.config_path = NULL;
        o2.workers = 1;
        o2.agent_command = "sh -c 'grep -q HINT-C \"$FLOW_PROMPT_FILE\" || [ \"$FLOW_TASK_ID\" != T001 ] || exit 1; "
                           "for f in $FLOW_TASK_FILES; do mkdir -p \"$(dirname \"$f\")\"; echo x >> \"$f\"; done'";
        fp = fopen(tasks, "wb");
        if (fp) {
          fputs(kText, fp);
          fclose(fp);
        }
        CHECK(flow_run_new_v2(&run, &o2, NULL, NULL, NULL) == FLOW_OK);
        CHECK(flow_run_execute_v3(run, &r3) == FLOW_OK);
        CHECK(r3.version == 3 && r3.failed == 1 && r3.needs_attention == 1 && r3.blocked == 3);
        flow_run_free(run);
        CHECK(flow_run_new_v2(&run, &o2, NULL, retry_with_hint, &run) == FLOW_OK);
        CHECK(flow_run_execute_v3(run, &r3) == FLOW_OK);
        CHECK(attention_seen == 1);
        CHECK(r3.succeeded == 4 && r3.failed == 0 && r3.needs_attention == 0);
        CHECK(flow_run_retry(run, NULL, NULL) == FLOW_EMISUSE);
        flow_run_free(run);
        CHECK(flow_run_report_v3_init(&r3, 2) == FLOW_OK && r3.version == 2);
        CHECK(flow_run_report_v3_init(&r3, 7) == FLOW_EVERSION);
      }
      /* A host policy's own ladder in a real run: T001 succeeds only when its prompt
       * carries the instruction the host gave on its retry; T003 always fails and the
       * host hands it to a person (needs-attention), which blocks T004. */
      {
        char prompt[4400], journal[4400], text[8192];
        flow_policy *hv2 = NULL;
        flow_policy_vtable_v2 vt2 = FLOW_POLICY_VTABLE_V2_INIT;
        flow_run_report_v3 r3 = FLOW_RUN_REPORT_V3_INIT;
        vt2.decide = host_ladder;
        CHECK(flow_policy_new_host_v2(&hv2, &vt2) == FLOW_OK);
        snprintf(journal, sizeof journal, "%s/.flow/implementation.log", repo);
        remove(journal); /* only this run's lines count below */
        write_text(config, "testing:\n  runTests: false\n");
        write_text(tasks, kText);
        o2.config_path = NULL;
        o2.workers = 1;
        o2.agent_command = "sh -c '[ \"$FLOW_TASK_ID\" != T003 ] || exit 1; [ \"$FLOW_TASK_ID\" != T001 ] || "
                           "grep -q INSTR-C \"$FLOW_PROMPT_FILE\" || exit 1; "
                           "for f in $FLOW_TASK_FILES; do mkdir -p \"$(dirname \"$f\")\"; echo x >> \"$f\"; done'";
        CHECK(flow_run_new_v2(&run, &o2, hv2, count_attention, NULL) == FLOW_OK);
        flow_policy_free(hv2); /* the run keeps it alive */
        CHECK(flow_run_execute_v3(run, &r3) == FLOW_OK);
        CHECK(r3.succeeded == 2 && r3.failed == 1 && r3.needs_attention == 1 && r3.blocked == 1 && r3.retries == 1);
        CHECK(host_attention_events == 1 && host_ladder_calls == 2);
        CHECK(r3.journal_path && strcmp(r3.journal_path, journal) == 0);
        snprintf(prompt, sizeof prompt, "%s/.flow/runs/%s/T001-0.2.prompt.md", repo, r3.run_id ? r3.run_id : "");
        CHECK(read_all(prompt, text, sizeof text) > 0);
        CHECK(strstr(text, "INSTR-C: write it with the standard library") != NULL);
        CHECK(strstr(text, "take a different one") != NULL);
        CHECK(count_lines(journal, "\"strategy\":\"alternative+instruction\"") == 1);
        CHECK(count_lines(journal, "\"event\":\"needs-attention\"") == 1);
        CHECK(count_lines(journal, "nosuch-agent is not an agent of this run") == 1);
        flow_run_free(run);
      }
      remove(config);
      remove(events);

      /* A caller built against the second header: version 2, its shorter struct. */
      {
        v2_caller old;
        old.canary = 0xC0FFEEu;
        CHECK(flow_run_options_init((flow_run_options *)&old.opts, 2) == FLOW_OK);
        CHECK(old.canary == 0xC0FFEEu && old.opts.version == 2 && old.opts.retries < 0);
        old.opts.tasks_path = tasks;
        old.opts.agent_command = kWritingAgent;
        old.opts.isolation = "none";
        old.opts.config_path = "";
        write_text(tasks, kText);
        CHECK(flow_run_new_v2(&run, (const flow_run_options *)&old.opts, NULL, NULL, NULL) == FLOW_OK);
        CHECK(flow_run_execute_v2(run, &r2) == FLOW_OK);
        CHECK(r2.succeeded == 4);
        flow_run_free(run);
      }
    }

    /* Version 3: any of the nine agents with its settings, the runner, the budget. A
     * stand-in for Aider (tests/agents/fake-aider.sh, run by flow's Aider adapter) costs
     * $0.05 an attempt; the budget of $0.10 stops the run after two tasks. */
    if (argc > 2) {
      char flowdir[4300], config[4400], events[4400], args[4400], text[8192], bin[4400], sbatch[4500], path[8192];
      char sbatch_args[4400], aider[4400];
      const char *extra[] = {"--no-git", "--map-tokens=0"};
      flow_run_options o3 = FLOW_RUN_OPTIONS_INIT;
      flow_run_report_v2 r3 = FLOW_RUN_REPORT_INIT;
      snprintf(flowdir, sizeof flowdir, "%s/.flow", repo);
      snprintf(config, sizeof config, "%s/.flow/config.yaml", repo);
      snprintf(events, sizeof events, "%s/events-v3.jsonl", repo);
      snprintf(args, sizeof args, "%s/aider-args.txt", tmpdir);
      snprintf(aider, sizeof aider, "%s/fake-aider.sh", argv[2]);
      mkdir(flowdir, 0755);
      snprintf(text, sizeof text, "testing:\n  runTests: false\nagents:\n  aider:\n    program: %s\n", aider);
      write_text(config, text);
      write_text(tasks, kText);
      remove(args);
      setenv("FAKE_AIDER_ARGS", args, 1);
      o3.tasks_path = tasks;
      o3.agent = "aider";
      o3.model = "m1";
      o3.extra_args = extra;
      o3.extra_args_count = 2;
      o3.workers = 1;
      o3.isolation = "none";
      o3.events_path = events;
      o3.max_cost_usd = 0.1;
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r3) == FLOW_OK);
      CHECK(r3.succeeded == 2 && r3.blocked == 2);
      CHECK(r3.cost_usd > 0.099 && r3.cost_usd < 0.101);
      CHECK(count_lines(events, "\"kind\":\"budget-reached\"") == 1);
      CHECK(count_lines(events, "\"kind\":\"cost\"") == 2);
      CHECK(read_all(args, text, sizeof text) > 0);
      CHECK(strstr(text, "--message-file") != NULL); /* the Aider adapter's argv */
      CHECK(strstr(text, "--model\nm1\n") != NULL);
      CHECK(strstr(text, "--no-git\n--map-tokens=0\n") != NULL);
      flow_run_free(run);
      unsetenv("FAKE_AIDER_ARGS");

      /* A CLI that is not installed is refused before anything starts, by name. */
      o3.agent = "amp";
      o3.max_cost_usd = -1;
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_OK);
      write_text(tasks, kText);
      CHECK(flow_run_execute_v2(run, &r3) == FLOW_ENOTFOUND);
      CHECK(strstr(flow_error_last()->message, "amp") != NULL);
      flow_run_free(run);
      o3.agent = "cobol";
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_EMISUSE);

      /* The runner: Slurm with its partition, account and time limit, as sbatch is asked
       * (a stand-in sbatch first on PATH records it and refuses the job). */
      snprintf(bin, sizeof bin, "%s/capi-bin", tmpdir);
      snprintf(sbatch, sizeof sbatch, "%s/sbatch", bin);
      snprintf(sbatch_args, sizeof sbatch_args, "%s/sbatch-args.txt", tmpdir);
      mkdir(bin, 0755);
      snprintf(text, sizeof text, "#!/bin/sh\nexec %s/fake-sbatch.sh \"$@\"\n", argv[2]);
      write_text(sbatch, text);
      chmod(sbatch, 0755);
      snprintf(path, sizeof path, "%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
      setenv("PATH", path, 1);
      setenv("FAKE_SBATCH_ARGS", sbatch_args, 1);
      remove(sbatch_args);
      o3.agent = "aider";
      o3.runner = "slurm";
      o3.slurm_partition = "p1";
      o3.slurm_account = "acct";
      o3.slurm_time_limit = "0:05:00";
      o3.retries = 0;
      write_text(tasks, kText);
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_OK);
      CHECK(flow_run_execute_v2(run, &r3) == FLOW_OK);
      CHECK(r3.failed >= 1 && r3.succeeded == 0);
      CHECK(read_all(sbatch_args, text, sizeof text) > 0);
      CHECK(strstr(text, "--partition=p1\n") && strstr(text, "--account=acct\n") && strstr(text, "--time=0:05:00\n"));
      flow_run_free(run);
      o3.runner = "cloud";
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_EMISUSE);
      o3.runner = NULL;
      o3.stall_timeout = 0.0 / 0.0;
      CHECK(flow_run_new_v2(&run, &o3, NULL, NULL, NULL) == FLOW_EMISUSE);
      remove(config);
      remove(events);
    }
    if (argc > 2) check_report_counts(tmpdir, argv[2]);
  }

  check_cancel_sets_the_last_error();

  /* Misuse is reported, never a crash. */
  CHECK(flow_plan_parse(NULL, "x", 1) == FLOW_EMISUSE);
  CHECK(flow_graph_new(NULL, NULL, NULL) == FLOW_EMISUSE);
  flow_plan_free(NULL);
  flow_graph_free(NULL);
  flow_scheduler_free(NULL);
  flow_policy_free(NULL);

  if (failures) fprintf(stderr, "%d checks failed\n", failures);
  else printf("capi_test: all checks passed\n");
  return failures ? 1 : 0;
}
