// SPDX-License-Identifier: MIT
// The journal writer, the run lock and the run's record (journal lines + events).
#include "runtime/journal.hpp"

#include "support/json.hpp"

#include <flow/tasks_md.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

namespace flow::detail {

std::string make_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf) + "-" + std::to_string(::getpid());
}

Result<RunDir> claim_run_dir(const std::string& runs) {
  std::error_code ec;
  std::filesystem::create_directories(runs, ec);
  if (ec) return make_error(Errc::io, "cannot create " + runs + ": " + ec.message());
  for (int k = 1; k <= 1000; ++k) {
    RunDir d;
    d.id = make_run_id() + (k > 1 ? "-" + std::to_string(k) : "");
    d.path = runs + "/" + d.id;
    // mkdir is atomic: it fails on a directory that exists, whoever made it.
    if (std::filesystem::create_directory(d.path, ec)) return d;
    if (ec) return make_error(Errc::io, "cannot create " + d.path + ": " + ec.message());
  }
  return make_error(Errc::io, "cannot find a free run directory in " + runs);
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

// fdatasync follows run starts and stops, failures, and each batch of marks (the
// callers ask for it), so that a power loss too loses no finished task.
// A journal whose last line a kill or a full disk cut short gets its newline first: the
// next line, glued to the fragment, would be lost to every reader with it (a run-started
// line lost so hides that whole run).
Result<void> Journal::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return make_error(Errc::io, "cannot open the journal " + path + ": " + std::strerror(errno));
  struct stat st {};
  char last = '\n';
  if (::fstat(fd_, &st) == 0 && st.st_size > 0 && ::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n' &&
      ::write(fd_, "\n", 1) != 1)
    note(errno);
  return {};
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

bool Journal::write(std::string_view text, bool durable) {
  if (fd_ < 0) return true;  // not opened: a dry run keeps no journal
  std::string line(text);
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

bool Journal::sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) {
    note(errno);
    return false;
  }
  return true;
}

namespace {
// Whether the file open at `fd` is no longer the one at `path` (deleted, or replaced).
bool deleted(int fd, const std::string& path) {
  struct stat open_st {}, path_st {};
  if (::fstat(fd, &open_st) != 0) return false;
  if (open_st.st_nlink == 0) return true;
  return ::stat(path.c_str(), &path_st) != 0 || path_st.st_ino != open_st.st_ino || path_st.st_dev != open_st.st_dev;
}
}  // namespace

Restored Journal::restore_if_deleted() {
  if (fd_ < 0 || !deleted(fd_, path_)) return {};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  // Appended to what may be there now (another run's journal, begun meanwhile): every
  // line of this run's is kept.
  const int fresh = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fresh < 0) {
    const int err = errno;
    note(err);
    return {Restored::How::failed, "the journal " + path_ + " was deleted during the run, and could not be written again: " +
                                       std::strerror(err)};
  }
  char buf[1 << 16];
  bool ok = true;
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(fresh, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        ok = false;
        break;
      }
      done += w;
    }
    if (!ok) break;
    at += n;
  }
  if (!ok || ::fdatasync(fresh) != 0) {
    note(errno != 0 ? errno : EIO);
    ::close(fresh);
    return {Restored::How::failed, "the journal " + path_ + " was deleted during the run, and writing it again failed: " + error_};
  }
  ::close(fd_);
  fd_ = fresh;
  return {Restored::How::restored, "the journal " + path_ + " was deleted during the run (git clean?); it is written again, whole"};
}

void Journal::note(int err) {
  if (error_.empty()) error_ = std::strerror(err);
}

Restored RunLock::restore_if_deleted() {
  if (fd_ < 0 || !held_ || !deleted(again_ >= 0 ? again_ : fd_, path_)) return {};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const int fresh = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fresh < 0)
    return {Restored::How::failed, "the run lock " + path_ + " was deleted during the run, and could not be made again: " +
                                       std::strerror(errno)};
  if (::flock(fresh, LOCK_EX | LOCK_NB) != 0) {
    ::close(fresh);
    return {Restored::How::taken, "the run lock " + path_ + " was deleted during the run, and another run has taken the new one"};
  }
  const std::string me = std::to_string(::getpid()) + "\n" + (run_id_.empty() ? "" : run_id_ + "\n");
  if (::ftruncate(fresh, 0) != 0 || ::pwrite(fresh, me.data(), me.size(), 0) < 0) {
  }
  if (again_ >= 0) ::close(again_);
  again_ = fresh;
  return {Restored::How::restored, "the run lock " + path_ + " was deleted during the run; it is held again"};
}

RunLock::~RunLock() {
  if (again_ >= 0) {
    if (::ftruncate(again_, 0) != 0) {
    }
    ::close(again_);
  }
  if (fd_ < 0) return;
  // A clean release leaves no pid behind: the next run only hears of a holder that
  // really died (kill -9, a crash, a power loss).
  if (held_ && ::ftruncate(fd_, 0) != 0) {
  }
  ::close(fd_);
}

Result<std::string> RunLock::acquire(const std::string& path, const std::string& run_id) {
  path_ = path;
  run_id_ = run_id;
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
  const std::string me = std::to_string(::getpid()) + "\n" + (run_id.empty() ? "" : run_id + "\n");
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) < 0) {
    // The lock is held either way; the pid is only a courtesy.
  }
  if (dead > 0 && dead != ::getpid())
    return "took over the lock of pid " + std::to_string(dead) + ", which ended without releasing it";
  return std::string();
}

bool RunLog::log(const std::string& event, int t, int attempt, const std::vector<Field>& extra, bool durable) {
  const auto task = [&]() -> const Task& { return graph_->plan().tasks[static_cast<std::size_t>(t)]; };
  Json j;
  j.begin_object().field("ts", iso_now()).field("run", report_.run_id).field("event", event);
  if (t >= 0) j.field("task", task().id).field("line", task().line);
  // What finds the task again in a later run, whatever edits moved it: its line text.
  if (t >= 0 && (event == "task-started" || event == "task-finished" || event == "attempt-failed" || event == "marked" ||
                 event == "blocked"))
    j.field("text", task_line_text(plan_text_, task()));
  if (attempt > 0) j.field("attempt", attempt);
  for (const Field& f : extra) {
    j.key(f.key);
    if (const auto* s = std::get_if<std::string>(&f.value)) j.value(*s);
    else j.value(std::get<double>(f.value));
  }
  j.end_object();
  return write(j.str(), durable);
}

bool RunLog::write(std::string_view line, bool durable) {
  if (journal_.write(line, durable)) return true;
  failed();
  return false;
}

void RunLog::sync() {
  if (!journal_.sync()) failed();
}

void RunLog::emit(const std::string& kind, int t, int attempt, std::string detail) {
  obs_.on_event(RunEvent{kind, now(), t, attempt, std::move(detail)});
}

// The journal is what the next run trusts: a line that did not reach it fails the run.
void RunLog::failed() {
  const std::string what = "cannot write the journal " + report_.journal_path + ": " + journal_.error() +
                           " (the next run may run finished tasks again)";
  if (std::find(report_.write_errors.begin(), report_.write_errors.end(), what) == report_.write_errors.end())
    report_.write_errors.push_back(what);
}

}  // namespace flow::detail
