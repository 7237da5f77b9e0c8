// SPDX-License-Identifier: MIT
// Gates, coverage, require-changes, test-first and integration checks.
#include "runtime/validation.hpp"

#include <flow/coverage.hpp>

#include "runtime/prompt.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow::detail {

namespace {

// The last `max_lines` lines of `text` that say something (not blank; not a JSON event
// when `skip_json`), each clipped.
std::vector<std::string> telling_lines(std::string_view text, std::size_t max_lines, bool skip_json) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    const std::string_view said = detail::trim(line);
    if (said.empty() || (skip_json && said.front() == '{')) continue;
    lines.push_back(detail::clip(std::string(line), 300));
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  return lines;
}

}  // namespace

std::string tail_lines(const std::string& path, std::size_t max_lines, bool skip_json) {
  // Read from the end, a block at a time (each twice the last), until the complete
  // lines read hold enough: an attempt's log can be megabytes, and this runs on the run
  // loop's thread for every attempt that ends.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st {};
  std::string buf;  // the end of the file, from `pos` on
  off_t pos = ::fstat(fd, &st) == 0 ? st.st_size : 0;
  std::vector<std::string> lines;
  for (off_t block = 64 * 1024;; block *= 2) {
    const off_t from = pos > block ? pos - block : 0;
    std::string chunk(static_cast<std::size_t>(pos - from), '\0');
    std::size_t got = 0;
    while (got < chunk.size()) {
      const ssize_t n = ::pread(fd, chunk.data() + got, chunk.size() - got, from + static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    chunk.resize(got);
    buf.insert(0, chunk);
    pos = from;
    // Only whole lines: what comes before the first newline may be the end of a line
    // that began in a block not read yet.
    std::string_view whole(buf);
    if (pos > 0) {
      const std::size_t nl = whole.find('\n');
      whole.remove_prefix(nl == std::string_view::npos ? whole.size() : nl + 1);
    }
    lines = telling_lines(whole, max_lines, skip_json);
    if (lines.size() >= max_lines || pos == 0) break;
  }
  ::close(fd);
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
    std::string how;
    const int rc = commands_.run(argv, dir, out, std::move(env), &how);
    log_.log("gate", t, attempt, {{"gate", std::string(name)}, {"exit", static_cast<double>(rc)}, {"how", how}});
    if (rc == 0) continue;
    log_.emit("gate-failed", t, attempt, name);
    const std::string said = summarize_failure(tail_lines(out, 60));
    const bool silent = said.find_first_not_of(" \t\r\n") == std::string::npos;
    return "validation: " + name + " (" + detail::join(argv, " ") + ") failed (" + how + ") in the task's worktree" +
           (silent ? std::string(", with no output") : ":\n" + said);
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
