// SPDX-License-Identifier: MIT
#include "cli/history.hpp"

#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "runtime/journal_read.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <utility>

namespace flow::cli {

namespace fs = std::filesystem;

namespace {

HistoryEntry entry(const Plan& plan, const Task& t, bool same_file, double seconds) {
  HistoryEntry h;
  // Another file's T003 is another task, and its story US1 another story: only its kind
  // of work, its other labels and its size say something of this file's tasks.
  if (same_file) h.task_id = t.id;
  h.phase_kind = plan.phases[static_cast<std::size_t>(t.phase)].kind;
  h.labels = t.labels;
  if (same_file && !t.story_label.empty()) h.labels.push_back(t.story_label);
  if (same_file) h.labels.insert(h.labels.end(), t.other_stories.begin(), t.other_stories.end());
  h.files = static_cast<int>(t.paths.size());
  h.seconds = seconds;
  return h;
}

}  // namespace

std::vector<HistoryEntry> read_history(const std::string& workdir, const std::string& tasks_path, const Plan& plan,
                                       std::string_view plan_text) {
  std::vector<HistoryEntry> out;
  std::error_code ec;
  const std::string self = fs::absolute(tasks_path, ec).string();
  const fs::path top = fs::absolute(workdir, ec).lexically_normal();
  // The other files the journal's runs ran, read once each: a task is known by its ID and
  // line text there (gone, or moved out of the work directory: not read).
  std::map<std::string, std::optional<std::pair<std::string, Plan>>> others;
  std::map<std::string, bool> is_self;  // a journaled path -> whether it names this file (a stat or two, once)
  for (const detail::FinishedTask& f : detail::succeeded_tasks(workdir + "/.flow/implementation.log")) {
    if (f.seconds <= 0) continue;
    auto known = is_self.find(f.tasks_md);
    if (known == is_self.end()) known = is_self.emplace(f.tasks_md, detail::same_tasks_file(f.tasks_md, self)).first;
    if (known->second) {
      // The same ID on a line that now says something else is another task.
      const int at = find_task_again(plan_text, plan, f.id, f.line, f.text);
      if (at >= 0) out.push_back(entry(plan, plan.tasks[static_cast<std::size_t>(at)], true, f.seconds));
      continue;
    }
    auto [it, fresh] = others.try_emplace(f.tasks_md);
    if (fresh) {
      const fs::path p = fs::path(f.tasks_md).lexically_normal();
      const std::string rel = p.lexically_relative(top).string();
      if (p.is_absolute() && !rel.empty() && rel.rfind("..", 0) != 0)
        if (auto text = read_file(p.string())) {
          Plan other = parse_tasks_md(*text);
          it->second.emplace(std::move(*text), std::move(other));
        }
    }
    if (!it->second) continue;
    const auto& [text, other] = *it->second;
    const int at = find_task_again(text, other, f.id, f.line, f.text);
    if (at >= 0) out.push_back(entry(other, other.tasks[static_cast<std::size_t>(at)], false, f.seconds));
  }
  return out;
}

std::vector<Estimate> history_estimates(const std::string& workdir, const std::string& tasks_path, const Plan& plan,
                                        std::string_view plan_text, int* samples) {
  std::vector<HistoryEntry> h = read_history(workdir, tasks_path, plan, plan_text);
  if (samples) *samples = static_cast<int>(h.size());
  return Estimator(std::move(h)).estimate_all(plan);
}

}  // namespace flow::cli
