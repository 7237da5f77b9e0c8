// SPDX-License-Identifier: MIT
#include "cli/history.hpp"

#include <fstream>
#include <map>
#include <string_view>

namespace flow::cli {

namespace {

// The value of "key" in one of the journal's flat JSON lines: a string (without escapes,
// as task IDs and outcomes are) or a number; empty when absent.
std::string field(std::string_view line, std::string_view key) {
  const std::string pat = "\"" + std::string(key) + "\":";
  const std::size_t at = line.find(pat);
  if (at == std::string_view::npos) return {};
  std::size_t i = at + pat.size();
  if (i < line.size() && line[i] == '"') {
    const std::size_t end = line.find('"', i + 1);
    return end == std::string_view::npos ? std::string() : std::string(line.substr(i + 1, end - i - 1));
  }
  const std::size_t end = line.find_first_of(",}", i);
  return std::string(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
}

}  // namespace

std::vector<HistoryEntry> read_history(const std::string& workdir, const Plan& plan) {
  std::vector<HistoryEntry> out;
  std::ifstream in(workdir + "/.flow/implementation.log", std::ios::binary);
  if (!in) return out;
  std::map<std::string, const Task*> by_id;
  for (const Task& t : plan.tasks) by_id.emplace(t.id, &t);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"task-finished\"") == std::string::npos || field(line, "event") != "task-finished") continue;
    if (field(line, "outcome") != "succeeded") continue;
    const double seconds = std::atof(field(line, "seconds").c_str());
    if (seconds <= 0) continue;
    const std::string id = field(line, "task");
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
