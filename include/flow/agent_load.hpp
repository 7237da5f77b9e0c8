// SPDX-License-Identifier: MIT
// Which agent an attempt starts on, and how many attempts each agent may run at once:
// per-agent caps, rate-limit gates with fallback agents, and AIMD after 429s.
#pragma once

#include <flow/config.hpp>
#include <flow/recovery.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// How an agent's concurrency reacts to rate limits that come without a reset time (a
/// provider's requests- or tokens-per-minute 429s): multiplicative decrease, additive
/// increase (AIMD, as TCP does with its window). A usage limit with a reset closes the
/// agent's rate-limit gate instead (RecoveryPolicy::gate_until).
struct AimdOptions {
  bool enabled = true;
  double decrease = 0.5;             ///< the limit is multiplied by this on a rate limit (at least 1 stays)
  /// A rate limit this soon after the last decrease is the same burst (the attempts that
  /// were already running hit it too): it does not shrink the limit again.
  double burst_seconds = 10;
  /// An attempt that ends without a rate limit adds one worker back, at most once per
  /// this many seconds.
  double increase_seconds = 30;
};

/// One agent's attempts at once: its cap (`agents.<name>.maxWorkers`, else the run's
/// workers) and, under it, the limit AIMD sets after rate limits. Pure: time comes in
/// as `now` (seconds on the run's clock).
/// Thread safety: one thread at a time.
class FLOW_API AdaptiveLimit {
 public:
  explicit AdaptiveLimit(int cap = 1, AimdOptions options = {});
  [[nodiscard]] int cap() const noexcept { return cap_; }
  [[nodiscard]] int limit() const noexcept { return limit_; }
  /// An attempt failed with a rate limit at `now`: the limit shrinks (multiplied by
  /// `decrease`, at least 1) unless the last decrease was within `burst_seconds`.
  /// Returns whether it changed.
  bool on_rate_limit(double now);
  /// An attempt ended without a rate limit at `now`: the limit grows by one, up to the
  /// cap, when `increase_seconds` have passed since it last changed. Returns whether it
  /// changed.
  bool on_success(double now);

 private:
  int cap_;
  int limit_;
  AimdOptions opt_;
  std::optional<double> changed_;    // when the limit last changed
  std::optional<double> decreased_;  // when it last shrank
};

/// The agents of a run and how loaded each is: the run's own agent (the first) and the
/// fallback agents tasks may move to. Pure: the rate-limit gates are asked of the
/// policy with `now`; no clock of its own.
/// Thread safety: one thread at a time.
/// @code
///   flow::AgentLoad load({"claude", "codex"}, {{"codex", 2}}, 4);
///   if (auto agent = load.choose("claude", policy, now)) { load.started(*agent); … }
/// @endcode
class FLOW_API AgentLoad {
 public:
  /// `agents`: the run's own agent first, then its fallbacks in order (duplicates and
  /// empty names are dropped). `caps`: per agent, at most this many attempts at once
  /// (0 or absent: `workers`).
  AgentLoad(std::vector<std::string> agents, const std::map<std::string, int>& caps, int workers, AimdOptions aimd = {});

  /// The agent a task that would run on `preferred` starts on at `now`: `preferred`
  /// when its gate is open and it is under its limit; when its rate-limit gate is
  /// closed (policy.gate_until), the first other agent (the run's own, then the
  /// fallbacks in order) whose gate is open and that is under its limit; nullopt: the task waits (its agent is full, or every gate is closed).
  [[nodiscard]] std::optional<std::string> choose(const std::string& preferred, const RecoveryPolicy& policy,
                                                  double now) const;
  /// Whether a task that would run on `preferred` can move now: its gate is closed and
  /// another agent's is open. A rate-limited attempt's retry then need not wait for the
  /// reset.
  [[nodiscard]] bool can_move(const std::string& preferred, const RecoveryPolicy& policy, double now) const;
  /// Whether some agent could take a task now (any gate open with room): the loop's
  /// cheap test before it asks the scheduler.
  [[nodiscard]] bool any_room(const RecoveryPolicy& policy, double now) const;
  /// The earliest time a closed gate of these agents opens, if one is closed.
  [[nodiscard]] std::optional<double> next_gate(const RecoveryPolicy& policy, double now) const;

  void started(const std::string& agent);
  /// An attempt on `agent` ended at `now`, rate-limited or not. Returns the agent's new
  /// limit when it changed (for the journal, the events and the live view).
  std::optional<int> ended(const std::string& agent, bool rate_limited, double now);

  [[nodiscard]] const std::vector<std::string>& agents() const noexcept { return names_; }
  [[nodiscard]] int running(const std::string& agent) const;
  [[nodiscard]] int limit(const std::string& agent) const;
  [[nodiscard]] int cap(const std::string& agent) const;

 private:
  struct Slot {
    AdaptiveLimit limit;
    int running = 0;
  };
  [[nodiscard]] bool open(const std::string& agent, const RecoveryPolicy& policy, double now) const;
  std::vector<std::string> names_;
  std::map<std::string, Slot> slots_;
};

/// "codex: at most 2 of 4 workers (rate limited)": how the events and the live view say
/// an agent's limit.
[[nodiscard]] FLOW_API std::string describe_limit(const std::string& agent, int limit, int cap);

FLOW_END_NAMESPACE
}  // namespace flow
