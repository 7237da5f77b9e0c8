// SPDX-License-Identifier: MIT
// The floor for run_bench: start N processes of `argv`, `workers` at a time, with
// posix_spawn and waitpid, and nothing else. usage: spawn_loop N WORKERS CHAIN PROGRAM...
// (CHAIN=1: one at a time regardless of WORKERS, as a dependency chain allows.)
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: spawn_loop N WORKERS CHAIN PROGRAM [ARGS...]\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const int workers = std::atoi(argv[3]) ? 1 : std::atoi(argv[2]);
  int started = 0, running = 0;
  while (started < n || running > 0) {
    while (running < workers && started < n) {
      pid_t pid;
      if (posix_spawn(&pid, argv[4], nullptr, nullptr, argv + 4, environ) != 0) return 1;
      ++started;
      ++running;
    }
    int status = 0;
    if (::wait(&status) > 0) --running;
  }
  return 0;
}
