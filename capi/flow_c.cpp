// SPDX-License-Identifier: MIT
// The C ABI's shims: handle <-> object, one exception wall, a thread-local last error.
#include <flow/flow.h>

#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/recovery.hpp>
#include <flow/run.hpp>
#include <flow/runner.hpp>
#include <flow/scheduler.hpp>
#include <flow/settings.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "runtime/events.hpp"  // src/: the events file's one writer
#include "support/text.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <optional>
#include <tuple>
#include <utility>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <vector>

using namespace flow;

// The C enums mirror the C++ ones value for value.
static_assert(FLOW_TASK_OTHER == static_cast<int>(TaskState::other));
static_assert(FLOW_FORM_UNNUMBERED == static_cast<int>(TaskForm::unnumbered));
static_assert(FLOW_FORM_STATUS_ROW == static_cast<int>(TaskForm::status_row));
static_assert(FLOW_PHASE_OTHER == static_cast<int>(PhaseKind::other));
static_assert(FLOW_SEVERITY_ERROR == static_cast<int>(Severity::error));
static_assert(FLOW_RULE_STORY_PROSE == static_cast<int>(EdgeRule::story_prose));
static_assert(FLOW_STATUS_EXCLUDED == static_cast<int>(TaskStatus::excluded));
static_assert(FLOW_FAIL_UNKNOWN == static_cast<int>(FailureClass::unknown));
static_assert(FLOW_FAIL_STALLED == static_cast<int>(FailureClass::stalled));
static_assert(FLOW_FAIL_IO == static_cast<int>(FailureClass::io));
static_assert(FLOW_DECIDE_ABORT == static_cast<int>(Decision::Kind::abort));

struct flow_plan {
  std::shared_ptr<const Plan> plan;
};
struct flow_graph {
  std::shared_ptr<const TaskGraph> graph;
  std::vector<int> wave_of;
};
struct flow_scheduler {
  std::shared_ptr<const TaskGraph> graph;  // the scheduler refers to it: keep it alive
  std::unique_ptr<Scheduler> impl;
};
struct flow_policy {
  std::shared_ptr<RecoveryPolicy> impl;  // shared: a run keeps its policy alive
  std::string agent, strategy, reason, instruction;  // what the last decision's pointers borrow
};

namespace {

thread_local std::string t_message;
thread_local flow_error t_error{FLOW_OK, "no error", 0};

int fail(int code, const std::string& message, int line = 0) noexcept {
  try {
    t_message = message;
    t_error = {code, t_message.c_str(), line};
  } catch (...) {  // the OOM path never allocates
    t_error = {FLOW_ENOMEM, "out of memory", 0};
  }
  return code;
}

int misuse(const char* what) noexcept { return fail(FLOW_EMISUSE, what); }

int to_c(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return FLOW_OK;
    case Errc::io: return FLOW_EIO;
    case Errc::parse: return FLOW_EPARSE;
    case Errc::cycle: return FLOW_ECYCLE;
    case Errc::conflict: return FLOW_ECONFLICT;
    case Errc::not_found: return FLOW_ENOTFOUND;
    case Errc::invalid_argument: return FLOW_EMISUSE;
    case Errc::canceled: return FLOW_ECANCELED;
    case Errc::config: return FLOW_EPARSE;
    default: return FLOW_ERROR;
  }
}

int fail(const Error& e) noexcept { return fail(to_c(e.code), e.message, e.line); }

// A host policy asked to abort; unwinds to the shim that called into flow.
struct UserAbort {};

template <class Body>
int guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const UserAbort&) {
    return fail(FLOW_EUSER, "aborted by a callback");
  } catch (const std::bad_alloc&) {
    t_error = {FLOW_ENOMEM, "out of memory", 0};
    return FLOW_ENOMEM;
  } catch (const std::exception& e) {
    return fail(FLOW_ERROR, e.what());
  } catch (...) {
    return fail(FLOW_ERROR, "unknown C++ exception");
  }
}

// Delays, durations and times cross the ABI as doubles: a NaN or an infinity would poison
// every sum, maximum and comparison made with it afterwards.
bool finite_non_negative(double x) noexcept { return std::isfinite(x) && x >= 0; }

// FLOW_OK, or FLOW_EMISUSE naming `who`'s argument `what` when the time `t` is not finite.
// A time may be negative (the host's clock starts where it likes), never NaN or infinite.
int check_time(const char* who, const char* what, double t) {
  return std::isfinite(t) ? FLOW_OK : fail(FLOW_EMISUSE, std::string(who) + ": " + what + " must be finite");
}

// FLOW_OK, or FLOW_EMISUSE naming the first task whose value is not finite and >= 0.
int check_per_task(const char* who, const char* what, const double* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!finite_non_negative(values[i]))
      return fail(FLOW_EMISUSE, std::string(who) + ": " + what + " must be finite and >= 0 (task " + std::to_string(i) +
                                    " is not)");
  return FLOW_OK;
}

// As much instruction text as a hint may carry (flow_run_retry): a prompt stays bounded.
constexpr std::size_t kMaxInstructionBytes = 16 * 1024;

bool known_strategy(const std::string& s) {
  return s.empty() || std::any_of(std::begin(kFallbackStrategies), std::end(kFallbackStrategies),
                                  [&](const char* w) { return s == w; });
}

// A version-2 decision as the run loop takes it; nullopt when flow cannot apply it.
std::optional<Decision> from_host(const flow_decision_v2& d) {
  if (d.kind < FLOW_DECIDE_RETRY || d.kind > FLOW_DECIDE_ABORT || !std::isfinite(d.delay)) return std::nullopt;
  Decision out;
  out.kind = static_cast<Decision::Kind>(d.kind);
  out.delay = d.delay > 0 ? d.delay : 0;
  out.feedback = d.feedback != 0;
  out.rollback = d.rollback != 0;
  if (d.agent) out.agent = d.agent;
  if (d.strategy) out.strategy = d.strategy;
  if (d.instruction) out.instruction = d.instruction;
  if (!known_strategy(out.strategy) || out.instruction.size() > kMaxInstructionBytes) return std::nullopt;
  // Only a task given up on waits for a person; a retry or a skip has no one to ask.
  out.needs_attention = out.kind == Decision::Kind::fail && d.needs_attention != 0;
  out.reason = d.reason ? d.reason : "decided by the host";
  return out;
}

// A host's policy, from either vtable: a version-1 decide fills a flow_decision, a
// version-2 one a flow_decision_v2.
class HostPolicy final : public RecoveryPolicy {
 public:
  HostPolicy(flow_decide_cb decide, flow_decide_v2_cb decide_v2, void (*free_payload)(void*), void* payload)
      : decide_(decide), decide_v2_(decide_v2), free_payload_(free_payload), payload_(payload) {}
  ~HostPolicy() override {
    if (free_payload_) free_payload_(payload_);
  }
  HostPolicy(const HostPolicy&) = delete;
  HostPolicy& operator=(const HostPolicy&) = delete;

