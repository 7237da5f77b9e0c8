// SPDX-License-Identifier: MIT
// posix_spawn or Boost.Process v2 for the runner? Starts N processes of /bin/true,
// W at a time, each way, in this one run, and prints wall time per process and the
// ratios. usage: spawn_compare [N] [WORKERS] [ROUNDS]
//   flow runner      flow's process runner (posix_spawn, own process group, pidfd, rusage)
//   posix_spawn      bare posix_spawn + waitpid: the floor
//   process v2       boost::process::v2::process with its default launcher, waited
//                    asynchronously on an io_context
//   process v2 vfork the same with vfork_launcher
#include "process_v2_prelude.hpp"

#include <flow/runner.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/posix/vfork_launcher.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;

namespace {

double bare(int n, int workers) {
  const auto t0 = Clock::now();
  char prog[] = "/bin/true";
  char* argv[] = {prog, nullptr};
  int started = 0, running = 0;
  while (started < n || running > 0) {
    while (running < workers && started < n) {
      pid_t pid;
      if (posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) != 0) std::exit(1);
      ++started;
      ++running;
    }
    int status = 0;
    if (::wait(&status) > 0) --running;
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double flow_runner(int n, int workers) {
  const auto t0 = Clock::now();
  auto r = flow::make_process_runner();
  int started = 0;
  while (started < n || r->running() > 0) {
    while (r->running() < workers && started < n) {
      flow::Launch l;
      l.task = started++;
      l.argv = {"/bin/true"};
      if (!r->start(l)) std::exit(1);
    }
    r->wait(1.0);
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <typename Launcher>
double process_v2(int n, int workers) {
  const auto t0 = Clock::now();
  boost::asio::io_context ctx;
  int started = 0;
  std::function<void()> launch = [&] {
    if (started >= n) return;
    ++started;
    auto p = std::make_shared<bp::process>(Launcher{}(ctx, "/bin/true", std::vector<std::string>{},
                                                      bp::process_stdio{nullptr, nullptr, nullptr}));
    p->async_wait([p, &launch](boost::system::error_code, int) { launch(); });
  };
  for (int w = 0; w < workers; ++w) launch();
  ctx.run();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int workers = argc > 2 ? std::atoi(argv[2]) : 2;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  struct Way {
    const char* name;
    std::function<double()> run;
    std::vector<double> times;
  };
  std::vector<Way> ways = {
      {"posix_spawn", [&] { return bare(n, workers); }, {}},
      {"flow runner", [&] { return flow_runner(n, workers); }, {}},
      {"process v2", [&] { return process_v2<bp::default_process_launcher>(n, workers); }, {}},
      {"process v2 vfork", [&] { return process_v2<bp::posix::vfork_launcher>(n, workers); }, {}},
  };
  // Interleaved rounds, so that a noisy moment of the machine hits every way alike. A way
  // that throws is reported as failed (Boost 1.81's Process v2 does on some kernels).
  std::vector<std::string> failed(ways.size());
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < ways.size(); ++i) {
      if (!failed[i].empty()) continue;
      try {
        ways[i].times.push_back(ways[i].run());
      } catch (const std::exception& e) {
        failed[i] = e.what();
      }
    }
  const double floor = *std::min_element(ways[0].times.begin(), ways[0].times.end());
  std::printf("%d processes of /bin/true, %d at a time, best of %d interleaved rounds\n", n, workers, rounds);
  for (std::size_t i = 0; i < ways.size(); ++i) {
    const Way& w = ways[i];
    if (!failed[i].empty()) {
      std::printf("  %-17s failed: %s\n", w.name, failed[i].c_str());
      continue;
    }
    const double best = *std::min_element(w.times.begin(), w.times.end());
    std::printf("  %-17s %7.3f ms/process   %5.2fx posix_spawn\n", w.name, best * 1000 / n, best / floor);
  }
  return 0;
}
