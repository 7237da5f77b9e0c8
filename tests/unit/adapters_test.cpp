// SPDX-License-Identifier: MIT
// The agent CLIs besides Claude Code: the generic command agent's failure signatures
// with the real messages, reset times, exit-code maps, each adapter's argv and its
// stream parser on real captures (Codex, Gemini, Amp, …) or on the shapes AGENTS.md records
// (the others, labelled), and the registry.
#include <flow/agent.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace flow;

namespace {

Completion exited(int code) {
  Completion c;
  c.exit_code = code;
  return c;
}

AgentReport feed(std::string_view agent, const std::string& text) {
  auto p = make_stream_parser(agent);
  REQUIRE(p);
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) p->on_line(line);
  return p->report();
}

AgentReport feed_file(std::string_view agent, const std::string& file) {
  return feed(agent, test::slurp(test::data_path(std::string(agent) + "/" + file)));
}

bool has(const std::vector<std::string>& argv, std::string_view a) {
  return std::find(argv.begin(), argv.end(), a) != argv.end();
}

}  // namespace

TEST_CASE("command agent: every signature the agent CLIs really print gets its class") {
  struct Case {
    const char* program;
    int exit_code;
    const char* output;
    std::optional<FailureClass> cls;
  };
  const Case cases[] = {
      // Gemini: a per-minute quota is a rate limit, not spent budget.
      {"gemini", 1,
       "[API Error: Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent "
       "request limit per minute for a region' of service 'generativelanguage.googleapis.com']",
       FailureClass::rate_limit},
      {"gemini", 173,
       "[API Error: Resource has been exhausted (e.g. check quota).]\nPlease wait and try again later.",
       FailureClass::rate_limit},
      {"gemini", 41,
       "Please set an Auth method in your /root/.gemini/settings.json or specify one of the following environment "
       "variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA",
       FailureClass::auth},
      {"gemini", 41, "", FailureClass::auth},  // the exit code alone
      {"gemini", 53, "", FailureClass::budget},
      {"gemini", 247, "", FailureClass::temporary},
      {"gemini", 1, "[API Error: exception TypeError: fetch failed sending request]", FailureClass::network},
      // opencode and Copilot
      {"opencode", 1, "APIError: Rate limit reached for requests", FailureClass::rate_limit},
      {"copilot", 1,
       "Failed to get response from the AI model; retried 5 times (total retry wait time: 5.39 seconds) Last error: 429 "
       "Rate limit reached for requests",
       FailureClass::rate_limit},
      {"copilot", 1, "Error: No authentication information found.\n\nCopilot can be authenticated with GitHub using",
       FailureClass::auth},
      // Codex
      {"codex", 1,
       "You've hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit "
       "https://chatgpt.com/codex/settings/usage to purchase more credits or try again at 3:42 PM.",
       FailureClass::rate_limit},
      {"codex", 1, "Quota exceeded. Check your plan and billing details.", FailureClass::budget},
      {"codex", 1, "exceeded retry limit, last status: 429 Too Many Requests", FailureClass::rate_limit},
      {"codex", 1, "We\xe2\x80\x99re currently experiencing high demand, which may cause temporary errors.",
       FailureClass::temporary},
      {"codex", 2, "error: unexpected argument '--full-auto' found", FailureClass::config},
      // the network, as Node prints it
      {"opencode", 1, "TypeError: fetch failed", FailureClass::network},
      {"qwen", 1, "Error: read ECONNRESET", FailureClass::network},
      // Qwen 0.15 exits 0 after a failed call: a failure, not a success
      {"qwen", 0, "[API Error: 401 Incorrect API key provided: x. You can find your API key at …]", FailureClass::auth},
      {"qwen", 0, "[API Error: 529 The server is overloaded]", FailureClass::temporary},
      // Aider too
      {"aider", 0, "The API provider is not able to authenticate you. Check your API key.", FailureClass::auth},
      // nothing recognised
      {"tool", 1, "segmentation of the data failed", FailureClass::unknown},
      {"tool", 0, "All done: wrote src/auth/login.py", std::nullopt},
  };
  for (const Case& k : cases) {
    CAPTURE(k.program);
    CAPTURE(k.output);
    const auto agent = make_command_agent({std::string("/usr/bin/") + k.program, "{prompt_file}"});
    const auto got = agent->classify(exited(k.exit_code), {}, k.output);
    CHECK(got == k.cls);
  }
  // How the stock policy treats them: the auth ones are never retried.
  CHECK_FALSE(is_retryable(FailureClass::auth));
  CHECK(is_retryable(FailureClass::rate_limit));
  CHECK(is_retryable(FailureClass::stalled));
}

