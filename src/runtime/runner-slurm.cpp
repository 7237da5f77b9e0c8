// SPDX-License-Identifier: MIT
// The Slurm runner: one batch job per attempt (sbatch), followed with squeue and
// scontrol and through the shared filesystem (its output as the job writes it, its exit
// status as soon as the program ends), ended with scancel. The Slurm commands run with argv through detail::exec, never a shell.
#include <flow/slurm.hpp>

#include "platform/exec.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The job script. It is the same for every attempt: what differs (the program and its
// arguments, the environment, the directory and the three paths) is read from
// NUL-separated files in the attempt's folder, so no task text ever reaches a shell.
constexpr const char* kJobScript = R"job(#!/bin/bash
# Written by flow: runs one task attempt on a Slurm node. What to run is read from the
# NUL-separated files in the folder given as $1; nothing here depends on the task.
set -u
d=$1
# Fenced: flow is done with this attempt (it ended, was cancelled or replaced).
[ -e "$d/fenced" ] && exit 125
# The job is not held in the queue (a release costs a scheduling cycle per wave): the
# agent starts only once flow has journaled the job and written "go". A flow that died
# before that leaves nothing to run: give up after a minute.
for ((i = 0; i < 1200; i++)); do
  [ -e "$d/go" ] && break
  [ -e "$d/fenced" ] && exit 125
  sleep 0.05
done
[ -e "$d/go" ] && [ ! -e "$d/fenced" ] || exit 125
mapfile -d '' -t io <"$d/io" && mapfile -d '' -t argv <"$d/argv" || exit 126
while IFS= read -r -d '' kv; do export -- "$kv"; done <"$d/env"
cd -- "${io[0]}" || exit 126
exec <"${io[1]}" >>"${io[2]}" 2>>"${io[3]}"
"${argv[@]}"
rc=$?
# The program's CPU time for flow's report: the second line of `times` is the user and
# system time of the shell's children (theirs included), e.g. "0m1.250s 0m0.031s".
times >"$d/times" 2>/dev/null
# The exit status, for flow to see on the shared filesystem at once rather than at its
# next look at the queue; then end as the program did (a signal again as a signal, so
# that Slurm's ExitCode says which).
echo "$rc" >"$d/status.tmp" && mv -f -- "$d/status.tmp" "$d/status"
if [ "$rc" -gt 128 ]; then trap - "$((rc - 128))" 2>/dev/null; kill "-$((rc - 128))" "$$" 2>/dev/null; fi
exit "$rc"
)job";

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool write_file(const std::string& path, const std::string& data, bool executable = false) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0755 : 0644);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return ::close(fd) == 0 && done == data.size();
}

std::string nul_joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += s;
    out += '\0';
  }
  return out;
}

std::string absolute(const std::string& path, const char* empty) {
  if (path.empty()) return empty;
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  return ec ? path : p.string();
}

// sbatch expands %j and friends in --output: a literal '%' is written "%%"; a backslash
// turns the expansion off altogether, so such a path gets no Slurm log.
std::string sbatch_pattern(const std::string& path) {
  if (path.find('\\') != std::string::npos) return "/dev/null";
  std::string out;
  for (char c : path) {
    out += c;
    if (c == '%') out += '%';
  }
  return out + "/slurm-%j.log";
}

// States in which a job has ended for good (squeue --states=all, scontrol's JobState).
bool terminal(const std::string& s) {
  static const std::set<std::string> ended = {"COMPLETED", "FAILED",   "CANCELLED", "TIMEOUT",  "NODE_FAIL",
                                              "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED",
                                              "SPECIAL_EXIT"};
  return ended.count(s) > 0;
}

// Endings that are the cluster's doing, not the program's: flow's policy retries them.
bool infrastructure(const std::string& s) {
  return s == "NODE_FAIL" || s == "PREEMPTED" || s == "BOOT_FAIL" || s == "DEADLINE" || s == "REVOKED" || s == "LOST";
}

