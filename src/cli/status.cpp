// SPDX-License-Identifier: MIT
// `flow status`: where the last run of a tasks.md stands, from the journal and the file.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/display_width.hpp"
#include "cli/options.hpp"
#include "runtime/control_inbox.hpp"
#include "support/json.hpp"

#include <flow/run.hpp>
#include <flow/tasks_md.hpp>

#include <fmt/core.h>

#include <filesystem>
#include <algorithm>
#include <map>

using flow::detail::Json;

namespace flow::cli {

namespace {

// Whether a task's attempts ran on more than one agent (a fallback step moved it).
bool moved_agents(const JournalTask& t) {
  const auto first = std::find_if(t.agents.begin(), t.agents.end(), [](const std::string& a) { return !a.empty(); });
  return first != t.agents.end() &&
         std::any_of(first, t.agents.end(), [&](const std::string& a) { return !a.empty() && a != *first; });
}

// The recovery ladder, task by task: the strategy each attempt ran with (and its agent,
// when the task moved to another one), and the hints people gave.
void print_recovery(const JournalRun& run) {
  bool header = false;
  for (const JournalTask& t : run.tasks) {
    const bool any = std::any_of(t.strategies.begin(), t.strategies.end(), [](const std::string& x) { return !x.empty(); });
    const bool moved = moved_agents(t);
    if (!any && !moved && t.hints.empty()) continue;
    if (!header) fmt::print("\n  recovery:\n");
    header = true;
    std::string line;
    for (std::size_t a = 0; a < t.strategies.size(); ++a) {
      line += fmt::format("{}attempt {} {}", a ? ", " : "", a + 1, t.strategies[a].empty() ? "plain" : t.strategies[a]);
      if (moved && a < t.agents.size() && !t.agents[a].empty()) line += " on " + t.agents[a];
    }
    fmt::print("    {}: {}\n", t.id, line.empty() ? "no attempt yet" : line);
    for (const std::string& h : t.hints) fmt::print("      hint: {}\n", fit(printable(h.substr(0, h.find('\n'))), 200));
  }
}

// How a run ended. Its end line says whether it finished or an interrupt stopped it; a
// run with none is still going only while its process holds the run lock (the kernel drops
// the lock of a process that died, even by kill -9).
enum class RunEnd { finished, interrupted, running, gone };

RunEnd run_end(const JournalRun& r, const std::optional<detail::LiveRun>& live) {
  if (r.finished) return r.interrupted ? RunEnd::interrupted : RunEnd::finished;
  return live && live->run_id == r.run_id ? RunEnd::running : RunEnd::gone;
}

std::string describe(RunEnd end, const std::optional<detail::LiveRun>& live, bool brief) {
  switch (end) {
    case RunEnd::finished: return "finished";
    case RunEnd::interrupted: return brief ? "interrupted" : "interrupted: stopped before its end; the next flow run does the rest";
    case RunEnd::running: return brief ? "running" : fmt::format("running, pid {}", live ? live->pid : 0);
    case RunEnd::gone: break;
  }
  return brief ? "did not finish" : "did not finish: its process is gone, with no end record; the next flow run resumes it";
}

int show_status(const Args& args) {
  std::string path = args.operands.empty() ? std::string() : args.operands.front();
  std::string workdir = args.value("workdir") ? *args.value("workdir") : std::string();
  const std::string run_id = args.value("run") ? *args.value("run") : std::string();
  const bool json = args.has("json"), list = args.has("runs");
  if (path.empty() && !find_feature_tasks("status", path)) return kUsage;
  Loaded l = load(path, {});
  if (l.exit == 2) return kUsage;
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(path, ec).string();
  if (workdir.empty()) workdir = default_workdir(path);
  const std::string journal = std::filesystem::absolute(workdir, ec).string() + "/.flow/implementation.log";
  auto runs = read_runs(journal, abs);
  if (!runs) { fmt::print(stderr, "flow status: {}\n", runs.error().message); return kUsage; }
  const std::optional<detail::LiveRun> live = detail::live_run(detail::run_lock_path(std::filesystem::absolute(workdir, ec).string(), abs));
  if (list) {
    if (json) {
      Json j;
      j.begin_object().field("schema", "flow-runs/1").field("file", path).key("runs").begin_array();
      for (const JournalRun& r : *runs) {
        int ok = 0, bad = 0;
        for (const JournalTask& t : r.tasks) {
          ok += t.outcome == "succeeded";
          bad += t.outcome == "failed" || t.outcome == "needs-attention";
        }
        const RunEnd end = run_end(r, live);
        j.begin_object().field("id", r.run_id).field("started", r.started).field("finished", r.finished)
            .field("interrupted", end == RunEnd::interrupted).field("running", end == RunEnd::running)
            .field("tasks", r.tasks.size()).field("succeeded", ok).field("failed", bad).field("commits", r.commits)
            .field("rolled_back", r.rolled_back).field("rolled_back_to", r.rolled_back_to)
            .field("commits_undone", r.commits_undone).field("wall", r.wall).end_object();
      }
      j.end_array().end_object();
      fmt::print("{}\n", j.str());
      return kOk;
    }
    if (runs->empty()) fmt::print("{}: flow has not run it yet (no run in {})\n", path, journal);
    for (const JournalRun& r : *runs) {
      int ok = 0, bad = 0;
      for (const JournalTask& t : r.tasks) {
        ok += t.outcome == "succeeded";
        bad += t.outcome == "failed" || t.outcome == "needs-attention";
      }
      fmt::print("{}  {}  {:<14} {}{}{}\n", r.run_id, r.started.substr(0, 19), describe(run_end(r, live), live, true),
                 r.tasks.empty() ? std::string("nothing to do") : fmt::format("{} tasks: {} succeeded, {} failed", r.tasks.size(), ok, bad),
                 r.commits ? fmt::format(", {} commit{}", r.commits, r.commits == 1 ? "" : "s") : "",
                 r.rolled_back ? std::string(" (rolled back)")
                 : r.rolled_back_to.empty()
                     ? std::string()
                     : fmt::format(" (rolled back to {}: {} commit{} undone)", r.rolled_back_to, r.commits_undone,
                                   r.commits_undone == 1 ? "" : "s"));
    }
    return kOk;
  }
  std::optional<JournalRun> chosen;
  if (!run_id.empty()) {
    for (const JournalRun& r : *runs)
      if (r.run_id == run_id) chosen = r;
    if (!chosen) { fmt::print(stderr, "flow status: no run {} of {} in {} ('flow status {} --runs' lists them)\n", run_id, path, journal, path); return kUsage; }
  } else {
    auto last = read_last_run(journal, abs);
    if (!last) { fmt::print(stderr, "flow status: {}\n", last.error().message); return kUsage; }
    chosen = std::move(*last);
  }
  const std::optional<JournalRun>* last = &chosen;
  // Tasks with no checkbox: done if a run succeeded with them (their state is in the journal).
  if (auto applied = apply_journal_state(journal, abs, l.text, l.plan); !applied) {
    fmt::print(stderr, "flow status: {}\n", applied.error().message);
    return kUsage;
  }
  const Plan& plan = l.plan;

  // Each journaled task, found again in tasks.md by ID and line text wherever edits have
  // moved it since.
  std::map<int, const JournalTask*> by_index;
  if (*last)
    for (const JournalTask& t : (*last)->tasks)
      if (const int at = find_task_again(l.text, plan, t.id, t.line, t.text); at >= 0) by_index[at] = &t;
  int done = 0, failed = 0, attention = 0, blocked = 0, pending = 0, attempts = 0;
  double cpu = 0, rss = 0, task_seconds = 0;
  for (const Task& t : plan.tasks) {
    const auto it = by_index.find(static_cast<int>(&t - plan.tasks.data()));
    const JournalTask* j = it == by_index.end() ? nullptr : it->second;
    if (t.state == TaskState::done) ++done;
    else if (j && j->outcome == "failed") ++failed;
    else if (j && j->outcome == "needs-attention") ++attention;
    else if (j && j->outcome == "blocked") ++blocked;
    else ++pending;
    if (j) {
      attempts += j->attempts;
      cpu += j->cpu_seconds;
      rss = std::max(rss, j->max_rss_kb);
      task_seconds += j->seconds;
    }
  }
  const JournalRun* run = *last ? &**last : nullptr;
  const RunEnd end = run ? run_end(*run, live) : RunEnd::finished;
  // A task "running" in a run whose process is gone was stopped mid-attempt.
  const auto state_of = [&](const JournalTask& t) -> std::string {
    return t.outcome == "running" && end != RunEnd::running ? "stopped" : t.outcome;
  };
  const int ran = run ? static_cast<int>(std::count_if(run->tasks.begin(), run->tasks.end(), [](const JournalTask& t) {
    return t.outcome == "succeeded" || t.outcome == "failed" || t.outcome == "needs-attention";
  })) : 0;
  const int run_failed = run ? static_cast<int>(std::count_if(run->tasks.begin(), run->tasks.end(), [](const JournalTask& t) {
    return t.outcome == "failed" || t.outcome == "needs-attention";
  })) : 0;
  const int run_done = ran - run_failed;
  const double efficiency = run && run->wall > 0 ? run->busy / (run->workers * run->wall) : 0;

  if (json) {
    Json j;
    j.begin_object().field("schema", "flow-status/1").field("file", path);
    j.key("run");
    if (!run) j.null();
    else
      j.begin_object().field("id", run->run_id).field("finished", run->finished)
          .field("interrupted", end == RunEnd::interrupted).field("running", end == RunEnd::running).field("workers", run->workers)
          .field("wall", run->wall).field("busy", run->busy).field("retries", run->retries)
          .field("tasks_per_minute", run->wall > 0 ? run_done / (run->wall / 60) : 0.0)
          .field("average_task_seconds", run_done > 0 ? task_seconds / run_done : 0.0)
          .field("parallel_efficiency", efficiency).field("error_rate", ran ? double(run_failed) / ran : 0.0)
          .field("cost_usd", run->cost_usd).field("cost_reported", run->cost_reported);
    if (run && !run->budget_reached.empty()) j.field("budget_reached", run->budget_reached);
    if (run) j.end_object();
    j.key("tasks").begin_array();
    for (const Task& t : plan.tasks) {
      const auto it = by_index.find(static_cast<int>(&t - plan.tasks.data()));
      const JournalTask* jt = it == by_index.end() ? nullptr : it->second;
      j.begin_object().field("id", t.id).field("line", t.line)
          .field("state", t.state == TaskState::done ? "done" : jt && !jt->outcome.empty() ? state_of(*jt) : "pending")
          .field("attempts", jt ? jt->attempts : 0).field("seconds", jt ? jt->seconds : 0.0)
          .field("cpu_seconds", jt ? jt->cpu_seconds : 0.0).field("max_rss_kb", jt ? jt->max_rss_kb : 0.0)
          .field("cost_usd", jt ? jt->cost_usd : 0.0).field("cost_reported", jt && jt->cost_reported)
          .field("turns", jt ? jt->turns : 0.0)
          .field("failure_class", jt ? jt->failure_class : std::string());
      if (jt && std::any_of(jt->strategies.begin(), jt->strategies.end(), [](const std::string& x) { return !x.empty(); })) {
        j.key("strategies").begin_array();  // per attempt; "" for the plain prompt
        for (const auto& x : jt->strategies) j.value(x);
        j.end_array();
      }
      if (jt && moved_agents(*jt)) {
        j.key("agents").begin_array();  // per attempt, when a fallback step moved the task
        for (const auto& a : jt->agents) j.value(a);
        j.end_array();
      }
      if (jt && !jt->hints.empty()) {
        j.key("hints").begin_array();
        for (const auto& h : jt->hints) j.value(h);
        j.end_array();
      }
      if (jt && !jt->tries.empty()) {
        j.key("tries").begin_array();
        for (const auto& tr : jt->tries) j.value(tr);
        j.end_array().field("last_lines", jt->last_lines);
      }
      j.end_object();
    }
    j.end_array().end_object();
    fmt::print("{}\n", j.str());
    return kOk;
  }
  fmt::print("{}: {} tasks: {} done, {} failed, {}{} blocked, {} to do\n", path, plan.tasks.size(), done, failed,
             attention ? fmt::format("{} need{} attention, ", attention, attention == 1 ? "s" : "") : "", blocked, pending);
  if (!run) {
    fmt::print("  flow has not run it yet (no run in {})\n", journal);
    return kOk;
  }
  fmt::print("last run {} ({}): {} workers, {} wall, {} retries\n", run->run_id, describe(end, live, false), run->workers,
             human_seconds(run->wall), run->retries);
  fmt::print("  {:.1f} tasks/min, {} average per task, parallel efficiency {:.0f}%, error rate {:.0f}%, "
             "CPU {}, peak memory {:.0f} MiB\n",
             run->wall > 0 ? run_done / (run->wall / 60) : 0.0, human_seconds(run_done ? task_seconds / run_done : 0),
             100 * efficiency, ran ? 100.0 * run_failed / ran : 0.0, human_seconds(cpu), rss / 1024);
  // An agent that reports no cost is "not reported", never $0.0000.
  fmt::print("  agent cost {}{}\n", cost_text(run->cost_usd, run->cost_reported),
             run->cost_reported ? " (as the agents estimated it)" : " (the agent gives none)");
  if (!run->budget_reached.empty()) fmt::print("  stopped by its budget: {}\n", run->budget_reached);
  fmt::print("\n  {:<8} {:<10} {:>8} {:>9} {:>8} {:>9} {:>12}  {}\n", "task", "state", "attempts", "time", "cpu", "peak MiB",
             "cost", "failure");
  for (const JournalTask& t : run->tasks)
    fmt::print("  {:<8} {:<10} {:>8} {:>9} {:>8} {:>9.1f} {:>12}  {}\n", t.id, state_of(t), t.attempts, human_seconds(t.seconds),
               human_seconds(t.cpu_seconds), t.max_rss_kb / 1024, cost_text(t.cost_usd, t.cost_reported),
               printable(t.failure_class.empty() ? t.reason
                         : t.outcome == "succeeded"
                             ? std::string(std::string_view("aeiou").find(t.failure_class[0]) != std::string_view::npos ? "after an "
                                                                                                                      : "after a ") +
                                   t.failure_class + " failure"
                                                    : t.failure_class + " (" + t.reason + ")"));
  // Failure analysis: what each attempt of a failed task hit, and the lines that matter.
  for (const JournalTask& t : run->tasks) {
    if (t.outcome != "failed" && t.outcome != "needs-attention") continue;
    if (t.outcome == "needs-attention")
      fmt::print("\n  {} needs attention ({}) after {} attempt{}: flow retry {} {} --hint TEXT\n", t.id, t.failure_class,
                 t.attempts, t.attempts == 1 ? "" : "s", path, t.id);
    else
      fmt::print("\n  {} failed ({}) after {} attempt{}:\n", t.id, t.failure_class, t.attempts, t.attempts == 1 ? "" : "s");
    for (const auto& tr : t.tries) fmt::print("    {}\n", printable(tr));
    for (const std::string& line : shown_lines(t.last_lines, 8)) fmt::print("    | {}\n", line);
  }
  print_recovery(*run);
  return kOk;
}

}  // namespace

const Command& status_command() {
  static const Command cmd{
      "status",
      "[<tasks.md>]",
      1,
      "where the last run stands, task by task",
      "Shows where the last run of tasks.md that did something stands: each task's state,\n"
      "attempts, time, CPU time, peak memory and failure class, and the run's tasks per\n"
      "minute, average task time, parallel efficiency, error rate and retries. Reads\n"
      ".flow/implementation.log.\n",
      {
          {"json", 0, "", "the same as one JSON object (docs/status-json.md)"},
          {"run", 0, "ID", "that run instead"},
          {"runs", 0, "", "list every run of tasks.md: when, what it did, whether it finished"},
          {"workdir", 0, "DIR", "where .flow/ lives (default: the repository holding tasks.md, else its folder)", {}, false, "dir"},
      },
      "exit status: 0; 2 a usage error, an unreadable journal or tasks.md, or a tasks.md\n"
      "with errors\n",
      show_status,
  };
  return cmd;
}

}  // namespace flow::cli
