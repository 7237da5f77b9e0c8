// SPDX-License-Identifier: MIT
// The dependency graph of a Plan: which task waits for which, and why.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Which rule made an edge.
enum class EdgeRule {
  phase_order,   ///< phases run in order (FORMAT.md rule 1)
  story_phase,   ///< user-story phases wait for the phase before them, not for each other (rule 2)
  group_order,   ///< sub-headings inside a phase run in order (rule 3)
  sequential,    ///< a task without [P] waits for what comes before it in its group (rule 4)
  parallel_run,  ///< a [P] task waits for the last non-[P] task before it (rule 4)
  task_ref,      ///< written on the task: `(depends on T012)`, `[depends:T001]`, `after T002`
  heading_ref,   ///< written on a heading: `### Rename (depends on T016)`, `[depends:A]`
  statement,     ///< a line of a dependency section: `T011 blocks T014`, `T001 → T002`
  story_prose,   ///< story-level prose: `User Story 2 … depends on US1`
};

/// Whether the author wrote the edge (a reference or a statement), rather than it
/// following from where the tasks sit in the file.
constexpr bool is_written(EdgeRule rule) noexcept {
  return rule == EdgeRule::task_ref || rule == EdgeRule::heading_ref || rule == EdgeRule::statement ||
         rule == EdgeRule::story_prose;
}

/// Why an edge exists: the rule, the line it comes from, and the words.
struct EdgeReason {
  EdgeRule rule = EdgeRule::sequential;
  int line = 0;
  std::string words;
};

/// `from` must finish before `to` starts. Nodes are task indices (into Plan::tasks) or,
/// from `TaskGraph::task_count()` on, gates: zero-work nodes that stand for "every task
/// of this phase (or group)", which keep "phase B waits for phase A" linear in size.
struct Edge {
  int from = 0;
  int to = 0;
  EdgeReason reason;
};

/// How to build the graph.
struct GraphOptions {
  /// `stories: parallel` (default): consecutive user-story phases wait only for the
  /// phase before them. `sequential`: they run one after another in file order.
  bool stories_parallel = true;
};

/// A file (or folder) that tasks share: no two of `tasks` run at the same time, nor one
/// of `tasks` with one of `inside` (the tasks naming something inside the folder; they
/// may run together). Kept per file, not per pair of tasks, so that a file every task
/// names costs memory linear in the tasks.
struct LockConflict {
  std::string path;         ///< the lock root: the file, or a folder ending in '/'
  std::vector<int> tasks;   ///< the tasks that name it, ascending
  std::vector<int> inside;  ///< for a folder: tasks naming only what is inside it, ascending
  int parallel = 0;         ///< how many of both are marked [P]
  /// Do tasks a and b (both of this group) exclude each other here?
  [[nodiscard]] FLOW_API bool excludes(int a, int b) const;
};

/// The longest path through the graph under given durations.
struct CriticalPath {
  std::vector<int> tasks;  ///< in order, tasks only
  double length = 0;
};

/// A Plan's dependency graph. Built by build_graph(); immutable afterwards.
/// Thread safety: immutable; share freely.
class FLOW_API TaskGraph {
 public:
  /// The plan the graph was built from (the graph keeps it alive).
  [[nodiscard]] const Plan& plan() const noexcept { return *plan_; }
  [[nodiscard]] std::shared_ptr<const Plan> shared_plan() const noexcept { return plan_; }
  /// The options the graph was built with.
  [[nodiscard]] const GraphOptions& options() const noexcept { return options_; }

  /// Number of tasks; task i is plan().tasks[i].
  [[nodiscard]] int task_count() const noexcept { return tasks_; }
  /// Tasks plus gates.
  [[nodiscard]] int node_count() const noexcept { return static_cast<int>(succ_.size()); }
  [[nodiscard]] bool is_gate(int node) const noexcept { return node >= tasks_; }
  /// A gate's name, e.g. `Phase 2: Foundational` or `Tests for User Story 1`.
  [[nodiscard]] const std::string& gate_name(int node) const { return gate_names_[static_cast<std::size_t>(node - tasks_)]; }

