// SPDX-License-Identifier: MIT
// One background thread that runs jobs in the order they were posted: where the git
// workspace does its slow work (worktrees, commits, removals) while the run loop goes
// on deciding and starting tasks. The runtime may start threads; the pure core never
// does. Internal.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace flow::detail {

/// Jobs run one at a time, first posted first, on a thread started with the first job;
/// a job must not throw (it reports what went wrong through what it returns to).
/// Thread safety: post and wait_idle from any thread. The destructor finishes what was
/// posted, then joins.
class Worker {
 public:
  Worker() = default;
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> job);
  /// Returns once every job posted so far has run.
  void wait_idle();

 private:
  void run();
  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace flow::detail
