// SPDX-License-Identifier: MIT
// `flow retry`: a person's answer to a task that needs attention. The task runs again,
// then what it blocked, with the person's hint in its prompt: inside the run going on
// (through its control inbox), else in a run of its own.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/options.hpp"

#include "runtime/control_inbox.hpp"
#include "support/json_value.hpp"
#include "support/text.hpp"

#include <flow/run.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow::cli {

namespace {

// How long a retry waits for a live run to take its request: the run polls at least
// every quarter second, but a hook or a slow gate may hold its loop up for a while.
constexpr double kJoinWaitSeconds = 60;

// What the live run answered, by request ID: "" taken, else why it refused.
using Answers = std::map<std::string, std::string>;

// The `control` lines answering `pending` in the journal after `offset`.
void read_answers(const std::string& journal, std::streamoff offset, const std::map<std::string, std::string>& pending,
                  Answers& answers) {
  std::ifstream in(journal, std::ios::binary);
  if (!in || !in.seekg(offset)) return;
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"control\"") == std::string::npos) continue;
    const auto j = detail::JsonValue::parse(line);
    if (!j || (*j)["event"].str() != "control") continue;
    const std::string request((*j)["request"].str());
    if (pending.count(request)) answers[request] = std::string((*j)["refused"].str());
  }
}