  Decision on_failure(const TaskContext& ctx, const Failure& f, double now) override {
    flow_decision_v2 d{FLOW_DECISION_VERSION, FLOW_DECIDE_FAIL, 0, 0, 0, "", "", "", "", 0};
    flow_failure cf{static_cast<int>(f.cls), f.agent.c_str(), f.reset_at.value_or(-1.0), f.message.c_str()};
    int rc = FLOW_OK;
    if (decide_v2_) {
      rc = decide_v2_(&d, ctx.task->id.c_str(), ctx.attempt, &cf, now, payload_);
    } else {
      flow_decision d1{FLOW_DECIDE_FAIL, 0, 0, 0, "", "", ""};
      rc = decide_(&d1, ctx.task->id.c_str(), ctx.attempt, &cf, now, payload_);
      d = {FLOW_DECISION_VERSION, d1.kind, d1.delay, d1.feedback, d1.rollback, d1.agent, d1.strategy, d1.reason, "", 0};
      // Version 1 never checked the strategy (it changed nothing then): keep taking any.
      if (d.strategy && !known_strategy(d.strategy)) d.strategy = "";
    }
    if (rc == FLOW_EUSER) throw UserAbort{};
    auto out = rc == FLOW_OK ? from_host(d) : std::nullopt;
    if (!out) {
      Decision bad;
      bad.kind = Decision::Kind::fail;
      bad.reason = "the host policy returned an invalid decision";
      return bad;
    }
    return *out;
  }

 private:
  flow_decide_cb decide_;
  flow_decide_v2_cb decide_v2_;
  void (*free_payload_)(void*);
  void* payload_;
};

// flow.h's rule for out-parameters: a call resets them before it checks anything else,
// so a failing call never leaves a caller's uninitialised variable as it found it.
template <class T>
void reset(T* out, const T& value = T{}) noexcept {
  if (out) *out = value;
}

// What a failing decide leaves in a decision: "fail", never the RETRY that zero would say.
constexpr flow_decision kNoDecision{FLOW_DECIDE_FAIL, 0, 0, 0, nullptr, nullptr, nullptr};

template <class T>
bool index_ok(const T& v, std::size_t i) {
  return i < v.size();
}

}  // namespace

extern "C" {

int flow_abi_version(void) { return FLOW_ABI_VERSION; }
const char* flow_version_string(void) { return FLOW_VERSION_STRING; }
const flow_error* flow_error_last(void) { return &t_error; }

const char* flow_strerror(int code) {
  switch (code) {
    case FLOW_OK: return "no error";
    case FLOW_ERROR: return "unexpected error";
    case FLOW_ENOMEM: return "out of memory";
    case FLOW_EMISUSE: return "misuse of the API";
    case FLOW_EVERSION: return "unknown options version";
    case FLOW_EPARSE: return "the input could not be parsed";
    case FLOW_ECYCLE: return "dependency cycle";
    case FLOW_ECANCELED: return "canceled";
    case FLOW_EUSER: return "aborted by a callback";
    case FLOW_EIO: return "input/output error";
    case FLOW_ENOTFOUND: return "not found";
    case FLOW_ECONFLICT: return "conflicting change";
    default: return "unknown error code";
  }
}

// ---- plan ---------------------------------------------------------------------------

int flow_plan_parse(flow_plan** out, const char* text, size_t len) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || (!text && len)) return misuse("flow_plan_parse: null argument");
    auto plan = std::make_shared<const Plan>(parse_tasks_md(std::string_view(text ? text : "", len)));
    *out = new flow_plan{std::move(plan)};
    return FLOW_OK;
  });
}

int flow_plan_load(flow_plan** out, const char* path) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !path) return misuse("flow_plan_load: null argument");
    auto text = read_file(path);
    if (!text) return fail(text.error());
    *out = new flow_plan{std::make_shared<const Plan>(parse_tasks_md(*text))};
    return FLOW_OK;
  });
}

void flow_plan_free(flow_plan* plan) { delete plan; }

size_t flow_plan_task_count(const flow_plan* p) { return p ? p->plan->tasks.size() : 0; }

int flow_plan_task(flow_task_info* out, const flow_plan* p, size_t i) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !p || !index_ok(p->plan->tasks, i)) return misuse("flow_plan_task: null argument or index out of range");
    const Task& t = p->plan->tasks[i];
    *out = flow_task_info{t.id.c_str(), t.line, static_cast<int>(t.state), static_cast<int>(t.form), t.parallel ? 1 : 0,
                          t.story, t.story_label.c_str(), t.priority.c_str(), t.description.c_str(), t.phase,
                          t.paths.size(), t.labels.size(), t.depends_on.size()};
    return FLOW_OK;
  });
}

int flow_task_info_init(flow_task_info_v2* out, unsigned int version) {
  if (!out) return misuse("flow_task_info_init: null argument");
  if (version != FLOW_TASK_INFO_VERSION) return fail(FLOW_EVERSION, "flow_task_info: unknown version");
  *out = flow_task_info_v2 FLOW_TASK_INFO_INIT;
  return FLOW_OK;
}

int flow_plan_task_v2(flow_task_info_v2* out, const flow_plan* p, size_t i) {
  if (!out) return misuse("flow_plan_task_v2: null argument");
  if (const int rc = flow_task_info_init(out, out->version); rc != FLOW_OK) return rc;
  flow_task_info v1;
  if (const int rc = flow_plan_task(&v1, p, i); rc != FLOW_OK) return rc;
  *out = flow_task_info_v2{FLOW_TASK_INFO_VERSION, v1.id, v1.line, v1.state, v1.form, v1.parallel, v1.story,
                           v1.story_label, v1.priority, v1.description, v1.phase, v1.path_count, v1.label_count,
                           v1.dependency_count};
  return FLOW_OK;
}

const char* flow_plan_task_path(const flow_plan* p, size_t task, size_t i) {
  if (!p || !index_ok(p->plan->tasks, task) || !index_ok(p->plan->tasks[task].paths, i)) return nullptr;
  return p->plan->tasks[task].paths[i].path.c_str();
}

const char* flow_plan_task_label(const flow_plan* p, size_t task, size_t i) {
  if (!p || !index_ok(p->plan->tasks, task) || !index_ok(p->plan->tasks[task].labels, i)) return nullptr;
  return p->plan->tasks[task].labels[i].c_str();
}

const char* flow_plan_task_other_story(const flow_plan* p, size_t task, size_t i) {
  if (!p || !index_ok(p->plan->tasks, task) || !index_ok(p->plan->tasks[task].other_stories, i)) return nullptr;
  return p->plan->tasks[task].other_stories[i].c_str();
}

int flow_plan_task_dependency(const char** first, const char** last, int* line, const flow_plan* p, size_t task,
                              size_t i) {
  reset(first);
  reset(last);
  reset(line);
  if (!first || !last || !line || !p || !index_ok(p->plan->tasks, task) || !index_ok(p->plan->tasks[task].depends_on, i))
    return misuse("flow_plan_task_dependency: null argument or index out of range");
  const DepRef& r = p->plan->tasks[task].depends_on[i];
  *first = r.first.c_str();
  *last = r.last.c_str();
  *line = r.line;
  return FLOW_OK;
}

