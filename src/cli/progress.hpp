// SPDX-License-Identifier: MIT
// The live view of `flow run` and the --events writer.
#pragma once

#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/run.hpp>

#include <cstdio>
#include <map>
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
  std::vector<std::string> failures;         ///< "T014 auth: …"
  int retries = 0;
  double default_estimate = 300;             ///< seconds, until the run has measured some

  void on_event(const RunEvent& e);
  /// Expected seconds per task: the median of this run's finished tasks, else the default.
  [[nodiscard]] std::vector<Estimate> estimates() const;
};

/// The screen, in the spirit of the original design's layout; `color` adds ANSI colors.
[[nodiscard]] std::string render(const ProgressState& s, bool color);

/// Redraws render() in place on a terminal at most every `interval` seconds.
class LiveView final : public RunObserver {
 public:
  LiveView(const TaskGraph& graph, int workers, double interval, bool color);
  void on_event(const RunEvent& e) override;
  void on_tick(double now) override;
  void close();

 private:
  void draw();
  ProgressState state_;
  double interval_, last_draw_ = -1;
  bool color_;
  int lines_ = 0;
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
