/* SPDX-License-Identifier: MIT */
/* flow.h must compile as strict C99 on its own (-Wall -Wextra -pedantic -Werror). */
#include <flow/flow.h>

int flow_headertest_use(void);
int flow_headertest_use(void) {
  flow_graph_options g = FLOW_GRAPH_OPTIONS_INIT;
  flow_scheduler_options s = FLOW_SCHEDULER_OPTIONS_INIT;
  flow_policy_options p = FLOW_POLICY_OPTIONS_INIT;
  flow_sim_options o = FLOW_SIM_OPTIONS_INIT;
  return (int)(g.version + s.version + p.version + o.version) + FLOW_ABI_VERSION;
}