TEST_CASE("command agent: a stall and a timeout are told apart, and both are retryable") {
  const auto agent = make_command_agent({"tool"});
  Completion c = exited(-1);
  c.signal = 15;
  c.stalled = true;
  CHECK(agent->classify(c, {}, "") == FailureClass::stalled);
  c.stalled = false;
  c.timed_out = true;
  CHECK(agent->classify(c, {}, "") == FailureClass::timeout);
  CHECK(failure_class_from_string("stalled") == FailureClass::stalled);
  CHECK(std::string(to_string(FailureClass::stalled)) == "stalled");
}

TEST_CASE("reset times: Codex's local clock time and date, and 'retry in' delays") {
  // 2026-03-10 12:00:00 UTC
  const double now = 1773144000;
  CHECK(parse_reset_time("or try again at 3:42 PM.", now, 0) == doctest::Approx(now + 3 * 3600 + 42 * 60));
  // an hour east of UTC: 3:42 PM local is 14:42 UTC
  CHECK(parse_reset_time("or try again at 3:42 PM.", now, 3600) == doctest::Approx(now + 2 * 3600 + 42 * 60));
  // a time of day already past is tomorrow's
  CHECK(parse_reset_time("try again at 9:05 AM", now, 0) == doctest::Approx(now - 3 * 3600 + 5 * 60 + 86400));
  CHECK(parse_reset_time("try again at 12:30 AM", now, 0) == doctest::Approx(now - 12 * 3600 + 30 * 60 + 86400));
  // a date: Sep 26th, 2025 9:19 AM UTC
  CHECK(parse_reset_time("or try again at Sep 26th, 2025 9:19 AM.", now, 0) == doctest::Approx(1758878340));
  CHECK(parse_reset_time("Please retry in 37.5s.", now) == doctest::Approx(now + 37.5));
  CHECK(parse_reset_time("try again in 5 minutes", now) == doctest::Approx(now + 300));
  CHECK(parse_reset_time("\"retryDelay\": \"41s\"", now) == doctest::Approx(now + 41));
  CHECK_FALSE(parse_reset_time("Retrying in 60s (attempt 1/10)", now));  // Qwen's own backoff, not a reset
  CHECK_FALSE(parse_reset_time("rate limited", now));
}

TEST_CASE("exit-code maps: Gemini's named codes and HTTP statuses, Qwen's named codes") {
  CHECK(exit_code_class("gemini", 41) == FailureClass::auth);
  CHECK(exit_code_class("gemini", 42) == FailureClass::invalid_input);
  CHECK(exit_code_class("gemini", 52) == FailureClass::config);
  CHECK(exit_code_class("gemini", 53) == FailureClass::budget);
  CHECK(exit_code_class("gemini", 173) == FailureClass::rate_limit);
  CHECK(exit_code_class("gemini", 145) == FailureClass::auth);
  CHECK(exit_code_class("gemini", 144) == FailureClass::invalid_input);
  CHECK(exit_code_class("gemini", 244) == FailureClass::temporary);
  CHECK_FALSE(exit_code_class("gemini", 1));
  CHECK(exit_code_class("qwen", 53) == FailureClass::budget);
  CHECK_FALSE(exit_code_class("qwen", 173));
  CHECK_FALSE(exit_code_class("mytool", 41));
}

