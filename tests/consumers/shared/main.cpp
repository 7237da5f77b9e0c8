// SPDX-License-Identifier: MIT
// Against a shared flow::flow: the C++ API's out-of-line functions are exported (a
// member function of a public struct as much as a free one), and the C ABI works.
#include <flow/flow.h>
#include <flow/flow.hpp>
#include <flow/graph.hpp>

#include <cstdio>
#include <cstring>

int main() {
  const char* text = "## Phase 1\n- [ ] T001 a in `a.txt`\n- [ ] T002 [P] b in `a.txt`\n- [ ] T003 c (depends on T002)\n";
  const flow::Plan plan = flow::parse_tasks_md(text);
  auto graph = flow::build_graph(plan);
  if (!graph) return 1;
  const int at = plan.task_at_line(3);
  const std::size_t warnings = plan.count(flow::Severity::warning);
  bool excludes = false;
  for (const flow::LockConflict& c : graph->lock_conflicts()) excludes |= c.excludes(0, 1);
  flow_plan* cplan = nullptr;
  if (flow_plan_parse(&cplan, text, std::strlen(text)) != FLOW_OK) return 2;
  const size_t c_tasks = flow_plan_task_count(cplan);
  flow_plan_free(cplan);
  std::printf("shared consumer ok: %d tasks (C++), %zu tasks (C), task at line 3: %d, %zu warnings, a.txt shared: %s\n",
              graph->task_count(), c_tasks, at, warnings, excludes ? "yes" : "no");
  return graph->task_count() == 3 && c_tasks == 3 && at == 1 && excludes ? 0 : 3;
}
