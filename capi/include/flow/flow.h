/* SPDX-License-Identifier: MIT */
/* flow's C ABI: parse a tasks.md, build its dependency graph, drive the scheduler,
 * decide about failures, simulate runs, and mark tasks in the file. The only
 * ABI-stable header of flow. C99.
 *
 * Out-parameters: a function that writes through a pointer resets what it points to
 * first thing (when that pointer is not NULL), before it checks its other arguments, so
 * a failing call never leaves a caller's variable uninitialised: a handle or string to
 * NULL, a number or count to 0, a task index to -1, a flow_decision to a "fail" with
 * NULL strings. A versioned struct (whose `version` the caller sets) is reset as its
 * _init() function would, once its version is known; an unknown version leaves it
 * untouched, since flow cannot know its size, as do the _init() functions themselves.
 * Arrays a caller passes with a capacity are written only on success. */
#ifndef FLOW_FLOW_H
#define FLOW_FLOW_H

#include <stddef.h> /* size_t */

#if defined(_WIN32) && !defined(FLOW_C_STATIC)
#  ifdef FLOW_C_BUILDING
#    define FLOW_CAPI __declspec(dllexport)
#  else
#    define FLOW_CAPI __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define FLOW_CAPI __attribute__((visibility("default")))
#else
#  define FLOW_CAPI
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ----------------------------------------------------------------- */

#define FLOW_ABI_VERSION 1 /* bumped only on an incompatible ABI change */

/** The ABI version of the library; compare with FLOW_ABI_VERSION. */
FLOW_CAPI int flow_abi_version(void);
/** The library's version, e.g. "0.1.0". Static; never NULL. */
FLOW_CAPI const char *flow_version_string(void);

/* ---- errors --------------------------------------------------------------------- */

/* Return codes: FLOW_OK or negative. Append-only; values never change. */
enum {
  FLOW_OK = 0,
  FLOW_ERROR = -1,     /* an unexpected failure; see flow_error_last() */
  FLOW_ENOMEM = -2,
  FLOW_EMISUSE = -3,   /* a NULL or out-of-range argument, a call in the wrong state */
  FLOW_EVERSION = -4,  /* an options struct of an unknown version */
  FLOW_EPARSE = -5,    /* the text has error-level diagnostics */
  FLOW_ECYCLE = -6,    /* the dependency graph has a cycle */
  FLOW_ECANCELED = -7,
  FLOW_EUSER = -8,     /* returned by a callback to abort; passed through */
  FLOW_EIO = -9,       /* reading or writing a file failed */
  FLOW_ENOTFOUND = -10,
  FLOW_ECONFLICT = -11 /* the file changed in a way that cannot be reconciled */
};

/** The last failure on this thread. */
typedef struct flow_error {
  int code;
  const char *message; /* one lower-case line */
  int line;            /* the input line it refers to, or 0 */
} flow_error;

/** The last error of a failing flow_* call on this thread. Never NULL; valid until the
 *  next failing call on the same thread. Success does not clear it: check return codes.
 *  Thread safety: thread-local. */
FLOW_CAPI const flow_error *flow_error_last(void);
/** A static description of any code. Never NULL. */
FLOW_CAPI const char *flow_strerror(int code);

/* ---- the document ----------------------------------------------------------------- */

/** A parsed tasks.md. Thread safety: immutable; share freely. */
typedef struct flow_plan flow_plan;

/** Parses tasks.md text (UTF-8; need not be NUL-terminated). On success *out is owned by
 *  the caller; release it with flow_plan_free(). Any text parses: problems become
 *  diagnostics. @return FLOW_OK, FLOW_ENOMEM or FLOW_EMISUSE. */
FLOW_CAPI int flow_plan_parse(flow_plan **out, const char *text, size_t len);
/** Reads and parses a file. @return FLOW_OK, FLOW_EIO, FLOW_ENOMEM or FLOW_EMISUSE. */
FLOW_CAPI int flow_plan_load(flow_plan **out, const char *path);
/** NULL is a no-op. Handles made from the plan keep it alive: free in any order. */
FLOW_CAPI void flow_plan_free(flow_plan *plan);

/* Task states and forms. */
enum { FLOW_TASK_PENDING = 0, FLOW_TASK_DONE = 1, FLOW_TASK_OTHER = 2 };
enum { FLOW_FORM_CHECKBOX = 0, FLOW_FORM_HEADING = 1, FLOW_FORM_BOLD_ITEM = 2, FLOW_FORM_UNNUMBERED = 3,
       FLOW_FORM_PARAGRAPH = 4, FLOW_FORM_STATUS_ROW = 5 };

/** One task. Strings are borrowed: valid until the plan is freed. */
typedef struct flow_task_info {
  const char *id;
  int line;
  int state;             /* FLOW_TASK_* */
  int form;              /* FLOW_FORM_* */
  int parallel;          /* [P] */
  int story;             /* n of [USn], 0 if none */
  const char *story_label; /* "US1", or "" */
  const char *priority;  /* "P1", or "" */
  const char *description;
  int phase;             /* index of its phase */
  size_t path_count;
  size_t label_count;
  size_t dependency_count;
} flow_task_info;

FLOW_CAPI size_t flow_plan_task_count(const flow_plan *plan);
/** @return FLOW_OK or FLOW_EMISUSE (NULL, or index out of range). */
FLOW_CAPI int flow_plan_task(flow_task_info *out, const flow_plan *plan, size_t index);
/** One task, in a versioned struct: set `version` first (FLOW_TASK_INFO_INIT or
 *  flow_task_info_init()); flow fills the fields that version has, so fields can be
 *  appended without breaking older callers. Version 1 is the unversioned flow_task_info
 *  above. Strings are borrowed: valid until the plan is freed. */