TEST_CASE("codex: real captured streams (codex 0.169.0 against a loopback Responses mock)") {
  const auto codex = make_agent("codex");
  const AgentReport ok = feed_file("codex", "success.jsonl");
  CHECK(ok.finished);
  CHECK_FALSE(ok.is_error);
  CHECK(ok.result == "DONE-MOCK");
  CHECK(ok.session_id == "01a23752-9263-77b0-9ada-4482054a21ab");
  CHECK(ok.input_tokens == 12);
  CHECK(ok.output_tokens == 3);
  CHECK(ok.turns == 1);
  CHECK_FALSE(codex->classify(exited(0), ok, ok.result));
  const std::pair<const char*, FailureClass> errors[] = {
      {"error-429.jsonl", FailureClass::rate_limit},
      {"error-500.jsonl", FailureClass::temporary},
      {"error-401.jsonl", FailureClass::auth},
  };
  for (const auto& [file, cls] : errors) {
    CAPTURE(file);
    const AgentReport r = feed_file("codex", file);
    CHECK(r.finished);
    CHECK(r.is_error);
    CHECK(codex->classify(exited(1), r, r.result) == cls);
  }
  // Its own tool writes a file: the command is the activity.
  auto p = make_stream_parser("codex");
  std::vector<std::string> acts;
  std::istringstream in(test::slurp(test::data_path("codex/write-file.jsonl")));
  for (std::string line; std::getline(in, line);)
    if (p->on_line(line)) acts.push_back(p->report().activity);
  REQUIRE(acts.size() >= 3);
  CHECK(acts[1].rfind("Bash: /bin/bash -lc \"printf 'hello", 0) == 0);
  CHECK(p->report().result == "All done.");
  CHECK_FALSE(codex->classify(exited(0), p->report(), ""));
  // A usage limit: a rate limit (not spent budget), with the reset time Codex names.
  const AgentReport limit = feed_file("codex", "usage-limit.jsonl");
  CHECK(codex->classify(exited(1), limit, limit.result) == FailureClass::rate_limit);
  CHECK(limit.result.find("try again at 3:22 PM") != std::string::npos);
  CHECK(codex->reset_time(limit.result));
  // Shapes from AGENTS.md §3 (not captured here): a file_change item; a
  // "Reconnecting..." notice is Codex retrying, not a failure.
  const AgentReport tools = feed("codex",
                                 R"J({"type":"thread.started","thread_id":"t1"}
{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"/bin/bash -lc 'echo hi'","aggregated_output":"","exit_code":null,"status":"in_progress"}}
{"type":"error","message":"Reconnecting... 2/5 (stream disconnected before completion: error sending request)"}
{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"src/a.py","kind":"add"}],"status":"completed"}}
)J");
  CHECK(tools.activity == "Edit src/a.py");
  CHECK(tools.api_retries == 1);
  CHECK_FALSE(tools.finished);
  // No terminal event and exit 0: it did not finish its work.
  CHECK(codex->classify(exited(0), tools, "") == FailureClass::crash);
}

TEST_CASE("gemini: real captured streams (gemini-cli 0.61.0 against a loopback Gemini mock)") {
  const auto gemini = make_agent("gemini");
  const AgentReport ok = feed_file("gemini", "success.jsonl");
  CHECK(ok.finished);
  CHECK_FALSE(ok.is_error);
  CHECK(ok.result == "DONE-MOCK");
  CHECK(ok.session_id == "0e74945c-d092-4f78-877d-02d6fed29a1b");
  CHECK(ok.input_tokens == 12);
  CHECK(ok.output_tokens == 3);
  CHECK_FALSE(gemini->classify(exited(0), ok, ok.result));
  const AgentReport limited = feed_file("gemini", "error-429.jsonl");
  CHECK(limited.is_error);
  CHECK(gemini->classify(exited(173), limited, limited.result) == FailureClass::rate_limit);
  const AgentReport denied = feed_file("gemini", "error-401.jsonl");
  CHECK(gemini->classify(exited(145), denied, denied.result) == FailureClass::auth);
  const AgentReport wrote = feed_file("gemini", "write-file.jsonl");
  CHECK(wrote.finished);
  CHECK(wrote.result == "All done.");
  CHECK(wrote.turns == 2);
  CHECK(wrote.input_tokens == 24);
  // Shapes from AGENTS.md §4 (not captured here): a tool call; the turn limit.
  const AgentReport turns = feed("gemini",
                                 R"J({"type":"init","session_id":"s","model":"m"}
{"type":"tool_use","tool_name":"write_file","tool_id":"w1","parameters":{"file_path":"src/a.py","content":"x"}}
{"type":"result","status":"error","error":{"type":"FatalTurnLimitedError","message":"Reached max session turns for this session."},"stats":{}}
)J");
  CHECK(turns.activity == "ended with an error");
  CHECK(gemini->classify(exited(53), turns, turns.result) == FailureClass::budget);
  // No auth configured: nothing on stdout, exit 41.
  CHECK(gemini->classify(exited(41), {}, "") == FailureClass::auth);
}

