// SPDX-License-Identifier: MIT
// .flow/config.yaml: the original design's keys, warnings for unknown keys with the
// closest known one, errors with lines for bad values.
#include <flow/settings.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace flow;

TEST_CASE("the original design's keys, durations with units, commands as lists or strings") {
  auto s = parse_settings(R"(implementer:
  parallel:
    enabled: true
    maxWorkers: 6
    taskTimeout: 30m
errorRecovery:
  autoRetry: true
  maxRetries: 5
  backoffStrategy: exponential
  baseDelay: 500ms
  maxDelay: 45
testing:
  runTests: npm test -- --ci
  testFirst: true
  coverageTarget: 80
validation:
  linting: ["npm", "run", "lint"]
  typeChecking: false
progress:
  updateInterval: 2s
  showDetails: false
  logFile: .flow/implementation.log
agent:
  command: claude -p "Read {prompt_file}" --max-turns 30
hooks:
  task-complete: ["sh", "-c", "echo done"]
)", "config.yaml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(*s->max_workers == 6);
  CHECK(*s->task_timeout == doctest::Approx(1800));
  CHECK(*s->max_retries == 5);
  CHECK(*s->base_delay == doctest::Approx(0.5));
  CHECK(*s->max_delay == doctest::Approx(45));
  CHECK(s->run_tests == std::vector<std::string>{"npm", "test", "--", "--ci"});
  CHECK(s->test_first);
  CHECK(s->coverage_target == 80);
  CHECK(s->linting == std::vector<std::string>{"npm", "run", "lint"});
  CHECK(s->type_checking.empty());
  CHECK(*s->update_interval == doctest::Approx(2));
  CHECK_FALSE(s->show_details);
  CHECK(s->agent_command == std::vector<std::string>{"claude", "-p", "Read {prompt_file}", "--max-turns", "30"});
  CHECK(s->task_complete == std::vector<std::string>{"sh", "-c", "echo done"});
  CHECK(s->warnings.empty());
}

TEST_CASE("JSON is YAML too; an empty file is all defaults") {
  auto s = parse_settings(R"({"implementer": {"parallel": {"maxWorkers": 2}}})", "config.json");
  REQUIRE(s);
  CHECK(*s->max_workers == 2);
  auto e = parse_settings("", "empty");
  REQUIRE(e);
  CHECK_FALSE(e->max_workers);
}

TEST_CASE("an unknown key is a warning naming the closest known key, with its line") {
  auto s = parse_settings("implementer:\n  parallel:\n    maxWorker: 3\nerrorRecovry:\n  maxRetries: 1\nzzz: 1\n", "c");
  REQUIRE(s);
  REQUIRE(s->warnings.size() == 3);
  CHECK(s->warnings[0].line == 3);
  CHECK(s->warnings[0].message == "unknown key 'implementer.parallel.maxWorker' (did you mean 'maxWorkers'?)");
  CHECK(s->warnings[1].message.find("did you mean 'errorRecovery'") != std::string::npos);
  CHECK(s->warnings[2].message == "unknown key 'zzz'");
}

TEST_CASE("a bad value is an error with its line") {
  auto a = parse_settings("implementer:\n  parallel:\n    maxWorkers: many\n", "c");
  REQUIRE_FALSE(a);
  CHECK(a.error().code == Errc::config);
  CHECK(a.error().line == 3);
  CHECK(a.error().message == "implementer.parallel.maxWorkers should be a whole number");
  auto b = parse_settings("errorRecovery:\n  baseDelay: soon\n", "c");
  REQUIRE_FALSE(b);
  CHECK(b.error().line == 2);
  auto c = parse_settings("implementer: [1, 2\n", "c");
  REQUIRE_FALSE(c);
  CHECK(c.error().message.find("not valid YAML") == 0);
  CHECK(c.error().line > 0);
  auto d = parse_settings("errorRecovery:\n  backoffStrategy: random\n", "c");
  REQUIRE_FALSE(d);
  CHECK(d.error().line == 2);
  auto e = parse_settings("testing:\n  runTests: true\n", "c");
  REQUIRE_FALSE(e);
  CHECK(e.error().message.find("the test command") != std::string::npos);
}

