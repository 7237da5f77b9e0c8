// SPDX-License-Identifier: MIT
// The POSIX process runner. Each attempt's process is made without copying flow's page
// tables, in a process group of its own, and cannot run its program before on_started
// has recorded it: where the attempt has a cgroup, the cgroup is recorded first and the
// process is cloned straight into it on the calling thread (CLONE_VM | CLONE_VFORK |
// CLONE_INTO_CGROUP, as posix_spawn does without the cgroup: the direct way, start());
// else a spawner thread clones it (Spawner) or, where that cannot be had, fork, and it
// waits on a gate until on_started has recorded it before it execs. A Boost.Asio event
// loop waits on each attempt's pidfd, reads its stdout pipe line by line and runs its
// timeout timers; wait4 for rusage; group kills on timeout and after exit.
// (Boost.Process v2 was measured against posix_spawn: benchmarks/spawn_compare.)
#include <flow/runner.hpp>

#include "platform/contain.hpp"
#include "platform/exec.hpp"
#include "platform/spare_files.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace flow::detail {

namespace {

bool write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// When a process started, in clock ticks since boot (/proc/PID/stat's 22nd field); 0
// if it is gone.
unsigned long long start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));  // from the 3rd field, the state
  std::string f;
  for (int i = 3; i <= 22 && fields >> f; ++i) {
  }
  return std::strtoull(f.c_str(), nullptr, 10);
}

// The processes of a container now (zombies excluded).
std::vector<pid_t> members(const std::string& container) {
  std::vector<pid_t> out;
  if (container.rfind("tag:", 0) != 0) {
    // Read at every attempt's end: plain calls, not a stream's set-up.
    const int fd = ::open((container + "/cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    for (const char* p = text.c_str(); *p != '\0';) {
      char* end = nullptr;
      const long pid = std::strtol(p, &end, 10);
      if (end == p) break;
      if (pid > 0) out.push_back(static_cast<pid_t>(pid));
      p = end;
    }
    return out;
  }
  // "tag:<token>@<start>": the environment a process started with carries the token (a
  // zombie's reads empty), and none started before the attempt's leader, whose start
  // time follows the '@': only the environments of younger processes are read.
  const std::size_t at_sign = container.find('@');
  const std::string needle = "FLOW_PROCESS_TAG=" + container.substr(4, at_sign == std::string::npos ? std::string::npos : at_sign - 4);
  const unsigned long long oldest = at_sign == std::string::npos ? 0 : std::strtoull(container.c_str() + at_sign + 1, nullptr, 10);
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  const pid_t self = ::getpid();
  while (const dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 1 || *end != '\0' || pid == self) continue;
    if (oldest > 0 && start_time(pid) < oldest) continue;
    std::ifstream env(std::string("/proc/") + e->d_name + "/environ", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
      if ((at == 0 || text[at - 1] == '\0') && (at + needle.size() == text.size() || text[at + needle.size()] == '\0')) {
        out.push_back(static_cast<pid_t>(pid));
        break;
      }
  }
  ::closedir(proc);
  return out;
}

// "slurm:<job id>" (the Slurm runner's Started::container): a job that a run which died
// left in the queue is cancelled; 1 if it was still pending or running.
int stop_slurm_job(const std::string& id) {
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return 0;
  const Exec state = exec({"squeue", "--noheader", "--jobs=" + id, "--format=%T"}, std::string());
  if (!state.ok() || state.output.find_first_not_of(" \n") == std::string::npos) return 0;  // ended, or unknown to Slurm
  (void)exec({"scancel", id}, std::string());
  return 1;
}

}  // namespace

int stop_container(const std::string& container, long except_pgid) {
  if (container.empty()) return 0;
  if (container.rfind("slurm:", 0) == 0) return stop_slurm_job(container.substr(6));
  std::set<pid_t> stopped;
  const bool cgroup = container.rfind("tag:", 0) != 0;
  // A few rounds: what forks while it is being killed is found in the next one.
  for (int round = 0; round < 5; ++round) {
    bool any = false;
    for (pid_t pid : members(container)) {
      if (except_pgid > 0 && ::getpgid(pid) == static_cast<pid_t>(except_pgid)) continue;
      any = true;
      stopped.insert(pid);
      if (!cgroup) ::kill(pid, SIGKILL);
    }
    if (cgroup) {
      // cgroup.kill (Linux 5.14) kills them all at once, forks included; without it, one by one.
      if (!any) break;
      if (write_text(container + "/cgroup.kill", "1")) break;
      for (pid_t pid : members(container)) ::kill(pid, SIGKILL);
    }
    if (!any) break;
  }
  return static_cast<int>(stopped.size());
}

bool remove_container(const std::string& container, int wait_ms) {
  if (container.empty() || container.rfind("tag:", 0) == 0 || container.rfind("slurm:", 0) == 0) return true;
  for (int waited = 0;; waited += 5) {
    if (::rmdir(container.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY || waited >= wait_ms) return false;
    ::poll(nullptr, 0, 5);
  }
}

}  // namespace flow::detail

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

using detail::remove_container;
using detail::stop_container;
using detail::write_text;

