// SPDX-License-Identifier: MIT
// `flow run`: execute the pending tasks with an agent, mark them done, journal it all.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/display_width.hpp"
#include "cli/dashboard.hpp"
#include "cli/history.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"

#include <flow/run.hpp>
#include <flow/settings.hpp>
#include <flow/slurm.hpp>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <limits>
#include <memory>
#include <system_error>

#include <unistd.h>

namespace flow::cli {

namespace {

std::vector<std::string> agent_choices() {
  std::vector<std::string> out = agent_names();
  out.push_back("command");
  return out;
}

// --dashboard's optional ADDR: the next argument is one only when it reads as one, so
// `flow run --dashboard tasks.md` still names the tasks file.
bool dashboard_address(const std::string& next) {
  serve::ServerOptions o;
  return !next.empty() && next[0] != '-' && next.find(".md") == std::string::npos && parse_listen(next, o);
}

std::vector<std::string> isolation_choices() {
  std::vector<std::string> out;
  for (Isolation i : kIsolations) out.push_back(to_string(i));
  return out;
}

std::atomic<int> g_interrupt{0};

// Ctrl-C, and SIGHUP (the terminal went away): stop starting tasks and let the running
// ones finish; a second one stops those too.
extern "C" void on_sigint(int) { g_interrupt.fetch_add(1); }
// SIGTERM (a service manager, `timeout`, a container being stopped) asks for an end now:
// as a second Ctrl-C, the running agents are stopped too, it is all journaled, and flow
// exits; never killed with agents left behind.
extern "C" void on_sigterm(int) {
  int now = g_interrupt.load();
  while (now < 2 && !g_interrupt.compare_exchange_weak(now, 2)) {
  }
}

// The signals a run handles, and how they were before it.
class RunSignals {
 public:
  RunSignals() {
    was_int_ = std::signal(SIGINT, on_sigint);
    was_hup_ = std::signal(SIGHUP, on_sigint);
    was_term_ = std::signal(SIGTERM, on_sigterm);
    // A reader that goes away (`flow run | head`) must not kill the run and orphan its
    // agents: writes to it fail instead, the output stops, and the run goes on (the
    // journal and `flow status` have everything). Children get SIGPIPE back. It stays
    // ignored to the end: the summary's last buffered bytes are written at exit, and
    // the exit status is the run's, not a signal's.
    std::signal(SIGPIPE, SIG_IGN);
  }
  ~RunSignals() {
    std::signal(SIGINT, was_int_ == SIG_ERR ? SIG_DFL : was_int_);
    std::signal(SIGHUP, was_hup_ == SIG_ERR ? SIG_DFL : was_hup_);
    std::signal(SIGTERM, was_term_ == SIG_ERR ? SIG_DFL : was_term_);
  }
  RunSignals(const RunSignals&) = delete;
  RunSignals& operator=(const RunSignals&) = delete;

 private:
  void (*was_int_)(int) = SIG_DFL;
  void (*was_hup_)(int) = SIG_DFL;
  void (*was_term_)(int) = SIG_DFL;
};

class PlainObserver final : public RunObserver {
 public:
  PlainObserver(const TaskGraph& graph, Verbosity verbosity) : plan_(graph.plan()), verbosity_(verbosity) {
    state_.graph = &graph;
  }
  void on_event(const RunEvent& e) override {
    state_.on_event(e);
    if (e.kind == "run-started" || e.kind == "run-finished" || verbosity_ == Verbosity::quiet) return;
    // Nobody reads any more (a closed pipe, a terminal gone): the run goes on unshown.
    if (std::ferror(stdout)) return;
    try {
      show(e);
    } catch (const std::system_error&) {
      // fmt could not write: the error flag is set, and nothing more is printed.
    }
  }

