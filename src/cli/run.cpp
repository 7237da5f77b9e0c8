// SPDX-License-Identifier: MIT
// `flow run`: execute the pending tasks with an agent, mark them done, journal it all.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/dashboard.hpp"
#include "cli/history.hpp"
#include "cli/progress.hpp"

#include <flow/run.hpp>
#include <flow/settings.hpp>
#include <flow/slurm.hpp>

#include <filesystem>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <csignal>
#include <cstdlib>
#include <memory>

#include <unistd.h>

namespace flow::cli {

namespace {

constexpr const char* kRunUsage =
    "usage: flow run <tasks.md> [--agent NAME | --agent-cmd 'TEMPLATE'] [--workers N] [--timeout S|none]\n"
    "                [--retries N] [--model M] [--max-turns N] [--isolation git|none] [--allow-dirty]\n"
    "                [--fail-fast | --continue-on-error] [--dry-run] [--story USn] [--only IDS]\n"
    "                [--workdir DIR] [--events FILE] [--progress auto|live|plain] [--update-interval S]\n"
    "                [--config FILE] [--runner local|slurm] [--dashboard [ADDR]] [--dashboard-read-only]\n"
    "\n"
    "Runs the pending tasks of tasks.md, in parallel where the plan allows, each with the\n"
    "agent command. A task that succeeds is marked [X] at once (one byte, atomically).\n"
    "Everything is journaled to .flow/implementation.log; prompts and logs go to\n"
    ".flow/runs/<run-id>/.\n"
    "  --agent A       claude: Claude Code headless (the default when `claude` is on PATH and no\n"
    "                  command is set), its stream parsed for activity, cost and error class;\n"
    "                  command: the --agent-cmd / agent.command template; codex, gemini, qwen,\n"
    "                  opencode, copilot, cursor, amp, aider: that CLI headless and unattended,\n"
    "                  its stream parsed, with its settings from agents.<name> in the config\n"
    "  --model M       the agent's model; --max-turns N its turn limit (Claude: default 50)\n"
    "  --agent-cmd T   any agent, split into argv once (never given to a shell); {prompt_file},\n"
    "                  {task_id}, {workdir} and {attempt} are replaced inside arguments. The\n"
    "                  agent runs in the work directory and gets FLOW_TASK_ID, FLOW_TASK_FILES (and\n"
    "                  FLOW_TASK_FILES_FILE, the list in a file: a long one is only there),\n"
    "                  FLOW_PROMPT_FILE, FLOW_ATTEMPT, FLOW_RUN_ID and FLOW_WORKDIR; exit 0 = done\n"
    "  --workers N     agents at once (default 1)\n"
    "  --isolation I   git (default in a git repository): each attempt in its own worktree and\n"
    "                  branch, each task one commit (with its [X]) on the current branch, in\n"
    "                  completion order; conflicts are retried on the new head. none: all in\n"
    "                  the work directory; a task that names no file runs alone\n"
    "  --allow-dirty   run git isolation on a working tree with uncommitted changes\n"
    "  --timeout S     per attempt: 90, 90s, 30m, 2h (at most 30 days; default 1h; 0 or none: no\n"
    "                  limit); then SIGTERM to its process group, SIGKILL 5 s later. An attempt\n"
    "                  with no output and no file change for implementer.parallel.stallTimeout\n"
    "                  (default 15 min) fails `stalled`\n"
    "  --retries N     retries per task for retryable failures (default 3)\n"
    "  --fail-fast     after a failure start nothing new (default: --continue-on-error)\n"
    "  --dry-run       print the order and write the prompts; run nothing\n"
    "  --events FILE   write every event as a JSON line (docs/events.md)\n"
    "  --config FILE   settings (default: <workdir>/.flow/config.yaml when it exists; see\n"
    "                  docs/config.md); flags given here override them\n"
    "  --runner R      local (default): agents run here; slurm: each attempt is a Slurm batch\n"
    "                  job (sbatch), on nodes that share this filesystem; runner.partition,\n"
    "                  account, timeLimit and sbatchArgs in the config say where\n"
    "  --dashboard [ADDR]  serve a live dashboard of the run (see flow serve), with controls:\n"
    "                  retry, cancel, skip a task, pause and resume starting new ones; ADDR:\n"
    "                  PORT or HOST:PORT (default 127.0.0.1 and a free port); the URL printed\n"
    "                  carries the token the controls need. --dashboard-read-only: no controls\n"
    "  --progress P    live: redraw a view in place; plain: a line per event; auto (default):\n"
    "                  live on a terminal. NO_COLOR turns colors off\n"
    "Ctrl-C once: start nothing new, let running tasks finish; twice: kill them.\n"
    "exit status: 0 all tasks done, 1 some failed, were blocked or could not run, or a write\n"
    "failed (a full disk), 2 usage/parse/config error,\n"
    "130 interrupted\n";

std::atomic<int> g_interrupt{0};

extern "C" void on_sigint(int) { g_interrupt.fetch_add(1); }

class PlainObserver final : public RunObserver {
 public:
  explicit PlainObserver(const Plan& plan) : plan_(plan) {}
  void on_event(const RunEvent& e) override {
    if (e.kind == "run-started" || e.kind == "run-finished") return;
    const std::string id = e.task >= 0 ? plan_.tasks[static_cast<std::size_t>(e.task)].id : "";
    std::string detail = e.detail;
    if (const auto nl = detail.find('\n'); nl != std::string::npos) detail.resize(nl);
    fmt::print("{:>8}  {:<11} {:<7}{}{}\n", human_seconds(e.time), e.kind, id,
               e.attempt > 1 && e.kind != "marked" ? fmt::format(" (attempt {})", e.attempt) : "",
               detail.empty() ? "" : "  " + detail.substr(0, 90));
    std::fflush(stdout);
  }