TEST_CASE("qwen, opencode, copilot: real captured streams (against a loopback chat-completions mock)") {
  // Qwen Code 0.15.10: its write_file tool, then the answer.
  const AgentReport q = feed_file("qwen", "write-file.jsonl");
  CHECK(q.finished);
  CHECK_FALSE(q.is_error);
  CHECK(q.result == "All done.");
  CHECK(q.turns == 2);
  CHECK(q.session_id == "6579d82e-161a-4faa-abbd-0da18442f025");
  CHECK_FALSE(q.cost_reported);  // its result has no total_cost_usd: "not reported"
  CHECK_FALSE(make_agent("qwen")->classify(exited(0), q, q.result));
  // Its 401: a "successful" result "[API Error: 401 …]" and exit 0 -- an auth failure.
  const AgentReport q401 = feed_file("qwen", "api-error-401-exit-0.jsonl");
  CHECK(q401.is_error);
  CHECK(make_agent("qwen")->classify(exited(0), q401, q401.result) == FailureClass::auth);
  // The same output through the generic command agent.
  CHECK(make_command_agent({"qwen"})->classify(exited(0), {}, test::slurp(test::data_path("qwen/api-error-401-exit-0.jsonl"))) ==
        FailureClass::auth);

  // opencode 1.18.33: its write tool, two steps, tokens and cost per step; no terminal event.
  const AgentReport oc = feed_file("opencode", "write-file.jsonl");
  CHECK(oc.session_id == "ses_dc8a3e148ffe8JijCNtHpWV0eC");
  CHECK(oc.turns == 2);
  CHECK(oc.result == "All done.");
  CHECK(oc.output_tokens == 6);
  CHECK_FALSE(make_agent("opencode")->classify(exited(0), oc, oc.result));
  const AgentReport oc401 = feed_file("opencode", "error-401.jsonl");
  CHECK(oc401.is_error);
  CHECK(make_agent("opencode")->classify(exited(1), oc401, oc401.result) == FailureClass::auth);

  // Copilot CLI 1.0.102 (BYOK, offline): its create tool, then the answer.
  auto p = make_stream_parser("copilot");
  std::vector<std::string> acts;
  std::istringstream in(test::slurp(test::data_path("copilot/write-file.jsonl")));
  for (std::string line; std::getline(in, line);)
    if (p->on_line(line)) acts.push_back(p->report().activity);
  CHECK(std::find(acts.begin(), acts.end(), "create /tmp/agcap/repo/hello.txt") != acts.end());
  CHECK(p->report().finished);
  CHECK(p->report().result == "All done.");
  CHECK(p->report().turns == 2);
  CHECK(p->report().session_id == "1c0f015b-f15a-4b2f-b4d6-d4a67d9f1ea6");
  CHECK_FALSE(make_agent("copilot")->classify(exited(0), p->report(), ""));
  // Its 401: retried by Copilot as "transient_auth_error", then session.error authentication.
  const AgentReport cp401 = feed_file("copilot", "error-401.jsonl");
  CHECK(cp401.api_retries >= 1);
  CHECK(make_agent("copilot")->classify(exited(1), cp401, cp401.result) == FailureClass::auth);
}

