// SPDX-License-Identifier: MIT
// Agent adapters: any command from a template, and Claude Code with its stream-json
// events. Stream facts are from AGENTS.md §2 and runs of the real CLI.
#include <flow/agent.hpp>

#include "json_value.hpp"
#include "text.hpp"

#include <unistd.h>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

using detail::JsonValue;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::optional<FailureClass> ended_badly(const Completion& c) {
  if (c.timed_out) return FailureClass::timeout;
  if (c.signal != 0) return FailureClass::crash;
  return std::nullopt;
}

class CommandAgent final : public AgentAdapter {
 public:
  CommandAgent(std::vector<std::string> argv, std::vector<std::pair<std::string, FailureClass>> extra)
      : argv_(std::move(argv)), extra_(std::move(extra)) {}

  std::string name() const override {
    if (argv_.empty()) return {};
    const std::string& p = argv_[0];
    const std::size_t slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
  }

  AgentLaunch prepare(const AgentRequest& r) const override {
    AgentLaunch l;
    for (std::string a : argv_) {
      a = replace_all(std::move(a), "{prompt_file}", r.prompt_file);
      a = replace_all(std::move(a), "{task_id}", r.task_id);
      a = replace_all(std::move(a), "{workdir}", r.workdir);
      a = replace_all(std::move(a), "{attempt}", std::to_string(r.attempt));
      l.argv.push_back(std::move(a));
    }
    return l;
  }

  std::unique_ptr<StreamParser> parser() const override { return nullptr; }

  std::optional<FailureClass> classify(const Completion& c, const AgentReport&, std::string_view output) const override {
    if (auto bad = ended_badly(c)) return bad;
    if (c.exit_code == 0) return std::nullopt;
    // The user's patterns first: they know their agent better than the stock table.
    for (const auto& [text, cls] : extra_)
      if (!text.empty() && detail::ifind(output, text) != std::string_view::npos) return cls;
    return match_failure_signature(output).value_or(FailureClass::unknown);
  }

 private:
  std::vector<std::string> argv_;
  std::vector<std::pair<std::string, FailureClass>> extra_;
};

// What a tool call is doing, in a few words: the file it touches or the command.
std::string describe_tool(const JsonValue& block) {
  const std::string name(block["name"].str("tool"));
  const JsonValue& in = block["input"];
  for (const char* key : {"file_path", "notebook_path", "path"})
    if (in[key].is_string()) return name + " " + detail::clip(in[key].str(), 80);
  if (in["command"].is_string()) return name + ": " + detail::clip(in["command"].str(), 80);
  for (const char* key : {"pattern", "url", "query", "description"})
    if (in[key].is_string()) return name + ": " + detail::clip(in[key].str(), 80);
  return name;
}

std::optional<FailureClass> from_status(double status) {
  const int s = static_cast<int>(status);
  if (s == 429) return FailureClass::rate_limit;
  if (s == 401 || s == 403) return FailureClass::auth;
  if (s == 402) return FailureClass::budget;
  if (s == 400 || s == 413) return FailureClass::invalid_input;
  if (s == 408) return FailureClass::network;
  if (s >= 500) return FailureClass::temporary;
  return std::nullopt;
}

std::optional<FailureClass> from_assistant_error(std::string_view e) {
  if (e == "rate_limit") return FailureClass::rate_limit;
  if (e == "authentication_failed") return FailureClass::auth;
  if (e == "billing_error") return FailureClass::budget;
  if (e == "invalid_request") return FailureClass::invalid_input;
  if (e == "server_error") return FailureClass::temporary;
  return std::nullopt;
}

class ClaudeStream final : public StreamParser {
 public:
  bool on_line(std::string_view line) override {
    line = detail::trim(line);
    if (line.empty() || line.front() != '{') return false;  // e.g. "[SandboxDebug] …"
    auto v = JsonValue::parse(line);
    if (!v) return false;
    const std::string_view type = (*v)["type"].str();
    const std::string before = r_.activity;
    if (type == "system") {
      system(*v);
    } else if (type == "assistant") {
      assistant(*v);
    } else if (type == "rate_limit_event") {
      const JsonValue& info = (*v)["rate_limit_info"];
      if (info["status"].str() == "rejected") {
        hint_ = FailureClass::rate_limit;
        if (info["resetsAt"].is_number()) r_.resets_at = info["resetsAt"].num();
        r_.activity = "rate limited";
      }
    } else if (type == "result") {
      result(*v);
    }
    return r_.activity != before;
  }