 private:
  void show(const RunEvent& e) {
    const std::string id = e.task >= 0 ? plan_.tasks[static_cast<std::size_t>(e.task)].id : "";
    // An interrupt names the tasks it waits for or kills, in the live view's words, and
    // is not cut: the list is the point of the line.
    if (e.kind == "interrupted") return print_line(e, "", stopping_text(state_));
    std::string detail = e.kind == "cost" ? cost_text(std::strtod(e.detail.c_str(), nullptr), true) : e.detail;
    // An agent's words: no control characters reach the terminal (they could move the
    // cursor or rewrite what is shown), and a cut never splits a character.
    if (verbosity_ == Verbosity::verbose) {
      std::string lines;
      for (const std::string& line : shown_lines(detail, std::numeric_limits<int>::max()))
        lines += (lines.empty() ? "" : "\n") + line;
      detail = std::move(lines);
    } else {
      if (const auto nl = detail.find('\n'); nl != std::string::npos) detail.resize(nl);
      detail = fit(printable(detail), 90);
    }
    print_line(e, id, detail);
  }
  void print_line(const RunEvent& e, const std::string& id, const std::string& detail) {
    fmt::print("{:>8}  {:<11} {:<7}{}{}\n", human_seconds(e.time), e.kind, id,
               e.attempt > 1 && e.kind != "marked" ? fmt::format(" (attempt {})", e.attempt) : "",
               detail.empty() ? "" : "  " + detail);
    std::fflush(stdout);
  }