// Where attempts' cgroups go: flow's own cgroup v2, when flow may create cgroups in it
// (root, or a delegated subtree such as systemd's user@.service); empty otherwise.
const std::string& cgroup_parent() {
  static const std::string dir = [] {
    std::string path, mount;
    std::ifstream self("/proc/self/cgroup");
    for (std::string line; std::getline(self, line);)
      if (line.rfind("0::", 0) == 0) path = line.substr(3);
    std::ifstream mounts("/proc/self/mountinfo");
    for (std::string line; mount.empty() && std::getline(mounts, line);) {
      const std::size_t dash = line.find(" - ");
      if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
      std::istringstream fields(line.substr(0, dash));
      std::string f;
      for (int i = 0; i < 5 && fields >> f; ++i) {
      }
      mount = f;  // the fifth field: where it is mounted
    }
    if (path.empty() || mount.empty()) return std::string();
    std::string where = path == "/" ? mount : mount + path;
    return ::access((where + "/cgroup.procs").c_str(), W_OK) == 0 ? where : std::string();
  }();
  return dir;
}

std::atomic<unsigned> g_attempts{0};

// The empty cgroups of flow processes that died (killed before an attempt was
// recorded, so no later run knew of it): removed once per process.
void remove_dead_cgroups(const std::string& parent) {
  static std::atomic<bool> done{false};
  if (done.exchange(true)) return;
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return;
  while (const dirent* e = ::readdir(dir)) {
    if (std::strncmp(e->d_name, "flow-", 5) != 0) continue;
    const long pid = std::strtol(e->d_name + 5, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      ::rmdir((parent + "/" + e->d_name).c_str());  // fails, as it should, while processes remain
  }
  ::closedir(dir);
}

// A fresh cgroup for one attempt; empty when none can be made (the tag serves then).
std::string new_cgroup() {
  if (const char* no = std::getenv("FLOW_NO_CGROUP"); no != nullptr && *no != '\0' && std::strcmp(no, "0") != 0)
    return std::string();
  const std::string& parent = cgroup_parent();
  if (parent.empty()) return std::string();
  remove_dead_cgroups(parent);
  // flow-<pid>-<when this process made its first>-<n>: a later flow process that gets
  // the same pid (pids are reused) never makes a cgroup of the same name, so a run that
  // stops what a dead run journaled can only stop the dead run's processes.
  static const std::string self = std::to_string(::getpid()) + "-" +
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count());
  const std::string dir = parent + "/flow-" + self + "-" + std::to_string(++g_attempts);
  return ::mkdir(dir.c_str(), 0755) == 0 ? dir : std::string();
}

// Unique among the processes that exist now and later: pid, count and the clock.
std::string next_tag() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch());
  return std::to_string(::getpid()) + "-" + std::to_string(++g_attempts) + "-" + std::to_string(ns.count());
}

// argv[0] as execvp would find it on PATH (a name with a '/' is used as it is).
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  for (;;) {
    const std::size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return std::string();
    dirs.remove_prefix(colon + 1);
  }
}

// A descriptor moved above 0-2 (close-on-exec), so that the child's dup2s onto 0, 1
// and 2 cannot overwrite one another.
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

Unexpected open_error(const std::string& path) {
  return make_error(Errc::spawn, "cannot open " + path + ": " + std::strerror(errno));
}

