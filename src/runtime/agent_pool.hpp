// SPDX-License-Identifier: MIT
// The agents of a run: the run's own and its fallbacks, which one each attempt runs on,
// and how loaded each is (AgentLoad: caps, AIMD, the move off a closed gate).
#pragma once

#include <flow/agent.hpp>
#include <flow/agent_load.hpp>
#include <flow/run.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flow::detail {

/// Which adapter each task's attempt runs on. A task prefers the run's own agent until
/// a fallback decision names another; it starts on what AgentLoad::choose() says.
/// Thread safety: the run loop's thread only.
class AgentPool {
 public:
  /// `own` may be null (a dry run starts nothing). Fallbacks named like `own`, or twice,
  /// are dropped.
  AgentPool(std::shared_ptr<const AgentAdapter> own, const RunOptions& options, int workers, int tasks);

  [[nodiscard]] const std::string& own() const noexcept { return names_.front(); }
  [[nodiscard]] AgentLoad& load() noexcept { return load_; }
  [[nodiscard]] const AgentLoad& load() const noexcept { return load_; }
  /// Whether `name` is an agent of this run.
  [[nodiscard]] bool knows(const std::string& name) const { return adapters_.count(name) > 0; }

  /// The agent task `t` starts on now (AgentLoad::choose from its preferred one).
  [[nodiscard]] std::optional<std::string> choose(int t, const RecoveryPolicy& policy, double now) const;
  /// From now on `t` prefers `agent` (a fallback decision). "command", when the run has
  /// no agent of that name, is the run's own agent (the command template). An unknown
  /// name changes nothing: false.
  bool prefer(int t, const std::string& agent);
  [[nodiscard]] const std::string& preferred(int t) const { return preferred_[static_cast<std::size_t>(t)]; }

  /// `t`'s attempt starts on `agent`.
  void started(int t, const std::string& agent);
  /// `t`'s attempt ended; see AgentLoad::ended.
  std::optional<int> ended(int t, bool rate_limited, double now);
  /// The agent `t`'s current (or last) attempt runs on, and its adapter.
  [[nodiscard]] const std::string& on(int t) const { return on_[static_cast<std::size_t>(t)]; }
  [[nodiscard]] const AgentAdapter& adapter(int t) const;

 private:
  std::vector<std::string> names_;
  std::map<std::string, std::shared_ptr<const AgentAdapter>> adapters_;
  AgentLoad load_;
  std::vector<std::string> preferred_, on_;
  std::vector<char> running_;
};

}  // namespace flow::detail