size_t flow_plan_phase_count(const flow_plan* p) { return p ? p->plan->phases.size() : 0; }

int flow_plan_phase(flow_phase_info* out, const flow_plan* p, size_t i) {
  reset(out);
  if (!out || !p || !index_ok(p->plan->phases, i)) return misuse("flow_plan_phase: null argument or index out of range");
  const Phase& ph = p->plan->phases[i];
  *out = flow_phase_info{ph.title.c_str(), ph.line, static_cast<int>(ph.kind), ph.story, ph.priority.c_str()};
  return FLOW_OK;
}

const char* flow_plan_phase_story_label(const flow_plan* p, size_t i) {
  return p && index_ok(p->plan->phases, i) ? p->plan->phases[i].story_label.c_str() : nullptr;
}

size_t flow_plan_diagnostic_count(const flow_plan* p) { return p ? p->plan->diagnostics.size() : 0; }

int flow_plan_diagnostic(flow_diagnostic* out, const flow_plan* p, size_t i) {
  reset(out);
  if (!out || !p || !index_ok(p->plan->diagnostics, i))
    return misuse("flow_plan_diagnostic: null argument or index out of range");
  const Diagnostic& d = p->plan->diagnostics[i];
  *out = flow_diagnostic{static_cast<int>(d.severity), d.line, d.code.c_str(), d.message.c_str()};
  return FLOW_OK;
}

// ---- graph --------------------------------------------------------------------------

int flow_graph_options_init(flow_graph_options* opts, unsigned int version) {
  if (!opts) return misuse("flow_graph_options_init: null argument");
  if (version != FLOW_GRAPH_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_graph_options: unknown version");
  *opts = flow_graph_options FLOW_GRAPH_OPTIONS_INIT;
  return FLOW_OK;
}

int flow_graph_new(flow_graph** out, const flow_plan* plan, const flow_graph_options* opts) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !plan) return misuse("flow_graph_new: null argument");
    GraphOptions o;
    if (opts) {
      if (opts->version != FLOW_GRAPH_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_graph_options: unknown version");
      o.stories_parallel = opts->stories_parallel != 0;
    }
    auto g = build_graph(*plan->plan, o);
    if (!g) return fail(g.error());
    auto h = std::make_unique<flow_graph>();
    h->graph = std::make_shared<const TaskGraph>(std::move(*g));
    h->wave_of.assign(static_cast<std::size_t>(h->graph->task_count()), 0);
    const auto waves = h->graph->waves();
    for (std::size_t w = 0; w < waves.size(); ++w)
      for (int t : waves[w]) h->wave_of[static_cast<std::size_t>(t)] = static_cast<int>(w) + 1;
    *out = h.release();
    return FLOW_OK;
  });
}

void flow_graph_free(flow_graph* g) { delete g; }
size_t flow_graph_task_count(const flow_graph* g) { return g ? static_cast<size_t>(g->graph->task_count()) : 0; }
size_t flow_graph_node_count(const flow_graph* g) { return g ? static_cast<size_t>(g->graph->node_count()) : 0; }
size_t flow_graph_edge_count(const flow_graph* g) { return g ? g->graph->edges().size() : 0; }

int flow_graph_edge(flow_edge* out, const flow_graph* g, size_t i) {
  reset(out);
  if (!out || !g || !index_ok(g->graph->edges(), i)) return misuse("flow_graph_edge: null argument or index out of range");
  const Edge& e = g->graph->edges()[i];
  *out = flow_edge{e.from, e.to, static_cast<int>(e.reason.rule), e.reason.line, e.reason.words.c_str()};
  return FLOW_OK;
}

const char* flow_graph_gate_name(const flow_graph* g, int node) {
  if (!g || node < g->graph->task_count() || node >= g->graph->node_count()) return nullptr;
  return g->graph->gate_name(node).c_str();
}

int flow_graph_task_predecessors(int* out, size_t cap, size_t* count, const flow_graph* g, int task) {
  reset(count);
  return guarded([&]() -> int {
    if (!count || !g || task < 0 || task >= g->graph->task_count() || (!out && cap))
      return misuse("flow_graph_task_predecessors: null argument or task out of range");
    const auto preds = g->graph->task_predecessors(task);
    for (std::size_t i = 0; i < preds.size() && i < cap; ++i) out[i] = preds[i];
    *count = preds.size();
    return FLOW_OK;
  });
}

int flow_graph_wave(const flow_graph* g, int task) {
  if (!g || task < 0 || task >= g->graph->task_count()) return 0;
  return g->wave_of[static_cast<std::size_t>(task)];
}

int flow_graph_critical_path(int* out, size_t cap, size_t* count, double* length, const flow_graph* g,
                             const double* durations, size_t n) {
  reset(count);
  reset(length);
  return guarded([&]() -> int {
    if (!count || !length || !g || !durations || n != static_cast<size_t>(g->graph->task_count()) || (!out && cap))
      return misuse("flow_graph_critical_path: null argument or wrong number of durations");
    if (const int rc = check_per_task("flow_graph_critical_path", "durations", durations, n); rc != FLOW_OK) return rc;
    const CriticalPath cp = g->graph->critical_path(std::span<const double>(durations, n));
    for (std::size_t i = 0; i < cp.tasks.size() && i < cap; ++i) out[i] = cp.tasks[i];
    *count = cp.tasks.size();
    *length = cp.length;
    return FLOW_OK;
  });
}

int flow_graph_lower_bound(double* out, const flow_graph* g, const double* durations, size_t n, int workers) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !g || !durations || n != static_cast<size_t>(g->graph->task_count()) || workers < 1)
      return misuse("flow_graph_lower_bound: null argument, wrong number of durations or no workers");
    if (const int rc = check_per_task("flow_graph_lower_bound", "durations", durations, n); rc != FLOW_OK) return rc;
    *out = g->graph->makespan_lower_bound(std::span<const double>(durations, n), workers);
    return FLOW_OK;
  });
}

// ---- scheduler ------------------------------------------------------------------------