 private:
  const Plan& plan_;
};

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  RunOptions opt;
  StockPolicyOptions popt;
  std::string agent_cmd, agent_name, model, only, events_path, progress = "auto";
  std::optional<int> max_turns;
  double update_interval = 0.5;
  std::string config_path, runner_kind;
  SlurmOptions slurm;
  bool set_workers = false, set_timeout = false, set_retries = false, set_interval = false;
  std::vector<std::string> stories;
  std::optional<serve::ServerOptions> dashboard;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dashboard" || a == "--dashboard-read-only") {
      if (!dashboard) dashboard.emplace();
      if (a == "--dashboard-read-only") dashboard->read_only = true;
      // The address is optional: the next argument is one when it reads as one.
      else if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-' &&
               args[i + 1].find(".md") == std::string::npos) {
        serve::ServerOptions o = *dashboard;
        if (parse_listen(args[i + 1], o)) {
          *dashboard = o;
          ++i;
        }
      }
      continue;
    }
    auto value = [&]() -> const std::string* {
      if (i + 1 < args.size()) return &args[++i];
      fmt::print(stderr, "flow run: {} needs a value\n", a);
      return nullptr;
    };
    if (a == "-h" || a == "--help") { fmt::print("{}", kRunUsage); return kOk; }
    if (a == "--fail-fast") { opt.fail_fast = popt.fail_fast = true; continue; }
    if (a == "--continue-on-error") { opt.fail_fast = popt.fail_fast = false; continue; }
    if (a == "--dry-run") { opt.dry_run = true; continue; }
    if (a == "--allow-dirty") { opt.allow_dirty = true; continue; }
    if (a == "--isolation") {
      const std::string* v = value();
      const auto isolation = v ? isolation_from_string(*v) : std::nullopt;
      if (!isolation) {
        fmt::print(stderr, "flow run: --isolation takes git, none or auto\n");
        return kUsage;
      }
      opt.isolation = *isolation;
      continue;
    }
    if (a == "--agent-cmd") { const std::string* v = value(); if (!v) return kUsage; agent_cmd = *v; continue; }
    if (a == "--agent") {
      const std::string* v = value();
      const auto& known = agent_names();
      if (!v || (*v != "command" && std::find(known.begin(), known.end(), *v) == known.end())) {
        fmt::print(stderr, "flow run: --agent takes {} or command\n", fmt::join(known, ", "));
        return kUsage;
      }
      agent_name = *v;
      continue;
    }
    if (a == "--model") { const std::string* v = value(); if (!v) return kUsage; model = *v; continue; }
    if (a == "--max-turns") {
      const std::string* v = value();
      auto n = v ? parse_count("run", a, *v) : std::nullopt;
      if (!n) return kUsage;
      max_turns = *n;
      continue;
    }
    if (a == "--workdir") { const std::string* v = value(); if (!v) return kUsage; opt.workdir = *v; continue; }
    if (a == "--events") { const std::string* v = value(); if (!v) return kUsage; events_path = *v; continue; }
    if (a == "--config") { const std::string* v = value(); if (!v) return kUsage; config_path = *v; continue; }
    if (a == "--runner") {
      const std::string* v = value();
      if (!v || (*v != "local" && *v != "slurm")) {
        fmt::print(stderr, "flow run: --runner takes local or slurm\n");
        return kUsage;
      }
      runner_kind = *v;
      continue;
    }
    if (a == "--progress") {
      const std::string* v = value();
      if (!v || (*v != "auto" && *v != "live" && *v != "plain")) {
        fmt::print(stderr, "flow run: --progress takes auto, live or plain\n");
        return kUsage;
      }
      progress = *v;
      continue;
    }
    if (a == "--update-interval") {
      const std::string* v = value();
      if (!v) return kUsage;
      if (*v == "none") {  // no limit, on purpose
        opt.task_timeout = 0;
        set_timeout = true;
        continue;
      }
      auto d = parse_duration(*v);
      if (!d || *d <= 0) { fmt::print(stderr, "flow run: --update-interval takes a duration > 0, at most 30 days, not '{}'\n", *v); return kUsage; }
      update_interval = *d;
      set_interval = true;
      continue;
    }
    if (a == "--story") { const std::string* v = value(); if (!v) return kUsage; stories.push_back(*v); continue; }
    if (a == "--only") { const std::string* v = value(); if (!v) return kUsage; only = *v; continue; }
    if (a == "--workers" || a == "-j") {
      const std::string* v = value();
      auto n = v ? parse_count("run", a, *v) : std::nullopt;
      if (!n) return kUsage;
      opt.workers = *n;
      set_workers = true;
      continue;
    }
    if (a == "--timeout") {
      const std::string* v = value();
      if (!v) return kUsage;
      if (*v == "none") {  // no limit, on purpose
        opt.task_timeout = 0;
        set_timeout = true;
        continue;
      }
      auto d = parse_duration(*v);
      if (!d) { fmt::print(stderr, "flow run: --timeout: {} (0: none)\n", d.error().message); return kUsage; }
      opt.task_timeout = *d;
      set_timeout = true;
      continue;
    }
    if (a == "--retries") {
      const std::string* v = value();
      if (!v) return kUsage;
      char* end = nullptr;
      const long x = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end || x < 0 || x > 100) { fmt::print(stderr, "flow run: --retries takes a whole number from 0 to 100\n"); return kUsage; }
      popt.max_retries = static_cast<int>(x);
      set_retries = true;
      continue;
    }
    if (!a.empty() && a[0] == '-') { fmt::print(stderr, "flow run: unknown option '{}'\n{}", a, kRunUsage); return kUsage; }
    if (!opt.tasks_path.empty()) { fmt::print(stderr, "flow run: more than one file given\n"); return kUsage; }
    opt.tasks_path = a;
  }
  if (opt.tasks_path.empty() && !find_feature_tasks("run", opt.tasks_path)) return kUsage;
  // Settings: the file's values unless a flag says otherwise.
  if (config_path.empty()) config_path = default_settings_path(opt.workdir.empty() ? default_workdir(opt.tasks_path) : opt.workdir);
  std::optional<Settings> settings;
  if (!config_path.empty()) {
    auto st = load_settings(config_path);
    if (!st) {
      fmt::print(stderr, "{}:{}: error: {}\n", config_path, st.error().line, st.error().message);
      return kUsage;
    }
    for (const Diagnostic& d : st->warnings) fmt::print(stderr, "{}:{}: warning: {}\n", config_path, d.line, d.message);
    if (!set_interval && st->update_interval) update_interval = *st->update_interval;
    if (runner_kind.empty()) runner_kind = st->runner_kind;
    slurm = st->slurm;
    settings = std::move(*st);
  }
  RunChoices choices;
  choices.config_path = config_path;
  if (set_workers) choices.workers = opt.workers;
  if (set_timeout) choices.task_timeout = opt.task_timeout;
  if (set_retries) choices.retries = popt.max_retries;
  choices.agent_name = agent_name;
  choices.model = model;
  choices.max_turns = max_turns;
  if (!agent_cmd.empty()) {
    auto argv = split_command(agent_cmd);
    if (!argv) { fmt::print(stderr, "flow run: --agent-cmd: {}\n", argv.error().message); return kUsage; }
    choices.agent_command = std::move(*argv);
  }
  if (auto ok = configure_run(settings ? &*settings : nullptr, choices, opt, popt); !ok) {
    fmt::print(stderr, "flow run: {}\n", ok.error().message);
    return kUsage;
  }
  // Check the file and its graph first, with path:line errors, before anything starts.
  Loaded l = load(opt.tasks_path, {});
  if (l.exit != 0 || !l.graph) return kUsage;
  {
    std::string error;
    auto sel = select_tasks(l.plan, only, stories, error);
    if (!sel) { fmt::print(stderr, "flow run: {}\n", error); return kUsage; }
    opt.selected = std::move(*sel);
  }

  std::signal(SIGINT, on_sigint);
  opt.interrupt = &g_interrupt;
  if (runner_kind == "slurm" && !find_program("sbatch") && !opt.dry_run) {
    fmt::print(stderr, "flow run: --runner slurm: sbatch is not on PATH (install Slurm's client commands)\n");
    return kUsage;
  }
  auto runner = runner_kind == "slurm" ? make_slurm_runner(slurm) : make_process_runner();
  StockPolicy policy(popt);
  const char* term = std::getenv("TERM");
  const bool tty = ::isatty(STDOUT_FILENO) && term && std::string(term) != "dumb";
  const bool live = progress == "live" || (progress == "auto" && tty && !opt.dry_run);
  const bool color = live && std::getenv("NO_COLOR") == nullptr;
  PlainObserver plain(l.plan);
  LiveView view(*l.graph, opt.workers, update_interval, color);
  if (live) view.set_prior(history_estimates(opt.workdir.empty() ? default_workdir(opt.tasks_path) : opt.workdir, l.plan));
  RunObserver* observer = live ? static_cast<RunObserver*>(&view) : &plain;
  std::FILE* events = nullptr;
  std::unique_ptr<EventWriter> writer;
  if (!events_path.empty()) {
    events = std::fopen(events_path.c_str(), "w");
    if (!events) { fmt::print(stderr, "flow run: cannot write {}\n", events_path); return kUsage; }
    writer = std::make_unique<EventWriter>(events, l.plan, *observer);
    observer = writer.get();
  }
  RunControl control;
  std::unique_ptr<serve::Dashboard> board;
  std::unique_ptr<DashboardObserver> board_observer;
  if (dashboard && !opt.dry_run) {
    dashboard->control = &control;
    Loaded copy = l;
    copy.path = opt.tasks_path;
    board = start_dashboard("run", {std::move(copy)}, opt.workdir, *dashboard);
    if (!board) return kUsage;
    board_observer = std::make_unique<DashboardObserver>(*board, l.plan, *observer);
    observer = board_observer.get();
    opt.control = &control;
  }
  auto report = run(opt, *runner, policy, *observer);
  if (board) board->flush();  // the last events reach the pages before the server goes
  if (live) view.close();
  if (events) std::fclose(events);
  std::signal(SIGINT, SIG_DFL);
  if (!report) {
    if (report.error().line > 0)
      fmt::print(stderr, "{}:{}: error: {}\n", opt.tasks_path, report.error().line, report.error().message);
    else
      fmt::print(stderr, "flow run: {}\n", report.error().message);
    return kUsage;
  }
  const RunReport& r = *report;
  const Plan& plan = l.plan;
  if (opt.dry_run) {
    fmt::print("\ndry run: {} tasks would run in this order; prompts in {}/.flow/runs/{}/\n", r.order.size(),
               opt.workdir.empty() ? "<workdir>" : opt.workdir, r.run_id);
    return kOk;
  }
  const double minutes = r.wall / 60.0;
  const int ran = r.succeeded + r.failed;
  fmt::print("\n{}: {} succeeded, {} failed, {} blocked, {} skipped in {} ({} workers)\n", opt.tasks_path, r.succeeded,
             r.failed, r.blocked, r.skipped, human_seconds(r.wall), r.workers);
  fmt::print("  {:.1f} tasks/min, {} average per task, parallel efficiency {:.0f}%, {} retries, error rate {:.0f}%\n",
             minutes > 0 ? r.succeeded / minutes : 0.0, human_seconds(ran ? r.busy / ran : 0),
             r.wall > 0 ? 100.0 * r.busy / (r.workers * r.wall) : 0.0, r.retries,
             ran ? 100.0 * r.failed / ran : 0.0);
  for (std::size_t t = 0; t < r.tasks.size(); ++t) {
    const TaskReport& tr = r.tasks[t];
    if (tr.status == TaskStatus::failed) {
      fmt::print("  failed:  {} after {} attempt{} [{}]\n", plan.tasks[t].id, tr.attempts, tr.attempts == 1 ? "" : "s",
                 tr.failure_class);
      std::string lines = tr.last_lines;
      std::size_t pos = 0;
      for (int k = 0; k < 6 && pos < lines.size(); ++k) {
        const std::size_t nl = lines.find('\n', pos);
        fmt::print("           | {}\n", lines.substr(pos, nl - pos));
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
    } else if (tr.status == TaskStatus::blocked && plan.tasks[t].state == TaskState::pending) {
      fmt::print("  blocked: {} (by {})\n", plan.tasks[t].id,
                 tr.blocked_by >= 0 ? plan.tasks[static_cast<std::size_t>(tr.blocked_by)].id : "the stop");
    }
  }
  for (const auto& when : r.integration_failures)
    fmt::print("  integration check: the tests fail on {} {}\n", r.branch, when);
  for (const auto& phase : r.inconclusive_tests)
    fmt::print("  test-first inconclusive: the tests of \"{}\" fail, but the suite failed before them too\n", phase);
  for (const auto& phase : r.vacuous_tests)
    fmt::print("  vacuous tests: the tests of \"{}\" passed before any implementation ran\n", phase);
  for (const auto& line : r.not_run) fmt::print("  not run: {}\n", line);
  for (const auto& what : r.write_errors) fmt::print("  write failed: {}\n", what);
  fmt::print("  journal: {}\n", r.journal_path);
  if (!r.rolled_back_to.empty())
    fmt::print("  a critical failure rolled {} back to {}; the run's commits stay under refs/flow/{}/rolled-back\n", r.branch,
               r.rolled_back_to.substr(0, 10), r.run_id);
  else if (r.isolation == Isolation::git)
    fmt::print("  git: a commit per task on {} since {}; to undo the run: flow rollback {}\n", r.branch,
               r.checkpoint.substr(0, 10), opt.tasks_path);
  if (r.interrupted) return kInterrupted;
  return r.failed == 0 && r.blocked == 0 && r.not_run.empty() && r.write_errors.empty() ? kOk : kFailed;
}

}  // namespace flow::cli
