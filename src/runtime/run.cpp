// SPDX-License-Identifier: MIT
// The run loop: what starts (scheduler), how (runner, agent template, prompt), what a
// failure means (classification, policy), and what is kept (write-back, journal).
#include <flow/run.hpp>

#include <flow/coverage.hpp>
#include <flow/graph.hpp>
#include <flow/settings.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "core/done_context.hpp"
#include "platform/contain.hpp"
#include "platform/marks_file.hpp"
#include "runtime/agent_pool.hpp"
#include "runtime/git.hpp"
#include "runtime/control_inbox.hpp"
#include "runtime/journal.hpp"
#include "runtime/hooks.hpp"
#include "runtime/ladder.hpp"
#include "runtime/journal_read.hpp"
#include "platform/spare_files.hpp"
#include "runtime/prompt.hpp"
#include "runtime/secrets.hpp"
#include "support/json.hpp"
#include "support/test_hook.hpp"
#include "runtime/validation.hpp"
#include "runtime/workspace.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <variant>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <utility>
#include <sys/statvfs.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

std::string find_workdir_impl(const std::string& tasks_path) {
  std::error_code ec;
  fs::path dir = fs::absolute(tasks_path, ec).parent_path();
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) {
    if (detail::is_work_tree_top(d.string())) return d.string();
    if (d == d.root_path()) break;
  }
  return dir.string();
}

using detail::Field;
using detail::iso_now;
using detail::Journal;
using detail::RunLock;

// The journal's reader (runtime/journal_read.cpp) tells what an earlier run left.
using detail::Leftover;
using detail::previous_run;

// Why an attempt ended unfinished when the run was asked twice to stop.
constexpr const char* kKilledByInterrupt = "killed by a second interrupt (Ctrl-C again, or SIGTERM)";

// What a dead run's attempt left running, stopped: its process group, and whatever left
// the group but not the attempt's container (a daemon started with setsid). Whether the
// group was alive, and how many processes the container held besides.
struct LeftoverStopped {
  bool group = false;
  int others = 0;
  [[nodiscard]] bool any() const noexcept { return group || others > 0; }
};
LeftoverStopped stop_leftover(long pgid, const std::string& container) {
  LeftoverStopped s;
  s.group = pgid > 1 && ::kill(static_cast<pid_t>(-pgid), 0) == 0;
  if (s.group) ::kill(static_cast<pid_t>(-pgid), SIGKILL);
  s.others = detail::stop_container(container);
  detail::remove_container(container, 1000);
  return s;
}

}  // namespace

FailureClass classify_failure(const Completion& c, std::string_view out) {
  if (c.stalled) return FailureClass::stalled;
  if (c.timed_out) return FailureClass::timeout;
  if (c.signal != 0) return FailureClass::crash;
  return match_failure_signature(out).value_or(FailureClass::unknown);
}

namespace {

class RunLoop {
 public:
  RunLoop(const RunOptions& o, Runner& r, RecoveryPolicy& p, RunObserver& obs, detail::WorkspaceFactory make_workspace = {})
      : opt_(o), runner_(r), policy_(p), obs_(obs), make_workspace_(std::move(make_workspace)) {}

  // The run, as a story: what was asked is checked, the run's directory made, the lock
  // and what an earlier run left taken over, the workspace opened, the schedule set up
  // and the start journaled; then the loop, and the end.
  Result<RunReport> go() {
    if (auto asked = check_request(); !asked) return Unexpected{std::move(asked).error()};
    if (auto made = make_run_dir(); !made) return Unexpected{std::move(made).error()};
    std::string took_over;            // what the lock said of an earlier run that died
    std::optional<Leftover> leftover;  // what an earlier run that did not finish left
    if (!opt_.dry_run) {
      if (auto taken = take_over(took_over, leftover); !taken) return Unexpected{std::move(taken).error()};
    } else if (auto seen = dry_run_state(); !seen) {
      return Unexpected{std::move(seen).error()};
    }
    if (auto opened = open_workspace(); !opened) return Unexpected{std::move(opened).error()};
    set_up_schedule();
    journal_start(took_over);
    if (leftover) resume(*leftover, took_over.empty());
    if (!opt_.dry_run) open_ladder();
    if (!opt_.dry_run && !opt_.pre_implement.empty()) {
      if (const int rc = hook("pre-implement", opt_.pre_implement, -1); rc != 0) {
        finish();
        return make_error(Errc::config, "the pre-implement hook failed (exit " + std::to_string(rc) +
                                            "); nothing was started; its output is in " + run_dir_ + "/hook-pre-implement.out");
      }
    }
    if (opt_.dry_run) dry_run();
    else loop();
    if (!opt_.dry_run && !opt_.post_implement.empty()) hook("post-implement", opt_.post_implement, -1);
    finish();
    return std::move(report_);
  }

 private:
  // The plan read, the agent known, the timeouts in range.
  Result<void> check_request() {
    // A real run reads the plan again once it holds the lock (take_over): what a killed
    // run left in flight (a fast-forward of the branch) has landed by then.
    if (auto planned = read_plan(); !planned) return Unexpected{std::move(planned).error()};
    agent_ = opt_.agent_adapter;
    if (!agent_ && !opt_.agent.empty()) agent_ = make_command_agent(opt_.agent);
    if (!agent_ && !opt_.dry_run) return make_error(Errc::invalid_argument, "no agent command");
    agent_name_ = agent_ ? agent_->name() : std::string();
    for (const double d : {opt_.task_timeout, opt_.kill_grace})
      if (!std::isfinite(d) || d < 0 || d > kMaxDurationSeconds)
        return make_error(Errc::invalid_argument, "a timeout must be from 0 to 30 days, not " + std::to_string(d));
    return {};
  }

  // The work directory, the run's own directory in it, and tasks.md writable.
  Result<void> make_run_dir() {
    workdir_ = opt_.workdir.empty() ? default_workdir(opt_.tasks_path) : opt_.workdir;
    std::error_code ec;
    workdir_ = fs::absolute(workdir_, ec).string();
    // A full disk would fail the run halfway (prompts, logs, journal, commits): say so now.
    if (struct statvfs fsinfo {}; !opt_.dry_run && ::statvfs(workdir_.c_str(), &fsinfo) == 0) {
      const double free_mb = static_cast<double>(fsinfo.f_bavail) * static_cast<double>(fsinfo.f_frsize) / (1 << 20);
      if (free_mb < 64)
        return make_error(Errc::io, "only " + std::to_string(static_cast<int>(free_mb)) + " MiB free on the disk of " +
                                        workdir_ + ": free some space first (flow needs room for logs and commits)");
    }
    auto claimed = detail::claim_run_dir(workdir_ + "/.flow/runs");
    if (!claimed) return Unexpected{std::move(claimed).error()};
    report_.run_id = claimed->id;
    run_dir_ = claimed->path;
    report_.journal_path = workdir_ + "/.flow/implementation.log";
    tasks_path_ = fs::absolute(opt_.tasks_path, ec).string();
    commands_ = {opt_.task_timeout, opt_.kill_grace, report_.run_id, tasks_path_, opt_.interrupt};
    if (struct stat st {}; ::stat(workdir_.c_str(), &st) == 0) workdir_id_ = {st.st_dev, st.st_ino};
    // flow writes marks into tasks.md: a read-only one is refused before anything runs.
    if (struct stat st {}; !opt_.dry_run && ::stat(tasks_path_.c_str(), &st) == 0) {
      if ((st.st_mode & 0222) == 0) {
        fs::remove_all(run_dir_, ec);
        return make_error(Errc::io, tasks_path_ + " is read-only, and flow marks the tasks it finishes in it: make it "
                                                  "writable (chmod u+w) first, or use --dry-run");
      }
      tasks_mode_ = st.st_mode & 07777;
      tasks_uid_ = st.st_uid;
      tasks_gid_ = st.st_gid;
    }
    return {};
  }

  // The run lock, the plan as it is once the lock is held, the journal opened, and the
  // finished tasks of an earlier run that died marked (`leftover`: what it left).
  Result<void> take_over(std::string& took_over, std::optional<Leftover>& leftover) {
    std::error_code ec;
    fs::create_directories(workdir_ + "/.flow/locks", ec);
    // The one name for it: `flow status`, `flow retry` and `flow serve` look for the live
    // run there.
    auto held = lock_.acquire(detail::run_lock_path(workdir_, tasks_path_), report_.run_id);
    if (!held) {
      fs::remove_all(run_dir_, ec);
      return Unexpected{std::move(held).error()};
    }
    took_over = *held;
    settled_ = opt_.isolation != Isolation::none ? detail::settle_killed_integration(workdir_, tasks_path_)
                                                 : detail::remove_killed_temporaries(tasks_path_);
    if (auto planned = read_plan(); !planned) {
      fs::remove_all(run_dir_, ec);
      return Unexpected{std::move(planned).error()};
    }
    leftover = previous_run(report_.journal_path, tasks_path_);
    // What it was landing when it died and its branch took: done, whatever the journal
    // says next (a task without a checkbox has no mark in its commit to say so).
    if (leftover && opt_.isolation != Isolation::none)
      if (const auto repo = detail::GitRepo::open(workdir_))
        for (const Leftover::Running& r : leftover->running)
          if (repo->on_head(r.landing)) landed_.push_back(r);
    if (auto j = log_.open(report_.journal_path); !j) return Unexpected{std::move(j).error()};
    if (leftover && !leftover->unmarked.empty()) {
      // Finished before the crash, not marked yet: mark them now, found by ID and line
      // text wherever the user's edits moved them. A task whose line is gone or changed
      // is not marked (it runs again), and that is said; it never blocks the run.
      const Plan now = parse_tasks_md(text_);
      std::vector<MarkChange> changes;
      for (Leftover::Unmarked& u : leftover->unmarked) {
        const int at = find_task_again(text_, now, u.id, u.line, u.text);
        if (at < 0) {
          u.line = -1;
          continue;
        }
        const Task& tk = now.tasks[static_cast<std::size_t>(at)];
        u.line = tk.line;
        u.boxless = !tk.has_marks();
        // A heading an earlier flow finished but kept in its journal alone: under git
        // isolation its mark goes in a commit of its own below, not into the work tree.
        const bool heading = tk.mark_offset == Task::npos && tk.step_marks.empty();
        if (heading && opt_.isolation != Isolation::none) u.boxless = true;
        if (!u.boxless) changes.push_back({tk.line, tk.id, true});
      }
      if (!changes.empty()) {
        // In the work tree another feature's run may be landing in: not while it does.
        std::optional<detail::FileLock> settled;
        if (opt_.isolation != Isolation::none)
          if (const auto repo = detail::GitRepo::open(workdir_)) settled.emplace(repo->integration_lock_path());
        auto updated = update_marks_in_file(tasks_path_, text_, changes);
        if (!updated) return make_error(Errc::io, "cannot mark the tasks an earlier run finished: " + updated.error().message);
        text_ = std::move(*updated);
      }
    }
    // Heading tasks an earlier flow kept in its journal alone (it wrote no check mark):
    // one that succeeded in a run not rolled back gets its check mark now.
    if (!opt_.dry_run) {
      Plan before = parse_tasks_md(text_);
      std::vector<int> applied;
      auto kept = apply_journal_state(report_.journal_path, tasks_path_, text_, before, &applied);
      if (!kept) return Unexpected{std::move(kept).error()};
      std::vector<MarkChange> changes;
      std::vector<std::string> texts;
      for (int at : applied) {
        const Task& tk = before.tasks[static_cast<std::size_t>(at)];
        if (tk.check_offset == Task::npos) continue;
        changes.push_back({tk.line, tk.id, true});
        texts.push_back(task_line_text(text_, tk));
      }
      if (!changes.empty()) {
        // Under git isolation in a commit of tasks.md alone, where it is committed as it
        // is (else the journal keeps them done, as before); without, in the file.
        std::string ids;
        for (const MarkChange& c : changes) ids += (ids.empty() ? "" : ", ") + c.id;
        bool landed = false;
        if (opt_.isolation == Isolation::none) {
          auto updated = update_marks_in_file(tasks_path_, text_, changes);
          if (!updated) return make_error(Errc::io, "cannot mark the tasks an earlier run finished: " + updated.error().message);
          text_ = std::move(*updated);
          landed = true;
        } else if (auto marked = set_marks(text_, parse_tasks_md(text_), changes); marked) {
          auto committed = detail::commit_tasks_file(
              workdir_, tasks_path_, text_, *marked,
              "flow: check " + ids + ", which an earlier run finished\n\nThat run's flow kept their state in its journal "
              "alone; the file now says it.");
          if (!committed) return make_error(Errc::io, "cannot mark the tasks an earlier run finished: " + committed.error().message);
          if (*committed) text_ = std::move(*marked);
          landed = *committed;
        }
        for (std::size_t i = 0; landed && i < changes.size(); ++i)
          log("marked", -1, 0, {{"task", changes[i].id}, {"line", static_cast<double>(changes[i].line)}, {"text", texts[i]},
                                {"mark", std::string("\xE2\x9C\x85")},
                                {"detail", std::string("finished in an earlier run, whose flow kept it in the journal alone")}});
      }
    }
    // Tasks without a checkbox keep their state in the journal only: one that succeeded
    // in any earlier run (not rolled back) is done, found by ID and line text.
    plan_text_ = text_;
    return graph_with_journal_state(plan_of(text_));
  }

