// SPDX-License-Identifier: MIT
// Agent adapters: the Claude Code stream parser on real captured streams, failure
// classification, the argv each adapter builds, and the JSON reader under them.
#include <flow/agent.hpp>

#include "support/json_value.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace flow;

namespace {

// Feeds a captured stream to a fresh parser, line by line; collects the activities.
struct Fed {
  AgentReport report;
  std::vector<std::string> activity;
};

Fed feed(const std::string& file) {
  auto p = make_claude_stream_parser();
  std::istringstream in(test::slurp(test::data_path("claude/" + file)));
  Fed f;
  for (std::string line; std::getline(in, line);)
    if (p->on_line(line)) f.activity.push_back(p->report().activity);
  f.report = p->report();
  return f;
}

Completion exited(int code) {
  Completion c;
  c.exit_code = code;
  return c;
}

std::optional<FailureClass> classify(const std::string& file, int exit_code) {
  const auto claude = make_claude_agent();
  const Fed f = feed(file);
  return claude->classify(exited(exit_code), f.report, f.report.result);
}

}  // namespace

TEST_CASE("claude stream: a successful task, its activity, result, cost, tokens and turns") {
  const Fed f = feed("success-write.jsonl");
  CHECK(f.report.finished);
  CHECK_FALSE(f.report.is_error);
  CHECK(f.report.result == "All done.");
  CHECK(f.report.turns == 2);
  CHECK(f.report.cost_usd == doctest::Approx(0.002));
  CHECK(f.report.cost_reported);
  CHECK(f.report.input_tokens == 200);
  CHECK(f.report.output_tokens == 40);
  CHECK(f.report.session_id.size() == 36);
  REQUIRE(f.activity.size() == 4);
  CHECK(f.activity[0].rfind("started (", 0) == 0);
  CHECK(f.activity[1] == "Write /tmp/ct/repo/hello.txt");
  CHECK(f.activity[2] == "says: All done.");
  CHECK(f.activity[3] == "done");
  CHECK_FALSE(f.report.failure);
  CHECK_FALSE(classify("success-write.jsonl", 0));
}

TEST_CASE("claude stream: each error the real CLI reports gets its class") {
  // (file, class). The CLI exits 1 for all of these.
  const std::pair<const char*, FailureClass> cases[] = {
      {"rate-limit-429.jsonl", FailureClass::rate_limit},   {"overloaded-529.jsonl", FailureClass::temporary},
      {"server-500.jsonl", FailureClass::temporary},        {"auth-401.jsonl", FailureClass::auth},
      {"not-logged-in.jsonl", FailureClass::auth},          {"connection-refused.jsonl", FailureClass::network},
      {"max-turns.jsonl", FailureClass::budget},            {"prompt-too-long.jsonl", FailureClass::invalid_input},
      {"usage-limit.jsonl", FailureClass::rate_limit},
  };
  for (const auto& [file, cls] : cases) {
    CAPTURE(file);
    const Fed f = feed(file);
    CHECK(f.report.finished);
    CHECK(f.report.is_error);
    REQUIRE(f.report.failure);
    CHECK(*f.report.failure == cls);
    CHECK(classify(file, 1) == cls);
    CHECK(f.activity.back() == "ended with an error");
  }
  CHECK(feed("max-turns.jsonl").report.result.find("maximum number of turns") != std::string::npos);
  CHECK(feed("auth-401.jsonl").report.result.find("Failed to authenticate") != std::string::npos);
}

TEST_CASE("claude stream: a usage limit carries its reset time; the agent's own retries are counted, not failures") {
  const Fed f = feed("usage-limit.jsonl");
  REQUIRE(f.report.resets_at);
  CHECK(*f.report.resets_at == 1795521600.0);
  CHECK(f.report.api_retries == 1);
  CHECK(std::find(f.activity.begin(), f.activity.end(), "retrying the API after 429 rate_limit") != f.activity.end());
  CHECK(std::find(f.activity.begin(), f.activity.end(), "rate limited") != f.activity.end());
}

