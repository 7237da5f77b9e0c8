// SPDX-License-Identifier: MIT
// The recovery ladder: errorRecovery.fallback and the notification hooks in the settings
// file, each strategy step and the end state (needs attention) on the simulated clock,
// the prompt sections of strategies, instructions and hints, secrets kept out of them,
// and the control inbox between processes.
#include <flow/recovery.hpp>
#include <flow/settings.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_md.hpp>

#include "runtime/control_inbox.hpp"
#include "runtime/journal.hpp"
#include "runtime/ladder.hpp"
#include "runtime/secrets.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace flow;
namespace fs = std::filesystem;

TEST_CASE("errorRecovery.fallback: steps with an attempt, an agent, a strategy and an instruction") {
  auto s = parse_settings(R"(errorRecovery:
  maxRetries: 4
  fallback:
    - {fromAttempt: 2, strategy: alternative}
    - fromAttempt: 3
      agent: codex
      strategy: simplified
      instruction: "Keep it to one file; no new dependencies."
    - {fromAttempt: 4, instruction: 'Say "hello" first'}
)", "c.yaml");
  REQUIRE(s);
  REQUIRE(s->fallback.size() == 3);
  CHECK(s->fallback[0].from_attempt == 2);
  CHECK(s->fallback[0].strategy == "alternative");
  CHECK(s->fallback[0].agent.empty());
  CHECK(s->fallback[1].agent == "codex");
  CHECK(s->fallback[1].strategy == "simplified");
  CHECK(s->fallback[1].instruction == "Keep it to one file; no new dependencies.");
  CHECK(s->fallback[2].instruction == "Say \"hello\" first");
  // Into the stock policy, as flow run and flow simulate decide.
  StockPolicyOptions p;
  apply_recovery_settings(*s, p);
  REQUIRE(p.fallback.size() == 3);
  CHECK(p.fallback[1].agent == "codex");
}

TEST_CASE("errorRecovery.fallback: bad steps are errors with their line, typos get a suggestion") {
  auto strategy = parse_settings("errorRecovery:\n  fallback:\n    - fromAttempt: 2\n      strategy: alternatve\n", "c");
  REQUIRE_FALSE(strategy);
  CHECK(strategy.error().line == 4);
  CHECK(strategy.error().message.find("did you mean 'alternative'") != std::string::npos);
  auto agent = parse_settings("errorRecovery:\n  fallback:\n    - {fromAttempt: 2, agent: codx}\n", "c");
  REQUIRE_FALSE(agent);
  CHECK(agent.error().line == 3);
  CHECK(agent.error().message.find("did you mean 'codex'") != std::string::npos);
  auto first = parse_settings("errorRecovery:\n  fallback:\n    - {fromAttempt: 1, strategy: simplified}\n", "c");
  REQUIRE_FALSE(first);
  CHECK(first.error().message.find("fromAttempt should be from 2") != std::string::npos);
  auto none = parse_settings("errorRecovery:\n  fallback:\n    - {fromAttempt: 3}\n", "c");
  REQUIRE_FALSE(none);
  CHECK(none.error().message.find("changes nothing") != std::string::npos);
  auto missing = parse_settings("errorRecovery:\n  fallback:\n    - {strategy: simplified}\n", "c");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("needs fromAttempt") != std::string::npos);
  auto map = parse_settings("errorRecovery:\n  fallback: {fromAttempt: 2}\n", "c");
  REQUIRE_FALSE(map);
  CHECK(map.error().line == 2);
  // An unknown key in a step is a warning with the closest known one, like the rest.
  auto typo = parse_settings("errorRecovery:\n  fallback:\n    - {fromAttempt: 2, stratgy: simplified, agent: codex}\n", "c");
  REQUIRE(typo);
  REQUIRE(typo->warnings.size() == 1);
  CHECK(typo->warnings[0].line == 3);
  CHECK(typo->warnings[0].message.find("did you mean 'strategy'") != std::string::npos);
}

TEST_CASE("notification hooks: task-failed, needs-attention, blocked, rate-limit-wait as argv") {
  auto s = parse_settings(R"(hooks:
  task-failed: ["notify-send", "flow: a task failed"]
  needs-attention: curl -fsS -X POST https://example.invalid/hook
  blocked: [logger, blocked]
  rate-limit-wait: [logger, waiting]
)", "c");
  REQUIRE(s);
  REQUIRE(s->notify.size() == 4);
  CHECK(s->notify["task-failed"] == std::vector<std::string>{"notify-send", "flow: a task failed"});
  CHECK(s->notify["needs-attention"].front() == "curl");
  CHECK(s->notify["needs-attention"].size() == 5);
  auto typo = parse_settings("hooks:\n  needs-atention: [x]\n", "c");
  REQUIRE(typo);
  REQUIRE(typo->warnings.size() == 1);
  CHECK(typo->warnings[0].message.find("did you mean 'needs-attention'") != std::string::npos);
}

