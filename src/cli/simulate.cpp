// SPDX-License-Identifier: MIT
// `flow simulate`: the real scheduler and recovery policy on a simulated clock.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/options.hpp"

#include <flow/settings.hpp>
#include "support/json.hpp"

using flow::detail::Json;

#include <flow/simulate.hpp>
#include <flow/tasks_file.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace flow::cli {

namespace {

bool read_durations(const std::string& file, const Plan& plan, std::vector<double>& out) {
  auto text = read_file(file);
  if (!text) {
    fmt::print(stderr, "flow simulate: {}\n", text.error().message);
    return false;
  }
  std::map<std::string, double> by_id;
  std::istringstream in(*text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream ls(line);
    std::string id, value;
    if (!(ls >> id) || id[0] == '#') continue;
    auto secs = ls >> value ? parse_duration(value) : Result<double>(make_error(Errc::invalid_argument, "no duration"));
    if (!secs) {
      fmt::print(stderr, "{}:{}: error: expected 'ID SECONDS' (a duration from 0 to 30 days: 90, 90s, 30m)\n", file, n);
      return false;
    }
    by_id[id] = *secs;
  }
  for (std::size_t t = 0; t < plan.tasks.size(); ++t)
    if (auto it = by_id.find(plan.tasks[t].id); it != by_id.end()) out[t] = it->second;
  return true;
}

// A failed task whose ladder ran out: a person's turn (flow retry --hint).
bool attention(const SimReport& r, int t) {
  return std::find(r.needs_attention.begin(), r.needs_attention.end(), t) != r.needs_attention.end();
}

// What the flags ask for.
struct SimFlags {
  std::string path, durations_file, faults_spec, only, costs_spec;
  std::vector<std::string> stories;
  std::vector<std::pair<std::string, std::string>> resources;
  SimOptions opt;
  StockPolicyOptions popt;
};

std::optional<SimFlags> read_flags(const Args& args) {
  SimFlags f;
  if (!args.operands.empty()) f.path = args.operands.front();
  f.opt.scheduler.fail_fast = f.popt.fail_fast = args.has("fail-fast");
  f.opt.wave_barriers = args.has("wave-barriers");
  if (const std::string* v = args.value("retries")) {
    const auto r = parse_count("simulate", "--retries", *v, 0, 100);
    if (!r) return std::nullopt;
    f.popt.max_retries = *r;
  }
  if (const std::string* v = args.value("seed")) {
    char* end = nullptr;
    f.opt.seed = std::strtoull(v->c_str(), &end, 10);
    if (v->empty() || *end) { fmt::print(stderr, "flow simulate: --seed takes a number\n"); return std::nullopt; }
    f.popt.seed = f.opt.seed;
  }
  for (const std::string& v : args.values("resource")) {
    const std::size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == v.size()) {
      fmt::print(stderr, "flow simulate: --resource takes ID_OR_LABEL=NAME\n");
      return std::nullopt;
    }
    f.resources.emplace_back(v.substr(0, eq), v.substr(eq + 1));
  }
  if (const std::string* v = args.value("order"))
    f.opt.scheduler.order = *v == "document" ? ScheduleOrder::document : *v == "random" ? ScheduleOrder::random : ScheduleOrder::critical_path;
  if (const std::string* v = args.value("durations")) f.durations_file = *v;
  if (const std::string* v = args.value("faults")) f.faults_spec = *v;
  if (const std::string* v = args.value("only")) f.only = *v;
  f.stories = args.values("story");
  // Agents: the run's own, its fallbacks, and their caps.
  f.opt.agents.push_back(args.value("agent") ? *args.value("agent") : std::string("default"));
  for (const std::string& v : args.values("fallback")) f.opt.agents.push_back(v);
  for (const std::string& v : args.values("agent-workers")) {
    const std::size_t eq = v.find('=');
    const auto n = eq == std::string::npos || eq == 0 ? std::nullopt
                                                      : parse_count("simulate", "--agent-workers", v.substr(eq + 1));
    if (!n) {
      if (eq == std::string::npos || eq == 0) fmt::print(stderr, "flow simulate: --agent-workers takes AGENT=N\n");
      return std::nullopt;
    }
    f.opt.agent_max_workers[v.substr(0, eq)] = *n;
  }
  f.opt.aimd.enabled = !args.has("no-aimd");
  if (const std::string* v = args.value("costs")) f.costs_spec = *v;
  for (const auto& [flag, field] : {std::pair{"budget", &f.opt.budget.max_cost_usd},
                                    std::pair{"task-budget", &f.opt.budget.max_task_cost_usd}}) {
    const std::string* v = args.value(flag);
    if (!v) continue;
    char* end = nullptr;
    *field = std::strtod(v->c_str(), &end);
    if (v->empty() || *end || !(*field >= 0) || *field > 1e9) {
      fmt::print(stderr, "flow simulate: --{} takes an amount in USD (0.50)\n", flag);
      return std::nullopt;
    }
  }
  if (f.path.empty()) {
    fmt::print(stderr, "flow simulate: no tasks.md given\nRun 'flow help simulate' for its options.\n");
    return std::nullopt;
  }
  // The settings file's recovery (the fallback ladder, retries, optional tasks), as a
  // run would decide; --retries over it.
  if (const std::string cfg = default_settings_path(default_workdir(f.path)); !cfg.empty()) {
    if (auto st = load_settings(cfg)) {
      if (st->max_retries && !args.value("retries")) f.popt.max_retries = *st->max_retries;
      apply_recovery_settings(*st, f.popt);
    } else {
      fmt::print(stderr, "{}:{}: warning: {} (its errorRecovery is not used)\n", cfg, st.error().line, st.error().message);
    }
  }
  f.opt.scheduler.workers = default_workers(f.path);
  if (const std::string* v = args.value("workers")) {
    auto n = parse_count("simulate", "--workers", *v);
    if (!n) return std::nullopt;
    f.opt.scheduler.workers = *n;
  }
  return f;
}

