// SPDX-License-Identifier: MIT
// The run loop: what starts (scheduler), how (runner, agent template, prompt), what a
// failure means (classification, policy), and what is kept (write-back, journal).
#include <flow/run.hpp>

#include <flow/coverage.hpp>
#include <flow/graph.hpp>
#include <flow/settings.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "platform/contain.hpp"
#include "runtime/git.hpp"
#include "runtime/journal_read.hpp"
#include "runtime/prompt.hpp"
#include "support/json.hpp"
#include "runtime/test_hook.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
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
#include <sys/statvfs.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

using Clock = std::chrono::steady_clock;

std::string find_workdir_impl(const std::string& tasks_path) {
  std::error_code ec;
  fs::path dir = fs::absolute(tasks_path, ec).parent_path();
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) {
    if (fs::exists(d / ".git", ec)) return d.string();
    if (d == d.root_path()) break;
  }
  return dir.string();
}

std::string make_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf) + "-" + std::to_string(::getpid());
}

std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

// Append-only JSON lines. Every line is one write() (in the page cache at once, so it
// survives flow being killed); fdatasync follows run starts and stops, failures, and
// each batch of marks, so that a power loss too loses no finished task.
class Journal {
 public:
  Result<void> open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return make_error(Errc::io, "cannot open the journal " + path + ": " + std::strerror(errno));
    return {};
  }
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Journal() = default;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // False when the line (or, if durable, its flush) did not reach the disk: the first
  // such failure is kept in error().
  bool write(detail::Json& j, bool durable) {
    if (fd_ < 0) return true;  // not opened: a dry run keeps no journal
    std::string line = j.str();
    line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        note(n < 0 ? errno : ENOSPC);
        // A torn line would corrupt the next one: end it, best effort.
        if (done > 0 && ::write(fd_, "\n", 1) < 0) {
        }
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return !durable || sync();
  }

  bool sync() {
    if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
      note(errno);
      return false;
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  void note(int err) {
    if (error_.empty()) error_ = std::strerror(err);
  }
  int fd_ = -1;
  std::string error_;
};

// One run per tasks.md at a time: an flock()ed file under .flow/locks. The kernel drops
// the lock when its holder dies, even by kill -9, so a stale lock cannot block anyone;
// the pid written in it tells who held it last.
class RunLock {
 public:
  ~RunLock() {
    if (fd_ < 0) return;
    // A clean release leaves no pid behind: the next run only hears of a holder that
    // really died (kill -9, a crash, a power loss).
    if (held_ && ::ftruncate(fd_, 0) != 0) {
    }
    ::close(fd_);
  }
  Result<std::string> acquire(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) return make_error(Errc::io, "cannot open the lock " + path + ": " + std::strerror(errno));
    char buf[64] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    const long previous = n > 0 ? std::strtol(buf, nullptr, 10) : 0;
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      // The git commands a run starts hold its lock too (GitRepo::share_lock), so that a
      // run killed while git fast-forwards its branch keeps the next run out until the
      // merge has landed: the next run then reads a branch and a tasks.md that hold it.
      const bool holder_alive = previous > 0 && (::kill(static_cast<pid_t>(previous), 0) == 0 || errno == EPERM);
      bool held = false;
      for (int i = 0; !holder_alive && i < kGitGraceTicks && !held; ++i) {
        ::usleep(50 * 1000);
        held = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
      }
      if (!held && !holder_alive)
        return make_error(Errc::conflict, "flow run pid " + std::to_string(previous) +
                                              " died, but a command it started (git) still holds its lock after 60 s; "
                                              "wait for it or stop it");
      if (!held)
        return make_error(Errc::conflict, "another flow run (pid " + std::to_string(previous) +
                                              ") is running this tasks.md; wait for it or stop it");
    }
    held_ = true;
    // Read again under the lock: the holder we waited on may have cleared it meanwhile.
    char now[64] = {};
    const ssize_t m = ::pread(fd_, now, sizeof now - 1, 0);
    const long dead = m > 0 ? std::strtol(now, nullptr, 10) : 0;
    const std::string me = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
      // The lock is held either way; the pid is only a courtesy.
    }
    if (dead > 0 && dead != ::getpid())
      return "took over the lock of pid " + std::to_string(dead) + ", which ended without releasing it";
    return std::string();
  }

  /// The lock's descriptor, for the commands that must hold it as long as they run.
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  static constexpr int kGitGraceTicks = 1200;  // 60 s in 50 ms steps
  int fd_ = -1;
  bool held_ = false;
};

// What an earlier run that did not finish left: the tasks it had started and not
// finished, with the process groups they ran in, and the tasks it finished but had not
// marked yet when it died (marks are written in batches, after the next tasks start).
struct Leftover {
  std::string run_id;
  struct Running {
    std::string id;
    int line = 0;
    long pgid = 0;
    std::string container;  // the attempt's cgroup or process tag (Runner's Started)
    std::string text;       // the task's line, mark blanked (empty in older journals)
  };
  std::vector<Running> running;
  struct Unmarked {
    std::string id;
    int line = 0;
    std::string text;  // the task's line, mark blanked (empty in journals before it was kept)
    bool boxless = false;  // no checkbox: its state is the journal's task-finished line
  };
  std::vector<Unmarked> unmarked;
};

// A journal line: one flat JSON object of strings, numbers and booleans. Values come
// back as text (strings unescaped).
std::map<std::string, std::string> parse_line(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  auto skip = [&] { while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i; };
  auto string_at = [&](std::string& into) {
    ++i;  // opening quote
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        const char e = s[++i];
        if (e == 'u' && i + 4 < s.size()) {
          // \uXXXX (the journal writes control bytes so): as UTF-8. Line texts must
          // come back byte for byte to find their tasks again.
          unsigned cp = 0;
          const auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 5, cp, 16);
          if (ec == std::errc() && end == s.data() + i + 5) {
            if (cp < 0x80) {
              into += static_cast<char>(cp);
            } else if (cp < 0x800) {
              into += static_cast<char>(0xC0 | (cp >> 6));
              into += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
              into += static_cast<char>(0xE0 | (cp >> 12));
              into += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
              into += static_cast<char>(0x80 | (cp & 0x3F));
            }
            i += 5;
            continue;
          }
        }
        into += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      } else {
        into += s[i];
      }
      ++i;
    }
    ++i;  // closing quote
  };
  skip();
  if (i >= s.size() || s[i] != '{') return out;
  ++i;
  while (i < s.size()) {
    skip();
    if (i >= s.size() || s[i] != '"') break;
    std::string key, value;
    string_at(key);
    skip();
    if (i >= s.size() || s[i] != ':') break;
    ++i;
    skip();
    if (i < s.size() && s[i] == '"') {
      string_at(value);
    } else {
      const std::size_t end = s.find_first_of(",}", i);
      value = std::string(s.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      i = end == std::string_view::npos ? s.size() : end;
    }
    out[key] = std::move(value);
    skip();
    if (i < s.size() && s[i] == ',') ++i;
  }
  return out;
}

std::string get(const std::map<std::string, std::string>& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

std::optional<Leftover> previous_run(std::istream& in, const std::string& tasks_path) {
  std::string line;
  Leftover last;
  bool open = false;
  std::map<std::string, Leftover::Running> running;
  std::map<std::string, Leftover::Unmarked> unmarked;
  std::set<std::string> marked;
  while (std::getline(in, line)) {
    const auto e = parse_line(line);
    const std::string event = get(e, "event");
    const std::string key = get(e, "task") + "@" + get(e, "line");
    if (event == "run-started") {
      open = get(e, "tasks_md") == tasks_path && get(e, "dry_run") != "true";
      last.run_id = get(e, "run");
      running.clear();
      unmarked.clear();
      marked.clear();
    } else if (!open || get(e, "run") != last.run_id) {
      continue;
    } else if (event == "task-started") {
      running[key] = {get(e, "task"), std::atoi(get(e, "line").c_str()), std::strtol(get(e, "pgid").c_str(), nullptr, 10),
                      get(e, "container"), get(e, "text")};
    } else if (event == "task-finished" || event == "attempt-failed" || event == "task-killed") {
      running.erase(key);
      if (event == "task-finished" && !marked.count(key))
        unmarked[key] = {get(e, "task"), std::atoi(get(e, "line").c_str()), get(e, "text")};
    } else if (event == "marked" || event == "mark-failed") {
      unmarked.erase(key);
      marked.insert(key);  // with git isolation the mark comes before task-finished
    } else if (event == "run-finished") {
      open = false;
    }
  }
  if (!open) return std::nullopt;
  for (const auto& [key, r] : running) last.running.push_back(r);
  for (const auto& [key, task] : unmarked) last.unmarked.push_back(task);
  return last;
}

std::optional<Leftover> previous_run(const std::string& journal, const std::string& tasks_path) {
  std::ifstream in(journal);
  return previous_run(in, tasks_path);
}

// The lines that matter from an attempt's output: the last few non-empty ones.
std::string tail_lines(const std::string& path, std::size_t max_lines) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (detail::trim(line).empty()) continue;
    lines.push_back(detail::clip(line, 300));
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}