// The descriptors of one start(); whatever is still open is closed at the end.
struct Fds {
  int in = -1, out = -1, err = -1, child_gate = -1, child_report = -1;  // the child's
  int pipe_read[2] = {-1, -1}, files[2] = {-1, -1}, gate = -1, report = -1;  // ours (stdout, stderr)
  int cgroup_dir = -1;                 // the attempt's cgroup (O_PATH), for clone3
  void close_child_side() {
    for (int* fd : {&in, &out, &err, &child_gate, &child_report}) close_one(*fd);
  }
  // The spawner closes the child's ends once its clone returns (Spawner::post).
  void forget_child_side() { in = out = err = child_gate = child_report = -1; }
  void close_parent_side() {
    for (int* fd : {&pipe_read[0], &pipe_read[1], &files[0], &files[1], &gate, &report, &cgroup_dir}) close_one(*fd);
  }
  static void close_one(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Fds() {
    close_child_side();
    close_parent_side();
  }
  Fds() = default;
  Fds(const Fds&) = delete;
  Fds& operator=(const Fds&) = delete;
};

// What the child of one start() is given, all prepared before it exists. From its start
// to exec it may run on memory it shares with flow (the spawner's clone), so it only
// reads this, writes its own stack and makes async-signal-safe calls.
struct ChildJob {
  const char* program = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* dir = nullptr;                    // null: flow's own
  int in = -1, out = -1, err = -1;              // become 0, 1 and 2
  int gate = -1, report = -1;                   // the child's ends
  int parent_gate = -1, parent_report = -1;     // flow's ends: closed in the child
  int cgroup = -1;                              // its cgroup (O_PATH); -1: none
  std::atomic<bool> in_cgroup{false};           // the spawner put it there (set before the child exists)
  mutable std::atomic<int> exec_errno{0};       // no gate (the direct way): why exec failed
};

ssize_t write_all_fd(int fd, const void* p, std::size_t n) noexcept {
  ssize_t w = 0;
  while ((w = ::write(fd, p, n)) < 0 && errno == EINTR) {
  }
  return w;
}

// The child from its start to exec. With a gate, it says its pid on the gate first: the
// spawner's caller learns it no other way before exec. Then its own group, default
// signals (a handler of flow's must never run here: but for fork's way this memory is
// flow's), its files, and with a gate it waits for the go byte: on_started has
// journaled it by then. No byte (flow died first): it never execs. Without a gate (the
// direct way) it was journaled before it existed, and says why exec failed in the job
// (flow is suspended until it exits). Not instrumented: ASan's bookkeeping is not for a
// stack it did not make.
[[noreturn]] __attribute__((no_sanitize_address)) void child_main(const ChildJob& j) noexcept {
  ::close(j.parent_gate);
  ::close(j.parent_report);
  const bool gated = j.gate >= 0;
  const pid_t self = ::getpid();
  if (gated && write_all_fd(j.gate, &self, sizeof self) != static_cast<ssize_t>(sizeof self)) ::_exit(127);
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(j.in, 0);
  ::dup2(j.out, 1);
  ::dup2(j.err, 2);
  int e = 0;
  if (j.dir != nullptr && ::chdir(j.dir) != 0) e = errno;
  char go = 0;
  ssize_t n = -1;
  while (gated && e == 0 && (n = ::read(j.gate, &go, 1)) < 0 && errno == EINTR) {
  }
  if (gated && e == 0 && n != 1) ::_exit(127);  // flow died before the attempt was recorded
  if (e == 0) {
    ::execve(j.program, j.argv, j.envp);
    e = errno;
  }
  if (gated) (void)write_all_fd(j.report, &e, sizeof e);
  else j.exec_errno.store(e);  // flow is suspended until this exits: it reads it then
  ::_exit(127);
}

__attribute__((no_sanitize_address)) int child_entry(void* job) { child_main(*static_cast<const ChildJob*>(job)); }

// clone3 with a stack of the caller's choosing (glibc has no wrapper for it): the child
// starts on that stack and calls fn(arg), which must not return; the parent gets the
// pid or -errno. Only on x86-64; elsewhere a child that needs a cgroup is cloned the
// way fork is (ProcessRunner::start).
#if defined(__x86_64__)
#define FLOW_CLONE3_VM 1
extern "C" long flow_clone3_vm(clone_args* args, std::size_t size, int (*fn)(void*), void* arg);
// The kernel keeps every register but rax, rcx and r11 across syscall, so fn and arg
// wait in r8 and r9; the child's stack pointer is the new stack's top (16-byte aligned,
// so after the call fn sees the alignment the ABI promises).
asm(R"(
  .text
  .globl flow_clone3_vm
  .hidden flow_clone3_vm
  .type flow_clone3_vm, @function
flow_clone3_vm:
  .cfi_startproc
  mov %rdx, %r8
  mov %rcx, %r9
  mov $435, %eax
  syscall
  test %rax, %rax
  jz 1f
  ret
1:
  .cfi_undefined rip
  xor %ebp, %ebp
  mov %r9, %rdi
  call *%r8
  mov %eax, %edi
  mov $60, %eax
  syscall
  hlt
  .cfi_endproc
  .size flow_clone3_vm, .-flow_clone3_vm
)");
#else
#define FLOW_CLONE3_VM 0
#endif

// A stack for children that run on flow's memory until exec (the spawner's, the direct
// way's). Their frames are small (no allocation, a few system calls; more under a
// sanitizer's interceptors); untouched pages cost nothing, and a guard page below turns
// an overflow into a crash. Null if it cannot be mapped.
constexpr std::size_t kChildStackSize = 256 * 1024;

void* map_child_stack() {
  void* p = ::mmap(nullptr, kChildStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  ::mprotect(p, static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), PROT_NONE);
  return p;
}

#if FLOW_CLONE3_VM
// clone3's arguments for a child that starts on `stack` (kChildStackSize) inside the
// cgroup open as `cgroup_fd`, on flow's memory until it execs, its parent suspended
// until then (CLONE_VFORK).
clone_args vfork_into_cgroup(void* stack, int cgroup_fd) {
  clone_args args{};
  args.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.stack = reinterpret_cast<std::uintptr_t>(stack);
  args.stack_size = kChildStackSize;
  args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  return args;
}
#endif

// Starts children without copying flow's page tables: clone(CLONE_VM | CLONE_VFORK) on
// a thread of its own, the way posix_spawn does, but where posix_spawn would hold its
// caller until exec, this holds only its own thread, so the loop thread can record the
// child (on_started) before it execs. A fork copies the page tables of a process whose
// heap grows with the run and, flow being multi-threaded, costs copy-on-write faults and
// TLB shootdowns in every thread afterwards (issue #16).
//
// Why this is safe: the child shares flow's memory but not its descriptors, working
// directory or signal handlers (no CLONE_FILES, CLONE_FS or CLONE_SIGHAND); it runs on
// a stack of its own and uses the spawner thread's thread-local storage (errno), which
// nothing else touches while the spawner is suspended in clone. It reads only its
// ChildJob, which start() keeps alive and unchanged until the spawner is done with it.
// The thread blocks every signal, so the child starts with them blocked and no handler
// of flow's can run in it before it has set them all to default (posix_spawn's reasoning).
// One job at a time: start() runs on one thread.
class Spawner {
 public:
  Spawner() : thread_([this] { serve(); }) {}
  ~Spawner() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (stack_ != nullptr) ::munmap(stack_, kChildStackSize);
  }
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  // Hands `job` over. The child writes its pid to job.gate; if clone fails the spawner
  // writes -errno there instead and leaves the child's descriptors open, else it closes
  // flow's copies of them once the child has exec'd or died (so a child that dies before
  // saying its pid reads as end of file, not as a hang).
  void post(const ChildJob& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      done_ = false;
    }
    cv_.notify_all();
  }

  // Waits until the spawner is done with the posted job: the child's pid or -errno.
  long finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return done_; });
    done_ = false;
    return result_;
  }

 private:

  void serve() {
    sigset_t all;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || job_ != nullptr; });
      if (stop_) return;
      const ChildJob* job = std::exchange(job_, nullptr);
      lock.unlock();
      const long result = clone_child(*job);
      lock.lock();
      result_ = result;
      done_ = true;
      cv_.notify_all();
    }
  }

  long clone_child(const ChildJob& job) {
    long pid = -1;
    if (stack_ == nullptr) stack_ = map_child_stack();
    int e = ENOMEM;
    ChildJob& j = const_cast<ChildJob&>(job);
#if FLOW_CLONE3_VM
    if (stack_ != nullptr && job.cgroup >= 0) {
      // Straight into its cgroup: moving it there afterwards (cgroup.procs) costs more
      // than the spawn. A kernel without clone3 or CLONE_INTO_CGROUP says so at once,
      // with no child made: then plainly, and start() moves it.
      clone_args args = vfork_into_cgroup(stack_, job.cgroup);
      j.in_cgroup.store(true);
      pid = flow_clone3_vm(&args, sizeof args, child_entry, &j);
      if (pid < 0) j.in_cgroup.store(false);
    }
#endif
    if (stack_ != nullptr && pid < 0) {
      pid = ::clone(child_entry, static_cast<char*>(stack_) + kChildStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &j);
      e = errno;
    }
    if (pid < 0) {
      const int message = -e;
      (void)write_all_fd(job.gate, &message, sizeof message);
      return -e;
    }
    for (int fd : {job.in, job.out, job.err, job.gate, job.report}) ::close(fd);
    return pid;
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  const ChildJob* job_ = nullptr;
  bool done_ = false, stop_ = false;
  long result_ = 0;
  void* stack_ = nullptr;    // the children's stack, one at a time: reused
  std::thread thread_;       // last: it starts once the members above exist
};