typedef struct flow_task_info_v2 {
  unsigned int version;  /* always first */
  const char *id;
  int line;
  int state;             /* FLOW_TASK_* */
  int form;              /* FLOW_FORM_* */
  int parallel;          /* [P] */
  int story;             /* n of [USn], 0 if none */
  const char *story_label; /* "US1", or "" */
  const char *priority;  /* "P1", or "" */
  const char *description;
  int phase;             /* index of its phase */
  size_t path_count;
  size_t label_count;
  size_t dependency_count;
} flow_task_info_v2;
#define FLOW_TASK_INFO_VERSION 2
#define FLOW_TASK_INFO_INIT { FLOW_TASK_INFO_VERSION, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0 }
/** Zeroes *out and sets its version. @return FLOW_OK, FLOW_EMISUSE or FLOW_EVERSION. */
FLOW_CAPI int flow_task_info_init(flow_task_info_v2 *out, unsigned int version);
/** The index-th task into *out, whose `version` the caller has set.
 *  @return FLOW_OK, FLOW_EVERSION or FLOW_EMISUSE (NULL, or index out of range). */
FLOW_CAPI int flow_plan_task_v2(flow_task_info_v2 *out, const flow_plan *plan, size_t index);
/** The i-th path of a task, relative to the repository root. Borrowed; NULL if out of range. */
FLOW_CAPI const char *flow_plan_task_path(const flow_plan *plan, size_t task, size_t i);
/** The i-th extra label of a task ("FR-001"). Borrowed; NULL if out of range. */
FLOW_CAPI const char *flow_plan_task_label(const flow_plan *plan, size_t task, size_t i);
/** The i-th other story a task names after its first (story_label): "US2" for
 *  `[US1, US2]`, `[US1][US2]` or `[US1-US2]`. Borrowed; NULL past the last. */
FLOW_CAPI const char *flow_plan_task_other_story(const flow_plan *plan, size_t task, size_t i);
/** The i-th dependency reference of a task as written: a range first..last (equal for one
 *  ID) and its line. @return FLOW_OK or FLOW_EMISUSE. */
FLOW_CAPI int flow_plan_task_dependency(const char **first, const char **last, int *line, const flow_plan *plan,
                                        size_t task, size_t i);

/* Phase kinds and diagnostic severities. */
enum { FLOW_PHASE_SETUP = 0, FLOW_PHASE_FOUNDATIONAL = 1, FLOW_PHASE_USER_STORY = 2, FLOW_PHASE_POLISH = 3,
       FLOW_PHASE_OTHER = 4 };
enum { FLOW_SEVERITY_INFO = 0, FLOW_SEVERITY_WARNING = 1, FLOW_SEVERITY_ERROR = 2 };

typedef struct flow_phase_info {
  const char *title;
  int line;
  int kind;  /* FLOW_PHASE_* */
  int story; /* user story number, 0 if none */
  const char *priority;
} flow_phase_info;

typedef struct flow_diagnostic {
  int severity; /* FLOW_SEVERITY_* */
  int line;
  const char *code; /* stable: "duplicate-id", "unknown-reference" … */
  const char *message;
} flow_diagnostic;

FLOW_CAPI size_t flow_plan_phase_count(const flow_plan *plan);
FLOW_CAPI int flow_plan_phase(flow_phase_info *out, const flow_plan *plan, size_t index);
/** A story phase's label as its tasks write it ("US1" for "User Story 1", "AUTH-US1" for
 *  "User Story AUTH-US1"); "" for another phase. Borrowed; NULL if out of range. */
FLOW_CAPI const char *flow_plan_phase_story_label(const flow_plan *plan, size_t index);
FLOW_CAPI size_t flow_plan_diagnostic_count(const flow_plan *plan);
FLOW_CAPI int flow_plan_diagnostic(flow_diagnostic *out, const flow_plan *plan, size_t index);

/* ---- the dependency graph ------------------------------------------------------- */

/** Thread safety: immutable once built. Keeps its plan alive. */
typedef struct flow_graph flow_graph;

typedef struct flow_graph_options {
  unsigned int version;  /* always first */
  int stories_parallel;  /* 1 (default): user-story phases run in parallel; 0: in sequence */
} flow_graph_options;
#define FLOW_GRAPH_OPTIONS_VERSION 1
#define FLOW_GRAPH_OPTIONS_INIT { FLOW_GRAPH_OPTIONS_VERSION, 1 }
/** Fills *opts with defaults. @return FLOW_OK, FLOW_EMISUSE or FLOW_EVERSION. */
FLOW_CAPI int flow_graph_options_init(flow_graph_options *opts, unsigned int version);

/** Builds the dependency graph of a plan (opts may be NULL). On a cycle returns
 *  FLOW_ECYCLE and flow_error_last() names every task on it with lines and reasons.
 *  @return FLOW_OK, FLOW_ECYCLE, FLOW_EVERSION, FLOW_ENOMEM or FLOW_EMISUSE. */
FLOW_CAPI int flow_graph_new(flow_graph **out, const flow_plan *plan, const flow_graph_options *opts);
FLOW_CAPI void flow_graph_free(flow_graph *graph); /* NULL is a no-op */

/* Edge rules. */
enum { FLOW_RULE_PHASE_ORDER = 0, FLOW_RULE_STORY_PHASE = 1, FLOW_RULE_GROUP_ORDER = 2, FLOW_RULE_SEQUENTIAL = 3,
       FLOW_RULE_PARALLEL_RUN = 4, FLOW_RULE_TASK_REF = 5, FLOW_RULE_HEADING_REF = 6, FLOW_RULE_STATEMENT = 7,
       FLOW_RULE_STORY_PROSE = 8 };

