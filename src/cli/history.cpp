// SPDX-License-Identifier: MIT
#include "cli/history.hpp"

#include "runtime/journal_read.hpp"

#include <map>

namespace flow::cli {

std::vector<HistoryEntry> read_history(const std::string& workdir, const Plan& plan) {
  std::vector<HistoryEntry> out;
  std::map<std::string, const Task*> by_id;
  for (const Task& t : plan.tasks) by_id.emplace(t.id, &t);
  for (const detail::FinishedTask& f : detail::succeeded_tasks(workdir + "/.flow/implementation.log")) {
    if (f.seconds <= 0) continue;
    const std::string& id = f.id;
    const double seconds = f.seconds;
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;   // a task no longer in the plan
    const Task& t = *it->second;
    HistoryEntry h;
    h.task_id = id;
    h.phase_kind = plan.phases[static_cast<std::size_t>(t.phase)].kind;
    h.labels = t.labels;
    if (!t.story_label.empty()) h.labels.push_back(t.story_label);
    h.files = static_cast<int>(t.paths.size());
    h.seconds = seconds;
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<Estimate> history_estimates(const std::string& workdir, const Plan& plan, int* samples) {
  std::vector<HistoryEntry> h = read_history(workdir, plan);
  if (samples) *samples = static_cast<int>(h.size());
  return Estimator(std::move(h)).estimate_all(plan);
}

}  // namespace flow::cli
