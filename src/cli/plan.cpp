// SPDX-License-Identifier: MIT
// `flow plan`: the dependency graph, waves, critical path, makespan and locks of a
// tasks.md, and `--explain ID` for why a task waits.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/display_width.hpp"
#include "cli/options.hpp"
#include "cli/history.hpp"

#include <flow/run.hpp>
#include <flow/settings.hpp>
#include "support/json.hpp"

using flow::detail::Json;

#include <flow/estimate.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>

namespace flow::cli {

namespace {

// The IDs of `tasks` but `skip`, the first `max` of them and a count of the rest: one
// line however many tasks share a file.
std::string task_list(const TaskGraph& g, const std::vector<int>& tasks, int skip, std::size_t max) {
  std::string out;
  std::size_t listed = 0, more = 0;
  for (int t : tasks) {
    if (t == skip) continue;
    if (listed == max) {
      ++more;
      continue;
    }
    out += (listed++ ? ", " : "") + g.plan().tasks[static_cast<std::size_t>(t)].id;
  }
  if (more > 0) out += fmt::format(" and {} more", more);
  return out;
}

std::string label(const TaskGraph& g, int v) {
  if (g.is_gate(v)) return "\"" + g.gate_name(v) + "\"";
  return g.plan().tasks[static_cast<std::size_t>(v)].id;
}

// Every task index whose ID is `id`.
std::vector<int> find_tasks(const Plan& plan, const std::string& id) {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(plan.tasks.size()); ++i)
    if (plan.tasks[static_cast<std::size_t>(i)].id == id) out.push_back(i);
  return out;
}

void explain(const TaskGraph& g, int t) {
  const Plan& plan = g.plan();
  const Task& task = plan.tasks[static_cast<std::size_t>(t)];
  fmt::print("{} (line {}): {}\n", printable(task.id), task.line, printable(task.description));
  fmt::print("  phase: {}\n", printable(plan.phases[static_cast<std::size_t>(task.phase)].title));
  if (!task.paths.empty()) {
    fmt::print("  files:");
    for (const auto& p : task.paths) fmt::print(" {}", p.path);
    fmt::print("\n");
  } else {
    fmt::print("  files: unknown (the task names none)\n");
  }
  const auto in = g.edges_into(t);
  if (in.empty()) fmt::print("  waits for nothing: it can start first\n");
  else fmt::print("  waits for:\n");
  for (const Edge* e : in) {
    std::string who = label(g, e->from);
    if (g.is_gate(e->from)) {
      std::vector<int> members;
      for (int u : g.predecessors(e->from))
        if (!g.is_gate(u)) members.push_back(u);
      who += fmt::format(" (all {} of its tasks)", members.size());
    }
    fmt::print("    {:<28} {}{}: {}\n", who, to_string(e->reason.rule),
               e->reason.line ? fmt::format(", line {}", e->reason.line) : "", e->reason.words);
  }
  std::vector<std::string> after;
  for (int s : g.successors(t))
    if (!g.is_gate(s)) after.push_back(label(g, s));
    else after.push_back(label(g, s) + " (then what follows it)");
  if (!after.empty()) {
    fmt::print("  is waited for by:");
    for (const auto& a : after) fmt::print(" {}", a);
    fmt::print("\n");
  }
  for (const LockConflict& c : g.lock_conflicts()) {
    std::vector<int> others;
    for (const auto* list : {&c.tasks, &c.inside})
      for (int u : *list)
        if (c.excludes(t, u)) others.push_back(u);
    if (others.empty()) continue;
    std::sort(others.begin(), others.end());
    fmt::print("  never runs together with {} ({})\n", task_list(g, others, t, 8), c.path);
  }
}

void print_json(const Loaded& l, const TaskGraph& g, int workers, const std::vector<double>& dur,
                const CriticalPath& cp, double makespan, double lb, double tight) {
  Json j;
  j.begin_object().field("schema", "flow-plan/2").field("file", l.path).field("workers", workers);
  const auto waves = g.waves();
  std::vector<int> wave_of(static_cast<std::size_t>(g.task_count()), 0);
  for (std::size_t w = 0; w < waves.size(); ++w)
    for (int t : waves[w]) wave_of[static_cast<std::size_t>(t)] = static_cast<int>(w) + 1;
  j.key("tasks").begin_array();
  for (int t = 0; t < g.task_count(); ++t) {
    const Task& task = g.plan().tasks[static_cast<std::size_t>(t)];
    j.begin_object().field("id", task.id).field("line", task.line).field("state", to_string(task.state))
        .field("wave", wave_of[static_cast<std::size_t>(t)]).field("estimate", dur[static_cast<std::size_t>(t)]);
    j.key("waits_for").begin_array();
    for (int p : g.task_predecessors(t)) j.value(g.plan().tasks[static_cast<std::size_t>(p)].id);
    j.end_array().end_object();
  }
  j.end_array();
  j.key("gates").begin_array();
  for (int v = g.task_count(); v < g.node_count(); ++v) j.value(g.gate_name(v));
  j.end_array();
  j.key("edges").begin_array();
  for (const Edge& e : g.edges()) {
    j.begin_object();
    j.key("from");
    if (g.is_gate(e.from)) j.value("gate:" + g.gate_name(e.from)); else j.value(g.plan().tasks[static_cast<std::size_t>(e.from)].id);
    j.key("to");
    if (g.is_gate(e.to)) j.value("gate:" + g.gate_name(e.to)); else j.value(g.plan().tasks[static_cast<std::size_t>(e.to)].id);
    j.field("rule", to_string(e.reason.rule)).field("line", e.reason.line).field("words", e.reason.words).end_object();
  }
  j.end_array();
  j.key("waves").begin_array();
  for (const auto& w : waves) {
    j.begin_array();
    for (int t : w) j.value(g.plan().tasks[static_cast<std::size_t>(t)].id);
    j.end_array();
  }
  j.end_array();
  j.key("critical_path").begin_array();
  for (int t : cp.tasks) j.value(g.plan().tasks[static_cast<std::size_t>(t)].id);
  j.end_array();
  j.field("critical_path_seconds", cp.length).field("makespan_seconds", makespan).field("lower_bound_seconds", lb)
      .field("tight_lower_bound_seconds", tight);
  j.key("lock_conflicts").begin_array();
  for (const LockConflict& c : g.lock_conflicts()) {
    j.begin_object().field("path", c.path).key("tasks").begin_array();
    for (int t : c.tasks) j.value(g.plan().tasks[static_cast<std::size_t>(t)].id);
    j.end_array().key("inside").begin_array();
    for (int t : c.inside) j.value(g.plan().tasks[static_cast<std::size_t>(t)].id);
    j.end_array().field("parallel", c.parallel).end_object();
  }
  j.end_array();
  j.key("diagnostics").begin_array();
  for (const auto* list : {&g.plan().diagnostics, &g.diagnostics()})
    for (const Diagnostic& d : *list)
      j.begin_object().field("line", d.line).field("severity", to_string(d.severity)).field("code", d.code)
          .field("message", d.message).end_object();
  j.end_array().end_object();
  fmt::print("{}\n", j.str());
}

std::string quote_dot(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void print_dot(const TaskGraph& g) {
  fmt::print("digraph flow {{\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
  for (int t = 0; t < g.task_count(); ++t) {
    const Task& task = g.plan().tasks[static_cast<std::size_t>(t)];
    fmt::print("  n{} [label={}{}];\n", t, quote_dot(task.id), task.state == TaskState::done ? ", style=filled, fillcolor=palegreen" : "");
  }
  for (int v = g.task_count(); v < g.node_count(); ++v)
    fmt::print("  n{} [label={}, shape=point, xlabel={}];\n", v, quote_dot(""), quote_dot(g.gate_name(v).substr(0, 40)));
  for (const Edge& e : g.edges()) fmt::print("  n{} -> n{};\n", e.from, e.to);
  fmt::print("}}\n");
}

void print_mermaid(const TaskGraph& g) {
  fmt::print("flowchart TD\n");
  for (int t = 0; t < g.task_count(); ++t) fmt::print("  n{}[\"{}\"]\n", t, g.plan().tasks[static_cast<std::size_t>(t)].id);
  for (int v = g.task_count(); v < g.node_count(); ++v) {
    std::string name = g.gate_name(v).substr(0, 40);
    std::replace(name.begin(), name.end(), '"', '\'');
    fmt::print("  n{}((\"{}\"))\n", v, name);
  }
  for (const Edge& e : g.edges()) fmt::print("  n{} --> n{}\n", e.from, e.to);
}

// The readable plan: phases, waves, critical path, estimate, locks, gates, diagnostics.
void print_text(const std::string& path, const TaskGraph& g, int workers, const std::vector<Estimate>& estimates, int samples,
                const CriticalPath& cp, double makespan, double lb, double tight) {
  const Plan& plan = g.plan();
  std::size_t done = 0;
  for (const Task& t : plan.tasks) done += t.state != TaskState::pending;
  fmt::print("{}: {} tasks ({} already done or not to run) in {} phases; {} workers\n\n", path, plan.tasks.size(), done,
             plan.phases.size(), workers);
  fmt::print("Phases\n");
  std::map<int, int> per_phase;
  for (const Task& t : plan.tasks) ++per_phase[t.phase];
  for (std::size_t p = 0; p < plan.phases.size(); ++p) {
    const Phase& ph = plan.phases[p];
    fmt::print("  {:>3}  {} [{}{}] {} tasks\n", ph.line, ph.title.empty() ? "(before the first heading)" : printable(ph.title),
               to_string(ph.kind), ph.story ? fmt::format(" US{}", ph.story) : "", per_phase[static_cast<int>(p)]);
  }
  fmt::print("\nWaves (tasks in a wave can run together, locks aside)\n");
  const auto waves = g.waves();
  for (std::size_t w = 0; w < waves.size(); ++w) {
    fmt::print("  {:>3}:", w + 1);
    std::size_t shown = 0;
    for (int t : waves[w]) {
      if (shown++ == 16) { fmt::print(" … +{}", waves[w].size() - 16); break; }
      const Task& task = plan.tasks[static_cast<std::size_t>(t)];
      // Done is ✓; any other mark is shown as written: `[~]` is not done.
      if (task.state == TaskState::other) fmt::print(" {}[{}]", task.id, printable(std::string(1, task.mark)));
      else fmt::print(" {}{}", task.id, task.state == TaskState::done ? "✓" : "");
    }
    fmt::print("\n");
  }
  fmt::print("\nCritical path ({} tasks, {}):", cp.tasks.size(), human_seconds(cp.length));
  for (std::size_t k = 0; k < cp.tasks.size(); ++k) {
    if (k == 24) { fmt::print(" … +{}", cp.tasks.size() - 24); break; }
    fmt::print("{}{}", k ? " → " : " ", plan.tasks[static_cast<std::size_t>(cp.tasks[k])].id);
  }
  if (samples > 0)
    fmt::print("\nEstimated makespan on {} workers: {}, from {} finished tasks in the journal\n", workers,
               human_seconds(makespan), samples);
  else
    fmt::print("\nEstimated makespan on {} workers: {}, at {} per task without history\n", workers, human_seconds(makespan),
               human_seconds(estimates.empty() ? 0.0 : estimates.front().expected));
  fmt::print("  efficiency {:.3f} against the tight bound {} (phases, workers, file locks); {:.3f} against the\n"
             "  simple bound {} (critical path, work / workers)\n",
             makespan > 0 ? tight / makespan : 1.0, human_seconds(tight), makespan > 0 ? lb / makespan : 1.0, human_seconds(lb));
  const auto& conflicts = g.lock_conflicts();
  if (!conflicts.empty()) {
    fmt::print("\nFile locks: {} file{} or folder{} shared by tasks that never run at the same time\n",
               conflicts.size(), conflicts.size() == 1 ? "" : "s", conflicts.size() == 1 ? "" : "s");
    std::size_t shown = 0;
    for (const LockConflict& c : conflicts) {
      if (shown++ == 12) { fmt::print("  … (--json lists all)\n"); break; }
      fmt::print("  {}  {}{}{}\n", c.path, task_list(g, c.tasks, -1, 6),
                 c.inside.empty() ? "" : fmt::format("; inside it: {}", task_list(g, c.inside, -1, 6)),
                 c.parallel > 1 ? fmt::format("  ({} of them [P])", c.parallel) : "");
    }
  }
  {
    // The checks each attempt must pass before its work merges (flow run).
    const std::string workdir = default_workdir(path);
    std::vector<Gate> gates;
    bool configured = false;
    if (auto st = load_settings(workdir + "/.flow/config.yaml"); st && st->validation_configured) {
      gates = configured_gates(*st);
      configured = true;
    } else {
      gates = detect_gates(workdir);
    }
    fmt::print("\nValidation after each task ({}):", configured ? "from .flow/config.yaml" : "detected");
    if (gates.empty()) fmt::print(" none{}", configured ? "" : " found (set testing.runTests in .flow/config.yaml)");
    fmt::print("\n");
    for (const Gate& gate : gates) {
      std::string argv;
      for (const auto& a : gate.argv) argv += (argv.empty() ? "" : " ") + a;
      fmt::print("  {:<7} {}  ({})\n", gate.name, argv, gate.source);
    }
  }
  std::size_t warnings = 0;
  for (const auto* list : {&plan.diagnostics, &g.diagnostics()})
    for (const Diagnostic& d : *list) {
      if (d.severity == Severity::info) continue;
      if (warnings++ == 0) fmt::print("\n");
      fmt::print("{}:{}: {}: {} [{}]\n", path, d.line, to_string(d.severity), printable(d.message), d.code);
    }
  fmt::print("\n'flow plan {} --explain ID' shows why a task waits.\n", path);
}

int plan_tasks(const Args& args) {
  std::string path = args.operands.empty() ? std::string() : args.operands.front();
  std::string explain_id = args.value("explain") ? *args.value("explain") : std::string();
  std::string format;
  for (const auto& [name, value] : args.given)
    if (name == "json" || name == "dot" || name == "mermaid") format = name;
  GraphOptions gopt;
  if (const std::string* v = args.value("stories")) gopt.stories_parallel = *v == "parallel";
  if (path.empty() && !find_feature_tasks("plan", path)) return kUsage;
  int workers = default_workers(path);
  if (const std::string* v = args.value("workers")) {
    auto n = parse_count("plan", "--workers", *v);
    if (!n) return kUsage;
    workers = *n;
  }
  Loaded l = load(path, gopt);
  if (!l.graph) return l.exit;
  const TaskGraph& g = *l.graph;
  const Plan& plan = g.plan();
  if (plan.tasks.empty() && format.empty() && explain_id.empty()) {
    fmt::print("{}: no tasks (no line is a task: see 'flow check {} --verbose')\n", path, path);
    return l.exit;
  }

  if (!explain_id.empty()) {
    const auto found = find_tasks(plan, explain_id);
    if (found.empty()) { fmt::print(stderr, "flow plan: no task {} in {}\n", explain_id, path); return kUsage; }
    for (int t : found) explain(g, t);
    return l.exit;
  }

  // From the journal's earlier runs when there are any; else the default estimate.
  int samples = 0;
  const std::vector<Estimate> estimates = history_estimates(default_workdir(path), path, plan, l.text, &samples);
  std::vector<double> dur;
  for (const Estimate& e : estimates) dur.push_back(e.expected);
  std::vector<double> todo = dur;
  for (int t = 0; t < g.task_count(); ++t)
    if (plan.tasks[static_cast<std::size_t>(t)].state != TaskState::pending) todo[static_cast<std::size_t>(t)] = 0;
  const CriticalPath cp = g.critical_path(todo);
  const double makespan = list_schedule_makespan(g, todo, workers);
  const double lb = g.makespan_lower_bound(todo, workers);
  const double tight = makespan_lower_bound_tight(g, todo, workers);

  if (format == "json") { print_json(l, g, workers, dur, cp, makespan, lb, tight); return l.exit; }
  if (format == "dot") { print_dot(g); return l.exit; }
  if (format == "mermaid") { print_mermaid(g); return l.exit; }

  print_text(path, g, workers, estimates, samples, cp, makespan, lb, tight);
  return l.exit;
}

}  // namespace

const Command& plan_command() {
  static const Command cmd{
      "plan",
      "[<tasks.md>]",
      1,
      "the dependency graph, waves, critical path, locks",
      "Shows how flow would run tasks.md: phases, waves of tasks that can run together,\n"
      "the critical path, the estimated makespan with its lower bound, files shared by tasks\n"
      "(which never run together), and diagnostics. Nothing is run or written.\n",
      {
          {"workers", 'j', "N", "parallel agents to plan for (default: as flow run,\nimplementer.parallel.maxWorkers, else 1)"},
          {"explain", 0, "ID", "what task ID waits for, and why (rule, line, words)"},
          {"json", 0, "", "the graph as JSON (docs/plan-json.md)"},
          {"dot", 0, "", "the graph as a Graphviz diagram"},
          {"mermaid", 0, "", "the graph as a Mermaid diagram"},
          {"stories", 0, "S", "user-story phases run in parallel (default) or in sequence", {"parallel", "sequential"}},
      },
      "exit status: 0 no errors (warnings allowed); 2 errors (a cycle …), a usage or an I/O error\n",
      plan_tasks,
  };
  return cmd;
}

}  // namespace flow::cli