  const AgentReport& report() const noexcept override { return r_; }

 private:
  void system(const JsonValue& v) {
    const std::string_view sub = v["subtype"].str();
    if (sub == "init") {
      r_.session_id = std::string(v["session_id"].str());
      r_.activity = "started" + (v["model"].is_string() ? " (" + std::string(v["model"].str()) + ")" : std::string());
    } else if (sub == "api_retry") {
      ++r_.api_retries;
      const std::string err(v["error"].str("error"));
      const int status = static_cast<int>(v["error_status"].num(0));
      r_.activity = "retrying the API after " + (status ? std::to_string(status) + " " : std::string()) + err;
    }
  }

  void assistant(const JsonValue& v) {
    if (auto cls = from_assistant_error(v["error"].str())) hint_ = cls;
    for (const JsonValue& block : v["message"]["content"].items()) {
      const std::string_view kind = block["type"].str();
      if (kind == "tool_use") r_.activity = describe_tool(block);
      else if (kind == "thinking") r_.activity = "thinking";
      else if (kind == "text" && !detail::trim(block["text"].str()).empty())
        r_.activity = "says: " + detail::clip(detail::trim(block["text"].str()), 80);
    }
  }

  void result(const JsonValue& v) {
    r_.finished = true;
    r_.is_error = v["is_error"].boolean(false);
    const std::string_view sub = v["subtype"].str();
    if (v["result"].is_string()) r_.result = detail::clip(v["result"].str(), 2000);
    for (const JsonValue& e : v["errors"].items()) {
      if (!e.is_string()) continue;
      if (!r_.result.empty()) r_.result += '\n';
      r_.result += detail::clip(e.str(), 500);
    }
    r_.turns = static_cast<int>(v["num_turns"].num(0));
    r_.cost_usd = v["total_cost_usd"].num(0);
    const JsonValue& usage = v["usage"];
    r_.input_tokens = static_cast<long long>(usage["input_tokens"].num(0) + usage["cache_creation_input_tokens"].num(0) +
                                             usage["cache_read_input_tokens"].num(0));
    r_.output_tokens = static_cast<long long>(usage["output_tokens"].num(0));
    r_.activity = r_.is_error || sub != "success" ? "ended with an error" : "done";
    if (!r_.is_error && sub == "success") return;
    r_.is_error = true;  // error_max_turns and friends can come with is_error false
    const std::string_view reason = v["terminal_reason"].str();
    if (sub == "error_max_turns" || sub == "error_max_budget_usd" || reason == "max_turns" || reason == "budget_exhausted")
      r_.failure = FailureClass::budget;
    else if (reason == "prompt_too_long")
      r_.failure = FailureClass::invalid_input;
    else if (auto cls = from_status(v["api_error_status"].num(0)))
      r_.failure = cls;
    else if (v["api_error"].str() == "connection_failed")
      r_.failure = FailureClass::network;
    else if (auto sig = match_failure_signature(r_.result))  // "Not logged in", "Unable to connect" …
      r_.failure = sig;
    else
      r_.failure = hint_;
  }

  AgentReport r_;
  std::optional<FailureClass> hint_;  // from an assistant error or a rejected rate limit
};

class ClaudeAgent final : public AgentAdapter {
 public:
  explicit ClaudeAgent(ClaudeOptions o) : o_(std::move(o)) {}

  std::string name() const override { return "claude"; }

