// SPDX-License-Identifier: MIT
// The Runner seam: starting task attempts as processes and collecting how they ended.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// An attempt's process, once it exists and before it runs its program.
struct Started {
  long pgid = 0;           ///< its process group; 0 when the container alone holds it (on_started)
  std::string container;   ///< what holds all its descendants: a cgroup directory, or "tag:<token>"
};

/// One attempt to start. `argv` is passed as is: no shell ever sees it.
struct Launch {
  int task = -1;
  int attempt = 1;
  std::vector<std::string> argv;
  std::vector<std::string> env;   ///< "KEY=VALUE" set on top of the inherited environment
  std::string workdir;            ///< empty: the current directory
  std::string stdin_path;         ///< what stdin reads; empty: /dev/null (agents never wait on a terminal)
  std::string stdout_path;        ///< where stdout goes (created, truncated); empty: /dev/null
  std::string stderr_path;
  /// When set, stdout comes through a pipe: every complete line is written to
  /// `stdout_path` and handed to this callback (without its newline) as it arrives, on
  /// the thread that calls Runner::wait. A last line without a newline comes at the end.
  std::function<void(std::string_view line)> on_stdout_line;
  /// When set, called before the program can run, so that what this records (the
  /// journal line a later run needs to stop it) is in place before it can do anything.
  /// Either once the attempt's process exists (in its own process group and container),
  /// held until this returns: should flow die meanwhile, it exits without running the
  /// program. Or, where the attempt gets a cgroup of its own that the kernel starts it
  /// in (Linux 5.7, x86-64), before the process exists, with `pgid` 0: the cgroup holds
  /// it, and all it starts, from its first instruction.
  std::function<void(const Started&)> on_started;
  double timeout = 0;             ///< seconds; 0: none
  /// Seconds with no output (stdout, stderr) and no file change under `workdir` (its
  /// `.git`, `node_modules` and flow's own `.flow` aside) after which the attempt is
  /// killed like a timeout and reported `stalled`; 0: no watch.
  double stall_timeout = 0;
  double kill_grace = 5;          ///< seconds between SIGTERM and SIGKILL after a timeout
  /// The most each of stdout_path and stderr_path grows to: beyond it the first half of
  /// the output and its last half are kept, with a line saying how much was cut between.
  /// When the two are one path, both streams go to that one file in the order they
  /// come, and the cap is the file's. 0: no cap.
  std::size_t max_log_bytes = kDefaultMaxLogBytes;
  static constexpr std::size_t kDefaultMaxLogBytes = std::size_t{16} << 20;
};

/// How an attempt ended. A non-zero exit is data, not an Error.
struct Completion {
  int task = -1;
  int attempt = 0;
  int exit_code = -1;             ///< when it exited; -1 when killed by a signal
  int signal = 0;                 ///< the signal that ended it, 0 if none
  bool timed_out = false;         ///< it ran past its timeout and was killed
  bool stalled = false;           ///< it was killed for saying and changing nothing (Launch::stall_timeout)
  double seconds = 0;             ///< wall time
  double cpu_seconds = 0;         ///< user + system time of the process (rusage)
  long max_rss_kb = 0;            ///< its peak resident memory
  /// Processes it left outside its process group (a daemon in a session of its own)
  /// that were still running when its leader exited; the runner stopped them.
  int strays = 0;
};

/// Starts and reaps attempts. The process runner (make_process_runner) is the real one;
/// tests may use their own. Thread safety: used by one thread, the run loop's.
class FLOW_API Runner {
 public:
  virtual ~Runner() = default;
  /// Starts an attempt and returns what identifies it outside flow (the process runner:
  /// its process group id), for the journal. Failure to start (no such program …) is an
  /// Error (Errc::spawn).
  virtual Result<long> start(const Launch& launch) = 0;
  /// The next attempt to end, waiting at most `timeout` seconds; nullopt if none ended
  /// by then (or nothing runs). Enforces the attempts' timeouts and delivers stdout
  /// lines (Launch::on_stdout_line) meanwhile.
  virtual std::optional<Completion> wait(double timeout) = 0;
  /// Kills every running attempt's process group (SIGTERM, then SIGKILL).
  virtual void cancel_all() noexcept = 0;
  /// Ends the running attempt of `task` as its timeout would (SIGTERM to its group, then
  /// SIGKILL after the grace); its Completion comes from wait() as usual. False when no
  /// attempt of it runs, or the runner cannot (this default).
  virtual bool cancel(int task) noexcept {
    (void)task;
    return false;
  }
  [[nodiscard]] virtual int running() const noexcept = 0;
};

/// The POSIX runner: argv only, stdin from /dev/null, each attempt in its own process
/// group, stdout/stderr to files; a timeout sends SIGTERM to the group and SIGKILL after
/// the grace period; when an attempt's leader exits, what it left is killed too (no
/// orphans); peak memory and CPU time from rusage. Each attempt's whole process tree is
/// contained: in a cgroup v2 of its own where flow may create one (under its own
/// cgroup), otherwise found through /proc by a tag in its environment
/// (FLOW_PROCESS_TAG), so that a daemon started with setsid is stopped with it.
/// FLOW_NO_CGROUP=1 in flow's environment forces the /proc way. Attempts are started by
/// a thread the runner makes at its first start() (every signal blocked in it) with
/// clone(CLONE_VM | CLONE_VFORK), not fork, so a start costs the same however much
/// memory the process holds; every signal is default and unblocked in the attempt.
[[nodiscard]] FLOW_API std::unique_ptr<Runner> make_process_runner();

/// Whether `program` can be started: a path (with a '/') that is executable, or a name
/// found executable on PATH.
[[nodiscard]] FLOW_API bool find_program(const std::string& program);

/// Splits an agent command template into argv, once, the way a shell splits words but
/// with no expansion at all: whitespace separates; '…' is literal; "…" allows \" and \\;
/// a backslash outside quotes escapes the next character. Errc::invalid_argument on an
/// unclosed quote or an empty command.
[[nodiscard]] FLOW_API Result<std::vector<std::string>> split_command(std::string_view command);

FLOW_END_NAMESPACE
}  // namespace flow
