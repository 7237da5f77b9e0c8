// SPDX-License-Identifier: MIT
// What a run keeps: the journal file (.flow/implementation.log, append-only JSON lines),
// the run lock, and RunLog, through which the loop writes its journal lines and tells
// its observer (what is shown) the matching events. Reading the journal back is
// elsewhere. Internal.
#pragma once

#include <flow/graph.hpp>
#include <flow/run.hpp>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace flow::detail {

/// UTC now, as the journal writes it: "2026-11-24T07:24:57.381Z".
[[nodiscard]] std::string iso_now();
/// A new run's ID: UTC time and the process ID ("20261124T072457Z-4242").
[[nodiscard]] std::string make_run_id();
/// A new run's ID and its directory under `runs` (created, with `runs`), which no other
/// run has: a second run in the same second of the same process (a host's threads) gets
/// "…-4242-2". Only what this created is the caller's to remove.
struct RunDir {
  std::string id, path;
};
[[nodiscard]] Result<RunDir> claim_run_dir(const std::string& runs);

/// What a restore_if_deleted found and did: `what` says it, for the journal and the user.
struct Restored {
  enum class How {
    nothing,   ///< the file was there
    restored,  ///< made again at its path
    failed,    ///< it could not be
    taken,     ///< the lock: another run took the new one meanwhile
  };
  How how = How::nothing;
  std::string what;
};

/// Append-only JSON lines. Every line is one write() (in the page cache at once, so it
/// survives flow being killed); the caller asks for fdatasync where a power loss must
/// not lose it. Thread safety: one thread at a time.
class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  Result<void> open(const std::string& path);
  /// Appends `line` (one JSON object, no newline). False when the line (or, if durable,
  /// its flush) did not reach the disk: the first such failure is kept in error(). A
  /// journal never opened (a dry run) takes every line and keeps none.
  bool write(std::string_view line, bool durable);
  bool sync();
  [[nodiscard]] const std::string& error() const { return error_; }
  /// When its file was deleted meanwhile (`git clean -fdx` takes `.flow/`, which git
  /// ignores), writes it again at its path from what the open descriptor still holds,
  /// and appends there from now on. Restored::failed is a write error of the run.
  Restored restore_if_deleted();

 private:
  void note(int err);
  int fd_ = -1;
  std::string path_;
  std::string error_;
};

/// One run per tasks.md at a time: an flock()ed file under .flow/locks. The kernel drops
/// the lock when its holder dies, even by kill -9, so a stale lock cannot block anyone;
/// the pid written in it tells who held it last. Thread safety: one thread at a time.
class RunLock {
 public:
  RunLock() = default;
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  /// Takes the lock (waiting up to 60 s for git commands a dead holder started); a
  /// sentence when it took over the lock of a run that died, else empty. The lock file
  /// then holds the pid and, on a second line, `run_id` (where other processes find
  /// the run's control inbox).
  Result<std::string> acquire(const std::string& path, const std::string& run_id = {});
  /// The lock's descriptor, for the commands that must hold it as long as they run.
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// When the lock's file was deleted meanwhile, takes the lock again on a new one at its
  /// path (the old one stays held for the commands that share it); Restored::taken when
  /// another run has the new one.
  Restored restore_if_deleted();

 private:
  std::string path_, run_id_;
  int again_ = -1;  // the lock taken again on a new file, when its first was deleted
  static constexpr int kGitGraceTicks = 1200;  // 60 s in 50 ms steps
  int fd_ = -1;
  bool held_ = false;
};

/// A journal field: text or a number.
struct Field {
  const char* key;
  std::variant<std::string, double> value;
};

/// The run's record: journal lines (what the next run, `flow status` and rollback read)
/// and observer events (what is shown), both stamped with the run's ID and clock. A line
/// that does not reach the journal is a write error of the run. It reads the loop's
/// current plan through `graph` and `plan_text` (the text the plan was parsed from),
/// which may be replaced during the run. Thread safety: one thread at a time (the loop's).
class RunLog {
 public:
  RunLog(RunObserver& observer, RunReport& report, const std::optional<TaskGraph>& graph, const std::string& plan_text)
      : obs_(observer), report_(report), graph_(graph), plan_text_(plan_text) {}

  Result<void> open(const std::string& path) { return journal_.open(path); }
  /// Journal::restore_if_deleted.
  Restored restore_if_deleted() { return journal_.restore_if_deleted(); }
  /// The run's clock starts now (events carry seconds since then).
  void start_clock() { start_ = Clock::now(); }
  [[nodiscard]] double now() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  /// A journal line for `event`, of task `t` (-1: none) and its `attempt` (0: none);
  /// false when it did not reach the journal (a write error of the run, as well).
  bool log(const std::string& event, int t, int attempt, std::initializer_list<Field> extra, bool durable = false) {
    return log(event, t, attempt, std::vector<Field>(extra), durable);
  }
  bool log(const std::string& event, int t, int attempt, const std::vector<Field>& extra, bool durable = false);
  /// A whole journal line, written as it is; false as log().
  bool write(std::string_view line, bool durable);
  /// Makes every line so far durable.
  void sync();
  /// An event for the observer.
  void emit(const std::string& kind, int t, int attempt, std::string detail);
  void tick(double now) { obs_.on_tick(now); }

 private:
  using Clock = std::chrono::steady_clock;
  void failed();
  RunObserver& obs_;
  RunReport& report_;
  const std::optional<TaskGraph>& graph_;
  const std::string& plan_text_;
  Journal journal_;
  Clock::time_point start_;
};

}  // namespace flow::detail
