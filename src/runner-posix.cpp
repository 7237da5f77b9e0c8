// SPDX-License-Identifier: MIT
// The POSIX process runner: posix_spawn into a new process group, and a Boost.Asio
// event loop that waits on each attempt's pidfd, reads its stdout pipe line by line and
// runs its timeout timers; wait4 for rusage; group kills on timeout and after exit.
// (Boost.Process v2 was measured against posix_spawn: benchmarks/spawn_compare.)
#include <flow/runner.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <utility>
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

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using Descriptor = asio::posix::stream_descriptor;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
// Seconds as a clock duration, saturated: a huge, infinite or NaN value must not overflow
// the nanosecond count into the past (which would time an attempt out at once).
Clock::duration seconds(double s) {
  constexpr double kMax = 1e9;  // ~31 years, far inside the clock's range
  if (!(s > 0)) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::min(s, kMax)));
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

constexpr std::size_t kReadSize = 65536;

// One of an attempt's outputs: a pipe flow reads, copied to its log with the log capped
// (Launch::max_log_bytes): the first half is written as it comes, the last half kept in
// memory and written when the stream ends, with a line that says how much was cut.
struct Stream {
  std::unique_ptr<Descriptor> pipe;
  std::unique_ptr<char[]> buf;         // what `pipe` reads into
  int file = -1;                       // the log; -1: none (/dev/null)
  std::size_t head = 0;                // bytes written to the log so far
  std::string tail;                    // beyond the head: the latest bytes, up to 2 × the tail cap
  std::size_t beyond = 0;              // bytes that came after the head

  void capture(std::string_view chunk, std::size_t cap) {
    if (file < 0) return;
    const std::size_t head_cap = cap == 0 ? static_cast<std::size_t>(-1) : cap - cap / 2;
    if (head < head_cap) {
      const std::size_t n = std::min(chunk.size(), head_cap - head);
      write_all(file, chunk.data(), n);
      head += n;
      chunk.remove_prefix(n);
    }
    if (chunk.empty()) return;
    beyond += chunk.size();
    tail.append(chunk);
    if (tail.size() > cap) tail.erase(0, tail.size() - cap / 2);  // amortized: at most 2 × cap/2 kept
  }

