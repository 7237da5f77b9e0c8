// SPDX-License-Identifier: MIT
// The agent adapter seam: how an attempt's process is started for a given coding-agent
// CLI, and what its output stream says while it runs and when it ends.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/recovery.hpp>
#include <flow/runner.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// What an agent said about an attempt, from its stream. Everything is optional: a
/// plain command says nothing.
struct AgentReport {
  std::string activity;              ///< the latest: "Write src/models/user.py", "Bash: npm test"
  bool finished = false;             ///< its terminal event was seen
  bool is_error = false;             ///< the terminal event reports an error
  std::string result;                ///< the final message (or error text), clipped
  std::string session_id;
  double cost_usd = 0;               ///< the agent's own estimate
  /// The stream gave a cost (cost_usd 0 then means free); false: the agent reports none,
  /// which views say as "not reported", never as $0.
  bool cost_reported = false;
  long long input_tokens = 0, output_tokens = 0;
  int turns = 0;
  int api_retries = 0;               ///< retries the agent made itself (not failures)
  std::optional<FailureClass> failure;  ///< the class the stream gives, if it gives one
  std::optional<double> resets_at;   ///< a rate limit's reset, in Unix seconds
};

/// Reads one attempt's stdout, line by line. Pure: no I/O, no clock.
class FLOW_API StreamParser {
 public:
  virtual ~StreamParser() = default;
  /// One line of stdout, without its newline. Returns true when `report().activity`
  /// changed. Lines that are not events (not JSON, unknown types) are ignored.
  virtual bool on_line(std::string_view line) = 0;
  [[nodiscard]] virtual const AgentReport& report() const noexcept = 0;
};

/// What an attempt needs from flow.
struct AgentRequest {
  std::string task_id;
  std::string prompt_file;           ///< the prompt flow wrote
  std::string workdir;               ///< where the agent works (the process's cwd)
  int attempt = 1;
};

/// How one attempt of an agent is started: argv (never a shell string), extra
/// environment, stdin. Filled in by AgentAdapter::prepare.
struct AgentLaunch {
  std::vector<std::string> argv;
  std::vector<std::string> env;      ///< "KEY=VALUE" on top of flow's FLOW_* variables
  std::string stdin_path;            ///< empty: /dev/null
};

/// One coding-agent CLI. Thread safety: const methods may be called from any thread.
class FLOW_API AgentAdapter {
 public:
  virtual ~AgentAdapter() = default;
  /// The name the policy sees (rate-limit gates are per agent): "claude", or the
  /// command's program name.
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual AgentLaunch prepare(const AgentRequest& request) const = 0;
  /// A parser for one attempt's stdout; nullptr when the agent has no event stream.
  [[nodiscard]] virtual std::unique_ptr<StreamParser> parser() const = 0;
  /// The failure class of an attempt that did not succeed, from how the process ended,
  /// the stream's report and the output's last lines. nullopt: the attempt succeeded
  /// (an agent may exit 0 and still report an error, or exit 1 on success).
  [[nodiscard]] virtual std::optional<FailureClass> classify(const Completion& how, const AgentReport& report,
                                                             std::string_view output) const = 0;
  /// Why it must not start (not installed; would hang waiting for a login), as one line
  /// for the user; nullopt: it may. Looks at PATH and the environment only.
  [[nodiscard]] virtual std::optional<std::string> preflight() const;
  /// The reset time (Unix seconds) a rate-limited attempt's output names, when its
  /// stream did not give one: "try again at 3:42 PM", "Please retry in 37s".
  [[nodiscard]] virtual std::optional<double> reset_time(std::string_view output) const;
};

/// Any CLI, from a command template split into argv once: `{prompt_file}`, `{task_id}`,
/// `{workdir}` and `{attempt}` are replaced inside arguments. Exit 0 is success; a
/// failure is classified by its signal, timeout, and the output's signatures (stock
/// ones, then `extra_patterns`: case-insensitive substrings with the class they mean).
[[nodiscard]] FLOW_API std::unique_ptr<AgentAdapter> make_command_agent(
    std::vector<std::string> argv_template, std::vector<std::pair<std::string, FailureClass>> extra_patterns = {});