  // The graph of `now` once the journal's state is on it: tasks without a checkbox that
  // succeeded in an earlier run (not rolled back) are done, found by ID and line text.
  Result<void> graph_with_journal_state(Plan now) {
    auto kept = apply_journal_state(report_.journal_path, tasks_path_, text_, now);
    if (!kept) return Unexpected{std::move(kept).error()};
    for (const Leftover::Running& r : landed_)
      if (const int at = find_task_again(text_, now, r.id, r.line, r.text); at >= 0) {
        Task& t = now.tasks[static_cast<std::size_t>(at)];
        if (t.state == TaskState::pending && t.mark_offset == Task::npos && t.step_marks.empty()) t.state = TaskState::done;
      }
    auto g = build_graph(std::move(now));
    if (!g) return Unexpected{std::move(g).error()};
    graph_.emplace(std::move(*g));
    return {};
  }

  // A dry run takes no lock and writes no mark, but lists what a run would run: not the
  // tasks the journal alone keeps done (no checkbox), nor those an earlier run that died
  // finished and a run would mark before it starts.
  Result<void> dry_run_state() {
    Plan now = plan_of(text_);
    if (const auto leftover = previous_run(report_.journal_path, tasks_path_))
      for (const Leftover::Unmarked& u : leftover->unmarked)
        if (const int at = find_task_again(text_, now, u.id, u.line, u.text); at >= 0)
          now.tasks[static_cast<std::size_t>(at)].state = TaskState::done;
    return graph_with_journal_state(std::move(now));
  }

  // Where attempts run (Workspace): in place for a dry run, else what the options (or
  // a test's factory) ask for.
  Result<void> open_workspace() {
    const detail::WorkspaceContext where{opt_, log_, graph_, plan_text_, report_.run_id, workdir_, run_dir_, tasks_path_,
                                         static_cast<unsigned>(tasks_mode_), lock_.fd(), tasks_uid_, tasks_gid_};
    if (opt_.dry_run) {
      workspace_ = detail::make_in_place_workspace(where);  // prepares nothing: a dry run runs nothing
    } else {
      auto ws = make_workspace_ ? make_workspace_(where) : detail::open_workspace(where);
      if (!ws) {
        std::error_code ec;
        fs::remove_all(run_dir_, ec);
        return Unexpected{std::move(ws).error()};
      }
      workspace_ = std::move(*ws);
      report_.isolation = workspace_->kind();
      report_.branch = workspace_->branch();
      report_.checkpoint = workspace_->checkpoint();
    }
    return {};
  }

  // The scheduler (workers, fail-fast, selection, file locks, resources) and validation.
  void set_up_schedule() {
    const int n = graph_->task_count();
    report_.workers = std::max(1, opt_.workers);
    report_.tasks.resize(static_cast<std::size_t>(n));
    SchedulerOptions so;
    so.workers = report_.workers;
    so.fail_fast = opt_.fail_fast;
    so.selected = opt_.selected;
    if (opt_.estimates.size() == static_cast<std::size_t>(n)) so.estimates = opt_.estimates;
    // Without worktrees, file locks are all that keeps agents apart: a task that names
    // no file could touch anything, so it runs alone.
    so.unknown_files_exclusive = !workspace_->isolated() && !opt_.dry_run;
    if (!opt_.resources.empty()) {
      so.resources.assign(static_cast<std::size_t>(n), {});
      for (int t = 0; t < n; ++t)
        for (const auto& [who, names] : opt_.resources) {
          const Task& tk = task(t);
          if (tk.id == who || tk.in_story(who) || std::find(tk.labels.begin(), tk.labels.end(), who) != tk.labels.end())
            so.resources[static_cast<std::size_t>(t)].insert(so.resources[static_cast<std::size_t>(t)].end(), names.begin(),
                                                              names.end());
        }
    }
    sched_.emplace(*graph_, std::move(so));
    agents_.emplace(agent_, opt_, report_.workers, n);
    // A start writes a prompt, and on a task's first attempt the list of its files.
    spares_.aim(run_dir_, std::min<std::size_t>(2 * static_cast<std::size_t>(report_.workers), kMaxSpareFiles), 0666);
    listed_.assign(static_cast<std::size_t>(n), false);
    done_.emplace(*graph_);
    validation_.emplace(opt_, *graph_, commands_, log_, report_, workdir_, run_dir_);
    if (opt_.test_first && !opt_.dry_run) validation_->hold_implementations(*sched_);
  }

  // The run-started line, the workspace's checkpoint, a lock taken over.
  void journal_start(const std::string& took_over) {
    log_.start_clock();
    detail::Json j;
    j.begin_object().field("ts", iso_now()).field("run", report_.run_id).field("event", "run-started")
        .field("tasks_md", tasks_path_).field("workdir", workdir_).field("workers", report_.workers)
        .field("timeout", opt_.task_timeout).field("fail_fast", opt_.fail_fast).field("dry_run", opt_.dry_run)
        .field("agent", agent_name_);
    if (!opt_.agent.empty() && !opt_.agent_adapter) {
      j.key("agent_command").begin_array();
      for (const auto& a : opt_.agent) j.value(a);
      j.end_array();
    }
    j.end_object();
    log_.write(j.str(), true);
    emit("run-started", -1, 0, report_.run_id);
    workspace_->started();
    if (!took_over.empty()) {
      log("lock-taken-over", -1, 0, {{"detail", took_over}}, true);
      emit("resumed", -1, 0, took_over);
    }
    if (!settled_.empty()) {
      log("settled", -1, 0, {{"detail", settled_}}, true);
      emit("resumed", -1, 0, settled_);
    }
  }

  double now() const { return log_.now(); }
  const Task& task(int t) const { return graph_->plan().tasks[static_cast<std::size_t>(t)]; }

  // tasks.md, parsed and with its dependencies: the plan.
  Result<void> read_plan() {
    auto text = read_file(opt_.tasks_path);
    if (!text) return Unexpected{std::move(text).error()};
    text_ = std::move(*text);
    plan_text_ = text_;
    Plan plan = plan_of(text_);
    for (const Diagnostic& d : plan.diagnostics)
      if (d.severity == Severity::error) return make_error(Errc::parse, d.message, d.line);
    // A line the parser could not read may be a task that now cannot run: the run says so
    // in its report (and the CLI's exit status), not only in a warning.
    report_.not_run.clear();
    for (const Diagnostic& d : plan.diagnostics)
      if (d.code == "line-too-long")
        report_.not_run.push_back("line " + std::to_string(d.line) + " is longer than 1 MiB and was not read: a task there cannot run");
    auto g = build_graph(std::move(plan));
    if (!g) return Unexpected{std::move(g).error()};
    graph_.emplace(std::move(*g));
    return {};
  }

  void emit(const std::string& kind, int t, int attempt, std::string detail) { log_.emit(kind, t, attempt, std::move(detail)); }
  void log(const std::string& event, int t, int attempt, std::initializer_list<Field> extra, bool durable = false) {
    log_.log(event, t, attempt, extra, durable);
  }
  void log(const std::string& event, int t, int attempt, const std::vector<Field>& extra, bool durable = false) {
    log_.log(event, t, attempt, extra, durable);
  }

  int interrupt() const { return opt_.interrupt ? opt_.interrupt->load() : 0; }

  // Runs a hook in the work directory (runtime/hooks.hpp); returns its exit status (or -1).
  int hook(const std::string& name, const std::vector<std::string>& argv, int t) {
    return detail::run_hook(commands_, log_, workdir_, run_dir_, name, argv, t, t >= 0 ? task(t).id : std::string(),
                            t >= 0 ? task_files_env(t) : std::vector<std::string>());
  }

  // An earlier run stopped without finishing (killed, crashed, power lost). Its finished
  // tasks are marked in tasks.md and stay done; the ones it was running run again. Any
  // of their processes still alive are stopped first, and all of it is said.
  // `released`: the earlier run released the lock, so it ended rather than died; only
  // the end of its journal is missing (a write that failed).
  void resume(const Leftover& l, bool released = false) {
    std::string tasks, again, unselected, gone;
    const auto add = [](std::string& to, const std::string& id) { to += (to.empty() ? "" : ", ") + id; };
    for (const Leftover::Running& was : l.running) {
      const auto& [id, line, pgid, container, text, landing] = was;
      // Committed (its mark is on the branch, in the task's own commit) just before the
      // run died: done, not run again.
      const int at = find_task_again(plan_text_, graph_->plan(), id, line, text);
      if (at >= 0 && task(at).state == TaskState::done) {
        // Without a checkbox, its commit carries no mark: the journal alone keeps it done
        // from now on (a `marked` line would say the file does).
        const bool journal_kept = task(at).mark_offset == Task::npos && task(at).step_marks.empty() &&
                                  std::any_of(landed_.begin(), landed_.end(),
                                              [&](const Leftover::Running& r) { return r.id == was.id && r.line == was.line; });
        if (journal_kept)
          log("task-finished", at, 0, {{"outcome", std::string("succeeded")}, {"commit", landing},
                                       {"detail", std::string("committed in run ") + l.run_id}}, true);
        else
          log("marked", -1, 0, {{"task", id}, {"line", static_cast<double>(task(at).line)}, {"text", text},
                                {"mark", std::string("X")}, {"detail", std::string("committed in run ") + l.run_id}});
        emit("resumed", -1, 0, id + " was committed by the earlier run; not run again");
      } else {
        add(tasks, id);
        // What this run runs again: `flow retry T002` runs T002 alone. One whose line is
        // not found as it was (renumbered, reworded, deleted) is not run again as that
        // task, and that is said.
        if (at < 0) add(gone, id);
        else if (static_cast<std::size_t>(at) >= opt_.selected.size() || opt_.selected[static_cast<std::size_t>(at)]) add(again, id);
        else add(unselected, id);
      }
      if (const LeftoverStopped stopped = stop_leftover(pgid, container); stopped.any()) {
        const int others = stopped.others;
        log("leftover-killed", -1, 0, {{"task", id}, {"pgid", static_cast<double>(pgid)}, {"container", container},
                                       {"processes", static_cast<double>(others)}}, true);
        emit("resumed", -1, 0, "stopped what " + id + " left running (" +
                                   (stopped.group ? "process group " + std::to_string(pgid) : std::string()) +
                                   (stopped.group && others > 0 ? ", " : "") +
                                   (others > 0 ? std::to_string(others) + " process(es) in its container" : "") + ")");
      }
    }
    for (const Leftover::Unmarked& u : l.unmarked) {
      if (u.line < 0) {
        log("mark-failed", -1, 0, {{"task", u.id}, {"detail", std::string("finished in run ") + l.run_id},
                                   {"error", std::string("its line was edited or removed since")}});
        emit("resumed", -1, 0, u.id + " finished in the earlier run, but its line was edited or removed since: not marked");
        continue;
      }
      if (u.boxless) {
        emit("resumed", -1, 0, u.id + " finished in the earlier run; done (it has no checkbox: the journal keeps it)");
        continue;
      }
      log("marked", -1, 0, {{"task", u.id}, {"line", static_cast<double>(u.line)}, {"text", u.text}, {"mark", std::string("X")},
                            {"detail", std::string("finished in run ") + l.run_id}});
      emit("resumed", -1, 0, u.id + " finished in the earlier run; marked now");
    }
    log("resumed", -1, 0, {{"previous_run", l.run_id}, {"were_running", tasks}, {"not_found", gone}}, true);
    emit("resumed", -1, 0, "run " + l.run_id + (released ? " ended, but its journal does not say so (a write failed)" : " did not finish") +
                               (tasks.empty()    ? std::string(": nothing was running")
                                : again == tasks ? "; running again: " + tasks
                                                 : "; " + tasks + " were running" +
                                                       (again.empty() ? "" : "; running again: " + again) +
                                                       (unselected.empty() ? "" : "; not selected now: " + unselected) +
                                                       (gone.empty() ? "" : "; not in the file as they were: " + gone)));
  }