// Reads a whole int from the gate: the child's pid (or the spawner's -errno); 0 at end
// of file (the child died before saying it).
int read_gate(int fd) {
  int value = 0;
  std::size_t got = 0;
  while (got < sizeof value) {
    const ssize_t n = ::read(fd, reinterpret_cast<char*>(&value) + got, sizeof value - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    got += static_cast<std::size_t>(n);
  }
  return value;
}

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

// What an attempt has changed so far: the newest modification time and the number of
// entries under its directory (.git and node_modules skipped, and flow's own .flow at its
// top: the logs and prompts of every attempt, which change whenever any attempt does and
// grow with the run). Its output is seen as it is read. Taken at the stall watch's checks
// only, never when an attempt starts: a walk of a real repository's tree on the loop
// thread at every start cost more than the start itself. Cheap next to the minutes a
// stall timeout lasts; bounded for huge trees.
struct TreeSign {
  // Not file_time_type{}: the files' clock may count from an epoch after today (it does
  // in libstdc++), and a tree with no file would then look newer than any change.
  std::filesystem::file_time_type newest = std::filesystem::file_time_type::min();
  long long entries = 0;
  bool operator==(const TreeSign&) const = default;
};

TreeSign tree_sign(const std::string& dir) {
  namespace fs = std::filesystem;
  TreeSign s;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end && s.entries < 200000; it.increment(ec)) {
    ++s.entries;
    const auto name = it->path().filename();
    if (name == ".git" || name == "node_modules" || (it.depth() == 0 && name == ".flow")) {
      it.disable_recursion_pending();
      continue;
    }
    std::error_code e2;
    const auto t = it->symlink_status(e2).type() == fs::file_type::symlink ? fs::file_time_type::min() : it->last_write_time(e2);
    if (!e2 && t > s.newest) s.newest = t;
  }
  return s;
}

struct Child {
  Launch launch;
  pid_t pid = -1;
  Clock::time_point started;
  bool term_sent = false;
  bool exited = false;                 // the leader has exited (not reaped yet)
  std::unique_ptr<Descriptor> pidfd;   // readable when the leader exits; null on old kernels
  Stream streams[2];                   // stdout, stderr
  bool shared_log = false;             // stderr's output goes to stdout's log (the same path)
  std::string partial;                 // an incomplete last line of stdout
  std::unique_ptr<asio::steady_timer> timer;  // timeout, then the grace before SIGKILL
  std::unique_ptr<asio::steady_timer> drain;  // after exit: how long the pipe may stay open
  std::string container;               // Started::container
  int strays = 0;                      // stopped outside its group when the leader exited
  // The stall watch: when it last said or changed something, and what that looked like.
  std::unique_ptr<asio::steady_timer> stall;
  Clock::time_point last_sign;
  std::filesystem::file_time_type started_on_disk;  // when it started, by the files' clock
  std::optional<TreeSign> sign;                     // at the last check; none before the first
  Clock::time_point looked;                         // when the last check looked
  bool stalled = false;
};