  const Plan& plan_;
  Verbosity verbosity_;
  ProgressState state_;  // what runs now, for the line an interrupt prints
};


// What the flags ask for, before the settings file fills in the rest.
struct RunFlags {
  RunOptions opt;
  StockPolicyOptions popt;
  RunChoices choices;
  std::string config_path, events_path, progress = "auto", only;
  std::vector<std::string> stories;
  std::optional<double> update_interval;
  std::optional<Settings> settings;  // the settings file, when there is one
  std::optional<serve::ServerOptions> dashboard;  // --dashboard / --dashboard-read-only
};

// A timeout: a duration, or 0/none for no limit.
std::optional<double> timeout_flag(const std::string& v) {
  if (v == "none") return 0.0;  // no limit, on purpose
  auto d = parse_duration(v);
  if (!d) {
    fmt::print(stderr, "flow run: --timeout: {} (0: none)\n", d.error().message);
    return std::nullopt;
  }
  return *d;
}

std::optional<RunFlags> read_flags(const Args& args) {
  RunFlags f;
  if (!args.operands.empty()) f.opt.tasks_path = args.operands.front();
  f.opt.fail_fast = f.popt.fail_fast = args.last_of("fail-fast", "continue-on-error") == "fail-fast";
  f.opt.dry_run = args.has("dry-run");
  f.opt.allow_dirty = args.has("allow-dirty");
  if (const std::string* v = args.value("isolation")) f.opt.isolation = *isolation_from_string(*v);  // the table checked it
  if (const std::string* v = args.value("workdir")) f.opt.workdir = *v;
  if (const std::string* v = args.value("agent")) f.choices.agent_name = *v;
  if (const std::string* v = args.value("model")) f.choices.model = *v;
  if (const std::string* v = args.value("agent-cmd")) {
    auto argv = split_command(*v);
    if (!argv) { fmt::print(stderr, "flow run: --agent-cmd: {}\n", argv.error().message); return std::nullopt; }
    f.choices.agent_command = std::move(*argv);
  }
  if (const std::string* v = args.value("max-turns")) {
    f.choices.max_turns = parse_count("run", "--max-turns", *v);
    if (!f.choices.max_turns) return std::nullopt;
  }
  if (const std::string* v = args.value("workers")) {
    f.choices.workers = parse_count("run", "--workers", *v);
    if (!f.choices.workers) return std::nullopt;
  }
  if (const std::string* v = args.value("timeout")) {
    f.choices.task_timeout = timeout_flag(*v);
    if (!f.choices.task_timeout) return std::nullopt;
  }
  if (const std::string* v = args.value("retries")) {
    const auto x = parse_count("run", "--retries", *v, 0, 100);
    if (!x) return std::nullopt;
    f.choices.retries = *x;
  }
  if (const std::string* v = args.value("update-interval")) {
    auto d = parse_duration(*v);
    if (!d || *d <= 0) { fmt::print(stderr, "flow run: --update-interval takes a duration > 0, at most 30 days, not '{}'\n", *v); return std::nullopt; }
    f.update_interval = *d;
  }
  if (const std::string* v = args.value("events")) f.events_path = *v;
  if (const std::string* v = args.value("config")) f.config_path = *v;
  if (const std::string* v = args.value("progress")) f.progress = *v;
  if (const std::string* v = args.value("only")) f.only = *v;
  f.stories = args.values("story");
  if (const std::string* v = args.value("runner")) f.choices.runner_kind = *v;
  if (args.has("dashboard") || args.has("dashboard-read-only")) {
    f.dashboard.emplace();
    f.dashboard->read_only = args.has("dashboard-read-only");
    for (const std::string& v : args.values("dashboard"))
      if (!v.empty() && !parse_listen(v, *f.dashboard)) {
        fmt::print(stderr, "flow run: --dashboard takes PORT, HOST:PORT or HOST, not '{}'\n", v);
        return std::nullopt;
      }
  }
  return f;
}

// The settings file under the flags, the agent and the gates; false after saying why not.
bool configure(RunFlags& f, double& update_interval) {
  const std::string workdir = f.opt.workdir.empty() ? default_workdir(f.opt.tasks_path) : f.opt.workdir;
  if (f.config_path.empty()) f.config_path = default_settings_path(workdir);
  std::optional<Settings>& settings = f.settings;
  if (!f.config_path.empty()) {
    auto st = load_settings(f.config_path);
    if (!st) {
      fmt::print(stderr, "{}:{}: error: {}\n", f.config_path, st.error().line, st.error().message);
      return false;
    }
    for (const Diagnostic& d : st->warnings) fmt::print(stderr, "{}:{}: warning: {}\n", f.config_path, d.line, d.message);
    if (st->update_interval) update_interval = *st->update_interval;
    settings = std::move(*st);
  }
  if (f.update_interval) update_interval = *f.update_interval;
  f.choices.config_path = f.config_path;
  if (auto ok = configure_run(settings ? &*settings : nullptr, f.choices, f.opt, f.popt); !ok) {
    fmt::print(stderr, "flow run: {}\n", ok.error().message);
    return false;
  }
  return true;
}

// The run's observers: the live view or a line per event (none when quiet), and the
// events file behind them.
class Views {
 public:
  Views(const Args& args, const RunFlags& f, const Loaded& l, double update_interval, const std::vector<Estimate>& prior)
      : plain_(*l.graph, args.verbosity),
        live_(args.verbosity != Verbosity::quiet && (f.progress == "live" || (f.progress == "auto" && terminal() && !f.opt.dry_run))),
        view_(*l.graph, f.opt.workers, update_interval, live_ && live_color(args.color)) {
    if (live_) view_.set_prior(prior);
    // The same claims the loop's scheduler is given, so the view can name a resource
    // that holds ready tasks back, in the --eta-trace's words.
    view_.set_resources(resources_by_task(l.plan, f.opt.resources));
  }
  ~Views() {
    if (events_) std::fclose(events_);
  }
  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;

  bool open_events(const std::string& path, const Plan& plan) {
    if (path.empty()) return true;
    events_ = std::fopen(path.c_str(), "w");
    if (!events_) return false;
    writer_ = std::make_unique<EventWriter>(events_, plan, base());
    return true;
  }
  RunObserver& observer() { return writer_ ? static_cast<RunObserver&>(*writer_) : base(); }
  void close() {
    if (live_) view_.close();
  }

 private:
  static bool terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDOUT_FILENO) && term && std::string(term) != "dumb";
  }
  // The live view is drawn only where it was asked for or on a terminal: colour follows
  // --color, and in auto NO_COLOR (set and not empty) alone turns it off.
  static bool live_color(ColorMode mode) {
    const char* no = std::getenv("NO_COLOR");
    return mode == ColorMode::always || (mode == ColorMode::automatic && !(no && *no));
  }
  RunObserver& base() { return live_ ? static_cast<RunObserver&>(view_) : plain_; }

