// SPDX-License-Identifier: MIT
// Recovery policies: what to do when a task attempt fails.
#pragma once

#include <flow/config.hpp>
#include <flow/plan.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Why an attempt failed, as the agent adapter classified it.
enum class FailureClass {
  network,        ///< connection refused or reset, DNS: retryable
  timeout,        ///< the attempt ran past its time limit: retryable
  rate_limit,     ///< 429 or a usage limit; may carry a reset time: retryable
  temporary,      ///< 5xx, overloaded (529): retryable
  auth,           ///< missing or invalid credentials: not retryable
  config,         ///< a bad flag or setting: not retryable
  invalid_input,  ///< the prompt is too long, a bad request: not retryable
  refused,        ///< the agent says it cannot do the task: not retryable
  budget,         ///< max turns or budget spent: not retryable
  validation,     ///< the task's checks failed: retried with the failure fed back
  crash,          ///< the agent died (a signal) or said nothing final: retryable
  conflict,       ///< its changes do not merge: retried on the new head
  unknown,        ///< a non-zero exit with no recognised signature: retryable
  stalled,        ///< no output and no file change for the stall timeout: retryable
  /// flow could not write what the attempt needs or made (a full disk, a quota, a
  /// read-only or failing file system, a lock file nobody holds): not retryable, a
  /// person must make room or remove the file first
  io,
};

/// One failed attempt.
struct Failure {
  FailureClass cls = FailureClass::unknown;
  std::string agent;                 ///< the agent that ran the attempt
  std::optional<double> reset_at;    ///< a rate limit's reset time, in the run's clock
  std::string message;               ///< the lines that matter
};

/// What the task being decided about looks like to a policy.
struct TaskContext {
  const Task* task = nullptr;
  const Phase* phase = nullptr;
  int attempt = 1;                   ///< the attempt that just failed, from 1
};

/// A policy's answer.
struct Decision {
  enum class Kind {
    retry,   ///< run it again after `delay`, with `agent`/`strategy` if set
    fail,    ///< give up on it; its dependents are blocked
    skip,    ///< give up on it, but do not block its dependents (optional tasks)
    abort,   ///< stop the run (start nothing new); `rollback` asks to undo it
  };
  Kind kind = Kind::fail;
  double delay = 0;                  ///< seconds before the retry may start
  std::string agent;                 ///< the next attempt's agent; empty: the same
  std::string strategy;              ///< "alternative", "simplified" or empty: how the next prompt changes
  std::string instruction;           ///< text for the next prompt, verbatim (a fallback step's own)
  bool feedback = false;             ///< give the agent this failure on the retry
  bool rollback = false;             ///< with abort: undo the run's changes
  /// With fail: the task's ladder is exhausted (its retries and fallbacks all failed, or
  /// the agent refused): a person should look at it (`needs-attention`), unlike a failure
  /// nobody can fix by trying again differently (auth, config).
  bool needs_attention = false;
  std::string reason;                ///< one line for the journal and the report
};

/// Decides what happens after a failed attempt. flow calls it on the run's thread.
/// Implementations must be pure (time comes in as `now`); the stock policy keeps a
/// seeded generator for jitter and the shared rate-limit gate.
/// Thread safety: one thread at a time.
class FLOW_API RecoveryPolicy {
 public:
  virtual ~RecoveryPolicy() = default;
  /// Called once per failed attempt.
  virtual Decision on_failure(const TaskContext& task, const Failure& failure, double now) = 0;
  /// Until when no new task may start on `agent` (a rate limit's reset); nullopt: now.
  [[nodiscard]] virtual std::optional<double> gate_until(const std::string& agent, double now) const {
    (void)agent;
    (void)now;
    return std::nullopt;
  }
};

/// One step of a fallback chain (errorRecovery.fallback): from attempt `from_attempt` on,
/// use this agent and/or strategy and/or instruction. A later step overrides what it
/// sets. Strategies: "alternative" (the prompt says the previous approach failed, with
/// its failure, and asks for a different one), "simplified" (the smallest version that
/// satisfies the task and its tests).
struct FallbackStep {
  int from_attempt = 2;
  std::string agent;
  std::string strategy;
  std::string instruction;           ///< added to the prompt verbatim, as data
};

/// The strategies a fallback step may name, as the settings file spells them.
inline constexpr const char* kFallbackStrategies[] = {"alternative", "simplified"};

/// The stock policy's settings. Defaults are the original design's: autoRetry on,
/// maxRetries 3, exponential backoff from 1 s to 30 s with jitter.
struct StockPolicyOptions {
  bool auto_retry = true;
  int max_retries = 3;               ///< retries after the first attempt
  double base_delay = 1.0;           ///< seconds
  double max_delay = 30.0;           ///< seconds
  double jitter = 0.25;              ///< the delay is drawn from [d·(1−jitter), d]
  std::uint64_t seed = 0x5eed;
  std::vector<FallbackStep> fallback;
  /// Under fail-fast, a failure in a setup or foundational phase stops the run and asks
  /// for a rollback.
  bool fail_fast = false;
  /// Tasks with one of these labels (or IDs) are skipped instead of failing the run.
  std::vector<std::string> optional_labels;
};

/// The stock policy. Retryable classes (network, timeout, rate_limit, temporary,
/// crash, conflict, unknown, stalled) are retried with exponential backoff; validation is
/// retried with the failure fed back; auth, config, invalid_input, refused, budget and io
/// are never retried. A rate limit with a reset time closes one gate for its agent,
/// for every task, until the reset, instead of a backoff per task.
/// Thread safety: one thread at a time.
class FLOW_API StockPolicy final : public RecoveryPolicy {
 public:
  explicit StockPolicy(StockPolicyOptions options = {});
  Decision on_failure(const TaskContext& task, const Failure& failure, double now) override;
  [[nodiscard]] std::optional<double> gate_until(const std::string& agent, double now) const override;

  /// The delay before retry number `retry` (1-based), jitter included; advances the
  /// generator.
  double backoff(int retry);

  [[nodiscard]] const StockPolicyOptions& options() const noexcept { return opt_; }

 private:
  double uniform();  // [0, 1)
  StockPolicyOptions opt_;
  std::uint64_t state_;
  std::map<std::string, double> gates_;
};

[[nodiscard]] FLOW_API bool is_retryable(FailureClass cls) noexcept;
FLOW_API const char* to_string(FailureClass cls) noexcept;
/// Parses "rate_limit", "rate-limit" …; nullopt if unknown.
[[nodiscard]] FLOW_API std::optional<FailureClass> failure_class_from_string(std::string_view s) noexcept;
FLOW_API const char* to_string(Decision::Kind kind) noexcept;

FLOW_END_NAMESPACE
}  // namespace flow
