// SPDX-License-Identifier: MIT
// Helpers shared by the CLI's subcommands: loading a plan and its graph, formatting.
#pragma once

#include <flow/graph.hpp>
#include <flow/tasks_md.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::cli {

/// A parsed tasks.md and its graph, or the exit code to return after printing why not.
struct Loaded {
  std::string path;
  std::string text;
  std::optional<TaskGraph> graph;  ///< absent when the graph could not be built
  Plan plan;                       ///< the plan (also inside graph when built)
  int exit = 0;
};

/// Reads and parses `path`, prints its error diagnostics as `path:line: …`, builds the
/// graph (printing a cycle as an error). `exit` is 0, or 2 (kUsage) when the file cannot
/// be read or has errors that every command refuses.
Loaded load(const std::string& path, const GraphOptions& options);

/// 95 -> "1m 35s", 3725 -> "1h 02m", 12.5 -> "12.5s".
std::string human_seconds(double s);

/// The first `max` lines of an agent's output (or other untrusted text) as a terminal
/// may show them: control characters (ESC, CR, tabs) are spaces, so that what an agent
/// printed cannot move the cursor or rewrite what is on screen.
std::vector<std::string> shown_lines(std::string_view text, int max);

/// The summary's lines for blocked tasks, one per cause in the order causes first block
/// something: "blocked by T006: T007, T008, … and 10 more (18 tasks)". `blocked` holds
/// (task ID, cause) in document order; a cause is a task ID or a phrase ("the stop").
/// A run that fails early in a long file names each cause once, not each task it blocks.
std::vector<std::string> blocked_lines(const std::vector<std::pair<std::string, std::string>>& blocked);
/// Task IDs as one readable line however many there are: "T007, T008, … and 10 more (18 tasks)".
std::string id_list(const std::vector<std::string>& ids);

/// The worker count a run of `tasks_path` would use with no --workers: its settings'
/// implementer.parallel.maxWorkers (1 when parallel.enabled is false), else flow's one
/// default, RunOptions{}.workers (1). plan and simulate plan for it too.
int default_workers(const std::string& tasks_path);

/// Parses a whole-number option value from `low` to `high`; prints an error and returns
/// nullopt if bad.
std::optional<int> parse_count(const std::string& cmd, const std::string& flag, const std::string& value, int low = 1,
                               int high = 4096);

/// The task indices named by `--only T004-T010,T012` (ranges by document order of IDs).
std::optional<std::vector<bool>> parse_only(const Plan& plan, const std::string& spec, std::string& error);

/// The tasks `--only` and `--story` (label or story phase) select, both applying; an
/// empty vector when neither is given (all tasks). nullopt with `error` on a bad --only.
std::optional<std::vector<bool>> select_tasks(const Plan& plan, const std::string& only,
                                              const std::vector<std::string>& stories, std::string& error);

/// For a subcommand given no tasks.md: the current Spec-Kit feature's, found as Spec-Kit
/// finds it. The project is $SPECIFY_INIT_DIR, else the nearest folder up from here with
/// `.specify/`, else with `.git`; its feature is $SPECIFY_FEATURE_DIRECTORY, else
/// `.specify/feature.json`'s feature_directory, else specs/$SPECIFY_FEATURE, else the
/// git branch (`001-x` -> specs/001-x/, or the one specs/001-*/ of its number). False,
/// after printing what it tried, when none has a tasks.md.
bool find_feature_tasks(const std::string& cmd, std::string& path);

}  // namespace flow::cli
