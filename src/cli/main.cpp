// SPDX-License-Identifier: MIT
// The flow command-line tool: dispatches to the subcommands of the option table.
#include "cli/commands.hpp"
#include "cli/options.hpp"

#include <flow/version.hpp>

#include <fmt/core.h>

#include <string>
#include <vector>

namespace flow::cli {

const std::vector<const Command*>& all_commands() {
  static const std::vector<const Command*> commands = {&run_command(), &retry_command(), &status_command(), &rollback_command(),
                                                       &serve_command(),  &check_command(), &plan_command(),   &simulate_command(),
                                                       &completion_command()};
  return commands;
}

const Command* find_command(std::string_view name) {
  for (const Command* c : all_commands())
    if (c->name == name) return c;
  return nullptr;
}

namespace {

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const Command* c : all_commands()) out.push_back(c->name);
  out.insert(out.end(), {"help", "version"});
  return out;
}

int unknown_command(const std::string& name) {
  const std::string guess = closest(name, command_names());
  fmt::print(stderr, "flow: unknown command '{}'{}\nRun 'flow help' for the commands.\n", name,
             guess.empty() ? "" : "; did you mean '" + guess + "'?");
  return kUsage;
}

// `flow help [COMMAND]`.
int help(const std::vector<std::string>& args) {
  if (args.empty()) {
    fmt::print("{}", overview_text());
    return kOk;
  }
  if (args[0] == "help" || args[0] == "version") {
    fmt::print("{}", overview_text());
    return kOk;
  }
  const Command* cmd = find_command(args[0]);
  if (!cmd) return unknown_command(args[0]);
  fmt::print("{}", help_text(*cmd));
  return kOk;
}

}  // namespace

}  // namespace flow::cli

int main(int argc, char** argv) {
  using namespace flow::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    fmt::print(stderr, "{}", overview_text());
    return kUsage;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  if (name == "-h" || name == "--help" || name == "help") return help(args);
  if (name == "version" || name == "--version") {
    fmt::print("flow {}\n", FLOW_VERSION_STRING);
    return kOk;
  }
  const Command* cmd = find_command(name);
  if (!cmd) return unknown_command(name);
  int exit = kOk;
  const auto parsed = parse_args(*cmd, args, exit);
  if (!parsed) return exit;
  return cmd->run(*parsed);
}
