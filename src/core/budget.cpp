// SPDX-License-Identifier: MIT
// Cost budgets: the run's and each task's.
#include <flow/budget.hpp>

#include <cstdio>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

std::string usd(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "$%.4f", v);
  return buf;
}

}  // namespace

std::optional<std::string> run_budget_reached(const Budget& b, double run_cost) {
  if (b.max_cost_usd <= 0 || run_cost < b.max_cost_usd) return std::nullopt;
  return "the run has cost " + usd(run_cost) + ", its budget is " + usd(b.max_cost_usd) +
         " (budget.maxCostUsd): nothing new starts; running tasks finish";
}

std::optional<std::string> task_budget_reached(const Budget& b, double task_cost) {
  if (b.max_task_cost_usd <= 0 || task_cost < b.max_task_cost_usd) return std::nullopt;
  return "the task has cost " + usd(task_cost) + ", its budget is " + usd(b.max_task_cost_usd) +
         " (budget.maxTaskCostUsd): it is not retried";
}

std::string cost_text(double v, bool reported) { return reported ? usd(v) : "not reported"; }

FLOW_END_NAMESPACE
}  // namespace flow