TEST_CASE("qwen, cursor: the Claude-compatible stream (shapes from AGENTS.md §5, §8)") {
  // Qwen 0.15: a failed call reported as a successful result, exit 0.
  const AgentReport q15 = feed("qwen", R"J({"type":"system","subtype":"init","session_id":"164afcc4","model":"mock-model"}
{"type":"result","subtype":"success","session_id":"164afcc4","is_error":false,"num_turns":1,"result":"[API Error: 401 Incorrect API key provided: x]","usage":{"input_tokens":0,"output_tokens":0}}
)J");
  CHECK(q15.is_error);
  CHECK(make_agent("qwen")->classify(exited(0), q15, q15.result) == FailureClass::auth);
  // Qwen 0.24: error_during_execution with error.message, and its own retry events.
  const AgentReport q24 = feed("qwen", R"J({"type":"system","subtype":"retry","data":{"attempt":1,"maxRetries":10,"delayMs":60000}}
{"type":"result","subtype":"error_during_execution","is_error":true,"error":{"message":"[API Error: 529 The server is overloaded]"}}
)J");
  CHECK(q24.api_retries == 1);
  CHECK(q24.failure == FailureClass::temporary);
  // Qwen's turn limit: exit 53 and no result event.
  CHECK(make_agent("qwen")->classify(exited(53), {}, "Reached max session turns for this session.") == FailureClass::budget);
  // Cursor's tool_call events become activity.
  const AgentReport cursor = feed("cursor", R"J({"type":"system","subtype":"init","session_id":"c1","model":"auto"}
{"type":"tool_call","subtype":"started","call_id":"x","tool_call":{"writeToolCall":{"args":{"path":"src/a.py","fileText":"x"}}}}
)J");
  CHECK(cursor.activity == "write src/a.py");
}

TEST_CASE("amp: real streams of amp -x against a loopback Amp server (tests/data/amp)") {
  const auto amp = make_agent("amp");
  // A text answer: tokens come from the assistant message, the result has none.
  const AgentReport ok = feed_file("amp", "success.jsonl");
  CHECK(ok.finished);
  CHECK_FALSE(ok.is_error);
  CHECK(ok.session_id.rfind("T-", 0) == 0);
  CHECK(ok.result == "Done.");
  CHECK(ok.turns == 1);
  CHECK(ok.input_tokens == 12);
  CHECK(ok.output_tokens == 3);
  CHECK_FALSE(ok.cost_reported);
  CHECK_FALSE(amp->classify(exited(0), ok, ""));
  // Its create_file tool, then the answer: two turns, the tokens of both.
  const AgentReport write = feed_file("amp", "write-file.jsonl");
  CHECK(write.turns == 2);
  CHECK(write.output_tokens == 6);
  CHECK(write.input_tokens == 24);
  CHECK_FALSE(amp->classify(exited(0), write, ""));
  // A failed turn exits 0: only the result's is_error says so. (The error texts of 429
  // and 500 are the mock server's; the 401 shows the CLI's own "Unauthorized" title.)
  const AgentReport e429 = feed_file("amp", "error-429.jsonl");
  CHECK(e429.is_error);
  CHECK(amp->classify(exited(0), e429, "") == FailureClass::rate_limit);
  CHECK(amp->classify(exited(0), feed_file("amp", "error-500.jsonl"), "") == FailureClass::temporary);
  const AgentReport e401 = feed_file("amp", "error-401.jsonl");
  CHECK(e401.result.rfind("Unauthorized ", 0) == 0);
  CHECK(amp->classify(exited(0), e401, "") == FailureClass::auth);
  // Amp's own API refusing: exit 1, nothing on stdout, one line on stderr.
  const auto stderr_of = [](const char* file) { return test::slurp(test::data_path(std::string("amp/") + file)); };
  CHECK(amp->classify(exited(1), {}, stderr_of("http-401.stderr")) == FailureClass::auth);
  CHECK(amp->classify(exited(1), {}, stderr_of("http-429.stderr")) == FailureClass::rate_limit);
  CHECK(amp->classify(exited(1), {}, stderr_of("http-500.stderr")) == FailureClass::temporary);
  CHECK(amp->classify(exited(1), {}, stderr_of("refused.stderr")) == FailureClass::network);
}