TEST_CASE("simulate: each strategy step in order, then needs-attention; independent work goes on") {
  auto g = build_graph(parse_tasks_md("## Phase 1: User Story 1 - A (Priority: P1)\n- [ ] T001 [US1] One\n"
                                      "- [ ] T002 [US1] Two after T001\n"
                                      "## Phase 2: User Story 2 - B (Priority: P2)\n- [ ] T003 [US2] Three\n"));
  REQUIRE(g);
  SimOptions so;
  so.scheduler.workers = 2;
  so.durations = {10, 10, 10};
  auto faults = parse_faults("T001=validation*9");
  REQUIRE(faults);
  so.faults = *faults;
  StockPolicyOptions po;
  po.max_retries = 3;
  po.jitter = 0;
  po.fallback = {{2, "", "alternative", ""}, {3, "codex", "simplified", ""}, {4, "", "", "Use one file."}};
  StockPolicy policy(po);
  const SimReport r = simulate(*g, so, policy);
  std::vector<std::string> retries;
  for (const SimEvent& e : r.events)
    if (e.kind == "retry" && e.task == 0) retries.push_back(std::to_string(e.attempt) + ": " + e.detail);
  REQUIRE(retries.size() == 3);
  CHECK(retries[0].find("2: ") == 0);
  CHECK(retries[0].find("strategy alternative") != std::string::npos);
  CHECK(retries[1].find("with codex, strategy simplified") != std::string::npos);
  CHECK(retries[2].find("strategy simplified, with its instruction") != std::string::npos);
  REQUIRE(r.needs_attention == std::vector<int>{0});
  const auto last = std::find_if(r.events.begin(), r.events.end(), [](const SimEvent& e) { return e.kind == "needs-attention"; });
  REQUIRE(last != r.events.end());
  CHECK(last->attempt == 4);
  CHECK(r.status[0] == TaskStatus::failed);
  CHECK(r.status[1] == TaskStatus::blocked);
  CHECK(r.status[2] == TaskStatus::succeeded);
}

TEST_CASE("prompt guidance: alternative quotes the failure, simplified, instructions and hints verbatim") {
  detail::Ladder ladder;
  CHECK(ladder.guidance(0, 2, "validation: x").label.empty());
  Decision d;
  d.strategy = "alternative";
  ladder.decided(0, d);
  auto g = ladder.guidance(0, 2, "validation: tests fail\nFAILED test_x\n");
  CHECK(g.label == "alternative");
  CHECK(g.text.find("The previous approach failed: take a different one") != std::string::npos);
  CHECK(g.text.find("Attempt 1 failed: validation: tests fail") != std::string::npos);
  d.strategy = "simplified";
  d.instruction = "$(rm -rf /) `x` stays text";
  ladder.decided(0, d);
  ladder.add_hint(0, "look at config.py line 3");
  g = ladder.guidance(0, 3, "x");
  CHECK(g.label == "simplified+instruction+hint");
  CHECK(g.text.find("the smallest version that satisfies the task as written and its tests") != std::string::npos);
  CHECK(g.text.find("$(rm -rf /) `x` stays text") != std::string::npos);
  CHECK(g.text.find("look at config.py line 3") != std::string::npos);
  // A decision without a strategy keeps the earlier one, as the fallback steps do.
  ladder.decided(0, Decision{});
  CHECK(ladder.guidance(0, 4, "x").label == "simplified+instruction+hint");
  ladder.set_needs_attention(1, true);
  CHECK(ladder.needs_attention(1));
  CHECK_FALSE(ladder.needs_attention(0));
}

TEST_CASE("a failure quoted to an agent is bounded and has no secrets") {
  std::string many;
  for (int i = 0; i < 100; ++i) many += "line " + std::to_string(i) + "\n";
  const std::string b = detail::bounded_failure(many);
  CHECK(b.find("line 59\n") == std::string::npos);
  CHECK(b.find("line 60\n") != std::string::npos);
  CHECK(b.find("line 99\n") != std::string::npos);
  CHECK(detail::bounded_failure(std::string(100000, 'x')).size() <= 4096 + 8);
  const std::string secrets = detail::redact_secrets(
      "ANTHROPIC_API_KEY=sk-ant-abcdefghijklmnopqrstuvwx\nAuthorization: Bearer eyJhbGciOi.J9\n"
      "password: hunter2 (token=abc123)\nkey AKIAABCDEFGHIJKLMNOP and ghp_abcdefghijklmnopqrstuvwxyz0123\n"
      "input_tokens: 1234, max_tokens=5\n");
  for (const char* s : {"sk-ant-abc", "eyJhbGciOi", "hunter2", "abc123", "AKIAABCDEFGHIJKLMNOP", "ghp_abcdef"})
    CHECK_MESSAGE(secrets.find(s) == std::string::npos, s);
  CHECK(secrets.find("(token=[redacted])") != std::string::npos);
  CHECK(secrets.find("input_tokens: 1234, max_tokens=5") != std::string::npos);  // not secrets
}