  void dry_run() {
    // The order the scheduler would start tasks in, each finishing at once.
    while (!sched_->done()) {
      bool any = false;
      while (auto t = sched_->start_next(0)) {
        write_prompt(*t, 1, {}, workdir_);
        report_.order.push_back(*t);
        emit("started", *t, 1, "dry run: prompt in " + prompt_path(*t, 1));
        sched_->finish(*t, TaskStatus::succeeded);
        any = true;
      }
      if (!any) break;
    }
  }

  std::string prompt_path(int t, int attempt) const {
    return run_dir_ + "/" + task(t).id + "-" + std::to_string(t) + "." + std::to_string(attempt) + ".prompt.md";
  }

  // The prompt (runtime/prompt.hpp). False (with why in `error`) when the prompt did not
  // reach the disk whole.
  bool write_prompt(int t, int attempt, const std::string& previous_failure, const std::string& dir, std::string* error = nullptr,
                    std::string_view guidance = {}) {
    // The feature's documents, looked up again once a second at most: every prompt
    // would otherwise cost eight lookups between one task's end and the next's start.
    if (const double t_now = now(); docs_at_ < 0 || t_now - docs_at_ >= kDocsRecheck) {
      docs_ = detail::feature_docs(tasks_path_, workdir_);
      docs_at_ = t_now;
    }
    const detail::PromptContext ctx{plan_text_, tasks_path_, workdir_, done_ ? &*done_ : nullptr, report_.journal_path, guidance, &docs_,
                                    &spares_};
    return detail::write_prompt(prompt_path(t, attempt), ctx, task(t), t, attempt, previous_failure, dir, error);
  }

  // The plan of `text`, its paths resolved against the repository and tasks.md's
  // folder (`data-model.md` beside tasks.md is that document): what prompts,
  // FLOW_TASK_FILES and the graph's locks all use.
  Plan plan_of(std::string_view text) const {
    Plan plan = parse_tasks_md(text);
    resolve_paths(plan, path_context(opt_.tasks_path, opt_.workdir.empty() ? default_workdir(opt_.tasks_path) : opt_.workdir));
    return plan;
  }

  std::string task_files(int t) const { return detail::task_files(task(t)); }

  // The files a task names, for its agent, gates and hooks (runtime/prompt.hpp).
  std::vector<std::string> task_files_env(int t) {
    const std::string path = run_dir_ + "/" + task(t).id + "-" + std::to_string(t) + ".files";
    std::string error;
    // Written once, on the task's first start; a spare is not spent to find it there.
    const bool listed = listed_[static_cast<std::size_t>(t)];
    auto env = detail::task_files_env(task(t), path, &error, listed ? nullptr : &spares_);
    if (!error.empty()) log("write-failed", t, 0, {{"file", path}, {"error", error}});
    else listed_[static_cast<std::size_t>(t)] = true;
    return env;
  }

  // A task the scheduler started: its place is prepared first (Workspace::begin_prepare;
  // with git, a worktree made on the workspace's worker while the loop goes on), and its
  // agent launched once the place is there (on_prepared).
  void start(int t, const std::string& agent = {}) {
    const int attempt = ++report_.tasks[static_cast<std::size_t>(t)].attempts;
    agents_->started(t, agent);
    report_.tasks[static_cast<std::size_t>(t)].agent = agents_->on(t);
    preparing_.insert(t);
    workspace_->begin_prepare(t, attempt);
    take_workspace(0);  // what is ready at once (in place: this one)
  }

  // What the workspace finished: attempts whose place is ready launch their agent; work
  // collected is checked and integrated, in the order the agents ended.
  void take_workspace(double timeout) {
    for (detail::WorkspaceDone& d : workspace_->take(timeout)) {
      if (d.kind == detail::WorkspaceDone::Kind::prepared) on_prepared(d.task, d.attempt, std::move(d.dir));
      else on_collected(d.task, std::move(d.work));
    }
  }

  void on_prepared(int t, int attempt, Result<std::string> prepared) {
    preparing_.erase(t);
    if (!prepared) {
      agents_->ended(t, false, now());
      report_.order.push_back(t);
      emit("started", t, attempt, task(t).description);
      return on_failure(t, attempt, prepared.error().code == Errc::io ? FailureClass::io : FailureClass::config,
                        prepared.error().message);
    }
    // Its place was made while the second Ctrl-C killed what ran: it never starts.
    if (killed_) {
      agents_->ended(t, false, now());
      workspace_->discard(t, kKilledByInterrupt, false);
      log("task-killed", t, attempt, {{"detail", std::string(kKilledByInterrupt)}}, true);
      emit("killed", t, attempt, kKilledByInterrupt);
      return;
    }
    // Its place was made after the first Ctrl-C: no new task starts, and its agent would
    // be one. It stays as the interrupt found it, counted stopped; the next run runs it.
    if (stopping_) {
      agents_->ended(t, false, now());
      --report_.tasks[static_cast<std::size_t>(t)].attempts;
      workspace_->discard(t, "the run was interrupted before its agent started", false);
      not_launched_.insert(t);
      return;
    }
    const std::string dir = *prepared;
    // No agent starts on a prompt that is not all there (a full disk, say).
    // What the recovery ladder changes in this attempt (a strategy, an instruction, a hint).
    const detail::Guidance guide = ladder_.guidance(t, attempt, failures_[t]);
    report_.tasks[static_cast<std::size_t>(t)].strategy = guide.label;
    const std::string& failure = failures_[t];
    if (std::string error; !write_prompt(t, attempt, failure.empty() ? failure : detail::bounded_failure(failure), dir, &error, guide.text)) {
      agents_->ended(t, false, now());
      workspace_->discard(t, "its prompt could not be written", false);
      report_.order.push_back(t);
      emit("started", t, attempt, task(t).description);
      // flow's own file in the run's directory: whatever stopped it (a full disk, a quota,
      // a read-only file system) is the file system's failure, named with its errno.
      return on_failure(t, attempt, FailureClass::io, error);
    }
    const AgentAdapter& adapter = agents_->adapter(t);
    AgentLaunch how = adapter.prepare({task(t).id, prompt_path(t, attempt), dir, attempt});
    Launch l;
    l.task = t;
    l.attempt = attempt;
    l.argv = std::move(how.argv);
    l.stdin_path = std::move(how.stdin_path);
    l.workdir = dir;
    const std::string base = run_dir_ + "/" + task(t).id + "-" + std::to_string(t) + "." + std::to_string(attempt);
    // One file for what the agent says on both streams, in the order it says it: a file
    // fewer per attempt (on a real disk, creating files is much of a short task's cost).
    l.stdout_path = l.stderr_path = base + ".out";
    l.timeout = opt_.task_timeout;
    l.stall_timeout = opt_.stall_timeout;
    l.kill_grace = opt_.kill_grace;
    l.env = task_files_env(t);
    l.env.insert(l.env.end(), {"FLOW_TASK_ID=" + task(t).id, "FLOW_PROMPT_FILE=" + prompt_path(t, attempt),
             "FLOW_ATTEMPT=" + std::to_string(attempt), "FLOW_RUN_ID=" + report_.run_id, "FLOW_WORKDIR=" + dir});
    l.env.insert(l.env.end(), how.env.begin(), how.env.end());
    // The agent's stream, parsed as it comes: the live activity, and at the end the
    // result, cost and error class.
    if (auto parser = adapter.parser()) {
      StreamParser* p = parser.get();
      parsers_[t] = std::move(parser);
      l.on_stdout_line = [this, p, t, attempt](std::string_view line) {
        if (p->on_line(line)) emit("activity", t, attempt, p->report().activity);
      };
    } else {
      parsers_.erase(t);
    }
    report_.order.push_back(t);
    // The task-started line, with the process group and container a later run needs to
    // stop the agent should flow die, is written before the agent can run (the runner
    // holds it until this returns, or calls this before it exists: runner.hpp). Written is enough: the kernel keeps it whatever
    // kills flow, and a power loss, which could lose it, stops the agent too.
    bool journaled = false;
    l.on_started = [&](const Started& s) {
      detail::test_pause("before-task-started");
      std::vector<Field> fields{{"log", l.stdout_path}, {"pgid", static_cast<double>(s.pgid)}, {"container", s.container},
                                {"agent", agents_->on(t)}};
      if (!guide.label.empty()) fields.push_back({"strategy", guide.label});
      log("task-started", t, attempt, fields);
      journaled = true;
    };
    auto started = runner_.start(l);
    if (!journaled) {
      std::vector<Field> fields{{"log", l.stdout_path}, {"pgid", 0.0}, {"agent", agents_->on(t)}};
      if (!guide.label.empty()) fields.push_back({"strategy", guide.label});
      log("task-started", t, attempt, fields);
    }
    emit("started", t, attempt, task(t).description);
    if (agents_->on(t) != agents_->own())
      emit("fallback", t, attempt, "on " + agents_->on(t) + (agents_->preferred(t) == agents_->on(t) ? " (the fallback chain)"
                                                             : " (" + agents_->preferred(t) + "'s rate-limit gate is closed)"));
    // An agent that cannot even start (a missing binary) is a configuration failure.
    if (!started) {
      agents_->ended(t, false, now());
      workspace_->discard(t, "the agent did not start", false);
      on_failure(t, attempt, FailureClass::config, started.error().message);
    }
  }

  // A control from another thread (the dashboard), journaled as asked and applied, or
  // journaled as refused when it does not fit the task's state.
  void apply_control(const ControlRequest& r) {
    using A = ControlRequest::Action;
    int t = -1;
    if (r.action != A::pause && r.action != A::resume) t = find_task(r.task, r.line);
    const TaskStatus st = t >= 0 ? sched_->status(t) : TaskStatus::waiting;
    bool ok = true;
    switch (r.action) {
      case A::pause: ok = !paused_; paused_ = true; break;
      case A::resume: ok = paused_; paused_ = false; break;
      case A::skip:
        ok = t >= 0 && (st == TaskStatus::waiting || st == TaskStatus::ready);
        if (ok) sched_->skip(t);
        break;
      case A::retry:
        ok = t >= 0 && !stopping_ && sched_->reopen(t);
        if (ok) reopened(t, r.hint);
        // Still on its ladder (waiting for its next attempt): the hint goes with that attempt.
        else if (t >= 0 && !stopping_ && !r.hint.empty() && st == TaskStatus::ready &&
                 report_.tasks[static_cast<std::size_t>(t)].attempts > 0) {
          ladder_.add_hint(t, detail::clip(r.hint, detail::kMaxHintBytes));
          ok = true;
        }
        break;
      case A::cancel: ok = t >= 0 && st == TaskStatus::running && runner_.cancel(t); if (ok) canceled_.insert(t); break;
    }
    std::vector<Field> fields{{"action", std::string(to_string(r.action))}, {"by", r.by}};
    if (!ok) fields.push_back({"refused", std::string("does not apply to the task's state")});
    if (t < 0 && !r.task.empty()) fields.push_back({"task", r.task});  // not found: as asked
    if (!r.hint.empty()) fields.push_back({"hint", detail::clip(r.hint, detail::kMaxHintBytes)});
    if (!r.id.empty()) fields.push_back({"request", r.id});
    log("control", t, 0, fields, true);
    emit("control", t, 0, std::string(to_string(r.action)) + (ok ? "" : " refused") + (r.by.empty() ? "" : " (" + r.by + ")"));
  }

