// SPDX-License-Identifier: MIT
// Settings -> RunOptions: how every host (the CLI, the C ABI and through it Python)
// configures a run, in one place so that they cannot drift apart.
#include <flow/settings.hpp>

#include <flow/agent.hpp>
#include <flow/runner.hpp>
#include <flow/slurm.hpp>

#include "support/text.hpp"

#include <algorithm>
#include <filesystem>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

// The settings file's values wherever the host did not choose.
void apply_settings(const Settings& st, const RunChoices& c, RunOptions& opt, StockPolicyOptions& popt) {
  if (!c.workers && st.max_workers) opt.workers = *st.max_workers;
  if (!c.workers && !st.parallel_enabled) opt.workers = 1;
  if (!c.task_timeout && st.task_timeout) opt.task_timeout = *st.task_timeout;
  if (st.stall_timeout) opt.stall_timeout = *st.stall_timeout;
  if (!c.retries && st.max_retries) popt.max_retries = *st.max_retries;
  apply_recovery_settings(st, popt);
  opt.resources = st.resources;
  opt.coverage_target = st.coverage_target;
  opt.require_changes = st.require_changes;
  opt.test_first = st.test_first;
  opt.integration_check = st.integration_check;
  opt.rollback_to = st.rollback_to;
  for (const Gate& g : configured_gates(st)) opt.gates.emplace_back(g.name, g.argv);
  opt.pre_implement = st.pre_implement;
  opt.task_complete = st.task_complete;
  opt.post_implement = st.post_implement;
  opt.notify = st.notify;
}

// Claude Code's options: agent.* under agents.claude under the host's choices.
ClaudeOptions claude_options(const Settings* st, const RunChoices& c, bool claude_is_default, RunOptions& opt) {
  ClaudeOptions claude = st ? st->claude : ClaudeOptions{};
  if (st)
    if (auto it = st->agents.find("claude"); it != st->agents.end()) {
      const AgentSettings& as = it->second;
      if (!as.program.empty()) claude.program = as.program;
      if (!as.model.empty()) claude.model = as.model;
      if (as.max_turns > 0) claude.max_turns = as.max_turns;
      if (!as.permission_mode.empty()) claude.permission_mode = as.permission_mode;
      if (!as.append_instructions.empty()) claude.append_system_prompt = as.append_instructions;
      claude.extra_args.insert(claude.extra_args.end(), as.extra_args.begin(), as.extra_args.end());
      claude.env.insert(claude.env.end(), as.env.begin(), as.env.end());
      if (as.timeout && !c.task_timeout && claude_is_default) opt.task_timeout = *as.timeout;
    }
  if (!c.model.empty()) claude.model = c.model;
  if (c.max_turns) claude.max_turns = *c.max_turns;
  if (!c.append_instructions.empty()) claude.append_system_prompt = c.append_instructions;
  claude.extra_args.insert(claude.extra_args.end(), c.extra_args.begin(), c.extra_args.end());
  return claude;
}

// A fallback agent under the name the settings give it: the command template is
// "command" in a fallback step, whatever program it runs.
class RenamedAgent final : public AgentAdapter {
 public:
  RenamedAgent(std::string name, std::unique_ptr<AgentAdapter> inner) : name_(std::move(name)), inner_(std::move(inner)) {}
  std::string name() const override { return name_; }
  AgentLaunch prepare(const AgentRequest& r) const override { return inner_->prepare(r); }
  std::unique_ptr<StreamParser> parser() const override { return inner_->parser(); }
  std::optional<FailureClass> classify(const Completion& how, const AgentReport& report, std::string_view output) const override {
    return inner_->classify(how, report, output);
  }
  std::optional<std::string> preflight() const override { return inner_->preflight(); }
  std::optional<double> reset_time(std::string_view output) const override { return inner_->reset_time(output); }

 private:
  std::string name_;
  std::unique_ptr<AgentAdapter> inner_;
};

