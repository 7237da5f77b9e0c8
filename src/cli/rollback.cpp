// SPDX-License-Identifier: MIT
// `flow rollback`: undo a run made with git isolation, keeping its commits reachable.
#include "cli/commands.hpp"
#include "cli/common.hpp"

#include <flow/run.hpp>

#include <fmt/core.h>

namespace flow::cli {

namespace {

constexpr const char* kRollbackUsage =
    "usage: flow rollback <tasks.md> [--run ID] [--to TASK] [--workdir DIR]\n"
    "\n"
    "Resets the branch a run committed to back to where it was when the run started (or,\n"
    "with --to, to just after TASK's commit). Nothing is lost: the undone commits stay\n"
    "reachable under refs/flow/<run>/rolled-back, and tasks.md comes back with the branch,\n"
    "so the undone tasks are no longer marked [X]. Needs a clean working tree on that branch.\n"
    "  --run ID   which run (default: the last one of this tasks.md)\n"
    "exit status: 0 rolled back, 1 nothing to roll back or refused, 2 usage error\n";

}  // namespace

int cmd_rollback(const std::vector<std::string>& args) {
  RollbackOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") { fmt::print("{}", kRollbackUsage); return kOk; }
    if (a == "--run" || a == "--to" || a == "--workdir") {
      if (i + 1 >= args.size()) { fmt::print(stderr, "flow rollback: {} needs a value\n", a); return kUsage; }
      (a == "--run" ? o.run_id : a == "--to" ? o.to_task : o.workdir) = args[++i];
      continue;
    }
    if (!a.empty() && a[0] == '-') { fmt::print(stderr, "flow rollback: unknown option '{}'\n{}", a, kRollbackUsage); return kUsage; }
    if (!o.tasks_path.empty()) { fmt::print(stderr, "flow rollback: more than one file given\n"); return kUsage; }
    o.tasks_path = a;
  }
  if (o.tasks_path.empty()) { fmt::print(stderr, "flow rollback: no tasks.md given\n{}", kRollbackUsage); return kUsage; }
  auto r = rollback(o);
  if (!r) {
    fmt::print(stderr, "flow rollback: {}\n", r.error().message);
    return kFailed;
  }
  fmt::print("rolled back run {}: {} is at {} again ({} commit{} undone)\n", r->run_id, r->branch, r->to.substr(0, 10),
             r->commits_undone, r->commits_undone == 1 ? "" : "s");
  fmt::print("the undone commits stay reachable: git log {}\n", r->ref);
  return kOk;
}

}  // namespace flow::cli