TEST_CASE("opencode and copilot: their own event schemas (shapes from AGENTS.md §6, §7)") {
  const AgentReport oc = feed("opencode", R"J({"type":"step_start","timestamp":1,"sessionID":"ses_df3e","part":{"type":"step-start"}}
{"type":"tool_use","timestamp":2,"sessionID":"ses_df3e","part":{"type":"tool","tool":"bash","callID":"call_2","state":{"status":"completed","input":{"command":"echo hi"},"output":"hi\n"}}}
{"type":"text","timestamp":3,"sessionID":"ses_df3e","part":{"type":"text","text":"DONE-MOCK"}}
{"type":"step_finish","timestamp":4,"sessionID":"ses_df3e","part":{"type":"step-finish","reason":"stop","tokens":{"total":15,"input":12,"output":3,"reasoning":0,"cache":{"write":0,"read":0}},"cost":0.0012}}
)J");
  CHECK(oc.session_id == "ses_df3e");
  CHECK(oc.result == "DONE-MOCK");
  CHECK(oc.cost_usd == doctest::Approx(0.0012));
  CHECK(oc.cost_reported);
  CHECK(oc.input_tokens == 12);
  CHECK_FALSE(make_agent("opencode")->classify(exited(0), oc, oc.result));
  const AgentReport oc401 = feed("opencode", R"J({"type":"error","timestamp":5,"sessionID":"ses_1","error":{"name":"APIError","data":{"message":"Incorrect API key","statusCode":401,"isRetryable":false}}}
)J");
  CHECK(make_agent("opencode")->classify(exited(1), oc401, oc401.result) == FailureClass::auth);
  const AgentReport ocnet = feed("opencode", R"J({"type":"error","timestamp":5,"sessionID":"ses_1","error":{"name":"APIError","data":{"message":"Cannot connect to API: Unable to connect. Is the computer able to access the url?","isRetryable":true}}}
)J");
  CHECK(ocnet.failure == FailureClass::network);

  const AgentReport cp = feed("copilot", R"J({"type":"assistant.turn_start","data":{},"id":"1"}
{"type":"tool.execution_start","data":{"toolCallId":"c","toolName":"bash","arguments":{"command":"npm test"}},"id":"2"}
{"type":"session.error","data":{"errorType":"rate_limit","message":"Failed to get response from the AI model; retried 5 times Last error: 429 Rate limit reached for requests","statusCode":429},"id":"3"}
{"type":"result","timestamp":"t","sessionId":"776b618b","exitCode":1,"usage":{"premiumRequests":0}}
)J");
  CHECK(cp.session_id == "776b618b");
  CHECK_FALSE(cp.cost_reported);  // premium requests only: "not reported", never $0
  CHECK(cp.finished);
  CHECK(make_agent("copilot")->classify(exited(1), cp, cp.result) == FailureClass::rate_limit);
}

TEST_CASE("aider: plain text, exit 0 even after a failed call") {
  const AgentReport ok = feed("aider", "Applied edit to src/a.py\nTokens: 2.3k sent, 120 received. Cost: $0.01 message, $0.05 session.\n");
  CHECK(ok.finished);
  CHECK(ok.input_tokens == 2300);
  CHECK(ok.output_tokens == 120);
  CHECK(ok.cost_usd == doctest::Approx(0.05));  // the session's: the whole attempt
  CHECK(ok.cost_reported);
  CHECK_FALSE(make_agent("aider")->classify(exited(0), ok, ok.result));
  const AgentReport bad = feed("aider", "The API provider is not able to authenticate you. Check your API key.\n");
  CHECK(make_agent("aider")->classify(exited(0), bad, bad.result) == FailureClass::auth);
}