TEST_CASE("resources and optional tasks") {
  auto s = parse_settings("resources:\n  T005: db\n  US1: [db, \"port:3000\"]\nerrorRecovery:\n  optional: [flaky, T009]\n", "c");
  REQUIRE(s);
  REQUIRE(s->resources.size() == 2);
  CHECK(s->resources[0].first == "T005");
  CHECK(s->resources[0].second == std::vector<std::string>{"db"});
  CHECK(s->resources[1].second == std::vector<std::string>{"db", "port:3000"});
  CHECK(s->optional_tasks == std::vector<std::string>{"flaky", "T009"});
}

TEST_CASE("agent settings: Claude options, failure patterns; bad values are errors with lines") {
  auto s = parse_settings(R"(agent:
  name: claude
  program: /opt/bin/claude
  model: sonnet
  maxTurns: 12
  permissionMode: acceptEdits
  appendSystemPrompt: Keep commits small.
  args: ["--fallback-model", "haiku"]
  failurePatterns:
    "daily quota reached": rate_limit
    "license expired": auth
)", "config.yaml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(s->agent_name == "claude");
  CHECK(s->claude.program == "/opt/bin/claude");
  CHECK(s->claude.model == "sonnet");
  CHECK(s->claude.max_turns == 12);
  CHECK(s->claude.permission_mode == "acceptEdits");
  CHECK(s->claude.append_system_prompt == "Keep commits small.");
  CHECK(s->claude.extra_args == std::vector<std::string>{"--fallback-model", "haiku"});
  REQUIRE(s->failure_patterns.size() == 2);
  CHECK(s->failure_patterns[0].first == "daily quota reached");
  CHECK(s->failure_patterns[0].second == FailureClass::rate_limit);
  CHECK(s->failure_patterns[1].second == FailureClass::auth);

  auto bad_class = parse_settings("agent:\n  failurePatterns:\n    \"x\": sometimes\n", "c.yaml");
  REQUIRE_FALSE(bad_class);
  CHECK(bad_class.error().line == 3);
  CHECK(bad_class.error().message.find("not a failure class") != std::string::npos);
  auto bad_mode = parse_settings("agent:\n  permissionMode: yolo\n", "c.yaml");
  REQUIRE_FALSE(bad_mode);
  CHECK(bad_mode.error().line == 2);
  auto bad_name = parse_settings("agent:\n  name: gpt\n", "c.yaml");
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().line == 2);
}

TEST_CASE("validation gates: configured ones in order; detected ones for common stacks") {
  auto s = parse_settings("testing:\n  runTests: make check\nvalidation:\n  linting: [ruff, check]\n  formatting: false\n", "c.yaml");
  REQUIRE(s);
  CHECK(s->validation_configured);
  const auto gates = configured_gates(*s);
  REQUIRE(gates.size() == 2);
  CHECK(gates[0].name == "tests");
  CHECK(gates[0].argv == std::vector<std::string>{"make", "check"});
  CHECK(gates[1].name == "lint");
  CHECK_FALSE(parse_settings("progress:\n  updateInterval: 1\n", "c.yaml")->validation_configured);
  CHECK(parse_settings("testing:\n  runTests: false\n", "c.yaml")->validation_configured);  // off on purpose

  test::TempDir dir;
  CHECK(detect_gates(dir.path).empty());
  // npm's placeholder test script is not a test suite.
  std::ofstream(dir.path + "/package.json") << R"({"scripts": {"test": "echo \"Error: no test specified\" && exit 1"}})";
  std::ofstream(dir.path + "/Makefile") << "all:\n\ttrue\ntest:\n\ttrue\n";
  auto found = detect_gates(dir.path);
  REQUIRE(found.size() == 1);
  CHECK(found[0].argv == std::vector<std::string>{"make", "test"});
  CHECK(found[0].source == "Makefile");
  // pytest configuration comes before the Makefile; one test command only.
  std::ofstream(dir.path + "/pyproject.toml") << "[tool.pytest.ini_options]\naddopts = \"-q\"\n";
  found = detect_gates(dir.path);
  REQUIRE(found.size() == 1);
  CHECK(found[0].argv == std::vector<std::string>{"python3", "-m", "pytest", "-q"});
}