/** `from` finishes before `to` starts. Nodes below flow_graph_task_count() are tasks
 *  (plan indices); the others are gates standing for a whole phase or group. */
typedef struct flow_edge {
  int from;
  int to;
  int rule;          /* FLOW_RULE_* */
  int line;
  const char *words; /* borrowed, valid while the graph lives */
} flow_edge;

FLOW_CAPI size_t flow_graph_task_count(const flow_graph *graph);
FLOW_CAPI size_t flow_graph_node_count(const flow_graph *graph);
FLOW_CAPI size_t flow_graph_edge_count(const flow_graph *graph);
FLOW_CAPI int flow_graph_edge(flow_edge *out, const flow_graph *graph, size_t index);
/** The name of a gate node; NULL for a task or out of range. Borrowed. */
FLOW_CAPI const char *flow_graph_gate_name(const flow_graph *graph, int node);
/** The tasks `task` waits for, gates looked through. Writes at most `cap` into `out`
 *  and the full number into *count. @return FLOW_OK or FLOW_EMISUSE. */
FLOW_CAPI int flow_graph_task_predecessors(int *out, size_t cap, size_t *count, const flow_graph *graph, int task);
/** The wave of a task (1-based): tasks of one wave can run together. 0 if out of range. */
FLOW_CAPI int flow_graph_wave(const flow_graph *graph, int task);
/** The critical path under `durations` (one per task, each finite and >= 0). Writes at
 *  most `cap` tasks into `out`, the full count into *count and its length into *length.
 *  @return FLOW_OK or FLOW_EMISUSE (NULL, a count that is not the tasks', a duration that
 *  is NaN, infinite or negative). */
FLOW_CAPI int flow_graph_critical_path(int *out, size_t cap, size_t *count, double *length, const flow_graph *graph,
                                       const double *durations, size_t n);
/** max(critical path, work / workers) into *out; durations as for
 *  flow_graph_critical_path(). @return FLOW_OK or FLOW_EMISUSE (as there, or workers < 1). */
FLOW_CAPI int flow_graph_lower_bound(double *out, const flow_graph *graph, const double *durations, size_t n,
                                     int workers);

/* ---- the scheduler ------------------------------------------------------------ */

/** Decides which task may start next; the host passes time in. Keeps its graph alive.
 *  Thread safety: one thread at a time. */
typedef struct flow_scheduler flow_scheduler;

typedef struct flow_scheduler_options {
  unsigned int version;
  int workers;               /* >= 1 */
  int fail_fast;             /* after a failure start nothing new */
  const double *estimates;   /* one per task (finite, >= 0), or NULL: all equal */
  size_t estimate_count;
  const unsigned char *selected; /* one per task (1: run it), or NULL: all */
  size_t selected_count;
} flow_scheduler_options;
#define FLOW_SCHEDULER_OPTIONS_VERSION 1
#define FLOW_SCHEDULER_OPTIONS_INIT { FLOW_SCHEDULER_OPTIONS_VERSION, 1, 0, NULL, 0, NULL, 0 }
FLOW_CAPI int flow_scheduler_options_init(flow_scheduler_options *opts, unsigned int version);

/* Task statuses in a run. */
enum { FLOW_STATUS_WAITING = 0, FLOW_STATUS_READY = 1, FLOW_STATUS_RUNNING = 2, FLOW_STATUS_SUCCEEDED = 3,
       FLOW_STATUS_FAILED = 4, FLOW_STATUS_BLOCKED = 5, FLOW_STATUS_SKIPPED = 6, FLOW_STATUS_EXCLUDED = 7 };

/** The options are copied. @return FLOW_OK, FLOW_EVERSION, FLOW_ENOMEM or FLOW_EMISUSE
 *  (workers < 1, an estimate not finite or negative, a count that is not the tasks'). */
FLOW_CAPI int flow_scheduler_new(flow_scheduler **out, const flow_graph *graph, const flow_scheduler_options *opts);
FLOW_CAPI void flow_scheduler_free(flow_scheduler *scheduler); /* NULL is a no-op */
/** The best task that may start at `now`, marked running, into *task; -1 if none may.
 *  @return FLOW_OK or FLOW_EMISUSE (`now` is NaN or infinite). */
FLOW_CAPI int flow_scheduler_next(int *task, flow_scheduler *scheduler, double now);
/** How a running task ended: FLOW_STATUS_SUCCEEDED, _FAILED or _SKIPPED.
 *  @return FLOW_OK or FLOW_EMISUSE (not running, or another status). */
FLOW_CAPI int flow_scheduler_finish(flow_scheduler *scheduler, int task, int status);
/** Puts a running task back, to start no earlier than `not_before`.
 *  @return FLOW_OK or FLOW_EMISUSE (not running, or `not_before` is NaN or infinite). */
FLOW_CAPI int flow_scheduler_retry(flow_scheduler *scheduler, int task, double not_before);
/** 1 when nothing runs and nothing more can start, else 0. */
FLOW_CAPI int flow_scheduler_done(const flow_scheduler *scheduler);
/** FLOW_STATUS_* of a task, or FLOW_EMISUSE. */
FLOW_CAPI int flow_scheduler_status(const flow_scheduler *scheduler, int task);
/** For a blocked task, the task that blocks it (-1: the run was canceled). */
FLOW_CAPI int flow_scheduler_blocked_by(const flow_scheduler *scheduler, int task);
/** The earliest retry time after `now` into *out.
 *  @return FLOW_OK, FLOW_ENOTFOUND (no retry waits) or FLOW_EMISUSE (`now` is NaN or infinite). */
FLOW_CAPI int flow_scheduler_next_wake(double *out, const flow_scheduler *scheduler, double now);
/** No new task starts. Thread safety: one thread at a time, like the rest. */
FLOW_CAPI int flow_scheduler_cancel(flow_scheduler *scheduler);