/// Claude Code settings (`agent.claude` in .flow/config.yaml).
struct ClaudeOptions {
  std::string program = "claude";
  std::string model;                 ///< --model; empty: the CLI's default
  int max_turns = 50;                ///< --max-turns; 0: no limit
  /// --permission-mode. acceptEdits lets it edit files unattended; bypassPermissions
  /// also runs commands without asking (as root it needs IS_SANDBOX=1, which flow sets).
  std::string permission_mode = "bypassPermissions";
  std::string append_system_prompt;  ///< added to flow's own rules
  std::vector<std::string> extra_args;
  std::vector<std::string> env;      ///< "KEY=VALUE" for its process
};

/// Claude Code headless: `claude -p --output-format stream-json --verbose …` with the
/// prompt on stdin; its events become activity, result, cost, tokens, turns and the
/// error class (rate limit with its reset, overloaded, server, network, auth, max
/// turns, budget, prompt too long).
[[nodiscard]] FLOW_API std::unique_ptr<AgentAdapter> make_claude_agent(ClaudeOptions options = {});

/// The parser behind make_claude_agent, also for Claude-compatible streams (Qwen, Amp).
[[nodiscard]] FLOW_API std::unique_ptr<StreamParser> make_claude_stream_parser();

/// Failure signatures in agents' output (AGENTS.md), most specific first; nullopt if
/// none matches. Case-insensitive.
[[nodiscard]] FLOW_API std::optional<FailureClass> match_failure_signature(std::string_view output);

/// Signatures of a failed API call that some CLIs print and still exit 0 (Qwen 0.15's
/// "[API Error: 401 …]", Aider's "not able to authenticate you"): the class when the
/// output holds one. Only phrases no working agent prints as its own answer.
[[nodiscard]] FLOW_API std::optional<FailureClass> match_silent_failure(std::string_view output);

/// What a known agent CLI's exit code means (`program` is its name: gemini, qwen,
/// codex …): Gemini's 41 auth, 42 bad input, 44/52/55 config, 53 turn limit, and its
/// HTTP status & 0xFF on API errors (173 = 429, 145 = 401, 247 = 503 …); Qwen's
/// 41/42/52/53; Codex's 2 (a rejected flag). nullopt: nothing specific.
[[nodiscard]] FLOW_API std::optional<FailureClass> exit_code_class(std::string_view program, int exit_code);

/// The reset time a rate-limit message names, in Unix seconds: Codex's "try again at
/// 3:42 PM" / "try again at Sep 26th, 2025 9:19 AM" (local time, `utc_offset` seconds
/// east of UTC; a time of day already past means tomorrow), "retry in 37.5s", "try
/// again in 5 minutes". Pure: `now` is the current Unix time.
[[nodiscard]] FLOW_API std::optional<double> parse_reset_time(std::string_view text, double now, long utc_offset = 0);

/// Settings of one agent CLI: `agents.<name>` in .flow/config.yaml.
struct AgentSettings {
  std::string program;               ///< empty: the CLI's usual command (codex, gemini, qwen, …)
  std::string model;                 ///< its model flag; empty: the CLI's default
  int max_turns = 0;                 ///< where the CLI has a cap (Claude, Qwen); 0: its default
  std::string append_instructions;   ///< added to its system prompt where the CLI has a way
  std::vector<std::string> extra_args;
  std::vector<std::string> env;      ///< "KEY=VALUE" for its process
  std::optional<double> timeout;     ///< seconds per attempt for this agent; 0: none
  std::string permission_mode;       ///< Claude's --permission-mode; empty: bypassPermissions
  int max_workers = 0;               ///< maxWorkers: at most this many of its attempts at once; 0: the run's workers
};

/// The names make_agent accepts: claude, codex, gemini, qwen, opencode, copilot,
/// cursor, amp, aider.
[[nodiscard]] FLOW_API const std::vector<std::string>& agent_names();

/// The adapter for a known agent CLI, headless and unattended, with its stream parser,
/// exit-code map and failure signatures (AGENTS.md); nullptr for an unknown name.
[[nodiscard]] FLOW_API std::unique_ptr<AgentAdapter> make_agent(std::string_view name, const AgentSettings& settings = {});

/// The stream parser of a known agent (for tests and hosts); nullptr when it has none
/// or the name is unknown. Claude, Qwen, Amp and Cursor share the Claude one.
[[nodiscard]] FLOW_API std::unique_ptr<StreamParser> make_stream_parser(std::string_view name);

FLOW_END_NAMESPACE
}  // namespace flow