// Whether the run's own agent is the command template (else a named CLI, or none).
Result<bool> choose_agent(const Settings* st, const RunChoices& c, RunOptions& opt) {
  std::string name = !c.agent_name.empty() ? c.agent_name : st ? st->agent_name : std::string();
  // agents.claude.timeout counts when Claude is asked for, or is what nothing else names.
  const bool claude_is_default = name == "claude" || (name.empty() && opt.agent.empty());
  ClaudeOptions claude = claude_options(st, c, claude_is_default, opt);
  if (name.empty()) name = !opt.agent.empty() ? "command" : find_program(claude.program) ? "claude" : "";
  if (name == "claude") {
    if (!find_program(claude.program) && !opt.dry_run)
      return make_error(Errc::not_found, "the agent '" + claude.program +
                                             "' is not on PATH: install Claude Code (npm install -g "
                                             "@anthropic-ai/claude-code), set agent.program, or pass --agent-cmd 'TEMPLATE'");
    opt.agent_adapter = make_claude_agent(std::move(claude));
  } else if (name != "command" && !name.empty()) {
    // Any other known CLI, with its agents.<name> settings and the host's choices on top.
    AgentSettings as;
    if (st)
      if (auto it = st->agents.find(name); it != st->agents.end()) as = it->second;
    if (!c.model.empty()) as.model = c.model;
    if (c.max_turns) as.max_turns = *c.max_turns;
    if (!c.append_instructions.empty()) as.append_instructions = c.append_instructions;
    as.extra_args.insert(as.extra_args.end(), c.extra_args.begin(), c.extra_args.end());
    if (as.timeout && !c.task_timeout) opt.task_timeout = *as.timeout;
    auto adapter = make_agent(name, as);
    if (auto why = adapter->preflight(); why && !opt.dry_run) return make_error(Errc::not_found, *why);
    opt.agent_adapter = std::move(adapter);
  } else if (!opt.agent.empty()) {
    if (!find_program(opt.agent.front()) && !opt.dry_run)
      return make_error(Errc::not_found, "the agent '" + opt.agent.front() + "' is not found (not on PATH or not executable)");
    opt.agent_adapter = make_command_agent(opt.agent, st ? st->failure_patterns : std::vector<std::pair<std::string, FailureClass>>{});
    return true;
  } else if (!opt.dry_run) {
    return make_error(Errc::not_found,
                      "no agent: Claude Code is not on PATH (npm install -g @anthropic-ai/claude-code); "
                      "or pass --agent-cmd 'TEMPLATE', or set agent.command in .flow/config.yaml");
  }
  return false;
}

// The agents the fallback chain names besides the run's own, each with its agents.<name>
// settings and checked before anything starts; and every agent's maxWorkers.
Result<void> fallback_agents(const Settings* st, const StockPolicyOptions& popt, bool own_is_command, RunOptions& opt) {
  if (st)
    for (const auto& [name, as] : st->agents)
      if (as.max_workers > 0) opt.agent_max_workers[name] = as.max_workers;
  const std::string own = opt.agent_adapter ? opt.agent_adapter->name() : std::string();
  std::vector<std::string> seen{own};
  for (const FallbackStep& step : popt.fallback) {
    // "command" is the run's own agent when that is the command template (AgentPool
    // knows the alias); under a named CLI it is the template, an agent of its own.
    if (step.agent.empty() || (step.agent == "command" && own_is_command) ||
        std::find(seen.begin(), seen.end(), step.agent) != seen.end())
      continue;
    seen.push_back(step.agent);
    if (step.agent == "command") {
      if (opt.agent.empty())
        return make_error(Errc::config, "the fallback agent 'command' needs a command template (agent.command or --agent-cmd)");
      if (!find_program(opt.agent.front()) && !opt.dry_run)
        return make_error(Errc::not_found, "fallback agent: '" + opt.agent.front() + "' is not found (not on PATH or not executable)");
      opt.fallback_agents.push_back(std::make_shared<RenamedAgent>(
          "command", make_command_agent(opt.agent, st ? st->failure_patterns : std::vector<std::pair<std::string, FailureClass>>{})));
      continue;
    }
    AgentSettings as;
    if (st)
      if (auto it = st->agents.find(step.agent); it != st->agents.end()) as = it->second;
    auto adapter = make_agent(step.agent, as);
    if (!adapter)
      return make_error(Errc::config, "the fallback agent '" + step.agent + "' is not an agent flow knows (" +
                                          detail::join(agent_names(), ", ") + ")");
    if (auto why = adapter->preflight(); why && !opt.dry_run) return make_error(Errc::not_found, "fallback agent: " + *why);
    opt.fallback_agents.push_back(std::move(adapter));
  }
  return {};
}

}  // namespace

