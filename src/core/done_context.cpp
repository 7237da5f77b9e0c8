// SPDX-License-Identifier: MIT
// The bounded "done so far" selection of a prompt: prerequisites, then tasks that touched
// the same files, then recent work in the same story, within a line and byte cap.
#include "core/done_context.hpp"

#include "core/locks.hpp"

#include <algorithm>

namespace flow::detail {

DoneLog::DoneLog(const TaskGraph& graph) : g_(graph) {
  const auto n = static_cast<std::size_t>(g_.task_count());
  lines_.resize(n);
  done_.assign(n, 0);
  for (int t = 0; t < g_.task_count(); ++t) ++scope_total_[scope_of(t)];
}

// Stories are positive keys, phases negative ones: a task without a story is placed
// among the other story-less tasks of its phase.
int DoneLog::scope_of(int task) const {
  const Task& t = g_.plan().tasks[static_cast<std::size_t>(task)];
  return t.story > 0 ? t.story : -1 - t.phase;
}

void DoneLog::add(int task, std::string line) {
  const auto i = static_cast<std::size_t>(task);
  if (done_[i]) return;  // counted once, whatever the caller does
  done_[i] = 1;
  lines_[i] = std::move(line);
  order_.push_back(task);
  for (const PathRef& p : g_.plan().tasks[i].paths) {
    std::vector<int>& list = by_file_[lock_root(p.path)];
    if (list.empty() || list.back() != task) list.push_back(task);
  }
  by_scope_[scope_of(task)].push_back(task);
}

DoneSelection DoneLog::select(int task, const DoneLimits& limits) const {
  DoneSelection s;
  s.finished = finished();
  std::size_t bytes = 0;
  std::vector<int> picked;  // small: at most max_lines
  const auto full = [&] { return s.shown.size() >= limits.max_lines; };
  const auto offer = [&](int t, DoneReason why) {
    if (t == task || full() || !done_[static_cast<std::size_t>(t)]) return;
    if (std::find(picked.begin(), picked.end(), t) != picked.end()) return;
    const std::string& line = lines_[static_cast<std::size_t>(t)];
    if (bytes + line.size() + 3 > limits.max_bytes) return;  // a shorter one may still fit
    bytes += line.size() + 3;
    picked.push_back(t);
    s.shown.push_back({t, why, &line});
  };

  // What it waits for directly. A phase or group gate stands for a whole phase: named,
  // not listed (that list is what grows with the run).
  std::vector<int> prereqs;
  for (int p : g_.predecessors(task)) {
    if (g_.is_gate(p)) {
      s.gates.push_back(g_.gate_name(p));
      continue;
    }
    prereqs.push_back(p);
  }
  // The nearest first (later in the document); after that each reason lists the most
  // recently finished first.
  std::sort(prereqs.begin(), prereqs.end(), std::greater<>());
  for (int p : prereqs) offer(p, DoneReason::prerequisite);

  for (const PathRef& p : g_.plan().tasks[static_cast<std::size_t>(task)].paths) {
    const auto it = by_file_.find(lock_root(p.path));
    if (it == by_file_.end()) continue;
    std::size_t looked = 0;
    for (auto r = it->second.rbegin(); r != it->second.rend() && !full() && looked++ < limits.max_lines; ++r)
      offer(*r, DoneReason::same_file);
  }

  const int scope = scope_of(task);
  if (const auto it = by_scope_.find(scope); it != by_scope_.end()) {
    s.story_done = static_cast<int>(it->second.size());
    std::size_t looked = 0;
    for (auto r = it->second.rbegin(); r != it->second.rend() && !full() && looked++ < limits.max_lines; ++r)
      offer(*r, DoneReason::same_story);
  }
  s.story_total = scope_total_.at(scope);
  s.others = s.finished - static_cast<int>(s.shown.size());
  return s;
}

}  // namespace flow::detail