  // Writes the kept tail (and what was cut) and closes the log.
  void close_log(std::size_t cap) {
    if (file < 0) return;
    const std::size_t keep = std::min(tail.size(), cap / 2);
    if (beyond > keep) {
      const std::string note = "\n[flow: " + std::to_string(beyond - keep) + " bytes of output cut here; the first " +
                               std::to_string(head) + " and the last " + std::to_string(keep) + " bytes are kept]\n";
      write_all(file, note.data(), note.size());
    }
    write_all(file, tail.data() + (tail.size() - keep), keep);
    tail.clear();
    ::close(file);
    file = -1;
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
};

struct Child {
  Launch launch;
  pid_t pid = -1;
  Clock::time_point started;
  bool term_sent = false;
  bool exited = false;                 // the leader has exited (not reaped yet)
  std::unique_ptr<Descriptor> pidfd;   // readable when the leader exits; null on old kernels
  Stream streams[2];                   // stdout, stderr
  std::string partial;                 // an incomplete last line of stdout
  std::unique_ptr<asio::steady_timer> timer;  // timeout, then the grace before SIGKILL
  std::unique_ptr<asio::steady_timer> drain;  // after exit: how long the pipe may stay open
  // The stall watch: when it last said or changed something, and what that looked like.
  std::unique_ptr<asio::steady_timer> stall;
  Clock::time_point last_sign;
  std::string fingerprint;
  bool stalled = false;
};

// What an attempt has changed so far: the newest modification time and the number of
// entries under its directory (.git and node_modules skipped). Its output is seen as it
// is read. Cheap next to the minutes a stall timeout lasts; bounded for huge trees.
std::string fingerprint(const Launch& l) {
  namespace fs = std::filesystem;
  if (l.workdir.empty()) return {};
  std::error_code ec;
  fs::file_time_type newest{};
  long long entries = 0;
  fs::recursive_directory_iterator it(l.workdir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end && entries < 200000; it.increment(ec)) {
    ++entries;
    if (it->path().filename() == ".git" || it->path().filename() == "node_modules") {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code e2;
    const auto t = it->symlink_status(e2).type() == fs::file_type::symlink ? fs::file_time_type{} : it->last_write_time(e2);
    if (!e2 && t > newest) newest = t;
  }
  return std::to_string(newest.time_since_epoch().count()) + "," + std::to_string(entries);
}

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
    // stdout and stderr come through pipes that flow reads (so their logs can be capped
    // and stdout's lines streamed); a stream with no log goes to /dev/null. Both pipe
    // ends close on exec, so no other child inherits them; dup2 gives the child its fds
    // without the flag.
    const int out_flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    int pipes[2][2] = {{-1, -1}, {-1, -1}};
    int files[2] = {-1, -1};
    auto undo = [&] {
      for (auto& p : pipes)
        for (int& fd : p)
          if (fd >= 0) ::close(std::exchange(fd, -1));
      for (int& fd : files)
        if (fd >= 0) ::close(std::exchange(fd, -1));
    };
    for (int k = 0; k < 2; ++k) {
      const std::string& path = k == 0 ? l.stdout_path : l.stderr_path;
      if (path.empty() && !(k == 0 && l.on_stdout_line)) {
        posix_spawn_file_actions_addopen(&fa, k + 1, "/dev/null", O_WRONLY, 0);
        continue;
      }
      if (::pipe2(pipes[k], O_CLOEXEC) != 0) {
        const int err = errno;
        undo();
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return make_error(Errc::spawn, std::string("cannot create a pipe: ") + std::strerror(err));
      }
      // The same file for both (stdout_path == stderr_path): one descriptor, shared.
      if (!path.empty()) files[k] = k == 1 && path == l.stdout_path && files[0] >= 0 ? ::dup(files[0]) : ::open(path.c_str(), out_flags, 0644);
      if (!path.empty() && files[k] < 0) {  // no attempt runs without its log
        const int err = errno;
        undo();
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return make_error(Errc::spawn, "cannot create the log " + path + ": " + std::strerror(err));
      }
      posix_spawn_file_actions_adddup2(&fa, pipes[k][1], k + 1);
    }
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
    for (auto& p : pipes)
      if (p[1] >= 0) ::close(std::exchange(p[1], -1));
    if (rc != 0) {
      undo();
      return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(rc));
    }
    Child& c = children_[pid];
    c.launch = l;
    c.pid = pid;
    c.started = Clock::now();
    if (const int fd = pidfd_open(pid); fd >= 0) {
      c.pidfd = std::make_unique<Descriptor>(ctx_, fd);
      c.pidfd->async_wait(Descriptor::wait_read, [this, pid](const boost::system::error_code& ec) {
        if (!ec) on_exit(pid);
      });
    } else {
      poll_exits();  // no pidfd (an old kernel): look every few milliseconds
    }
    for (int k = 0; k < 2; ++k) {
      Stream& st = c.streams[k];
      st.file = files[k];
      if (pipes[k][0] < 0) continue;
      st.pipe = std::make_unique<Descriptor>(ctx_, pipes[k][0]);
      st.pipe->non_blocking(true);
      st.buf.reset(new char[kReadSize]);
      read_more(pid, k);
    }
    if (l.timeout > 0) {
      c.timer = std::make_unique<asio::steady_timer>(ctx_, seconds(l.timeout));
      c.timer->async_wait([this, pid](const boost::system::error_code& ec) {
        if (!ec) on_timeout(pid);
      });
    }
    if (l.stall_timeout > 0) {
      c.last_sign = c.started;
      c.fingerprint = fingerprint(l);
      c.stall = std::make_unique<asio::steady_timer>(ctx_);
      watch_stall(pid);
    }
    return static_cast<long>(pid);  // the group leader: the group id is its pid
  }

  std::optional<Completion> wait(double timeout) override {
    const auto deadline = Clock::now() + seconds(std::max(0.0, timeout));
    while (done_.empty() && !children_.empty()) {
      if (ctx_.stopped()) ctx_.restart();
      if (Clock::now() >= deadline) {
        ctx_.poll();  // whatever is ready already
        break;
      }
      ctx_.run_one_until(deadline);
    }
    if (done_.empty()) return std::nullopt;
    Completion c = done_.front();
    done_.pop_front();
    return c;
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
      bool any = false;
      for (auto it = children_.begin(); it != children_.end();) {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(it->first), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0) {
          ::kill(-it->first, SIGKILL);
          int status = 0;
          ::waitpid(it->first, &status, 0);
          close_child(it->second);
          it = children_.erase(it);
          any = true;
        } else {
          ++it;
        }
      }
      if (!any) ::poll(nullptr, 0, 10);
    }
    for (auto& [pid, c] : children_) ::kill(-pid, SIGKILL);
    while (!children_.empty()) {
      int status = 0;
      ::waitpid(children_.begin()->first, &status, 0);
      close_child(children_.begin()->second);
      children_.erase(children_.begin());
    }
    done_.clear();
  }

  int running() const noexcept override { return static_cast<int>(children_.size()); }

 private:
  // Looks a few times per stall period for a sign of life; none for the whole period
  // ends the attempt like a timeout.
  void watch_stall(pid_t pid) {
    Child& c = children_.at(pid);
    c.stall->expires_after(seconds(std::max(0.05, c.launch.stall_timeout / 4)));
    c.stall->async_wait([this, pid](const boost::system::error_code& ec) {
      auto it = children_.find(pid);
      if (ec || it == children_.end() || it->second.exited || it->second.term_sent) return;
      Child& ch = it->second;
      if (std::string now = fingerprint(ch.launch); now != ch.fingerprint) {
        ch.fingerprint = std::move(now);
        ch.last_sign = Clock::now();
      }
      if (since(ch.last_sign) >= ch.launch.stall_timeout) {
        ch.stalled = true;
        if (!ch.timer) ch.timer = std::make_unique<asio::steady_timer>(ctx_);
        ch.timer->cancel();
        return on_timeout(pid);
      }
      watch_stall(pid);
    });
  }

  void on_timeout(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end() || it->second.exited) return;
    Child& c = it->second;
    if (!c.term_sent) {
      ::kill(-pid, SIGTERM);
      c.term_sent = true;
      c.timer->expires_after(seconds(c.launch.kill_grace));
      c.timer->async_wait([this, pid](const boost::system::error_code& ec) {
        if (!ec) on_timeout(pid);
      });
    } else {
      ::kill(-pid, SIGKILL);
    }
  }

  // The leader exited. Its group's stragglers are killed at once; the attempt completes
  // when its stdout pipe is drained (at most a second more, should something outside
  // the group hold it open).
  void on_exit(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end() || it->second.exited) return;
    Child& c = it->second;
    // While the leader is a zombie its id (and so its group's) cannot be reused, so
    // this kill cannot hit a stranger.
    ::kill(-pid, SIGKILL);
    c.exited = true;
    if (c.timer) c.timer->cancel();
    if (c.stall) c.stall->cancel();
    if (!c.streams[0].pipe && !c.streams[1].pipe) return complete(pid);
    c.drain = std::make_unique<asio::steady_timer>(ctx_, std::chrono::seconds(1));
    c.drain->async_wait([this, pid](const boost::system::error_code& ec) {
      auto found = children_.find(pid);
      if (ec || found == children_.end()) return;
      for (Stream& st : found->second.streams)
        if (st.pipe) st.pipe->cancel();
    });
  }

  // Old kernels: a timer that checks every child for an exit every 5 ms.
  void poll_exits() {
    if (polling_) return;
    polling_ = std::make_unique<asio::steady_timer>(ctx_, std::chrono::milliseconds(5));
    polling_->async_wait([this](const boost::system::error_code& ec) {
      polling_.reset();
      if (ec) return;
      std::vector<pid_t> ended;
      for (const auto& [pid, c] : children_) {
        siginfo_t info{};
        if (!c.pidfd && !c.exited && ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid != 0)
          ended.push_back(pid);
      }
      for (pid_t pid : ended) on_exit(pid);
      if (std::any_of(children_.begin(), children_.end(), [](const auto& kv) { return !kv.second.pidfd && !kv.second.exited; }))
        poll_exits();
    });
  }

  void read_more(pid_t pid, int k) {
    Stream& st = children_.at(pid).streams[k];
    st.pipe->async_read_some(asio::buffer(st.buf.get(), kReadSize),
                             [this, pid, k](const boost::system::error_code& ec, std::size_t n) {
                               auto it = children_.find(pid);
                               if (it == children_.end()) return;
                               Child& ch = it->second;
                               Stream& s = ch.streams[k];
                               if (n > 0) {
                                 ch.last_sign = Clock::now();  // output on either stream: alive
                                 s.capture(std::string_view(s.buf.get(), n), ch.launch.max_log_bytes);
                                 if (k == 0) deliver(ch, std::string_view(s.buf.get(), n));
                               }
                               if (!ec) return read_more(pid, k);
                               // End of file, an error, or the drain deadline: no more lines.
                               if (k == 0) flush_partial(ch);
                               s.pipe.reset();
                               if (ch.exited && !ch.streams[0].pipe && !ch.streams[1].pipe) complete(pid);
                             });
  }

  static void deliver(Child& c, std::string_view chunk) {
    if (!c.launch.on_stdout_line) return;
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

  static void flush_partial(Child& c) {
    if (c.partial.empty() || !c.launch.on_stdout_line) return;
    c.launch.on_stdout_line(c.partial);
    c.partial.clear();
  }

  // Reaps an exited leader with its rusage and queues its completion.
  void complete(pid_t pid) {
    auto it = children_.find(pid);
    if (it == children_.end()) return;
    Child& c = it->second;
    int status = 0;
    rusage ru{};
    const pid_t r = ::wait4(pid, &status, 0, &ru);
    Completion done;
    done.task = c.launch.task;
    done.attempt = c.launch.attempt;
    done.seconds = since(c.started);
    done.stalled = c.stalled;
    done.timed_out = c.term_sent && !c.stalled;
    if (r == pid) {
      if (WIFEXITED(status)) done.exit_code = WEXITSTATUS(status);
      else if (WIFSIGNALED(status)) done.signal = WTERMSIG(status);
      done.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
      done.max_rss_kb = ru.ru_maxrss;
    }
    close_child(c);
    children_.erase(it);
    done_.push_back(done);
  }

  static void close_child(Child& c) {
    // Destroying a descriptor or timer cancels what waits on it; those handlers find
    // the child gone and do nothing.
    c.pidfd.reset();
    c.timer.reset();
    c.stall.reset();
    c.drain.reset();
    for (Stream& st : c.streams) {
      st.pipe.reset();
      st.close_log(c.launch.max_log_bytes);
    }
  }

  asio::io_context ctx_{1};            // declared first: outlives the descriptors below
  std::unique_ptr<asio::steady_timer> polling_;
  std::map<pid_t, Child> children_;
  std::deque<Completion> done_;
};

}  // namespace

std::unique_ptr<Runner> make_process_runner() { return std::make_unique<ProcessRunner>(); }

bool find_program(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

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
