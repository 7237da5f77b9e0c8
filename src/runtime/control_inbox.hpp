// SPDX-License-Identifier: MIT
// The run's control inbox across processes: another process (`flow retry`, later `flow
// serve` watching a run it did not start) posts a ControlRequest to a live run, which
// takes it where it polls its in-process RunControl. Internal.
//
// A request is one small JSON file, written whole under a temporary name and renamed
// into `.flow/control/<run-id>/` (a 0700 directory the run creates and removes), so the
// run never reads half of one. The run reads at most a few at a time, each at most
// 64 KiB, only regular files of its own user, and deletes each one it read.
#pragma once

#include <flow/error.hpp>
#include <flow/run.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flow::detail {

/// The live run of a tasks.md: who holds its run lock (flock'd under `.flow/locks`).
struct LiveRun {
  long pid = 0;
  std::string run_id;  ///< empty when the holder wrote none (a flow older than the inbox)
};

/// The run holding the lock file `lock_path` now, or nullopt when none holds it. Never
/// takes the lock for longer than a probe.
[[nodiscard]] std::optional<LiveRun> live_run(const std::string& lock_path);

/// The lock file of `tasks_path` (absolute) in `workdir`, as the run takes it.
[[nodiscard]] std::string run_lock_path(const std::string& workdir, const std::string& tasks_path);

/// Posts `request` to run `run_id`'s inbox in `workdir`; its ID (set in the journal's
/// `control` line as `request` once the run took it). Errc::not_found when the run has
/// no inbox (it ended, or never had one); Errc::invalid_argument for a request that is
/// too large or a run ID that is not one.
[[nodiscard]] Result<std::string> post_control(const std::string& workdir, const std::string& run_id,
                                               ControlRequest request);

/// The run's side. Thread safety: one thread at a time.
class ControlInbox {
 public:
  ControlInbox() = default;
  ~ControlInbox();
  ControlInbox(const ControlInbox&) = delete;
  ControlInbox& operator=(const ControlInbox&) = delete;

  /// Creates the inbox of run `run_id` (0700). False, with why in `error`, if it could not.
  bool open(const std::string& workdir, const std::string& run_id, std::string* error = nullptr);
  /// What waits, oldest first (at most 16 a call); each file read is deleted. Files that
  /// are not a valid request are deleted too, and said in `rejected` (why, one line).
  /// The folder is read at most every 100 ms (a read costs ~50 µs, and the loop may
  /// poll far more often while many tasks complete); a call in between takes nothing.
  [[nodiscard]] std::vector<ControlRequest> take(std::vector<std::string>* rejected = nullptr);
  /// Removes the inbox (what waits in it is not taken).
  void close();

 private:
  std::string dir_;
  std::chrono::steady_clock::time_point last_{};
};

/// The largest request file the run reads, and the largest hint it keeps.
inline constexpr std::size_t kMaxControlBytes = 64 * 1024;
inline constexpr std::size_t kMaxHintBytes = 16 * 1024;

}  // namespace flow::detail