  [[nodiscard]] std::span<const int> successors(int node) const { return succ_[static_cast<std::size_t>(node)]; }
  [[nodiscard]] std::span<const int> predecessors(int node) const { return pred_[static_cast<std::size_t>(node)]; }
  [[nodiscard]] const std::vector<Edge>& edges() const noexcept { return edges_; }
  /// The edges into `node`, with their reasons.
  [[nodiscard]] std::vector<const Edge*> edges_into(int node) const;

  /// Task prerequisites with gates looked through: every task `task` waits for directly
  /// or through a gate.
  [[nodiscard]] std::vector<int> task_predecessors(int task) const;

  /// All nodes, each after everything it waits for; ties in document order.
  [[nodiscard]] const std::vector<int>& topological_order() const noexcept { return topo_; }

  /// Tasks grouped by depth: wave k holds the tasks whose longest chain of
  /// prerequisites has k tasks. A wave's tasks can run together (locks aside).
  [[nodiscard]] std::vector<std::vector<int>> waves() const;

  /// The longest path, `durations[i]` being task i's duration (gates take none). Tasks
  /// the plan already marks done (or otherwise not pending) count as finished at time
  /// 0, whatever they waited for: this and the two below are about the work left.
  [[nodiscard]] CriticalPath critical_path(std::span<const double> durations) const;

  /// For every node, the longest path from its start to the end of the graph, itself
  /// included: the scheduler's priority. Gates add no duration.
  [[nodiscard]] std::vector<double> remaining_length(std::span<const double> durations) const;

  /// No schedule on `workers` workers can be shorter: max(critical path, work / workers).
  [[nodiscard]] double makespan_lower_bound(std::span<const double> durations, int workers) const;

  /// What holds back the nodes a written edge (is_written) from `node` leads to: `node`
  /// itself when it is a task the file marks otherwise (`[~]`: begun, deferred), or for
  /// a gate (a phase, a group, a story) one such task among those it stands for; -1 when
  /// none. Such a task is not done, so what the author said waits for it, or for its
  /// story, waits; document order alone holds nothing back.
  [[nodiscard]] int set_aside(int node) const { return set_aside_[static_cast<std::size_t>(node)]; }

  /// Files named by more than one task, with those tasks. Sorted by (first task, path).
  [[nodiscard]] const std::vector<LockConflict>& lock_conflicts() const noexcept { return conflicts_; }

  /// Findings made while building (unknown references in statements, [P] tasks that
  /// share a file, statements that name nothing).
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  friend class GraphBuilder;
  std::shared_ptr<const Plan> plan_;
  GraphOptions options_;
  int tasks_ = 0;
  std::vector<std::string> gate_names_;
  std::vector<std::vector<int>> succ_, pred_;
  std::vector<Edge> edges_;
  std::vector<int> topo_;
  std::vector<int> set_aside_;
  std::vector<LockConflict> conflicts_;
  std::vector<Diagnostic> diagnostics_;
};

/// Builds the dependency graph of `plan` by FORMAT.md's rules: the implicit ones
/// (phase order, story independence, group order, [P] runs) and the explicit ones (task
/// references, heading references, dependency-section statements with ranges, `→`,
/// `blocks`, `after`, `before`, `∥`, story-level prose). Fails with Errc::cycle when the
/// edges form a cycle; the message names every task on it with its line and the reason
/// of each edge. Pure.
/// @code
///   auto graph = flow::build_graph(flow::parse_tasks_md(text));
///   if (!graph) fmt::print("{}\n", graph.error().message);
/// @endcode
[[nodiscard]] FLOW_API Result<TaskGraph> build_graph(Plan plan, const GraphOptions& options = {});

FLOW_API const char* to_string(EdgeRule rule) noexcept;

FLOW_END_NAMESPACE
}  // namespace flow
