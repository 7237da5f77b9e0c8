// SPDX-License-Identifier: MIT
// Agent adapters: any command from a template, and Claude Code with its stream-json
// events. Stream facts are from AGENTS.md §2 and runs of the real CLI.
#include <flow/agent.hpp>

#include "support/json_value.hpp"
#include "support/text.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

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
  if (c.stalled) return FailureClass::stalled;
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
    // Some CLIs print a failed API call and exit 0 (Qwen 0.15, Aider): not a success.
    if (c.exit_code == 0) return match_silent_failure(output);
    // The user's patterns first: they know their agent better than the stock table.
    for (const auto& [text, cls] : extra_)
      if (!text.empty() && detail::ifind(output, text) != std::string_view::npos) return cls;
    if (auto sig = match_failure_signature(output)) return sig;
    return exit_code_class(name(), c.exit_code).value_or(FailureClass::unknown);
  }

  std::optional<std::string> preflight() const override {
    if (argv_.empty() || find_program(argv_.front())) return std::nullopt;
    return "the agent '" + argv_.front() + "' is not found (not on PATH or not executable)";
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

// Amp's CLI rewrites some errors before it prints them as the result's `error`: a title,
// a space, then the detail ("Unauthorized Invalid API key", "Out of Credits Add credits
// …"). The titles are the CLI's own words (read in @ampcode/cli 0.0.1790142911).
std::optional<FailureClass> from_amp_title(std::string_view e) {
  static constexpr std::pair<std::string_view, FailureClass> titles[] = {
      {"Unauthorized ", FailureClass::auth},
      {"Out of Credits ", FailureClass::budget},
      {"Low Credit Balance ", FailureClass::budget},
      {"Model Stream Timed Out ", FailureClass::temporary},
      {"Model Provider Overloaded ", FailureClass::temporary},
      {"Network Error ", FailureClass::network},
  };
  for (const auto& [title, cls] : titles)
    if (e.rfind(title, 0) == 0) return cls;
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
    } else if (type == "tool_call") {
      tool_call(*v);
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
    } else if (sub == "retry") {  // Qwen Code
      ++r_.api_retries;
      r_.activity = "retrying the API";
    } else if (sub == "api_retry") {
      ++r_.api_retries;
      const std::string err(v["error"].str("error"));
      const int status = static_cast<int>(v["error_status"].num(0));
      r_.activity = "retrying the API after " + (status ? std::to_string(status) + " " : std::string()) + err;
    }
  }

  // Cursor: {"type":"tool_call","subtype":"started","tool_call":{"shellToolCall":{"args":{…}}}}
  void tool_call(const JsonValue& v) {
    if (v["subtype"].str() != "started") return;
    const JsonValue& call = v["tool_call"];
    for (const auto& [tool, value] : call.members()) {
      std::string name(tool);
      if (name.size() > 8 && name.compare(name.size() - 8, 8, "ToolCall") == 0) name.resize(name.size() - 8);
      const JsonValue args = value["args"];
      for (const char* key : {"path", "file_path"})
        if (args[key].is_string()) return void(r_.activity = name + " " + detail::clip(args[key].str(), 80));
      if (args["command"].is_string()) return void(r_.activity = name + ": " + detail::clip(args["command"].str(), 80));
      r_.activity = name;
      return;
    }
  }

  void assistant(const JsonValue& v) {
    if (auto cls = from_assistant_error(v["error"].str())) hint_ = cls;
    // Amp's result carries no usage: its tokens are only on each assistant message.
    const JsonValue& usage = v["message"]["usage"];
    turn_input_ += static_cast<long long>(usage["input_tokens"].num(0) + usage["cache_creation_input_tokens"].num(0) +
                                          usage["cache_read_input_tokens"].num(0));
    turn_output_ += static_cast<long long>(usage["output_tokens"].num(0));
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
    // Qwen 0.24 and Amp put an error's text in `error`, as a string or {message}.
    if (r_.result.empty() && v["error"].is_string()) r_.result = detail::clip(v["error"].str(), 2000);
    if (r_.result.empty() && v["error"]["message"].is_string()) r_.result = detail::clip(v["error"]["message"].str(), 2000);
    // Qwen 0.15 reports a failed API call as a successful result "[API Error: …]".
    if (detail::trim(r_.result).rfind("[API Error:", 0) == 0) r_.is_error = true;
    for (const JsonValue& e : v["errors"].items()) {
      if (!e.is_string()) continue;
      if (!r_.result.empty()) r_.result += '\n';
      r_.result += detail::clip(e.str(), 500);
    }
    r_.turns = static_cast<int>(v["num_turns"].num(0));
    r_.cost_usd = v["total_cost_usd"].num(0);
    r_.cost_reported = v["total_cost_usd"].is_number();  // Qwen's and Amp's results have none
    const JsonValue& usage = v["usage"];
    if (usage.is_object()) {
      r_.input_tokens = static_cast<long long>(usage["input_tokens"].num(0) + usage["cache_creation_input_tokens"].num(0) +
                                               usage["cache_read_input_tokens"].num(0));
      r_.output_tokens = static_cast<long long>(usage["output_tokens"].num(0));
    } else {
      r_.input_tokens = turn_input_;
      r_.output_tokens = turn_output_;
    }
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
    else if (auto title = from_amp_title(r_.result))
      r_.failure = title;
    else if (auto sig = match_failure_signature(r_.result))  // "Not logged in", "Unable to connect" …
      r_.failure = sig;
    else
      r_.failure = hint_;
  }

  AgentReport r_;
  std::optional<FailureClass> hint_;  // from an assistant error or a rejected rate limit
  long long turn_input_ = 0, turn_output_ = 0;  // summed over the assistant messages
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
    l.env.insert(l.env.end(), o_.env.begin(), o_.env.end());
    return l;
  }

  std::unique_ptr<StreamParser> parser() const override { return make_claude_stream_parser(); }

  std::optional<std::string> preflight() const override {
    if (find_program(o_.program)) return std::nullopt;
    return "the agent '" + o_.program + "' is not on PATH: install Claude Code (npm install -g @anthropic-ai/claude-code) or set agents.claude.program";
  }

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

