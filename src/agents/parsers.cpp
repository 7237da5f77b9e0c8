// SPDX-License-Identifier: MIT
// Event-stream parsers of the agent CLIs that do not speak Claude's stream-json:
// Codex (`exec --json`), Gemini CLI (`stream-json`), opencode (`run --format json`),
// Copilot CLI (`--output-format json`), and Aider's plain text. Field names are the
// ones the real CLIs print (AGENTS.md §3–§10, tests/data/<agent>/). Pure: no I/O.
#include "agents/parsers.hpp"

#include "support/json_value.hpp"
#include "support/text.hpp"

#include <cstdlib>

namespace flow::detail {

namespace {

std::optional<FailureClass> from_http_status(int s) {
  if (s == 429) return FailureClass::rate_limit;
  if (s == 401 || s == 403) return FailureClass::auth;
  if (s == 402) return FailureClass::budget;
  if (s == 400 || s == 413) return FailureClass::invalid_input;
  if (s == 408) return FailureClass::network;
  if (s >= 500 && s < 600) return FailureClass::temporary;
  return std::nullopt;
}

// What a tool's arguments say it does: the file it touches or the command.
std::string describe(std::string_view tool, const JsonValue& in) {
  const std::string name(tool.empty() ? std::string_view("tool") : tool);
  for (const char* key : {"file_path", "filePath", "absolute_path", "path"})
    if (in[key].is_string()) return name + " " + clip(in[key].str(), 80);
  if (in["command"].is_string()) return name + ": " + clip(in["command"].str(), 80);
  for (const char* key : {"pattern", "url", "query", "description"})
    if (in[key].is_string()) return name + ": " + clip(in[key].str(), 80);
  return name;
}

std::string says(std::string_view text) { return "says: " + clip(trim(text), 80); }

// The shared shape: JSON lines, one handler per event type.
class JsonLines : public StreamParser {
 public:
  bool on_line(std::string_view line) override {
    line = trim(line);
    if (line.empty() || line.front() != '{') return false;
    auto v = JsonValue::parse(line);
    if (!v) return false;
    const std::string before = r_.activity;
    event(*v);
    return r_.activity != before;
  }
  const AgentReport& report() const noexcept override { return r_; }

 protected:
  virtual void event(const JsonValue& v) = 0;
  void fail(std::string_view message, std::optional<FailureClass> cls) {
    r_.finished = true;
    r_.is_error = true;
    if (!message.empty()) r_.result = clip(message, 2000);
    r_.failure = cls ? cls : match_failure_signature(message);
    r_.activity = "ended with an error";
  }
  AgentReport r_;
};

// codex exec --json
class CodexStream final : public JsonLines {
  void event(const JsonValue& v) override {
    const std::string_view type = v["type"].str();
    if (type == "thread.started") {
      r_.session_id = std::string(v["thread_id"].str());
      r_.activity = "started";
    } else if (type == "turn.started") {
      ++r_.turns;
    } else if (type == "item.started" || type == "item.completed") {
      item(v["item"], type == "item.completed");
    } else if (type == "error") {
      // Non-fatal notices; "Reconnecting... 2/5 (…)" is Codex retrying on its own.
      const std::string_view m = v["message"].str();
      if (ifind(m, "reconnecting") != std::string_view::npos) {
        ++r_.api_retries;
        r_.activity = "reconnecting: " + clip(m, 80);
      }
      last_error_ = std::string(m);
    } else if (type == "turn.completed") {
      r_.finished = true;
      // The thread's running total (a resumed thread counts its earlier runs too).
      const JsonValue& u = v["usage"];
      r_.input_tokens = static_cast<long long>(u["input_tokens"].num(0));
      r_.output_tokens = static_cast<long long>(u["output_tokens"].num(0));
      r_.activity = "done";
    } else if (type == "turn.failed") {
      fail(v["error"]["message"].str(last_error_), std::nullopt);
    }
  }

  void item(const JsonValue& it, bool completed) {
    const std::string_view kind = it["type"].str();
    if (kind == "command_execution" && !completed) {
      r_.activity = "Bash: " + clip(it["command"].str(), 80);
    } else if (kind == "file_change") {
      const auto& changes = it["changes"].items();
      if (!changes.empty()) r_.activity = "Edit " + clip(changes.front()["path"].str(), 80);
    } else if (kind == "agent_message" && completed) {
      r_.result = clip(it["text"].str(), 2000);
      r_.activity = says(it["text"].str());
    } else if (kind == "reasoning") {
      r_.activity = "thinking";
    } else if (kind == "mcp_tool_call" && !completed) {
      r_.activity = std::string(it["server"].str("mcp")) + "." + std::string(it["tool"].str());
    } else if (kind == "web_search" && !completed) {
      r_.activity = "web search: " + clip(it["query"].str(), 80);
    }
  }