// A switch the tests use to choose how children are made: set to 1.
bool test_flag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::strcmp(v, "1") == 0;
}

class ProcessRunner final : public Runner {
 public:
  ~ProcessRunner() override {
    cancel_all();
    if (direct_stack_ != nullptr) ::munmap(direct_stack_, kChildStackSize);
  }

  Result<long> start(const Launch& l) override {
    if (l.argv.empty() || l.argv[0].empty()) return make_error(Errc::spawn, "empty command");
    const std::string program = resolve(l.argv[0]);
    if (program.empty()) return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(ENOENT));
    const std::string tag = next_tag();
    // The environment: ours, with the launch's variables replacing or adding, and the
    // tag that finds the attempt's processes when no cgroup holds them.
    std::vector<std::string> extra = l.env;
    extra.push_back("FLOW_PROCESS_TAG=" + tag);
    std::vector<std::string> env_store;
    for (char** e = environ; e && *e; ++e) {
      const std::string_view kv(*e);
      const std::string_view key = kv.substr(0, kv.find('='));
      const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
        return x.size() > key.size() && x.compare(0, key.size(), key) == 0 && x[key.size()] == '=';
      });
      if (!replaced) env_store.emplace_back(kv);
    }
    env_store.insert(env_store.end(), extra.begin(), extra.end());
    std::vector<char*> envp, argv;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_store = l.argv;
    for (auto& s : argv_store) argv.push_back(s.data());
    argv.push_back(nullptr);

    // Everything the child needs is opened here: between fork and exec it makes only
    // async-signal-safe calls. stdout and stderr come through pipes that flow reads (so
    // their logs can be capped and stdout's lines streamed); a stream with no log goes to
    // /dev/null.
    Fds fds;
    const std::string in_path = l.stdin_path.empty() ? "/dev/null" : l.stdin_path;
    if ((fds.in = above_stdio(::open(in_path.c_str(), O_RDONLY | O_CLOEXEC))) < 0) return open_error(in_path);
    for (int k = 0; k < 2; ++k) {
      const std::string& path = k == 0 ? l.stdout_path : l.stderr_path;
      int& child_end = k == 0 ? fds.out : fds.err;
      if (path.empty() && !(k == 0 && l.on_stdout_line)) {
        if ((child_end = above_stdio(::open("/dev/null", O_WRONLY | O_CLOEXEC))) < 0) return open_error("/dev/null");
        continue;
      }
      // One log for both and nobody reading stdout's lines: one pipe for both, which
      // also keeps the two streams in the order they were written.
      if (k == 1 && path == l.stdout_path && fds.files[0] >= 0 && !l.on_stdout_line) {
        if ((child_end = ::fcntl(fds.out, F_DUPFD_CLOEXEC, 3)) < 0)
          return make_error(Errc::spawn, std::string("cannot duplicate a pipe: ") + std::strerror(errno));
        continue;
      }
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) return make_error(Errc::spawn, std::string("cannot create a pipe: ") + std::strerror(errno));
      fds.pipe_read[k] = p[0];
      child_end = above_stdio(p[1]);
      // The same file for both (stdout_path == stderr_path): stdout's log takes stderr's
      // output too, in the order it arrives, under one cap (Child::shared_log).
      if (k == 1 && path == l.stdout_path && fds.files[0] >= 0) continue;
      if (!path.empty()) {
        // From a log made ahead (idle_work) when there is one: created here, the inode's
        // allocation would delay the agent's start.
        logs_dir_ = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
        logs_.aim(logs_dir_, std::clamp<std::size_t>(peak_, 1, kMaxSpareLogs), 0644);
        fds.files[k] = logs_.create(path, {}, true);
      }
      if (!path.empty() && fds.files[k] < 0)  // no attempt runs without its log
        return make_error(Errc::spawn, "cannot create the log " + path + ": " + std::strerror(errno));
    }
    // A fresh cgroup for every attempt, never one an earlier attempt had: whatever is
    // still aimed at that one (a kill of its leftovers) cannot reach this attempt.
    std::string cgroup = spare_cgroup_.empty() ? new_cgroup() : std::exchange(spare_cgroup_, std::string());
    ChildJob job;
    job.program = program.c_str();
    job.argv = argv.data();
    job.envp = envp.data();
    job.dir = l.workdir.empty() ? nullptr : l.workdir.c_str();
    job.in = fds.in;
    job.out = fds.out;
    job.err = fds.err;
    if (!cgroup.empty()) fds.cgroup_dir = ::open(cgroup.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    job.cgroup = fds.cgroup_dir;
    bool recorded = false;  // on_started has run, with `cgroup` as the container
#if FLOW_CLONE3_VM
    if (job.cgroup >= 0 && direct_ && direct_stack() != nullptr) {
      // The direct way, where the attempt has a cgroup of its own and the kernel can
      // start a process inside it (CLONE_INTO_CGROUP): the cgroup is recorded before
      // the process exists, and whatever it becomes is born in it, so the journal finds
      // it whatever happens next and it may run at once: no gate, no spawner thread.
      // This thread is suspended until the child has exec'd or died (CLONE_VFORK), as
      // posix_spawn's caller is; with every signal blocked meanwhile, so that no handler
      // of flow's runs in the child before it has set them all to default.
      if (l.on_started) {
        try {
          l.on_started(Started{0, cgroup});
        } catch (...) {
          fds.close_child_side();
          fds.close_parent_side();
          remove_container(cgroup);
          throw;
        }
      }
      recorded = true;
      clone_args args = vfork_into_cgroup(direct_stack_, job.cgroup);
      sigset_t all, old;
      sigfillset(&all);
      ::pthread_sigmask(SIG_SETMASK, &all, &old);
      const long r = flow_clone3_vm(&args, sizeof args, child_entry, &job);
      ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
      if (r > 0) {
        fds.close_child_side();
        const auto pid = static_cast<pid_t>(r);
        if (const int e = job.exec_errno.load(); e != 0) return exec_failed(l, pid, cgroup, fds, e);
        return adopt(l, pid, cgroup, fds);
      }
      // Refused (a kernel before 5.7, a sandbox's filter): the gate's way from now on.
      direct_ = false;
    }
#endif
    // The gate: the child waits on it until on_started has run (a socket, so that
    // writing to a child that died cannot raise SIGPIPE); the report: exec's errno.
    int gate[2], report[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) != 0) {
      const int e = errno;
      remove_container(cgroup);
      return make_error(Errc::spawn, std::string("cannot create a socket pair: ") + std::strerror(e));
    }
    fds.gate = gate[0];
    fds.child_gate = above_stdio(gate[1]);
    if (::pipe2(report, O_CLOEXEC) != 0) {
      const int e = errno;
      remove_container(cgroup);
      return make_error(Errc::spawn, std::string("cannot create a pipe: ") + std::strerror(e));
    }
    fds.report = report[0];
    fds.child_report = above_stdio(report[1]);
    job.gate = fds.child_gate;
    job.report = fds.child_report;
    job.parent_gate = fds.gate;
    job.parent_report = fds.report;

    // First the spawner thread (see Spawner): no copy of flow's page tables. Until it is
    // done with `job`, nothing the child reads may go: `spawned` waits for it when
    // start() leaves, by any path, and is declared after everything the child reads.
    struct Wait {
      Spawner* spawner = nullptr;
      ~Wait() {
        if (spawner != nullptr) (void)spawner->finish();
      }
    } spawned;
    bool in_cgroup = false;
    pid_t pid = -1;
    int said = 0;  // what the gate said: the child's pid, -errno, or 0 (it died first)
    if ((job.cgroup < 0 || FLOW_CLONE3_VM) && spawner() != nullptr) {
      spawner_->post(job);
      spawned.spawner = spawner_.get();
      said = read_gate(fds.gate);
      if (said < 0) {
        // clone failed (a sandbox that refuses CLONE_VM without the flags of threads,
        // say): the ways below do the same job at fork's cost.
        (void)std::exchange(spawned.spawner, nullptr)->finish();
        said = 0;
      } else {
        fds.forget_child_side();
        in_cgroup = job.in_cgroup.load();
        if (said > 0) {
          pid = static_cast<pid_t>(said);
        } else if (const long r = std::exchange(spawned.spawner, nullptr)->finish(); r > 0) {
          pid = static_cast<pid_t>(r);  // it died before it said its pid: reaped below
        } else {
          remove_container(cgroup);
          return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(static_cast<int>(-r)));
        }
      }
    }
    // Else fork's way, on this thread: into the cgroup by clone3 (Linux 5.7) where the
    // kernel can, or fork.
    if (pid < 0 && job.cgroup >= 0) {
      clone_args args{};
      args.flags = CLONE_INTO_CGROUP;
      args.exit_signal = SIGCHLD;
      args.cgroup = static_cast<std::uint64_t>(job.cgroup);
      pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
      if (pid == 0) child_main(job);
      in_cgroup = pid >= 0;
    }
    if (pid < 0) {
      pid = ::fork();
      if (pid == 0) child_main(job);
    }
    const int fork_errno = errno;
    fds.close_child_side();
    Fds::close_one(fds.cgroup_dir);  // the child is made: the kernel has what it needed
    if (pid < 0) {
      remove_container(cgroup);
      return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': " + std::strerror(fork_errno));
    }
    if (said == 0) said = read_gate(fds.gate);  // fork's way: the child says its pid all the same
    if (said != pid) {
      // It died before it said its pid (killed from outside): nothing of it ran.
      fds.close_parent_side();
      if (spawned.spawner != nullptr) (void)std::exchange(spawned.spawner, nullptr)->finish();
      ::waitpid(pid, nullptr, 0);
      remove_container(cgroup);
      return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "': it died before it could run");
    }
    ::setpgid(pid, pid);  // in both: the group exists whichever runs first
    if (!cgroup.empty() && !in_cgroup && !write_text(cgroup + "/cgroup.procs", std::to_string(pid))) {
      remove_container(cgroup);
      cgroup.clear();
    }
    const std::string container = cgroup.empty() ? "tag:" + tag + "@" + std::to_string(detail::start_time(pid)) : cgroup;
    try {
      // Recorded already by the direct way, which was refused: again only if the
      // container is not the one recorded (the child could not be moved into it).
      if (l.on_started && !(recorded && container == cgroup)) l.on_started(Started{static_cast<long>(pid), container});
    } catch (...) {
      fds.close_parent_side();
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      remove_container(container, 1000);
      throw;
    }
    const char go = 1;
    (void)::send(fds.gate, &go, 1, MSG_NOSIGNAL);
    int exec_errno = 0;
    ssize_t n = 0;
    while ((n = ::read(fds.report, &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
    }
    ::close(fds.gate);
    ::close(fds.report);
    fds.gate = fds.report = -1;
    if (n == static_cast<ssize_t>(sizeof exec_errno)) return exec_failed(l, pid, container, fds, exec_errno);
    return adopt(l, pid, container, fds);
  }

 private:
  // exec failed in the child, which has exited: reap it and say why.
  Unexpected exec_failed(const Launch& l, pid_t pid, const std::string& container, Fds& fds, int e) {
    fds.close_parent_side();
    ::waitpid(pid, nullptr, 0);
    remove_container(container, 1000);
    const std::string where = l.workdir.empty() ? std::string() : " in " + l.workdir;
    return make_error(Errc::spawn, "cannot start '" + l.argv[0] + "'" + where + ": " + std::strerror(e));
  }

  // The attempt's process runs (it has exec'd): watch its exit, its output and its time.
  long adopt(const Launch& l, pid_t pid, const std::string& container, Fds& fds) {
    uses_cgroups_ = uses_cgroups_ || container.rfind('/', 0) == 0;
    Child& c = children_[pid];
    peak_ = std::max(peak_, children_.size());
    c.launch = l;
    c.pid = pid;
    c.started = Clock::now();
    c.container = container;
    if (const int fd = pidfd_open(pid); fd >= 0) {
      c.pidfd = std::make_unique<Descriptor>(ctx_, fd);
      c.pidfd->async_wait(Descriptor::wait_read, [this, pid](const boost::system::error_code& ec) {
        if (!ec) on_exit(pid);
      });
    } else {
      poll_exits();  // no pidfd (an old kernel): look every few milliseconds
    }
    c.shared_log = !l.stderr_path.empty() && l.stderr_path == l.stdout_path && fds.files[0] >= 0;
    for (int k = 0; k < 2; ++k) {
      Stream& st = c.streams[k];
      st.file = std::exchange(fds.files[k], -1);
      if (fds.pipe_read[k] < 0) continue;
      st.pipe = std::make_unique<Descriptor>(ctx_, std::exchange(fds.pipe_read[k], -1));
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
      c.started_on_disk = std::filesystem::file_time_type::clock::now();
      c.stall = std::make_unique<asio::steady_timer>(ctx_);
      watch_stall(pid);
    }
    return static_cast<long>(pid);  // the group leader: the group id is its pid
  }

 public:
  std::optional<Completion> wait(double timeout) override {
    const auto deadline = Clock::now() + seconds(std::max(0.0, timeout));
    bool idle_done = false;
    while (done_.empty() && !children_.empty()) {
      if (ctx_.stopped()) ctx_.restart();
      if (Clock::now() >= deadline) {
        ctx_.poll();  // whatever is ready already
        break;
      }
      // Before it blocks, once: what ended is handled first; then the work that nobody
      // waits on (idle_work), while the agents run.
      if (!idle_done) {
        idle_done = true;
        ctx_.poll();
        if (done_.empty()) idle_work();
        continue;
      }
      ctx_.run_one_until(deadline);
    }
    // Nothing runs, and the caller is about to block (a retry's backoff, say).
    if (children_.empty() && timeout > 0 && done_.empty()) sweep_containers(0);
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
          stop_container(it->second.container);
          int status = 0;
          ::waitpid(it->first, &status, 0);
          if (!remove_container(it->second.container)) to_remove_.push_back(it->second.container);
          close_child(it->second);
          it = children_.erase(it);
          any = true;
        } else {
          ++it;
        }
      }
      if (!any) ::poll(nullptr, 0, 10);
    }
    for (auto& [pid, c] : children_) {
      ::kill(-pid, SIGKILL);
      stop_container(c.container);
    }
    while (!children_.empty()) {
      int status = 0;
      ::waitpid(children_.begin()->first, &status, 0);
      if (!remove_container(children_.begin()->second.container)) to_remove_.push_back(children_.begin()->second.container);
      close_child(children_.begin()->second);
      children_.erase(children_.begin());
    }
    done_.clear();
    if (!spare_cgroup_.empty()) to_remove_.push_back(std::exchange(spare_cgroup_, std::string()));
    sweep_containers(200);
  }

  int running() const noexcept override { return static_cast<int>(children_.size()); }

  bool cancel(int task) noexcept override {
    for (auto& [pid, c] : children_) {
      if (c.launch.task != task || c.exited) continue;
      if (!c.term_sent) {
        if (!c.timer) c.timer = std::make_unique<asio::steady_timer>(ctx_);
        c.timer->cancel();  // the timeout's own wait ends; on_timeout takes over
        on_timeout(pid);
      }
      return true;
    }
    return false;
  }

 private:
  // The spawner thread, made when first needed; null where no thread can be made (fork
  // serves then), and under FLOW_TEST_FORK=1, which the tests use to run the same
  // protocol through fork's way.
  Spawner* spawner() {
    if (!spawner_ && !no_spawner_) {
      if (test_flag("FLOW_TEST_FORK")) {
        no_spawner_ = true;
        return nullptr;
      }
      try {
        spawner_ = std::make_unique<Spawner>();
      } catch (const std::system_error&) {
        no_spawner_ = true;
      }
    }
    return spawner_.get();
  }

  // Looks a few times per stall period for a sign of life; none for the whole period
  // ends the attempt like a timeout. The last look of a period falls on its end, so a
  // stall comes a stall timeout after the last sign, not up to a look's period later.
  void watch_stall(pid_t pid) {
    Child& c = children_.at(pid);
    const double left = c.launch.stall_timeout - since(c.last_sign);
    c.stall->expires_after(seconds(std::clamp(left, 0.01, std::max(0.05, c.launch.stall_timeout / 4))));
    c.stall->async_wait([this, pid](const boost::system::error_code& ec) {
      auto it = children_.find(pid);
      if (ec || it == children_.end() || it->second.exited || it->second.term_sent) return;
      Child& ch = it->second;
      if (!ch.launch.workdir.empty()) {
        // The first check has nothing to compare with: it counts as a sign of life if
        // anything is newer than the attempt's start (less a second: file times lag the
        // clock by a tick), so a change made before it is seen as a change is today, and
        // a stall is never declared earlier than it would be with a walk at the start.
        TreeSign now = tree_sign(ch.launch.workdir);
        const bool changed = ch.sign ? now != *ch.sign : now.newest > ch.started_on_disk - std::chrono::seconds(1);
        // A change counts from when it was made (its file's time), not from when this
        // look saw it, though never from before the last look (which did not see it);
        // one with no newer file time (a removal) counts from now.
        if (changed) {
          const bool newer = !ch.sign || now.newest > ch.sign->newest;
          const auto ago = std::filesystem::file_time_type::clock::now() - now.newest;
          const auto made = newer && ago > ago.zero() ? Clock::now() - std::chrono::duration_cast<Clock::duration>(ago) : Clock::now();
          ch.last_sign = std::max({ch.last_sign, ch.looked, made});
        }
        ch.sign = std::move(now);
        ch.looked = Clock::now();
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
      stop_container(c.container);
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
    // this kill cannot hit a stranger. What left the group (setsid) is still in the
    // container: counted, and stopped with the rest.
    c.strays = stop_container(c.container, pid);
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
                                 Stream& log = k == 1 && ch.shared_log ? ch.streams[0] : s;
                                 log.capture(std::string_view(s.buf.get(), n), ch.launch.max_log_bytes);
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
    done.strays = c.strays;
    done.stalled = c.stalled;
    done.timed_out = c.term_sent && !c.stalled;
    if (r == pid) {
      if (WIFEXITED(status)) done.exit_code = WEXITSTATUS(status);
      else if (WIFSIGNALED(status)) done.signal = WTERMSIG(status);
      done.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
      done.max_rss_kb = ru.ru_maxrss;
    }
    // Its cgroup goes at the next wait(): after the run loop has started what waited
    // for this attempt, which need not wait for the rmdir too.
    to_remove_.push_back(c.container);
    close_child(c);
    children_.erase(it);
    done_.push_back(done);
  }

  // cgroups of attempts that completed (those whose last processes were still exiting
  // stay for the next time).
  void sweep_containers(int wait_ms) {
    std::erase_if(to_remove_, [&](const std::string& dir) { return remove_container(dir, wait_ms); });
  }

  // What is done when nothing waits on it: the cgroups of ended attempts removed, and
  // the next attempt's cgroup and logs made ahead (SpareFiles; as many logs as attempts
  // ran at once, at most), so that a task that waits for another to finish waits for
  // no mkdir and no file's creation too.
  void idle_work() {
    sweep_containers(0);
    if (uses_cgroups_ && spare_cgroup_.empty()) spare_cgroup_ = new_cgroup();
    logs_.aim(logs_dir_, std::clamp<std::size_t>(peak_, 1, kMaxSpareLogs), 0644);
    logs_.refill();
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
  std::vector<std::string> to_remove_;  // containers of ended attempts, removed at a wait that blocks (idle_work)
  detail::SpareFiles logs_;             // logs made ahead, in logs_dir_ (the last log's folder)
  std::string logs_dir_;
  std::size_t peak_ = 0;                // the most attempts that ran at once
  bool uses_cgroups_ = false;           // attempts run in cgroups of their own
  static constexpr std::size_t kMaxSpareLogs = 16;
  std::string spare_cgroup_;            // made for the next attempt (idle_work); removed when the runner goes
  // The direct way (start): until the kernel refuses it, or a test asks for the others.
  bool direct_ = !test_flag("FLOW_TEST_FORK") && !test_flag("FLOW_TEST_GATE");
  void* direct_stack_ = nullptr;
  void* direct_stack() {
    if (direct_stack_ == nullptr) direct_stack_ = map_child_stack();
    return direct_stack_;
  }
  std::unique_ptr<Spawner> spawner_;   // made by the first start(); null after it could not be
  bool no_spawner_ = false;
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