TEST_CASE("claude: no result event is a crash; a signal or a timeout wins over the stream") {
  auto claude = make_claude_agent();
  auto p = claude->parser();
  // The stream stops after init and one tool call: the process died mid-task.
  std::istringstream in(test::slurp(test::data_path("claude/success-write.jsonl")));
  std::string line;
  for (int i = 0; i < 2 && std::getline(in, line); ++i) p->on_line(line);
  CHECK_FALSE(p->report().finished);
  CHECK(claude->classify(exited(0), p->report(), "") == FailureClass::crash);
  CHECK(claude->classify(exited(1), p->report(), "") == FailureClass::crash);
  Completion killed;
  killed.signal = 9;
  CHECK(claude->classify(killed, feed("success-write.jsonl").report, "") == FailureClass::crash);
  Completion late;
  late.timed_out = true;
  late.signal = 15;
  CHECK(claude->classify(late, feed("success-write.jsonl").report, "") == FailureClass::timeout);
  // What the CLI prints on stderr when it refuses to start as root is a config error.
  CHECK(claude->classify(exited(1), AgentReport{}, test::slurp(test::data_path("claude/root-bypass.stderr"))) ==
        FailureClass::config);
  // A result that says success with exit 0 is success even after the agent's own retries.
  CHECK_FALSE(classify("success-write.jsonl", 0));
  // …but not with a non-zero exit.
  CHECK(classify("success-write.jsonl", 1) == FailureClass::unknown);
}

TEST_CASE("claude stream: lines that are not events are ignored; garbage does not throw") {
  auto p = make_claude_stream_parser();
  for (const char* line : {"", "[SandboxDebug] x", "{", "{\"type\":", "null", "[1,2]", "{\"type\":\"nonsense\"}",
                           "{\"type\":\"assistant\",\"message\":{\"content\":\"not an array\"}}",
                           "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"tool_use\"}]}}",
                           "{\"type\":\"result\",\"is_error\":\"yes\",\"num_turns\":\"two\"}"})
    p->on_line(line);
  // The last one is a result with no subtype: not a success.
  CHECK(p->report().activity == "ended with an error");
  CHECK(p->report().finished);
  CHECK(p->report().is_error);
  CHECK(p->report().turns == 0);
}

TEST_CASE("claude tool activity names the file or the command") {
  auto p = make_claude_stream_parser();
  CHECK(p->on_line(R"({"type":"assistant","message":{"content":[{"type":"tool_use","name":"Bash","input":{"command":"npm test"}}]}})"));
  CHECK(p->report().activity == "Bash: npm test");
  CHECK(p->on_line(R"({"type":"assistant","message":{"content":[{"type":"tool_use","name":"Edit","input":{"file_path":"src/a.py","old_string":"x"}}]}})"));
  CHECK(p->report().activity == "Edit src/a.py");
  CHECK(p->on_line(R"({"type":"assistant","message":{"content":[{"type":"thinking","thinking":"hmm"}]}})"));
  CHECK(p->report().activity == "thinking");
  CHECK_FALSE(p->on_line(R"({"type":"user","message":{"content":[{"type":"tool_result","content":"ok"}]}})"));
}

TEST_CASE("claude argv: headless stream-json, prompt on stdin, settings as flags; root gets IS_SANDBOX") {
  ClaudeOptions o;
  o.program = "/opt/claude";
  o.model = "sonnet";
  o.max_turns = 7;
  o.append_system_prompt = "Be brief.";
  o.extra_args = {"--fallback-model", "haiku"};
  const auto claude = make_claude_agent(o);
  CHECK(claude->name() == "claude");
  const AgentLaunch l = claude->prepare({"T012", "/w/.flow/runs/r/T012.prompt.md", "/w", 2});
  const std::vector<std::string> want{"/opt/claude", "-p", "--output-format", "stream-json", "--verbose",
                                      "--permission-mode", "bypassPermissions", "--max-turns", "7", "--model", "sonnet",
                                      "--append-system-prompt", "Be brief.", "--fallback-model", "haiku"};
  CHECK(l.argv == want);
  CHECK(l.stdin_path == "/w/.flow/runs/r/T012.prompt.md");
  const bool sandbox = std::find(l.env.begin(), l.env.end(), "IS_SANDBOX=1") != l.env.end();
  CHECK(sandbox == (::geteuid() == 0));
  o.permission_mode = "acceptEdits";
  CHECK(make_claude_agent(o)->prepare({}).env.empty());
}