int flow_scheduler_options_init(flow_scheduler_options* opts, unsigned int version) {
  if (!opts) return misuse("flow_scheduler_options_init: null argument");
  if (version != FLOW_SCHEDULER_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_scheduler_options: unknown version");
  *opts = flow_scheduler_options FLOW_SCHEDULER_OPTIONS_INIT;
  return FLOW_OK;
}

int flow_scheduler_new(flow_scheduler** out, const flow_graph* g, const flow_scheduler_options* opts) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !g) return misuse("flow_scheduler_new: null argument");
    SchedulerOptions o;
    if (opts) {
      if (opts->version != FLOW_SCHEDULER_OPTIONS_VERSION)
        return fail(FLOW_EVERSION, "flow_scheduler_options: unknown version");
      const auto n = static_cast<size_t>(g->graph->task_count());
      if ((opts->estimates && opts->estimate_count != n) || (opts->selected && opts->selected_count != n))
        return misuse("flow_scheduler_new: estimates and selected need one entry per task");
      if (opts->workers < 1) return misuse("flow_scheduler_new: workers must be >= 1");
      if (opts->estimates)
        if (const int rc = check_per_task("flow_scheduler_new", "estimates", opts->estimates, n); rc != FLOW_OK) return rc;
      o.workers = opts->workers;
      o.fail_fast = opts->fail_fast != 0;
      if (opts->estimates) o.estimates.assign(opts->estimates, opts->estimates + n);
      if (opts->selected)
        for (size_t i = 0; i < n; ++i) o.selected.push_back(opts->selected[i] != 0);
    }
    auto h = std::make_unique<flow_scheduler>();
    h->graph = g->graph;
    h->impl = std::make_unique<Scheduler>(*h->graph, std::move(o));
    *out = h.release();
    return FLOW_OK;
  });
}

void flow_scheduler_free(flow_scheduler* s) { delete s; }

static bool task_ok(const flow_scheduler* s, int task) { return s && task >= 0 && task < s->graph->task_count(); }

int flow_scheduler_next(int* task, flow_scheduler* s, double now) {
  reset(task, -1);  // 0 is a task: -1 is "none may start"
  return guarded([&]() -> int {
    if (!task || !s) return misuse("flow_scheduler_next: null argument");
    if (const int rc = check_time("flow_scheduler_next", "now", now); rc != FLOW_OK) return rc;
    const auto t = s->impl->start_next(now);
    *task = t ? *t : -1;
    return FLOW_OK;
  });
}

int flow_scheduler_finish(flow_scheduler* s, int task, int status) {
  return guarded([&]() -> int {
    if (!task_ok(s, task)) return misuse("flow_scheduler_finish: null scheduler or task out of range");
    if (status != FLOW_STATUS_SUCCEEDED && status != FLOW_STATUS_FAILED && status != FLOW_STATUS_SKIPPED)
      return misuse("flow_scheduler_finish: status must be SUCCEEDED, FAILED or SKIPPED");
    if (s->impl->status(task) != TaskStatus::running) return misuse("flow_scheduler_finish: the task is not running");
    s->impl->finish(task, static_cast<TaskStatus>(status));
    return FLOW_OK;
  });
}

int flow_scheduler_retry(flow_scheduler* s, int task, double not_before) {
  return guarded([&]() -> int {
    if (!task_ok(s, task) || s->impl->status(task) != TaskStatus::running)
      return misuse("flow_scheduler_retry: the task is not running");
    if (const int rc = check_time("flow_scheduler_retry", "not_before", not_before); rc != FLOW_OK) return rc;
    s->impl->retry(task, not_before);
    return FLOW_OK;
  });
}

int flow_scheduler_done(const flow_scheduler* s) { return s && s->impl->done() ? 1 : 0; }

int flow_scheduler_status(const flow_scheduler* s, int task) {
  if (!task_ok(s, task)) return misuse("flow_scheduler_status: null scheduler or task out of range");
  return static_cast<int>(s->impl->status(task));
}

int flow_scheduler_blocked_by(const flow_scheduler* s, int task) {
  if (!task_ok(s, task)) return misuse("flow_scheduler_blocked_by: null scheduler or task out of range");
  return s->impl->blocked_by(task);
}

int flow_scheduler_next_wake(double* out, const flow_scheduler* s, double now) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !s) return misuse("flow_scheduler_next_wake: null argument");
    if (const int rc = check_time("flow_scheduler_next_wake", "now", now); rc != FLOW_OK) return rc;
    const auto w = s->impl->next_wake(now);
    if (!w) return fail(FLOW_ENOTFOUND, "no retry is waiting");
    *out = *w;
    return FLOW_OK;
  });
}

int flow_scheduler_cancel(flow_scheduler* s) {
  if (!s) return misuse("flow_scheduler_cancel: null argument");
  s->impl->cancel();
  return FLOW_OK;
}

// ---- policies -------------------------------------------------------------------------

int flow_policy_options_init(flow_policy_options* opts, unsigned int version) {
  if (!opts) return misuse("flow_policy_options_init: null argument");
  if (version != 1 && version != FLOW_POLICY_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_policy_options: unknown version");
  const flow_policy_options defaults FLOW_POLICY_OPTIONS_INIT;
  if (version == 1) {  // a caller built against the first header has only the first eight fields
    std::memcpy(opts, &defaults, offsetof(flow_policy_options, fallback));
    opts->version = 1;
    return FLOW_OK;
  }
  *opts = defaults;
  return FLOW_OK;
}

int flow_policy_new_stock(flow_policy** out, const flow_policy_options* opts) {
  reset(out);
  return guarded([&]() -> int {
    if (!out) return misuse("flow_policy_new_stock: null argument");
    StockPolicyOptions o;
    if (opts) {
      if (opts->version != 1 && opts->version != FLOW_POLICY_OPTIONS_VERSION)
        return fail(FLOW_EVERSION, "flow_policy_options: unknown version");
      if (opts->max_retries < 0) return misuse("flow_policy_new_stock: max_retries must be >= 0");
      for (const auto& [value, name] : {std::pair{opts->base_delay, "base_delay"}, std::pair{opts->max_delay, "max_delay"}})
        if (!finite_non_negative(value))
          return fail(FLOW_EMISUSE, std::string("flow_policy_new_stock: ") + name + " must be finite and >= 0");
      if (!(opts->jitter >= 0 && opts->jitter <= 1)) return misuse("flow_policy_new_stock: jitter must be in [0, 1]");
      o.auto_retry = opts->auto_retry != 0;
      o.max_retries = opts->max_retries;
      o.base_delay = opts->base_delay;
      o.max_delay = opts->max_delay;
      o.jitter = opts->jitter;
      o.seed = opts->seed;
      o.fail_fast = opts->fail_fast != 0;
      if (opts->version >= 2) {
        if (opts->fallback_count && !opts->fallback) return misuse("flow_policy_new_stock: fallback_count without fallback");
        for (size_t i = 0; i < opts->fallback_count; ++i) {
          const flow_fallback_step& c = opts->fallback[i];
          FallbackStep step{c.from_attempt, c.agent ? c.agent : "", c.strategy ? c.strategy : "", c.instruction ? c.instruction : ""};
          const bool known = step.strategy.empty() ||
                             std::any_of(std::begin(kFallbackStrategies), std::end(kFallbackStrategies),
                                         [&](const char* w) { return step.strategy == w; });
          if (step.from_attempt < 2 || !known)
            return misuse("flow_policy_new_stock: a fallback step needs from_attempt >= 2 and a strategy of "
                          "\"alternative\", \"simplified\" or none");
          o.fallback.push_back(std::move(step));
        }
      }
    }
    *out = new flow_policy{std::make_shared<StockPolicy>(std::move(o)), {}, {}, {}, {}};
    return FLOW_OK;
  });
}

int flow_policy_new_host(flow_policy** out, const flow_policy_vtable* v) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !v || !v->decide) return misuse("flow_policy_new_host: null argument or no decide callback");
    if (v->version != FLOW_POLICY_VTABLE_VERSION) return fail(FLOW_EVERSION, "flow_policy_vtable: unknown version");
    *out = new flow_policy{std::make_shared<HostPolicy>(v->decide, nullptr, v->free_payload, v->payload), {}, {}, {}, {}};
    return FLOW_OK;
  });
}

