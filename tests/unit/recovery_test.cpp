// SPDX-License-Identifier: MIT
// The stock recovery policy with a fake clock: backoff, jitter, classes, the gate,
// fallbacks, optional and critical tasks.
#include <flow/recovery.hpp>

#include <cmath>
#include <set>

#include <doctest/doctest.h>

using namespace flow;

namespace {

struct Fixture {
  Task task;
  Phase phase;
  Fixture() {
    task.id = "T001";
    phase.kind = PhaseKind::user_story;
  }
  TaskContext at(int attempt) { return {&task, &phase, attempt}; }
};

Failure fail(FailureClass c, std::optional<double> reset = std::nullopt) { return {c, "claude", reset, "x"}; }

}  // namespace

TEST_CASE("defaults: auto retry, 3 retries, 1 s to 30 s") {
  StockPolicy p;
  CHECK(p.options().auto_retry);
  CHECK(p.options().max_retries == 3);
  CHECK(p.options().base_delay == 1.0);
  CHECK(p.options().max_delay == 30.0);
}

TEST_CASE("backoff doubles from the base delay up to the cap (no jitter)") {
  StockPolicyOptions o;
  o.jitter = 0;
  StockPolicy p(o);
  const double want[] = {1, 2, 4, 8, 16, 30, 30};
  for (int i = 0; i < 7; ++i) CHECK(p.backoff(i + 1) == doctest::Approx(want[i]));
}

TEST_CASE("jitter stays within [d(1-j), d], varies, and a seed reproduces it") {
  StockPolicyOptions o;
  o.jitter = 0.25;
  o.seed = 99;
  StockPolicy a(o), b(o);
  std::set<double> seen;
  for (int k = 0; k < 2000; ++k) {
    const int retry = 1 + k % 6;
    const double d = std::min(30.0, std::ldexp(1.0, retry - 1));
    const double x = a.backoff(retry);
    CHECK(x <= d);
    CHECK(x >= d * 0.75);
    CHECK(b.backoff(retry) == x);
    seen.insert(x);
  }
  CHECK(seen.size() > 1000);
  o.seed = 100;
  StockPolicy c(o);
  StockPolicyOptions o99;
  o99.seed = 99;
  StockPolicy a2(o99);
  CHECK(c.backoff(1) != a2.backoff(1));
}

TEST_CASE("retryable classes are retried up to max_retries, then fail") {
  Fixture f;
  StockPolicy p;
  for (FailureClass c : {FailureClass::network, FailureClass::timeout, FailureClass::temporary, FailureClass::crash,
                         FailureClass::unknown}) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      const Decision d = p.on_failure(f.at(attempt), fail(c), 0);
      CHECK(d.kind == Decision::Kind::retry);
      CHECK(d.delay > 0);
    }
    CHECK(p.on_failure(f.at(4), fail(c), 0).kind == Decision::Kind::fail);
  }
  // The reason counts its attempts in words that agree: "after 1 attempt" with no retries.
  CHECK(p.on_failure(f.at(4), fail(FailureClass::network), 0).reason.find("gave up after 4 attempts") != std::string::npos);
  StockPolicyOptions none;
  none.max_retries = 0;
  StockPolicy q(none);
  const Decision once = q.on_failure(f.at(1), fail(FailureClass::network), 0);
  CHECK(once.kind == Decision::Kind::fail);
  CHECK(once.reason.find("gave up after 1 attempt") != std::string::npos);
  CHECK(once.reason.find("1 attempts") == std::string::npos);
}

TEST_CASE("non-retryable classes are never retried") {
  Fixture f;
  StockPolicy p;
  for (FailureClass c : {FailureClass::auth, FailureClass::config, FailureClass::invalid_input, FailureClass::refused,
                         FailureClass::budget}) {
    const Decision d = p.on_failure(f.at(1), fail(c), 0);
    CHECK(d.kind == Decision::Kind::fail);
    CHECK(d.reason.find("not retried") != std::string::npos);
  }
}

TEST_CASE("validation failures are retried with the failure fed back") {
  Fixture f;
  StockPolicy p;
  const Decision d = p.on_failure(f.at(1), fail(FailureClass::validation), 0);
  CHECK(d.kind == Decision::Kind::retry);
  CHECK(d.feedback);
  CHECK_FALSE(p.on_failure(f.at(1), fail(FailureClass::network), 0).feedback);
}

