// SPDX-License-Identifier: MIT
// A consumer of the C++ API alone.
#include <flow/flow.hpp>
#include <flow/graph.hpp>

#include <cstdio>

int main() {
  auto graph = flow::build_graph(flow::parse_tasks_md("## Phase 1\n- [ ] T001 a\n- [ ] T002 b\n"));
  if (!graph) return 1;
  std::printf("core-only consumer ok: %d tasks\n", graph->task_count());
  return graph->task_count() == 2 ? 0 : 2;
}