// A field of `scontrol show job -o` ("JobState=FAILED Reason=… ExitCode=3:0 …").
std::string field(const std::string& line, const std::string& key) {
  const std::string needle = " " + key + "=";
  std::size_t at = (" " + line).find(needle);
  if (at == std::string::npos) return {};
  at += needle.size() - 1;  // in `line`, past "key="
  const std::size_t end = line.find_first_of(" \n", at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::atomic<unsigned> g_serial{0};

struct Job {
  Launch launch;
  long id = 0;
  std::string dir;                     // the attempt's folder of job files
  Clock::time_point submitted;
  std::optional<Clock::time_point> running_since;  // first seen RUNNING
  Clock::time_point last_sign;         // last output: the stall watch
  Clock::time_point cancelled_at;
  bool cancelled = false;              // flow sent scancel (timeout or stall)
  bool killed = false;                 // … and, that not being enough, SIGKILL
  bool timed_out = false, stalled = false;
  int misses = 0;                      // polls in a row that did not find the job
  std::string state, node;
  int out_fd = -1;                     // stdout, read as the job writes it
  off_t out_offset = 0;
  off_t err_size = 0;
  std::string partial;                 // an incomplete last line of stdout
};

class SlurmRunner final : public Runner {
 public:
  explicit SlurmRunner(SlurmOptions o) : opt_(std::move(o)) {}
  ~SlurmRunner() override { cancel_all(); }
  SlurmRunner(const SlurmRunner&) = delete;
  SlurmRunner& operator=(const SlurmRunner&) = delete;

  Result<long> start(const Launch& l) override {
    if (l.argv.empty()) return make_error(Errc::spawn, "no program to start");
    const std::string spool = spool_for(l);
    if (spool.empty()) return make_error(Errc::spawn, "cannot create a folder for the Slurm job files");
    const std::string dir = spool + "/t" + std::to_string(l.task) + "." + std::to_string(l.attempt) + "-" +
                            std::to_string(::getpid()) + "-" + std::to_string(++g_serial);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return make_error(Errc::spawn, "cannot create " + dir + ": " + ec.message());
    const std::string out = absolute(l.stdout_path, "/dev/null"), err = absolute(l.stderr_path, "/dev/null");
    const bool files_ok = write_file(dir + "/job.sh", kJobScript, true) && write_file(dir + "/argv", nul_joined(l.argv)) &&
                          write_file(dir + "/env", nul_joined(l.env)) &&
                          write_file(dir + "/io", nul_joined({absolute(l.workdir, "."), absolute(l.stdin_path, "/dev/null"), out, err}));
    // The logs exist (empty) before the job does: the job appends, flow reads from 0.
    const bool logs_ok = (out == "/dev/null" || write_file(out, "")) && (err == "/dev/null" || write_file(err, ""));
    if (!files_ok || !logs_ok) return make_error(Errc::spawn, "cannot write the job files in " + dir + ": " + std::strerror(errno));

    // Not held, but the job script waits for "go", written once on_started has recorded
    // the job: the journal knows the job before its agent can run.
    std::vector<std::string> argv{"sbatch", "--parsable", "--no-requeue", "--ntasks=1",
                                  "--job-name=flow-t" + std::to_string(l.task) + "." + std::to_string(l.attempt),
                                  "--output=" + sbatch_pattern(dir)};
    if (!opt_.partition.empty()) argv.push_back("--partition=" + opt_.partition);
    if (!opt_.account.empty()) argv.push_back("--account=" + opt_.account);
    if (!opt_.time_limit.empty()) argv.push_back("--time=" + opt_.time_limit);
    argv.insert(argv.end(), opt_.sbatch_args.begin(), opt_.sbatch_args.end());
    argv.push_back(dir + "/job.sh");
    argv.push_back(dir);
    const detail::Exec sub = detail::exec(argv, dir);
    long id = 0;
    if (sub.ok()) {
      // The last line that starts with the job id ("123" or "123;cluster"); warnings
      // may come before it.
      std::istringstream lines(sub.output);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) id = std::strtol(line.c_str(), nullptr, 10);
    }
    if (id <= 0)
      return make_error(Errc::spawn, "sbatch failed: " + detail::clip(detail::trim(sub.output), 400));
    try {
      if (l.on_started) l.on_started(Started{0, "slurm:" + std::to_string(id)});
    } catch (...) {
      fence(dir);
      (void)detail::exec({"scancel", std::to_string(id)}, dir);
      throw;
    }
    if (!write_file(dir + "/go", "")) {
      const std::string why = std::strerror(errno);
      fence(dir);
      (void)detail::exec({"scancel", std::to_string(id)}, dir);
      return make_error(Errc::spawn, "cannot write " + dir + "/go: " + why);
    }
    Job& j = jobs_[id];
    j.launch = l;
    j.id = id;
    j.dir = dir;
    j.submitted = j.last_sign = Clock::now();
    if (next_poll_ < j.submitted) next_poll_ = j.submitted + seconds(opt_.poll_interval);
    return id;
  }

  std::optional<Completion> wait(double timeout) override {
    const auto deadline = Clock::now() + seconds(std::max(0.0, timeout));
    for (;;) {
      std::vector<std::pair<long, int>> exited;
      for (auto& [id, j] : jobs_) {
        read_output(j);
        if (auto rc = exit_status(j)) exited.emplace_back(id, *rc);
      }
      for (auto [id, rc] : exited) complete(id, rc);
      watch_times();
      if (!jobs_.empty() && Clock::now() >= next_poll_) {
        poll();
        next_poll_ = Clock::now() + seconds(opt_.poll_interval);
      }
      if (!done_.empty() || Clock::now() >= deadline) break;
      auto until = std::min(deadline, Clock::now() + std::chrono::milliseconds(50));
      if (!jobs_.empty()) until = std::min(until, next_poll_);
      std::this_thread::sleep_until(until);
    }
    if (done_.empty()) return std::nullopt;
    Completion c = done_.front();
    done_.pop_front();
    return c;
  }

  void cancel_all() noexcept override {
    try {
      done_.clear();
      if (jobs_.empty()) return;
      std::vector<std::string> argv{"scancel"};
      for (auto& [id, j] : jobs_) {
        j.launch.on_stdout_line = nullptr;  // the parsers may be gone (this runs from the destructor too)
        fence(j.dir);
        argv.push_back(std::to_string(id));
      }
      (void)detail::exec(argv, std::string());
      // Wait until Slurm has them all ended (none left in squeue), sending SIGKILL
      // halfway to what still runs; what lingers after that is Slurm's to clean up.
      const auto begin = Clock::now();
      bool killed = false;
      while (!jobs_.empty() && since(begin) < opt_.cancel_wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        bool answered = false;
        const auto states = queue_states(nullptr, &answered);
        for (auto it = jobs_.begin(); answered && it != jobs_.end();) {
          if (auto s = states.find(it->first); s != states.end() && !terminal(s->second)) {
            ++it;
            continue;
          }
          close_output(it->second);
          it = jobs_.erase(it);
        }
        if (!killed && !jobs_.empty() && since(begin) > opt_.cancel_wait / 2) {
          argv.insert(argv.begin() + 1, {"--signal=KILL", "--full"});
          (void)detail::exec(argv, std::string());
          killed = true;
        }
      }
      for (auto& [id, j] : jobs_) close_output(j);
      jobs_.clear();
    } catch (...) {
      jobs_.clear();  // noexcept: nothing more can be done about the queue
    }
  }

  int running() const noexcept override { return static_cast<int>(jobs_.size()); }

 private:
  static Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(std::clamp(s, 0.0, 1e9)));
  }

  std::string spool_for(const Launch& l) {
    if (!opt_.spool_dir.empty()) return absolute(opt_.spool_dir, "");
    if (!l.stdout_path.empty()) return absolute((fs::path(l.stdout_path).parent_path() / "slurm").string(), "");
    if (fallback_spool_.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "flow-slurm-XXXXXX").string();
      if (::mkdtemp(tmpl.data()) != nullptr) fallback_spool_ = tmpl;
    }
    return fallback_spool_;
  }

  static void fence(const std::string& dir) { (void)write_file(dir + "/fenced", ""); }

  // The jobs' states as squeue has them now (--states=all: ended ones too, until Slurm
  // forgets them); nullopt-like empty map when squeue could not answer.
  std::map<long, std::string> queue_states(std::map<long, std::string>* nodes = nullptr, bool* answered = nullptr) {
    std::map<long, std::string> out;
    if (answered) *answered = false;
    if (jobs_.empty()) return out;
    std::string list;
    for (const auto& [id, j] : jobs_) list += (list.empty() ? "" : ",") + std::to_string(id);
    const detail::Exec q = detail::exec({"squeue", "--noheader", "--states=all", "--jobs=" + list, "--format=%i|%T|%N"}, std::string());
    // None of the jobs known any more: squeue fails with "Invalid job id specified".
    if (answered) *answered = q.ok() || q.output.find("Invalid job id") != std::string::npos;
    std::istringstream lines(q.output);
    for (std::string line; std::getline(lines, line);) {
      const std::size_t a = line.find('|'), b = line.find('|', a == std::string::npos ? a : a + 1);
      if (a == std::string::npos || b == std::string::npos || a == 0 || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
      const long id = std::strtol(line.c_str(), nullptr, 10);
      out[id] = line.substr(a + 1, b - a - 1);
      if (nodes) (*nodes)[id] = detail::trim(line.substr(b + 1));
    }
    return out;
  }

  void poll() {
    std::map<long, std::string> nodes;
    bool answered = false;
    const auto states = queue_states(&nodes, &answered);
    if (!answered) return;  // the controller did not answer: look again later
    std::vector<long> ended;
    for (auto& [id, j] : jobs_) {
      auto it = states.find(id);
      if (it == states.end()) {
        // Not in the queue: ask scontrol once more before calling it lost.
        const detail::Exec s = detail::exec({"scontrol", "show", "job", "-o", std::to_string(id)}, std::string());
        if (s.ok() && !field(s.output, "JobState").empty()) {
          j.state = field(s.output, "JobState");
        } else if (++j.misses >= 2) {
          j.state = "LOST";
        }
      } else {
        j.misses = 0;
        j.state = it->second;
        if (!nodes[id].empty() && nodes[id] != "(null)") j.node = nodes[id];
      }
      if (j.state == "RUNNING" && !j.running_since) j.running_since = j.last_sign = Clock::now();
      if (terminal(j.state) || j.state == "LOST") ended.push_back(id);
    }
    for (long id : ended) complete(id);
  }

  // Timeouts and stalls, counted from when the job started running (not while it waits
  // in the queue for a node).
  void watch_times() {
    for (auto& [id, j] : jobs_) {
      if (!j.running_since) continue;
      const Launch& l = j.launch;
      if (!j.cancelled) {
        if (l.timeout > 0 && since(*j.running_since) >= l.timeout) j.timed_out = true;
        else if (l.stall_timeout > 0 && since(j.last_sign) >= l.stall_timeout) j.stalled = true;
        if (j.timed_out || j.stalled) {
          (void)detail::exec({"scancel", std::to_string(id)}, std::string());
          j.cancelled = true;
          j.cancelled_at = Clock::now();
        }
      } else if (!j.killed && since(j.cancelled_at) >= std::max(l.kill_grace, 1.0) + opt_.cancel_wait) {
        // Slurm's KillWait has long passed: the node may not answer. Make sure.
        (void)detail::exec({"scancel", "--signal=KILL", "--full", std::to_string(id)}, std::string());
        j.killed = true;
      }
    }
  }

  // What the job wrote to stdout since the last look, as lines; stderr only counts as
  // a sign of life.
  void read_output(Job& j) {
    const Launch& l = j.launch;
    if (l.stdout_path.empty()) return;
    if (j.out_fd < 0) j.out_fd = ::open(l.stdout_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (j.out_fd >= 0) {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::pread(j.out_fd, buf, sizeof buf, j.out_offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        j.out_offset += n;
        j.last_sign = Clock::now();
        deliver(j, std::string_view(buf, static_cast<std::size_t>(n)));
      }
    }
    struct stat st {};
    if (!l.stderr_path.empty() && ::stat(l.stderr_path.c_str(), &st) == 0 && st.st_size != j.err_size) {
      j.err_size = st.st_size;
      j.last_sign = Clock::now();
    }
  }

  static void deliver(Job& j, std::string_view chunk) {
    if (!j.launch.on_stdout_line) return;
    for (std::size_t nl = chunk.find('\n'); nl != std::string_view::npos; nl = chunk.find('\n')) {
      j.partial.append(chunk.substr(0, nl));
      j.launch.on_stdout_line(j.partial);
      j.partial.clear();
      chunk.remove_prefix(nl + 1);
    }
    j.partial.append(chunk);
  }

  static void close_output(Job& j) {
    if (j.out_fd >= 0) ::close(j.out_fd);
    j.out_fd = -1;
  }

  // The program's user + system time as the job script wrote it (`times`: the children's
  // line, "<m>m<s>s <m>m<s>s"); 0 when there is none (it did not end on its own).
  static double job_cpu_seconds(const std::string& dir) {
    std::ifstream in(dir + "/times");
    std::string shell, children;
    if (!std::getline(in, shell) || !std::getline(in, children)) return 0;
    double total = 0;
    std::istringstream fields(children);
    for (std::string f; fields >> f;) {
      // bash writes the locale's decimal point: "0m1,250s" under a German locale.
      std::replace(f.begin(), f.end(), ',', '.');
      const std::size_t m = f.find('m');
      if (m == std::string::npos || f.size() < m + 3 || f.back() != 's') return 0;
      double minutes = 0, seconds = 0;
      const char* last = f.data() + f.size() - 1;
      if (std::from_chars(f.data(), f.data() + m, minutes).ptr != f.data() + m ||
          std::from_chars(f.data() + m + 1, last, seconds).ptr != last || minutes < 0 || seconds < 0)
        return 0;
      total += minutes * 60 + seconds;
    }
    return total;
  }

  // The status the job script wrote when the program exited on its own (below 128:
  // an exit code for sure; above, a signal or an exit code alike, which Slurm's
  // ExitCode tells apart once the job has ended: those wait for the queue).
  static std::optional<int> exit_status(const Job& j) {
    if (j.cancelled) return std::nullopt;   // flow ended it: the queue says how it went
    std::ifstream in(j.dir + "/status");
    int rc = -1;
    if (!(in >> rc) || rc < 0 || rc >= 128) return std::nullopt;
    return rc;
  }

  // `exited`: the program's exit code from the job's status file (the job may still be
  // ending in Slurm: no need to wait for it).
  void complete(long id, std::optional<int> exited = std::nullopt) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    Job& j = it->second;
    fence(j.dir);  // whatever Slurm does with this job from here on, flow is done with it
    read_output(j);
    if (!j.partial.empty() && j.launch.on_stdout_line) j.launch.on_stdout_line(j.partial);
    close_output(j);
    Completion c;
    c.task = j.launch.task;
    c.attempt = j.launch.attempt;
    c.seconds = since(j.submitted);
    c.timed_out = j.timed_out || j.state == "TIMEOUT";
    c.stalled = j.stalled;
    if (exited) {
      c.exit_code = *exited;
    } else if (infrastructure(j.state)) {
      // The node or Slurm ended it, not the program: a crash to flow's policy, which
      // decides on a retry. scancel in case a lost job still runs somewhere.
      (void)detail::exec({"scancel", std::to_string(id)}, std::string());
      c.signal = SIGKILL;
      note(j, "flow: Slurm job " + std::to_string(id) + (j.node.empty() ? "" : " on " + j.node) + " ended " +
                  (j.state == "LOST" ? "lost (Slurm no longer knows it)" : j.state) +
                  ": an infrastructure failure, not the agent's");
    } else {
      // ExitCode=<exit status>:<signal>
      const detail::Exec s = detail::exec({"scontrol", "show", "job", "-o", std::to_string(id)}, std::string());
      const std::string code = field(s.output, "ExitCode");
      const std::size_t colon = code.find(':');
      const int status = colon == std::string::npos ? -1 : std::atoi(code.substr(0, colon).c_str());
      const int sig = colon == std::string::npos ? 0 : std::atoi(code.substr(colon + 1).c_str());
      if (sig != 0) c.signal = sig;
      else if (status >= 0) c.exit_code = status;
      else c.signal = SIGKILL;  // no exit status to be had: it did not end on its own
      if (j.state == "CANCELLED" && c.signal == 0 && !j.cancelled) c.signal = SIGTERM;
      if (j.state == "OUT_OF_MEMORY") note(j, "flow: Slurm job " + std::to_string(id) + " ran out of memory");
    }
    if (c.signal != 0) c.exit_code = -1;
    c.cpu_seconds = job_cpu_seconds(j.dir);
    jobs_.erase(it);
    done_.push_back(c);
  }

  // A line for the attempt's stderr log, where the failure analysis reads.
  static void note(const Job& j, const std::string& line) {
    if (j.launch.stderr_path.empty()) return;
    std::ofstream err(j.launch.stderr_path, std::ios::app);
    err << line << '\n';
  }

  SlurmOptions opt_;
  std::map<long, Job> jobs_;
  std::deque<Completion> done_;
  Clock::time_point next_poll_{};
  std::string fallback_spool_;
};

}  // namespace

std::unique_ptr<Runner> make_slurm_runner(SlurmOptions options) { return std::make_unique<SlurmRunner>(std::move(options)); }

FLOW_END_NAMESPACE
}  // namespace flow