TEST_CASE("a rate limit with a reset time closes one gate for the agent, for everyone") {
  Fixture f;
  StockPolicy p;
  CHECK_FALSE(p.gate_until("claude", 0));
  const Decision d = p.on_failure(f.at(1), fail(FailureClass::rate_limit, 120.0), 20);
  CHECK(d.kind == Decision::Kind::retry);
  CHECK(d.delay == doctest::Approx(100));
  CHECK(*p.gate_until("claude", 50) == doctest::Approx(120));
  CHECK_FALSE(p.gate_until("codex", 50));
  CHECK_FALSE(p.gate_until("claude", 120));
  // A second task hitting the limit later does not shorten the gate.
  const Decision d2 = p.on_failure(f.at(1), fail(FailureClass::rate_limit, 90.0), 30);
  CHECK(d2.delay == doctest::Approx(90));
  CHECK(*p.gate_until("claude", 50) == doctest::Approx(120));
  // Without a reset time it is an ordinary backoff.
  CHECK(p.on_failure(f.at(1), fail(FailureClass::rate_limit), 30).delay <= 1.0);
}

TEST_CASE("the fallback chain names the agent and strategy of each attempt in order") {
  Fixture f;
  StockPolicyOptions o;
  o.fallback = {{2, "claude-sonnet", "", ""}, {3, "", "simplified", ""}, {4, "codex", "", ""}};
  StockPolicy p(o);
  Decision d = p.on_failure(f.at(1), fail(FailureClass::temporary), 0);  // next: attempt 2
  CHECK(d.agent == "claude-sonnet");
  CHECK(d.strategy.empty());
  d = p.on_failure(f.at(2), fail(FailureClass::temporary), 0);  // attempt 3
  CHECK(d.agent == "claude-sonnet");
  CHECK(d.strategy == "simplified");
  d = p.on_failure(f.at(3), fail(FailureClass::temporary), 0);  // attempt 4
  CHECK(d.agent == "codex");
  CHECK(d.strategy == "simplified");
}

TEST_CASE("optional tasks are skipped; a setup failure under fail-fast aborts with rollback") {
  Fixture f;
  StockPolicyOptions o;
  o.optional_labels = {"optional"};
  StockPolicy p(o);
  f.task.labels = {"optional"};
  CHECK(p.on_failure(f.at(1), fail(FailureClass::auth), 0).kind == Decision::Kind::skip);

  StockPolicyOptions ff;
  ff.fail_fast = true;
  StockPolicy q(ff);
  Fixture g;
  g.phase.kind = PhaseKind::setup;
  const Decision d = q.on_failure(g.at(1), fail(FailureClass::auth), 0);
  CHECK(d.kind == Decision::Kind::abort);
  CHECK(d.rollback);
  g.phase.kind = PhaseKind::user_story;
  CHECK(q.on_failure(g.at(1), fail(FailureClass::auth), 0).kind == Decision::Kind::fail);
}

TEST_CASE("auto_retry off: nothing is retried") {
  Fixture f;
  StockPolicyOptions o;
  o.auto_retry = false;
  StockPolicy p(o);
  CHECK(p.on_failure(f.at(1), fail(FailureClass::network), 0).kind == Decision::Kind::fail);
}

TEST_CASE("failure classes round-trip through their names") {
  for (int i = 0; i <= static_cast<int>(FailureClass::unknown); ++i) {
    const auto c = static_cast<FailureClass>(i);
    CHECK(failure_class_from_string(to_string(c)) == c);
  }
  CHECK(failure_class_from_string("rate-limit") == FailureClass::rate_limit);
  CHECK_FALSE(failure_class_from_string("nope"));
}

TEST_CASE("the ladder's end: exhausted retries and a refusal need attention; auth and config do not") {
  Fixture f;
  StockPolicyOptions o;
  o.max_retries = 1;
  o.fallback = {{2, "", "alternative", "Try the other API."}};
  StockPolicy p(o);
  Decision d = p.on_failure(f.at(1), fail(FailureClass::validation), 0);
  CHECK(d.kind == Decision::Kind::retry);
  CHECK(d.strategy == "alternative");
  CHECK(d.instruction == "Try the other API.");
  CHECK_FALSE(d.needs_attention);
  d = p.on_failure(f.at(2), fail(FailureClass::validation), 0);
  CHECK(d.kind == Decision::Kind::fail);
  CHECK(d.needs_attention);
  CHECK(p.on_failure(f.at(1), fail(FailureClass::refused), 0).needs_attention);
  CHECK_FALSE(p.on_failure(f.at(1), fail(FailureClass::auth), 0).needs_attention);
  CHECK_FALSE(p.on_failure(f.at(1), fail(FailureClass::config), 0).needs_attention);
  // An optional task is skipped, not a person's problem.
  f.task.labels = {"optional"};
  StockPolicyOptions opt = o;
  opt.optional_labels = {"optional"};
  StockPolicy q(opt);
  const Decision skip = q.on_failure(f.at(2), fail(FailureClass::validation), 0);
  CHECK(skip.kind == Decision::Kind::skip);
  CHECK_FALSE(skip.needs_attention);
}
