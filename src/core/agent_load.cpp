// SPDX-License-Identifier: MIT
// Per-agent concurrency: caps, AIMD after rate limits, and the move to a fallback agent
// while a rate-limit gate is closed.
#include <flow/agent_load.hpp>

#include <algorithm>
#include <cmath>

namespace flow {
FLOW_BEGIN_NAMESPACE

AdaptiveLimit::AdaptiveLimit(int cap, AimdOptions options) : cap_(std::max(1, cap)), limit_(cap_), opt_(options) {}

bool AdaptiveLimit::on_rate_limit(double now) {
  if (!opt_.enabled) return false;
  // The attempts already running when the provider started refusing all hit the same
  // limit: one burst shrinks the limit once, as TCP halves its window once per loss.
  if (decreased_ && now - *decreased_ < opt_.burst_seconds) return false;
  const int next = std::max(1, static_cast<int>(std::floor(limit_ * opt_.decrease)));
  decreased_ = changed_ = now;  // at 1 already, the wait before growing back starts again
  if (next == limit_) return false;
  limit_ = next;
  return true;
}

bool AdaptiveLimit::on_success(double now) {
  if (!opt_.enabled || limit_ >= cap_) return false;
  if (changed_ && now - *changed_ < opt_.increase_seconds) return false;
  ++limit_;
  changed_ = now;
  return true;
}

AgentLoad::AgentLoad(std::vector<std::string> agents, const std::map<std::string, int>& caps, int workers, AimdOptions aimd) {
  for (std::string& a : agents) {
    if (a.empty() || slots_.count(a)) continue;
    const auto c = caps.find(a);
    const int cap = c != caps.end() && c->second > 0 ? std::min(c->second, std::max(1, workers)) : std::max(1, workers);
    slots_.emplace(a, Slot{AdaptiveLimit(cap, aimd), 0});
    names_.push_back(std::move(a));
  }
}

bool AgentLoad::open(const std::string& agent, const RecoveryPolicy& policy, double now) const {
  return !policy.gate_until(agent, now).has_value();
}

std::optional<std::string> AgentLoad::choose(const std::string& preferred, const RecoveryPolicy& policy, double now) const {
  const auto room = [&](const std::string& a) {
    const auto it = slots_.find(a);
    return it == slots_.end() || it->second.running < it->second.limit.limit();
  };
  if (open(preferred, policy, now)) {
    if (room(preferred)) return preferred;
    return std::nullopt;  // a full agent is no reason to move: its tasks wait for a slot
  }
  // Its gate is closed until a reset: another agent that can take it now beats the wait,
  // the run's own first, then the fallbacks in their order.
  for (const std::string& a : names_)
    if (a != preferred && open(a, policy, now) && room(a)) return a;
  return std::nullopt;
}

bool AgentLoad::can_move(const std::string& preferred, const RecoveryPolicy& policy, double now) const {
  if (open(preferred, policy, now)) return false;
  return std::any_of(names_.begin(), names_.end(),
                     [&](const std::string& a) { return a != preferred && open(a, policy, now); });
}

bool AgentLoad::any_room(const RecoveryPolicy& policy, double now) const {
  for (const std::string& a : names_) {
    const Slot& s = slots_.at(a);
    if (s.running < s.limit.limit() && open(a, policy, now)) return true;
  }
  return false;
}

std::optional<double> AgentLoad::next_gate(const RecoveryPolicy& policy, double now) const {
  std::optional<double> first;
  for (const std::string& a : names_)
    if (auto g = policy.gate_until(a, now)) first = first ? std::min(*first, *g) : *g;
  return first;
}

void AgentLoad::started(const std::string& agent) {
  if (auto it = slots_.find(agent); it != slots_.end()) ++it->second.running;
}

std::optional<int> AgentLoad::ended(const std::string& agent, bool rate_limited, double now) {
  const auto it = slots_.find(agent);
  if (it == slots_.end()) return std::nullopt;
  Slot& s = it->second;
  s.running = std::max(0, s.running - 1);
  const bool changed = rate_limited ? s.limit.on_rate_limit(now) : s.limit.on_success(now);
  return changed ? std::optional<int>(s.limit.limit()) : std::nullopt;
}

int AgentLoad::running(const std::string& agent) const {
  const auto it = slots_.find(agent);
  return it == slots_.end() ? 0 : it->second.running;
}

int AgentLoad::limit(const std::string& agent) const {
  const auto it = slots_.find(agent);
  return it == slots_.end() ? 0 : it->second.limit.limit();
}

int AgentLoad::cap(const std::string& agent) const {
  const auto it = slots_.find(agent);
  return it == slots_.end() ? 0 : it->second.limit.cap();
}

std::string describe_limit(const std::string& agent, int limit, int cap) {
  return agent + ": at most " + std::to_string(limit) + " of " + std::to_string(cap) + " worker" + (cap == 1 ? "" : "s") +
         (limit < cap ? " (rate limited)" : " (recovered)");
}

FLOW_END_NAMESPACE
}  // namespace flow