  // ---- the recovery ladder's end: a person in the loop (runtime/ladder.hpp) ----

  // The run's inbox for controls from other processes, the notification hooks, and the
  // hints a `flow retry` brought (journaled, then in each of the task's prompts).
  void open_ladder() {
    notifier_.emplace(opt_.notify, commands_, log_, workdir_, run_dir_);
    if (std::string error; !inbox_.open(workdir_, report_.run_id, &error))
      log("control-inbox", -1, 0, {{"error", error}});  // the run goes on; only other processes' controls are lost
    for (const auto& [id, hint] : opt_.hints)
      for (int t = 0; t < graph_->task_count(); ++t)
        if (task(t).id == id && !hint.empty()) {
          ladder_.add_hint(t, detail::clip(hint, detail::kMaxHintBytes));
          log("hint", t, 0, {{"hint", detail::clip(hint, detail::kMaxHintBytes)}}, true);
        }
  }

  // A task named by a control: by its line when that still holds the ID (the journal's
  // way), else by the ID alone when only one task has it.
  int find_task(const std::string& id, int line) const {
    if (line > 0)
      if (const int t = graph_->plan().task_at_line(line); t >= 0 && task(t).id == id) return t;
    int found = -1;
    for (int t = 0; t < graph_->task_count(); ++t)
      if (task(t).id == id) {
        if (found >= 0) return -1;
        found = t;
      }
    return found;
  }

  // A retry control reopened `t` (and what it blocked): it is nobody's to look at now.
  void reopened(int t, const std::string& hint) {
    // A blocked task may have been named: the scheduler reopened the failure behind it.
    for (int u = 0; u < graph_->task_count(); ++u)
      if (report_.tasks[static_cast<std::size_t>(u)].needs_attention && sched_->status(u) != TaskStatus::failed) {
        report_.tasks[static_cast<std::size_t>(u)].needs_attention = false;
        ladder_.set_needs_attention(u, false);
      }
    for (auto it = told_blocked_.begin(); it != told_blocked_.end();)
      it = sched_->status(*it) == TaskStatus::blocked ? std::next(it) : told_blocked_.erase(it);
    ladder_.add_hint(t, detail::clip(hint, detail::kMaxHintBytes));
  }

  // Controls other processes posted (flow retry), taken where the in-process ones are.
  void take_posted_controls() {
    std::vector<std::string> rejected;
    for (const ControlRequest& r : inbox_.take(&rejected)) apply_control(r);
    for (const std::string& why : rejected) {
      log("control", -1, 0, {{"refused", "not a valid request: " + why}}, true);
      emit("control", -1, 0, "refused: not a valid request");
    }
  }

  // The task's FLOW_* variables for a notification.
  std::vector<std::string> notify_env(int t, int attempt, FailureClass cls, const std::string& reason) {
    std::vector<std::string> env = task_files_env(t);
    env.insert(env.end(), {"FLOW_ATTEMPT=" + std::to_string(attempt), "FLOW_FAILURE_CLASS=" + std::string(to_string(cls)),
                           "FLOW_REASON=" + detail::redact_secrets(detail::clip(reason, 500)),
                           "FLOW_TASK_LINE=" + std::to_string(task(t).line),
                           "FLOW_TASK_DESCRIPTION=" + detail::clip(task(t).description, 500), "FLOW_AGENT=" + agents_->on(t)});
    return env;
  }

  // A task failed for good: needs-attention when its ladder is exhausted (journaled with
  // the analysis, shown, notified), else task-failed; then what its failure blocked.
  void failed_for_good(int t, int attempt, FailureClass cls, const Decision& d, const std::string& lines) {
    TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
    if (d.needs_attention) {
      r.needs_attention = true;
      ladder_.set_needs_attention(t, true);
      log("needs-attention", t, attempt, {{"class", std::string(to_string(cls))}, {"reason", d.reason},
                                          {"lines", detail::clip(detail::bounded_failure(lines), 2000)}}, true);
      emit("needs-attention", t, attempt, d.reason + "; flow retry " + tasks_path_ + " " + task(t).id + " --hint TEXT");
    }
    if (!notifier_) return;
    notifier_->fire(d.needs_attention ? "needs-attention" : "task-failed", t, task(t).id, notify_env(t, attempt, cls, d.reason));
    std::vector<std::string> blocked;
    for (int u = 0; u < graph_->task_count(); ++u)
      if (sched_->status(u) == TaskStatus::blocked && sched_->blocked_by(u) == t && told_blocked_.insert(u).second)
        blocked.push_back(task(u).id);
    if (!blocked.empty() && notifier_->wants("blocked")) {
      std::vector<std::string> env = notify_env(t, attempt, cls, d.reason);
      env.push_back("FLOW_BLOCKED_TASKS=" + detail::join(blocked, " "));
      env.push_back("FLOW_BLOCKED_COUNT=" + std::to_string(blocked.size()));
      notifier_->fire("blocked", t, task(t).id, std::move(env));
    }
  }

  // A rate limit closed the agent's gate until a reset: told once per reset (the tasks
  // that hit the same limit together make one notification).
  void rate_limit_wait(int t, int attempt, double t_now) {
    const auto gate = policy_.gate_until(agents_->on(t), t_now);
    if (!gate || *gate <= gate_told_ + 1 || !notifier_ || !notifier_->wants("rate-limit-wait")) return;
    gate_told_ = *gate;
    const double in = *gate - t_now;
    const std::time_t at = std::time(nullptr) + static_cast<std::time_t>(std::ceil(in));
    std::tm tm{};
    gmtime_r(&at, &tm);
    char iso[32];
    std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::vector<std::string> env = notify_env(t, attempt, FailureClass::rate_limit, "rate limit: waiting for the reset");
    env.push_back(std::string("FLOW_RESET_AT=") + iso);
    env.push_back("FLOW_RESET_IN=" + std::to_string(static_cast<long>(std::ceil(in))));
    notifier_->fire("rate-limit-wait", t, task(t).id, std::move(env));
  }

  // An attempt canceled by a control: failed for good (a retry control may reopen it).
  void on_canceled(const Completion& c) {
    TaskReport& r = report_.tasks[static_cast<std::size_t>(c.task)];
    r.seconds += c.seconds;
    r.cpu_seconds += c.cpu_seconds;
    report_.busy += c.seconds;
    r.failure_class = "canceled";
    agent_ended(c.task, false);
    parsers_.erase(c.task);
    workspace_->discard(c.task, "canceled", true);
    sched_->finish(c.task, TaskStatus::failed);
    log("attempt-failed", c.task, c.attempt, {{"class", std::string("canceled")}, {"decision", std::string("fail")},
                                             {"reason", std::string("canceled: by a control")}, {"seconds", c.seconds}}, true);
    emit("failed", c.task, c.attempt, "canceled: by a control");
  }

  // Nothing new starts from now on, for `why` (journaled too when `journal`); the tasks
  // that run go on.
  void stop_starting(const std::string& why, bool journal) {
    if (stopping_) return;
    stopping_ = true;
    sched_->cancel();
    if (journal) log("interrupted", -1, 0, {{"detail", why}}, true);
    emit("interrupted", -1, 0, "no new task starts: " + why);
  }

  // `.flow/` deleted during the run (`git clean -fdx` removes it: git ignores it): the
  // journal is written again from its open descriptor, and the run lock taken again, at
  // most a second later, and the run says so. A lock another run took meanwhile stops
  // this one from starting more tasks.
  void keep_flow_dir(double t_now) {
    if (t_now - flow_dir_checked_ < 1.0 || workdir_gone_) return;
    flow_dir_checked_ = t_now;
    // Only in the work directory the run began in: one deleted and made again at its path
    // (a fresh clone there, a test's next repository) is another's, and this run's lock
    // must not appear in it.
    if (struct stat st {}; ::stat(workdir_.c_str(), &st) != 0 || std::pair{st.st_dev, st.st_ino} != workdir_id_) {
      workdir_gone_ = true;
      const std::string why = "the work directory " + workdir_ + " was removed during the run";
      emit("flow-dir-restored", -1, 0, why + ": .flow/ is not made again there");
      stop_starting(why, false);
      return;
    }
    using How = detail::Restored::How;
    const std::pair<detail::Restored, bool> looks[] = {{log_.restore_if_deleted(), true}, {lock_.restore_if_deleted(), false}};
    for (const auto& [r, journal] : looks) {
      if (r.how == How::nothing) continue;
      log("flow-dir-restored", -1, 0, {{"detail", r.what}}, true);
      emit("flow-dir-restored", -1, 0, r.what);
      if (r.how == How::taken) stop_starting("another run holds this tasks.md's lock now", false);
      if (r.how == How::failed && journal) report_.write_errors.push_back(r.what);
    }
  }

  void loop() {
    for (;;) {
      if (interrupt() >= 1 && !stopping_) {
        stopping_ = true;
        report_.interrupted = true;
        sched_->cancel();
        log("interrupted", -1, 0, {{"detail", std::string("stop starting tasks")}}, true);
        emit("interrupted", -1, 0, "no new task starts; running ones finish");
        commit_marks(true);  // what finished is marked now: a second Ctrl-C or a kill may follow
      }
      if (interrupt() >= 2 && runner_.running() > 0) {
        log("interrupted", -1, 0, {{"detail", std::string("kill running tasks")}}, true);
        emit("interrupted", -1, 0, "killing running tasks");
        runner_.cancel_all();
        killed_ = true;
        // Their attempts end here, unfinished: journaled so that status and the next
        // run know; never marked, so the next run runs them again. (One whose place is
        // still being made ends when it is there; one whose agent finished goes on.)
        for (int t = 0; t < graph_->task_count(); ++t) {
          if (sched_->status(t) != TaskStatus::running || preparing_.count(t) || collecting_.count(t) || not_launched_.count(t))
            continue;
          const int attempt = report_.tasks[static_cast<std::size_t>(t)].attempts;
          parsers_.erase(t);
          workspace_->discard(t, kKilledByInterrupt, false);
          log("task-killed", t, attempt, {{"detail", std::string(kKilledByInterrupt)}}, true);
          emit("killed", t, attempt, kKilledByInterrupt);
        }
      }
      if (opt_.control)
        for (const ControlRequest& r : opt_.control->take()) apply_control(r);
      take_posted_controls();
      take_workspace(0);  // before starting: what it finished may let tasks start
      const double t_now = now();
      keep_flow_dir(t_now);
      if (!stopping_ && !paused_) start_ready(t_now);
      // Group commit: the tasks that finished in the last commit window get one journal
      // flush, after their dependents have started, so the disk's latency neither adds up
      // per task nor delays the next one; their marks wait for the next rewrite of
      // tasks.md that is due (commit_marks).
      if ((!to_mark_.empty() && (runner_.running() == 0 || now() - last_commit_ >= kCommitWindow)) ||
          (!unwritten_.empty() && now() >= write_due()))
        commit_marks();
      // The workspace's worker may be making places or collecting work: the loop waits
      // for it only when nothing else can happen, and otherwise looks in often.
      const bool workspace_busy = workspace_->pending() > 0;
      if (runner_.running() == 0) {
        if (workspace_busy) {
          obs_.on_tick(t_now);
          take_workspace(0.25);
          continue;
        }
        if (validation_->test_first_pending() && check_test_first() > 0) continue;
        // Paused, the run waits for the person who paused it, even with nothing left
        // that could start: a retry may come.
        if (paused_ && !stopping_) {
          obs_.on_tick(t_now);
          ::usleep(100000);
          continue;
        }
        if (sched_->done()) break;
        std::optional<double> wake = sched_->next_wake(t_now);
        if (auto gate = agents_->load().next_gate(policy_, t_now)) wake = wake ? std::min(*wake, *gate) : *gate;
        if (!wake) break;  // nothing runs and nothing will: the scheduler reports why
        obs_.on_tick(t_now);   // observers show the wait (a retry time, a closed gate)
        runner_.wait(std::min(0.25, std::max(0.0, *wake - t_now)));
        continue;
      }
      // Wake at least every 250 ms to notice interrupts and retry times, and in time to
      // commit the marks that wait.
      double wait = to_mark_.empty() ? 0.25 : std::clamp(last_commit_ + kCommitWindow - now(), 0.0, 0.25);
      if (!unwritten_.empty()) wait = std::min(wait, std::clamp(write_due() - now(), 0.0, 0.25));
      if (workspace_busy) wait = std::min(wait, kWorkspacePoll);
      // What ended is taken first; else, before waiting, the next starts' files are made
      // (the prompt's and the file list's), while nothing waits on them.
      auto c = runner_.wait(0);
      if (!c) {
        spares_.refill();
        c = runner_.wait(wait);
      }
      obs_.on_tick(now());
      for (; c; c = runner_.wait(0)) on_completion(*c);  // all that ended by now, as one batch
      if (validation_->test_first_pending()) check_test_first();
    }
    commit_marks(true);
  }