TEST_CASE("rollbackTo and integrationCheck") {
  auto s = parse_settings("errorRecovery:\n  rollbackTo: phase\ntesting:\n  integrationCheck: merge\n  testFirst: true\n", "c.yaml");
  REQUIRE(s);
  CHECK(s->rollback_to == RollbackTarget::phase);
  CHECK(s->integration_check == IntegrationCheck::merge);
  CHECK(s->test_first);
  CHECK(parse_settings("", "c.yaml")->rollback_to == RollbackTarget::checkpoint);
  CHECK(parse_settings("", "c.yaml")->integration_check == IntegrationCheck::off);
  CHECK(parse_settings("testing:\n  integrationCheck: false\n", "c.yaml")->integration_check == IntegrationCheck::off);
  CHECK(parse_settings("testing:\n  integrationCheck: phase\n", "c.yaml")->integration_check == IntegrationCheck::phase);
  auto bad = parse_settings("testing:\n  integrationCheck: always\n", "c.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().line == 2);
  CHECK(bad.error().message == "testing.integrationCheck should be off, merge or phase");
  auto bad2 = parse_settings("errorRecovery:\n  rollbackTo: yesterday\n", "c.yaml");
  REQUIRE_FALSE(bad2);
  CHECK(bad2.error().line == 2);
  CHECK(bad2.error().message == "errorRecovery.rollbackTo should be checkpoint or phase");
  auto bad3 = parse_settings("errorRecovery:\n  backoffStrategy: linear\n", "c.yaml");
  REQUIRE_FALSE(bad3);
  CHECK(bad3.error().message == "errorRecovery.backoffStrategy should be exponential or fixed");
  CHECK(parse_settings("errorRecovery:\n  backoffStrategy: fixed\n", "c.yaml")->backoff_strategy == BackoffStrategy::fixed);
}

TEST_CASE("each enumeration's words map both ways, and nothing else maps") {
  for (Isolation v : kIsolations) CHECK(isolation_from_string(to_string(v)) == v);
  for (IntegrationCheck v : kIntegrationChecks) CHECK(integration_check_from_string(to_string(v)) == v);
  for (RollbackTarget v : kRollbackTargets) CHECK(rollback_target_from_string(to_string(v)) == v);
  for (BackoffStrategy v : kBackoffStrategies) CHECK(backoff_strategy_from_string(to_string(v)) == v);
  CHECK(std::string(to_string(Isolation::automatic)) == "auto");
  CHECK(isolation_from_string("automatic") == std::nullopt);  // the word is "auto"
  CHECK(isolation_from_string("Git") == std::nullopt);
  CHECK(isolation_from_string("") == std::nullopt);
  CHECK(integration_check_from_string("false") == std::nullopt);  // only the settings file reads YAML's false
  CHECK(rollback_target_from_string("merge") == std::nullopt);
}

TEST_CASE("configure_run: the settings file under what the host chose") {
  test::TempDir dir;
  auto st = parse_settings(R"(implementer:
  parallel:
    maxWorkers: 6
    taskTimeout: 30m
errorRecovery:
  maxRetries: 5
  backoffStrategy: fixed
  baseDelay: 2s
  rollbackTo: phase
  optional: [US9]
testing:
  runTests: [sh, -c, "exit 0"]
  integrationCheck: phase
  coverageTarget: 80
agent:
  command: [sh, -c, "exit 0"]
hooks:
  post-implement: [sh, -c, "true"]
)", "c.yaml");
  REQUIRE(st);
  RunOptions opt;
  opt.tasks_path = dir.path + "/tasks.md";
  opt.workdir = dir.path;
  StockPolicyOptions popt;
  REQUIRE(configure_run(&*st, {}, opt, popt));
  CHECK(opt.workers == 6);
  CHECK(opt.task_timeout == 1800);
  CHECK(popt.max_retries == 5);
  CHECK(popt.max_delay == 2);  // fixed: every delay is the base delay
  CHECK(popt.optional_labels == std::vector<std::string>{"US9"});
  CHECK(opt.rollback_to == RollbackTarget::phase);
  CHECK(opt.integration_check == IntegrationCheck::phase);
  CHECK(opt.coverage_target == 80);
  REQUIRE(opt.gates.size() == 1);
  CHECK(opt.gates[0].first == "tests");
  CHECK(opt.agent == std::vector<std::string>{"sh", "-c", "exit 0"});
  REQUIRE(opt.agent_adapter);
  CHECK(opt.agent_adapter->name() == "sh");
  CHECK(opt.post_implement == std::vector<std::string>{"sh", "-c", "true"});

  // What the host chose wins over the file; what it did not choose stays the file's.
  RunOptions chosen;
  chosen.tasks_path = opt.tasks_path;
  chosen.workdir = dir.path;
  StockPolicyOptions cpopt;
  RunChoices c;
  c.workers = 2;
  c.task_timeout = 0;
  c.retries = 0;
  c.agent_command = {"true", "{prompt_file}"};
  REQUIRE(configure_run(&*st, c, chosen, cpopt));
  CHECK(chosen.workers == 2);
  CHECK(chosen.task_timeout == 0);
  CHECK(cpopt.max_retries == 0);
  CHECK(chosen.agent == std::vector<std::string>{"true", "{prompt_file}"});
  CHECK(chosen.rollback_to == RollbackTarget::phase);
}

TEST_CASE("configure_run: a gate or an agent that cannot run is an error before anything starts") {
  test::TempDir dir;
  auto st = parse_settings("testing:\n  runTests: [no-such-test-runner-xyz]\nagent:\n  command: [true]\n", "c.yaml");
  REQUIRE(st);
  RunOptions opt;
  opt.tasks_path = dir.path + "/tasks.md";
  opt.workdir = dir.path;
  StockPolicyOptions popt;
  RunChoices c;
  c.config_path = "my.yaml";
  auto r = configure_run(&*st, c, opt, popt);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::not_found);
  CHECK(r.error().message ==
        "the tests check 'no-such-test-runner-xyz' cannot run: 'no-such-test-runner-xyz' is not on PATH "
        "(fix testing/validation in my.yaml)");

  RunOptions bad_agent;
  bad_agent.tasks_path = opt.tasks_path;
  bad_agent.workdir = dir.path;
  RunChoices agent;
  agent.agent_command = {"no-such-agent-xyz"};
  auto a = configure_run(nullptr, agent, bad_agent, popt);
  REQUIRE_FALSE(a);
  CHECK(a.error().message == "the agent 'no-such-agent-xyz' is not found (not on PATH or not executable)");
  // A dry run writes prompts only: it needs no agent that runs.
  bad_agent.dry_run = true;
  CHECK(configure_run(nullptr, agent, bad_agent, popt));
}