int flow_policy_new_host_v2(flow_policy** out, const flow_policy_vtable_v2* v) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !v || !v->decide) return misuse("flow_policy_new_host_v2: null argument or no decide callback");
    if (v->version != FLOW_POLICY_VTABLE_V2_VERSION) return fail(FLOW_EVERSION, "flow_policy_vtable_v2: unknown version");
    *out = new flow_policy{std::make_shared<HostPolicy>(nullptr, v->decide, v->free_payload, v->payload), {}, {}, {}, {}};
    return FLOW_OK;
  });
}

void flow_policy_free(flow_policy* p) { delete p; }

namespace {

// Asks the policy and keeps the decision's strings in it; FLOW_OK or FLOW_EMISUSE.
int ask_policy(Decision& d, flow_policy* p, const flow_plan* plan, int task, int attempt, const flow_failure* failure,
                double now, const char* who) {
  if (!p || !plan || !failure || task < 0 || static_cast<size_t>(task) >= plan->plan->tasks.size() || attempt < 1 ||
      failure->failure_class < 0 || failure->failure_class > FLOW_FAIL_IO)
    return misuse((std::string(who) + ": null argument or value out of range").c_str());
  // A NaN time would reach the rate-limit gate and stay there for every later decision.
  if (const int rc = check_time(who, "now", now); rc != FLOW_OK) return rc;
  if (std::isnan(failure->reset_at) || failure->reset_at == HUGE_VAL)
    return fail(FLOW_EMISUSE, std::string(who) + ": failure->reset_at must be finite, or < 0 for none");
  const Task& t = plan->plan->tasks[static_cast<size_t>(task)];
  Failure f;
  f.cls = static_cast<FailureClass>(failure->failure_class);
  if (failure->agent) f.agent = failure->agent;
  if (failure->reset_at >= 0) f.reset_at = failure->reset_at;
  if (failure->message) f.message = failure->message;
  d = p->impl->on_failure({&t, &plan->plan->phases[static_cast<size_t>(t.phase)], attempt}, f, now);
  p->agent = d.agent;
  p->strategy = d.strategy;
  p->reason = d.reason;
  p->instruction = d.instruction;
  return FLOW_OK;
}

}  // namespace

int flow_policy_decide(flow_decision* out, flow_policy* p, const flow_plan* plan, int task, int attempt,
                       const flow_failure* failure, double now) {
  reset(out, kNoDecision);
  return guarded([&]() -> int {
    if (!out) return misuse("flow_policy_decide: null argument or value out of range");
    Decision d;
    if (const int rc = ask_policy(d, p, plan, task, attempt, failure, now, "flow_policy_decide"); rc != FLOW_OK) return rc;
    *out = flow_decision{static_cast<int>(d.kind), d.delay, d.feedback ? 1 : 0, d.rollback ? 1 : 0,
                         p->agent.c_str(), p->strategy.c_str(), p->reason.c_str()};
    return FLOW_OK;
  });
}

int flow_decision_init(flow_decision_v2* out, unsigned int version) {
  if (!out) return misuse("flow_decision_init: null argument");
  if (version != FLOW_DECISION_VERSION) return fail(FLOW_EVERSION, "flow_decision: unknown version");
  *out = flow_decision_v2 FLOW_DECISION_INIT;
  return FLOW_OK;
}

int flow_policy_decide_v2(flow_decision_v2* out, flow_policy* p, const flow_plan* plan, int task, int attempt,
                          const flow_failure* failure, double now) {
  return guarded([&]() -> int {
    if (!out) return misuse("flow_policy_decide_v2: null argument or value out of range");
    if (const int rc = flow_decision_init(out, out->version); rc != FLOW_OK) return rc;
    Decision d;
    if (const int rc = ask_policy(d, p, plan, task, attempt, failure, now, "flow_policy_decide_v2"); rc != FLOW_OK) return rc;
    *out = flow_decision_v2{FLOW_DECISION_VERSION, static_cast<int>(d.kind), d.delay, d.feedback ? 1 : 0,
                            d.rollback ? 1 : 0, p->agent.c_str(), p->strategy.c_str(), p->reason.c_str(),
                            p->instruction.c_str(), d.needs_attention ? 1 : 0};
    return FLOW_OK;
  });
}

// ---- simulation -------------------------------------------------------------------------

