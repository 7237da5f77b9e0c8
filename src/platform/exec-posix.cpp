// SPDX-License-Identifier: MIT
// Running a command to completion: posix_spawn with argv, stdin from /dev/null, stdout
// and stderr captured through one pipe.
#include "platform/exec.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace flow::detail {

namespace {

// exec() and exec_data(): stderr into the captured output (clipped to the last 1 MiB),
// or to /dev/null with stdout whole up to `max_bytes`.
Exec run(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env, int keep_fd,
         bool data, std::size_t max_bytes) {
  Exec r;
  int fds[2];
  if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) return r;
  std::vector<std::string> env_store;
  for (char** e = environ; e && *e; ++e) env_store.emplace_back(*e);
  env_store.insert(env_store.end(), env.begin(), env.end());
  std::vector<char*> envp, args;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_store = argv;
  for (auto& s : argv_store) args.push_back(s.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  if (data) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  else posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  // dup2 onto itself clears close-on-exec (POSIX 2024; glibc since 2.29).
  if (keep_fd >= 0) posix_spawn_file_actions_adddup2(&fa, keep_fd, keep_fd);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  // Signals flow ignores (SIGPIPE, while a run writes to a reader that may go away) are
  // not the child's to ignore: git and the hooks start with SIGPIPE as it always is.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    r.output = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return r;
  }
  char buf[65536];
  bool too_much = false;
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (too_much) continue;  // read to the end all the same: the command must not block on the pipe
    r.output.append(buf, static_cast<std::size_t>(n));
    if (data && r.output.size() > max_bytes) {
      too_much = true;
      r.output.clear();
    } else if (!data && r.output.size() > (2u << 20)) {
      r.output.erase(0, r.output.size() - (1u << 20));
    }
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) && !too_much ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace

Exec exec(const std::vector<std::string>& argv, const std::string& cwd, const std::vector<std::string>& env, int keep_fd) {
  return run(argv, cwd, env, keep_fd, false, 0);
}

Exec exec_data(const std::vector<std::string>& argv, const std::string& cwd, std::size_t max_bytes,
               const std::vector<std::string>& env, int keep_fd) {
  return run(argv, cwd, env, keep_fd, true, max_bytes);
}

}  // namespace flow::detail
