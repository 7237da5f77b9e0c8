// SPDX-License-Identifier: MIT
// `flow simulate`: the real scheduler and recovery policy on a simulated clock.
#include "cli/commands.hpp"
#include "cli/common.hpp"

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

constexpr const char* kSimUsage =
    "usage: flow simulate <tasks.md> [--workers N] [--seed S] [--durations FILE] [--faults SPEC]\n"
    "                     [--fail-fast] [--order critical|document|random] [--wave-barriers]\n"
    "                     [--retries N] [--story USn] [--only IDS] [--resource ID_OR_LABEL=NAME]\n"
    "                     [--json] [--eta-trace]\n"
    "\n"
    "Runs flow's scheduler and recovery policy against a simulated clock: nothing is\n"
    "executed. Prints the makespan, its efficiency against the simple and the tight lower\n"
    "bound (bound / makespan), retries, idle\n"
    "worker-time, and every event in order.\n"
    "  --durations FILE  lines 'ID SECONDS'; other tasks get seeded lognormal durations\n"
    "                    around 5 minutes\n"
    "  --faults SPEC     comma-separated ID=class[*N][@reset]: the first N attempts of ID\n"
    "                    fail with class (network, timeout, rate_limit, temporary, auth,\n"
    "                    config, invalid_input, refused, budget, validation, crash, unknown);\n"
    "                    @reset: a rate limit's reset, seconds later; *=class%P: every\n"
    "                    attempt fails with probability P percent\n"
    "  --order O         baselines: document (FIFO) or random order instead of critical path\n"
    "  --wave-barriers   baseline: start a whole wave and wait for all of it\n"
    "  --story US1       run only that story's tasks (repeatable); --only T004-T010,T012:\n"
    "                    only those tasks. Prerequisites outside them are reported\n"
    "  --resource X=N    tasks with ID or label X claim resource N exclusively (db, port:3000)\n"
    "  --eta-trace       instead: one JSON line per completion with the finish the live view\n"
    "                    would forecast then ({\"done\", \"total\", \"time\", \"eta\", \"eta_low\",\n"
    "                    \"eta_high\", \"bottleneck\"}; seconds from the start; the range is the\n"
    "                    10th to 90th percentile). The forecast sees only what has finished\n"
    "exit status: 0 all tasks done, 1 some failed or blocked, 2 usage or input error\n";

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

}  // namespace