  void on_completion(const Completion& c) {
    if (canceled_.erase(c.task)) return on_canceled(c);
    TaskReport& r = report_.tasks[static_cast<std::size_t>(c.task)];
    r.seconds += c.seconds;
    r.cpu_seconds += c.cpu_seconds;
    r.max_rss_kb = std::max(r.max_rss_kb, c.max_rss_kb);
    report_.busy += c.seconds;
    if (c.strays > 0) {
      log("strays-stopped", c.task, c.attempt, {{"count", static_cast<double>(c.strays)}}, true);
      emit("strays", c.task, c.attempt,
           "stopped " + std::to_string(c.strays) + " process(es) the agent left running outside its process group");
    }
    const std::string base = run_dir_ + "/" + task(c.task).id + "-" + std::to_string(c.task) + "." + std::to_string(c.attempt);
    AgentReport said;
    bool streamed = false;
    if (auto p = parsers_.find(c.task); p != parsers_.end()) {
      said = p->second->report();
      streamed = true;
      parsers_.erase(p);
    }
    r.cost_usd += said.cost_usd;
    if (said.cost_reported) {
      r.cost_reported = report_.cost_reported = true;
      char usd[40];
      std::snprintf(usd, sizeof usd, "%.6f", said.cost_usd);
      emit("cost", c.task, c.attempt, usd);
    }
    r.input_tokens += said.input_tokens;
    r.output_tokens += said.output_tokens;
    r.turns += said.turns;
    report_.cost_usd += said.cost_usd;
    // The attempt's log keeps no key of flow's environment that the agent printed.
    detail::redact_secret_values_in_file(base + ".out");
    // Only the stream's final word and stderr (the lines that are not the stream's JSON
    // events) matter when there is a stream; the tail of a plain command's output otherwise.
    const std::string output = streamed ? said.result + "\n" + detail::tail_lines(base + ".out", 12, true)
                                        : detail::tail_lines(base + ".out", 24);
    const AgentAdapter& agent = agents_->adapter(c.task);
    std::optional<FailureClass> failed = agent.classify(c, said, output);
    // A rate limit's reset, in the run's clock: a usage limit closes the agent's gate; a
    // 429 without one shrinks its concurrency instead.
    std::optional<double> reset_at;
    if (failed == FailureClass::rate_limit) {
      if (!said.resets_at) said.resets_at = agent.reset_time(output);
      if (said.resets_at) {
        const double unix_now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        reset_at = now() + std::max(0.0, *said.resets_at - unix_now);
      }
    }
    agent_ended(c.task, failed == FailureClass::rate_limit && !reset_at);
    check_run_budget();
    if (!failed) {
      // The agent's work is collected first (with git, committed on its branch, on the
      // workspace's worker), so that what the checks leave behind (build output,
      // coverage reports) is not part of it; then validated in its place, then
      // integrated, in completion order (on_collected).
      collecting_[c.task] = {c, said, base};
      workspace_->begin_collect(c.task, c.attempt);
      return take_workspace(0);
    }
    // Its worktree goes in on_failure, once the policy has said whether it runs again.
    std::string why = c.stalled ? "stalled: no output and no file change for " + std::to_string(static_cast<int>(opt_.stall_timeout)) + " s"
                      : c.timed_out ? "timed out after " + std::to_string(static_cast<int>(opt_.task_timeout)) + " s"
                      : c.signal ? "killed by signal " + std::to_string(c.signal)
                                 : "exit code " + std::to_string(c.exit_code);
    if (streamed && !said.finished) why += ", no result event";
    std::vector<Field> extra{{"turns", static_cast<double>(said.turns)}};
    if (said.cost_reported) extra.push_back({"cost_usd", said.cost_usd});
    on_failure(c.task, c.attempt, *failed, why + "\n" + output, reset_at, extra);
  }

  // The ready tasks that may start now, each on the agent AgentPool chooses for it; a
  // task no agent can take now (its own is full, or every open one is) goes back to
  // ready, held for this round so that the tasks behind it get their turn.
  void start_ready(double t_now) {
    // (A stop asked for while a hook or a landing held the loop: nothing new starts.)
    if (interrupt() >= 1 || !agents_->load().any_room(policy_, t_now)) return;
    std::vector<int> later;
    while (auto t = sched_->start_next(t_now)) {
      if (const std::string why = edited_away(*t); !why.empty()) {
        not_started(*t, why);
        continue;
      }
      if (auto agent = agents_->choose(*t, policy_, t_now)) {
        start(*t, *agent);
        continue;
      }
      sched_->retry(*t, t_now);
      sched_->hold(*t);
      later.push_back(*t);
    }
    for (int t : later) sched_->release(t);
  }

  // Whether the user changed task t in tasks.md since the run read it: "" if its line
  // still reads as it did and it is still pending, else why it must not start. The file
  // is looked at (stat) before each start and read only when it changed; it is parsed
  // only when it is neither what the run read nor flow's marks on that.
  std::string edited_away(int t) {
    if (opt_.dry_run || !look_again() || live_.ours) return {};
    const Task& tk = task(t);
    const int at = find_task_again(live_.text, live_.plan, tk.id, tk.line, task_line_text(plan_text_, tk));
    if (at < 0)
      return "its line in tasks.md (line " + std::to_string(tk.line) +
             ") was changed or removed during the run: not run; run flow again to run what the file says now";
    const Task& now = live_.plan.tasks[static_cast<std::size_t>(at)];
    if (now.state != TaskState::pending)
      return now.mark != 0 ? std::string("it was marked [") + now.mark + "] in tasks.md during the run: not run"
             : now.state == TaskState::done ? std::string("it was marked done in tasks.md during the run: not run")
                                            : std::string("it was set aside in tasks.md during the run: not run");
    return {};
  }

  // Brings live_ up to date with tasks.md: a stat, and a read and parse only when it
  // changed. False when the file cannot be read (the marks' write says so).
  bool look_again() {
    struct stat st {};
    if (::stat(tasks_path_.c_str(), &st) != 0) return false;
    if (!live_.seen || st.st_ino != live_.st.st_ino || st.st_size != live_.st.st_size ||
        st.st_mtim.tv_sec != live_.st.st_mtim.tv_sec || st.st_mtim.tv_nsec != live_.st.st_mtim.tv_nsec) {
      auto text = read_file(tasks_path_);
      if (!text) return false;
      live_.seen = true;
      live_.st = st;
      // What flow last wrote is the run's plan and marks only while no edit reached it.
      live_.ours = *text == plan_text_ || (marks_file_ && marks_file_->parses() == 0 && *text == marks_file_->text());
      if (!live_.ours) {
        live_.text = std::move(*text);
        live_.plan = parse_tasks_md(live_.text);
      }
    }
    return true;
  }

  // Whether tasks.md, as it is now, has task t marked done (found by ID and line text).
  bool still_marked(int t) {
    if (!look_again()) return false;
    if (live_.ours) return report_.tasks[static_cast<std::size_t>(t)].marked;
    const MarkChange was{task(t).line, task(t).id, true};
    const auto found = rebase_marks(plan_text_, graph_->plan(), live_.text, live_.plan, std::span<const MarkChange>(&was, 1));
    const int i = found ? live_.plan.task_at_line(found->front().line) : -1;
    return i >= 0 && live_.plan.tasks[static_cast<std::size_t>(i)].state == TaskState::done;
  }

  // Pending tasks written into tasks.md during the run: not run, and said, so that the run
  // does not end as if the file were done. By ID: a task reworded in place is the run's
  // (it failed as changed), not a new one. An ID the run's plan has counts as new where
  // the file now has more pending lines of it than the run left unmarked (a line copied).
  void added_during_run() {
    if (opt_.dry_run || !look_again() || live_.ours) return;
    std::map<std::string_view, int> unmarked;  // the run's pending tasks of an ID it did not mark
    for (int t = 0; t < graph_->task_count(); ++t) {
      int& n = unmarked[task(t).id];
      if (task(t).state == TaskState::pending && !report_.tasks[static_cast<std::size_t>(t)].marked) ++n;
    }
    for (const Task& tk : live_.plan.tasks) {
      if (tk.state != TaskState::pending) continue;
      const auto known = unmarked.find(tk.id);
      if (known != unmarked.end() && known->second > 0) {
        --known->second;
        continue;
      }
      report_.not_run.push_back(tk.id + " (line " + std::to_string(tk.line) + "): written into tasks.md during the run" +
                                (known != unmarked.end() ? " (a second line with this ID)" : "") +
                                ", after it read the file; run flow again to run it");
    }
  }

  // A task the user edited away (edited_away): one marked done or otherwise is skipped
  // (the user decided; its dependents go on) and listed as not run, since an agent may
  // have marked it as well (so the run does not end as complete); one changed or removed
  // is not run and fails, so that what depends on it waits.
  void not_started(int t, const std::string& why) {
    const bool marked = why.rfind("it was marked", 0) == 0;
    sched_->finish(t, marked ? TaskStatus::skipped : TaskStatus::failed);
    if (marked) report_.not_run.push_back(task(t).id + ": " + why + " (by you, or by an agent)");
    else edited_[t] = why;
    log("not-started", t, 0, {{"detail", why}}, true);
    emit(marked ? "skipped" : "failed", t, 0, why);
  }

  // An attempt of t ended: its agent's slot frees, and its concurrency limit may change
  // (journaled and shown).
  void agent_ended(int t, bool rate_limited) {
    const auto limit = agents_->ended(t, rate_limited, now());
    if (!limit) return;
    const std::string& agent = agents_->on(t);
    const int cap = agents_->load().cap(agent);
    log("concurrency", -1, 0, {{"agent", agent}, {"limit", static_cast<double>(*limit)}, {"cap", static_cast<double>(cap)}});
    emit("concurrency", -1, 0, describe_limit(agent, *limit, cap));
  }

  // budget.maxCostUsd: once the agents' reported cost reaches it, nothing new starts;
  // running attempts finish. Said once, in the journal and the report.
  void check_run_budget() {
    if (!report_.budget_reached.empty()) return;
    const auto why = run_budget_reached(opt_.budget, report_.cost_usd);
    if (!why) return;
    report_.budget_reached = *why;
    stopping_ = true;
    sched_->cancel();
    log("budget-reached", -1, 0, {{"scope", std::string("run")}, {"cost_usd", report_.cost_usd},
                                  {"limit", opt_.budget.max_cost_usd}, {"detail", *why}}, true);
    emit("budget-reached", -1, 0, *why);
    notify_budget(FailureClass::budget, -1, 0, report_.cost_usd, opt_.budget.max_cost_usd, *why);
  }

