// SPDX-License-Identifier: MIT
// The agents of a run and which one each attempt runs on.
#include "runtime/agent_pool.hpp"

namespace flow::detail {

namespace {

std::vector<std::string> names_of(const std::shared_ptr<const AgentAdapter>& own, const RunOptions& o) {
  std::vector<std::string> names{own ? own->name() : std::string("agent")};
  for (const auto& a : o.fallback_agents)
    if (a) names.push_back(a->name());
  return names;
}

}  // namespace

AgentPool::AgentPool(std::shared_ptr<const AgentAdapter> own, const RunOptions& o, int workers, int tasks)
    : names_(names_of(own, o)),
      load_(names_, o.agent_max_workers, workers, o.aimd),
      preferred_(static_cast<std::size_t>(tasks), names_.front()),
      on_(static_cast<std::size_t>(tasks), names_.front()),
      running_(static_cast<std::size_t>(tasks), 0) {
  adapters_.emplace(names_.front(), std::move(own));
  for (const auto& a : o.fallback_agents)
    if (a) adapters_.emplace(a->name(), a);  // the first of a name wins, as in AgentLoad
}

std::optional<std::string> AgentPool::choose(int t, const RecoveryPolicy& policy, double now) const {
  return load_.choose(preferred(t), policy, now);
}

bool AgentPool::prefer(int t, const std::string& agent) {
  // The settings give a command template the name "command" only when it is a fallback
  // of a named CLI (config/run_setup.cpp); otherwise it is the run's own agent.
  const std::string& name = !knows(agent) && agent == "command" ? own() : agent;
  if (!knows(name)) return false;
  preferred_[static_cast<std::size_t>(t)] = name;
  return true;
}

void AgentPool::started(int t, const std::string& agent) {
  const auto i = static_cast<std::size_t>(t);
  on_[i] = knows(agent) ? agent : own();
  running_[i] = 1;
  load_.started(on_[i]);
}

std::optional<int> AgentPool::ended(int t, bool rate_limited, double now) {
  const auto i = static_cast<std::size_t>(t);
  if (!running_[i]) return std::nullopt;  // counted once, however the attempt ended
  running_[i] = 0;
  return load_.ended(on_[i], rate_limited, now);
}

const AgentAdapter& AgentPool::adapter(int t) const { return *adapters_.at(on(t)); }

}  // namespace flow::detail