int cmd_simulate(const std::vector<std::string>& args) {
  std::string path, durations_file, faults_spec, only;
  std::vector<std::string> stories;
  std::vector<std::pair<std::string, std::string>> resources;
  SimOptions opt;
  opt.scheduler.workers = 4;
  StockPolicyOptions popt;
  bool json = false, trace = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      if (i + 1 < args.size()) return &args[++i];
      fmt::print(stderr, "flow simulate: {} needs a value\n", a);
      return nullptr;
    };
    if (a == "-h" || a == "--help") { fmt::print("{}", kSimUsage); return kOk; }
    if (a == "--json") { json = true; continue; }
    if (a == "--eta-trace") { trace = true; continue; }
    if (a == "--fail-fast") { opt.scheduler.fail_fast = popt.fail_fast = true; continue; }
    if (a == "--wave-barriers") { opt.wave_barriers = true; continue; }
    if (a == "--workers" || a == "-j" || a == "--retries") {
      const std::string* v = value();
      if (!v) return kUsage;
      if (a == "--retries") {
        char* end = nullptr;
        const long r = std::strtol(v->c_str(), &end, 10);
        if (v->empty() || *end || r < 0 || r > 100) { fmt::print(stderr, "flow simulate: --retries takes 0 to 100\n"); return kUsage; }
        popt.max_retries = static_cast<int>(r);
        continue;
      }
      auto n = parse_count("simulate", a, *v);
      if (!n) return kUsage;
      opt.scheduler.workers = *n;
      continue;
    }
    if (a == "--seed") {
      const std::string* v = value();
      if (!v) return kUsage;
      char* end = nullptr;
      opt.seed = std::strtoull(v->c_str(), &end, 10);
      if (v->empty() || *end) { fmt::print(stderr, "flow simulate: --seed takes a number\n"); return kUsage; }
      popt.seed = opt.seed;
      continue;
    }
    if (a == "--durations") { const std::string* v = value(); if (!v) return kUsage; durations_file = *v; continue; }
    if (a == "--story") { const std::string* v = value(); if (!v) return kUsage; stories.push_back(*v); continue; }
    if (a == "--only") { const std::string* v = value(); if (!v) return kUsage; only = *v; continue; }
    if (a == "--resource") {
      const std::string* v = value();
      if (!v) return kUsage;
      const std::size_t eq = v->find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v->size()) {
        fmt::print(stderr, "flow simulate: --resource takes ID_OR_LABEL=NAME\n");
        return kUsage;
      }
      resources.emplace_back(v->substr(0, eq), v->substr(eq + 1));
      continue;
    }
    if (a == "--faults") { const std::string* v = value(); if (!v) return kUsage; faults_spec = *v; continue; }
    if (a == "--order") {
      const std::string* v = value();
      if (!v) return kUsage;
      if (*v == "critical") opt.scheduler.order = ScheduleOrder::critical_path;
      else if (*v == "document") opt.scheduler.order = ScheduleOrder::document;
      else if (*v == "random") opt.scheduler.order = ScheduleOrder::random;
      else { fmt::print(stderr, "flow simulate: --order takes critical, document or random\n"); return kUsage; }
      continue;
    }
    if (!a.empty() && a[0] == '-') { fmt::print(stderr, "flow simulate: unknown option '{}'\n{}", a, kSimUsage); return kUsage; }
    if (!path.empty()) { fmt::print(stderr, "flow simulate: more than one file given\n"); return kUsage; }
    path = a;
  }
  if (path.empty()) { fmt::print(stderr, "flow simulate: no tasks.md given\n{}", kSimUsage); return kUsage; }
  Loaded l = load(path, {});
  if (!l.graph || l.exit != 0) return kUsage;
  const TaskGraph& g = *l.graph;
  const Plan& plan = g.plan();

  opt.durations = lognormal_durations(g.task_count(), 300, 0.5, opt.seed);
  opt.scheduler.seed = opt.seed;
  if (!durations_file.empty() && !read_durations(durations_file, plan, opt.durations)) return kUsage;
  if (!faults_spec.empty()) {
    auto f = parse_faults(faults_spec);
    if (!f) { fmt::print(stderr, "flow simulate: {}\n", f.error().message); return kUsage; }
    opt.faults = std::move(*f);
  }
  {
    std::string error;
    auto sel = select_tasks(plan, only, stories, error);
    if (!sel) { fmt::print(stderr, "flow simulate: {}\n", error); return kUsage; }
    opt.scheduler.selected = std::move(*sel);
  }
  if (!resources.empty()) {
    opt.scheduler.resources.assign(plan.tasks.size(), {});
    for (std::size_t t = 0; t < plan.tasks.size(); ++t)
      for (const auto& [who, name] : resources) {
        const Task& task = plan.tasks[t];
        if (task.id == who || task.story_label == who ||
            std::find(task.labels.begin(), task.labels.end(), who) != task.labels.end())
          opt.scheduler.resources[t].push_back(name);
      }
  }
  StockPolicy policy(popt);
  const SimReport r = simulate(g, opt, policy);

  std::map<TaskStatus, int> counts;
  for (TaskStatus s : r.status) ++counts[s];
  const bool all_done = counts[TaskStatus::failed] == 0 && counts[TaskStatus::blocked] == 0 &&
                        counts[TaskStatus::waiting] == 0 && counts[TaskStatus::ready] == 0;
  auto id = [&](int t) { return t < 0 ? std::string("-") : plan.tasks[static_cast<std::size_t>(t)].id; };
  if (trace) {
    // Without history, as a first run: every task starts from the default estimate.
    const std::vector<Estimate> prior = Estimator().estimate_all(plan);
    for (const EtaPoint& p : eta_trace(g, r, prior, opt.scheduler.workers, {}, opt.scheduler.resources)) {
      Json j;
      j.begin_object().field("done", p.done).field("total", p.total).field("time", p.time).field("eta", p.forecast.expected)
          .field("eta_low", p.forecast.low).field("eta_high", p.forecast.high).field("bottleneck", p.forecast.bottleneck)
          .end_object();
      fmt::print("{}\n", j.str());
    }
    return all_done ? kOk : kFailed;
  }
  if (json) {
    Json j;
    j.begin_object().field("schema", "flow-simulate/1").field("file", path).field("workers", opt.scheduler.workers)
        .field("seed", static_cast<long long>(opt.seed)).field("makespan", r.makespan).field("lower_bound", r.lower_bound)
        .field("efficiency", r.efficiency).field("tight_lower_bound", r.tight_lower_bound)
        .field("tight_efficiency", r.tight_efficiency).field("busy", r.busy).field("idle", r.idle).field("attempts", r.attempts)
        .field("retries", r.retries);
    j.key("tasks").begin_array();
    for (int t = 0; t < g.task_count(); ++t)
      j.begin_object().field("id", id(t)).field("line", plan.tasks[static_cast<std::size_t>(t)].line)
          .field("status", to_string(r.status[static_cast<std::size_t>(t)])).field("duration", r.durations[static_cast<std::size_t>(t)])
          .end_object();
    j.end_array();
    j.key("events").begin_array();
    for (const SimEvent& e : r.events)
      j.begin_object().field("time", e.time).field("kind", e.kind).field("task", id(e.task)).field("attempt", e.attempt)
          .field("detail", e.detail).end_object();
    j.end_array().end_object();
    fmt::print("{}\n", j.str());
    return all_done ? kOk : kFailed;
  }
  for (const SimEvent& e : r.events)
    fmt::print("{:>10}  {:<6} {:<8}{}{}\n", human_seconds(e.time), e.kind, id(e.task),
               e.attempt > 1 ? fmt::format(" (attempt {})", e.attempt) : "", e.detail.empty() ? "" : "  " + e.detail);
  fmt::print("\n{}: {} tasks on {} workers (seed {})\n", path, g.task_count(), opt.scheduler.workers, opt.seed);
  fmt::print("  makespan    {}\n  lower bound {} (max of critical path and work / workers), tight bound {} (phases,\n"
             "              workers, file locks)\n  efficiency  {:.3f} against the tight bound ({:.3f} against the simple one)\n",
             human_seconds(r.makespan), human_seconds(r.lower_bound), human_seconds(r.tight_lower_bound), r.tight_efficiency,
             r.efficiency);
  fmt::print("  attempts    {} ({} retries)\n  idle        {} worker-time with no task to run\n", r.attempts, r.retries,
             human_seconds(r.idle));
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
  for (int t = 0; t < g.task_count(); ++t) {
    const TaskStatus st = r.status[static_cast<std::size_t>(t)];
    if (st == TaskStatus::failed) fmt::print("  failed:  {}\n", id(t));
    if (st != TaskStatus::blocked) continue;
    const int by = r.blocked_by[static_cast<std::size_t>(t)];
    if (by >= 0 && r.status[static_cast<std::size_t>(by)] == TaskStatus::excluded) {
      std::string needs;
      for (int p : g.task_predecessors(t))
        if (r.status[static_cast<std::size_t>(p)] == TaskStatus::excluded) needs += (needs.empty() ? "" : ", ") + id(p);
      fmt::print("  blocked: {} needs {}: outside the selection and not done\n", id(t), needs);
    } else {
      fmt::print("  blocked: {} (by {})\n", id(t), by < 0 ? std::string("the stop") : id(by));
    }
  }
  return all_done ? kOk : kFailed;
}

}  // namespace flow::cli