// Durations, faults, the selection and resources, on the plan; false after saying why not.
bool prepare(SimFlags& f, const TaskGraph& g) {
  const Plan& plan = g.plan();
  SimOptions& opt = f.opt;
  opt.durations = lognormal_durations(g.task_count(), 300, 0.5, opt.seed);
  opt.scheduler.seed = opt.seed;
  if (!f.durations_file.empty() && !read_durations(f.durations_file, plan, opt.durations)) return false;
  if (!f.faults_spec.empty()) {
    auto faults = parse_faults(f.faults_spec);
    if (!faults) { fmt::print(stderr, "flow simulate: {}\n", faults.error().message); return false; }
    opt.faults = std::move(*faults);
  }
  if (!f.costs_spec.empty()) {
    // ID=USD,…,*=USD: what each attempt of a task costs (as an agent would report it).
    opt.costs.assign(plan.tasks.size(), 0);
    std::istringstream in(f.costs_spec);
    for (std::string item; std::getline(in, item, ',');) {
      const std::size_t eq = item.find('=');
      char* end = nullptr;
      const double usd = eq == std::string::npos ? -1 : std::strtod(item.c_str() + eq + 1, &end);
      if (eq == std::string::npos || eq == 0 || !end || *end || !(usd >= 0) || usd > 1e9) {
        fmt::print(stderr, "flow simulate: --costs \"{}\": expected ID=USD (T001=0.25, *=0.1)\n", item);
        return false;
      }
      const std::string who = item.substr(0, eq);
      for (std::size_t t = 0; t < plan.tasks.size(); ++t)
        if (who == "*" || plan.tasks[t].id == who) opt.costs[t] = usd;
    }
  }
  std::string error;
  auto sel = select_tasks(plan, f.only, f.stories, error);
  if (!sel) { fmt::print(stderr, "flow simulate: {}\n", error); return false; }
  opt.scheduler.selected = std::move(*sel);
  std::vector<std::pair<std::string, std::vector<std::string>>> claims;
  for (const auto& [who, name] : f.resources) claims.push_back({who, {name}});
  opt.scheduler.resources = resources_by_task(plan, claims);
  return true;
}

// One JSON line per completion: the finish the live view would forecast then.
void print_trace(const TaskGraph& g, const SimReport& r, const SchedulerOptions& sched) {
  // Without history, as a first run: every task starts from the default estimate.
  const std::vector<Estimate> prior = Estimator().estimate_all(g.plan());
  for (const EtaPoint& p : eta_trace(g, r, prior, sched.workers, {}, sched.resources)) {
    Json j;
    j.begin_object().field("done", p.done).field("total", p.total).field("time", p.time).field("eta", p.forecast.expected)
        .field("eta_low", p.forecast.low).field("eta_high", p.forecast.high).field("bottleneck", p.forecast.bottleneck)
        .end_object();
    fmt::print("{}\n", j.str());
  }
}