/* ---- recovery policies -------------------------------------------------------- */

/* Failure classes. */
enum { FLOW_FAIL_NETWORK = 0, FLOW_FAIL_TIMEOUT = 1, FLOW_FAIL_RATE_LIMIT = 2, FLOW_FAIL_TEMPORARY = 3,
       FLOW_FAIL_AUTH = 4, FLOW_FAIL_CONFIG = 5, FLOW_FAIL_INVALID_INPUT = 6, FLOW_FAIL_REFUSED = 7,
       FLOW_FAIL_BUDGET = 8, FLOW_FAIL_VALIDATION = 9, FLOW_FAIL_CRASH = 10, FLOW_FAIL_CONFLICT = 11,
       FLOW_FAIL_UNKNOWN = 12, FLOW_FAIL_STALLED = 13, FLOW_FAIL_IO = 14 };
/* Decisions. */
enum { FLOW_DECIDE_RETRY = 0, FLOW_DECIDE_FAIL = 1, FLOW_DECIDE_SKIP = 2, FLOW_DECIDE_ABORT = 3 };

typedef struct flow_failure {
  int failure_class;   /* FLOW_FAIL_* */
  const char *agent;   /* may be NULL */
  double reset_at;     /* a rate limit's reset time, or < 0 for none; not NaN or +infinity */
  const char *message; /* may be NULL */
} flow_failure;

typedef struct flow_decision {
  int kind;            /* FLOW_DECIDE_* */
  double delay;        /* seconds before a retry; from a host policy, a NaN or infinite
                          delay is a decision flow cannot apply: the task fails */
  int feedback;        /* feed the failure to the next attempt */
  int rollback;        /* with ABORT: undo the run */
  const char *agent;   /* the next attempt's agent, "" for the same; borrowed */
  const char *strategy;
  const char *reason;  /* borrowed: valid until the next decision on the policy */
} flow_decision;

/** A decision in a versioned struct: version 1's fields (flow_decision), then what the
 *  recovery ladder adds. Set `version` first (FLOW_DECISION_INIT or flow_decision_init());
 *  fields are only appended. Strings flow fills are borrowed: valid until the next
 *  decision on the policy. A host policy (flow_decide_v2_cb) fills one for flow: its
 *  strings need only live until the callback returns (flow copies them). */
typedef struct flow_decision_v2 {
  unsigned int version;    /* always first: FLOW_DECISION_VERSION */
  int kind;                /* FLOW_DECIDE_* */
  double delay;            /* seconds before a retry */
  int feedback;            /* feed the failure to the next attempt */
  int rollback;            /* with ABORT: undo the run */
  const char *agent;       /* the next attempt's agent (one of the run's), "" or NULL: the same */
  const char *strategy;    /* with RETRY: "alternative", "simplified", "" or NULL: how the next
                              prompts change (docs/config.md, the recovery ladder) */
  const char *reason;      /* one line for the journal and the report */
  /* version 2 */
  const char *instruction; /* with RETRY: text put in the next prompts verbatim (at most
                              16 KiB), "" or NULL: none (a task keeps its earlier one) */
  int needs_attention;     /* with FAIL: the task's ladder ran out, a person's turn (the
                              run's "needs-attention" event; flow_run_retry() with a hint) */
} flow_decision_v2;
#define FLOW_DECISION_VERSION 2
#define FLOW_DECISION_INIT { FLOW_DECISION_VERSION, FLOW_DECIDE_FAIL, 0.0, 0, 0, NULL, NULL, NULL, NULL, 0 }
/** Sets *out to a "fail" decision of `version` (2). @return FLOW_OK, FLOW_EMISUSE or FLOW_EVERSION. */
FLOW_CAPI int flow_decision_init(flow_decision_v2 *out, unsigned int version);

/** Thread safety: one thread at a time. */
typedef struct flow_policy flow_policy;

/** One step of the recovery ladder (errorRecovery.fallback): from attempt `from_attempt`
 *  (>= 2) on, the next attempts use `agent` (NULL or "": the same), `strategy`
 *  ("alternative": the prompt says the previous approach failed, with its failure, and
 *  asks for another; "simplified": the smallest version that satisfies the task and its
 *  tests; NULL or "": none) and `instruction` (text added to the prompt verbatim; NULL:
 *  none). A later step overrides what it sets. The strings are copied. */
typedef struct flow_fallback_step {
  int from_attempt;
  const char *agent;
  const char *strategy;
  const char *instruction;
} flow_fallback_step;

/** Version 1 is the first eight fields; version 2 adds the fallback ladder. */
typedef struct flow_policy_options {
  unsigned int version;
  int auto_retry;             /* 1 */
  int max_retries;            /* 3 */
  double base_delay;          /* 1 s; finite and >= 0 */
  double max_delay;           /* 30 s; finite and >= 0 */
  double jitter;              /* 0.25: a delay is drawn from [d(1-jitter), d]; in [0, 1] */
  unsigned long long seed;
  int fail_fast;              /* a setup/foundational failure aborts with rollback */
  /* version 2 */
  const flow_fallback_step *fallback; /* fallback_count steps, or NULL */
  size_t fallback_count;
} flow_policy_options;
#define FLOW_POLICY_OPTIONS_VERSION 2
#define FLOW_POLICY_OPTIONS_INIT { FLOW_POLICY_OPTIONS_VERSION, 1, 3, 1.0, 30.0, 0.25, 0x5eedULL, 0, NULL, 0 }
/** Fills *opts with the defaults of `version` (1 or 2). */
FLOW_CAPI int flow_policy_options_init(flow_policy_options *opts, unsigned int version);

