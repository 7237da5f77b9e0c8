// SPDX-License-Identifier: MIT
// The stock recovery policy: classes, backoff with seeded jitter, the rate-limit gate,
// fallback chains, critical failures and optional tasks.
#include <flow/recovery.hpp>

#include "support/random.hpp"

#include <algorithm>
#include <cmath>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

bool has_label(const Task& t, const std::vector<std::string>& wanted) {
  for (const std::string& w : wanted) {
    if (t.id == w) return true;
    for (const std::string& l : t.labels)
      if (l == w) return true;
  }
  return false;
}

}  // namespace

bool is_retryable(FailureClass c) noexcept {
  switch (c) {
    case FailureClass::auth:
    case FailureClass::config:
    case FailureClass::invalid_input:
    case FailureClass::refused:
    case FailureClass::budget:
    case FailureClass::io:
      return false;
    default:
      return true;
  }
}

StockPolicy::StockPolicy(StockPolicyOptions options) : opt_(std::move(options)), state_(opt_.seed) {}

double StockPolicy::uniform() { return detail::unit_interval(state_); }

double StockPolicy::backoff(int retry) {
  const double d = std::min(opt_.max_delay, opt_.base_delay * std::ldexp(1.0, std::max(0, retry - 1)));
  return d * (1.0 - opt_.jitter * uniform());
}

Decision StockPolicy::on_failure(const TaskContext& ctx, const Failure& f, double now) {
  Decision d;
  const Task& task = *ctx.task;
  const bool optional = has_label(task, opt_.optional_labels);
  // The ladder is exhausted when trying again differently was the plan and it ran out;
  // a refusal needs a person too. Auth, config and the like are not a person's puzzle.
  auto give_up = [&](std::string why, bool exhausted = false) {
    const bool critical = opt_.fail_fast && ctx.phase &&
                          (ctx.phase->kind == PhaseKind::setup || ctx.phase->kind == PhaseKind::foundational);
    if (optional) {
      d.kind = Decision::Kind::skip;
      d.reason = why + "; the task is optional, so it is skipped";
    } else if (critical) {
      d.kind = Decision::Kind::abort;
      d.rollback = true;
      d.reason = why + "; it is in a " + to_string(ctx.phase->kind) + " phase under fail-fast: stopping the run";
    } else {
      d.kind = Decision::Kind::fail;
      d.needs_attention = exhausted;
      d.reason = std::move(why);
    }
    return d;
  };

  if (!is_retryable(f.cls))
    return give_up(std::string(to_string(f.cls)) + " failures are not retried", f.cls == FailureClass::refused);
  if (!opt_.auto_retry) return give_up("automatic retries are off", true);
  const int retry = ctx.attempt;  // the retry about to be made: attempt 1 failed -> retry 1
  if (retry > opt_.max_retries)
    return give_up("gave up after " + std::to_string(ctx.attempt) + (ctx.attempt == 1 ? " attempt" : " attempts"), true);

  d.kind = Decision::Kind::retry;
  d.delay = backoff(retry);
  d.feedback = f.cls == FailureClass::validation || f.cls == FailureClass::conflict;
  if (f.cls == FailureClass::rate_limit && f.reset_at) {
    // One gate for the agent, for everyone: no task starts on it before the reset.
    double& gate = gates_[f.agent];
    gate = std::max(gate, *f.reset_at);
    d.delay = std::max(0.0, gate - now);
  }
  for (const FallbackStep& step : opt_.fallback)
    if (ctx.attempt + 1 >= step.from_attempt) {
      if (!step.agent.empty()) d.agent = step.agent;
      if (!step.strategy.empty()) d.strategy = step.strategy;
      if (!step.instruction.empty()) d.instruction = step.instruction;
    }
  d.reason = std::string(to_string(f.cls)) + ": retry " + std::to_string(retry) + " of " +
             std::to_string(opt_.max_retries);
  return d;
}

std::optional<double> StockPolicy::gate_until(const std::string& agent, double now) const {
  auto it = gates_.find(agent);
  if (it == gates_.end() || it->second <= now) return std::nullopt;
  return it->second;
}

const char* to_string(FailureClass c) noexcept {
  switch (c) {
    case FailureClass::network: return "network";
    case FailureClass::timeout: return "timeout";
    case FailureClass::rate_limit: return "rate_limit";
    case FailureClass::temporary: return "temporary";
    case FailureClass::auth: return "auth";
    case FailureClass::config: return "config";
    case FailureClass::invalid_input: return "invalid_input";
    case FailureClass::refused: return "refused";
    case FailureClass::budget: return "budget";
    case FailureClass::validation: return "validation";
    case FailureClass::crash: return "crash";
    case FailureClass::conflict: return "conflict";
    case FailureClass::unknown: return "unknown";
    case FailureClass::stalled: return "stalled";
    case FailureClass::io: return "io";
  }
  return "?";
}

std::optional<FailureClass> failure_class_from_string(std::string_view s) noexcept {
  for (int i = 0; i <= static_cast<int>(FailureClass::io); ++i) {
    const auto c = static_cast<FailureClass>(i);
    const std::string_view name = to_string(c);
    if (name.size() != s.size()) continue;
    bool eq = true;
    for (std::size_t k = 0; k < s.size(); ++k)
      if (!(s[k] == name[k] || (s[k] == '-' && name[k] == '_'))) { eq = false; break; }
    if (eq) return c;
  }
  return std::nullopt;
}

const char* to_string(Decision::Kind k) noexcept {
  switch (k) {
    case Decision::Kind::retry: return "retry";
    case Decision::Kind::fail: return "fail";
    case Decision::Kind::skip: return "skip";
    case Decision::Kind::abort: return "abort";
  }
  return "?";
}

FLOW_END_NAMESPACE
}  // namespace flow