void print_json(const std::string& path, const TaskGraph& g, const SimOptions& opt, const SimReport& r) {
  const Plan& plan = g.plan();
  auto id = [&](int t) { return t < 0 ? std::string("-") : plan.tasks[static_cast<std::size_t>(t)].id; };
  Json j;
  j.begin_object().field("schema", "flow-simulate/1").field("file", path).field("workers", opt.scheduler.workers)
      .field("seed", static_cast<long long>(opt.seed)).field("makespan", r.makespan).field("lower_bound", r.lower_bound)
      .field("efficiency", r.efficiency).field("tight_lower_bound", r.tight_lower_bound)
      .field("tight_efficiency", r.tight_efficiency).field("busy", r.busy).field("idle", r.idle).field("attempts", r.attempts)
      .field("retries", r.retries).field("min_limit", r.min_limit);
  if (!opt.costs.empty()) j.field("cost_usd", r.cost_usd);
  if (!r.budget_reached.empty()) j.field("budget_reached", r.budget_reached);
  j.key("tasks").begin_array();
  for (int t = 0; t < g.task_count(); ++t)
    j.begin_object().field("id", id(t)).field("line", plan.tasks[static_cast<std::size_t>(t)].line)
        .field("status", attention(r, t) ? "needs-attention" : to_string(r.status[static_cast<std::size_t>(t)])).field("duration", r.durations[static_cast<std::size_t>(t)])
        .end_object();
  j.end_array();
  j.key("events").begin_array();
  for (const SimEvent& e : r.events)
    j.begin_object().field("time", e.time).field("kind", e.kind).field("task", id(e.task)).field("attempt", e.attempt)
        .field("detail", e.detail).end_object();
  j.end_array().end_object();
  fmt::print("{}\n", j.str());
}

void print_text(const std::string& path, const TaskGraph& g, const SimOptions& opt, const SimReport& r,
                const std::map<TaskStatus, int>& counts, bool quiet) {
  const Plan& plan = g.plan();
  auto id = [&](int t) { return t < 0 ? std::string("-") : plan.tasks[static_cast<std::size_t>(t)].id; };
  for (const SimEvent& e : quiet ? std::vector<SimEvent>{} : r.events)
    fmt::print("{:>10}  {:<6} {:<8}{}{}\n", human_seconds(e.time), e.kind, id(e.task),
               e.attempt > 1 ? fmt::format(" (attempt {})", e.attempt) : "", e.detail.empty() ? "" : "  " + e.detail);
  fmt::print("\n{}: {} tasks on {} workers (seed {})\n", path, g.task_count(), opt.scheduler.workers, opt.seed);
  fmt::print("  makespan    {}\n  lower bound {} (max of critical path and work / workers), tight bound {} (phases,\n"
             "              workers, file locks)\n  efficiency  {:.3f} against the tight bound ({:.3f} against the simple one)\n",
             human_seconds(r.makespan), human_seconds(r.lower_bound), human_seconds(r.tight_lower_bound), r.tight_efficiency,
             r.efficiency);
  fmt::print("  attempts    {} ({} retries)\n  idle        {} worker-time with no task to run\n", r.attempts, r.retries,
             human_seconds(r.idle));
  if (!opt.costs.empty()) fmt::print("  cost        {}\n", cost_text(r.cost_usd, true));
  if (!r.budget_reached.empty()) fmt::print("  budget      {}\n", r.budget_reached);
  fmt::print("  outcome    ");
  for (auto [s, n] : counts) fmt::print(" {} {}", n, to_string(s));
  fmt::print("\n");
  if (r.deadlock) {
    fmt::print("  deadlock: nothing can start, and tasks are left:\n");
    for (const auto& w : r.deadlock->waits) {
      fmt::print("    {} waits for", id(w.task));
      for (int p : w.waits_for) fmt::print(" {}", id(p));
      fmt::print("\n");
    }
  }
  std::vector<std::pair<std::string, std::string>> blocked;  // (task, its cause)
  for (int t = 0; t < g.task_count(); ++t) {
    const TaskStatus st = r.status[static_cast<std::size_t>(t)];
    if (st == TaskStatus::failed) fmt::print("  {} {}\n", attention(r, t) ? "needs attention:" : "failed: ", id(t));
    if (st != TaskStatus::blocked) continue;
    const int by = r.blocked_by[static_cast<std::size_t>(t)];
    if (by >= 0 && r.status[static_cast<std::size_t>(by)] == TaskStatus::excluded) {
      std::string needs;
      for (int p : g.task_predecessors(t))
        if (r.status[static_cast<std::size_t>(p)] == TaskStatus::excluded) needs += (needs.empty() ? "" : ", ") + id(p);
      fmt::print("  blocked: {} needs {}: outside the selection and not done\n", id(t), needs);
    } else {
      blocked.emplace_back(id(t), by < 0 ? std::string("the stop") : id(by));
    }
  }
  for (const std::string& line : blocked_lines(blocked)) fmt::print("  {}\n", line);
}