TEST_CASE("command agent: placeholders inside arguments, exit codes, stock and configured signatures") {
  const auto cmd = make_command_agent({"/usr/bin/my-agent", "--task={task_id}", "{prompt_file}", "-C", "{workdir}", "#{attempt}"},
                                      {{"quota for today is gone", FailureClass::rate_limit},
                                       {"connection refused", FailureClass::config}});
  CHECK(cmd->name() == "my-agent");
  CHECK(cmd->parser() == nullptr);
  const AgentLaunch l = cmd->prepare({"T003", "/p/T003.md", "/w", 3});
  CHECK(l.argv == std::vector<std::string>{"/usr/bin/my-agent", "--task=T003", "/p/T003.md", "-C", "/w", "#3"});
  CHECK(l.stdin_path.empty());
  CHECK_FALSE(cmd->classify(exited(0), {}, "error: whatever"));
  CHECK(cmd->classify(exited(1), {}, "") == FailureClass::unknown);
  CHECK(cmd->classify(exited(1), {}, "API Error: Request rejected (429)") == FailureClass::rate_limit);
  CHECK(cmd->classify(exited(1), {}, "Your QUOTA for today is gone") == FailureClass::rate_limit);
  // A configured pattern wins over the stock table.
  CHECK(cmd->classify(exited(1), {}, "Connection refused") == FailureClass::config);
  CHECK(make_command_agent({"x"})->classify(exited(1), {}, "Connection refused") == FailureClass::network);
}

TEST_CASE("json reader: values, escapes, surrogates, errors and the depth limit") {
  using detail::JsonValue;
  auto v = JsonValue::parse(R"( {"a":[1,-2.5e2,true,null,"x\n\u00e9\ud83d\ude00"],"b":{"c":"d"}} )");
  REQUIRE(v);
  CHECK(v->is_object());
  CHECK((*v)["a"].items().size() == 5);
  CHECK((*v)["a"].items()[1].num() == -250);
  CHECK((*v)["a"].items()[2].boolean());
  CHECK((*v)["a"].items()[3].is_null());
  CHECK((*v)["a"].items()[4].str() == "x\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK((*v)["b"]["c"].str() == "d");
  CHECK((*v)["missing"]["deeper"].str("fallback") == "fallback");
  CHECK((*v)["a"]["not-an-object"].is_null());
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\q\"", "\"a", "tru", "{} x", "1.", "-", "\"\t\""})
    CHECK_MESSAGE(!JsonValue::parse(bad), bad);
  CHECK(JsonValue::parse(std::string(64, '[') + std::string(64, ']')));
  CHECK_FALSE(JsonValue::parse(std::string(100000, '[') + std::string(100000, ']')));  // no stack overflow
  CHECK(JsonValue::parse("\"\\ud800\"")->str() == "\xef\xbf\xbd");                   // a lone surrogate
  // Lone halves anywhere become U+FFFD; a pair stays a pair, an escaped backslash stays text.
  auto halves = JsonValue::parse(R"({"a":["x\udc00y","\ud83d\ude00\uD83D",1],"b":"\\ud800"})");
  REQUIRE(halves);
  CHECK((*halves)["a"].items()[0].str() == "x\xef\xbf\xbdy");
  CHECK((*halves)["a"].items()[1].str() == "\xf0\x9f\x98\x80\xef\xbf\xbd");
  CHECK((*halves)["a"].items()[2].num() == 1);
  CHECK((*halves)["b"].str() == "\\ud800");
  CHECK_FALSE(JsonValue::parse(R"({"a":"\ud800", x})"));  // still invalid for another reason
}