/** The stock policy (opts may be NULL for defaults). @return FLOW_OK, FLOW_EVERSION,
 *  FLOW_ENOMEM or FLOW_EMISUSE (max_retries < 0, a delay that is not finite or is
 *  negative, jitter outside [0, 1] or NaN, a fallback step flow does not know). */
FLOW_CAPI int flow_policy_new_stock(flow_policy **out, const flow_policy_options *opts);

/** A host's decision. Runs on the thread that called into flow, with no flow lock held.
 *  Fill *out (it arrives holding a "fail" decision) and return FLOW_OK, or return
 *  FLOW_EUSER to abort the operation that asked (it then returns FLOW_EUSER). */
typedef int (*flow_decide_cb)(flow_decision *out, const char *task_id, int attempt, const flow_failure *failure,
                              double now, void *payload);
/** A host's decision, with what the recovery ladder adds (a strategy, an instruction for
 *  the next prompts, needs-attention). *out arrives as a version-2 "fail" decision whose
 *  strings are "". Same rules as flow_decide_cb; a decision flow cannot apply (an unknown
 *  kind or strategy, a delay that is NaN or infinite, an instruction over 16 KiB) fails
 *  the task. */
typedef int (*flow_decide_v2_cb)(flow_decision_v2 *out, const char *task_id, int attempt,
                                 const flow_failure *failure, double now, void *payload);
/** A policy supplied by the host. */
typedef struct flow_policy_vtable {
  unsigned int version;
  flow_decide_cb decide;
  void (*free_payload)(void *payload); /* called once when the policy is freed; may be NULL */
  void *payload;                       /* handed to the callbacks; never dereferenced by flow */
} flow_policy_vtable;
#define FLOW_POLICY_VTABLE_VERSION 1
/** The vtable is copied; the payload must stay valid until free_payload is called. */
FLOW_CAPI int flow_policy_new_host(flow_policy **out, const flow_policy_vtable *vtable);
/** A policy supplied by the host that decides with the recovery ladder's fields
 *  (flow_decision_v2): flow_policy_vtable with a flow_decide_v2_cb. */
typedef struct flow_policy_vtable_v2 {
  unsigned int version;                /* always first: FLOW_POLICY_VTABLE_V2_VERSION */
  flow_decide_v2_cb decide;
  void (*free_payload)(void *payload); /* called once when the policy is freed; may be NULL */
  void *payload;                       /* handed to the callbacks; never dereferenced by flow */
} flow_policy_vtable_v2;
#define FLOW_POLICY_VTABLE_V2_VERSION 2
#define FLOW_POLICY_VTABLE_V2_INIT { FLOW_POLICY_VTABLE_V2_VERSION, NULL, NULL, NULL }
/** flow_policy_new_host() with a version-2 vtable, copied likewise.
 *  @return FLOW_OK, FLOW_EVERSION, FLOW_ENOMEM or FLOW_EMISUSE (no decide callback). */
FLOW_CAPI int flow_policy_new_host_v2(flow_policy **out, const flow_policy_vtable_v2 *vtable);
FLOW_CAPI void flow_policy_free(flow_policy *policy); /* NULL is a no-op */
/** Asks the policy about a failed attempt of task `task` of `plan` (1-based attempt).
 *  @return FLOW_OK, FLOW_EUSER (a host policy aborted) or FLOW_EMISUSE (NULL, a value out
 *  of range, `now` not finite, failure->reset_at NaN or +infinity). */
FLOW_CAPI int flow_policy_decide(flow_decision *out, flow_policy *policy, const flow_plan *plan, int task,
                                 int attempt, const flow_failure *failure, double now);
/** flow_policy_decide() into a versioned decision (set out->version first): the stock
 *  policy's strategy, instruction and agent from its ladder, and needs-attention when the
 *  ladder ran out. @return FLOW_OK, FLOW_EVERSION, FLOW_EUSER (a host policy aborted) or
 *  FLOW_EMISUSE. */
FLOW_CAPI int flow_policy_decide_v2(flow_decision_v2 *out, flow_policy *policy, const flow_plan *plan, int task,
                                    int attempt, const flow_failure *failure, double now);

/* ---- simulation ----------------------------------------------------------------- */

typedef struct flow_sim_options {
  unsigned int version;
  int workers;              /* >= 1 */
  unsigned long long seed;
  const double *durations;  /* one per task (finite, >= 0), or NULL: seeded lognormal around 300 s */
  size_t duration_count;
  const char *faults;       /* "T005=network*2,T010=auth", or NULL */
  int fail_fast;
} flow_sim_options;
#define FLOW_SIM_OPTIONS_VERSION 1
#define FLOW_SIM_OPTIONS_INIT { FLOW_SIM_OPTIONS_VERSION, 1, 1ULL, NULL, 0, NULL, 0 }
FLOW_CAPI int flow_sim_options_init(flow_sim_options *opts, unsigned int version);

typedef struct flow_sim_report {
  double makespan;
  double lower_bound;       /* max(critical path, work / workers) */
  double tight_lower_bound;
  double efficiency;        /* lower_bound / makespan */
  double busy;              /* worker-seconds running attempts */
  double idle;              /* worker-seconds with nothing to run */
  int attempts;
  int retries;
  int succeeded, failed, blocked, skipped;
} flow_sim_report;

/** Runs the scheduler and `policy` on a simulated clock (opts may be NULL: one worker).
 *  A host policy returning FLOW_EUSER stops the simulation, which returns FLOW_EUSER.
 *  @return FLOW_OK, FLOW_EUSER, FLOW_EPARSE (bad faults), FLOW_EVERSION or FLOW_EMISUSE
 *  (NULL, workers < 1, a duration count that is not the tasks', a duration that is NaN,
 *  infinite or negative). */