  // The budget-reached hook, once per budget reached: the run's when t < 0, else task
  // t's (which failed with `cls` last).
  void notify_budget(FailureClass cls, int t, int attempt, double cost, double limit, const std::string& why) {
    if (!notifier_ || !notifier_->wants("budget-reached")) return;
    char usd[2][40];
    std::snprintf(usd[0], sizeof usd[0], "%.6f", cost);
    std::snprintf(usd[1], sizeof usd[1], "%.6f", limit);
    std::vector<std::string> env;
    if (t >= 0) {
      env = notify_env(t, attempt, cls, why);
    } else {
      env.push_back("FLOW_REASON=" + detail::redact_secrets(detail::clip(why, 500)));
    }
    env.insert(env.end(), {std::string("FLOW_BUDGET_SCOPE=") + (t >= 0 ? "task" : "run"), std::string("FLOW_COST_USD=") + usd[0],
                           std::string("FLOW_BUDGET_USD=") + usd[1]});
    notifier_->fire("budget-reached", t, t >= 0 ? task(t).id : std::string(), std::move(env));
  }

  // A retry: on the agent the decision names, if the run has it; at once when the
  // agent's gate is closed and another agent can take it; not at all when the task has
  // spent its budget (budget.maxTaskCostUsd).
  void retry_on_agent(int t, FailureClass cls, Decision& d, double t_now) {
    const TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
    if (auto spent = task_budget_reached(opt_.budget, r.cost_usd)) {
      d.kind = Decision::Kind::fail;
      d.reason += "; " + *spent;
      log("budget-reached", t, r.attempts, {{"scope", std::string("task")}, {"cost_usd", r.cost_usd},
                                            {"limit", opt_.budget.max_task_cost_usd}, {"detail", *spent}}, true);
      emit("budget-reached", t, r.attempts, *spent);
      notify_budget(cls, t, r.attempts, r.cost_usd, opt_.budget.max_task_cost_usd, *spent);
      return;
    }
    if (!d.agent.empty() && !agents_->prefer(t, d.agent)) d.reason += "; " + d.agent + " is not an agent of this run";
    if (agents_->load().can_move(agents_->preferred(t), policy_, t_now)) d.delay = 0;
  }

  // A successful agent's work, collected: checked, integrated, and the task done; or
  // the attempt failed (on_failure says whether it runs again).
  void on_collected(int t, Result<detail::Work> work) {
    auto node = collecting_.extract(t);
    if (node.empty()) return;
    const AfterAgent& a = node.mapped();
    const Completion& c = a.completion;
    const AgentReport& said = a.said;
    std::optional<FailureClass> failed;
    std::string why_not;  // a gate or the integration that failed a successful agent
    if (!work) {
      failed = work.error().code == Errc::io ? FailureClass::io : FailureClass::config;
      why_not = work.error().message;
    } else if (!work->refused.empty()) {
      failed = FailureClass::validation;   // retried in a fresh worktree, told why
      why_not = work->refused;
    } else if (auto none = validation_->no_changes(t, work->changed, workspace_->isolated())) {
      failed = FailureClass::validation;
      why_not = *none;
    } else if (auto gate = validation_->gates(t, c.attempt, a.base, workspace_->dir(t), [&] { return task_files_env(t); })) {
      failed = FailureClass::validation;
      why_not = *gate;
    } else if (auto merge = integrate(t, *work)) {
      failed = merge->code == Errc::io ? FailureClass::io : merge->code == Errc::config ? FailureClass::config : FailureClass::conflict;
      why_not = merge->message;
    }
    if (failed) return on_failure(t, c.attempt, *failed, why_not);
    sched_->finish(t, TaskStatus::succeeded);
    std::vector<Field> fields{{"outcome", std::string("succeeded")}, {"seconds", c.seconds}, {"cpu_seconds", c.cpu_seconds},
                              {"max_rss_kb", static_cast<double>(c.max_rss_kb)},
                              {"input_tokens", static_cast<double>(said.input_tokens)},
                              {"output_tokens", static_cast<double>(said.output_tokens)},
                              {"turns", static_cast<double>(said.turns)}, {"session", said.session_id}};
    // No cost field from an agent that gives none: "not reported", never $0.
    if (said.cost_reported) fields.push_back({"cost_usd", said.cost_usd});
    log("task-finished", t, c.attempt, fields);
    emit("succeeded", t, c.attempt, "");
    done_->add(t, task(t).id + " " + detail::clip(task(t).description, 100) +
                      (work->ref.empty() ? std::string() : " (commit " + work->ref.substr(0, 10) + ")"));
    to_mark_.push_back(t);  // with git isolation it is marked in its commit already
  }

