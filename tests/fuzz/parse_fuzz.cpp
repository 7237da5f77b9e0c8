// SPDX-License-Identifier: MIT
// libFuzzer entry point for the tasks.md parser, the write-back, and what `flow plan`
// builds on the plan: the dependency graph and the estimator (critical path, makespan
// bounds, list schedule, ETA, bottlenecks).
// Build: cmake -DCMAKE_CXX_COMPILER=clang++ -DFLOW_BUILD_FUZZERS=ON; run: ./parse_fuzz corpus/
#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/scheduler.hpp>
#include <flow/tasks_md.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const flow::Plan plan = flow::parse_tasks_md(text);
  std::vector<flow::MarkChange> changes;
  for (const flow::Task& t : plan.tasks) {
    if (t.mark_offset == flow::Task::npos) continue;
    if (t.mark_offset >= size || text[t.mark_offset - 1] != '[') std::abort();
    changes.push_back({t.line, t.id, t.state != flow::TaskState::done});
  }
  auto out = flow::set_marks(text, plan, changes);
  if (out && out->size() != size) std::abort();
  // Headings' marks (steps, a Status field's value, the check mark ending it), whose
  // splices move the offsets after them: in place, in two writes, the same bytes. One
  // direction at a time: marks cleared in the first write can change the case the file
  // uses most (x or X), which the second write's marks then follow, as a parse would.
  for (const bool to_done : {true, false}) {
    std::vector<flow::MarkChange> headings;
    for (const flow::Task& t : plan.tasks)
      if (t.mark_offset == flow::Task::npos && t.has_marks() && (t.state != flow::TaskState::done) == to_done)
        headings.push_back({t.line, t.id, to_done});
    if (auto whole = flow::set_marks(text, plan, headings); whole) {
      std::string live(text);
      flow::Plan in_place = plan;
      const std::size_t half = headings.size() / 2;
      if (!flow::set_marks_in_place(live, in_place, std::span<const flow::MarkChange>(headings).first(half)) ||
          !flow::set_marks_in_place(live, in_place, std::span<const flow::MarkChange>(headings).subspan(half)) || live != *whole)
        std::abort();
    }
  }

  auto graph = flow::build_graph(plan);
  if (!graph) return 0;  // a cycle, an error diagnostic: refused, as flow plan does
  const flow::TaskGraph& g = *graph;
  if (static_cast<std::size_t>(g.task_count()) != plan.tasks.size()) std::abort();
  const flow::Estimator estimator;
  const std::vector<flow::Estimate> estimates = estimator.estimate_all(plan);
  if (estimates.size() != plan.tasks.size()) std::abort();
  std::vector<double> todo;
  std::vector<flow::TaskStatus> status;
  for (std::size_t t = 0; t < plan.tasks.size(); ++t) {
    const bool pending = plan.tasks[t].state == flow::TaskState::pending;
    todo.push_back(pending ? estimates[t].expected : 0);
    status.push_back(pending ? flow::TaskStatus::waiting : flow::TaskStatus::succeeded);
  }
  for (int workers : {1, 3}) {
    const flow::CriticalPath cp = g.critical_path(todo);
    const double makespan = flow::list_schedule_makespan(g, todo, workers);
    const double lb = g.makespan_lower_bound(todo, workers);
    const double tight = flow::makespan_lower_bound_tight(g, todo, workers);
    if (!std::isfinite(makespan) || !std::isfinite(lb) || !std::isfinite(tight)) std::abort();
    if (cp.length > makespan + 1e-6 || lb > makespan + 1e-6 || tight + 1e-6 < lb) std::abort();
    const std::map<int, double> elapsed;
    (void)flow::eta(g, status, estimates, elapsed, workers);
    (void)flow::bottlenecks(g, status, estimates, elapsed);
  }
  (void)g.waves();
  return 0;
}