TEST_CASE("each adapter's argv: unattended, headless, settings applied, prompt never from an open pipe") {
  test::TempDir dir;
  const std::string prompt = dir.path + "/T001.1.md";
  std::ofstream(prompt) << "# Task T001\n\nWrite hello.txt\n";
  const AgentRequest req{"T001", prompt, dir.path, 1};
  AgentSettings s;
  s.model = "m1";
  s.max_turns = 7;
  s.append_instructions = "Use tabs.";
  s.extra_args = {"--extra"};

  const AgentLaunch codex = make_agent("codex", s)->prepare(req);
  CHECK(codex.argv[0] == "codex");
  CHECK(codex.argv[1] == "exec");
  CHECK(has(codex.argv, "--json"));
  CHECK(has(codex.argv, "workspace-write"));
  CHECK_FALSE(has(codex.argv, "--full-auto"));
  CHECK(has(codex.argv, "developer_instructions=\"Use tabs.\""));
  CHECK(codex.argv.back() == "-");
  CHECK(codex.stdin_path == prompt);

  const AgentLaunch gemini = make_agent("gemini", s)->prepare(req);
  CHECK(has(gemini.argv, "--skip-trust"));
  CHECK(has(gemini.argv, "yolo"));
  CHECK(has(gemini.argv, "stream-json"));
  CHECK(has(gemini.argv, "m1"));
  // No append flag: the instructions go into a copy of the prompt.
  CHECK(gemini.stdin_path != prompt);
  CHECK(test::slurp(gemini.stdin_path).find("Use tabs.") != std::string::npos);

  const AgentLaunch qwen = make_agent("qwen", s)->prepare(req);
  CHECK(has(qwen.argv, "--max-session-turns"));
  CHECK(has(qwen.argv, "7"));
  CHECK(has(qwen.argv, "--append-system-prompt"));
  CHECK(qwen.stdin_path == prompt);

  const AgentLaunch oc = make_agent("opencode", s)->prepare(req);
  CHECK(has(oc.argv, "--auto"));
  CHECK(has(oc.argv, dir.path));

  const AgentLaunch cp = make_agent("copilot", s)->prepare(req);
  CHECK(has(cp.argv, "--allow-all-tools"));
  CHECK(has(cp.argv, "--no-ask-user"));

  const AgentLaunch cursor = make_agent("cursor", s)->prepare(req);
  CHECK(cursor.argv[0] == "agent");
  CHECK(has(cursor.argv, "--trust"));
  CHECK(has(cursor.argv, "--force"));
  CHECK(cursor.argv.back().rfind("# Task T001", 0) == 0);

  const AgentLaunch amp = make_agent("amp", s)->prepare(req);
  CHECK(has(amp.argv, "--dangerously-allow-all"));
  CHECK(has(amp.argv, "--stream-json"));

  const AgentLaunch aider = make_agent("aider", s)->prepare(req);
  CHECK(has(aider.argv, "--message-file"));
  CHECK(has(aider.argv, "--yes-always"));
  CHECK(has(aider.argv, "--read"));
  CHECK(has(aider.argv, "--extra"));

  const AgentLaunch claude = make_agent("claude", s)->prepare(req);
  CHECK(has(claude.argv, "--max-turns"));
  CHECK(has(claude.argv, "7"));
  CHECK(has(claude.argv, "--append-system-prompt"));
  AgentSettings with_env;
  with_env.env = {"ANTHROPIC_BASE_URL=http://127.0.0.1:1"};
  CHECK(has(make_agent("claude", with_env)->prepare(req).env, "ANTHROPIC_BASE_URL=http://127.0.0.1:1"));
  CHECK(has(make_agent("codex", with_env)->prepare(req).env, "ANTHROPIC_BASE_URL=http://127.0.0.1:1"));
}

TEST_CASE("registry and pre-flight: every name, a missing CLI, Amp with no key") {
  for (const std::string& name : agent_names()) {
    CAPTURE(name);
    auto a = make_agent(name);
    REQUIRE(a);
    CHECK(a->name() == name);
  }
  CHECK_FALSE(make_agent("nosuch"));
  AgentSettings missing;
  missing.program = "/nonexistent/codex";
  const auto why = make_agent("codex", missing)->preflight();
  REQUIRE(why);
  CHECK(why->find("not installed") != std::string::npos);
  AgentSettings amp;
  amp.program = "sh";  // installed, but no key
  ::unsetenv("AMP_API_KEY");
  const auto amp_why = make_agent("amp", amp)->preflight();
  REQUIRE(amp_why);
  CHECK(amp_why->find("AMP_API_KEY") != std::string::npos);
  amp.env = {"AMP_API_KEY=k"};
  CHECK_FALSE(make_agent("amp", amp)->preflight());
  AgentSettings sh;
  sh.program = "sh";
  CHECK_FALSE(make_agent("gemini", sh)->preflight());
}
