// SPDX-License-Identifier: MIT
// The run's control inbox across processes: one JSON file per request.
#include "runtime/control_inbox.hpp"

#include "support/json.hpp"
#include "support/json_value.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow::detail {

namespace {

// A run ID names a directory: letters, digits, '-', '_' and '.', never "." or "..".
bool valid_run_id(const std::string& id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
  });
}

std::string inbox_dir(const std::string& workdir, const std::string& run_id) { return workdir + "/.flow/control/" + run_id; }

std::optional<ControlRequest::Action> action_from(std::string_view word) {
  using A = ControlRequest::Action;
  for (A a : {A::pause, A::resume, A::cancel, A::retry, A::skip})
    if (word == to_string(a)) return a;
  return std::nullopt;
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The request in a file of the inbox, or why not.
Result<ControlRequest> read_request(int dirfd, const char* name) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return make_error(Errc::io, std::string("cannot open it: ") + std::strerror(errno));
  struct stat st {};
  std::string text;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() &&
            static_cast<std::size_t>(st.st_size) <= kMaxControlBytes;
  if (ok) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    ok = got == text.size();
  }
  ::close(fd);
  if (!ok) return make_error(Errc::invalid_argument, "not a regular file of this user of at most 64 KiB");
  const auto j = JsonValue::parse(text);
  if (!j || !j->is_object()) return make_error(Errc::invalid_argument, "not a JSON object");
  ControlRequest r;
  const auto action = action_from((*j)["action"].str());
  if (!action) return make_error(Errc::invalid_argument, "no known action");
  r.action = *action;
  r.task = std::string((*j)["task"].str());
  const double line = (*j)["line"].num();
  r.line = line >= 0 && line < 1e9 ? static_cast<int>(line) : 0;
  r.by = std::string((*j)["by"].str());
  r.hint = std::string((*j)["hint"].str());
  r.id = std::string((*j)["id"].str());
  if (r.task.size() > 256 || r.by.size() > 256 || r.id.size() > 128 || r.hint.size() > kMaxHintBytes)
    return make_error(Errc::invalid_argument, "a field is too long");
  if (r.action != ControlRequest::Action::pause && r.action != ControlRequest::Action::resume && r.task.empty())
    return make_error(Errc::invalid_argument, "no task");
  return r;
}

}  // namespace

std::string run_lock_path(const std::string& workdir, const std::string& tasks_path) {
  std::error_code ec;
  std::string name = fs::relative(tasks_path, workdir, ec).string();
  std::replace(name.begin(), name.end(), '/', '_');
  return workdir + "/.flow/locks/" + name + ".lock";
}

std::optional<LiveRun> live_run(const std::string& lock_path) {
  const int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  // A shared probe: it fails only while a run holds the lock exclusively.
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
    ::close(fd);
    return std::nullopt;
  }
  char buf[256] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  LiveRun run;
  const std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  run.pid = std::strtol(text.c_str(), nullptr, 10);
  if (const auto nl = text.find('\n'); nl != std::string::npos) {
    const auto end = text.find('\n', nl + 1);
    if (end != std::string::npos) run.run_id = text.substr(nl + 1, end - nl - 1);
  }
  return run;
}

Result<std::string> post_control(const std::string& workdir, const std::string& run_id, ControlRequest r) {
  if (!valid_run_id(run_id)) return make_error(Errc::invalid_argument, "'" + run_id + "' is not a run ID");
  if (r.hint.size() > kMaxHintBytes) return make_error(Errc::invalid_argument, "the hint is longer than 16 KiB");
  const std::string dir = inbox_dir(workdir, run_id);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(Errc::not_found, "run " + run_id + " has no control inbox (it ended, or it is an older flow)");
  // Unique among processes and threads: the time, the pid and a counter.
  static std::atomic<unsigned> counter{0};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (r.id.empty()) r.id = std::to_string(ns) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  Json j;
  j.begin_object().field("action", to_string(r.action)).field("task", r.task).field("line", r.line).field("by", r.by)
      .field("hint", r.hint).field("id", r.id).end_object();
  const std::string body = j.str();
  if (body.size() > kMaxControlBytes) return make_error(Errc::invalid_argument, "the request is larger than 64 KiB");
  const std::string tmp = dir + "/.tmp-" + r.id;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(Errc::io, "cannot write to the inbox of run " + run_id + ": " + std::strerror(errno));
  const bool ok = write_all(fd, body) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + r.id + ".json").c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(Errc::io, "cannot write to the inbox of run " + run_id + ": " + std::strerror(ok ? errno : err));
  }
  return r.id;
}

ControlInbox::~ControlInbox() { close(); }

bool ControlInbox::open(const std::string& workdir, const std::string& run_id, std::string* error) {
  if (!valid_run_id(run_id)) {
    if (error) *error = "not a run ID: " + run_id;
    return false;
  }
  std::error_code ec;
  fs::create_directories(workdir + "/.flow/control", ec);
  // Inboxes of runs that died (kill -9 leaves them): a run ID ends with its pid.
  for (const auto& e : fs::directory_iterator(workdir + "/.flow/control", ec)) {
    const std::string name = e.path().filename().string();
    const auto dash = name.rfind('-');
    const long pid = dash == std::string::npos ? 0 : std::strtol(name.c_str() + dash + 1, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
  }
  const std::string dir = inbox_dir(workdir, run_id);
  // Private: only this user may post to the run (the directory is 0700 whatever the umask).
  if (::mkdir(dir.c_str(), 0700) != 0 || ::chmod(dir.c_str(), 0700) != 0) {
    if (error) *error = "cannot create " + dir + ": " + std::strerror(errno);
    return false;
  }
  dir_ = dir;
  return true;
}

std::vector<ControlRequest> ControlInbox::take(std::vector<std::string>* rejected) {
  std::vector<ControlRequest> out;
  if (dir_.empty()) return out;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100)) return out;
  last_ = now;
  const int dirfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return out;
  std::vector<std::string> names;
  if (DIR* d = ::fdopendir(::dup(dirfd))) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.empty() || name[0] == '.') continue;  // ".", "..", and files still being written
      names.push_back(name);
    }
    ::closedir(d);
  }
  // Names start with the time they were posted: sorted, they come oldest first.
  std::sort(names.begin(), names.end());
  if (names.size() > 16) names.resize(16);
  for (const std::string& name : names) {
    auto r = read_request(dirfd, name.c_str());
    ::unlinkat(dirfd, name.c_str(), 0);
    if (r) out.push_back(std::move(*r));
    else if (rejected) rejected->push_back(name.substr(0, 64) + ": " + r.error().message);
  }
  ::close(dirfd);
  return out;
}

void ControlInbox::close() {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
  dir_.clear();
}

}  // namespace flow::detail
