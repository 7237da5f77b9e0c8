// SPDX-License-Identifier: MIT
// `.flow/config.yaml`: the run's settings, with the original design's keys.
#pragma once

#include <flow/agent.hpp>
#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>
#include <flow/recovery.hpp>
#include <flow/run.hpp>
#include <flow/slurm.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// How retry delays grow (errorRecovery.backoffStrategy).
enum class BackoffStrategy {
  exponential,  ///< doubling from baseDelay up to maxDelay
  fixed,        ///< baseDelay every time
};

/// Every value of each enumeration that the settings file, the CLI and the C ABI spell as
/// words, in the order help text lists them. to_string() gives each one's word, and the
/// *_from_string() functions are its inverse: the only place words become values.
inline constexpr Isolation kIsolations[] = {Isolation::automatic, Isolation::git, Isolation::none};
inline constexpr IntegrationCheck kIntegrationChecks[] = {IntegrationCheck::off, IntegrationCheck::merge,
                                                          IntegrationCheck::phase};
inline constexpr RollbackTarget kRollbackTargets[] = {RollbackTarget::checkpoint, RollbackTarget::phase};
inline constexpr BackoffStrategy kBackoffStrategies[] = {BackoffStrategy::exponential, BackoffStrategy::fixed};

FLOW_API const char* to_string(Isolation value) noexcept;         ///< "auto", "git", "none"
FLOW_API const char* to_string(IntegrationCheck value) noexcept;  ///< "off", "merge", "phase"
FLOW_API const char* to_string(RollbackTarget value) noexcept;    ///< "checkpoint", "phase"
FLOW_API const char* to_string(BackoffStrategy value) noexcept;   ///< "exponential", "fixed"
/// The value a word names (exactly as to_string() spells it); nullopt for any other word.
[[nodiscard]] FLOW_API std::optional<Isolation> isolation_from_string(std::string_view word) noexcept;
[[nodiscard]] FLOW_API std::optional<IntegrationCheck> integration_check_from_string(std::string_view word) noexcept;
[[nodiscard]] FLOW_API std::optional<RollbackTarget> rollback_target_from_string(std::string_view word) noexcept;
[[nodiscard]] FLOW_API std::optional<BackoffStrategy> backoff_strategy_from_string(std::string_view word) noexcept;

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
  BackoffStrategy backoff_strategy = BackoffStrategy::exponential;
  RollbackTarget rollback_to = RollbackTarget::checkpoint;  ///< errorRecovery.rollbackTo
  std::optional<double> base_delay;
  std::optional<double> max_delay;
  std::vector<std::string> optional_tasks;  ///< labels or IDs whose failure skips instead of failing
  /// errorRecovery.fallback: the recovery ladder, each step from an attempt on (another
  /// agent, a strategy, an instruction of your own).
  std::vector<FallbackStep> fallback;
  /// Named resources (`db`, `port:3000`) claimed exclusively by tasks with this ID or label.
  std::vector<std::pair<std::string, std::vector<std::string>>> resources;
  // testing
  std::vector<std::string> run_tests;       ///< the test command as argv (empty: none)
  bool test_first = false;
  double coverage_target = 0;
  bool require_changes = true;              ///< testing.requireChanges
  IntegrationCheck integration_check = IntegrationCheck::off;  ///< testing.integrationCheck
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
  // budget
  Budget budget;                            ///< budget.maxCostUsd, budget.maxTaskCostUsd (USD; 0: none)
  // runner
  std::string runner_kind = "local";        ///< runner.kind: local (processes here) | slurm
  SlurmOptions slurm;                       ///< runner.partition, account, timeLimit, sbatchArgs
  // hooks: argv lists; `["sh", "-c", "…"]` if a shell is really wanted
  std::vector<std::string> pre_implement, task_complete, post_implement;
  /// hooks.task-failed, needs-attention, blocked, rate-limit-wait: notifications (RunOptions::notify).
  std::map<std::string, std::vector<std::string>> notify;

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

/// What a host sets itself for a run, over the settings file: `flow run`'s flags, a C or
/// Python host's options. Each unset field takes the settings file's value, else the
/// default.
struct RunChoices {
  std::optional<int> workers;
  std::optional<double> task_timeout;         ///< seconds; 0: none
  std::optional<int> retries;
  std::string agent_name;                     ///< one of agent_names() or "command"; empty: the settings', else detected
  std::vector<std::string> agent_command;     ///< argv template; empty: the settings' agent.command
  std::string model;                          ///< empty: the settings'
  std::optional<int> max_turns;
  std::string append_instructions;            ///< added to the agent's instructions; empty: the settings'
  std::vector<std::string> extra_args;        ///< more arguments for the agent CLI, after the settings' args
  std::optional<double> stall_timeout;        ///< seconds; 0: no watch
  std::optional<double> max_cost_usd;         ///< budget.maxCostUsd; 0: none
  std::optional<double> max_task_cost_usd;    ///< budget.maxTaskCostUsd; 0: none
  std::string runner_kind;                    ///< "local" or "slurm"; empty: the settings' runner.kind, else local
  std::string slurm_partition, slurm_account, slurm_time_limit;  ///< over runner.partition, account, timeLimit
  std::string config_path;                    ///< where `settings` came from, for messages
};

/// `<workdir>/.flow/config.yaml` when it exists, else empty: where a run's settings are
/// read from when none is named.
[[nodiscard]] FLOW_API std::string default_settings_path(const std::string& workdir);

/// Configures a run the way `flow run` does, for every host alike: `settings` (nullptr:
/// no file) under what `choices` set fills `options` (workers, timeouts, resources,
/// testing, gates, hooks, the agent) and `policy` (retries, delays, optional tasks). The
/// gates are the configured ones, else those detected in the work directory; the agent is
/// the one chosen, else a command if one is set, else Claude Code when it is on PATH.
/// Errc::not_found when a gate's or (unless a dry run) the agent's program is not on
/// PATH or the agent cannot start (its preflight), with a message for the user.
[[nodiscard]] FLOW_API Result<void> configure_run(const Settings* settings, const RunChoices& choices,
                                                  RunOptions& options, StockPolicyOptions& policy);

/// The settings' errorRecovery (retries, delays, optional tasks, the fallback ladder) into
/// the stock policy's options: what `flow run` and `flow simulate` both decide with.
FLOW_API void apply_recovery_settings(const Settings& settings, StockPolicyOptions& policy);

/// The runner of a run configured like `flow run`: the one `choices` names, else the
/// settings' runner.kind, else local processes; Slurm with runner.* under the choices'
/// partition, account and time limit. Errc::invalid_argument for another word;
/// Errc::not_found for Slurm when sbatch is not on PATH (unless `dry_run`).
[[nodiscard]] FLOW_API Result<std::unique_ptr<Runner>> make_run_runner(const Settings* settings, const RunChoices& choices,
                                                                         bool dry_run = false);

/// The longest duration flow accepts anywhere (timeouts, delays, intervals): 30 days.
inline constexpr double kMaxDurationSeconds = 30.0 * 24 * 3600;

/// Parses a duration in seconds: "90", "1.5", "90s", "500ms", "30m", "1h". Errc::invalid_argument
/// for anything else, a negative, infinite or NaN value, or one above kMaxDurationSeconds.
[[nodiscard]] FLOW_API Result<double> parse_duration(std::string_view text);

FLOW_END_NAMESPACE
}  // namespace flow