int flow_sim_options_init(flow_sim_options* opts, unsigned int version) {
  if (!opts) return misuse("flow_sim_options_init: null argument");
  if (version != FLOW_SIM_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_sim_options: unknown version");
  *opts = flow_sim_options FLOW_SIM_OPTIONS_INIT;
  return FLOW_OK;
}

int flow_simulate(flow_sim_report* out, const flow_graph* g, const flow_sim_options* opts, flow_policy* policy) {
  reset(out);
  return guarded([&]() -> int {
    if (!out || !g || !policy) return misuse("flow_simulate: null argument");
    SimOptions o;
    if (opts) {
      if (opts->version != FLOW_SIM_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_sim_options: unknown version");
      const auto n = static_cast<size_t>(g->graph->task_count());
      if (opts->durations && opts->duration_count != n) return misuse("flow_simulate: one duration per task");
      if (opts->workers < 1) return misuse("flow_simulate: workers must be >= 1");
      if (opts->durations)
        if (const int rc = check_per_task("flow_simulate", "durations", opts->durations, n); rc != FLOW_OK) return rc;
      o.scheduler.workers = opts->workers;
      o.scheduler.fail_fast = opts->fail_fast != 0;
      o.seed = opts->seed;
      if (opts->durations) o.durations.assign(opts->durations, opts->durations + n);
      if (opts->faults) {
        auto f = parse_faults(opts->faults);
        if (!f) return fail(FLOW_EPARSE, f.error().message);
        o.faults = std::move(*f);
      }
    }
    const SimReport r = simulate(*g->graph, o, *policy->impl);
    flow_sim_report rep{r.makespan, r.lower_bound, r.tight_lower_bound, r.efficiency, r.busy, r.idle,
                        r.attempts, r.retries, 0, 0, 0, 0};
    for (TaskStatus s : r.status) {
      rep.succeeded += s == TaskStatus::succeeded;
      rep.failed += s == TaskStatus::failed;
      rep.blocked += s == TaskStatus::blocked;
      rep.skipped += s == TaskStatus::skipped;
    }
    *out = rep;
    return FLOW_OK;
  });
}

int flow_sim_report_init(flow_sim_report_v2* out, unsigned int version) {
  if (!out) return misuse("flow_sim_report_init: null argument");
  if (version != FLOW_SIM_REPORT_VERSION) return fail(FLOW_EVERSION, "flow_sim_report: unknown version");
  *out = flow_sim_report_v2 FLOW_SIM_REPORT_INIT;
  return FLOW_OK;
}

int flow_simulate_v2(flow_sim_report_v2* out, const flow_graph* g, const flow_sim_options* opts, flow_policy* policy) {
  if (!out) return misuse("flow_simulate_v2: null argument");
  if (const int rc = flow_sim_report_init(out, out->version); rc != FLOW_OK) return rc;
  flow_sim_report r;
  if (const int rc = flow_simulate(&r, g, opts, policy); rc != FLOW_OK) return rc;
  *out = flow_sim_report_v2{FLOW_SIM_REPORT_VERSION, r.makespan, r.lower_bound, r.tight_lower_bound, r.efficiency,
                            r.busy, r.idle, r.attempts, r.retries, r.succeeded, r.failed, r.blocked, r.skipped};
  return FLOW_OK;
}

// ---- runs ---------------------------------------------------------------------------------

struct flow_run {
  unsigned int version = 1;          // of the options it was made with
  RunOptions options;
  StockPolicyOptions policy_options; // for the stock policy a version-2 run makes at execute
  std::shared_ptr<RecoveryPolicy> policy;  // the host's; null: the stock one
  // Version 2: what the settings file may fill in, and what the host set over it.
  std::string agent_name, model, config_path, events_path;
  bool config_given = false, workers_given = false, timeout_given = false;
  int max_turns = -1, retries = -1;
  std::vector<unsigned char> selected;
  bool has_selected = false;
  // Version 3.
  std::string append_instructions, runner_kind, slurm_partition, slurm_account, slurm_time_limit;
  std::vector<std::string> extra_args;
  std::optional<double> stall_timeout, max_cost_usd, max_task_cost_usd;
  flow_run_event_cb cb = nullptr;
  flow_run_event_v2_cb cb2 = nullptr;
  void* payload = nullptr;
  std::atomic<int> interrupt{0};
  RunControl control;                // flow_run_retry(), from any thread
  bool user_abort = false;
  RunReport last;                    // what a version-2 report's strings borrow
};

namespace {

class CallbackObserver final : public RunObserver {
 public:
  CallbackObserver(flow_run& r, const Plan& plan, std::FILE* events) : r_(r), plan_(plan), events_(events) {}
  void on_event(const RunEvent& e) override {
    const Task* task =
        e.task >= 0 && static_cast<std::size_t>(e.task) < plan_.tasks.size() ? &plan_.tasks[static_cast<std::size_t>(e.task)] : nullptr;
    if (events_) write_event(e, task);
    if (r_.user_abort) return;
    const char* id = task ? task->id.c_str() : "";
    int rc = FLOW_OK;
    if (r_.cb2) {
      const flow_run_event_v2 ev{FLOW_RUN_EVENT_VERSION, e.kind.c_str(), e.time, e.task, id, e.attempt, e.detail.c_str(),
                                 task ? task->line : 0};
      rc = r_.cb2(&ev, r_.payload);
    } else if (r_.cb) {
      const flow_run_event ev{e.kind.c_str(), e.time, e.task, id, e.attempt, e.detail.c_str()};
      rc = r_.cb(&ev, r_.payload);
    }
    if (rc == FLOW_EUSER) stop();
  }
  // Ticks give a version-2 host control back while nothing happens (a Python host's
  // Ctrl-C handler runs only then).
  void on_tick(double now) override {
    if (!r_.cb2 || r_.user_abort) return;
    const flow_run_event_v2 ev{FLOW_RUN_EVENT_VERSION, "tick", now, -1, "", 0, "", 0};
    if (r_.cb2(&ev, r_.payload) == FLOW_EUSER) stop();
  }

 private:
  void stop() {
    r_.user_abort = true;
    r_.interrupt.store(2);  // stop starting, and kill what runs
  }
  // One line of `flow run --events` (docs/events.md, flow-event/1).
  void write_event(const RunEvent& e, const Task* task) {
    std::fprintf(events_, "%s\n", detail::event_line(e, task).c_str());
    std::fflush(events_);
  }

  flow_run& r_;
  const Plan& plan_;
  std::FILE* events_;
};

// A version-2 run is configured as `flow run` configures itself, by the same functions:
// the settings file under what the host set, the agent, the gates and the runner, each
// checked before anything starts.
int configure(const flow_run& r, RunOptions& opt, StockPolicyOptions& popt, std::unique_ptr<Runner>& runner) {
  RunChoices c;
  c.config_path = r.config_given ? r.config_path
                                 : default_settings_path(opt.workdir.empty() ? default_workdir(opt.tasks_path) : opt.workdir);
  std::optional<Settings> st;
  if (!c.config_path.empty()) {
    auto loaded = load_settings(c.config_path);
    if (!loaded) return fail(to_c(loaded.error().code), c.config_path + ": " + loaded.error().message, loaded.error().line);
    st = std::move(*loaded);
  }
  if (r.workers_given) c.workers = opt.workers;
  if (r.timeout_given) c.task_timeout = opt.task_timeout;
  if (r.retries >= 0) c.retries = r.retries;
  if (r.max_turns >= 0) c.max_turns = r.max_turns;
  c.agent_name = r.agent_name;
  c.agent_command = opt.agent;
  c.model = r.model;
  c.append_instructions = r.append_instructions;
  c.extra_args = r.extra_args;
  c.stall_timeout = r.stall_timeout;
  c.max_cost_usd = r.max_cost_usd;
  c.max_task_cost_usd = r.max_task_cost_usd;
  c.runner_kind = r.runner_kind;
  c.slurm_partition = r.slurm_partition;
  c.slurm_account = r.slurm_account;
  c.slurm_time_limit = r.slurm_time_limit;
  if (auto ok = configure_run(st ? &*st : nullptr, c, opt, popt); !ok) return fail(ok.error());
  auto made = make_run_runner(st ? &*st : nullptr, c, opt.dry_run);
  if (!made) return fail(made.error());
  runner = std::move(*made);
  return FLOW_OK;
}

// The version-3 fields: the agent's instructions, arguments and stall watch, the runner
// and the budget. FLOW_OK or FLOW_EMISUSE.
int read_v3(flow_run& r, const flow_run_options& o) {
  if (o.append_instructions) r.append_instructions = o.append_instructions;
  if (o.extra_args_count > 0 && !o.extra_args) return misuse("flow_run_new: extra_args is NULL with a count");
  for (std::size_t i = 0; i < o.extra_args_count; ++i) {
    if (!o.extra_args[i]) return misuse("flow_run_new: extra_args holds a NULL");
    r.extra_args.emplace_back(o.extra_args[i]);
  }
  for (const auto& [value, field, name] : {std::tuple{o.stall_timeout, &r.stall_timeout, "stall_timeout"},
                                           std::tuple{o.max_cost_usd, &r.max_cost_usd, "max_cost_usd"},
                                           std::tuple{o.max_task_cost_usd, &r.max_task_cost_usd, "max_task_cost_usd"}}) {
    if (std::isnan(value) || std::isinf(value) || value > (field == &r.stall_timeout ? kMaxDurationSeconds : 1e9))
      return misuse((std::string("flow_run_new: ") + name + " is out of range").c_str());
    if (value >= 0) *field = value;
  }
  if (o.runner) {
    r.runner_kind = o.runner;
    if (r.runner_kind != "local" && r.runner_kind != "slurm") return misuse("flow_run_new: runner must be \"local\", \"slurm\" or NULL");
  }
  if (o.slurm_partition) r.slurm_partition = o.slurm_partition;
  if (o.slurm_account) r.slurm_account = o.slurm_account;
  if (o.slurm_time_limit) r.slurm_time_limit = o.slurm_time_limit;
  return FLOW_OK;
}

int new_run(flow_run** out, const flow_run_options* opts, flow_policy* policy, flow_run_event_cb cb,
            flow_run_event_v2_cb cb2, void* payload) {
  reset(out);
  if (!out || !opts || !opts->tasks_path) return misuse("flow_run_new: null argument or no tasks_path");
  if (opts->version < 1 || opts->version > FLOW_RUN_OPTIONS_VERSION)
    return fail(FLOW_EVERSION, "flow_run_options: unknown version");
  const bool v2 = opts->version >= 2;
  if (v2 ? opts->workers < 0 : opts->workers < 1) return misuse("flow_run_new: workers must be at least 1");
  if (!std::isfinite(opts->task_timeout))
    return misuse("flow_run_new: task_timeout must be finite (seconds; 0: none)");
  auto r = std::make_unique<flow_run>();
  r->version = opts->version;
  r->options.tasks_path = opts->tasks_path;
  if (opts->workdir) r->options.workdir = opts->workdir;
  if (opts->agent_command) {
    auto argv = split_command(opts->agent_command);
    if (!argv) return fail(argv.error());
    r->options.agent = std::move(*argv);
  } else if (!opts->dry_run && !v2) {
    return misuse("flow_run_new: no agent_command");
  }
  r->options.workers = opts->workers > 0 ? opts->workers : 1;
  r->workers_given = opts->workers > 0;
  r->options.task_timeout = opts->task_timeout > 0 ? opts->task_timeout : 0;
  r->timeout_given = !v2 || opts->task_timeout >= 0;
  r->options.fail_fast = r->policy_options.fail_fast = opts->fail_fast != 0;
  r->options.dry_run = opts->dry_run != 0;
  r->options.interrupt = &r->interrupt;
  r->options.control = &r->control;
  if (v2) {
    if (opts->agent) {
      r->agent_name = opts->agent;
      const auto& known = agent_names();
      if (r->agent_name != "command" && std::find(known.begin(), known.end(), r->agent_name) == known.end())
        return misuse(("flow_run_new: agent must be one of " + detail::join(known, ", ") + ", \"command\" or NULL").c_str());
    }
    if (opts->model) r->model = opts->model;
    r->max_turns = opts->max_turns;
    if (opts->isolation) {
      const auto isolation = isolation_from_string(opts->isolation);
      if (!isolation) return misuse("flow_run_new: isolation must be \"auto\", \"git\", \"none\" or NULL");
      r->options.isolation = *isolation;
    }
    r->options.allow_dirty = opts->allow_dirty != 0;
    r->retries = opts->retries;
    r->config_given = opts->config_path != nullptr;
    if (opts->config_path) r->config_path = opts->config_path;
    if (opts->events_path) r->events_path = opts->events_path;
    if (opts->selected) {
      r->selected.assign(opts->selected, opts->selected + opts->selected_count);
      r->has_selected = true;
    }
  }
  if (opts->version >= 3)
    if (const int rc = read_v3(*r, *opts); rc != FLOW_OK) return rc;
  r->policy = policy ? policy->impl : v2 ? nullptr : std::make_shared<StockPolicy>();
  r->cb = cb;
  r->cb2 = cb2;
  r->payload = payload;
  *out = r.release();
  return FLOW_OK;
}

// Runs and keeps the report in r.last; FLOW_OK or the failure.
int execute(flow_run& r) {
  r.user_abort = false;
  // Parse once here too, so events can name their tasks.
  auto text = read_file(r.options.tasks_path);
  const Plan plan = text ? parse_tasks_md(*text) : Plan{};
  RunOptions opt = r.options;
  StockPolicyOptions popt = r.policy_options;
  std::unique_ptr<Runner> runner;
  if (r.version >= 2) {
    if (const int rc = configure(r, opt, popt, runner); rc != FLOW_OK) return rc;
    if (r.has_selected) {
      if (text && r.selected.size() != plan.tasks.size())
        return misuse("flow_run_execute: selected needs one entry per task of the plan");
      for (unsigned char c : r.selected) opt.selected.push_back(c != 0);
    }
  }
  std::shared_ptr<RecoveryPolicy> policy = r.policy ? r.policy : std::make_shared<StockPolicy>(popt);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> events(nullptr, &std::fclose);
  if (!r.events_path.empty()) {
    events.reset(std::fopen(r.events_path.c_str(), "w"));
    if (!events) return fail(FLOW_EIO, "cannot write " + r.events_path);
  }
  CallbackObserver obs(r, plan, events.get());
  if (!runner) runner = make_process_runner();
  auto rep = run(opt, *runner, *policy, obs);
  if (r.user_abort) return fail(FLOW_EUSER, "the run was stopped by its event callback");
  if (!rep) return fail(rep.error());
  r.last = std::move(*rep);
  return FLOW_OK;
}

}  // namespace

int flow_run_options_init(flow_run_options* opts, unsigned int version) {
  if (!opts) return misuse("flow_run_options_init: null argument");
  if (version == 1) {  // a caller built against the first header has only the first eight fields
    opts->version = 1;
    opts->tasks_path = opts->agent_command = opts->workdir = nullptr;
    opts->workers = 1;
    opts->task_timeout = 0;
    opts->fail_fast = opts->dry_run = 0;
    return FLOW_OK;
  }
  if (version != 2 && version != FLOW_RUN_OPTIONS_VERSION) return fail(FLOW_EVERSION, "flow_run_options: unknown version");
  // A version-2 caller's struct ends before the version-3 fields: write only its own.
  const flow_run_options init FLOW_RUN_OPTIONS_INIT;
  std::memcpy(static_cast<void*>(opts), &init,
              version == 2 ? offsetof(flow_run_options, append_instructions) : sizeof init);
  opts->version = version;
  return FLOW_OK;
}

int flow_run_new(flow_run** out, const flow_run_options* opts, flow_policy* policy, flow_run_event_cb cb, void* payload) {
  return guarded([&]() -> int { return new_run(out, opts, policy, cb, nullptr, payload); });
}

int flow_run_new_v2(flow_run** out, const flow_run_options* opts, flow_policy* policy, flow_run_event_v2_cb cb,
                    void* payload) {
  return guarded([&]() -> int { return new_run(out, opts, policy, nullptr, cb, payload); });
}

int flow_run_execute(flow_run* r, flow_run_report* out) {
  reset(out);
  return guarded([&]() -> int {
    if (!r || !out) return misuse("flow_run_execute: null argument");
    if (const int rc = execute(*r); rc != FLOW_OK) return rc;
    const RunReport& rep = r->last;
    *out = flow_run_report{rep.succeeded, rep.failed, rep.blocked, rep.skipped, rep.retries,
                           rep.interrupted ? 1 : 0, rep.wall};
    return FLOW_OK;
  });
}

namespace {

// Versions 2, 3 and 4 of the report each append to the one before (so one layout, v4's,
// describes them all); a caller's struct ends where its version's fields do.
static_assert(offsetof(flow_run_report_v4, rolled_back_to) == offsetof(flow_run_report_v2, rolled_back_to) &&
              offsetof(flow_run_report_v4, needs_attention) == offsetof(flow_run_report_v3, needs_attention));

std::size_t report_bytes(unsigned int version) noexcept {
  switch (version) {
    case FLOW_RUN_REPORT_VERSION: return offsetof(flow_run_report_v4, needs_attention);
    case FLOW_RUN_REPORT_V3_VERSION: return offsetof(flow_run_report_v4, stopped);
    case FLOW_RUN_REPORT_V4_VERSION: return sizeof(flow_run_report_v4);
    default: return 0;
  }
}

// Writes the fields of `version` (from 2 up to `newest`, what the caller's struct can
// be) from `report` over `out`, and the version; nothing past them.
int put_report(void* out, unsigned int version, unsigned int newest, flow_run_report_v4 report) noexcept {
  if (version < FLOW_RUN_REPORT_VERSION || version > newest) return fail(FLOW_EVERSION, "flow_run_report: unknown version");
  report.version = version;
  std::memcpy(out, &report, report_bytes(version));
  return FLOW_OK;
}

flow_run_report_v4 report_v4(const RunReport& rep) {
  return {FLOW_RUN_REPORT_V4_VERSION, rep.succeeded, rep.failed, rep.blocked, rep.skipped, rep.retries,
          rep.interrupted ? 1 : 0, rep.wall, rep.workers, rep.busy, rep.cost_usd, rep.run_id.c_str(),
          rep.journal_path.c_str(), to_string(rep.isolation), rep.branch.c_str(), rep.checkpoint.c_str(),
          rep.rolled_back_to.c_str(), rep.needs_attention, rep.stopped, rep.done_before, rep.excluded};
}

// flow_run_execute_v2, _v3 and _v4: the report's version is read before anything else, and
// the report reset to it, so that a failure leaves it as its _init() would.
int execute_versioned(flow_run* r, void* out, unsigned int newest, const char* who) {
  if (!out) return fail(FLOW_EMISUSE, std::string(who) + ": null argument");
  unsigned int version = 0;
  std::memcpy(&version, out, sizeof version);
  if (const int rc = put_report(out, version, newest, flow_run_report_v4 FLOW_RUN_REPORT_V4_INIT); rc != FLOW_OK)
    return rc;
  if (!r) return fail(FLOW_EMISUSE, std::string(who) + ": null argument");
  if (const int rc = execute(*r); rc != FLOW_OK) return rc;
  return put_report(out, version, newest, report_v4(r->last));
}

}  // namespace

int flow_run_report_init(flow_run_report_v2* out, unsigned int version) {
  if (!out) return misuse("flow_run_report_init: null argument");
  return put_report(out, version, FLOW_RUN_REPORT_VERSION, flow_run_report_v4 FLOW_RUN_REPORT_V4_INIT);
}

int flow_run_execute_v2(flow_run* r, flow_run_report_v2* out) {
  return guarded([&]() -> int { return execute_versioned(r, out, FLOW_RUN_REPORT_VERSION, "flow_run_execute_v2"); });
}

int flow_run_report_v3_init(flow_run_report_v3* out, unsigned int version) {
  if (!out) return misuse("flow_run_report_v3_init: null argument");
  return put_report(out, version, FLOW_RUN_REPORT_V3_VERSION, flow_run_report_v4 FLOW_RUN_REPORT_V4_INIT);
}

int flow_run_execute_v3(flow_run* r, flow_run_report_v3* out) {
  return guarded([&]() -> int { return execute_versioned(r, out, FLOW_RUN_REPORT_V3_VERSION, "flow_run_execute_v3"); });
}

int flow_run_report_v4_init(flow_run_report_v4* out, unsigned int version) {
  if (!out) return misuse("flow_run_report_v4_init: null argument");
  return put_report(out, version, FLOW_RUN_REPORT_V4_VERSION, flow_run_report_v4 FLOW_RUN_REPORT_V4_INIT);
}

int flow_run_execute_v4(flow_run* r, flow_run_report_v4* out) {
  return guarded([&]() -> int { return execute_versioned(r, out, FLOW_RUN_REPORT_V4_VERSION, "flow_run_execute_v4"); });
}

int flow_run_retry(flow_run* r, const char* task_id, const char* hint) {
  return guarded([&]() -> int {
    if (!r || !task_id || !*task_id) return misuse("flow_run_retry: null run or task_id");
    ControlRequest c;
    c.action = ControlRequest::Action::retry;
    c.task = task_id;
    c.line = 0;  // found by its ID
    c.hint = hint ? hint : "";
    if (c.hint.size() > 16 * 1024) return misuse("flow_run_retry: the hint is longer than 16 KiB");
    c.by = "flow_run_retry";
    r->control.post(std::move(c));
    return FLOW_OK;
  });
}

int flow_run_cancel(flow_run* r) {
  if (!r) {
    // A static text and no allocation: this may run in a signal handler.
    t_error = {FLOW_EMISUSE, "flow_run_cancel: null argument", 0};
    return FLOW_EMISUSE;
  }
  r->interrupt.fetch_add(1);
  return FLOW_OK;
}

void flow_run_free(flow_run* r) { delete r; }

// ---- marks --------------------------------------------------------------------------------

int flow_marks_set(const char* path, const char* original, size_t original_len, const int* lines,
                   const char* const* ids, const int* done, size_t count) {
  return guarded([&]() -> int {
    if (!path || (!original && original_len) || (count && (!lines || !ids || !done)))
      return misuse("flow_marks_set: null argument");
    std::vector<MarkChange> changes;
    for (size_t i = 0; i < count; ++i) {
      if (!ids[i]) return misuse("flow_marks_set: null id");
      changes.push_back(MarkChange{lines[i], ids[i], done[i] != 0});
    }
    auto r = update_marks_in_file(path, std::string_view(original ? original : "", original_len), changes);
    if (!r) return fail(r.error());
    return FLOW_OK;
  });
}

}  // extern "C"
