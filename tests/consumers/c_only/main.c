/* SPDX-License-Identifier: MIT */
/* The C ABI from a C-only project: parse a plan, build its graph, say what it holds. */
#include <flow/flow.h>

#include <stdio.h>
#include <string.h>

int main(void) {
  static const char text[] = "- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n";
  flow_plan *plan = NULL;
  flow_graph *graph = NULL;
  if (flow_plan_parse(&plan, text, strlen(text)) != FLOW_OK) return 2;
  if (flow_graph_new(&graph, plan, NULL) != FLOW_OK) return 3;
  printf("consumer ok: %zu tasks (C only), %zu in the graph, abi %d\n", flow_plan_task_count(plan),
         flow_graph_task_count(graph), flow_abi_version());
  flow_graph_free(graph);
  flow_plan_free(plan);
  return 0;
}
