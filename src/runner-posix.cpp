// SPDX-License-Identifier: MIT
// The POSIX process runner: posix_spawn into a new process group, pidfd + poll to wait
// with timeouts, wait4 for rusage, group kills on timeout and after exit.
#include <flow/runner.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

struct Child {
  Launch launch;
  pid_t pid = -1;
  int pidfd = -1;
  Clock::time_point started;
  bool term_sent = false;
  Clock::time_point kill_at;
};

class ProcessRunner final : public Runner {
 public:
  ~ProcessRunner() override { cancel_all(); }

  Result<long> start(const Launch& l) override {
    if (l.argv.empty() || l.argv[0].empty()) return make_error(Errc::spawn, "empty command");
    // The environment: ours, with the launch's variables replacing or adding.
    std::vector<std::string> env_store;
    for (char** e = environ; e && *e; ++e) {
      const std::string_view kv(*e);
      const std::string_view key = kv.substr(0, kv.find('='));
      const bool replaced = std::any_of(l.env.begin(), l.env.end(), [&](const std::string& x) {
        return x.size() > key.size() && x.compare(0, key.size(), key) == 0 && x[key.size()] == '=';
      });
      if (!replaced) env_store.emplace_back(kv);
    }
    env_store.insert(env_store.end(), l.env.begin(), l.env.end());
    std::vector<char*> envp, argv;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_store = l.argv;
    for (auto& s : argv_store) argv.push_back(s.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    const int out_flags = O_WRONLY | O_CREAT | O_TRUNC;  // not O_CLOEXEC: these become fds 1 and 2
    posix_spawn_file_actions_addopen(&fa, 1, l.stdout_path.empty() ? "/dev/null" : l.stdout_path.c_str(), out_flags, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, l.stderr_path.empty() ? "/dev/null" : l.stderr_path.c_str(), out_flags, 0644);
    if (!l.workdir.empty()) posix_spawn_file_actions_addchdir_np(&fa, l.workdir.c_str());
    // Its own process group (the group is what timeouts and cleanup kill), with default
    // signal dispositions and an empty mask whatever the parent has.
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
      return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(rc));
    Child c;
    c.launch = l;
    c.pid = pid;
    c.pidfd = pidfd_open(pid);
    c.started = Clock::now();
    children_.emplace(pid, std::move(c));
    return static_cast<long>(pid);  // the group leader: the group id is its pid
  }

  std::optional<Completion> wait(double timeout) override {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, timeout)));
    for (;;) {
      if (auto c = reap()) return c;
      if (children_.empty()) return std::nullopt;
      enforce_timeouts();
      // Sleep until a child ends, a timeout is due, or our own deadline.
      auto wake = deadline;
      for (const auto& [pid, c] : children_) {
        if (c.term_sent) wake = std::min(wake, c.kill_at);
        else if (c.launch.timeout > 0)
          wake = std::min(wake, c.started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.launch.timeout)));
      }
      const auto now = Clock::now();
      if (now >= deadline) return reap();
      int ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count()) + 1;
      std::vector<pollfd> fds;
      for (const auto& [pid, c] : children_)
        if (c.pidfd >= 0) fds.push_back({c.pidfd, POLLIN, 0});
      if (fds.size() == children_.size()) {
        ::poll(fds.data(), fds.size(), std::max(0, ms));
      } else {
        // No pidfd (old kernel): poll the exit status every few milliseconds.
        ::poll(nullptr, 0, std::min(std::max(0, ms), 5));
      }
    }
  }

  void cancel_all() noexcept override {
    for (auto& [pid, c] : children_) ::kill(-pid, SIGTERM);
    const auto until = Clock::now() + std::chrono::seconds(2);
    while (!children_.empty() && Clock::now() < until) {
      if (!reap()) ::poll(nullptr, 0, 10);
    }
    for (auto& [pid, c] : children_) ::kill(-pid, SIGKILL);
    while (!children_.empty()) {
      const auto pid = children_.begin()->first;
      int status = 0;
      ::waitpid(pid, &status, 0);
      close_child(children_.begin()->second);
      children_.erase(children_.begin());
    }
  }

  int running() const noexcept override { return static_cast<int>(children_.size()); }

 private:
  // One ended child, if any, reaped with its rusage; its group's stragglers are killed.
  std::optional<Completion> reap() {
    for (auto it = children_.begin(); it != children_.end(); ++it) {
      // Look without reaping: while the leader is a zombie its id (and so its group's)
      // cannot be reused, so the group kill below cannot hit a stranger.
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(it->first), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
        continue;
      ::kill(-it->first, SIGKILL);  // whatever it left behind in its group
      int status = 0;
      rusage ru{};
      const pid_t r = ::wait4(it->first, &status, 0, &ru);
      Child& c = it->second;
      Completion done;
      done.task = c.launch.task;
      done.attempt = c.launch.attempt;
      done.seconds = since(c.started);
      done.timed_out = c.term_sent;
      if (r == it->first) {
        if (WIFEXITED(status)) done.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status)) done.signal = WTERMSIG(status);
        done.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
        done.max_rss_kb = ru.ru_maxrss;
      }
      close_child(c);
      children_.erase(it);
      return done;
    }
    return std::nullopt;
  }

  void enforce_timeouts() {
    const auto now = Clock::now();
    for (auto& [pid, c] : children_) {
      if (c.launch.timeout <= 0) continue;
      if (!c.term_sent && since(c.started) >= c.launch.timeout) {
        ::kill(-pid, SIGTERM);
        c.term_sent = true;
        c.kill_at = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(c.launch.kill_grace));
      } else if (c.term_sent && now >= c.kill_at) {
        ::kill(-pid, SIGKILL);
      }
    }
  }

  static void close_child(Child& c) {
    if (c.pidfd >= 0) ::close(c.pidfd);
    c.pidfd = -1;
  }

  std::map<pid_t, Child> children_;
};

}  // namespace

std::unique_ptr<Runner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

Result<std::vector<std::string>> split_command(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      const std::size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos) return make_error(Errc::invalid_argument, "unclosed ' in the command");
      cur.append(s.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < s.size() && s[j] != '"'; ++j) {
        if (s[j] == '\\' && j + 1 < s.size() && (s[j + 1] == '"' || s[j + 1] == '\\')) ++j;
        cur += s[j];
      }
      if (j >= s.size()) return make_error(Errc::invalid_argument, "unclosed \" in the command");
      in_word = true;
      i = j;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  if (out.empty()) return make_error(Errc::invalid_argument, "the command is empty");
  return out;
}

FLOW_END_NAMESPACE
}  // namespace flow