FLOW_CAPI int flow_simulate(flow_sim_report *out, const flow_graph *graph, const flow_sim_options *opts,
                            flow_policy *policy);

/** A simulation's outcome in a versioned struct: set `version` first
 *  (FLOW_SIM_REPORT_INIT or flow_sim_report_init()); flow fills what that version has.
 *  Version 1 is the unversioned flow_sim_report. */
typedef struct flow_sim_report_v2 {
  unsigned int version;     /* always first */
  double makespan;
  double lower_bound;
  double tight_lower_bound;
  double efficiency;
  double busy;
  double idle;
  int attempts;
  int retries;
  int succeeded, failed, blocked, skipped;
} flow_sim_report_v2;
#define FLOW_SIM_REPORT_VERSION 2
#define FLOW_SIM_REPORT_INIT { FLOW_SIM_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
FLOW_CAPI int flow_sim_report_init(flow_sim_report_v2 *out, unsigned int version);
/** flow_simulate() into a versioned report. Same codes, plus FLOW_EVERSION. */
FLOW_CAPI int flow_simulate_v2(flow_sim_report_v2 *out, const flow_graph *graph, const flow_sim_options *opts,
                               flow_policy *policy);

/* ---- running for real ------------------------------------------------------------- */

/** A run of a tasks.md with an agent, for hosts that want flow to do everything: the
 *  processes, the marks in the file, the journal. Keeps its policy alive.
 *  Thread safety: one thread at a time, except flow_run_cancel(), which any thread may
 *  call (a signal handler too). */
typedef struct flow_run flow_run;

/** What `flow run` can be told, for a host. Version 1 (the first eight fields) runs
 *  exactly what it names: no settings file, no detected gates, the command agent. Version
 *  2 runs like `flow run`: the settings file (.flow/config.yaml: gates, hooks, retries,
 *  agents' settings …) applies under the fields set here, and validation gates are
 *  detected when none is configured (docs/config.md). Version 3 adds the agent's
 *  instructions, arguments and stall timeout, the runner (local or Slurm) and the cost
 *  budget; a field left at its FLOW_RUN_OPTIONS_INIT value takes the settings file's. */
typedef struct flow_run_options {
  unsigned int version;
  const char *tasks_path;     /* required */
  const char *agent_command;  /* the agent template, split like `flow run --agent-cmd` */
  const char *workdir;        /* NULL: the nearest folder above tasks.md with .git */
  int workers;                /* v1: >= 1. v2: 0 takes the settings file's, else 1 */
  double task_timeout;        /* seconds per attempt; 0: none. v2: < 0 takes the settings file's. Finite */
  int fail_fast;
  int dry_run;                /* write the prompts, run nothing */
  /* version 2 */
  const char *agent;          /* "claude", "codex", "gemini", "qwen", "opencode", "copilot",
                                 "cursor", "amp", "aider", "command", or NULL: the command if
                                 one is set (here or in the settings), else Claude Code when it
                                 is on PATH. A CLI that is not installed (or Amp without
                                 AMP_API_KEY) is FLOW_ENOTFOUND at execute */
  const char *model;          /* the agent's model, or NULL: the settings' */
  int max_turns;              /* turn limit where the CLI has one (Claude, Qwen); < 0: the settings' */
  const char *isolation;      /* "auto" (NULL), "git" or "none" (`flow run --isolation`) */
  int allow_dirty;            /* `--allow-dirty` */
  int retries;                /* retries per task (stock policy only); < 0: the settings', else 3 */
  const char *config_path;    /* NULL: <workdir>/.flow/config.yaml when it exists; "": none */
  const char *events_path;    /* NULL: none; else every event as a JSON line (docs/events.md) */
  const unsigned char *selected; /* one per task of the plan (1: run it), or NULL: all */
  size_t selected_count;
  /* version 3 */
  const char *append_instructions; /* added to the agent's instructions (its own flag where it has
                                      one, else the prompt); NULL: the settings' */
  const char *const *extra_args;   /* more arguments for the agent CLI, after the settings' args */
  size_t extra_args_count;
  double stall_timeout;       /* seconds with no output and no file change that end an attempt
                                 as `stalled`; 0: no watch; < 0: the settings' (default 900) */
  const char *runner;         /* "local" or "slurm"; NULL: the settings' runner.kind, else local */
  const char *slurm_partition;  /* NULL: the settings' runner.partition */
  const char *slurm_account;    /* NULL: the settings' runner.account */
  const char *slurm_time_limit; /* Slurm's --time ("1:00:00"); NULL: the settings' runner.timeLimit */
  double max_cost_usd;        /* budget.maxCostUsd: once the agents' reported cost reaches it,
                                 nothing new starts (event "budget-reached"); 0: none; < 0: the
                                 settings' */
  double max_task_cost_usd;   /* budget.maxTaskCostUsd: a task that has cost this is not
                                 retried; 0: none; < 0: the settings' */
} flow_run_options;
#define FLOW_RUN_OPTIONS_VERSION 3
#define FLOW_RUN_OPTIONS_INIT { FLOW_RUN_OPTIONS_VERSION, NULL, NULL, NULL, 0, -1.0, 0, 0, \
                                NULL, NULL, -1, NULL, 0, -1, NULL, NULL, NULL, 0, \
                                NULL, NULL, 0, -1.0, NULL, NULL, NULL, NULL, -1.0, -1.0 }
/** Fills *opts with the defaults of `version` (1, 2 or 3): a caller built against an
 *  older header passes its FLOW_RUN_OPTIONS_VERSION and gets only the fields it has
 *  written. @return FLOW_OK, FLOW_EVERSION or FLOW_EMISUSE. */
FLOW_CAPI int flow_run_options_init(flow_run_options *opts, unsigned int version);