int simulate_tasks(const Args& args) {
  auto f = read_flags(args);
  if (!f) return kUsage;
  Loaded l = load(f->path, {});
  if (!l.graph || l.exit != 0) return kUsage;
  const TaskGraph& g = *l.graph;
  if (!prepare(*f, g)) return kUsage;
  StockPolicy policy(f->popt);
  const SimReport r = simulate(g, f->opt, policy);
  std::map<TaskStatus, int> counts;
  for (TaskStatus s : r.status) ++counts[s];
  const bool all_done = counts[TaskStatus::failed] == 0 && counts[TaskStatus::blocked] == 0 &&
                        counts[TaskStatus::waiting] == 0 && counts[TaskStatus::ready] == 0;
  if (args.has("eta-trace")) print_trace(g, r, f->opt.scheduler);
  else if (args.has("json")) print_json(f->path, g, f->opt, r);
  else print_text(f->path, g, f->opt, r, counts, args.verbosity == Verbosity::quiet);
  return all_done ? kOk : kFailed;
}

}  // namespace

const Command& simulate_command() {
  static const Command cmd{
      "simulate",
      "<tasks.md>",
      1,
      "run the scheduler on a simulated clock",
      "Runs flow's scheduler and recovery policy against a simulated clock: nothing is\n"
      "executed. Prints the makespan, its efficiency against the simple and the tight lower\n"
      "bound (bound / makespan), retries, idle worker-time, and every event in order.\n",
      {
          {"workers", 'j', "N", "parallel agents (default: as flow run, implementer.parallel.maxWorkers,\nelse 1)"},
          {"seed", 0, "S", "the seed of durations, faults and random order"},
          {"durations", 0, "FILE", "lines 'ID SECONDS'; other tasks get seeded lognormal durations\naround 5 minutes", {}, false, "file"},
          {"faults", 0, "SPEC",
           "comma-separated ID=class[*N][@reset]: the first N attempts of ID\n"
           "fail with class (network, timeout, rate_limit, temporary, auth,\n"
           "config, invalid_input, refused, budget, validation, crash, unknown);\n"
           "@reset: a rate limit's reset, seconds later; *=class%P: every\n"
           "attempt fails with probability P percent"},
          {"fail-fast", 0, "", "after a failure start nothing new"},
          {"retries", 0, "N", "retries per task for retryable failures (default 3)"},
          {"order", 0, "O", "baselines: document (FIFO) or random order instead of critical path",
           {"critical", "document", "random"}},
          {"wave-barriers", 0, "", "baseline: start a whole wave and wait for all of it"},
          {"agent", 0, "NAME", "the run's agent, as events name it (default: default)"},
          {"fallback", 0, "AGENT",
           "an agent the ready tasks move to while the run's agent's rate-limit\n"
           "gate is closed (repeatable, in order)", {}, true},
          {"agent-workers", 0, "A=N", "agent A runs at most N attempts at once (agents.A.maxWorkers;\nrepeatable)", {}, true},
          {"no-aimd", 0, "", "keep each agent's concurrency after rate limits (default: halve it,\nthen add one back every 30 s)"},
          {"costs", 0, "SPEC", "ID=USD,…,*=USD: what each attempt of a task costs"},
          {"budget", 0, "USD", "budget.maxCostUsd: once the run has cost this, nothing new starts"},
          {"task-budget", 0, "USD", "budget.maxTaskCostUsd: a task that has cost this is not retried"},
          {"story", 0, "USn", "only that story's tasks (repeatable); prerequisites outside are reported", {}, true},
          {"only", 0, "IDS", "only these tasks: T004-T010,T012"},
          {"resource", 0, "X=N", "tasks with ID or label X claim resource N exclusively (db, port:3000;\nrepeatable)", {}, true},
          {"json", 0, "", "the report as one JSON object"},
          {"eta-trace", 0, "",
           "instead: one JSON line per completion with the finish the live view\n"
           "would forecast then ({\"done\", \"total\", \"time\", \"eta\", \"eta_low\",\n"
           "\"eta_high\", \"bottleneck\"}; seconds from the start; the range is the\n"
           "10th to 90th percentile). The forecast sees only what has finished"},
      },
      "exit status: 0 all tasks done, 1 some failed or blocked, 2 usage or input error\n",
      simulate_tasks,
  };
  return cmd;
}

}  // namespace flow::cli
