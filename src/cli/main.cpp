// SPDX-License-Identifier: MIT
// The flow command-line tool: dispatches to the subcommands.
#include "cli/commands.hpp"

#include <flow/version.hpp>

#include <fmt/core.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: flow <command> [options]\n"
    "\n"
    "commands:\n"
    "  run <tasks.md> --agent-cmd T [...]      run the pending tasks with an agent, mark them [X]\n"
    "  status <tasks.md> [--json]              where the last run stands, task by task\n"
    "  rollback <tasks.md> [--run ID] [--to T] undo a run's commits (kept under refs/flow/)\n"
    "  serve [tasks.md…] [--listen ADDR]       a live dashboard in the browser (graph, ETA, cost)\n"
    "  check <tasks.md> [--json] [--verbose]   read a tasks.md and report what flow sees\n"
    "  plan <tasks.md> [--workers N] …         the dependency graph, waves, critical path, locks\n"
    "  simulate <tasks.md> [--workers N] …     run the scheduler on a simulated clock\n"
    "  version                                 print flow's version\n"
    "\n"
    "Run 'flow <command> --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? flow::cli::kUsage : flow::cli::kOk;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "version" || cmd == "--version") {
    fmt::print("flow {}\n", FLOW_VERSION_STRING);
    return flow::cli::kOk;
  }
  if (cmd == "run") return flow::cli::cmd_run(args);
  if (cmd == "status") return flow::cli::cmd_status(args);
  if (cmd == "rollback") return flow::cli::cmd_rollback(args);
  if (cmd == "serve") return flow::cli::cmd_serve(args);
  if (cmd == "check") return flow::cli::cmd_check(args);
  if (cmd == "plan") return flow::cli::cmd_plan(args);
  if (cmd == "simulate") return flow::cli::cmd_simulate(args);
  fmt::print(stderr, "flow: unknown command '{}'\n\n{}", cmd, kUsage);
  return flow::cli::kUsage;
}