  void on_failure(int t, int attempt, FailureClass cls, const std::string& output, std::optional<double> reset_at = {},
                  const std::vector<Field>& extra = {}) {
    // Masked once, here: the report, the journal (flow status, the CI summary), the
    // policy's reason and the next prompt all quote these lines.
    const std::string lines = detail::redact_secrets(output);
    TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
    r.failure_class = to_string(cls);
    r.last_lines = lines;
    failures_[t] = std::string(to_string(cls)) + ": " + lines;
    const Task& tk = task(t);
    const double t_now = now();
    Failure f{cls, agents_->on(t), reset_at, lines};
    Decision d = policy_.on_failure({&tk, &graph_->plan().phases[static_cast<std::size_t>(tk.phase)], attempt}, f, t_now);
    if (d.kind == Decision::Kind::retry) retry_on_agent(t, cls, d, t_now);
    std::vector<Field> fields{{"class", std::string(to_string(cls))}, {"decision", std::string(to_string(d.kind))},
                              {"reason", d.reason}, {"lines", detail::clip(lines, 2000)}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    // The attempt's worktree goes; its branch is kept for the user only when the task
    // will not run again.
    workspace_->discard(t, "attempt " + std::to_string(attempt) + " failed (" + to_string(cls) + ")",
                        d.kind != Decision::Kind::retry);
    log("attempt-failed", t, attempt, fields, true);
    emit("failed", t, attempt, d.reason);  // the reason starts with the class
    if (cls == FailureClass::rate_limit && reset_at) rate_limit_wait(t, attempt, t_now);
    switch (d.kind) {
      case Decision::Kind::retry:
        ladder_.decided(t, d);
        ++report_.retries;
        sched_->retry(t, t_now + d.delay);
        log("retry-scheduled", t, attempt + 1, {{"delay", d.delay}, {"agent", agents_->preferred(t)}});
        emit("retry", t, attempt + 1, "in " + std::to_string(d.delay).substr(0, 4) + " s");
        break;
      case Decision::Kind::skip:
        sched_->finish(t, TaskStatus::skipped);
        emit("skipped", t, attempt, d.reason);
        break;
      case Decision::Kind::abort:
        sched_->finish(t, TaskStatus::failed);
        sched_->cancel();
        stopping_ = true;
        rollback_requested_ |= d.rollback;
        failed_for_good(t, attempt, cls, d, lines);
        break;
      case Decision::Kind::fail:
        sched_->finish(t, TaskStatus::failed);
        failed_for_good(t, attempt, cls, d, lines);
        break;
    }
  }

  // testFirst, on the tests' failure: does the test command fail on the branch as it was
  // just before the story's first test task landed (git isolation)? (Run in a throwaway
  // worktree.)
  bool baseline_fails(int phase, const std::string& before, const std::vector<std::string>& argv) {
    const auto rc = workspace_->run_at(before, "baseline-" + std::to_string(phase), [&](const std::string& dir) {
      return commands_.run(argv, dir, run_dir_ + "/test-first-" + std::to_string(phase) + ".baseline.out", {});
    });
    if (!rc) return false;
    log("test-first-baseline", -1, 0, {{"commit", before}, {"exit", static_cast<double>(*rc)}});
    return *rc != 0;
  }

  std::size_t check_test_first() {
    return validation_->check_test_first(*sched_, [this](int phase, const std::string& before, const std::vector<std::string>& argv) {
      return baseline_fails(phase, before, argv);
    });
  }

  // After a task's commit landed: is its phase complete (a rollback boundary, and the
  // moment for a per-phase integration check)? And the integration check, if asked.
  void after_merge(int t) {
    // t itself is done (the scheduler hears it right after this).
    auto done = [&](int u) {
      const TaskStatus st = sched_->status(u);
      return u == t || st == TaskStatus::succeeded || st == TaskStatus::skipped || st == TaskStatus::excluded;
    };
    // Only the phase's own tasks, and the phases before it not yet seen complete, are
    // looked at: a scan of every task per merge made a run O(tasks^2).
    if (phase_tasks_.empty())
      for (int u = 0; u < graph_->task_count(); ++u) {
        const auto p = static_cast<std::size_t>(task(u).phase);
        if (p >= phase_tasks_.size()) phase_tasks_.resize(p + 1);
        phase_tasks_[p].push_back(u);
      }
    const auto complete = [&](std::size_t p) {
      return std::all_of(phase_tasks_[p].begin(), phase_tasks_[p].end(), done);
    };
    const int phase = task(t).phase;
    const bool phase_done = complete(static_cast<std::size_t>(phase));
    // A boundary only if every phase before it is complete too. A done task stays done,
    // so the phases found complete from the first on need no second look.
    if (phase_done) {
      while (complete_prefix_ < static_cast<std::size_t>(phase) && complete(complete_prefix_)) ++complete_prefix_;
      if (complete_prefix_ >= static_cast<std::size_t>(phase)) {
        phase_boundary_ = workspace_->head();
        log("phase-complete", -1, 0, {{"phase", graph_->plan().phases[static_cast<std::size_t>(phase)].title}, {"commit", phase_boundary_}});
      }
    }
    validation_->integration_check(t, phase_done, workspace_->head(), workspace_->branch());
  }

  // tasks.md `text` with task t marked, its line found by ID and line text (the plan's
  // line number first); with `again`, also the tasks this run marked before, where they
  // are still found.
  Result<std::string> mark_text(int t, const std::string& text, bool again) const {
    const Plan now = parse_tasks_md(text);
    auto find = [&](int u) {
      const MarkChange c{task(u).line, task(u).id, true};
      return rebase_marks(plan_text_, graph_->plan(), text, now, std::span<const MarkChange>(&c, 1));
    };
    auto mine = find(t);
    if (!mine) return Unexpected{std::move(mine).error()};
    std::vector<MarkChange> changes = std::move(*mine);
    // Marks of this run that the user's edits took out, again; a task whose marks still
    // say done is left as the user left it (a Status field set back to In Progress).
    if (again)
      for (int u = 0; u < graph_->task_count(); ++u)
        if (u != t && report_.tasks[static_cast<std::size_t>(u)].marked)
          if (auto r = find(u)) {
            const int at = now.task_at_line(r->front().line);
            if (at < 0 || now.tasks[static_cast<std::size_t>(at)].state != TaskState::done) changes.push_back(r->front());
          }
    return set_marks(text, now, changes);
  }

  // The attempt's work onto the branch (Workspace::integrate), with the task's mark
  // where the workspace lands marks with the work (git: in the task's commit). nullopt
  // when it went in; else why not (Workspace::integrate).
  std::optional<Error> integrate(int t, const detail::Work& work) {
    const Task& tk = task(t);
    detail::TaskMark mark;
    mark.wanted = tk.has_marks();
    mark.apply = [this, t](const std::string& text, bool again) { return mark_text(t, text, again); };
    detail::Landing landing;
    if (auto why = workspace_->integrate(t, work, mark, landing)) {
      if (!landing.mark_error.empty()) write_failed_[t] = landing.mark_error;
      // The branch the run commits to is not checked out: nothing can land until it is.
      if (landing.stop) stop_starting(why->message, true);
      return why;
    }
    if (!landing.landed) return std::nullopt;
    if (landing.marked) write_failed_.erase(t);
    else if (!landing.mark_error.empty()) write_failed_[t] = landing.mark_error;
    if (!landing.before.empty()) {
      ++report_.commits;
      landed_as_[t] = landing.head;
      validation_->landed(t, landing.before);  // testFirst's baseline: before the story's first test
      text_ = std::move(landing.text);
    }
    report_.tasks[static_cast<std::size_t>(t)].marked = landing.marked;
    after_merge(t);
    if (landing.marked) {
      log("marked", t, 0, {{"mark", std::string("X")}});
      emit("marked", t, 0, landing.head.substr(0, 10));
    }
    return std::nullopt;
  }

  // Makes the journal durable once for the tasks that succeeded since the last call and
  // runs their task-complete hooks; their marks ([X]) are set in tasks.md when a rewrite
  // is due (write_due), with `all` (the run's end, an interrupt) at once, and before
  // the hooks, which may read the file. Until its mark is written, a task's
  // task-finished line (written, so it survives flow being killed) lets the next run
  // mark it instead of running it again.
  void commit_marks(bool all = false) {
    last_commit_ = now();
    std::vector<int> tasks;
    tasks.swap(to_mark_);
    // Tasks with a mark to set: checkbox lines (others keep their state in the journal),
    // and none with git isolation (each was marked in its own commit).
    for (int t : tasks) {
      const Task& tk = task(t);
      if (!workspace_->isolated() && tk.has_marks()) unwritten_.push_back(t);
    }
    const bool hooks = !tasks.empty() && !opt_.task_complete.empty();
    const bool write = !unwritten_.empty() && (all || hooks || now() >= write_due());
    if (write) write_marks();
    if (tasks.empty() && !write) return;
    log_.sync();
    if (hooks)
      for (int t : tasks) hook("task-complete", opt_.task_complete, t);
  }

  // When the next rewrite of tasks.md is due: each rewrite copies the whole file (and
  // waits for the disk), so rewrites are spaced to kWriteShare times the last one's
  // duration, at least kWriteFloor apart. The time spent writing stays a bounded share
  // of the run's, however large the file and however many tasks finish.
  double write_due() const { return last_write_end_ + std::max(kWriteFloor, kWriteShare * last_write_seconds_); }

  // Sets the marks of the tasks in unwritten_, in one atomic rewrite of tasks.md. The
  // journal's `marked` lines follow the write: a line says the mark is in the file.
  void write_marks() {
    std::vector<MarkChange> changes;
    changes.reserve(unwritten_.size());
    for (int t : unwritten_) changes.push_back({task(t).line, task(t).id, true});
    // Against the text the plan was parsed from, whose lines `changes` name; the file
    // may hold earlier marks and the user's edits since, and the marks are found there
    // by ID and line text (MarksFile: a parse only when somebody else changed the file).
    if (!marks_file_) marks_file_.emplace(tasks_path_, plan_text_, graph_->plan());
    const double started = now();
    auto updated = marks_file_->set(plan_text_, graph_->plan(), changes);
    // One mark that cannot be placed (its line edited) fails the write of all: each is
    // set on its own then, so that only that task fails.
    std::map<int, std::string> unplaced;
    if (!updated && changes.size() > 1 && updated.error().code == Errc::conflict) {
      for (int t : unwritten_) {
        const MarkChange one[] = {{task(t).line, task(t).id, true}};
        if (auto alone = marks_file_->set(plan_text_, graph_->plan(), one); !alone) unplaced[t] = alone.error().message;
      }
    } else if (!updated) {
      for (int t : unwritten_) unplaced[t] = updated.error().message;
    }
    last_write_end_ = now();
    last_write_seconds_ = last_write_end_ - started;
    for (int t : unwritten_) {
      if (const auto u = unplaced.find(t); u != unplaced.end()) {
        // Done but not marked: the next run would run it again. A failure of the task.
        write_failed_[t] = "cannot mark it done in " + tasks_path_ + ": " + u->second;
        log("mark-failed", t, 0, {{"error", u->second}});
        emit("mark-failed", t, 0, u->second);
        continue;
      }
      report_.tasks[static_cast<std::size_t>(t)].marked = true;
      log("marked", t, 0, {{"mark", std::string("X")}});
      emit("marked", t, 0, "");
    }
    unwritten_.clear();
  }

  void finish() {
    inbox_.close();  // no control is taken from here on: a late `flow retry` starts a run of its own
    if (workspace_) workspace_->discard_all("the run ended");
    // A critical failure undoes the run: the branch goes back to its checkpoint (or the
    // last phase boundary), and what it had stays reachable (Workspace::roll_back).
    const std::string target =
        opt_.rollback_to == RollbackTarget::phase && !phase_boundary_.empty() ? phase_boundary_ : workspace_ ? workspace_->checkpoint() : "";
    if (workspace_ && rollback_requested_ && !target.empty()) {
      if (workspace_->roll_back(target)) {
        report_.rolled_back_to = target;
        if (auto t = read_file(tasks_path_)) text_ = std::move(*t);
        // Each task found again in the text now by its ID and line text, not by position.
        const Plan now = parse_tasks_md(text_);
        for (int t = 0; t < graph_->task_count(); ++t) {
          bool& marked = report_.tasks[static_cast<std::size_t>(t)].marked;
          if (!marked) continue;
          const MarkChange was{task(t).line, task(t).id, true};
          const auto found = rebase_marks(plan_text_, graph_->plan(), text_, now, std::span<const MarkChange>(&was, 1));
          const int i = found ? now.task_at_line(found->front().line) : -1;
          marked = i >= 0 && now.tasks[static_cast<std::size_t>(i)].state == TaskState::done;
        }
      }
    }
    if (report_.rolled_back_to.empty()) added_during_run();
    // A task whose commit a reset during the run took off the branch (`git reset --hard
    // HEAD~1`) is not done, whatever its attempt did: tasks.md went back with the branch.
    if (workspace_ && report_.rolled_back_to.empty())
      for (int t : workspace_->gone(landed_as_)) {
        // Its mark, which went in with its commit, is its state: a squash or a reword of
        // the run's commits keeps it, and so does a `reset --soft` whose edit of tasks.md
        // a later task's commit took. Gone with the commit, the task is not done.
        if (still_marked(t)) continue;
        const std::string& commit = landed_as_[t];
        undone_[t] = "its commit " + commit.substr(0, 10) + " is no longer on " + report_.branch +
                     " (reset away during the run?): not done; run it again";
        log("commit-gone", t, 0, {{"commit", commit}}, true);
        emit("commit-gone", t, 0, undone_[t]);
      }
    for (int t = 0; t < graph_->task_count(); ++t) {
      TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
      r.status = sched_->status(t);
      r.blocked_by = sched_->blocked_by(t);
      // Every task lands in exactly one count, so that they add up to the file's tasks.
      if (task(t).state == TaskState::done) {
        ++report_.done_before;
        continue;
      }
      if (task(t).state != TaskState::pending) {
        ++report_.skipped;
        continue;
      }
      if (const auto e = edited_.find(t); e != edited_.end()) {
        r.failure_class = "changed";
        r.last_lines = e->second;
      }
      if (const auto w = write_failed_.find(t); w != write_failed_.end() && r.status == TaskStatus::succeeded) {
        r.status = TaskStatus::failed;
        r.failure_class = "io";
        r.last_lines = w->second;
      }
      if (const auto u = undone_.find(t); u != undone_.end() && r.status == TaskStatus::succeeded) {
        r.status = TaskStatus::failed;
        r.failure_class = "undone";
        r.last_lines = u->second;
        r.marked = false;
      }
      switch (r.status) {
        case TaskStatus::succeeded: ++report_.succeeded; break;
        case TaskStatus::failed:
          ++report_.failed;
          report_.needs_attention += r.needs_attention ? 1 : 0;
          break;
        case TaskStatus::blocked:
          ++report_.blocked;
          if (!opt_.dry_run) log("blocked", t, 0, {{"by", r.blocked_by >= 0 ? task(r.blocked_by).id : std::string("the stop")}});
          break;
        case TaskStatus::skipped: ++report_.skipped; break;
        case TaskStatus::excluded: ++report_.excluded; break;
        // Still running when the run ended: only an interrupt that stopped its attempt
        // leaves a task so (the loop waits for every other attempt to end).
        case TaskStatus::running: ++report_.stopped; break;
        // Never started, and nothing could start it (a dry run, a deadlock): held up.
        case TaskStatus::waiting:
        case TaskStatus::ready: ++report_.blocked; break;
      }
    }
    report_.wall = now();
    detail::Json j;
    j.begin_object().field("ts", iso_now()).field("run", report_.run_id).field("event", "run-finished")
        .field("succeeded", report_.succeeded).field("failed", report_.failed).field("blocked", report_.blocked)
        .field("skipped", report_.skipped).field("stopped", report_.stopped).field("done_before", report_.done_before)
        .field("excluded", report_.excluded).field("needs_attention", report_.needs_attention)
        .field("retries", report_.retries).field("wall", report_.wall)
        .field("busy", report_.busy).field("cost_usd", report_.cost_usd).field("cost_reported", report_.cost_reported)
        .field("interrupted", report_.interrupted);
    if (!report_.budget_reached.empty()) j.field("budget_reached", report_.budget_reached);
    j.end_object();
    if (!opt_.dry_run) log_.write(j.str(), true);
    emit("run-finished", -1, 0, "");
  }

  const RunOptions& opt_;
  Runner& runner_;
  RecoveryPolicy& policy_;
  RunObserver& obs_;
  std::string text_, workdir_, run_dir_, tasks_path_;
  std::string plan_text_;                     // the text graph_'s plan was parsed from (its spans and lines)
  std::string settled_;  // what a killed run left half-done in the repository, finished before reading tasks.md
  std::vector<Leftover::Running> landed_;  // tasks the run that died had landed on the branch
  std::map<int, std::string> write_failed_;   // task -> the write that failed it (its mark)
  std::map<int, std::string> landed_as_;      // git: task -> the commit it landed as
  std::map<int, std::string> undone_;         // task -> why its landed commit no longer counts
  mode_t tasks_mode_ = 0;                     // tasks.md's permission bits when the run started
  long tasks_uid_ = -1, tasks_gid_ = -1;      // and its owner
  std::optional<TaskGraph> graph_;
  std::optional<Scheduler> sched_;
  std::shared_ptr<const AgentAdapter> agent_;
  std::string agent_name_;
  std::optional<detail::AgentPool> agents_;               // which agent each attempt runs on
  std::map<int, std::unique_ptr<StreamParser>> parsers_;  // per running task
  std::vector<int> to_mark_;                              // succeeded, journal not flushed yet
  std::vector<int> unwritten_;                            // succeeded, flushed, mark not written yet
  // tasks.md as edited_away() last saw it: its stat, and its text and parse when the
  // user changed it (`ours`: what the run read or flow last wrote).
  struct LiveFile {
    bool seen = false, ours = true;
    struct stat st {};
    std::string text;
    Plan plan;
  } live_;
  std::map<int, std::string> edited_;   // task -> why it was not started (edited_away), when it failed
  std::optional<detail::MarksFile> marks_file_;           // tasks.md as flow last wrote it, parsed
  detail::WorkspaceFactory make_workspace_;               // tests: their own workspace
  std::unique_ptr<detail::Workspace> workspace_;          // where attempts run
  std::string phase_boundary_;  // the head after the last phase completed in order
  std::vector<std::vector<int>> phase_tasks_;  // per phase, its tasks (made at the first merge)
  std::size_t complete_prefix_ = 0;             // phases 0 .. this - 1 are complete
  bool rollback_requested_ = false;
  static constexpr double kCommitWindow = 0.05;           // seconds a mark may wait for company
  std::vector<std::string> docs_;                         // the feature's documents (detail::feature_docs)
  double docs_at_ = -1;                                   // when docs_ were looked up; negative: never
  static constexpr double kDocsRecheck = 1.0;             // seconds docs_ are trusted
  double last_commit_ = 0;
  static constexpr double kWriteShare = 9;    // rewrites of tasks.md: at most 1/(1+9) of the run's time
  static constexpr double kWriteFloor = 0.1;  // seconds between two rewrites at least
  double last_write_end_ = 0, last_write_seconds_ = 0;
  RunLock lock_;
  double flow_dir_checked_ = -1;  // when keep_flow_dir last looked
  std::pair<dev_t, ino_t> workdir_id_{};  // the work directory the run began in
  bool workdir_gone_ = false;             // … is gone (or another is at its path)
  RunReport report_;
  detail::RunLog log_{obs_, report_, graph_, plan_text_};  // what is kept and shown
  detail::RunCommands commands_;                           // how hooks, gates and checks run
  std::optional<detail::Validation> validation_;           // whether an attempt's work is good
  std::optional<detail::DoneLog> done_;  // what finished, for the prompts
  std::map<int, std::string> failures_;
  bool stopping_ = false;
  bool paused_ = false;              // a control paused starting tasks
  bool killed_ = false;              // the second Ctrl-C killed what ran
  // An attempt whose agent succeeded, while its work is collected.
  struct AfterAgent {
    Completion completion;
    AgentReport said;
    std::string base;  // its logs' path without the extension
  };
  std::set<int> preparing_;                // tasks whose place the workspace is making
  std::set<int> not_launched_;             // tasks whose place was made after the first Ctrl-C: never launched
  detail::SpareFiles spares_;              // files made ahead in the run's directory (prompts, file lists)
  std::vector<bool> listed_;               // tasks whose file list is written
  static constexpr std::size_t kMaxSpareFiles = 16;
  std::map<int, AfterAgent> collecting_;   // tasks whose work the workspace is collecting
  static constexpr double kWorkspacePoll = 0.002;  // seconds between looks while it works
  std::set<int> canceled_;           // attempts a control ended: failed, not retried
  detail::Ladder ladder_;            // strategies, instructions, hints; who needs attention
  std::optional<detail::Notifier> notifier_;  // the notification hooks
  detail::ControlInbox inbox_;       // controls posted by other processes (flow retry)
  std::set<int> told_blocked_;       // tasks a `blocked` notification named already
  double gate_told_ = -1;            // the rate-limit reset the last notification gave
};

}  // namespace

std::string default_workdir(const std::string& tasks_path) { return find_workdir_impl(tasks_path); }

Result<RollbackReport> rollback(const RollbackOptions& o) {
  std::error_code ec;
  const std::string tasks = fs::absolute(o.tasks_path, ec).string();
  const std::string workdir = fs::absolute(o.workdir.empty() ? default_workdir(o.tasks_path) : o.workdir, ec).string();
  const std::string journal = workdir + "/.flow/implementation.log";
  RunLock lock;
  fs::create_directories(workdir + "/.flow/locks", ec);
  if (auto held = lock.acquire(detail::run_lock_path(workdir, tasks)); !held) return Unexpected{std::move(held).error()};
  RollbackReport r;
  // What a run (or rollback) killed in the middle left, first: a rollback cut short is
  // finished, and its journal line written, before the journal is read.
  r.settled = detail::settle_killed_integration(workdir, tasks);
  auto repo = detail::GitRepo::open(workdir);
  Journal j;
  const bool journaled = static_cast<bool>(j.open(journal));
  // A run of this tasks.md that did not finish is dead (its lock is held here): what its
  // agents still do, they do for nothing (and at a cost), so they are stopped, and its
  // worktrees and branches go (a failed task's kept branch stays), as the next run would;
  // whatever the rollback then does.
  const std::optional<Leftover> dead = previous_run(journal, tasks);
  if (dead)
    for (const Leftover::Running& was : dead->running) {
      const LeftoverStopped stopped = stop_leftover(was.pgid, was.container);
      if (!stopped.any()) continue;
      r.stopped.push_back(was.id);
      detail::Json line;
      line.begin_object().field("ts", iso_now()).field("run", dead->run_id).field("event", "leftover-killed").field("task", was.id)
          .field("pgid", static_cast<double>(was.pgid)).field("container", was.container)
          .field("processes", static_cast<double>(stopped.others)).field("by", "rollback").end_object();
      if (journaled) (void)j.write(line.str(), true);
    }
  if (dead) r.stopped_run = dead->run_id;
  if (repo) r.removed = repo->clean_stale_worktrees("");
  // Said with what was settled first, whether the rollback then goes ahead or is refused.
  auto also = [&](const std::string& what) { r.settled += (r.settled.empty() ? "" : "; ") + what; };
  if (!r.stopped.empty()) also("stopped what the killed run " + r.stopped_run + " had left running: " + detail::join(r.stopped, ", "));
  if (r.removed > 0) also("removed " + std::to_string(r.removed) + " worktree(s) and branch(es) that killed runs left");
  auto told = [&](Unexpected u) {
    if (!r.settled.empty()) u.error.message = r.settled + ". " + u.error.message;
    return u;
  };
  // The run: its branch and checkpoint, from the journal.
  std::string checkpoint;
  std::set<std::string> own;  // the commits the run journaled as its tasks'
  {
    // The runs with git isolation, and which of them put commits on the branch: by
    // default the last of those is undone, not a later run that found nothing to do.
    std::vector<detail::CheckpointedRun> runs = detail::checkpointed_runs(journal, tasks);
    // A run killed after its branch took a task's commit, before it journaled it as
    // committed: the commit is the run's if the branch has it (its `landing` line).
    for (detail::CheckpointedRun& c : runs)
      for (const std::string& commit : c.landing)
        if (repo && repo->reaches("refs/heads/" + c.branch, commit)) {
          c.commits.insert(commit);
          c.committed = true;
        }
    const detail::CheckpointedRun* pick = nullptr;
    for (const detail::CheckpointedRun& c : runs)
      if (o.run_id.empty() ? c.committed && !c.rolled_back : c.run == o.run_id) pick = &c;
    if (!pick) {
      if (!o.run_id.empty()) return told(make_error(Errc::not_found, "no run " + o.run_id + " of " + o.tasks_path + " with git isolation in " + journal));
      if (runs.empty()) return told(make_error(Errc::not_found, "no run of " + o.tasks_path + " with git isolation in " + journal));
      return told(make_error(Errc::not_found, "nothing to roll back: no run of " + o.tasks_path +
                                                  " has commits on its branch that were not rolled back (" + std::to_string(runs.size()) +
                                                  " run" + (runs.size() == 1 ? "" : "s") + " in " + journal + ")"));
    }
    r.run_id = pick->run;
    r.branch = pick->branch;
    checkpoint = pick->checkpoint;
    own = pick->commits;
  }
  if (!repo) return told(make_error(Errc::not_found, workdir + " is not a git repository"));
  // From the first look at the branch to the reset, no run of another feature lands a
  // commit: its half-landed state would read as the user's changes, and a commit landed
  // after the checks would be reset away unseen.
  const detail::FileLock one_at_a_time = repo->integration_lock();
  if (repo->current_branch() != r.branch)
    return told(make_error(Errc::conflict, "run " + r.run_id + " committed to " + r.branch + ", but " +
                                          (repo->current_branch().empty() ? "HEAD is detached" : repo->current_branch() + " is checked out") +
                                          ": check out " + r.branch + " first"));
  if (const auto dirty = repo->dirty(); !dirty.empty())
    return told(make_error(Errc::conflict, "the working tree has uncommitted changes (" + dirty.front() +
                                          (dirty.size() > 1 ? ", …" : "") + "): commit or stash them first"));
  r.from = repo->head();
  r.to = checkpoint;
  const auto commits = repo->log(checkpoint);
  if (!o.to_task.empty()) {
    r.to.clear();
    for (const detail::GitRepo::Commit& c : commits)
      if (own.count(c.sha) && c.subject.rfind(o.to_task + " ", 0) == 0) r.to = c.sha;
    if (r.to.empty()) return told(make_error(Errc::not_found, "no commit of " + o.to_task + " in run " + r.run_id));
  }
  // What a reset to r.to undoes: the run's commits, and any other that landed among or
  // after them (the user's, another run's). Those are not the run's to undo: never
  // without --force, and never silently.
  std::vector<std::string> mine;
  for (auto it = commits.rbegin(); it != commits.rend() && it->sha != r.to; ++it) {
    ++r.commits_undone;
    if (own.count(it->sha)) mine.push_back(it->sha.substr(0, 10));
    else r.foreign.push_back(it->sha.substr(0, 10) + " " + it->subject + " (" + it->author + ")");
  }
  if (r.from == r.to) return told(make_error(Errc::not_found, "nothing to roll back: " + r.branch + " is at " + r.to.substr(0, 10)));
  if (mine.empty())
    return told(make_error(Errc::not_found, "nothing of run " + r.run_id + "'s to roll back: the commits on " + r.branch +
                                           " after " + r.to.substr(0, 10) + " are not its: " + detail::join(r.foreign, "; ")));
  if (!r.foreign.empty() && !o.force)
    return told(make_error(Errc::conflict, "not rolled back: " + std::to_string(r.foreign.size()) + " of the " +
                                          std::to_string(r.commits_undone) + " commits a reset of " + r.branch + " to " +
                                          r.to.substr(0, 10) + " would undo " + (r.foreign.size() == 1 ? "is" : "are") +
                                          " not run " + r.run_id + "'s: " + detail::join(r.foreign, "; ") +
                                          ". To undo only the run's and keep " + (r.foreign.size() == 1 ? "it" : "them") +
                                          ": git revert " + detail::join(mine, " ") + " (newest first). To undo " +
                                          (r.foreign.size() == 1 ? "it" : "them") + " too (kept reachable under refs/flow/" +
                                          r.run_id + "/): flow rollback --force"));
  r.ref = "refs/flow/" + r.run_id + "/rolled-back";
  for (int k = 2; repo->rev_parse(r.ref); ++k) r.ref = "refs/flow/" + r.run_id + "/rolled-back-" + std::to_string(k);
  // tasks.md is replaced atomically (its marks of undone tasks cleared), then the rest;
  // a kill from here to the journal's line is settled by the next run (or rollback).
  const std::string tasks_rel = fs::relative(tasks, repo->top(), ec).string();
  if (auto rolled = repo->roll_back({r.run_id, r.branch, r.from, r.to, r.ref}, tasks_rel); !rolled)
    return Unexpected{std::move(rolled).error()};
  detail::test_pause("rolled-back-unjournaled");
  if (journaled) {
    detail::Json line;
    line.begin_object().field("ts", iso_now()).field("run", r.run_id).field("event", "rolled-back").field("from", r.from)
        .field("to", r.to).field("ref", r.ref).field("commits", r.commits_undone)
        .field("foreign", static_cast<double>(r.foreign.size())).end_object();
    if (j.write(line.str(), true)) repo->clear_rollback_note(tasks_rel);
    // The dead run undone is over: the next run starts afresh, not as its resumption
    // (what it was running runs again anyway; what it landed is undone).
    if (dead && dead->run_id == r.run_id) {
      detail::Json closed;
      closed.begin_object().field("ts", iso_now()).field("run", r.run_id).field("event", "run-closed").field("by", "rollback").end_object();
      (void)j.write(closed.str(), true);
    }
  }
  return r;
}

Result<RunReport> run(const RunOptions& options, Runner& runner, RecoveryPolicy& policy, RunObserver& observer) {
  return RunLoop(options, runner, policy, observer).go();
}

FLOW_END_NAMESPACE
}  // namespace flow

namespace flow::detail {

Result<RunReport> run_in(const RunOptions& options, Runner& runner, RecoveryPolicy& policy, RunObserver& observer,
                         WorkspaceFactory make_workspace) {
  return flow::RunLoop(options, runner, policy, observer, std::move(make_workspace)).go();
}

}  // namespace flow::detail