/** One event of a run (docs/events.md). Pointers are valid during the callback only. */
typedef struct flow_run_event {
  const char *kind;    /* "started", "succeeded", "failed", "retry", "marked", "needs-attention" (a task
                          whose recovery ladder ran out: a person's turn), "control", … */
  double time;         /* seconds since the run started */
  int task;            /* plan index, or -1 */
  const char *task_id; /* "" for run-level events */
  int attempt;
  const char *detail;
} flow_run_event;

/** Runs on the flow_run_execute() thread. Return FLOW_OK, or FLOW_EUSER to stop the run
 *  (running attempts are killed; flow_run_execute then returns FLOW_EUSER). */
typedef int (*flow_run_event_cb)(const flow_run_event *event, void *payload);

typedef struct flow_run_report {
  int succeeded, failed, blocked, skipped, retries;
  int interrupted;     /* canceled before the end */
  double wall;         /* seconds */
} flow_run_report;

/** One event of a run in a versioned struct (docs/events.md). flow sets `version` to the
 *  version it fills; fields are only appended, so read those your version has. Pointers
 *  are valid during the callback only. Besides the events, a "tick" (task -1, no detail)
 *  comes at least every quarter second while the run waits, so that a host gets control
 *  back (to notice Ctrl-C, a timeout of its own …); it is not an event of the run. */
typedef struct flow_run_event_v2 {
  unsigned int version; /* always first */
  const char *kind;
  double time;
  int task;             /* plan index, or -1 */
  const char *task_id;  /* "" for run-level events */
  int attempt;
  const char *detail;
  int line;             /* the task's line in tasks.md, or 0 */
} flow_run_event_v2;
#define FLOW_RUN_EVENT_VERSION 2

/** Runs on the flow_run_execute() thread. Return FLOW_OK, or FLOW_EUSER to stop the run
 *  (running attempts are killed; execute then returns FLOW_EUSER). flow_run_cancel() is
 *  callback-safe. */
typedef int (*flow_run_event_v2_cb)(const flow_run_event_v2 *event, void *payload);

/** A run's outcome in a versioned struct: set `version` first (FLOW_RUN_REPORT_INIT or
 *  flow_run_report_init()); flow fills the fields that version has. Version 1 is the
 *  unversioned flow_run_report. Strings are borrowed: valid until the next execute or
 *  flow_run_free(). */
typedef struct flow_run_report_v2 {
  unsigned int version;  /* always first */
  int succeeded, failed, blocked, skipped, retries;
  int interrupted;       /* canceled before the end */
  double wall;           /* seconds */
  int workers;
  double busy;           /* worker-seconds spent in attempts */
  double cost_usd;       /* as the agents reported it */
  const char *run_id;
  const char *journal_path;
  const char *isolation;      /* "git" or "none", as the run went */
  const char *branch;         /* git: the integration branch, else "" */
  const char *checkpoint;     /* git: its commit when the run started, else "" */
  const char *rolled_back_to; /* git: set when a critical failure rolled the branch back */
} flow_run_report_v2;
#define FLOW_RUN_REPORT_VERSION 2
#define FLOW_RUN_REPORT_INIT { FLOW_RUN_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0.0, 0, 0.0, 0.0, NULL, NULL, NULL, NULL, NULL, NULL }
FLOW_CAPI int flow_run_report_init(flow_run_report_v2 *out, unsigned int version);

/** Version 3 of a run's outcome: version 2's fields, then how many of the failed tasks
 *  need attention (their recovery ladder ran out: retry them with a hint). Set `version`
 *  first (FLOW_RUN_REPORT_V3_INIT or flow_run_report_v3_init()). */
typedef struct flow_run_report_v3 {
  unsigned int version;  /* always first: FLOW_RUN_REPORT_V3_VERSION */
  int succeeded, failed, blocked, skipped, retries;
  int interrupted;
  double wall;
  int workers;
  double busy;
  double cost_usd;
  const char *run_id;
  const char *journal_path;
  const char *isolation;
  const char *branch;
  const char *checkpoint;
  const char *rolled_back_to;
  /* version 3 */
  int needs_attention;   /* of `failed`: a person's turn (flow_run_retry() with a hint) */
} flow_run_report_v3;
#define FLOW_RUN_REPORT_V3_VERSION 3
#define FLOW_RUN_REPORT_V3_INIT { FLOW_RUN_REPORT_V3_VERSION, 0, 0, 0, 0, 0, 0, 0.0, 0, 0.0, 0.0, NULL, NULL, NULL, NULL, \
                                  NULL, NULL, 0 }
/** Zeroes *out and sets its version (2 or 3). @return FLOW_OK, FLOW_EMISUSE or FLOW_EVERSION. */
FLOW_CAPI int flow_run_report_v3_init(flow_run_report_v3 *out, unsigned int version);

/** Version 4 of a run's outcome: version 3's fields, then the counts that put every task
 *  of the tasks.md in exactly one of succeeded, failed, blocked, skipped, stopped,
 *  done_before and excluded, so that they add up to its tasks (an interrupted run's too).
 *  Set `version` first (FLOW_RUN_REPORT_V4_INIT or flow_run_report_v4_init()). */
