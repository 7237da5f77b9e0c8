// SPDX-License-Identifier: MIT
// What the dashboard knows about one tasks.md: its graph, and its last run as the journal
// tells it, turned into flow-event/1 events and a state to take a snapshot of. No I/O
// but reading the journal; no networking (serve/server.cpp holds that).
#pragma once

#include <flow/graph.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow::serve {

/// One tasks.md on the dashboard: its graph, fixed at start, and the run the journal
/// shows: the last one that did something, then each new one as it starts.
/// Thread safety: one thread at a time (the server's I/O thread).
class FeatureModel {
 public:
  /// `text` is tasks.md as `graph` was built from it; `tasks_path` absolute.
  FeatureModel(int index, std::string tasks_path, std::string text, TaskGraph graph, std::string journal_path);
  ~FeatureModel();
  FeatureModel(const FeatureModel&) = delete;
  FeatureModel& operator=(const FeatureModel&) = delete;

  /// The graph as the page draws it: tasks, phases (lanes), groups, stories, edges
  /// (gates included), the critical path and each node's remaining length. JSON.
  [[nodiscard]] std::string structure_json() const;

  /// Where each task and the run stand now: what a client that lost events starts
  /// from. JSON.
  [[nodiscard]] std::string state_json() const;

  /// Reads what was appended to the journal since the last call and returns it as
  /// events (flow-event/1 JSON objects with `feature` and `index` added).
  std::vector<std::string> poll_journal();

  /// Whether the run shown has started and has neither finished nor been found gone.
  [[nodiscard]] bool run_open() const noexcept { return !run_.id.empty() && !run_.finished && !run_.ended; }

  /// The run shown is over without a `run-finished` line: its process is gone (killed,
  /// crashed). Marks it so and returns the `run-ended` event; nullopt when it is not open.
  /// Read the journal to its end first: a run writes its last line before it lets go of
  /// its lock.
  std::optional<std::string> run_gone();

  /// An event that is not journaled (an agent's live activity), for task `id` at `line`.
  std::optional<std::string> activity(std::string_view id, int line, int attempt, std::string_view detail);

  /// The log of `task`'s latest attempt (stdout, then stderr), its last `max_bytes`;
  /// nullopt when it has none. Only files under the work directory's .flow/runs/.
  [[nodiscard]] std::optional<std::string> output(int task, std::size_t max_bytes) const;

  /// Who the page's controls reach, said in the state: "here" (the run in this
  /// process), "inbox" (the run of process `pid`, through its control inbox, with run
  /// ID `run_id`) or "" (none: the page shows no controls).
  void set_control(std::string via, long pid = 0, std::string run_id = {});

  [[nodiscard]] int task_count() const noexcept { return graph_.task_count(); }
  [[nodiscard]] const Task& task(int t) const { return graph_.plan().tasks[static_cast<std::size_t>(t)]; }
  [[nodiscard]] const std::string& tasks_path() const noexcept { return tasks_path_; }
  [[nodiscard]] const std::string& run_id() const noexcept { return run_.id; }

 private:
  struct Attempt {
    double start = 0, end = -1;
    std::string outcome, failure_class, log;
  };
  struct TaskState {
    std::string state;   // pending, done, running, succeeded, failed, retrying, blocked, skipped, killed
    int attempts = 0;
    double seconds = 0, cost_usd = 0;
    double input_tokens = 0, output_tokens = 0;
    std::string failure_class, reason, activity;
    bool marked = false;
    std::vector<Attempt> tries;
  };
  struct RunState {
    std::string id, started;
    double start_epoch = 0;
    bool finished = false, paused = false, interrupted = false;
    bool ended = false;  // its process went away without finishing it (run_gone)
    int workers = 1;
    double wall = 0, cost_usd = 0;
  };

  void reset_run();
  std::optional<std::string> apply(std::string_view line, bool history);
  int find(std::string_view id, int line, std::string_view text) const;
  double since_start(std::string_view iso) const;

  int index_;
  std::string tasks_path_, text_, journal_path_, runs_dir_;
  TaskGraph graph_;
  std::vector<double> remaining_;
  std::vector<int> critical_;
  std::string shown_run_;   // the run picked at start; later runs replace it as they start
  std::uint64_t history_end_ = 0;  // the journal's size at start: before it, history
  std::uint64_t offset_ = 0;
  // The journal stays open between polls (an open and a buffer every 200 ms cost more
  // than the lines read); it is opened again when the file at the path is another one.
  int fd_ = -1;
  std::uint64_t dev_ = 0, ino_ = 0;
  std::string partial_;
  RunState run_;
  std::vector<TaskState> tasks_;
  std::string control_via_, control_run_;
  long control_pid_ = 0;
};

}  // namespace flow::serve
