// SPDX-License-Identifier: MIT
// A consumer of flow: the C++ API (flow::flow) and the C ABI (flow::c) in one program.
#include <flow/flow.h>
#include <flow/flow.hpp>
#include <flow/graph.hpp>

#include <cstdio>
#include <cstring>

int main() {
  const char* text = "## Phase 1\n- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 c (depends on T002)\n";
  auto graph = flow::build_graph(flow::parse_tasks_md(text));
  if (!graph) return 1;
  flow_plan* plan = nullptr;
  if (flow_plan_parse(&plan, text, std::strlen(text)) != FLOW_OK) return 2;
  const size_t c_tasks = flow_plan_task_count(plan);
  flow_plan_free(plan);
  std::printf("consumer ok: %d tasks (C++), %zu tasks (C), abi %d, flow %s\n", graph->task_count(), c_tasks,
              flow_abi_version(), flow_version_string());
  return graph->task_count() == 3 && c_tasks == 3 ? 0 : 3;
}