TEST_CASE("configure_run: a fallback step's agent joins the run; `command` is the command template") {
  test::TempDir dir;
  const std::string aider = std::string(FLOW_TEST_DATA) + "/../agents/fake-aider.sh";
  RunOptions base;
  base.tasks_path = dir.path + "/tasks.md";
  base.workdir = dir.path;
  // Under a named CLI, `command` is the template: an agent of its own, named "command".
  auto st = parse_settings("agent:\n  name: aider\n  command: [sh, -c, \"exit 0\"]\nagents:\n  aider:\n    program: " +
                               aider + "\nerrorRecovery:\n  fallback:\n    - {fromAttempt: 2, agent: command}\n",
                           "c.yaml");
  REQUIRE(st);
  RunOptions opt = base;
  StockPolicyOptions popt;
  REQUIRE(configure_run(&*st, {}, opt, popt));
  REQUIRE(opt.agent_adapter);
  CHECK(opt.agent_adapter->name() == "aider");
  REQUIRE(opt.fallback_agents.size() == 1);
  CHECK(opt.fallback_agents[0]->name() == "command");
  CHECK(opt.fallback_agents[0]->prepare({"T001", "p.md", dir.path, 2}).argv == std::vector<std::string>{"sh", "-c", "exit 0"});
  // Without a template there is nothing to move to: an error before anything starts.
  st = parse_settings("agent:\n  name: aider\nagents:\n  aider:\n    program: " + aider +
                          "\nerrorRecovery:\n  fallback:\n    - {fromAttempt: 2, agent: command}\n",
                      "c.yaml");
  REQUIRE(st);
  opt = base;
  auto r = configure_run(&*st, {}, opt, popt);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "the fallback agent 'command' needs a command template (agent.command or --agent-cmd)");
  // When the run's own agent is the template, `command` is that agent: nothing to add,
  // and Aider's adapter joins for a step that names it.
  st = parse_settings("agent:\n  command: [sh, -c, \"exit 0\"]\nagents:\n  aider:\n    program: " + aider +
                          "\nerrorRecovery:\n  fallback:\n    - {fromAttempt: 2, agent: command}\n"
                          "    - {fromAttempt: 3, agent: aider}\n",
                      "c.yaml");
  REQUIRE(st);
  opt = base;
  REQUIRE(configure_run(&*st, {}, opt, popt));
  CHECK(opt.agent_adapter->name() == "sh");
  REQUIRE(opt.fallback_agents.size() == 1);
  CHECK(opt.fallback_agents[0]->name() == "aider");
}