void apply_recovery_settings(const Settings& st, StockPolicyOptions& popt) {
  if (st.auto_retry) popt.auto_retry = *st.auto_retry;
  if (st.base_delay) popt.base_delay = *st.base_delay;
  if (st.max_delay) popt.max_delay = *st.max_delay;
  if (st.backoff_strategy == BackoffStrategy::fixed) popt.max_delay = popt.base_delay;
  popt.optional_labels = st.optional_tasks;
  popt.fallback = st.fallback;
}

Result<std::unique_ptr<Runner>> make_run_runner(const Settings* st, const RunChoices& c, bool dry_run) {
  const std::string kind = !c.runner_kind.empty() ? c.runner_kind : st ? st->runner_kind : std::string("local");
  if (kind == "local" || kind.empty()) return make_process_runner();
  if (kind != "slurm") return make_error(Errc::invalid_argument, "the runner should be local or slurm, not '" + kind + "'");
  if (!find_program("sbatch") && !dry_run)
    return make_error(Errc::not_found, "the slurm runner needs sbatch, which is not on PATH (install Slurm's client commands)");
  SlurmOptions so = st ? st->slurm : SlurmOptions{};
  if (!c.slurm_partition.empty()) so.partition = c.slurm_partition;
  if (!c.slurm_account.empty()) so.account = c.slurm_account;
  if (!c.slurm_time_limit.empty()) so.time_limit = c.slurm_time_limit;
  return make_slurm_runner(std::move(so));
}

std::string default_settings_path(const std::string& workdir) {
  const std::string path = workdir + "/.flow/config.yaml";
  std::error_code ec;
  return std::filesystem::exists(path, ec) ? path : std::string();
}

Result<void> configure_run(const Settings* st, const RunChoices& c, RunOptions& opt, StockPolicyOptions& popt) {
  if (c.workers) opt.workers = *c.workers;
  if (c.task_timeout) opt.task_timeout = *c.task_timeout;
  if (c.retries) popt.max_retries = *c.retries;
  if (!c.agent_command.empty()) opt.agent = c.agent_command;
  else if (st && !st->agent_command.empty()) opt.agent = st->agent_command;
  if (st) apply_settings(*st, c, opt, popt);
  if (st) opt.budget = st->budget;
  if (c.max_cost_usd) opt.budget.max_cost_usd = *c.max_cost_usd;
  if (c.max_task_cost_usd) opt.budget.max_task_cost_usd = *c.max_task_cost_usd;
  if (c.stall_timeout) opt.stall_timeout = *c.stall_timeout;
  // Validation gates: configured, else detected for the project's stack. A configured one
  // that cannot run is an error now, not a failure of every task later.
  if (!st || !st->validation_configured)
    for (const Gate& g : detect_gates(opt.workdir.empty() ? default_workdir(opt.tasks_path) : opt.workdir))
      opt.gates.emplace_back(g.name, g.argv);
  for (const auto& [name, argv] : opt.gates)
    if (!find_program(argv.front()))
      return make_error(Errc::not_found, "the " + name + " check '" + argv.front() + "' cannot run: '" + argv.front() +
                                             "' is not on PATH (fix testing/validation in " +
                                             (c.config_path.empty() ? ".flow/config.yaml" : c.config_path) + ")");
  auto own_is_command = choose_agent(st, c, opt);
  if (!own_is_command) return Unexpected{own_is_command.error()};
  return fallback_agents(st, popt, *own_is_command, opt);
}

FLOW_END_NAMESPACE
}  // namespace flow