  PlainObserver plain_;
  bool live_;
  LiveView view_;
  std::FILE* events_ = nullptr;
  std::unique_ptr<EventWriter> writer_;
};

void print_failures(const RunReport& r, const Plan& plan, const std::string& tasks_path) {
  std::vector<std::pair<std::string, std::string>> blocked;  // (task, its cause)
  std::vector<std::string> stopped;
  for (std::size_t t = 0; t < r.tasks.size(); ++t) {
    const TaskReport& tr = r.tasks[t];
    if (tr.status == TaskStatus::running && plan.tasks[t].state == TaskState::pending) stopped.push_back(plan.tasks[t].id);
    if (tr.status == TaskStatus::failed) {
      if (tr.needs_attention)
        fmt::print("  needs attention: {} after {} attempt{} [{}]: its recovery ladder is exhausted; after a look:\n"
                   "           flow retry {} {} --hint TEXT\n",
                   plan.tasks[t].id, tr.attempts, tr.attempts == 1 ? "" : "s", tr.failure_class, tasks_path, plan.tasks[t].id);
      else
        fmt::print("  failed:  {} after {} attempt{} [{}]\n", plan.tasks[t].id, tr.attempts, tr.attempts == 1 ? "" : "s",
                   tr.failure_class);
      for (const std::string& line : shown_lines(tr.last_lines, 6)) fmt::print("           | {}\n", line);
    } else if (tr.status == TaskStatus::blocked && plan.tasks[t].state == TaskState::pending) {
      blocked.emplace_back(plan.tasks[t].id,
                           tr.blocked_by >= 0 ? plan.tasks[static_cast<std::size_t>(tr.blocked_by)].id : "the stop");
    }
  }
  if (!stopped.empty())
    fmt::print("  stopped by the interrupt (not marked; the next run runs {} again): {}\n", stopped.size() == 1 ? "it" : "them",
               id_list(stopped));
  for (const std::string& line : blocked_lines(blocked)) fmt::print("  {}\n", line);
}

// What the run cost, in all and per task that ran, as the agents reported it; an agent
// that reports none is "not reported", never $0.0000. And a budget that stopped it.
void print_cost(const RunReport& r, const Plan& plan) {
  std::string per_task;
  int shown = 0, ran = 0;
  for (std::size_t t = 0; t < r.tasks.size() && t < plan.tasks.size(); ++t) {
    const TaskReport& tr = r.tasks[t];
    if (tr.attempts == 0) continue;
    ++ran;
    if (!r.cost_reported || ++shown > 12) continue;
    per_task += fmt::format("{}{} {}", per_task.empty() ? "" : ", ", plan.tasks[t].id, cost_text(tr.cost_usd, tr.cost_reported));
  }
  if (ran == 0) return;
  fmt::print("  cost {}{}{}\n", cost_text(r.cost_usd, r.cost_reported),
             r.cost_reported ? " (as the agents estimated it)" : " (the agent gives none)",
             per_task.empty() ? "" : ": " + per_task + (shown > 12 ? ", …" : ""));
  if (!r.budget_reached.empty()) fmt::print("  stopped by its budget: {}\n", r.budget_reached);
}

// The summary after a run, and the exit status it means.
int run_exit_code(const RunReport& r) {
  if (r.interrupted) return kInterrupted;
  return r.failed == 0 && r.blocked == 0 && r.not_run.empty() && r.write_errors.empty() ? kOk : kFailed;
}