TEST_CASE("durations: plain numbers with a unit, from 0 to 30 days; nothing else") {
  CHECK(parse_duration("90").value() == 90);
  CHECK(parse_duration("500ms").value() == doctest::Approx(0.5));
  CHECK(parse_duration("30m").value() == 1800);
  CHECK(parse_duration(" 2h ").value() == 7200);
  CHECK(parse_duration("0").value() == 0);
  CHECK(parse_duration("720h").value() == kMaxDurationSeconds);
  for (const char* bad : {"9.3e9", "1e10", "1e400", "inf", "nan", "-1", "0x10", "", "30 d", "abc", "721h"})
    CHECK_MESSAGE(!parse_duration(bad), bad);
}

TEST_CASE("config errors name their subject; duplicate keys and lists where a value belongs are errors") {
  auto top = parse_settings("- a\n- b\n", "c.yaml");
  REQUIRE(!top);
  CHECK(top.error().message.rfind("the settings file should be a mapping", 0) == 0);
  auto dup = parse_settings("agent:\n  model: a\n  model: b\n", "c.yaml");
  REQUIRE(!dup);
  CHECK(dup.error().message == "duplicate key 'agent.model' (first at line 2)");
  CHECK(dup.error().line == 3);
  auto list = parse_settings("implementer:\n  parallel:\n    taskTimeout: [30m]\n", "c.yaml");
  REQUIRE(!list);
  CHECK(list.error().message.find("implementer.parallel.taskTimeout should be a duration") == 0);
  CHECK(list.error().message.find("bad conversion") == std::string::npos);
  auto inf = parse_settings("implementer:\n  parallel:\n    taskTimeout: 1e400\n", "c.yaml");
  REQUIRE(!inf);
  CHECK(inf.error().line == 3);
}

TEST_CASE("agents: agent.name takes every known CLI, agents.<name> holds each one's settings") {
  auto s = parse_settings(R"(implementer:
  parallel:
    taskTimeout: none
    stallTimeout: 10m
agent:
  name: codex
agents:
  codex:
    model: gpt-5-codex
    appendInstructions: Keep diffs small.
    args: ["-c", "model_reasoning_effort=high"]
    env: {CODEX_HOME: /tmp/codex-home}
    timeout: 45m
  qwen:
    maxTurns: 30
)", "config.yaml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  CHECK(s->agent_name == "codex");
  CHECK(*s->task_timeout == 0);  // "none": no limit, on purpose
  CHECK(*s->stall_timeout == doctest::Approx(600));
  const AgentSettings& codex = s->agents.at("codex");
  CHECK(codex.model == "gpt-5-codex");
  CHECK(codex.append_instructions == "Keep diffs small.");
  CHECK(codex.extra_args == std::vector<std::string>{"-c", "model_reasoning_effort=high"});
  CHECK(codex.env == std::vector<std::string>{"CODEX_HOME=/tmp/codex-home"});
  CHECK(*codex.timeout == doctest::Approx(2700));
  CHECK(s->agents.at("qwen").max_turns == 30);
  for (const std::string& name : agent_names()) {
    CAPTURE(name);
    CHECK(parse_settings("agent:\n  name: " + name + "\n", "c.yaml"));
  }
  auto bad = parse_settings("agent:\n  name: codexx\n", "c.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().line == 2);
  CHECK(bad.error().message.find("codex, gemini") != std::string::npos);
  auto unknown = parse_settings("agents:\n  gpt:\n    model: x\n", "c.yaml");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().line == 2);
  auto key = parse_settings("agents:\n  gemini:\n    modle: x\n", "c.yaml");
  REQUIRE(key);
  REQUIRE(key->warnings.size() == 1);
  CHECK(key->warnings[0].message.find("model") != std::string::npos);
}