// The lines that matter in a failed check's output: compiler errors, failing tests,
// tracebacks (at most 15), then the last few lines.
std::string summarize_failure(const std::string& output) {
  static constexpr std::string_view marks[] = {"error", "fail", "assert", "traceback", "panic", "exception", "expected"};
  std::vector<std::string> all, picked;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) all.push_back(l);
  for (std::size_t i = 0; i + 5 < all.size() && picked.size() < 15; ++i)
    for (std::string_view m : marks)
      if (detail::ifind(all[i], m) != std::string_view::npos) {
        picked.push_back(all[i]);
        break;
      }
  if (!picked.empty()) picked.push_back("...");
  for (std::size_t i = all.size() > 5 ? all.size() - 5 : 0; i < all.size(); ++i) picked.push_back(all[i]);
  return detail::join(picked, "\n") + "\n";
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
  RunLoop(const RunOptions& o, Runner& r, RecoveryPolicy& p, RunObserver& obs)
      : opt_(o), runner_(r), policy_(p), obs_(obs) {}

  Result<RunReport> go() {
    // A real run reads the plan again once it holds the lock (below): what a killed run
    // left in flight (a fast-forward of the branch) has landed by then.
    if (auto planned = read_plan(); !planned) return Unexpected{std::move(planned).error()};
    agent_ = opt_.agent_adapter;
    if (!agent_ && !opt_.agent.empty()) agent_ = make_command_agent(opt_.agent);
    if (!agent_ && !opt_.dry_run) return make_error(Errc::invalid_argument, "no agent command");
    agent_name_ = agent_ ? agent_->name() : std::string();
    for (const double d : {opt_.task_timeout, opt_.kill_grace})
      if (!std::isfinite(d) || d < 0 || d > kMaxDurationSeconds)
        return make_error(Errc::invalid_argument, "a timeout must be from 0 to 30 days, not " + std::to_string(d));

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
    report_.run_id = make_run_id();
    run_dir_ = workdir_ + "/.flow/runs/" + report_.run_id;
    fs::create_directories(run_dir_, ec);
    if (ec) return make_error(Errc::io, "cannot create " + run_dir_ + ": " + ec.message());
    report_.journal_path = workdir_ + "/.flow/implementation.log";
    tasks_path_ = fs::absolute(opt_.tasks_path, ec).string();
    // flow writes marks into tasks.md: a read-only one is refused before anything runs.
    if (struct stat st {}; !opt_.dry_run && ::stat(tasks_path_.c_str(), &st) == 0) {
      if ((st.st_mode & 0222) == 0) {
        fs::remove_all(run_dir_, ec);
        return make_error(Errc::io, tasks_path_ + " is read-only, and flow marks the tasks it finishes in it: make it "
                                                  "writable (chmod u+w) first, or use --dry-run");
      }
      tasks_mode_ = st.st_mode & 07777;
    }
    std::string took_over;
    std::optional<Leftover> leftover;
    if (!opt_.dry_run) {
      fs::create_directories(workdir_ + "/.flow/locks", ec);
      std::string lock_name = fs::relative(tasks_path_, workdir_, ec).string();
      std::replace(lock_name.begin(), lock_name.end(), '/', '_');
      auto held = lock_.acquire(workdir_ + "/.flow/locks/" + lock_name + ".lock");
      if (!held) {
        fs::remove_all(run_dir_, ec);
        return Unexpected{std::move(held).error()};
      }
      took_over = *held;
      if (auto planned = read_plan(); !planned) {
        fs::remove_all(run_dir_, ec);
        return Unexpected{std::move(planned).error()};
      }
      leftover = previous_run(report_.journal_path, tasks_path_);
      if (auto j = journal_.open(report_.journal_path); !j) return Unexpected{std::move(j).error()};
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
          u.boxless = tk.mark_offset == Task::npos;
          if (!u.boxless) changes.push_back({tk.line, tk.id, true});
        }
        if (!changes.empty()) {
          auto updated = update_marks_in_file(tasks_path_, text_, changes);
          if (!updated) return make_error(Errc::io, "cannot mark the tasks an earlier run finished: " + updated.error().message);
          text_ = std::move(*updated);
        }
      }
      // Tasks without a checkbox keep their state in the journal only: one that succeeded
      // in any earlier run (not rolled back) is done, found by ID and line text.
      plan_text_ = text_;
      Plan now = plan_of(text_);
      auto headless = apply_journal_state(report_.journal_path, tasks_path_, text_, now);
      if (!headless) return Unexpected{std::move(headless).error()};
      auto g2 = build_graph(std::move(now));
      if (!g2) return Unexpected{std::move(g2).error()};
      graph_.emplace(std::move(*g2));
    }

    if (!opt_.dry_run)
      if (auto iso = setup_isolation(); !iso) {
        fs::remove_all(run_dir_, ec);
        return Unexpected{std::move(iso).error()};
      }

    const int n = graph_->task_count();
    report_.workers = std::max(1, opt_.workers);
    report_.tasks.resize(static_cast<std::size_t>(n));
    SchedulerOptions so;
    so.workers = report_.workers;
    so.fail_fast = opt_.fail_fast;
    so.selected = opt_.selected;
    // Without worktrees, file locks are all that keeps agents apart: a task that names
    // no file could touch anything, so it runs alone.
    so.unknown_files_exclusive = !repo_ && !opt_.dry_run;
    if (!opt_.resources.empty()) {
      so.resources.assign(static_cast<std::size_t>(n), {});
      for (int t = 0; t < n; ++t)
        for (const auto& [who, names] : opt_.resources) {
          const Task& tk = task(t);
          if (tk.id == who || tk.story_label == who || std::find(tk.labels.begin(), tk.labels.end(), who) != tk.labels.end())
            so.resources[static_cast<std::size_t>(t)].insert(so.resources[static_cast<std::size_t>(t)].end(), names.begin(),
                                                              names.end());
        }
    }
    sched_.emplace(*graph_, std::move(so));
    if (opt_.test_first && !opt_.dry_run) hold_implementations();
    start_ = Clock::now();
    {
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
      if (!journal_.write(j, true)) journal_failed();
    }
    emit("run-started", -1, 0, report_.run_id);
    if (repo_) {
      log("checkpoint", -1, 0, {{"branch", branch_}, {"commit", checkpoint_}}, true);
      emit("checkpoint", -1, 0, "git isolation: tasks commit to " + branch_ + " from " + checkpoint_.substr(0, 10));
      if (stale_worktrees_ > 0)
        emit("resumed", -1, 0, "removed " + std::to_string(stale_worktrees_) + " worktree(s) and branch(es) that earlier runs left");
    }
    if (!took_over.empty()) {
      log("lock-taken-over", -1, 0, {{"detail", took_over}}, true);
      emit("resumed", -1, 0, took_over);
    }
    if (leftover) resume(*leftover, took_over.empty());
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
  double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
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

  void emit(const std::string& kind, int t, int attempt, std::string detail) {
    obs_.on_event(RunEvent{kind, now(), t, attempt, std::move(detail)});
  }

  // A journal field: text or a number.
  struct Field {
    const char* key;
    std::variant<std::string, double> value;
  };

  void log(const std::string& event, int t, int attempt, std::initializer_list<Field> extra, bool durable = false) {
    log(event, t, attempt, std::vector<Field>(extra), durable);
  }
  void log(const std::string& event, int t, int attempt, const std::vector<Field>& extra, bool durable = false) {
    detail::Json j;
    j.begin_object().field("ts", iso_now()).field("run", report_.run_id).field("event", event);
    if (t >= 0) j.field("task", task(t).id).field("line", task(t).line);
    // What finds the task again in a later run, whatever edits moved it: its line text.
    if (t >= 0 && (event == "task-started" || event == "task-finished" || event == "attempt-failed" || event == "marked" ||
                   event == "blocked"))
      j.field("text", task_line_text(plan_text_, task(t)));
    if (attempt > 0) j.field("attempt", attempt);
    for (const Field& f : extra) {
      j.key(f.key);
      if (const auto* s = std::get_if<std::string>(&f.value)) j.value(*s);
      else j.value(std::get<double>(f.value));
    }
    j.end_object();
    if (!journal_.write(j, durable)) journal_failed();
  }

  // The journal is what the next run trusts: a line that did not reach it fails the run.
  void journal_failed() {
    const std::string what = "cannot write the journal " + report_.journal_path + ": " + journal_.error() +
                             " (the next run may run finished tasks again)";
    if (std::find(report_.write_errors.begin(), report_.write_errors.end(), what) == report_.write_errors.end())
      report_.write_errors.push_back(what);
  }

  int interrupt() const { return opt_.interrupt ? opt_.interrupt->load() : 0; }

  // Runs a command (a hook, a gate, a check) to completion, with the per-task timeout,
  // output to `out`; its exit status, or -1 if it did not start or died by a signal.
  int run_to_end(const std::vector<std::string>& argv, const std::string& dir, const std::string& out,
                 std::vector<std::string> env) {
    auto runner = make_process_runner();
    Launch l;
    l.argv = argv;
    l.workdir = dir;
    l.stdout_path = out;
    l.stderr_path = out;
    l.timeout = opt_.task_timeout;
    l.kill_grace = opt_.kill_grace;
    l.env = std::move(env);
    l.env.insert(l.env.end(), {"FLOW_RUN_ID=" + report_.run_id, "FLOW_WORKDIR=" + dir, "FLOW_TASKS_MD=" + tasks_path_});
    if (!runner->start(l)) return -1;
    const auto c = runner->wait(1e9);
    return !c || c->signal ? -1 : c->exit_code;
  }

  // Runs a hook in the work directory; returns its exit status (or -1).
  int hook(const std::string& name, const std::vector<std::string>& argv, int t) {
    std::vector<std::string> env;
    if (t >= 0) {
      env = task_files_env(t);
      env.push_back("FLOW_TASK_ID=" + task(t).id);
    }
    const int rc = run_to_end(argv, workdir_, run_dir_ + "/hook-" + name + (t >= 0 ? "-" + task(t).id : "") + ".out", env);
    log("hook", t, 0, {{"hook", name}, {"exit", static_cast<double>(rc)}}, true);
    emit("hook", t, 0, name + (rc == 0 ? " ok" : " failed (exit " + std::to_string(rc) + ")"));
    return rc;
  }

  // An earlier run stopped without finishing (killed, crashed, power lost). Its finished
  // tasks are marked in tasks.md and stay done; the ones it was running run again. Any
  // of their processes still alive are stopped first, and all of it is said.
  // `released`: the earlier run released the lock, so it ended rather than died; only
  // the end of its journal is missing (a write that failed).
  void resume(const Leftover& l, bool released = false) {
    std::string tasks;
    for (const Leftover::Running& was : l.running) {
      const auto& [id, line, pgid, container, text] = was;
      // Committed (its mark is on the branch, in the task's own commit) just before the
      // run died: done, not run again.
      const int at = find_task_again(plan_text_, graph_->plan(), id, line, text);
      if (at >= 0 && task(at).state == TaskState::done) {
        log("marked", -1, 0, {{"task", id}, {"line", static_cast<double>(task(at).line)}, {"text", text},
                              {"mark", std::string("X")}, {"detail", std::string("committed in run ") + l.run_id}});
        emit("resumed", -1, 0, id + " was committed by the earlier run; not run again");
      } else {
        tasks += (tasks.empty() ? "" : ", ") + id;
      }
      // Its process group, and whatever left the group but not the attempt's container
      // (a daemon started with setsid).
      const bool group_alive = pgid > 1 && ::kill(static_cast<pid_t>(-pgid), 0) == 0;
      if (group_alive) ::kill(static_cast<pid_t>(-pgid), SIGKILL);
      const int others = detail::stop_container(container);
      detail::remove_container(container, 1000);
      if (group_alive || others > 0) {
        log("leftover-killed", -1, 0, {{"task", id}, {"pgid", static_cast<double>(pgid)}, {"container", container},
                                       {"processes", static_cast<double>(others)}}, true);
        emit("resumed", -1, 0, "stopped what " + id + " left running (process group " + std::to_string(pgid) +
                                   (others > 0 ? ", " + std::to_string(others) + " process(es) in its container" : "") + ")");
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
    log("resumed", -1, 0, {{"previous_run", l.run_id}, {"were_running", tasks}}, true);
    emit("resumed", -1, 0, "run " + l.run_id + (released ? " ended, but its journal does not say so (a write failed)" : " did not finish") +
                               (tasks.empty() ? std::string(": nothing was running") : "; running again: " + tasks));
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
  bool write_prompt(int t, int attempt, const std::string& previous_failure, const std::string& dir, std::string* error = nullptr) {
    const detail::PromptContext ctx{plan_text_, tasks_path_, workdir_, &done_lines_};
    return detail::write_prompt(prompt_path(t, attempt), ctx, task(t), attempt, previous_failure, dir, error);
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
    auto env = detail::task_files_env(task(t), path, &error);
    if (!error.empty()) log("write-failed", t, 0, {{"file", path}, {"error", error}});
    return env;
  }

  // Is task t's ID declared more than once in the plan (a warning, not an error)?
  bool duplicate_id(int t) {
    if (!duplicate_ids_) {
      duplicate_ids_.emplace();
      std::set<std::string_view> seen;
      for (const Task& tk : graph_->plan().tasks)
        if (!seen.insert(tk.id).second) duplicate_ids_->insert(tk.id);
    }
    return duplicate_ids_->count(task(t).id) > 0;
  }

  // Without isolation: what the files a task names look like, to tell afterwards
  // whether its attempt changed any of them.
  struct FileStamp {
    bool exists = false, directory = false;
    long long size = 0, mtime_ns = 0;
    unsigned long long inode = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::vector<FileStamp> stamp_files(int t) const {
    std::vector<FileStamp> out;
    std::istringstream files(task_files(t));
    for (std::string f; std::getline(files, f);) {
      FileStamp s;
      struct stat st {};
      if (!f.empty() && ::stat((workdir_ + "/" + f).c_str(), &st) == 0) {
        s.exists = true;
        s.directory = S_ISDIR(st.st_mode);
        s.size = static_cast<long long>(st.st_size);
        s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
        s.inode = static_cast<unsigned long long>(st.st_ino);
      }
      out.push_back(s);
    }
    return out;
  }

  // testing.requireChanges: the attempt of a task that names files exited 0 having
  // changed nothing. With git isolation: nothing differs from the commit it started
  // from (`work` is empty). Without: every file it names is as it was before (missing
  // still, or the same size, modification time and inode); a named directory that
  // exists counts as changed, since what changed inside it is not looked at.
  std::optional<std::string> changed_nothing(int t, const std::string& work) {
    if (!opt_.require_changes || !work.empty() || task_files(t).empty()) return std::nullopt;
    std::string files = task_files(t);
    std::replace(files.begin(), files.end(), '\n', ' ');
    files = detail::clip(detail::trim(files), 300);  // a task may name thousands
    if (repo_) {
      if (!worktrees_.count(t)) return std::nullopt;
      return "validation: no changes: the agent exited 0 but changed nothing (nothing committed, nothing left "
             "uncommitted), and this task names files (" + files + "). Do the task: make the changes it asks for.\n";
    }
    const auto before = stamps_.find(t);
    if (before == stamps_.end()) return std::nullopt;
    const std::vector<FileStamp> after = stamp_files(t);
    const bool same = after == before->second;
    const bool any_dir = std::any_of(after.begin(), after.end(), [](const FileStamp& s) { return s.exists && s.directory; });
    stamps_.erase(before);
    if (!same || any_dir) return std::nullopt;
    return "validation: no changes: the agent exited 0 but none of the files this task names (" + files +
           ") was created or changed. Do the task: make the changes it asks for.\n";
  }

  void start(int t) {
    const int attempt = ++report_.tasks[static_cast<std::size_t>(t)].attempts;
    // Git isolation: the attempt gets its own worktree and branch, from the integration
    // branch as it is now (so a retry sees what merged meanwhile).
    std::string dir = workdir_;
    if (repo_) {
      // flow/<run>/<id>; a duplicate ID's occurrences each have their own branch. An ID
      // git will not take in a ref name (a range, "T026..T030") has its other characters
      // made '_' and its line added, so that no two tasks share a name.
      std::string name = task(t).id;
      bool renamed = false;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_', renamed = true;
      const std::string branch = "flow/" + report_.run_id + "/" + name +
                                 (renamed || duplicate_id(t) ? "-line" + std::to_string(task(t).line) : std::string());
      // --allow-dirty: from a snapshot of the tree, so agents see the uncommitted changes
      // (only the task's own changes are integrated).
      const std::string base = opt_.allow_dirty ? repo_->snapshot() : head_;
      auto wt = repo_->add_worktree(branch, report_.run_id + "/" + name + "-" + std::to_string(t), base);
      if (!wt) {
        report_.order.push_back(t);
        emit("started", t, attempt, task(t).description);
        return on_failure(t, attempt, FailureClass::config, wt.error().message);
      }
      dir = *wt;
      worktrees_[t] = {dir, branch};
      bases_[t] = base;
    } else if (opt_.require_changes) {
      stamps_[t] = stamp_files(t);
    }
    // No agent starts on a prompt that is not all there (a full disk, say).
    if (std::string error; !write_prompt(t, attempt, failures_[t], dir, &error)) {
      discard_worktree(t, "its prompt could not be written", false);
      report_.order.push_back(t);
      emit("started", t, attempt, task(t).description);
      return on_failure(t, attempt, FailureClass::config, error);
    }
    AgentLaunch how = agent_->prepare({task(t).id, prompt_path(t, attempt), dir, attempt});
    Launch l;
    l.task = t;
    l.attempt = attempt;
    l.argv = std::move(how.argv);
    l.stdin_path = std::move(how.stdin_path);
    l.workdir = dir;
    const std::string base = run_dir_ + "/" + task(t).id + "-" + std::to_string(t) + "." + std::to_string(attempt);
    l.stdout_path = base + ".out";
    l.stderr_path = base + ".err";
    l.timeout = opt_.task_timeout;
    l.stall_timeout = opt_.stall_timeout;
    l.kill_grace = opt_.kill_grace;
    l.env = task_files_env(t);
    l.env.insert(l.env.end(), {"FLOW_TASK_ID=" + task(t).id, "FLOW_PROMPT_FILE=" + prompt_path(t, attempt),
             "FLOW_ATTEMPT=" + std::to_string(attempt), "FLOW_RUN_ID=" + report_.run_id, "FLOW_WORKDIR=" + dir});
    l.env.insert(l.env.end(), how.env.begin(), how.env.end());
    // The agent's stream, parsed as it comes: the live activity, and at the end the
    // result, cost and error class.
    if (auto parser = agent_->parser()) {
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
    // holds it until this returns). Written is enough: the kernel keeps it whatever
    // kills flow, and a power loss, which could lose it, stops the agent too.
    bool journaled = false;
    l.on_started = [&](const Started& s) {
      detail::test_pause("before-task-started");
      log("task-started", t, attempt,
          {{"log", l.stdout_path}, {"pgid", static_cast<double>(s.pgid)}, {"container", s.container}});
      journaled = true;
    };
    auto started = runner_.start(l);
    if (!journaled) log("task-started", t, attempt, {{"log", l.stdout_path}, {"pgid", 0.0}});
    emit("started", t, attempt, task(t).description);
    // An agent that cannot even start (a missing binary) is a configuration failure.
    if (!started) {
      discard_worktree(t, "the agent did not start", false);
      on_failure(t, attempt, FailureClass::config, started.error().message);
    }
  }

  // A control from another thread (the dashboard), journaled as asked and applied, or
  // journaled as refused when it does not fit the task's state.
  void apply_control(const ControlRequest& r) {
    using A = ControlRequest::Action;
    int t = -1;
    if (r.action != A::pause && r.action != A::resume) {
      t = graph_->plan().task_at_line(r.line);
      if (t >= 0 && task(t).id != r.task) t = -1;
    }
    const TaskStatus st = t >= 0 ? sched_->status(t) : TaskStatus::waiting;
    bool ok = true;
    switch (r.action) {
      case A::pause: ok = !paused_; paused_ = true; break;
      case A::resume: ok = paused_; paused_ = false; break;
      case A::skip:
        ok = t >= 0 && (st == TaskStatus::waiting || st == TaskStatus::ready);
        if (ok) sched_->skip(t);
        break;
      case A::retry: ok = t >= 0 && !stopping_ && sched_->reopen(t); break;
      case A::cancel: ok = t >= 0 && st == TaskStatus::running && runner_.cancel(t); if (ok) canceled_.insert(t); break;
    }
    std::vector<Field> fields{{"action", std::string(to_string(r.action))}, {"by", r.by}};
    if (!ok) fields.push_back({"refused", std::string("does not apply to the task's state")});
    if (t < 0 && !r.task.empty()) fields.push_back({"task", r.task});  // not found: as asked
    log("control", t, 0, fields, true);
    emit("control", t, 0, std::string(to_string(r.action)) + (ok ? "" : " refused") + (r.by.empty() ? "" : " (" + r.by + ")"));
  }

  // An attempt canceled by a control: failed for good (a retry control may reopen it).
  void on_canceled(const Completion& c) {
    TaskReport& r = report_.tasks[static_cast<std::size_t>(c.task)];
    r.seconds += c.seconds;
    r.cpu_seconds += c.cpu_seconds;
    report_.busy += c.seconds;
    r.failure_class = "canceled";
    parsers_.erase(c.task);
    discard_worktree(c.task, "canceled", true);
    sched_->finish(c.task, TaskStatus::failed);
    log("attempt-failed", c.task, c.attempt, {{"class", std::string("canceled")}, {"decision", std::string("fail")},
                                             {"reason", std::string("canceled: by a control")}, {"seconds", c.seconds}}, true);
    emit("failed", c.task, c.attempt, "canceled: by a control");
  }

  void loop() {
    const std::string& agent = agent_name_;
    for (;;) {
      if (interrupt() >= 1 && !stopping_) {
        stopping_ = true;
        report_.interrupted = true;
        sched_->cancel();
        log("interrupted", -1, 0, {{"detail", std::string("stop starting tasks")}}, true);
        emit("interrupted", -1, 0, "no new task starts; running ones finish");
      }
      if (interrupt() >= 2 && runner_.running() > 0) {
        log("interrupted", -1, 0, {{"detail", std::string("kill running tasks")}}, true);
        emit("interrupted", -1, 0, "killing running tasks");
        runner_.cancel_all();
        // Their attempts end here, unfinished: journaled so that status and the next
        // run know; never marked, so the next run runs them again.
        for (int t = 0; t < graph_->task_count(); ++t) {
          if (sched_->status(t) != TaskStatus::running) continue;
          const int attempt = report_.tasks[static_cast<std::size_t>(t)].attempts;
          parsers_.erase(t);
          discard_worktree(t, "killed by the second Ctrl-C", false);
          log("task-killed", t, attempt, {{"detail", std::string("killed by the second Ctrl-C")}}, true);
          emit("killed", t, attempt, "killed by the second Ctrl-C");
        }
      }
      if (opt_.control)
        for (const ControlRequest& r : opt_.control->take()) apply_control(r);
      const double t_now = now();
      if (!stopping_ && !paused_ && !policy_.gate_until(agent, t_now))
        while (auto t = sched_->start_next(t_now)) start(*t);
      // Group commit: the tasks that finished in the last commit window are marked in
      // one rewrite of tasks.md and one journal flush, after their dependents have
      // started, so the disk's latency neither adds up per task nor delays the next one.
      if (!to_mark_.empty() && (runner_.running() == 0 || now() - last_commit_ >= kCommitWindow)) commit_marks();
      if (runner_.running() == 0) {
        if (!test_first_.empty()) {
          const std::size_t before = test_first_.size();
          check_test_first();
          if (test_first_.size() != before) continue;
        }
        // Paused, the run waits for the person who paused it, even with nothing left
        // that could start: a retry may come.
        if (paused_ && !stopping_) {
          obs_.on_tick(t_now);
          ::usleep(100000);
          continue;
        }
        if (sched_->done()) break;
        std::optional<double> wake = sched_->next_wake(t_now);
        if (auto gate = policy_.gate_until(agent, t_now)) wake = wake ? std::min(*wake, *gate) : *gate;
        if (!wake) break;  // nothing runs and nothing will: the scheduler reports why
        obs_.on_tick(t_now);   // observers show the wait (a retry time, a closed gate)
        runner_.wait(std::min(0.25, std::max(0.0, *wake - t_now)));
        continue;
      }
      // Wake at least every 250 ms to notice interrupts and retry times, and in time to
      // commit the marks that wait.
      const double wait = to_mark_.empty() ? 0.25 : std::clamp(last_commit_ + kCommitWindow - now(), 0.0, 0.25);
      auto c = runner_.wait(wait);
      obs_.on_tick(now());
      for (; c; c = runner_.wait(0)) on_completion(*c);  // all that ended by now, as one batch
      if (!test_first_.empty()) check_test_first();
    }
    commit_marks();
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
    r.input_tokens += said.input_tokens;
    r.output_tokens += said.output_tokens;
    r.turns += said.turns;
    report_.cost_usd += said.cost_usd;
    // Only the stream's final word and stderr matter when there is a stream; the tail
    // of a plain command's stdout otherwise.
    const std::string output = streamed ? said.result + "\n" + tail_lines(base + ".err", 12)
                                                  : tail_lines(base + ".err", 12) + tail_lines(base + ".out", 12);
    std::optional<FailureClass> failed = agent_->classify(c, said, output);
    std::string why_not;  // a gate or the integration that failed a successful agent
    if (!failed) {
      // The agent's work is committed on its branch first, so that what the checks
      // leave behind (build output, coverage reports) is not part of it.
      std::string work;
      if (auto committed = commit_work(c.task); !committed) {
        failed = FailureClass::config;
        why_not = committed.error().message;
      } else if (work = *committed; auto none = changed_nothing(c.task, work)) {
        failed = FailureClass::validation;
        why_not = *none;
      } else if (auto gate = run_gates(c.task, c.attempt, base)) {
        failed = FailureClass::validation;
        why_not = *gate;
      } else if (auto merge = integrate(c.task, work)) {
        failed = FailureClass::conflict;
        why_not = *merge;
      }
    }
    if (!failed) {
      sched_->finish(c.task, TaskStatus::succeeded);
      log("task-finished", c.task, c.attempt,
          {{"outcome", std::string("succeeded")}, {"seconds", c.seconds}, {"cpu_seconds", c.cpu_seconds},
           {"max_rss_kb", static_cast<double>(c.max_rss_kb)}, {"cost_usd", said.cost_usd},
           {"input_tokens", static_cast<double>(said.input_tokens)}, {"output_tokens", static_cast<double>(said.output_tokens)},
           {"turns", static_cast<double>(said.turns)}, {"session", said.session_id}});
      emit("succeeded", c.task, c.attempt, "");
      done_lines_.push_back(task(c.task).id + " " + detail::clip(task(c.task).description, 100));
      to_mark_.push_back(c.task);  // with git isolation it is marked in its commit already
      return;
    }
    // Its worktree goes in on_failure, once the policy has said whether it runs again.
    if (!why_not.empty()) return on_failure(c.task, c.attempt, *failed, why_not);
    std::string why = c.stalled ? "stalled: no output and no file change for " + std::to_string(static_cast<int>(opt_.stall_timeout)) + " s"
                      : c.timed_out ? "timed out after " + std::to_string(static_cast<int>(opt_.task_timeout)) + " s"
                      : c.signal ? "killed by signal " + std::to_string(c.signal)
                                 : "exit code " + std::to_string(c.exit_code);
    if (streamed && !said.finished) why += ", no result event";
    std::optional<double> reset_at;
    if (!said.resets_at && *failed == FailureClass::rate_limit) said.resets_at = agent_->reset_time(output);
    if (said.resets_at) {
      const double unix_now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
      reset_at = now() + std::max(0.0, *said.resets_at - unix_now);
    }
    on_failure(c.task, c.attempt, *failed, why + "\n" + output, reset_at,
               {{"cost_usd", said.cost_usd}, {"turns", static_cast<double>(said.turns)}});
  }

  void on_failure(int t, int attempt, FailureClass cls, const std::string& lines, std::optional<double> reset_at = {},
                  std::initializer_list<Field> extra = {}) {
    TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
    r.failure_class = to_string(cls);
    r.last_lines = lines;
    failures_[t] = std::string(to_string(cls)) + ": " + lines;
    const Task& tk = task(t);
    const double t_now = now();
    Failure f{cls, agent_name_, reset_at, lines};
    const Decision d = policy_.on_failure({&tk, &graph_->plan().phases[static_cast<std::size_t>(tk.phase)], attempt}, f, t_now);
    std::vector<Field> fields{{"class", std::string(to_string(cls))}, {"decision", std::string(to_string(d.kind))},
                              {"reason", d.reason}, {"lines", detail::clip(lines, 2000)}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    // The attempt's worktree goes; its branch is kept for the user only when the task
    // will not run again.
    discard_worktree(t, "attempt " + std::to_string(attempt) + " failed (" + to_string(cls) + ")",
                     d.kind != Decision::Kind::retry);
    log("attempt-failed", t, attempt, fields, true);
    emit("failed", t, attempt, d.reason);  // the reason starts with the class
    switch (d.kind) {
      case Decision::Kind::retry:
        ++report_.retries;
        sched_->retry(t, t_now + d.delay);
        log("retry-scheduled", t, attempt + 1, {{"delay", d.delay}});
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
        break;
      case Decision::Kind::fail:
        sched_->finish(t, TaskStatus::failed);
        break;
    }
  }

  // Chooses git or none, and for git checks the repository before anything starts.
  Result<void> setup_isolation() {
    report_.isolation = "none";
    if (opt_.isolation == "none") return {};
    if (opt_.isolation != "git" && opt_.isolation != "auto")
      return make_error(Errc::invalid_argument, "isolation must be git, none or auto, not '" + opt_.isolation + "'");
    auto repo = detail::GitRepo::open(workdir_);
    const bool want = opt_.isolation == "git";
    // Only a repository rooted at the work directory: never one that merely encloses it.
    std::error_code ec;
    if (repo && !fs::equivalent(repo->top(), workdir_, ec)) repo.reset();
    if (!repo) {
      if (want)
        return make_error(Errc::config, workdir_ + " is not the top of a git repository: run `git init` there and commit, "
                                                   "or use --isolation none");
      return {};
    }
    const std::string head = repo->head(), branch = repo->current_branch();
    if (head.empty() || branch.empty()) {
      if (want)
        return make_error(Errc::config, head.empty() ? "the repository has no commit yet: commit once, or use --isolation none"
                                                     : "HEAD is detached: check out the branch the tasks should commit to");
      return {};
    }
    repo->share_lock(lock_.fd());
    repo->exclude_flow_dir();
    if (const auto dirty = repo->dirty(); !dirty.empty() && !opt_.allow_dirty) {
      std::vector<std::string> some(dirty.begin(), dirty.begin() + std::min<std::size_t>(dirty.size(), 5));
      return make_error(Errc::conflict, "the working tree has uncommitted changes (" + detail::join(some, ", ") +
                                            (dirty.size() > 5 ? ", …" : "") + "): commit or stash them first, since flow "
                                            "commits each task on " + branch + "; or pass --allow-dirty, or --isolation none");
    }
    tasks_rel_ = fs::relative(tasks_path_, repo->top(), ec).string();
    if (tasks_rel_.empty() || tasks_rel_.rfind("..", 0) == 0)
      return make_error(Errc::config, tasks_path_ + " is outside the repository " + repo->top() + ": git isolation needs it inside");
    stale_worktrees_ = repo->clean_stale_worktrees(report_.run_id);
    if (auto r = repo->update_ref("refs/flow/" + report_.run_id + "/checkpoint", head); !r) return r;
    repo_ = std::move(repo);
    branch_ = branch;
    head_ = checkpoint_ = head;
    report_.isolation = "git";
    report_.branch = branch_;
    report_.checkpoint = checkpoint_;
    return {};
  }

  // testFirst: a test task is in a group whose title says "test", or names only test
  // files.
  bool is_test_task(int t) const {
    const Task& tk = task(t);
    const Group& g = graph_->plan().groups[static_cast<std::size_t>(tk.group)];
    if (detail::ifind(g.title, "test") != std::string_view::npos) return true;
    if (tk.paths.empty()) return false;
    for (const PathRef& p : tk.paths) {
      const std::string& f = p.path;
      const std::string name = fs::path(f).filename().string();
      const bool test = f.rfind("tests/", 0) == 0 || f.rfind("test/", 0) == 0 || f.find("/tests/") != std::string::npos ||
                        f.find("/test/") != std::string::npos || name.rfind("test_", 0) == 0 ||
                        name.find("_test.") != std::string::npos || name.find(".test.") != std::string::npos ||
                        name.find(".spec.") != std::string::npos;
      if (!test) return false;
    }
    return true;
  }

  // Holds each user-story phase's implementation tasks until its test tasks are done.
  void hold_implementations() {
    std::map<int, std::pair<std::vector<int>, std::vector<int>>> stories;  // phase -> (tests, implementation)
    for (int t = 0; t < graph_->task_count(); ++t) {
      const Task& tk = task(t);
      if (tk.state != TaskState::pending) continue;
      if (graph_->plan().phases[static_cast<std::size_t>(tk.phase)].kind != PhaseKind::user_story) continue;
      (is_test_task(t) ? stories[tk.phase].first : stories[tk.phase].second).push_back(t);
    }
    for (auto& [phase, tasks] : stories) {
      if (tasks.first.empty() || tasks.second.empty()) continue;
      for (int t : tasks.second) sched_->hold(t);
      test_first_.push_back({phase, std::move(tasks.first), std::move(tasks.second), {}});
    }
  }

  // Once a story's test tasks are all done: the tests gate on the integrated result
  // must fail (nothing implements them yet); then its implementation may start.
  void check_test_first() {
    for (auto it = test_first_.begin(); it != test_first_.end();) {
      const bool finished = std::all_of(it->tests.begin(), it->tests.end(), [&](int t) {
        const TaskStatus st = sched_->status(t);
        return st != TaskStatus::waiting && st != TaskStatus::ready && st != TaskStatus::running;
      });
      if (!finished) { ++it; continue; }
      const bool all_ok = std::all_of(it->tests.begin(), it->tests.end(),
                                      [&](int t) { return sched_->status(t) == TaskStatus::succeeded; });
      const std::string title = graph_->plan().phases[static_cast<std::size_t>(it->phase)].title;
      const auto gate = std::find_if(opt_.gates.begin(), opt_.gates.end(), [](const auto& g) { return g.first == "tests"; });
      if (all_ok && gate != opt_.gates.end()) {
        // Git isolation: the work directory is the integration branch, tests merged.
        const int rc = run_to_end(gate->second, workdir_, run_dir_ + "/test-first-" + std::to_string(it->phase) + ".out", {});
        log("test-first", -1, 0, {{"phase", title}, {"exit", static_cast<double>(rc)}}, true);
        if (rc == 0) {
          report_.vacuous_tests.push_back(title);
          emit("vacuous-tests", -1, 0, "the tests of \"" + title + "\" pass before any implementation: they test nothing new");
        } else if (baseline_fails(it->phase, it->before, gate->second)) {
          // The suite failed already before these tests came in: their failure says
          // nothing about them.
          report_.inconclusive_tests.push_back(title);
          emit("test-first", -1, 0, "the tests of \"" + title + "\" fail, but so did the suite before them: inconclusive");
        } else {
          emit("test-first", -1, 0, "the tests of \"" + title + "\" fail as they should; implementation starts");
        }
      }
      for (int t : it->implementation) sched_->release(t);
      it = test_first_.erase(it);
    }
  }

  // Git isolation: does the test command fail on the branch as it was just before the
  // story's first test task landed? (Run in a throwaway worktree.)
  bool baseline_fails(int phase, const std::string& before, const std::vector<std::string>& argv) {
    if (!repo_ || before.empty()) return false;
    const std::string branch = "flow/" + report_.run_id + "/baseline-" + std::to_string(phase);
    auto dir = repo_->add_worktree(branch, report_.run_id + "/baseline-" + std::to_string(phase), before);
    if (!dir) return false;
    const int rc = run_to_end(argv, *dir, run_dir_ + "/test-first-" + std::to_string(phase) + ".baseline.out", {});
    repo_->remove_worktree(*dir, branch, true);
    log("test-first-baseline", -1, 0, {{"commit", before}, {"exit", static_cast<double>(rc)}});
    return rc != 0;
  }

  // After a task's commit landed: is its phase complete (a rollback boundary, and the
  // moment for a per-phase integration check)? And the integration check, if asked.
  void after_merge(int t) {
    // t itself is done (the scheduler hears it right after this).
    auto done = [&](int u) {
      const TaskStatus st = sched_->status(u);
      return u == t || st == TaskStatus::succeeded || st == TaskStatus::skipped || st == TaskStatus::excluded;
    };
    const int phase = task(t).phase;
    bool phase_done = true;
    for (int u = 0; u < graph_->task_count() && phase_done; ++u)
      if (task(u).phase == phase && !done(u)) phase_done = false;
    // A boundary only if every phase before it is complete too.
    if (phase_done) {
      bool earlier_done = true;
      for (int u = 0; u < graph_->task_count() && earlier_done; ++u)
        if (task(u).phase < phase && !done(u)) earlier_done = false;
      if (earlier_done) {
        phase_boundary_ = head_;
        log("phase-complete", -1, 0, {{"phase", graph_->plan().phases[static_cast<std::size_t>(phase)].title}, {"commit", head_}});
      }
    }
    const bool check = opt_.integration_check == "merge" || (opt_.integration_check == "phase" && phase_done);
    const auto gate = std::find_if(opt_.gates.begin(), opt_.gates.end(), [](const auto& g) { return g.first == "tests"; });
    if (!check || gate == opt_.gates.end()) return;
    const std::string out = run_dir_ + "/integration-" + task(t).id + ".out";
    const int rc = run_to_end(gate->second, workdir_, out, {});
    const std::string when = opt_.integration_check == "merge"
                                 ? "after " + task(t).id
                                 : "after " + graph_->plan().phases[static_cast<std::size_t>(phase)].title;
    log("integration-check", t, 0, {{"exit", static_cast<double>(rc)}, {"commit", head_}}, rc != 0);
    if (rc != 0) {
      report_.integration_failures.push_back(when);
      emit("integration-failed", t, 0, "the tests fail on " + branch_ + " " + when + " (" + out + ")");
    }
  }

  // The validation gates, in the attempt's directory, in order; the first failure's
  // summary, or nullopt when all pass (or none is configured).
  std::optional<std::string> run_gates(int t, int attempt, const std::string& base) {
    const auto wt = worktrees_.find(t);
    const std::string dir = wt != worktrees_.end() ? wt->second.first : workdir_;
    for (const auto& [name, argv] : opt_.gates) {
      if (argv.empty()) continue;
      // testFirst: a new test is meant to fail until its story is implemented; the
      // check that it does comes once the story's tests are all in (check_test_first).
      if (opt_.test_first && name == "tests" && is_test_task(t)) continue;
      const std::string out = base + ".gate-" + name + ".out";
      std::vector<std::string> env = task_files_env(t);
      env.insert(env.end(), {"FLOW_TASK_ID=" + task(t).id, "FLOW_ATTEMPT=" + std::to_string(attempt)});
      const int rc = run_to_end(argv, dir, out, std::move(env));
      log("gate", t, attempt, {{"gate", std::string(name)}, {"exit", static_cast<double>(rc)}});
      if (rc == 0) continue;
      emit("gate-failed", t, attempt, name);
      return "validation: " + name + " (" + detail::join(argv, " ") + ") failed with exit " + std::to_string(rc) +
             " in the task's worktree:\n" + summarize_failure(tail_lines(out, 60));
    }
    // testing.coverageTarget: the report the tests wrote, against the target.
    if (opt_.coverage_target > 0 && !opt_.gates.empty() && !(opt_.test_first && is_test_task(t))) {
      const auto report = find_coverage(dir);
      if (!report) {
        emit("gate-failed", t, attempt, "coverage");
        return "validation: testing.coverageTarget is " + percent(opt_.coverage_target) +
               " but the tests left no coverage report (lcov.info, coverage/lcov.info, coverage.xml, cobertura.xml, "
               "coverage.json, coverage.out or cover.out)";
      }
      log("coverage", t, attempt, {{"percent", report->percent}, {"report", report->path}});
      if (report->percent + 1e-9 < opt_.coverage_target) {
        emit("gate-failed", t, attempt, "coverage");
        return "validation: line coverage " + percent(report->percent) + " (" + fs::path(report->path).filename().string() +
               ") is below testing.coverageTarget " + percent(opt_.coverage_target) + "; add tests for the new code";
      }
    }
    return std::nullopt;
  }

  static std::string percent(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", p);
    return buf;
  }

  // Git isolation: the attempt's work as one commit on the commit it started from
  // (empty: it changed nothing, or no git isolation). Everything since then counts,
  // what the agent committed itself included; its changes to tasks.md (flow is its
  // only writer) are undone and reported, never integrated.
  Result<std::string> commit_work(int t) {
    const auto wt = worktrees_.find(t);
    if (!repo_ || wt == worktrees_.end()) return std::string();
    auto work = repo_->squash(wt->second.first, bases_[t], commit_message(t), tasks_rel_);
    if (!work) return make_error(Errc::io, "cannot commit the task's work: " + work.error().message);
    if (work->protected_changed) {
      const int attempt = report_.tasks[static_cast<std::size_t>(t)].attempts;
      log("tasks-md-discarded", t, attempt, {{"file", tasks_rel_}}, true);
      emit("tasks-md-discarded", t, attempt,
           "the agent changed " + tasks_rel_ + ", which only flow writes: its change was undone, not integrated");
    }
    return work->commit;
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
    if (again)
      for (int u = 0; u < graph_->task_count(); ++u)
        if (u != t && report_.tasks[static_cast<std::size_t>(u)].marked)
          if (auto r = find(u)) changes.push_back(r->front());
    return set_marks(text, now, changes);
  }

  // Git isolation: apply the attempt's work to the integration branch, mark the task in
  // tasks.md and commit both as one commit named after the task. nullopt when merged;
  // else why not (the conflicting files and hunks), with everything put back as it was.
  std::optional<std::string> integrate(int t, const std::string& work) {
    if (!repo_) return std::nullopt;
    const auto wt = worktrees_.find(t);
    if (wt == worktrees_.end()) return std::nullopt;
    const std::string& dir = wt->second.first;
    const Task& tk = task(t);
    const std::string wt_tasks = dir + "/" + tasks_rel_;
    bool marked = false;
    std::string commit, committed_text;
    // Replayed in the task's worktree onto the branch's real head (the user, or a run on
    // another feature, may have committed since: that is no conflict), marked there,
    // committed, and only then the branch fast-forwards: the main work tree never holds
    // a half-done merge, whatever kills flow when. If the branch moves in between, again.
    const detail::FileLock one_at_a_time = repo_->integration_lock();
    for (int round = 1;; ++round) {
      const detail::Integration in = repo_->replay(dir, work, "refs/heads/" + branch_);
      if (!in.merged) {
        log("merge-conflict", t, 0, {{"files", detail::join(in.conflicts, " ")}});
        return "conflict: the task's changes do not merge with what was integrated since it started; "
               "conflicting files: " + detail::join(in.conflicts, ", ") + "\n" + in.details;
      }
      detail::test_pause("after-replay");
      // tasks.md as the branch has it, or as the user has it in the work tree when they
      // edited it during the run: the commit carries their edit, with the mark put on
      // the task's line found by ID and text (and, since an editor may have saved over
      // them, the marks this run set before).
      auto branch_text = read_file(wt_tasks);
      auto user_text = read_file(tasks_path_);
      const bool user_edit = branch_text && user_text && *user_text != *branch_text;
      committed_text = user_edit ? *user_text : branch_text ? *branch_text : std::string();
      marked = false;
      if (tk.form == TaskForm::checkbox || tk.form == TaskForm::unnumbered) {
        // No tasks.md on the branch (never committed): nothing to mark, and none made.
        auto updated = branch_text ? mark_text(t, committed_text, user_edit) : Result<std::string>(Unexpected{branch_text.error()});
        if (updated) {
          marked = true;
          committed_text = std::move(*updated);
          write_failed_.erase(t);
        } else {
          // Done but not marked: the next run would run it again. A failure of the task.
          write_failed_[t] = "cannot mark it done in " + tasks_rel_ + ": " + updated.error().message;
          if (round == 1) {
            log("mark-failed", t, 0, {{"error", updated.error().message}});
            emit("mark-failed", t, 0, updated.error().message);
          }
        }
      }
      if (branch_text && committed_text != *branch_text)
        if (auto w = write_file_atomic(wt_tasks, committed_text); !w) return "cannot commit the task: " + w.error().message;
      auto made = repo_->commit_all(dir, commit_message(t));
      if (!made) return "cannot commit the task: " + made.error().message;
      commit = *made;
      if (commit.empty()) break;  // nothing to commit: no work, and the mark was there
      detail::test_pause("after-commit");
      // The user's edited tasks.md: the index takes the commit's version, so that the
      // fast-forward goes through, and the file the mark once the commit is in (a kill
      // in between leaves the mark out, never a mark without its commit) unless the
      // user saved it again meanwhile (the next task puts the mark back).
      if (user_edit) repo_->reset_path(commit, tasks_rel_);
      auto ff = repo_->fast_forward(commit);
      auto user_saved = [&] {
        const auto again = read_file(tasks_path_);
        return !again || !user_text || *again != *user_text;
      };
      if (ff) {
        detail::test_pause("after-fast-forward");
        if (user_edit && !user_saved()) (void)write_file_atomic(tasks_path_, committed_text);
        break;
      }
      if (user_edit) repo_->stage(tasks_rel_, false);
      const auto parent = repo_->rev_parse(commit + "^"), now = repo_->rev_parse("refs/heads/" + branch_);
      // Again when the branch moved meanwhile, the user saved tasks.md meanwhile, or
      // another git command held the index a moment.
      const bool busy = ff.error().message.find("index.lock") != std::string::npos;
      if (round < 3 && ((parent && now && *parent != *now) || user_saved() || busy)) continue;
      return "conflict: " + branch_ + " could not take the task's commit: " + ff.error().message;
    }
    if (!commit.empty()) {
      for (TestFirst& tf : test_first_)  // testFirst's baseline: before the story's first test
        if (tf.before.empty() && std::find(tf.tests.begin(), tf.tests.end(), t) != tf.tests.end()) tf.before = commit + "^";
      head_ = commit;
      keep_tasks_mode();
      text_ = std::move(committed_text);
    }
    report_.tasks[static_cast<std::size_t>(t)].marked = marked;
    repo_->remove_worktree(dir, wt->second.second, true);
    worktrees_.erase(wt);
    bases_.erase(t);
    log("committed", t, 0, {{"commit", head_}, {"branch", branch_}});
    after_merge(t);
    if (marked) {
      log("marked", t, 0, {{"mark", std::string("X")}});
      emit("marked", t, 0, head_.substr(0, 10));
    }
    return std::nullopt;
  }

  // The task line as a commit subject: "T012 [P] [US1] Create User model in …".
  std::string commit_message(int t) const {
    const Task& tk = task(t);
    std::string_view line = std::string_view(plan_text_).substr(tk.span.offset, tk.span.length);
    const std::size_t id = line.find(tk.id);
    if (id != std::string_view::npos) line.remove_prefix(id);
    return detail::clip(detail::trim(line), 200);
  }

  // After a failed attempt: its worktree goes. `keep_branch` (a task that finally
  // failed): what it did is committed to its branch, kept for the user and marked so
  // (GitRepo::keep_branch) for stale-branch cleanup to leave it; otherwise (it runs
  // again, was killed, or never started) the branch goes too.
  void discard_worktree(int t, const std::string& why, bool keep_branch = true) {
    const auto wt = worktrees_.find(t);
    if (wt == worktrees_.end() || !repo_) return;
    if (keep_branch)
      if (auto kept = repo_->commit_all(wt->second.first, "WIP " + commit_message(t) + ": " + why, true); kept && !kept->empty())
        repo_->keep_branch(wt->second.second, *kept);
    repo_->remove_worktree(wt->second.first, wt->second.second, !keep_branch);
    worktrees_.erase(wt);
    bases_.erase(t);
  }

  // Marks the tasks that succeeded since the last call, [X] in one atomic rewrite of
  // tasks.md, makes the journal durable once for all of them, and runs their
  // task-complete hooks. Until then their
  // task-finished lines (written, so they survive flow being killed) let the next run
  // mark them instead of running them again.
  void commit_marks() {
    last_commit_ = now();
    if (to_mark_.empty()) return;
    std::vector<int> tasks;
    tasks.swap(to_mark_);
    // Tasks with a mark to set: checkbox lines (others keep their state in the journal),
    // and none with git isolation (each was marked in its own commit).
    std::vector<int> unmarked;
    std::vector<MarkChange> changes;
    for (int t : tasks) {
      const Task& tk = task(t);
      if (repo_ || (tk.form != TaskForm::checkbox && tk.form != TaskForm::unnumbered)) continue;
      unmarked.push_back(t);
      changes.push_back({tk.line, tk.id, true});
    }
    if (!changes.empty()) {
      // Against the text the plan was parsed from, whose lines `changes` name: the file
      // may hold earlier marks and the user's edits since, and the marks are rebased onto
      // it by ID and line text (update_marks_in_file).
      auto updated = update_marks_in_file(tasks_path_, plan_text_, changes);
      for (int t : unmarked) {
        if (!updated) {
          // Done but not marked: the next run would run it again. A failure of the task.
          write_failed_[t] = "cannot mark it done in " + tasks_path_ + ": " + updated.error().message;
          log("mark-failed", t, 0, {{"error", updated.error().message}});
          emit("mark-failed", t, 0, updated.error().message);
          continue;
        }
        report_.tasks[static_cast<std::size_t>(t)].marked = true;
        log("marked", t, 0, {{"mark", std::string("X")}});
        emit("marked", t, 0, "");
      }
    }
    if (!journal_.sync()) journal_failed();
    if (!opt_.task_complete.empty())
      for (int t : tasks) hook("task-complete", opt_.task_complete, t);
  }

  // Git writes tasks.md with its own idea of a mode (644) when the branch moves: the
  // user's mode (600, 664 …) is put back.
  void keep_tasks_mode() {
    struct stat st {};
    // Best effort: the content is right either way; a failure leaves git's mode.
    if (tasks_mode_ != 0 && ::stat(tasks_path_.c_str(), &st) == 0 && (st.st_mode & 07777) != tasks_mode_)
      (void)::chmod(tasks_path_.c_str(), tasks_mode_);
  }

  void finish() {
    for (auto it = worktrees_.begin(); it != worktrees_.end(); it = worktrees_.begin())
      discard_worktree(it->first, "the run ended", false);
    // A critical failure undoes the run: the branch goes back to its checkpoint, and
    // what it had stays reachable under refs/flow/<run>/rolled-back.
    const std::string target = opt_.rollback_to == "phase" && !phase_boundary_.empty() ? phase_boundary_ : checkpoint_;
    if (repo_ && rollback_requested_)  // the branch's real head: the user may have committed since the last task
      if (auto real = repo_->rev_parse("refs/heads/" + branch_)) head_ = *real;
    if (repo_ && rollback_requested_ && head_ != target) {
      const std::string ref = "refs/flow/" + report_.run_id + "/rolled-back";
      const detail::FileLock one_at_a_time = repo_->integration_lock();
      if (repo_->update_ref(ref, head_) && repo_->reset_hard(target, tasks_rel_)) {
        log("rolled-back", -1, 0, {{"to", target}, {"from", head_}, {"ref", ref}}, true);
        emit("rolled-back", -1, 0, branch_ + " reset to " + target.substr(0, 10) + "; the run's commits are in " + ref);
        report_.rolled_back_to = target;
        head_ = target;
        keep_tasks_mode();
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
    for (int t = 0; t < graph_->task_count(); ++t) {
      TaskReport& r = report_.tasks[static_cast<std::size_t>(t)];
      r.status = sched_->status(t);
      r.blocked_by = sched_->blocked_by(t);
      if (task(t).state != TaskState::pending) continue;
      if (const auto w = write_failed_.find(t); w != write_failed_.end() && r.status == TaskStatus::succeeded) {
        r.status = TaskStatus::failed;
        r.failure_class = "io";
        r.last_lines = w->second;
      }
      switch (r.status) {
        case TaskStatus::succeeded: ++report_.succeeded; break;
        case TaskStatus::failed: ++report_.failed; break;
        case TaskStatus::blocked:
          ++report_.blocked;
          if (!opt_.dry_run) log("blocked", t, 0, {{"by", r.blocked_by >= 0 ? task(r.blocked_by).id : std::string("the stop")}});
          break;
        case TaskStatus::skipped: ++report_.skipped; break;
        default: break;
      }
    }
    report_.wall = now();
    detail::Json j;
    j.begin_object().field("ts", iso_now()).field("run", report_.run_id).field("event", "run-finished")
        .field("succeeded", report_.succeeded).field("failed", report_.failed).field("blocked", report_.blocked)
        .field("skipped", report_.skipped).field("retries", report_.retries).field("wall", report_.wall)
        .field("busy", report_.busy).field("cost_usd", report_.cost_usd).field("interrupted", report_.interrupted).end_object();
    if (!opt_.dry_run && !journal_.write(j, true)) journal_failed();
    emit("run-finished", -1, 0, "");
  }

  const RunOptions& opt_;
  Runner& runner_;
  RecoveryPolicy& policy_;
  RunObserver& obs_;
  std::string text_, workdir_, run_dir_, tasks_path_;
  std::string plan_text_;                     // the text graph_'s plan was parsed from (its spans and lines)
  std::map<int, std::string> write_failed_;   // task -> the write that failed it (its mark)
  mode_t tasks_mode_ = 0;                     // tasks.md's permission bits when the run started
  std::optional<TaskGraph> graph_;
  std::optional<Scheduler> sched_;
  std::shared_ptr<const AgentAdapter> agent_;
  std::string agent_name_;
  std::map<int, std::unique_ptr<StreamParser>> parsers_;  // per running task
  std::vector<int> to_mark_;                              // succeeded, not marked yet
  std::optional<detail::GitRepo> repo_;                   // git isolation, when on
  std::string branch_, head_, checkpoint_;                // the integration branch, its head, the run's start
  std::map<int, std::pair<std::string, std::string>> worktrees_;  // task -> (worktree, branch)
  std::map<int, std::string> bases_;                              // task -> the commit its attempt started from
  std::map<int, std::vector<FileStamp>> stamps_;                  // no isolation: its files before the attempt
  std::optional<std::set<std::string_view>> duplicate_ids_;
  int stale_worktrees_ = 0;
  std::string phase_boundary_;  // the head after the last phase completed in order
  std::string tasks_rel_;       // tasks.md relative to the repository's top
  struct TestFirst {
    int phase;
    std::vector<int> tests, implementation;
    std::string before;  // git: the branch's head before its first test task landed
  };
  std::vector<TestFirst> test_first_;  // stories whose implementation waits for their tests
  bool rollback_requested_ = false;
  static constexpr double kCommitWindow = 0.05;           // seconds a mark may wait for company
  double last_commit_ = 0;
  Journal journal_;
  RunLock lock_;
  RunReport report_;
  Clock::time_point start_;
  std::vector<std::string> done_lines_;
  std::map<int, std::string> failures_;
  bool stopping_ = false;
  bool paused_ = false;              // a control paused starting tasks
  std::set<int> canceled_;           // attempts a control ended: failed, not retried
};

}  // namespace

std::string default_workdir(const std::string& tasks_path) { return find_workdir_impl(tasks_path); }

Result<int> apply_journal_state(const std::string& journal_path, const std::string& tasks_path, std::string_view text,
                                Plan& plan) {
  const bool any = std::any_of(plan.tasks.begin(), plan.tasks.end(), [](const Task& t) {
    return t.mark_offset == Task::npos && t.state == TaskState::pending;
  });
  std::error_code ec;
  if (!any || !fs::exists(journal_path, ec)) return 0;
  std::ifstream in(journal_path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot read the journal " + journal_path);
  struct Finished {
    std::string run, id, text;
    int line;
  };
  std::vector<Finished> finished;
  std::set<std::string> rolled_back;
  std::string line, current;
  while (std::getline(in, line)) {
    // Cheap filter first: most lines are neither.
    if (line.find("\"task-finished\"") == std::string::npos && line.find("\"run-started\"") == std::string::npos &&
        line.find("\"rolled-back\"") == std::string::npos)
      continue;
    const auto e = parse_line(line);
    const std::string event = get(e, "event");
    if (event == "run-started") {
      current = get(e, "tasks_md") == tasks_path && get(e, "dry_run") != "true" ? get(e, "run") : std::string();
    } else if (event == "rolled-back") {
      rolled_back.insert(get(e, "run"));
    } else if (event == "task-finished" && !current.empty() && get(e, "run") == current) {
      finished.push_back({current, get(e, "task"), get(e, "text"), std::atoi(get(e, "line").c_str())});
    }
  }
  int n = 0;
  for (const Finished& f : finished) {
    if (rolled_back.count(f.run)) continue;
    const int at = find_task_again(text, plan, f.id, f.line, f.text);
    if (at < 0) continue;
    Task& t = plan.tasks[static_cast<std::size_t>(at)];
    if (t.mark_offset != Task::npos || t.state != TaskState::pending) continue;
    t.state = TaskState::done;
    ++n;
  }
  return n;
}

namespace {

std::vector<JournalRun> runs_in(std::istream& in, const std::string& tasks_path) {
  std::vector<JournalRun> runs;
  JournalRun* last = nullptr;
  std::map<std::string, std::size_t> by_id;  // run id -> position in runs (rollback lines come later)
  std::map<std::string, std::size_t> index;  // "id@line" -> position in tasks
  std::string line, first_ts, last_ts;
  auto secs = [](const std::string& ts) {  // "2026-11-24T07:24:57.381Z" -> seconds of the day
    if (ts.size() < 19) return 0.0;
    // strtod, not stod: a damaged line reads as 0, it does not throw.
    auto num = [&](std::size_t at, std::size_t n) { return std::strtod(ts.substr(at, n).c_str(), nullptr); };
    return num(11, 2) * 3600 + num(14, 2) * 60 + num(17, ts.size() - 18);
  };
  bool ours = false;
  // A run that did not finish: its wall time from its first and last lines.
  auto close = [&] {
    if (!last || last->finished) return;
    last->wall = std::max(0.0, secs(last_ts) - secs(first_ts));
    for (const auto& t : last->tasks) last->busy += t.seconds;
  };
  while (std::getline(in, line)) {
    const auto e = parse_line(line);
    const std::string event = get(e, "event");
    if (event == "run-started") {
      ours = get(e, "tasks_md") == tasks_path && get(e, "dry_run") != "true";
      if (!ours) continue;
      close();
      runs.emplace_back();
      last = &runs.back();
      last->run_id = get(e, "run");
      last->started = get(e, "ts");
      last->workers = std::max(1, std::atoi(get(e, "workers").c_str()));
      by_id[last->run_id] = runs.size() - 1;
      index.clear();
      first_ts = last_ts = get(e, "ts");
      continue;
    }
    if (event == "rolled-back")  // by the run itself, or by `flow rollback` any time later
      if (const auto r = by_id.find(get(e, "run")); r != by_id.end()) runs[r->second].rolled_back = true;
    if (!ours || !last || get(e, "run") != last->run_id) continue;
    last_ts = get(e, "ts");
    const std::string key = get(e, "task") + "@" + get(e, "line");
    JournalTask* t = nullptr;
    if (!get(e, "task").empty()) {
      auto [it, fresh] = index.emplace(key, last->tasks.size());
      if (fresh) {
        JournalTask jt;
        jt.id = get(e, "task");
        jt.line = std::atoi(get(e, "line").c_str());
        last->tasks.push_back(std::move(jt));
      }
      t = &last->tasks[it->second];
      if (t->text.empty()) t->text = get(e, "text");
    }
    if (event == "task-started" && t) {
      t->attempts = std::max(t->attempts, std::atoi(get(e, "attempt").c_str()));
      t->outcome = "running";
    } else if (event == "task-finished" && t) {
      t->outcome = "succeeded";
      t->seconds += std::atof(get(e, "seconds").c_str());
      t->cpu_seconds += std::atof(get(e, "cpu_seconds").c_str());
      t->max_rss_kb = std::max(t->max_rss_kb, std::atof(get(e, "max_rss_kb").c_str()));
      t->cost_usd += std::atof(get(e, "cost_usd").c_str());
      t->turns += std::atof(get(e, "turns").c_str());
    } else if (event == "attempt-failed" && t) {
      const std::string lines = get(e, "lines");
      // The first line says how the attempt ended; the next non-empty one, what it hit.
      std::string what;
      std::istringstream ls(lines);
      for (std::string l; std::getline(ls, l);)
        if (!detail::trim(l).empty()) {
          what += (what.empty() ? "" : " — ") + detail::clip(detail::trim(l), 120);
          if (what.find(" — ") != std::string::npos) break;
        }
      t->tries.push_back("attempt " + get(e, "attempt") + ": " + get(e, "class") + ": " + what);
      t->last_lines = lines;
      t->cost_usd += std::atof(get(e, "cost_usd").c_str());
      t->turns += std::atof(get(e, "turns").c_str());
      t->failure_class = get(e, "class");
      t->reason = get(e, "reason");
      const std::string d = get(e, "decision");
      t->outcome = d == "retry" ? "retrying" : d == "skip" ? "skipped" : "failed";
    } else if (event == "task-killed" && t) {
      t->outcome = "killed";
      t->reason = get(e, "detail");
    } else if (event == "retry-scheduled") {
      ++last->retries;
    } else if (event == "blocked" && t) {
      t->outcome = "blocked";
      t->reason = "blocked by " + get(e, "by");
    } else if (event == "marked" && t) {
      t->marked = true;
    } else if (event == "committed") {
      ++last->commits;
    } else if (event == "run-finished") {
      last->finished = true;
      last->wall = std::atof(get(e, "wall").c_str());
      last->busy = std::atof(get(e, "busy").c_str());
      last->cost_usd = std::atof(get(e, "cost_usd").c_str());
    }
  }
  close();
  for (JournalRun& r : runs)
    if (r.cost_usd == 0)
      for (const auto& t : r.tasks) r.cost_usd += t.cost_usd;
  return runs;
}

}  // namespace

Result<std::vector<JournalRun>> read_runs(const std::string& journal_path, const std::string& tasks_path) {
  std::error_code ec;
  if (!fs::exists(journal_path, ec)) return std::vector<JournalRun>();
  std::ifstream in(journal_path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot read the journal " + journal_path);
  return runs_in(in, tasks_path);
}

Result<std::optional<JournalRun>> read_last_run(const std::string& journal_path, const std::string& tasks_path) {
  auto runs = read_runs(journal_path, tasks_path);
  if (!runs) return Unexpected{std::move(runs).error()};
  // A run that found nothing to do does not hide the one that did the work.
  for (auto it = runs->rbegin(); it != runs->rend(); ++it)
    if (!it->tasks.empty()) return std::optional<JournalRun>(std::move(*it));
  if (runs->empty()) return std::optional<JournalRun>();
  return std::optional<JournalRun>(std::move(runs->back()));
}

Result<RollbackReport> rollback(const RollbackOptions& o) {
  std::error_code ec;
  const std::string tasks = fs::absolute(o.tasks_path, ec).string();
  const std::string workdir = fs::absolute(o.workdir.empty() ? default_workdir(o.tasks_path) : o.workdir, ec).string();
  const std::string journal = workdir + "/.flow/implementation.log";
  // The run: its branch and checkpoint, from the journal.
  RollbackReport r;
  std::string checkpoint;
  {
    // The runs with git isolation, and which of them put commits on the branch: by
    // default the last of those is undone, not a later run that found nothing to do.
    struct Candidate {
      std::string run, branch, checkpoint;
      bool committed = false, rolled_back = false;
    };
    std::vector<Candidate> runs;
    std::ifstream in(journal);
    std::string line, current;
    while (std::getline(in, line)) {
      const auto e = parse_line(line);
      const std::string event = get(e, "event");
      if (event == "run-started") current = get(e, "tasks_md") == tasks ? get(e, "run") : "";
      if (event == "rolled-back")  // all the way back to its checkpoint (not just --to a task)
        for (Candidate& c : runs) c.rolled_back |= c.run == get(e, "run") && get(e, "to") == c.checkpoint;
      if (current.empty() || get(e, "run") != current) continue;
      if (event == "checkpoint") runs.push_back({current, get(e, "branch"), get(e, "commit")});
      else if (event == "committed" && !runs.empty() && runs.back().run == current) runs.back().committed = true;
    }
    const Candidate* pick = nullptr;
    for (const Candidate& c : runs)
      if (o.run_id.empty() ? c.committed && !c.rolled_back : c.run == o.run_id) pick = &c;
    if (!pick) {
      if (!o.run_id.empty()) return make_error(Errc::not_found, "no run " + o.run_id + " of " + o.tasks_path + " with git isolation in " + journal);
      if (runs.empty()) return make_error(Errc::not_found, "no run of " + o.tasks_path + " with git isolation in " + journal);
      return make_error(Errc::not_found, "nothing to roll back: no run of " + o.tasks_path + " has commits on its branch that were not rolled back (" +
                                             std::to_string(runs.size()) + " run" + (runs.size() == 1 ? "" : "s") + " in " + journal + ")");
    }
    r.run_id = pick->run;
    r.branch = pick->branch;
    checkpoint = pick->checkpoint;
  }
  RunLock lock;
  std::string lock_name = fs::relative(tasks, workdir, ec).string();
  std::replace(lock_name.begin(), lock_name.end(), '/', '_');
  fs::create_directories(workdir + "/.flow/locks", ec);
  if (auto held = lock.acquire(workdir + "/.flow/locks/" + lock_name + ".lock"); !held) return Unexpected{std::move(held).error()};
  auto repo = detail::GitRepo::open(workdir);
  if (!repo) return make_error(Errc::not_found, workdir + " is not a git repository");
  if (repo->current_branch() != r.branch)
    return make_error(Errc::conflict, "run " + r.run_id + " committed to " + r.branch + ", but " +
                                          (repo->current_branch().empty() ? "HEAD is detached" : repo->current_branch() + " is checked out") +
                                          ": check out " + r.branch + " first");
  if (const auto dirty = repo->dirty(); !dirty.empty())
    return make_error(Errc::conflict, "the working tree has uncommitted changes (" + dirty.front() +
                                          (dirty.size() > 1 ? ", …" : "") + "): commit or stash them first");
  r.from = repo->head();
  r.to = checkpoint;
  const auto commits = repo->log(checkpoint);
  if (!o.to_task.empty()) {
    r.to.clear();
    for (const auto& [sha, subject] : commits)
      if (subject.rfind(o.to_task + " ", 0) == 0) r.to = sha;
    if (r.to.empty()) return make_error(Errc::not_found, "no commit of " + o.to_task + " in run " + r.run_id);
  }
  for (auto it = commits.rbegin(); it != commits.rend() && it->first != r.to; ++it) ++r.commits_undone;
  if (r.from == r.to) return make_error(Errc::not_found, "nothing to roll back: " + r.branch + " is at " + r.to.substr(0, 10));
  r.ref = "refs/flow/" + r.run_id + "/rolled-back";
  for (int k = 2; repo->rev_parse(r.ref); ++k) r.ref = "refs/flow/" + r.run_id + "/rolled-back-" + std::to_string(k);
  if (auto u = repo->update_ref(r.ref, r.from); !u) return Unexpected{std::move(u).error()};
  // tasks.md is replaced atomically (its marks of undone tasks cleared), then the rest,
  // while no run on another feature integrates.
  const detail::FileLock one_at_a_time = repo->integration_lock();
  if (auto reset = repo->reset_hard(r.to, fs::relative(tasks, repo->top(), ec).string()); !reset)
    return Unexpected{std::move(reset).error()};
  Journal j;
  if (j.open(journal)) {
    detail::Json line;
    line.begin_object().field("ts", iso_now()).field("run", r.run_id).field("event", "rolled-back").field("from", r.from)
        .field("to", r.to).field("ref", r.ref).field("commits", r.commits_undone).end_object();
    j.write(line, true);
  }
  return r;
}

Result<RunReport> run(const RunOptions& options, Runner& runner, RecoveryPolicy& policy, RunObserver& observer) {
  return RunLoop(options, runner, policy, observer).go();
}

FLOW_END_NAMESPACE
}  // namespace flow

namespace flow::detail {

std::vector<JournalRun> read_runs_text(std::string_view journal, const std::string& tasks_path) {
  std::istringstream in{std::string(journal)};
  return flow::runs_in(in, tasks_path);
}

std::optional<std::pair<std::size_t, std::size_t>> previous_run_text(std::string_view journal, const std::string& tasks_path) {
  std::istringstream in{std::string(journal)};
  const auto left = flow::previous_run(in, tasks_path);
  if (!left) return std::nullopt;
  return std::make_pair(left->running.size(), left->unmarked.size());
}

}  // namespace flow::detail