int summarize(const RunReport& r, const RunOptions& opt, const Plan& plan) {
  if (opt.dry_run) {
    fmt::print("\ndry run: {} tasks would run in this order; prompts in {}/.flow/runs/{}/\n", r.order.size(),
               opt.workdir.empty() ? "<workdir>" : opt.workdir, r.run_id);
    return kOk;
  }
  const double minutes = r.wall / 60.0;
  const int ran = r.succeeded + r.failed;
  // Every task in one count; the rarer ones only when there are some.
  std::string rest;
  if (r.stopped) rest += fmt::format(", {} stopped", r.stopped);
  if (r.done_before) rest += fmt::format(", {} done before", r.done_before);
  if (r.excluded) rest += fmt::format(", {} not selected", r.excluded);
  fmt::print("\n{}: {} succeeded, {} failed{}, {} blocked, {} skipped{} in {} ({} workers)\n", opt.tasks_path, r.succeeded,
             r.failed, r.needs_attention ? fmt::format(" ({} need{} attention)", r.needs_attention, r.needs_attention == 1 ? "s" : "") : "",
             r.blocked, r.skipped, rest, human_seconds(r.wall), r.workers);
  // Of the tasks that ran, how many failed; of their attempts (each retry follows one that
  // failed), how many failed: "0% of tasks" alone hid 16 retries.
  const int attempts = ran + r.retries;
  fmt::print("  {:.1f} tasks/min, {} average per task, parallel efficiency {:.0f}%, {} retries, error rate {:.0f}% of "
             "tasks, {:.0f}% of attempts\n",
             minutes > 0 ? r.succeeded / minutes : 0.0, human_seconds(ran ? r.busy / ran : 0),
             r.wall > 0 ? 100.0 * r.busy / (r.workers * r.wall) : 0.0, r.retries, ran ? 100.0 * r.failed / ran : 0.0,
             attempts ? 100.0 * (r.retries + r.failed) / attempts : 0.0);
  print_failures(r, plan, opt.tasks_path);
  print_cost(r, plan);
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
  else if (r.isolation == Isolation::git && r.commits > 0)
    fmt::print("  git: a commit per task on {} since {}; to undo the run: flow rollback {}\n", r.branch,
               r.checkpoint.substr(0, 10), opt.tasks_path);
  else if (r.isolation == Isolation::git)
    fmt::print("  git: no commit on {}; nothing of this run to undo\n", r.branch);
  return run_exit_code(r);
}

// A retry's own run (`flow retry` when no run is going on): the tasks named and what
// they block, nothing else, each named one with the hint in its prompts.
bool select_retry(RunFlags& f, const Loaded& l, const RetryRequest& retry) {
  const TaskGraph& g = *l.graph;
  std::vector<bool> selected(static_cast<std::size_t>(g.task_count()), false);
  std::vector<int> todo;
  for (int t = 0; t < g.task_count(); ++t)
    if (std::find(retry.ids.begin(), retry.ids.end(), l.plan.tasks[static_cast<std::size_t>(t)].id) != retry.ids.end())
      todo.push_back(t);
  // Downstream through the graph's gates (phases, groups) to every task that waits for them.
  std::vector<bool> seen(static_cast<std::size_t>(g.node_count()), false);
  while (!todo.empty()) {
    const int n = todo.back();
    todo.pop_back();
    if (seen[static_cast<std::size_t>(n)]) continue;
    seen[static_cast<std::size_t>(n)] = true;
    if (n < g.task_count()) selected[static_cast<std::size_t>(n)] = true;
    for (int next : g.successors(n)) todo.push_back(next);
  }
  f.opt.selected = std::move(selected);
  for (const std::string& id : retry.ids) f.opt.hints.emplace_back(id, retry.hint);
  return true;
}

}  // namespace