namespace {

struct Sig {
  std::string_view text;
  FailureClass cls;
};

// Most specific first: a Gemini per-minute quota says "quota exceeded" too, and is a
// rate limit; Codex's "Quota exceeded. Check your plan" is spent money.
constexpr Sig kSignatures[] = {
    // auth: never retried
    {"not logged in", FailureClass::auth},
    {"invalid api key", FailureClass::auth},
    {"incorrect api key", FailureClass::auth},
    {"authentication_error", FailureClass::auth},
    {"authentication_failed", FailureClass::auth},
    {"failed to authenticate", FailureClass::auth},
    {"authentication failed with provider", FailureClass::auth},
    {"not able to authenticate you", FailureClass::auth},
    {"no authentication information found", FailureClass::auth},
    {"please set an auth method", FailureClass::auth},
    {"invalid auth method selected", FailureClass::auth},
    {"invalid or missing api key", FailureClass::auth},  // Amp: AMP_API_KEY rejected
    {"no auth type is selected", FailureClass::auth},
    {"401 unauthorized", FailureClass::auth},
    {"unexpected status 401", FailureClass::auth},
    {"api error: 401", FailureClass::auth},
    {"api error: 403", FailureClass::auth},
    {"api key not valid", FailureClass::auth},
    {"\"unauthenticated\"", FailureClass::auth},
    {"cannot be used with root", FailureClass::config},
    // the request itself
    {"prompt is too long", FailureClass::invalid_input},
    {"context window", FailureClass::invalid_input},
    {"maximum context length", FailureClass::invalid_input},
    {"exceeds the maximum number of tokens", FailureClass::invalid_input},
    {"contextoverflowerror", FailureClass::invalid_input},
    {"has hit a token limit", FailureClass::invalid_input},
    // limits that a retry does not lift
    {"error_max_turns", FailureClass::budget},
    {"maximum number of turns", FailureClass::budget},
    {"max session turns", FailureClass::budget},
    {"error_max_budget", FailureClass::budget},
    {"insufficient credits", FailureClass::budget},
    // rate limits: retried, after the reset when one is named
    {"quota exceeded for quota metric", FailureClass::rate_limit},
    {"resource has been exhausted", FailureClass::rate_limit},
    {"resource_exhausted", FailureClass::rate_limit},
    {"usage limit", FailureClass::rate_limit},
    {"quota exceeded", FailureClass::budget},
    {"insufficient_quota", FailureClass::budget},
    {"rate_limit_error", FailureClass::rate_limit},
    {"request rejected (429)", FailureClass::rate_limit},
    {"429 too many requests", FailureClass::rate_limit},
    {"last status: 429", FailureClass::rate_limit},
    {"api error: 429", FailureClass::rate_limit},
    {"rate limit reached", FailureClass::rate_limit},
    {"rate limit exceeded", FailureClass::rate_limit},
    {"rate limited you", FailureClass::rate_limit},
    {"hit your limit", FailureClass::rate_limit},
    {"request for getuserinfo failed: 429", FailureClass::rate_limit},  // Amp's own API
    // the provider's side
    {"overloaded_error", FailureClass::temporary},
    {"529 overloaded", FailureClass::temporary},
    {"model is overloaded", FailureClass::temporary},
    {"server is overloaded", FailureClass::temporary},
    {"down or overloaded", FailureClass::temporary},
    {"high demand", FailureClass::temporary},
    {"500 internal server error", FailureClass::temporary},
    {"503 service unavailable", FailureClass::temporary},
    {"unexpected status 5", FailureClass::temporary},
    {"api error: 500", FailureClass::temporary},
    {"amp server returned an error", FailureClass::temporary},  // Amp's own API, a 5xx
    {"api error: 502", FailureClass::temporary},
    {"api error: 503", FailureClass::temporary},
    {"api error: 504", FailureClass::temporary},
    {"api error: 529", FailureClass::temporary},
    {"\"status\":\"internal\"", FailureClass::temporary},
    {"\"status\":\"unavailable\"", FailureClass::temporary},
    // the network
    {"connection refused", FailureClass::network},
    {"econnrefused", FailureClass::network},
    {"connectionrefused", FailureClass::network},
    {"econnreset", FailureClass::network},
    {"socket hang up", FailureClass::network},
    {"etimedout", FailureClass::network},
    {"enotfound", FailureClass::network},
    {"eai_again", FailureClass::network},
    {"fetch failed", FailureClass::network},
    {"unable to connect to api", FailureClass::network},
    {"cannot connect to api", FailureClass::network},
    {"could not connect to", FailureClass::network},
    {"couldn't connect to the amp server", FailureClass::network},
    {"cannot reach amp servers", FailureClass::network},
    {"connection error.", FailureClass::network},
    {"waiting for network", FailureClass::network},
    {"stream disconnected before completion", FailureClass::network},
    {"timed out without returning a response", FailureClass::network},
};

// Printed by CLIs that exit 0 anyway; a working agent does not end on these.
constexpr std::string_view kSilent[] = {
    "[api error:",                                  // Qwen 0.15, Gemini's text mode
    "not able to authenticate you",                 // Aider
    "rate limited you",                             // Aider
    "servers are down or overloaded",               // Aider
    "timed out without returning a response",       // Aider
    "insufficient credits with the api provider",   // Aider
    "has hit a token limit",                        // Aider
};

long local_utc_offset(double now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  if (!::localtime_r(&t, &tm)) return 0;
  return tm.tm_gmtoff;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

// A number at the front of `s`; advances past it.
std::optional<double> take_number(std::string_view& s) {
  std::size_t n = 0;
  while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
  if (n == 0) return std::nullopt;
  const double x = std::strtod(std::string(s.substr(0, n)).c_str(), nullptr);
  s.remove_prefix(n);
  return x;
}

bool take(std::string_view& s, std::string_view word) {
  if (s.size() < word.size() || detail::ifind(s.substr(0, word.size()), word) != 0) return false;
  s.remove_prefix(word.size());
  return true;
}

// "3:42 PM" → seconds after midnight.
std::optional<double> take_clock(std::string_view& s) {
  auto h = take_number(s);
  if (!h || !take(s, ":")) return std::nullopt;
  auto m = take_number(s);
  if (!m || *h > 23 || *m > 59) return std::nullopt;
  s = detail::trim_left(s);
  double hour = *h;
  if (take(s, "pm")) hour = hour < 12 ? hour + 12 : hour;
  else if (take(s, "am")) hour = hour == 12 ? 0 : hour;
  return hour * 3600 + *m * 60;
}

}  // namespace

std::optional<FailureClass> match_failure_signature(std::string_view out) {
  // Only distinctive phrases: an agent working on, say, an authentication module talks
  // about "authentication" without any auth failure.
  for (const Sig& s : kSignatures)
    if (detail::ifind(out, s.text) != std::string_view::npos) return s.cls;
  return std::nullopt;
}

std::optional<FailureClass> match_silent_failure(std::string_view out) {
  for (std::string_view s : kSilent)
    if (detail::ifind(out, s) != std::string_view::npos) return match_failure_signature(out).value_or(FailureClass::unknown);
  return std::nullopt;
}

std::optional<FailureClass> exit_code_class(std::string_view program, int code) {
  if (program == "gemini" || program == "qwen") {
    switch (code) {
      case 41: return FailureClass::auth;           // FatalAuthenticationError
      case 42: return FailureClass::invalid_input;  // FatalInputError
      case 44: return FailureClass::config;         // FatalSandboxError
      case 52: return FailureClass::config;         // FatalConfigError
      case 53: return FailureClass::budget;         // FatalTurnLimitedError
      case 55: return FailureClass::config;         // an untrusted folder
      default: break;
    }
  }
  if (program == "gemini") {
    // API errors exit with their HTTP status & 0xFF.
    switch (code) {
      case 429 & 0xFF: return FailureClass::rate_limit;
      case 401 & 0xFF:
      case 403 & 0xFF: return FailureClass::auth;
      case 400 & 0xFF: return FailureClass::invalid_input;
      case 500 & 0xFF:
      case 502 & 0xFF:
      case 503 & 0xFF:
      case 504 & 0xFF:
      case 529 & 0xFF: return FailureClass::temporary;
      default: break;
    }
  }
  if (program == "codex" && code == 2) return FailureClass::config;  // "unexpected argument"
  return std::nullopt;
}

std::optional<double> parse_reset_time(std::string_view text, double now, long utc_offset) {
  // A delay: "retry in 37.5s", "try again in 5 minutes", "retry after 30 seconds".
  for (std::string_view lead : {"retry in ", "try again in ", "retry after ", "retrydelay\": \"", "retrydelay\":\""}) {
    const std::size_t at = detail::ifind(text, lead);
    if (at == std::string_view::npos) continue;
    std::string_view rest = text.substr(at + lead.size());
    auto n = take_number(rest);
    if (!n) continue;
    rest = detail::trim_left(rest);
    double unit = 1;
    if (take(rest, "ms")) unit = 0.001;
    else if (take(rest, "h")) unit = 3600;
    else if (take(rest, "m") && !take(rest, "s")) unit = 60;  // "m", "min", "minutes"; not "ms"
    return now + *n * unit;
  }
  // A time: "try again at 3:42 PM." (today, local) or "try again at Sep 26th, 2025 9:19 AM."
  const std::size_t at = detail::ifind(text, "try again at ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(at + 13);
  if (auto clock = take_clock(rest)) {
    const double local_now = now + static_cast<double>(utc_offset);
    double t = std::floor(local_now / 86400) * 86400 + *clock - static_cast<double>(utc_offset);
    if (t < now - 60) t += 86400;
    return t;
  }
  static constexpr std::string_view months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                "jul", "aug", "sep", "oct", "nov", "dec"};
  unsigned month = 0;
  for (unsigned i = 0; i < 12 && !month; ++i)
    if (take(rest, months[i])) month = i + 1;
  if (!month) return std::nullopt;
  while (!rest.empty() && std::isalpha(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);  // "Sept"
  rest = detail::trim_left(rest);
  auto day = take_number(rest);
  if (!day) return std::nullopt;
  while (!rest.empty() && (std::isalpha(static_cast<unsigned char>(rest.front())) || rest.front() == ',')) rest.remove_prefix(1);
  rest = detail::trim_left(rest);
  auto year = take_number(rest);
  if (!year) return std::nullopt;
  rest = detail::trim_left(rest);
  auto clock = take_clock(rest);
  if (!clock) return std::nullopt;
  return static_cast<double>(days_from_civil(static_cast<long long>(*year), month, static_cast<unsigned>(*day))) * 86400 +
         *clock - static_cast<double>(utc_offset);
}

std::optional<std::string> AgentAdapter::preflight() const { return std::nullopt; }

std::optional<double> AgentAdapter::reset_time(std::string_view output) const {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return parse_reset_time(output, now, local_utc_offset(now));
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