typedef struct flow_run_report_v4 {
  unsigned int version;  /* always first: FLOW_RUN_REPORT_V4_VERSION */
  int succeeded, failed, blocked, skipped, retries;
  int interrupted;
  double wall;
  int workers;
  double busy;
  double cost_usd;
  const char *run_id;
  const char *journal_path;
  const char *isolation;
  const char *branch;
  const char *checkpoint;
  const char *rolled_back_to;
  /* version 3 */
  int needs_attention;
  /* version 4 */
  int stopped;           /* their attempt was killed by the interrupt (a second flow_run_cancel()):
                            not marked, the next run runs them again */
  int done_before;       /* marked done before the run (in tasks.md, or in the journal for a task
                            without a checkbox) */
  int excluded;          /* not selected (flow_run_options.selected) */
} flow_run_report_v4;
#define FLOW_RUN_REPORT_V4_VERSION 4
#define FLOW_RUN_REPORT_V4_INIT { FLOW_RUN_REPORT_V4_VERSION, 0, 0, 0, 0, 0, 0, 0.0, 0, 0.0, 0.0, NULL, NULL, NULL, NULL, \
                                  NULL, NULL, 0, 0, 0, 0 }
/** Zeroes the fields of `version` (2, 3 or 4) in *out and sets its version.
 *  @return FLOW_OK, FLOW_EMISUSE or FLOW_EVERSION. */
FLOW_CAPI int flow_run_report_v4_init(flow_run_report_v4 *out, unsigned int version);

/** The options are copied; `policy` may be NULL (the stock policy) and is kept alive by
 *  the run; `cb` may be NULL. @return FLOW_OK, FLOW_EVERSION, FLOW_ENOMEM or FLOW_EMISUSE. */
FLOW_CAPI int flow_run_new(flow_run **out, const flow_run_options *opts, flow_policy *policy, flow_run_event_cb cb,
                           void *payload);
/** Runs until every task is done or cannot run, then fills *out. Blocks.
 *  @return FLOW_OK (whether or not tasks failed: see *out), FLOW_EPARSE, FLOW_ECYCLE,
 *  FLOW_EIO, FLOW_ECONFLICT (another run holds the lock), FLOW_EUSER or FLOW_EMISUSE. */
FLOW_CAPI int flow_run_execute(flow_run *run, flow_run_report *out);
/** flow_run_new() with the versioned event callback. Version 2 options apply the
 *  settings file then: a bad one is reported by flow_run_execute_v2() (FLOW_EPARSE with
 *  its line, or FLOW_EIO), as are an agent or gate program that is not on PATH
 *  (FLOW_ENOTFOUND). @return FLOW_OK, FLOW_EVERSION, FLOW_ENOMEM or FLOW_EMISUSE.
 *  @code
 *  flow_run_options o = FLOW_RUN_OPTIONS_INIT;
 *  o.tasks_path = "specs/001-x/tasks.md"; o.agent = "claude"; o.workers = 3;
 *  flow_run *run; flow_run_report_v2 rep = FLOW_RUN_REPORT_INIT;
 *  if (flow_run_new_v2(&run, &o, NULL, NULL, NULL) == FLOW_OK) flow_run_execute_v2(run, &rep);
 *  flow_run_free(run);
 *  @endcode */
FLOW_CAPI int flow_run_new_v2(flow_run **out, const flow_run_options *opts, flow_policy *policy,
                              flow_run_event_v2_cb cb, void *payload);
/** flow_run_execute() into a versioned report. Same codes, plus FLOW_EVERSION and
 *  FLOW_ENOTFOUND (an agent or gate program that is not on PATH). */
FLOW_CAPI int flow_run_execute_v2(flow_run *run, flow_run_report_v2 *out);
/** flow_run_execute() into a version 3 report (or a version 2 one: `out->version` says).
 *  Same codes as flow_run_execute_v2(). */
FLOW_CAPI int flow_run_execute_v3(flow_run *run, flow_run_report_v3 *out);
/** flow_run_execute() into a version 4 report (or a version 2 or 3 one: `out->version`
 *  says). Same codes as flow_run_execute_v2().
 *  @code
 *  flow_run_report_v4 rep = FLOW_RUN_REPORT_V4_INIT;
 *  if (flow_run_execute_v4(run, &rep) == FLOW_OK)
 *    printf("%d succeeded, %d stopped, %d done before, %d not selected\n", rep.succeeded, rep.stopped,
 *           rep.done_before, rep.excluded);
 *  @endcode */
FLOW_CAPI int flow_run_execute_v4(flow_run *run, flow_run_report_v4 *out);
/** First call: start nothing new; second: also kill what runs. Thread safety: any thread;
 *  a signal handler too. @return FLOW_OK or FLOW_EMISUSE (NULL). */
FLOW_CAPI int flow_run_cancel(flow_run *run);
/** Asks the run to retry task `task_id` (a failed one, typically one that needs
 *  attention, or one it blocks: then the failure behind it), and then what it blocked,
 *  with `hint` (NULL: none; at most 16 KiB) in the task's next prompts, verbatim. The
 *  run applies it where it polls, within a quarter second, journals it (`control`, with
 *  the hint) and reports a "control" event saying whether it applied; a retry of a task
 *  still on its ladder only adds the hint to its next attempt. Posted while no execute
 *  runs, it waits for the next one. Thread safety: any thread (an event callback too),
 *  during flow_run_execute*(). @return FLOW_OK, or FLOW_EMISUSE (NULL run or task_id, a
 *  hint too long). */
FLOW_CAPI int flow_run_retry(flow_run *run, const char *task_id, const char *hint);
FLOW_CAPI void flow_run_free(flow_run *run); /* NULL is a no-op */

/* ---- marks in the file ------------------------------------------------------------ */

/** Sets the marks of tasks (by line and ID) in the file at `path`, which held `original`
 *  when it was parsed, atomically (temporary file, fsync, rename). If the file changed
 *  meanwhile the changes are rebased by (ID, line text) or refused.
 *  @return FLOW_OK, FLOW_EIO, FLOW_ECONFLICT, FLOW_ENOTFOUND or FLOW_EMISUSE. */
FLOW_CAPI int flow_marks_set(const char *path, const char *original, size_t original_len, const int *lines,
                             const char *const *ids, const int *done, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* FLOW_FLOW_H */
