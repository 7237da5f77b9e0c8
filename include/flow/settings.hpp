// SPDX-License-Identifier: MIT
// `.flow/config.yaml`: the run's settings, with the original design's keys.
#pragma once

#include <flow/agent.hpp>
#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>
#include <flow/slurm.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// Settings read from `.flow/config.yaml` (YAML; JSON is YAML too). A field that the
/// file does not set keeps its default; `set_*` says whether it was set, so that
/// command-line flags can override exactly what they name.
struct Settings {
  // implementer.parallel
  bool parallel_enabled = true;
  std::optional<int> max_workers;
  std::optional<double> task_timeout;        ///< seconds ("30m", "90s" and plain seconds accepted; "none": 0)
  std::optional<double> stall_timeout;       ///< implementer.parallel.stallTimeout; "none": 0
  // errorRecovery
  std::optional<bool> auto_retry;
  std::optional<int> max_retries;
  std::string backoff_strategy = "exponential";  ///< exponential | fixed
  std::string rollback_to = "checkpoint";         ///< errorRecovery.rollbackTo: checkpoint | phase
  std::optional<double> base_delay;
  std::optional<double> max_delay;
  std::vector<std::string> optional_tasks;  ///< labels or IDs whose failure skips instead of failing
  /// Named resources (`db`, `port:3000`) claimed exclusively by tasks with this ID or label.
  std::vector<std::pair<std::string, std::vector<std::string>>> resources;
  // testing
  std::vector<std::string> run_tests;       ///< the test command as argv (empty: none)
  bool test_first = false;
  double coverage_target = 0;
  bool require_changes = true;              ///< testing.requireChanges
  std::string integration_check = "off";    ///< testing.integrationCheck: off | merge | phase
  // validation
  std::vector<std::string> linting, type_checking, formatting;
  /// Whether any of testing.runTests or validation.* is set (to a command or false);
  /// when none is, flow detects the checks (detect_gates).
  bool validation_configured = false;
  // progress
  std::optional<double> update_interval;
  bool show_details = true;
  std::string log_file;
  // agent
  std::string agent_name;                   ///< one of agent_names() or "command"; empty: the default
  std::vector<std::string> agent_command;   ///< argv template, as --agent-cmd
  ClaudeOptions claude;                     ///< agent.model, maxTurns, permissionMode, …
  /// agent.failurePatterns: output text (case-insensitive) → the failure class it means.
  std::vector<std::pair<std::string, FailureClass>> failure_patterns;
  /// agents.<name>: each agent CLI's settings (model, maxTurns, appendInstructions, args,
  /// env, timeout, permissionMode).
  std::map<std::string, AgentSettings> agents;
  // runner
  std::string runner_kind = "local";        ///< runner.kind: local (processes here) | slurm
  SlurmOptions slurm;                       ///< runner.partition, account, timeLimit, sbatchArgs
  // hooks: argv lists; `["sh", "-c", "…"]` if a shell is really wanted
  std::vector<std::string> pre_implement, task_complete, post_implement;

  std::vector<Diagnostic> warnings;         ///< unknown keys, with the closest known one
};

/// A validation gate: a check run after each attempt, before its work merges.
struct Gate {
  std::string name;                  ///< tests, lint, types, format
  std::vector<std::string> argv;
  std::string source;                ///< where it comes from: ".flow/config.yaml", "package.json" …
};

/// The configured gates, in order: testing.runTests, validation.linting, typeChecking,
/// formatting.
[[nodiscard]] FLOW_API std::vector<Gate> configured_gates(const Settings& settings);

/// Checks detected for common stacks in `dir` (for when none is configured): package.json
/// scripts (test, lint, typecheck), pytest, cargo test, go test, ctest (a configured
/// build/), make test. Only those whose program is on PATH. Reads files, runs nothing.
[[nodiscard]] FLOW_API std::vector<Gate> detect_gates(const std::string& dir);

/// Reads a settings file. Errc::io if it cannot be read; Errc::config, with the line,
/// for YAML that does not parse or a value of the wrong kind; unknown keys are warnings.
[[nodiscard]] FLOW_API Result<Settings> load_settings(const std::string& path);

/// The same from text; `name` is used in messages.
[[nodiscard]] FLOW_API Result<Settings> parse_settings(std::string_view text, const std::string& name);

/// The longest duration flow accepts anywhere (timeouts, delays, intervals): 30 days.
inline constexpr double kMaxDurationSeconds = 30.0 * 24 * 3600;

/// Parses a duration in seconds: "90", "1.5", "90s", "500ms", "30m", "1h". Errc::invalid_argument
/// for anything else, a negative, infinite or NaN value, or one above kMaxDurationSeconds.
[[nodiscard]] FLOW_API Result<double> parse_duration(std::string_view text);

FLOW_END_NAMESPACE
}  // namespace flow