int run_tasks(const Args& args, const RetryRequest* retry) {
  auto f = read_flags(args);
  if (!f) return kUsage;
  if (f->opt.tasks_path.empty() && !find_feature_tasks("run", f->opt.tasks_path)) return kUsage;
  double update_interval = 0.5;
  if (!configure(*f, update_interval)) return kUsage;
  // Check the file and its graph first, with path:line errors, before anything starts.
  Loaded l = load(f->opt.tasks_path, {});
  if (l.exit != 0 || !l.graph) return kUsage;
  // What the file's reading found (a line that looks like a task and will not run, a task
  // held by a [~] mark, …) is said before anything runs, not only by flow check.
  {
    int shown = 0, more = 0;
    const std::vector<Diagnostic>* lists[] = {&l.plan.diagnostics, &l.graph->diagnostics()};
    for (const std::vector<Diagnostic>* list : lists)
      for (const Diagnostic& d : *list) {
        if (d.severity != Severity::warning) continue;
        if (shown++ >= 10) { ++more; continue; }
        fmt::print(stderr, "{}:{}: warning: {} [{}]\n", f->opt.tasks_path, d.line, printable(d.message), d.code);
      }
    if (more > 0) fmt::print(stderr, "  … and {} more warning{}: flow check {} lists them\n", more, more == 1 ? "" : "s", f->opt.tasks_path);
  }
  std::string error;
  auto sel = select_tasks(l.plan, f->only, f->stories, error);
  if (!sel) { fmt::print(stderr, "flow run: {}\n", error); return kUsage; }
  f->opt.selected = std::move(*sel);
  if (retry) select_retry(*f, l, *retry);

  // The estimator's durations (the journal's history by task, kind and files): the
  // scheduler starts the longest remaining path first under them, not under unit weights.
  const std::vector<Estimate> prior =
      history_estimates(f->opt.workdir.empty() ? default_workdir(f->opt.tasks_path) : f->opt.workdir, f->opt.tasks_path, l.plan,
                        l.text);
  for (const Estimate& e : prior) f->opt.estimates.push_back(e.expected);
  Views views(args, *f, l, update_interval, prior);
  if (!views.open_events(f->events_path, l.plan)) { fmt::print(stderr, "flow run: cannot write {}\n", f->events_path); return kUsage; }
  const RunSignals signals;
  f->opt.interrupt = &g_interrupt;
  // The runner (local, or Slurm with runner.* under the flags), as every host picks it.
  auto runner = make_run_runner(f->settings ? &*f->settings : nullptr, f->choices, f->opt.dry_run);
  if (!runner) {
    fmt::print(stderr, "flow run: {}\n", runner.error().message);
    return kUsage;
  }
  StockPolicy policy(f->popt);
  RunObserver* observer = &views.observer();
  RunControl control;
  std::unique_ptr<serve::Dashboard> board;
  std::unique_ptr<DashboardObserver> board_observer;
  if (f->dashboard && !f->opt.dry_run) {
    f->dashboard->control = &control;
    Loaded copy = l;
    copy.path = f->opt.tasks_path;
    board = start_dashboard("run", {std::move(copy)}, f->opt.workdir, *f->dashboard);
    if (!board) return kUsage;
    board_observer = std::make_unique<DashboardObserver>(*board, l.plan, *observer);
    observer = board_observer.get();
    f->opt.control = &control;
  }
  auto report = run(f->opt, **runner, policy, *observer);
  if (board) board->flush();  // the last events reach the pages before the server goes
  views.close();
  if (!report) {
    if (report.error().line > 0)
      fmt::print(stderr, "{}:{}: error: {}\n", f->opt.tasks_path, report.error().line, report.error().message);
    else
      fmt::print(stderr, "flow run: {}\n", report.error().message);
    return kUsage;
  }
  try {
    return summarize(*report, f->opt, l.plan);
  } catch (const std::system_error&) {
    return run_exit_code(*report);  // the summary could not be written; the run's outcome stands
  }
}

namespace {

int run_command_main(const Args& args) { return run_tasks(args, nullptr); }

}  // namespace

