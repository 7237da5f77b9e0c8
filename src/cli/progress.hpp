// SPDX-License-Identifier: MIT
// The live view of `flow run` and the --events writer.
#pragma once

#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/run.hpp>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace flow::cli {

/// What the live view shows, tracked from run events. Pure: render() is a function of it.
struct ProgressState {
  const TaskGraph* graph = nullptr;
  int workers = 1;
  double now = 0;
  std::vector<TaskStatus> status;            ///< per task
  std::vector<double> started;               ///< per task: when its current attempt started
  std::vector<std::string> activity;         ///< per task: what its agent does now (from its stream)
  std::vector<double> finished_seconds;      ///< per task: its duration when it succeeded
  std::vector<std::string> completed;        ///< "T001 description", in order
  /// Per task that failed an attempt: how many attempts failed, and the last reason. A
  /// task that later succeeds leaves this map.
  std::set<int> attention;                   ///< failed with the recovery ladder exhausted: a person's turn
  std::map<int, std::pair<int, std::string>> failures;
  int retries = 0;
  int interrupts = 0;                        ///< Ctrl-C presses the run reported
  bool finished = false;                     ///< run-finished was seen
  double default_estimate = 300;             ///< seconds, without history and until the run has measured some
  std::vector<Estimate> prior;               ///< per task, from the journal's history; empty: the default
  int attempts = 0, failed_attempts = 0;     ///< for the share of attempts that fail
  /// Named resources each task claims (SchedulerOptions::resources): empty, or one list
  /// per task. A ready task waiting for one a running task holds is the bottleneck.
  std::vector<std::vector<std::string>> resources;
  /// Cost as the agents report it (`cost` events): per task over its attempts, and
  /// whether any agent gave one; with none, the view says "not reported", never $0.
  std::vector<double> cost;
  double cost_total = 0;
  bool cost_reported = false;
  int ended_attempts = 0;
  /// Per agent whose concurrency changed: how it stands (describe_limit()).
  std::map<std::string, std::string> limits;
  std::string budget;                        ///< why a cost budget stopped new starts

  void on_event(const RunEvent& e);
  /// Expected seconds per task: learned from this run's finished tasks and what its running
  /// ones have run so far (learn_estimates())
  /// over the prior (history, else the default).
  [[nodiscard]] std::vector<Estimate> estimates() const;
};

/// What an interrupted run does now, in the words of the live view's status line and of
/// the plain progress alike: "no new task starts; waiting for T002, T003 (Ctrl-C again
/// kills)" after one interrupt, "killing T002, T003" after two; empty before any.
[[nodiscard]] std::string stopping_text(const ProgressState& s);

/// The size and kind of frame to render.
struct Frame {
  bool color = false;   ///< ANSI colors
  int columns = 0;      ///< no line is wider (display columns); 0: no limit
  int rows = 0;         ///< no more lines than this (lists collapse to "+N more"); 0: no limit
  bool final = false;   ///< the run is over: say how it ended and what is left
};

/// The screen as lines (without newlines), in the spirit of the original design's layout.
[[nodiscard]] std::vector<std::string> render_lines(const ProgressState& s, const Frame& f);
/// render_lines() without limits, joined with newlines.
[[nodiscard]] std::string render(const ProgressState& s, bool color);

/// Redraws render() in place on a terminal at most every `interval` seconds.
class LiveView final : public RunObserver {
 public:
  LiveView(const TaskGraph& graph, int workers, double interval, bool color);
  void on_event(const RunEvent& e) override;
  void on_tick(double now) override;
  /// Estimates from earlier runs (history_estimates()), one per task.
  void set_prior(std::vector<Estimate> prior) { state_.prior = std::move(prior); }
  /// The named resources each task claims (one list per task), to name them when they
  /// hold ready tasks back.
  void set_resources(std::vector<std::vector<std::string>> resources) { state_.resources = std::move(resources); }
  /// Draws the final frame and leaves it on the screen.
  void close();
  ~LiveView() override;

 private:
  void draw(bool final = false);
  ProgressState state_;
  double interval_, last_draw_ = -1;
  bool color_;
  bool dirty_ = false;
  bool closed_ = false;
  bool winch_installed_ = false;
  std::vector<int> widths_;   ///< display width of each line of the frame on screen
};

/// Writes every event as one JSON line (schema in docs/events.md), then forwards it.
class EventWriter final : public RunObserver {
 public:
  EventWriter(std::FILE* out, const Plan& plan, RunObserver& next) : out_(out), plan_(plan), next_(next) {}
  void on_event(const RunEvent& e) override;
  void on_tick(double now) override { next_.on_tick(now); }

 private:
  std::FILE* out_;
  const Plan& plan_;
  RunObserver& next_;
};

}  // namespace flow::cli