TEST_CASE("testing.requireChanges: on unless set to false") {
  CHECK(parse_settings("", "c.yaml")->require_changes);
  auto off = parse_settings("testing:\n  requireChanges: false\n", "c.yaml");
  REQUIRE(off);
  CHECK_FALSE(off->require_changes);
  CHECK(off->warnings.empty());
  auto bad = parse_settings("testing:\n  requireChanges: sometimes\n", "c.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().line == 2);
}

TEST_CASE("runner: the local default, or Slurm with its sbatch settings") {
  auto dflt = parse_settings("agent: {name: command}\n", "config.yaml");
  REQUIRE(dflt);
  CHECK(dflt->runner_kind == "local");
  CHECK(dflt->slurm.partition.empty());

  auto s = parse_settings(R"yaml(runner:
  kind: slurm
  partition: gpu
  account: proj42
  timeLimit: "2:00:00"
  sbatchArgs: ["--mem=8G", "--comment=a b; $(x)"]
)yaml", "config.yaml");
  REQUIRE(s);
  CHECK(s->runner_kind == "slurm");
  CHECK(s->slurm.partition == "gpu");
  CHECK(s->slurm.account == "proj42");
  CHECK(s->slurm.time_limit == "2:00:00");
  CHECK(s->slurm.sbatch_args == std::vector<std::string>{"--mem=8G", "--comment=a b; $(x)"});
  CHECK(s->warnings.empty());

  auto bad = parse_settings("runner:\n  kind: kubernetes\n", "config.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().line == 2);
  CHECK(bad.error().message.find("local or slurm") != std::string::npos);
  CHECK_FALSE(parse_settings("runner: slurm\n", "config.yaml"));
  auto typo = parse_settings("runner:\n  kind: slurm\n  partiton: gpu\n", "config.yaml");
  REQUIRE(typo);
  REQUIRE(typo->warnings.size() == 1);
  CHECK(typo->warnings[0].message.find("partition") != std::string::npos);
}

TEST_CASE("budget and per-agent maxWorkers") {
  auto s = parse_settings("budget:\n  maxCostUsd: 5\n  maxTaskCostUsd: \"$0.50\"\nagents:\n  codex:\n    maxWorkers: 2\n",
                          "config.yaml");
  REQUIRE(s);
  CHECK(s->budget.max_cost_usd == doctest::Approx(5));
  CHECK(s->budget.max_task_cost_usd == doctest::Approx(0.5));
  CHECK(s->agents.at("codex").max_workers == 2);
  auto bad = parse_settings("budget:\n  maxCostUsd: lots\n", "config.yaml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("budget.maxCostUsd should be an amount in US dollars") != std::string::npos);
  CHECK(bad.error().line == 2);
  CHECK_FALSE(parse_settings("budget:\n  maxCostUsd: -1\n", "config.yaml"));
  CHECK_FALSE(parse_settings("agents:\n  codex:\n    maxWorkers: 0\n", "config.yaml"));
  auto typo = parse_settings("budget:\n  maxCosUsd: 5\n", "config.yaml");
  REQUIRE(typo);
  REQUIRE(typo->warnings.size() == 1);
  CHECK(typo->warnings[0].message.find("maxCostUsd") != std::string::npos);
}