const Command& run_command() {
  static const Command cmd{
      "run",
      "[<tasks.md>]",
      1,
      "run the pending tasks with an agent, mark them [X]",
      "Runs the pending tasks of tasks.md, in parallel where the plan allows, each with the\n"
      "agent. A task that succeeds is marked [X] at once (one byte, atomically). Everything is\n"
      "journaled to .flow/implementation.log; prompts and logs go to .flow/runs/<run-id>/.\n",
      {
          {"agent", 0, "A",
           "claude: Claude Code headless (the default when `claude` is on PATH and no\n"
           "command is set), its stream parsed for activity, cost and error class;\n"
           "command: the --agent-cmd / agent.command template; codex, gemini, qwen,\n"
           "opencode, copilot, cursor, amp, aider: that CLI headless and unattended,\n"
           "its stream parsed, with its settings from agents.<name> in the config",
           agent_choices()},
          {"agent-cmd", 0, "T",
           "any agent, split into argv once (never given to a shell); {prompt_file},\n"
           "{task_id}, {workdir} and {attempt} are replaced inside arguments. The\n"
           "agent runs in the work directory and gets FLOW_TASK_ID, FLOW_TASK_FILES (and\n"
           "FLOW_TASK_FILES_FILE, the list in a file: a long one is only there),\n"
           "FLOW_PROMPT_FILE, FLOW_ATTEMPT, FLOW_RUN_ID and FLOW_WORKDIR; exit 0 = done"},
          {"model", 0, "M", "the agent's model"},
          {"max-turns", 0, "N", "the agent's turn limit (Claude: default 50)"},
          {"workers", 'j', "N", "agents at once (default: implementer.parallel.maxWorkers, else 1)"},
          {"isolation", 0, "I",
           "git (default in a git repository): each attempt in its own worktree and\n"
           "branch, each task one commit (with its [X]) on the current branch, in\n"
           "completion order; conflicts are retried on the new head. none: all in\n"
           "the work directory; a task that names no file runs alone. auto: git\n"
           "where it can",
           isolation_choices()},
          {"allow-dirty", 0, "", "run git isolation on a working tree with uncommitted changes"},
          {"timeout", 0, "S",
           "per attempt: 90, 90s, 30m, 2h (at most 30 days; default 1h; 0 or none: no\n"
           "limit); then SIGTERM to its process group, SIGKILL 5 s later. An attempt\n"
           "with no output and no file change for implementer.parallel.stallTimeout\n"
           "(default 15 min) fails `stalled`"},
          {"retries", 0, "N", "retries per task for retryable failures (default 3)"},
          {"fail-fast", 0, "", "after a failure start nothing new"},
          {"continue-on-error", 0, "", "after a failure go on with what does not depend on it (default)"},
          {"dry-run", 0, "", "print the order and write the prompts; run nothing"},
          {"story", 0, "USn", "run only that story's tasks (repeatable)", {}, true},
          {"only", 0, "IDS", "run only these tasks: T004-T010,T012"},
          {"workdir", 0, "DIR", "where agents run and .flow/ lives (default: the repository\nholding tasks.md, else its folder)", {}, false, "dir"},
          {"events", 0, "FILE", "write every event as a JSON line (docs/events.md)", {}, false, "file"},
          {"config", 0, "FILE",
           "settings (default: <workdir>/.flow/config.yaml when it exists; see\n"
           "docs/config.md); flags given here override them",
           {}, false, "file"},
          {"progress", 0, "P", "live: redraw a view in place; plain: a line per event; auto (default):\nlive on a terminal",
           {"auto", "live", "plain"}},
          {"update-interval", 0, "S", "how often the live view redraws (default 0.5s)"},
          {"runner", 0, "R",
           "local (default): agents run here; slurm: each attempt is a Slurm batch\n"
           "job (sbatch), on nodes that share this filesystem; runner.partition,\n"
           "account, timeLimit and sbatchArgs in the config say where",
           {"local", "slurm"}},
          {"dashboard", 0, "ADDR",
           "serve a live dashboard of the run (see flow serve), with controls:\n"
           "retry, cancel, skip a task, pause and resume starting new ones; ADDR\n"
           "(optional): PORT or HOST:PORT (default 127.0.0.1 and a free port); the\n"
           "URL printed carries the token the controls need",
           {}, false, {}, dashboard_address},
          {"dashboard-read-only", 0, "", "serve the dashboard (as --dashboard) without its controls"},
      },
      "Ctrl-C (or SIGHUP) once: start nothing new, let running tasks finish; twice (or\n"
      "SIGTERM): stop them too. A closed stdout stops the output, not the run.\n"
      "-q: no progress, only the summary; -v: each event's whole detail.\n"
      "exit status: 0 all tasks done, 1 some failed, were blocked or could not run, or a write\n"
      "failed (a full disk), 2 usage/parse/config error, 130 interrupted\n",
      run_command_main,
  };
  return cmd;
}

}  // namespace flow::cli