  AgentLaunch prepare(const AgentRequest& r) const override {
    AgentLaunch l;
    // The prompt comes on stdin from the file flow wrote: no argument-size limit, and
    // the task text is never an option the CLI could misread.
    l.argv = {o_.program, "-p", "--output-format", "stream-json", "--verbose", "--permission-mode", o_.permission_mode};
    if (o_.max_turns > 0) l.argv.insert(l.argv.end(), {"--max-turns", std::to_string(o_.max_turns)});
    if (!o_.model.empty()) l.argv.insert(l.argv.end(), {"--model", o_.model});
    if (!o_.append_system_prompt.empty()) l.argv.insert(l.argv.end(), {"--append-system-prompt", o_.append_system_prompt});
    l.argv.insert(l.argv.end(), o_.extra_args.begin(), o_.extra_args.end());
    l.stdin_path = r.prompt_file;
    // Claude Code refuses bypassPermissions as root unless told it is sandboxed;
    // flow's tasks run in their own directories under its control.
    if (::geteuid() == 0 && o_.permission_mode == "bypassPermissions") l.env.push_back("IS_SANDBOX=1");
    return l;
  }

  std::unique_ptr<StreamParser> parser() const override { return make_claude_stream_parser(); }

  std::optional<FailureClass> classify(const Completion& c, const AgentReport& r, std::string_view output) const override {
    if (auto bad = ended_badly(c)) return bad;
    if (r.finished && !r.is_error && c.exit_code == 0) return std::nullopt;
    if (r.failure) return r.failure;
    if (auto sig = match_failure_signature(output)) return sig;
    // No terminal event, or an error nobody named: it did not finish its work.
    return r.finished ? FailureClass::unknown : FailureClass::crash;
  }

 private:
  ClaudeOptions o_;
};

}  // namespace

std::optional<FailureClass> match_failure_signature(std::string_view out) {
  // Only distinctive phrases: an agent working on, say, an authentication module talks
  // about "authentication" without any auth failure.
  struct Sig {
    std::string_view text;
    FailureClass cls;
  };
  static constexpr Sig sigs[] = {
      {"not logged in", FailureClass::auth},               {"invalid api key", FailureClass::auth},
      {"authentication_error", FailureClass::auth},        {"authentication_failed", FailureClass::auth},
      {"failed to authenticate", FailureClass::auth},      {"401 unauthorized", FailureClass::auth},
      {"api key not valid", FailureClass::auth},           {"cannot be used with root", FailureClass::config},
      {"prompt is too long", FailureClass::invalid_input}, {"context window", FailureClass::invalid_input},
      {"maximum context length", FailureClass::invalid_input},
      {"error_max_turns", FailureClass::budget},           {"maximum number of turns", FailureClass::budget},
      {"error_max_budget", FailureClass::budget},          {"quota exceeded", FailureClass::budget},
      {"rate_limit_error", FailureClass::rate_limit},      {"request rejected (429)", FailureClass::rate_limit},
      {"429 too many requests", FailureClass::rate_limit}, {"rate limited you", FailureClass::rate_limit},
      {"hit your limit", FailureClass::rate_limit},        {"overloaded_error", FailureClass::temporary},
      {"529 overloaded", FailureClass::temporary},         {"model is overloaded", FailureClass::temporary},
      {"500 internal server error", FailureClass::temporary}, {"503 service unavailable", FailureClass::temporary},
      {"connection refused", FailureClass::network},       {"econnrefused", FailureClass::network},
      {"connectionrefused", FailureClass::network},        {"unable to connect to api", FailureClass::network},
      {"stream disconnected before completion", FailureClass::network},
  };
  for (const Sig& s : sigs)
    if (detail::ifind(out, s.text) != std::string_view::npos) return s.cls;
  return std::nullopt;
}

std::unique_ptr<AgentAdapter> make_command_agent(std::vector<std::string> argv,
                                                 std::vector<std::pair<std::string, FailureClass>> extra) {
  return std::make_unique<CommandAgent>(std::move(argv), std::move(extra));
}

std::unique_ptr<AgentAdapter> make_claude_agent(ClaudeOptions options) {
  return std::make_unique<ClaudeAgent>(std::move(options));
}

std::unique_ptr<StreamParser> make_claude_stream_parser() { return std::make_unique<ClaudeStream>(); }

FLOW_END_NAMESPACE
}  // namespace flow
