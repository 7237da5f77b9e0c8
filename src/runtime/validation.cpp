// SPDX-License-Identifier: MIT
// Gates, coverage, require-changes, test-first and integration checks.
#include "runtime/validation.hpp"

#include <flow/coverage.hpp>

#include "runtime/prompt.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

namespace fs = std::filesystem;

namespace flow::detail {

std::string tail_lines(const std::string& path, std::size_t max_lines, bool skip_json) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view text = detail::trim(line);
    if (text.empty() || (skip_json && text.front() == '{')) continue;
    lines.push_back(detail::clip(line, 300));
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string summarize_failure(const std::string& output) {
  static constexpr std::string_view marks[] = {"error", "fail", "assert", "traceback", "panic", "exception", "expected"};
  std::vector<std::string> all, picked;
  std::istringstream in(output);
  for (std::string l; std::getline(in, l);) all.push_back(l);
  for (std::size_t i = 0; i + 5 < all.size() && picked.size() < 15; ++i)
    for (std::string_view m : marks)
      if (detail::ifind(all[i], m) != std::string_view::npos) {
        picked.push_back(all[i]);
        break;
      }
  if (!picked.empty()) picked.push_back("...");
  for (std::size_t i = all.size() > 5 ? all.size() - 5 : 0; i < all.size(); ++i) picked.push_back(all[i]);
  return detail::join(picked, "\n") + "\n";
}

namespace {

std::string percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

}  // namespace

std::optional<std::string> Validation::gates(int t, int attempt, const std::string& base, const std::string& dir,
                                             const std::function<std::vector<std::string>()>& task_env) {
  for (const auto& [name, argv] : opt_.gates) {
    if (argv.empty()) continue;
    // testFirst: a new test is meant to fail until its story is implemented; the
    // check that it does comes once the story's tests are all in (check_test_first).
    if (opt_.test_first && name == "tests" && is_test_task(t)) continue;
    const std::string out = base + ".gate-" + name + ".out";
    std::vector<std::string> env = task_env();
    env.insert(env.end(), {"FLOW_TASK_ID=" + task(t).id, "FLOW_ATTEMPT=" + std::to_string(attempt)});
    const int rc = commands_.run(argv, dir, out, std::move(env));
    log_.log("gate", t, attempt, {{"gate", std::string(name)}, {"exit", static_cast<double>(rc)}});
    if (rc == 0) continue;
    log_.emit("gate-failed", t, attempt, name);
    return "validation: " + name + " (" + detail::join(argv, " ") + ") failed with exit " + std::to_string(rc) +
           " in the task's worktree:\n" + summarize_failure(tail_lines(out, 60));
  }
  // testing.coverageTarget: the report the tests wrote, against the target.
  if (opt_.coverage_target > 0 && !opt_.gates.empty() && !(opt_.test_first && is_test_task(t))) {
    const auto report = find_coverage(dir);
    if (!report) {
      log_.emit("gate-failed", t, attempt, "coverage");
      return "validation: testing.coverageTarget is " + percent(opt_.coverage_target) +
             " but the tests left no coverage report (lcov.info, coverage/lcov.info, coverage.xml, cobertura.xml, "
             "coverage.json, coverage.out or cover.out)";
    }
    log_.log("coverage", t, attempt, {{"percent", report->percent}, {"report", report->path}});
    if (report->percent + 1e-9 < opt_.coverage_target) {
      log_.emit("gate-failed", t, attempt, "coverage");
      return "validation: line coverage " + percent(report->percent) + " (" + fs::path(report->path).filename().string() +
             ") is below testing.coverageTarget " + percent(opt_.coverage_target) + "; add tests for the new code";
    }
  }
  return std::nullopt;
}

// Isolated (git): nothing differs from the commit the attempt started from. In place:
// every file it names is as it was before (missing still, or the same size,
// modification time and inode); the workspace tells which.
std::optional<std::string> Validation::no_changes(int t, std::optional<bool> changed, bool isolated) const {
  if (!opt_.require_changes || !changed || *changed) return std::nullopt;
  std::string files = task_files(task(t));
  if (files.empty()) return std::nullopt;
  std::replace(files.begin(), files.end(), '\n', ' ');
  files = detail::clip(detail::trim(files), 300);  // a task may name thousands
  if (isolated)
    return "validation: no changes: the agent exited 0 but changed nothing (nothing committed, nothing left "
           "uncommitted), and this task names files (" + files + "). Do the task: make the changes it asks for.\n";
  return "validation: no changes: the agent exited 0 but none of the files this task names (" + files +
         ") was created or changed. Do the task: make the changes it asks for.\n";
}

bool Validation::is_test_task(int t) const {
  const Task& tk = task(t);
  const Group& g = graph_.plan().groups[static_cast<std::size_t>(tk.group)];
  if (detail::ifind(g.title, "test") != std::string_view::npos) return true;
  if (tk.paths.empty()) return false;
  for (const PathRef& p : tk.paths) {
    const std::string& f = p.path;
    const std::string name = fs::path(f).filename().string();
    const bool test = f.rfind("tests/", 0) == 0 || f.rfind("test/", 0) == 0 || f.find("/tests/") != std::string::npos ||
                      f.find("/test/") != std::string::npos || name.rfind("test_", 0) == 0 ||
                      name.find("_test.") != std::string::npos || name.find(".test.") != std::string::npos ||
                      name.find(".spec.") != std::string::npos;
    if (!test) return false;
  }
  return true;
}

void Validation::hold_implementations(Scheduler& sched) {
  std::map<int, std::pair<std::vector<int>, std::vector<int>>> stories;  // phase -> (tests, implementation)
  for (int t = 0; t < graph_.task_count(); ++t) {
    const Task& tk = task(t);
    if (tk.state != TaskState::pending) continue;
    if (graph_.plan().phases[static_cast<std::size_t>(tk.phase)].kind != PhaseKind::user_story) continue;
    (is_test_task(t) ? stories[tk.phase].first : stories[tk.phase].second).push_back(t);
  }
  for (auto& [phase, tasks] : stories) {
    if (tasks.first.empty() || tasks.second.empty()) continue;
    for (int t : tasks.second) sched.hold(t);
    test_first_.push_back({phase, std::move(tasks.first), std::move(tasks.second), {}});
  }
}

std::size_t Validation::check_test_first(
    Scheduler& sched, const std::function<bool(int, const std::string&, const std::vector<std::string>&)>& baseline_fails) {
  const std::size_t waiting = test_first_.size();
  for (auto it = test_first_.begin(); it != test_first_.end();) {
    const bool finished = std::all_of(it->tests.begin(), it->tests.end(), [&](int t) {
      const TaskStatus st = sched.status(t);
      return st != TaskStatus::waiting && st != TaskStatus::ready && st != TaskStatus::running;
    });
    if (!finished) { ++it; continue; }
    const bool all_ok = std::all_of(it->tests.begin(), it->tests.end(),
                                    [&](int t) { return sched.status(t) == TaskStatus::succeeded; });
    const std::string title = graph_.plan().phases[static_cast<std::size_t>(it->phase)].title;
    const auto gate = std::find_if(opt_.gates.begin(), opt_.gates.end(), [](const auto& g) { return g.first == "tests"; });
    if (all_ok && gate != opt_.gates.end()) {
      // Git isolation: the work directory is the integration branch, tests merged.
      const int rc = commands_.run(gate->second, workdir_, run_dir_ + "/test-first-" + std::to_string(it->phase) + ".out", {});
      log_.log("test-first", -1, 0, {{"phase", title}, {"exit", static_cast<double>(rc)}}, true);
      if (rc == 0) {
        report_.vacuous_tests.push_back(title);
        log_.emit("vacuous-tests", -1, 0, "the tests of \"" + title + "\" pass before any implementation: they test nothing new");
      } else if (baseline_fails(it->phase, it->before, gate->second)) {
        // The suite failed already before these tests came in: their failure says
        // nothing about them.
        report_.inconclusive_tests.push_back(title);
        log_.emit("test-first", -1, 0, "the tests of \"" + title + "\" fail, but so did the suite before them: inconclusive");
      } else {
        log_.emit("test-first", -1, 0, "the tests of \"" + title + "\" fail as they should; implementation starts");
      }
    }
    for (int t : it->implementation) sched.release(t);
    it = test_first_.erase(it);
  }
  return waiting - test_first_.size();
}

void Validation::landed(int t, const std::string& before) {
  for (TestFirst& tf : test_first_)  // testFirst's baseline: before the story's first test
    if (tf.before.empty() && std::find(tf.tests.begin(), tf.tests.end(), t) != tf.tests.end()) tf.before = before;
}

void Validation::integration_check(int t, bool phase_done, const std::string& head, const std::string& branch) {
  const bool check = opt_.integration_check == IntegrationCheck::merge || (opt_.integration_check == IntegrationCheck::phase && phase_done);
  const auto gate = std::find_if(opt_.gates.begin(), opt_.gates.end(), [](const auto& g) { return g.first == "tests"; });
  if (!check || gate == opt_.gates.end()) return;
  const std::string out = run_dir_ + "/integration-" + task(t).id + ".out";
  const int rc = commands_.run(gate->second, workdir_, out, {});
  const std::string when = opt_.integration_check == IntegrationCheck::merge
                               ? "after " + task(t).id
                               : "after " + graph_.plan().phases[static_cast<std::size_t>(task(t).phase)].title;
  log_.log("integration-check", t, 0, {{"exit", static_cast<double>(rc)}, {"commit", head}}, rc != 0);
  if (rc != 0) {
    report_.integration_failures.push_back(when);
    log_.emit("integration-failed", t, 0, "the tests fail on " + branch + " " + when + " (" + out + ")");
  }
}

}  // namespace flow::detail