  std::string last_error_;
};

// gemini --output-format stream-json
class GeminiStream final : public JsonLines {
  void event(const JsonValue& v) override {
    const std::string_view type = v["type"].str();
    if (type == "init") {
      r_.session_id = std::string(v["session_id"].str());
      r_.activity = "started" + (v["model"].is_string() ? " (" + std::string(v["model"].str()) + ")" : std::string());
    } else if (type == "message" && v["role"].str() == "assistant") {
      // Deltas: the answer is their concatenation.
      if (!v["delta"].boolean(false)) text_.clear();
      text_ += v["content"].str();
      if (!trim(text_).empty()) r_.activity = says(text_);
    } else if (type == "tool_use") {
      ++tools_;
      text_.clear();
      r_.activity = describe(v["tool_name"].str(), v["parameters"]);
    } else if (type == "error") {
      // {severity, message}: warnings and retries, not the end.
      if (v["severity"].str() == "warning") r_.activity = "warning: " + clip(v["message"].str(), 80);
    } else if (type == "result") {
      const JsonValue& stats = v["stats"];
      r_.input_tokens = static_cast<long long>(stats["input_tokens"].num(stats["input"].num(0)));
      r_.output_tokens = static_cast<long long>(stats["output_tokens"].num(0));
      r_.turns = static_cast<int>(stats["tool_calls"].num(tools_)) + 1;
      if (v["status"].str() == "success") {
        r_.finished = true;
        r_.result = clip(text_, 2000);
        r_.activity = "done";
        return;
      }
      const JsonValue& e = v["error"];
      const std::string_view etype = e["type"].str();
      std::optional<FailureClass> cls;
      if (etype == "FatalTurnLimitedError") cls = FailureClass::budget;
      else if (etype == "FatalAuthenticationError") cls = FailureClass::auth;
      fail(e["message"].str("error"), cls);
    }
  }
  std::string text_;
  int tools_ = 0;
};

// opencode run --format json
class OpencodeStream final : public JsonLines {
  void event(const JsonValue& v) override {
    const std::string_view type = v["type"].str();
    if (r_.session_id.empty() && v["sessionID"].is_string()) r_.session_id = std::string(v["sessionID"].str());
    const JsonValue& part = v["part"];
    if (type == "step_start") {
      ++r_.turns;
      if (r_.activity.empty()) r_.activity = "started";
    } else if (type == "tool_use") {
      r_.activity = describe(part["tool"].str(), part["state"]["input"]);
    } else if (type == "text") {
      r_.result = clip(part["text"].str(), 2000);
      if (!trim(part["text"].str()).empty()) r_.activity = says(part["text"].str());
    } else if (type == "reasoning") {
      r_.activity = "thinking";
    } else if (type == "step_finish") {
      const JsonValue& t = part["tokens"];
      r_.input_tokens += static_cast<long long>(t["input"].num(0) + t["cache"]["read"].num(0) + t["cache"]["write"].num(0));
      r_.output_tokens += static_cast<long long>(t["output"].num(0) + t["reasoning"].num(0));
      r_.cost_usd += part["cost"].num(0);
      r_.cost_reported = r_.cost_reported || part["cost"].is_number();
    } else if (type == "done") {
      r_.finished = true;
      r_.activity = "done";
    } else if (type == "error") {
      const JsonValue& e = v["error"];
      const JsonValue& data = e["data"];
      std::optional<FailureClass> cls;
      if (e["name"].str() == "ContextOverflowError") cls = FailureClass::invalid_input;
      else if (auto s = from_http_status(static_cast<int>(data["statusCode"].num(0)))) cls = s;
      const std::string_view message = data["message"].str(e["name"].str("error"));
      if (!cls && data["isRetryable"].boolean(false)) cls = match_failure_signature(message).value_or(FailureClass::temporary);
      fail(message, cls);
    }
  }
};

// copilot --output-format json
class CopilotStream final : public JsonLines {
  void event(const JsonValue& v) override {
    const std::string_view type = v["type"].str();
    const JsonValue& d = v["data"];
    if (type == "assistant.turn_start") {
      ++r_.turns;
      if (r_.activity.empty()) r_.activity = "started";
    } else if (type == "assistant.message") {
      if (!trim(d["content"].str()).empty()) {
        r_.result = clip(d["content"].str(), 2000);
        r_.activity = says(d["content"].str());
      }
    } else if (type == "tool.execution_start") {
      const JsonValue& args = d["arguments"];
      r_.activity = describe(d["toolName"].str(), args);
    } else if (type == "assistant.turn_retry" || type == "model.call_failure") {
      if (type == "assistant.turn_retry") ++r_.api_retries;
      r_.activity = "retrying the model: " + clip(d["reason"].str(d["errorMessage"].str("error")), 60);
    } else if (type == "session.error") {
      const std::string_view et = d["errorType"].str();
      std::optional<FailureClass> cls;
      if (et == "rate_limit") cls = FailureClass::rate_limit;
      else if (et == "authentication") cls = FailureClass::auth;
      else if (auto s = from_http_status(static_cast<int>(d["statusCode"].num(0)))) cls = s;
      error_message_ = std::string(d["message"].str(et));
      fail(error_message_, cls);
      r_.finished = false;  // the `result` event is the end
    } else if (type == "result") {
      r_.finished = true;
      if (v["sessionId"].is_string()) r_.session_id = std::string(v["sessionId"].str());
      if (v["exitCode"].num(0) != 0) r_.is_error = true;
      if (!r_.is_error) r_.activity = "done";
    }
  }
  std::string error_message_;
};

// Aider prints text only: the last lines are the result; "Tokens: 2.3k sent, 120
// received. Cost: $0.01 message, $0.05 session." ends a message.
class AiderText final : public StreamParser {
 public:
  bool on_line(std::string_view line) override {
    line = trim(line);
    if (line.empty()) return false;
    tail_.emplace_back(clip(line, 300));
    if (tail_.size() > 12) tail_.erase(tail_.begin());
    r_.result = join(tail_, "\n");
    const std::string before = r_.activity;
    if (line.rfind("Tokens:", 0) == 0) {
      r_.finished = true;
      ++r_.turns;
      r_.input_tokens += count_after(line, "Tokens:");
      r_.output_tokens += count_after(line, "sent,");
      if (const std::size_t at = line.find("message, $"); at != std::string_view::npos) {
        r_.cost_usd = std::strtod(std::string(line.substr(at + 10)).c_str(), nullptr);  // the session's total
        r_.cost_reported = true;
      }
      r_.activity = "done";
    } else if (line.rfind("Applied edit to ", 0) == 0) {
      r_.activity = "Edit " + clip(line.substr(16), 80);
    } else if (line.rfind("Retrying in ", 0) == 0) {
      ++r_.api_retries;
      r_.activity = "retrying the API";
    } else if (auto cls = match_silent_failure(line)) {
      r_.is_error = true;
      r_.failure = cls;
      r_.activity = "ended with an error";
    }
    return r_.activity != before;
  }
  const AgentReport& report() const noexcept override { return r_; }

 private:
  // "2.3k" after `key` → 2300.
  static long long count_after(std::string_view line, std::string_view key) {
    const std::size_t at = line.find(key);
    if (at == std::string_view::npos) return 0;
    const std::string rest(trim_left(line.substr(at + key.size())));
    char* end = nullptr;
    double x = std::strtod(rest.c_str(), &end);
    if (end && *end == 'k') x *= 1e3;
    else if (end && *end == 'M') x *= 1e6;
    return static_cast<long long>(x);
  }

  AgentReport r_;
  std::vector<std::string> tail_;
};

}  // namespace

std::unique_ptr<StreamParser> make_codex_parser() { return std::make_unique<CodexStream>(); }
std::unique_ptr<StreamParser> make_gemini_parser() { return std::make_unique<GeminiStream>(); }
std::unique_ptr<StreamParser> make_opencode_parser() { return std::make_unique<OpencodeStream>(); }
std::unique_ptr<StreamParser> make_copilot_parser() { return std::make_unique<CopilotStream>(); }
std::unique_ptr<StreamParser> make_aider_parser() { return std::make_unique<AiderText>(); }

}  // namespace flow::detail