// Posts the retries to the run going on and waits for its answers. The IDs it did not
// take (it ended first) are returned: they get a run of their own.
std::vector<std::string> join_run(const detail::LiveRun& live, const std::string& workdir, const std::string& lock,
                                  const Plan& plan, const RetryRequest& retry, int& exit) {
  const std::string journal = workdir + "/.flow/implementation.log";
  std::error_code ec;
  const auto offset = static_cast<std::streamoff>(fs::exists(journal, ec) ? fs::file_size(journal, ec) : 0);
  std::map<std::string, std::string> pending;  // request -> task ID
  std::vector<std::string> left;
  for (const std::string& id : retry.ids) {
    ControlRequest r;
    r.action = ControlRequest::Action::retry;
    r.task = id;
    for (const Task& t : plan.tasks)
      if (t.id == id) r.line = t.line;
    r.hint = retry.hint;
    r.by = "flow retry (pid " + std::to_string(::getpid()) + ")";
    auto posted = detail::post_control(workdir, live.run_id, r);
    if (!posted) {
      left.push_back(id);
      continue;
    }
    pending[*posted] = id;
  }
  Answers answers;
  const auto start = std::chrono::steady_clock::now();
  while (answers.size() < pending.size()) {
    read_answers(journal, offset, pending, answers);
    if (answers.size() == pending.size()) break;
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto still = detail::live_run(lock);
    if (!still || still->run_id != live.run_id || waited > kJoinWaitSeconds) {
      read_answers(journal, offset, pending, answers);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (const auto& [request, id] : pending) {
    const auto a = answers.find(request);
    if (a == answers.end()) {
      // Not taken: the run ended (its inbox went with it) or did not answer in time.
      std::error_code rm;
      fs::remove(workdir + "/.flow/control/" + live.run_id + "/" + request + ".json", rm);
      left.push_back(id);
    } else if (a->second.empty()) {
      fmt::print("flow retry: run {} (pid {}) took it: {} runs again{}, then what it blocked; follow it with flow status\n",
                 live.run_id, live.pid, id, retry.hint.empty() ? "" : ", with your hint");
    } else {
      fmt::print(stderr, "flow retry: run {} refused to retry {}: {} (it may be running or waiting to retry already)\n",
                 live.run_id, id, a->second);
      exit = kFailed;
    }
  }
  return left;
}

int retry_tasks(const Args& args) {
  if (args.operands.size() < 2) {
    fmt::print(stderr, "flow retry: name the tasks.md and at least one task: flow retry tasks.md T014 [--hint TEXT]\n");
    return kUsage;
  }
  const std::string path = args.operands.front();
  RetryRequest retry;
  for (std::size_t i = 1; i < args.operands.size(); ++i) {
    std::stringstream ids(args.operands[i]);
    for (std::string id; std::getline(ids, id, ',');)
      if (!id.empty() && std::find(retry.ids.begin(), retry.ids.end(), id) == retry.ids.end()) retry.ids.push_back(id);
  }
  if (const std::string* h = args.value("hint")) retry.hint = *h;
  if (retry.hint.size() > detail::kMaxHintBytes) {
    fmt::print(stderr, "flow retry: --hint is longer than 16 KiB\n");
    return kUsage;
  }
  Loaded l = load(path, {});
  if (l.exit != 0 || !l.graph) return kUsage;
  std::vector<std::string> known;
  for (const Task& t : l.plan.tasks) known.push_back(t.id);
  for (const std::string& id : retry.ids) {
    const auto it = std::find_if(l.plan.tasks.begin(), l.plan.tasks.end(), [&](const Task& t) { return t.id == id; });
    if (it == l.plan.tasks.end()) {
      const std::string near = closest(id, known);
      fmt::print(stderr, "flow retry: no task {} in {}{}\n", id, path, near.empty() ? "" : " (did you mean " + near + "?)");
      return kUsage;
    }
    if (it->state == TaskState::done) {
      fmt::print(stderr, "flow retry: {} is done already (marked in {}): nothing to retry\n", id, path);
      return kUsage;
    }
  }
  std::error_code ec;
  const std::string workdir =
      fs::absolute(args.value("workdir") ? *args.value("workdir") : default_workdir(path), ec).string();
  const std::string lock = detail::run_lock_path(workdir, fs::absolute(path, ec).string());
  int exit = kOk;
  // A run going on takes the retry into its own loop: a second run could not start anyway.
  if (const auto live = detail::live_run(lock); live && !live->run_id.empty() &&
                                                (::kill(static_cast<pid_t>(live->pid), 0) == 0 || errno == EPERM)) {
    retry.ids = join_run(*live, workdir, lock, l.plan, retry, exit);
    if (retry.ids.empty()) return exit;
    fmt::print("flow retry: run {} ended before it took {}: starting a run of its own\n", live->run_id,
               detail::join(retry.ids, ", "));
  }
  const int own = run_tasks(args, &retry);
  return own != kOk ? own : exit;
}

std::vector<Option> retry_options() {
  // run's options, less those that choose other tasks or another way of running.
  std::vector<Option> out;
  for (const Option& o : run_command().options)
    if (o.name != "only" && o.name != "story" && o.name != "dry-run" && o.name != "fail-fast" &&
        o.name != "continue-on-error" && o.name != "dashboard" && o.name != "dashboard-read-only")
      out.push_back(o);
  out.insert(out.begin(), Option{"hint", 0, "TEXT",
                                 "what the agent should know this time, put in the task's prompts\n"
                                 "verbatim (at most 16 KiB); journaled and shown by flow status"});
  return out;
}

}  // namespace

const Command& retry_command() {
  static const Command cmd{
      "retry",
      "<tasks.md> <task>...",
      64,
      "run a failed task again, with a hint, then what it blocked",
      "Runs the tasks named (IDs, several allowed: T014 T015 or T014,T015) again, then the\n"
      "tasks they blocked, each named one with --hint in its prompt: the way back for a\n"
      "task that needs attention (its recovery ladder ran out). While a run of tasks.md is\n"
      "going on, the retry joins it (through the run's control inbox under .flow/control/)\n"
      "instead of starting a second run; otherwise it starts a run of only those tasks, with\n"
      "run's settings and options.\n",
      retry_options(),
      "exit status: 0 the tasks are done (or the live run took the retry), 1 a task failed\n"
      "again or the live run refused, 2 usage or config error, 130 interrupted\n",
      retry_tasks,
  };
  return cmd;
}

}  // namespace flow::cli
