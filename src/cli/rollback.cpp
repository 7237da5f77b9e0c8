// SPDX-License-Identifier: MIT
// `flow rollback`: undo a run made with git isolation, keeping its commits reachable.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/options.hpp"

#include <flow/run.hpp>

#include <fmt/core.h>

namespace flow::cli {

namespace {

int roll_back(const Args& args) {
  RollbackOptions o;
  if (!args.operands.empty()) o.tasks_path = args.operands.front();
  if (const std::string* v = args.value("run")) o.run_id = *v;
  if (const std::string* v = args.value("to")) o.to_task = *v;
  if (const std::string* v = args.value("workdir")) o.workdir = *v;
  o.force = args.has("force");
  if (o.tasks_path.empty()) {
    fmt::print(stderr, "flow rollback: no tasks.md given\nRun 'flow help rollback' for its options.\n");
    return kUsage;
  }
  auto r = rollback(o);
  if (!r) {
    fmt::print(stderr, "flow rollback: {}\n", r.error().message);
    return kFailed;
  }
  if (!r->settled.empty()) fmt::print("first: {}\n", r->settled);
  fmt::print("rolled back run {}: {} is at {} again ({} commit{} undone)\n", r->run_id, r->branch, r->to.substr(0, 10),
             r->commits_undone, r->commits_undone == 1 ? "" : "s");
  if (!r->foreign.empty()) {
    fmt::print("{} of them {} not the run's (--force):\n", r->foreign.size(), r->foreign.size() == 1 ? "was" : "were");
    for (const std::string& c : r->foreign) fmt::print("  {}\n", c);
  }
  fmt::print("the undone commits stay reachable: git log {}\n", r->ref);
  return kOk;
}

}  // namespace

const Command& rollback_command() {
  static const Command cmd{
      "rollback",
      "<tasks.md>",
      1,
      "undo a run's commits (kept under refs/flow/)",
      "Resets the branch a run committed to back to where it was when the run started (or,\n"
      "with --to, to just after TASK's commit). Nothing is lost: the undone commits stay\n"
      "reachable under refs/flow/<run>/rolled-back, and tasks.md comes back with the branch,\n"
      "so the undone tasks are no longer marked [X]. Needs a clean working tree on that branch.\n"
      "Only the run's own commits are undone: when commits it did not make (yours, another\n"
      "run's) sit among or after them, it refuses and names each one (hash, subject, author),\n"
      "with the `git revert` that undoes only the run's. --force undoes them too; they stay\n"
      "reachable under the same ref, and are listed.\n",
      {
          {"run", 0, "ID", "which run (default: the last one of this tasks.md that changed the branch)"},
          {"to", 0, "TASK", "keep the run's commits up to this task's"},
          {"workdir", 0, "DIR", "the repository (default: the one holding tasks.md)", {}, false, "dir"},
          {"force", 0, "", "also undo commits that are not the run's (kept reachable, and listed)"},
      },
      "exit status: 0 rolled back, 1 nothing to roll back or refused, 2 usage error\n",
      roll_back,
  };
  return cmd;
}

}  // namespace flow::cli