TEST_CASE("the values of flow's secret-named environment variables are masked, whatever their shape") {
  // A 17-character OpenAI key is below the sk-... shape's length: it reached the journal,
  // the run's summary and flow status when an agent printed it.
  ::setenv("OPENAI_API_KEY", "sk-test-SECRET123", 1);
  ::setenv("MY_SERVICE_TOKEN", "plain0value1here", 1);
  const std::string out = detail::redact_secrets("key=sk-test-SECRET123 used plain0value1here, then sk-test-SECRET123\n");
  CHECK(out.find("SECRET123") == std::string::npos);
  CHECK(out.find("plain0value1here") == std::string::npos);
  CHECK(out == "key=[redacted] used [redacted], then [redacted]\n");
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("MY_SERVICE_TOKEN");
  CHECK(detail::redact_secrets("plain0value1here") == "plain0value1here");
}

TEST_CASE("the control inbox: posted requests come back whole and in order, once; bad ones are refused") {
  test::TempDir dir;
  const std::string run = "20261202T000000Z-42";
  ControlRequest r;
  r.action = ControlRequest::Action::retry;
  r.task = "T014";
  r.line = 12;
  r.hint = "use \"quotes\"\nand lines";
  r.by = "flow retry";
  CHECK(detail::post_control(dir.path, run, r).error().code == Errc::not_found);  // no inbox: no run
  detail::ControlInbox inbox;
  REQUIRE(inbox.open(dir.path, run));
  struct stat st {};
  REQUIRE(::stat((dir.path + "/.flow/control/" + run).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto id = detail::post_control(dir.path, run, r);
  REQUIRE(id);
  r.task = "T015";
  r.hint.clear();
  REQUIRE(detail::post_control(dir.path, run, r));
  CHECK(detail::post_control(dir.path, "../escape", r).error().code == Errc::invalid_argument);
  r.hint = std::string(detail::kMaxHintBytes + 1, 'x');
  CHECK(detail::post_control(dir.path, run, r).error().code == Errc::invalid_argument);
  // A file that is no request, and one too large.
  std::ofstream(dir.path + "/.flow/control/" + run + "/9-junk.json") << "{not json";
  std::ofstream(dir.path + "/.flow/control/" + run + "/9-large.json") << std::string(detail::kMaxControlBytes + 1, ' ');
  std::vector<std::string> rejected;
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // the folder is read at most every 100 ms
  const auto got = inbox.take(&rejected);
  REQUIRE(got.size() == 2);
  CHECK(got[0].task == "T014");
  CHECK(got[0].line == 12);
  CHECK(got[0].hint == "use \"quotes\"\nand lines");
  CHECK(got[0].id == *id);
  CHECK(got[0].action == ControlRequest::Action::retry);
  CHECK(got[1].task == "T015");
  CHECK(rejected.size() == 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  CHECK(inbox.take().empty());  // each is taken once
  inbox.close();
  CHECK_FALSE(fs::exists(dir.path + "/.flow/control/" + run));
  // The inbox a killed run left (its pid is gone) goes when the next run opens its own;
  // a live run's stays.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  REQUIRE(dead > 0);
  ::waitpid(dead, nullptr, 0);
  const std::string left = dir.path + "/.flow/control/20261201T000000Z-" + std::to_string(dead);
  const std::string live = dir.path + "/.flow/control/20261201T000000Z-" + std::to_string(::getpid());
  fs::create_directories(left);
  fs::create_directories(live);
  detail::ControlInbox next;
  REQUIRE(next.open(dir.path, "20261202T000001Z-43"));
  CHECK_FALSE(fs::exists(left));
  CHECK(fs::exists(live));
}

TEST_CASE("the live run of a tasks.md is found by its lock: pid and run ID while held, none after") {
  test::TempDir dir;
  fs::create_directories(dir.path + "/.flow/locks");
  const std::string lock = detail::run_lock_path(dir.path, dir.path + "/specs/a/tasks.md");
  CHECK(lock == dir.path + "/.flow/locks/specs_a_tasks.md.lock");
  CHECK_FALSE(detail::live_run(lock));
  {
    detail::RunLock held;
    REQUIRE(held.acquire(lock, "20261202T000000Z-7"));
    const auto live = detail::live_run(lock);
    REQUIRE(live);
    CHECK(live->pid == ::getpid());
    CHECK(live->run_id == "20261202T000000Z-7");
  }
  CHECK_FALSE(detail::live_run(lock));
}
