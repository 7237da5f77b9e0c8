// SPDX-License-Identifier: MIT
// Cost budgets (budget.maxCostUsd, budget.maxTaskCostUsd): when a run or a task has spent
// what it may, as the agents report their cost.
#pragma once

#include <flow/config.hpp>

#include <optional>
#include <string>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// What a run and each task may spend, in USD as the agents report it; 0: no limit.
/// Agents that report no cost never reach a budget (their cost is unknown, not zero).
struct Budget {
  double max_cost_usd = 0;           ///< the whole run: once reached, nothing new starts; running attempts finish
  double max_task_cost_usd = 0;      ///< one task, all its attempts: once reached, it is not retried
};

/// Why the run may start nothing more, as one line for the report and the journal;
/// nullopt while `run_cost` is under the budget. Pure.
[[nodiscard]] FLOW_API std::optional<std::string> run_budget_reached(const Budget& budget, double run_cost);

/// Why the task that has cost `task_cost` over its attempts may not run again; nullopt
/// while it is under the budget. Pure.
[[nodiscard]] FLOW_API std::optional<std::string> task_budget_reached(const Budget& budget, double task_cost);

/// "$0.0123", or "not reported" when `reported` is false: how every view says a cost.
[[nodiscard]] FLOW_API std::string cost_text(double usd, bool reported);

FLOW_END_NAMESPACE
}  // namespace flow
