// SPDX-License-Identifier: MIT
// The run's own commands and its hooks.
#include "runtime/hooks.hpp"

#include "runtime/secrets.hpp"

#include <flow/runner.hpp>

#include <cstdio>

namespace flow::detail {

int RunCommands::run(const std::vector<std::string>& argv, const std::string& dir, const std::string& out,
                     std::vector<std::string> env, std::string* how) const {
  auto runner = make_process_runner();
  Launch l;
  l.argv = argv;
  l.workdir = dir;
  l.stdout_path = out;
  l.stderr_path = out;
  l.timeout = timeout;
  l.kill_grace = kill_grace;
  l.env = std::move(env);
  l.env.insert(l.env.end(), {"FLOW_RUN_ID=" + run_id, "FLOW_WORKDIR=" + dir, "FLOW_TASKS_MD=" + tasks_path});
  if (auto started = runner->start(l); !started) {
    if (how) *how = "could not start: " + started.error().message;
    return -1;
  }
  std::optional<Completion> c;
  bool stopped = false;
  // In slices: a stop request must not wait for a hook (or a gate) that takes an hour.
  while (!(c = runner->wait(0.25))) {
    if (runner->running() == 0) break;  // (ended and taken without a completion: canceled)
    if (!stopped && interrupt != nullptr && interrupt->load() >= 2) {
      runner->cancel_all();
      stopped = true;
    }
  }
  // Before anyone reads it: the failure summary, the journal and the next prompt quote
  // this file, and it stays in the run's folder.
  redact_secret_values_in_file(out);
  if (how) {
    if (stopped) *how = "stopped: the run was interrupted";
    else if (!c) *how = "canceled";
    else if (c->timed_out) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g", timeout);
      *how = "timed out after " + std::string(secs) + " s";
    }
    else if (c->signal) *how = "killed by signal " + std::to_string(c->signal);
    else *how = "exit " + std::to_string(c->exit_code);
  }
  return !c || c->signal ? -1 : c->exit_code;
}

int run_hook(const RunCommands& commands, RunLog& log, const std::string& workdir, const std::string& run_dir,
             const std::string& name, const std::vector<std::string>& argv, int t, const std::string& task_id,
             std::vector<std::string> env) {
  if (t >= 0) env.push_back("FLOW_TASK_ID=" + task_id);
  std::string how;
  const int rc = commands.run(argv, workdir, run_dir + "/hook-" + name + (t >= 0 ? "-" + task_id : "") + ".out", std::move(env), &how);
  log.log("hook", t, 0, {{"hook", name}, {"exit", static_cast<double>(rc)}, {"how", how}}, true);
  log.emit("hook", t, 0, name + (rc == 0 ? " ok" : " failed (" + how + ")"));
  return rc;
}

}  // namespace flow::detail
