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
  int out_pipe = -1;    // read end of stdout, when lines are streamed
  int out_file = -1;    // the log the streamed lines are copied to
  std::string partial;  // an incomplete last line
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
    posix_spawn_file_actions_addopen(&fa, 0, l.stdin_path.empty() ? "/dev/null" : l.stdin_path.c_str(), O_RDONLY, 0);
    const int out_flags = O_WRONLY | O_CREAT | O_TRUNC;  // not O_CLOEXEC: these become fds 1 and 2
    int pipe_fds[2] = {-1, -1};
    int out_file = -1;
    if (l.on_stdout_line) {
      // Both ends close on exec, so no other child inherits them; dup2 gives the child
      // its fd 1 without the flag.
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return make_error(Errc::spawn, std::string("cannot create a pipe: ") + std::strerror(errno));
      if (!l.stdout_path.empty()) out_file = ::open(l.stdout_path.c_str(), out_flags | O_CLOEXEC, 0644);
      posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], 1);
    } else {
      posix_spawn_file_actions_addopen(&fa, 1, l.stdout_path.empty() ? "/dev/null" : l.stdout_path.c_str(), out_flags, 0644);
    }
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
    if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
    if (rc != 0) {
      if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
      if (out_file >= 0) ::close(out_file);
      return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(rc));
    }
    Child c;
    c.launch = l;
    c.pid = pid;
    c.pidfd = pidfd_open(pid);
    c.out_pipe = pipe_fds[0];
    c.out_file = out_file;
    if (c.out_pipe >= 0) ::fcntl(c.out_pipe, F_SETFL, ::fcntl(c.out_pipe, F_GETFL) | O_NONBLOCK);
    c.started = Clock::now();
    children_.emplace(pid, std::move(c));
    return static_cast<long>(pid);  // the group leader: the group id is its pid
  }

  std::optional<Completion> wait(double timeout) override {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::max(0.0, timeout)));
    for (;;) {
      for (auto& [pid, c] : children_) pump(c);
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
      std::size_t pidfds = 0;
      for (const auto& [pid, c] : children_) {
        if (c.pidfd >= 0) fds.push_back({c.pidfd, POLLIN, 0}), ++pidfds;
        if (c.out_pipe >= 0) fds.push_back({c.out_pipe, POLLIN, 0});
      }
      if (pidfds == children_.size()) {
        ::poll(fds.data(), fds.size(), std::max(0, ms));
      } else {
        // No pidfd (old kernel): poll the exit status every few milliseconds.
        ::poll(fds.data(), fds.size(), std::min(std::max(0, ms), 5));
      }
    }
  }

  void cancel_all() noexcept override {
    // What they print from here on goes to their logs only: the parsers that asked for
    // the lines may be gone (this also runs from the destructor).
    for (auto& [pid, c] : children_) {
      c.launch.on_stdout_line = nullptr;
      c.partial.clear();
      ::kill(-pid, SIGTERM);
    }
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
      pump(it->second);             // all the leader wrote is in the pipe by now
      flush_partial(it->second);
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

  // Reads what the child's stdout pipe holds, without blocking, and hands out the
  // complete lines.
  static void pump(Child& c) {
    if (c.out_pipe < 0) return;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(c.out_pipe, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return;  // EAGAIN: nothing more for now
      if (n == 0) {       // every writer closed it
        flush_partial(c);
        ::close(c.out_pipe);
        c.out_pipe = -1;
        return;
      }
      if (c.out_file >= 0) write_all(c.out_file, buf, static_cast<std::size_t>(n));
      if (!c.launch.on_stdout_line) continue;
      std::string_view chunk(buf, static_cast<std::size_t>(n));
      for (std::size_t nl = chunk.find('\n'); nl != std::string_view::npos; nl = chunk.find('\n')) {
        if (c.partial.empty()) {
          c.launch.on_stdout_line(chunk.substr(0, nl));
        } else {
          c.partial.append(chunk.substr(0, nl));
          c.launch.on_stdout_line(c.partial);
          c.partial.clear();
        }
        chunk.remove_prefix(nl + 1);
      }
      c.partial.append(chunk);
    }
  }

  static void flush_partial(Child& c) {
    if (c.partial.empty() || !c.launch.on_stdout_line) return;
    c.launch.on_stdout_line(c.partial);
    c.partial.clear();
  }

  static void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // the copy is best effort; the lines still reach the parser
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  static void close_child(Child& c) {
    if (c.pidfd >= 0) ::close(c.pidfd);
    if (c.out_pipe >= 0) ::close(c.out_pipe);
    if (c.out_file >= 0) ::close(c.out_file);
    c.pidfd = c.out_pipe = c.out_file = -1;
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
