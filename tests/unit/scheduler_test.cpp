// SPDX-License-Identifier: MIT
// The scheduler driven by hand (a fake clock is just `now`), and property tests over
// generated graphs and the corpus through the simulator.
#include <flow/agent_load.hpp>
#include <flow/graph.hpp>
#include <flow/recovery.hpp>
#include <flow/scheduler.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_md.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

using namespace flow;

namespace {

TaskGraph graph_of(const std::string& text) {
  auto g = build_graph(parse_tasks_md(text));
  REQUIRE_MESSAGE(g, (g ? "" : g.error().message));
  return std::move(*g);
}

std::vector<int> start_all(Scheduler& s, double now) {
  std::vector<int> out;
  while (auto t = s.start_next(now)) out.push_back(*t);
  return out;
}

}  // namespace

TEST_CASE("the worker limit holds and the longest remaining path goes first") {
  // T001 -> T004 -> T005 is the long chain; T002, T003 are leaves.
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n## Dependencies\n- T001 → T004\n- T004 → T005\n"
                    "## Phase 2\n- [ ] T004 [P] d\n- [ ] T005 e\n");
  SchedulerOptions o;
  o.workers = 2;
  Scheduler s(g, o);
  const auto first = start_all(s, 0);
  REQUIRE(first.size() == 2);
  CHECK(first[0] == 0);  // T001 leads the critical path
  CHECK(first[1] == 1);  // then document order
  CHECK(s.running_count() == 2);
  CHECK_FALSE(s.start_next(0));
}

TEST_CASE("estimates that are not numbers, and a retry at NaN, lose no task") {
  // A NaN priority unordered the ready set: T003 stayed ready, never started, and the
  // scheduler said it was done; a retry at NaN was never woken.
  auto g = graph_of("- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 d\n");
  for (const std::vector<double>& est : {std::vector<double>{1, NAN, 1, 1}, std::vector<double>(4, NAN),
                                         std::vector<double>{1, INFINITY, -1, 1}}) {
    SchedulerOptions o;
    o.workers = 4;
    o.estimates = est;
    Scheduler s(g, o);
    std::vector<int> ran;
    bool retried = false;
    for (double now = 0; !s.done() && now < 100; now += 1)
      for (int t : start_all(s, now)) {
        if (t == 1 && !retried) {
          retried = true;
          s.retry(t, NAN);
          continue;
        }
        ran.push_back(t);
        s.finish(t, TaskStatus::succeeded);
      }
    CHECK(s.done());
    std::sort(ran.begin(), ran.end());
    CHECK(ran == std::vector<int>{0, 1, 2, 3});
  }
}

TEST_CASE("ties break by document order; statuses move through the states") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 c\n");
  Scheduler s(g, {});
  CHECK(s.status(2) == TaskStatus::waiting);
  CHECK(s.status(0) == TaskStatus::ready);
  CHECK(*s.start_next(0) == 0);
  CHECK(s.status(0) == TaskStatus::running);
  s.finish(0, TaskStatus::succeeded);
  CHECK(*s.start_next(1) == 1);
  s.finish(1, TaskStatus::succeeded);
  CHECK(s.status(2) == TaskStatus::ready);
  CHECK(*s.start_next(2) == 2);
  s.finish(2, TaskStatus::succeeded);
  CHECK(s.done());
}

TEST_CASE("two tasks naming a common file, or a file in a folder the other names, never run together") {
  auto g = graph_of("- [ ] T001 [P] Edit src/a.py\n- [ ] T002 [P] Edit src/a.py\n- [ ] T003 [P] Create src/\n"
                    "- [ ] T004 [P] Edit b.py\n");
  SchedulerOptions o;
  o.workers = 4;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0, 3});
  s.finish(0, TaskStatus::succeeded);
  CHECK(start_all(s, 1) == std::vector<int>{1});
  s.finish(1, TaskStatus::succeeded);
  CHECK(start_all(s, 2) == std::vector<int>{2});
}

TEST_CASE("tasks waiting on a lock: a release wakes the best, a held one lets the next start") {
  // All four name app/x.py; T001 runs, the others wait for the file. When it is free,
  // T002 (held) may not start, so T003 must, though it waits behind T002.
  auto g = graph_of("- [ ] T001 [P] a in app/x.py\n- [ ] T002 [P] b in app/x.py\n- [ ] T003 [P] c in app/x.py\n"
                    "- [ ] T004 [P] d in app/x.py and app/y.py\n- [ ] T005 [P] e in app/y.py\n");
  SchedulerOptions o;
  o.workers = 3;
  o.order = ScheduleOrder::document;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0, 4});  // T005 runs beside T001; the rest wait
  s.hold(1);
  s.finish(0, TaskStatus::succeeded);
  CHECK_FALSE(s.done());
  CHECK_FALSE(s.deadlock());
  CHECK(start_all(s, 0) == std::vector<int>{2});  // T003: T002 is held, T004 waits for app/x.py
  s.finish(4, TaskStatus::succeeded);
  CHECK(start_all(s, 0).empty());  // app/y.py is free, app/x.py is not
  s.finish(2, TaskStatus::succeeded);
  // Nothing runs: T002 is held, and T004, still waiting, could start.
  CHECK_FALSE(s.deadlock());
  CHECK(start_all(s, 0) == std::vector<int>{3});
  s.release(1);
  CHECK(start_all(s, 0).empty());  // T004 holds app/x.py
  s.finish(3, TaskStatus::succeeded);
  CHECK(start_all(s, 0) == std::vector<int>{1});
  s.finish(1, TaskStatus::succeeded);
  CHECK(s.done());
}

TEST_CASE("named resources are exclusive; a task with unknown files can run alone") {
  auto g = graph_of("- [ ] T001 [P] Migrate db in a.sql\n- [ ] T002 [P] Seed db in b.sql\n- [ ] T003 [P] Think\n"
                    "- [ ] T004 [P] Edit c.py\n");
  SchedulerOptions o;
  o.workers = 4;
  o.resources = {{"db"}, {"db"}, {}, {}};
  o.unknown_files_exclusive = true;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0, 3});  // T002 waits for db, T003 to run alone
  s.finish(0, TaskStatus::succeeded);
  s.finish(3, TaskStatus::succeeded);
  CHECK(start_all(s, 1) == std::vector<int>{1});
  s.finish(1, TaskStatus::succeeded);
  CHECK(start_all(s, 2) == std::vector<int>{2});
  CHECK_FALSE(s.start_next(2));
}

TEST_CASE("a failure blocks its dependents with the cause while independent work goes on") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c (depends on T001)\n- [ ] T004 [P] d (depends on T003)\n");
  SchedulerOptions o;
  o.workers = 2;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0, 1});
  s.finish(0, TaskStatus::failed);
  CHECK(s.status(2) == TaskStatus::blocked);
  CHECK(s.blocked_by(2) == 0);
  CHECK(s.status(3) == TaskStatus::blocked);
  CHECK(s.blocked_by(3) == 0);
  CHECK_FALSE(s.done());
  s.finish(1, TaskStatus::succeeded);
  CHECK(s.done());
}

TEST_CASE("reopen: a failed task and what it blocked run again; a second failure still blocks") {
  // T001 and T002 both fail; T003 waits for T001, T004 for T001 and T002.
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c (depends on T001)\n"
                    "- [ ] T004 [P] d (depends on T001, T002)\n");
  SchedulerOptions o;
  o.workers = 2;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0, 1});
  s.finish(1, TaskStatus::failed);
  s.finish(0, TaskStatus::failed);
  CHECK(s.done());
  CHECK(s.status(2) == TaskStatus::blocked);
  CHECK(s.reopen(2));                          // blocked by T001: reopens T001
  CHECK(s.status(0) == TaskStatus::ready);
  CHECK(s.status(2) == TaskStatus::waiting);
  CHECK(s.status(3) == TaskStatus::blocked);   // T002 still failed
  CHECK(s.blocked_by(3) == 1);
  CHECK_FALSE(s.done());
  CHECK(start_all(s, 1) == std::vector<int>{0});
  s.finish(0, TaskStatus::succeeded);
  CHECK(s.status(2) == TaskStatus::ready);
  CHECK(s.reopen(3));                          // blocked: reopens its cause, T002
  CHECK(s.status(1) == TaskStatus::ready);
  CHECK(s.status(3) == TaskStatus::waiting);
  CHECK_FALSE(s.reopen(2));                    // ready, not failed: nothing to reopen
}

TEST_CASE("reopen changes nothing once the run has stopped") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n");
  SchedulerOptions o;
  o.fail_fast = true;
  Scheduler s(g, o);
  CHECK(start_all(s, 0) == std::vector<int>{0});
  s.finish(0, TaskStatus::failed);
  CHECK_FALSE(s.reopen(0));
  CHECK(s.status(0) == TaskStatus::failed);
}

TEST_CASE("fail-fast: nothing new starts after a failure; running tasks finish") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n");
  SchedulerOptions o;
  o.workers = 2;
  o.fail_fast = true;
  Scheduler s(g, o);
  start_all(s, 0);
  s.finish(0, TaskStatus::failed);
  CHECK_FALSE(s.start_next(1));
  CHECK_FALSE(s.done());
  s.finish(1, TaskStatus::succeeded);
  CHECK(s.done());
  CHECK(s.status(2) == TaskStatus::blocked);
  CHECK(s.blocked_by(2) == 0);
}

TEST_CASE("a retry does not start before its time") {
  auto g = graph_of("- [ ] T001 a\n");
  Scheduler s(g, {});
  CHECK(*s.start_next(0) == 0);
  s.retry(0, 10);
  CHECK_FALSE(s.start_next(5));
  CHECK(*s.next_wake(5) == 10);
  CHECK(*s.start_next(10) == 0);
}

TEST_CASE("done and other marks in the file; filters report unmet prerequisites") {
  auto g = graph_of("- [x] T001 a\n- [~] T002 b\n- [ ] T003 c\n- [ ] T004 d\n- [ ] T005 e\n");
  SchedulerOptions o;
  o.selected = {false, false, false, true, true};  // --only T004-T005; T003 is left out
  Scheduler s(g, o);
  CHECK(s.status(0) == TaskStatus::succeeded);
  CHECK(s.status(1) == TaskStatus::skipped);
  CHECK(s.status(2) == TaskStatus::excluded);
  CHECK(s.status(3) == TaskStatus::blocked);
  CHECK(s.blocked_by(3) == 2);
  CHECK(s.status(4) == TaskStatus::blocked);
  CHECK(s.done());
}

TEST_CASE("a task marked [~] holds what names it explicitly, and only that") {
  // T002 waits on T001 in words; T003 follows T001 by document order only; T004 follows
  // the [P] run of T002 and T003, and T005 names T002; the heading's group names T001.
  auto g = graph_of("## Phase 1\n- [~] T001 a\n- [ ] T002 [P] b (depends on T001)\n- [ ] T003 [P] c\n"
                    "- [ ] T004 d\n- [ ] T005 e (depends on T002)\n"
                    "### Later (depends on T001)\n- [ ] T006 f\n");
  Scheduler s(g, {});
  CHECK(s.status(0) == TaskStatus::skipped);
  CHECK(s.status(1) == TaskStatus::blocked);
  CHECK(s.blocked_by(1) == 0);
  CHECK(s.status(2) == TaskStatus::ready);
  for (int t : {3, 4, 5}) {
    CHECK(s.status(t) == TaskStatus::blocked);
    CHECK(s.blocked_by(t) == 0);
  }
  CHECK(*s.start_next(0) == 2);
  CHECK_FALSE(s.start_next(0));
  s.finish(2, TaskStatus::succeeded);
  // Reopening what the file holds does nothing: the mark is the author's.
  CHECK_FALSE(s.reopen(1));
  CHECK(s.done());
}

TEST_CASE("a task marked [~] holds what a dependency section or story prose says waits for it") {
  const std::string stories = "## Phase 1: Setup\n- [X] T001 a\n"
                              "## Phase 2: User Story 1\n- [~] T002 [US1] b\n- [ ] T003 [US1] [P] c\n- [ ] T004 [US1] [P] d\n"
                              "## Phase 3: User Story 2\n- [ ] T005 [US2] e\n"
                              "## Phase 4: User Story 3\n- [ ] T006 [US3] f\n"
                              "## Dependencies\n";
  const std::string story_prose = "- **User Story 2 (Phase 3)**: Depends on US1 being complete\n"
                                  "- **US3**: can run in parallel with US1 and US2\n";
  auto held_lines = [](const TaskGraph& g) {
    std::vector<int> lines;
    for (const Diagnostic& d : g.diagnostics())
      if (d.code == "held-by-mark") lines.push_back(d.line);
    return lines;
  };
  SUBCASE("a statement names the task") {
    auto g = graph_of(stories + "- T002 blocks T003\n");
    Scheduler s(g, {});
    CHECK(s.status(1) == TaskStatus::skipped);
    CHECK(s.status(2) == TaskStatus::blocked);
    CHECK(s.blocked_by(2) == 1);
    CHECK(s.status(3) == TaskStatus::ready);
    CHECK(held_lines(g) == std::vector<int>{5});
  }
  SUBCASE("prose makes a story wait for the story that holds it") {
    auto g = graph_of(stories + story_prose);
    Scheduler s(g, {});
    for (int t : {2, 3, 5}) CHECK(s.status(t) == TaskStatus::ready);
    CHECK(s.status(4) == TaskStatus::blocked);
    CHECK(s.blocked_by(4) == 1);
    CHECK(held_lines(g) == std::vector<int>{8});  // at the task that waits
  }
  SUBCASE("without the prose, phase order alone holds nothing back") {
    auto g = graph_of(stories);
    Scheduler s(g, {});
    for (int t : {2, 3, 4, 5}) CHECK(s.status(t) == TaskStatus::ready);  // stories do not wait for each other
    CHECK(held_lines(g).empty());
  }
}

TEST_CASE("cancel stops new starts; skip releases dependents") {
  auto g = graph_of("- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 c\n");
  Scheduler s(g, {});
  s.skip(0);
  CHECK(s.status(1) == TaskStatus::ready);
  CHECK(*s.start_next(0) == 1);
  s.cancel();
  CHECK(s.status(2) == TaskStatus::blocked);
  CHECK(s.blocked_by(2) == -1);
  s.finish(1, TaskStatus::succeeded);
  CHECK(s.status(1) == TaskStatus::succeeded);
  CHECK_FALSE(s.start_next(1));
  CHECK(s.done());
}

TEST_CASE("a deadlock reports what waits for what") {
  auto g = graph_of("- [ ] T001 a\n- [ ] T002 b\n");
  Scheduler s(g, {});
  s.hold(0);
  CHECK_FALSE(s.start_next(0));
  auto d = s.deadlock();
  REQUIRE(d);
  REQUIRE(d->waits.size() == 2);
  CHECK(d->waits[1].task == 1);
  CHECK(d->waits[1].waits_for == std::vector<int>{0});
  s.release(0);
  CHECK_FALSE(s.deadlock());
}

// --- properties ---------------------------------------------------------------------

namespace {

// A random tasks.md: phases (some story phases), groups, [P] runs, shared files,
// explicit references backwards.
std::string random_plan(std::mt19937_64& rng, int tasks) {
  std::string text;
  int id = 1;
  std::uniform_int_distribution<int> pct(0, 99);
  while (id <= tasks) {
    const int phase = id;
    text += pct(rng) < 40 ? "## Phase " + std::to_string(phase) + ": User Story " + std::to_string(phase) + "\n"
                          : "## Phase " + std::to_string(phase) + ": Work\n";
    const int groups = 1 + pct(rng) % 2;
    for (int gi = 0; gi < groups && id <= tasks; ++gi) {
      if (gi > 0) text += "### Group " + std::to_string(gi) + "\n";
      const int n = 1 + pct(rng) % 6;
      for (int k = 0; k < n && id <= tasks; ++k, ++id) {
        text += "- [ ] T" + std::to_string(1000 + id) + (pct(rng) < 60 ? " [P]" : "") + " Work on src/f" +
                std::to_string(pct(rng) % 12) + ".py";
        if (id > 3 && pct(rng) < 20) text += " (depends on T" + std::to_string(1000 + 1 + pct(rng) % (id - 1)) + ")";
        text += "\n";
      }
    }
  }
  return text;
}

// Checks a simulated run against the graph: edges, locks, the worker limit, and that
// every task ended in a final state.
void check_run(const TaskGraph& g, const SimOptions& opt, const SimReport& r) {
  const int n = g.task_count();
  std::vector<double> start(static_cast<std::size_t>(n), -1), end(static_cast<std::size_t>(n), -1);
  std::map<int, double> open;
  int running = 0, peak = 0;
  for (const SimEvent& e : r.events) {
    if (e.kind == "start") {
      ++running;
      peak = std::max(peak, running);
      start[static_cast<std::size_t>(e.task)] = e.time;
      for (int p : g.task_predecessors(e.task)) {
        const TaskState st = g.plan().tasks[static_cast<std::size_t>(p)].state;
        if (st != TaskState::pending) continue;
        REQUIRE_MESSAGE(end[static_cast<std::size_t>(p)] >= 0, "task " << e.task << " started before " << p << " ended");
        CHECK(end[static_cast<std::size_t>(p)] <= e.time + 1e-9);
      }
      for (const LockConflict& c : g.lock_conflicts())
        for (const auto& [u, since] : open) CHECK_FALSE(c.excludes(e.task, u));
      open[e.task] = e.time;
    } else if (e.kind == "finish" || e.kind == "fail") {
      --running;
      open.erase(e.task);
      if (e.kind == "finish") end[static_cast<std::size_t>(e.task)] = e.time;
    }
  }
  CHECK(peak <= opt.scheduler.workers);
  CHECK(running == 0);
  // Both bounds are bounds: no run, however lucky, beats them.
  CHECK(r.makespan + 1e-6 >= r.lower_bound);
  CHECK(r.makespan + 1e-6 >= r.tight_lower_bound);
  CHECK(r.tight_lower_bound + 1e-9 >= r.lower_bound);
  for (TaskStatus s : r.status)
    CHECK((s == TaskStatus::succeeded || s == TaskStatus::failed || s == TaskStatus::blocked ||
           s == TaskStatus::skipped || s == TaskStatus::excluded));
}

}  // namespace

TEST_CASE("property: generated graphs never break an edge, a lock or the worker limit, and terminate") {
  std::mt19937_64 rng(424242);
  for (int round = 0; round < 400; ++round) {
    const std::string text = random_plan(rng, 5 + static_cast<int>(rng() % 60));
    auto g = build_graph(parse_tasks_md(text));
    if (!g) continue;  // a random backward reference can close a cycle through a gate; fine
    SimOptions opt;
    opt.scheduler.workers = 1 + static_cast<int>(rng() % 8);
    opt.seed = rng();
    opt.random_fail_percent = static_cast<double>(rng() % 3) * 10;
    opt.scheduler.fail_fast = rng() % 5 == 0;
    StockPolicyOptions po;
    po.base_delay = 0.5;
    po.seed = rng();
    StockPolicy policy(po);
    const SimReport r = simulate(*g, opt, policy);
    INFO(text);
    check_run(*g, opt, r);
    CHECK_FALSE(r.deadlock);
    if (opt.random_fail_percent == 0)
      for (TaskStatus s : r.status) CHECK(s == TaskStatus::succeeded);
  }
}

TEST_CASE("property: the corpus on 1 to 8 workers, with and without faults") {
  std::uint64_t seed = 7;
  for (const std::string& f : test::corpus_files()) {
    INFO(f);
    auto g = build_graph(parse_tasks_md(test::slurp(f)));
    REQUIRE(g);
    for (int workers : {1, 3, 8}) {
      SimOptions opt;
      opt.scheduler.workers = workers;
      opt.seed = ++seed;
      opt.random_fail_percent = workers == 3 ? 15 : 0;
      StockPolicy policy;
      const SimReport r = simulate(*g, opt, policy);
      check_run(*g, opt, r);
      CHECK_FALSE(r.deadlock);
      if (opt.random_fail_percent == 0) CHECK(r.tight_efficiency <= 1.0 + 1e-9);
    }
  }
}

TEST_CASE("simulate: faults, the rate-limit gate and blocking are visible in the report") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c (depends on T001)\n- [ ] T004 [P] d\n");
  SimOptions opt;
  opt.scheduler.workers = 2;
  opt.durations = {10, 5, 10, 4};
  auto faults = parse_faults("T001=auth,T002=rate_limit@100");
  REQUIRE(faults);
  opt.faults = *faults;
  StockPolicy policy;
  const SimReport r = simulate(g, opt, policy);
  CHECK(r.status[0] == TaskStatus::failed);
  CHECK(r.status[2] == TaskStatus::blocked);
  CHECK(r.status[1] == TaskStatus::succeeded);
  CHECK(r.status[3] == TaskStatus::succeeded);
  // T001 (longest path) and T002 start; T002 hits a rate limit at t=5 with a reset 100 s
  // later. T004, waiting for a worker since t=0, gets one at t=5, but the gate holds it
  // until the reset too.
  double t004_start = -1, t002_restart = -1;
  for (const SimEvent& e : r.events) {
    if (e.kind == "start" && e.task == 3) t004_start = e.time;
    if (e.kind == "start" && e.task == 1 && e.attempt == 2) t002_restart = e.time;
  }
  CHECK(t004_start == doctest::Approx(105));
  CHECK(t002_restart == doctest::Approx(105));
  CHECK(r.retries == 1);
}

TEST_CASE("parse_faults rejects what it cannot read") {
  CHECK_FALSE(parse_faults("T001"));
  CHECK_FALSE(parse_faults("T001=bogus"));
  CHECK_FALSE(parse_faults("T001=network*x"));
  auto f = parse_faults("T001=network*2, *=temporary%5");
  REQUIRE(f);
  REQUIRE(f->size() == 2);
  CHECK((*f)[0].times == 2);
  CHECK((*f)[1].percent == doctest::Approx(5));
}

TEST_CASE("resources_by_task: the settings' claims by ID, label and story label, per task") {
  const Plan plan = parse_tasks_md("- [ ] T001 [P] [US1] a\n- [ ] T002 [P] [db-heavy] b\n- [ ] T003 [P] c\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> claims = {
      {"US1", {"port:3000"}}, {"db-heavy", {"db"}}, {"T001", {"db"}}};
  const auto r = resources_by_task(plan, claims);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == std::vector<std::string>{"port:3000", "db"});
  CHECK(r[1] == std::vector<std::string>{"db"});
  CHECK(r[2].empty());
  CHECK(resources_by_task(plan, {}).empty());   // no claims: the scheduler's "none"
}

TEST_CASE("AIMD: a burst of rate limits halves an agent's limit once; successes add one back, spaced") {
  AdaptiveLimit l(8);
  CHECK(l.limit() == 8);
  CHECK(l.on_rate_limit(100));
  CHECK(l.limit() == 4);
  CHECK_FALSE(l.on_rate_limit(105));  // the same burst: the attempts already running
  CHECK(l.limit() == 4);
  CHECK(l.on_rate_limit(111));        // a later 429 is news
  CHECK(l.limit() == 2);
  CHECK_FALSE(l.on_success(120));     // too soon after the decrease
  CHECK(l.on_success(141));
  CHECK(l.limit() == 3);
  CHECK_FALSE(l.on_success(150));
  CHECK(l.on_success(171));
  CHECK(l.on_success(201));
  CHECK(l.on_success(231));
  CHECK(l.limit() == 6);
  for (double t = 261; l.limit() < 8; t += 30) CHECK(l.on_success(t));
  CHECK_FALSE(l.on_success(1e6));     // never above the cap
  CHECK(l.limit() == 8);
  for (double t = 2e6; l.limit() > 1; t += 20) l.on_rate_limit(t);
  CHECK_FALSE(l.on_rate_limit(3e6));  // at least one always runs
  AdaptiveLimit off(4, {.enabled = false});
  CHECK_FALSE(off.on_rate_limit(1));
  CHECK(off.limit() == 4);
}

TEST_CASE("agent load: caps per agent, a closed gate moves tasks to a fallback, a full agent does not") {
  StockPolicy policy;
  AgentLoad load({"claude", "codex", "claude", ""}, {{"codex", 1}}, 4);
  REQUIRE(load.agents() == std::vector<std::string>{"claude", "codex"});
  CHECK(load.cap("claude") == 4);
  CHECK(load.cap("codex") == 1);
  CHECK(load.choose("claude", policy, 0) == std::optional<std::string>("claude"));
  for (int i = 0; i < 4; ++i) load.started("claude");
  CHECK_FALSE(load.choose("claude", policy, 0));  // full: it waits, it does not move
  CHECK(load.any_room(policy, 0));                // codex has room, for tasks that prefer it
  CHECK(load.choose("codex", policy, 0) == std::optional<std::string>("codex"));
  // claude hits a usage limit with a reset in 600 s: its gate closes for every task.
  Task t;
  Phase ph;
  t.id = "T001";
  policy.on_failure({&t, &ph, 1}, {FailureClass::rate_limit, "claude", 600.0, "429"}, 10);
  CHECK(load.ended("claude", true, 10) == std::optional<int>(2));
  CHECK(load.can_move("claude", policy, 10));
  CHECK(load.choose("claude", policy, 10) == std::optional<std::string>("codex"));
  load.started("codex");
  CHECK_FALSE(load.choose("claude", policy, 10));  // codex is at its cap of 1
  CHECK(load.next_gate(policy, 10) == std::optional<double>(600));
  CHECK_FALSE(load.choose("claude", policy, 600));  // the reset, but 3 still run and the limit is 2
  CHECK(load.ended("claude", false, 600) == std::optional<int>(3));  // recovering: one more
  load.ended("claude", false, 600);
  CHECK(load.running("claude") == 1);
  CHECK(load.choose("claude", policy, 600) == std::optional<std::string>("claude"));
  CHECK_FALSE(load.can_move("claude", policy, 600));
  CHECK(describe_limit("claude", 2, 4) == "claude: at most 2 of 4 workers (rate limited)");
}

namespace {

// The most attempts of `agent` ("" for any) running at once over the report's events.
int peak_running(const SimReport& r, const std::string& agent, const std::string& own = "default") {
  std::map<int, std::string> on;
  int now = 0, peak = 0;
  for (const SimEvent& e : r.events) {
    if (e.kind == "start") on[e.task] = e.detail.empty() ? own : e.detail;
    const bool counts = e.task >= 0 && (agent.empty() || on[e.task] == agent);
    if (e.kind == "start" && counts) peak = std::max(peak, ++now);
    if ((e.kind == "finish" || e.kind == "fail") && counts) --now;
  }
  return peak;
}

}  // namespace

namespace {

// Deterministic work for the equivalence test: a duration from the task's index.
double duration_of(int t) { return 1 + static_cast<double>((static_cast<std::uint64_t>(t) * 2654435761u) % 7); }

// Every decision a scheduler makes over a whole run, as a digest: the tasks in the order
// they start and when. Every 13th task is retried once, every 29th fails, a held task is
// released later: the paths that put tasks back or take them out of the ready set.
std::string decision_digest(const TaskGraph& g, SchedulerOptions opt) {
  const int n = g.task_count();
  std::uint64_t h = 1469598103934665603ULL;
  const auto mix = [&](std::uint64_t v) {
    for (int k = 0; k < 8; ++k) h = (h ^ ((v >> (8 * k)) & 0xff)) * 1099511628211ULL;
  };
  Scheduler s(g, std::move(opt));
  if (n > 5) s.hold(5);
  std::multimap<double, int> running;
  std::vector<char> retried(static_cast<std::size_t>(n), 0);
  double now = 0;
  int starts = 0;
  while (!s.done()) {
    while (auto t = s.start_next(now)) {
      mix(static_cast<std::uint64_t>(*t));
      mix(static_cast<std::uint64_t>(now * 4));
      running.emplace(now + duration_of(*t), *t);
      if (++starts == 40 && n > 5) s.release(5);
    }
    if (running.empty()) {
      if (starts < 40 && n > 5 && s.status(5) == TaskStatus::ready) {
        s.release(5);  // nothing else can start: let it go now
        continue;
      }
      const auto wake = s.next_wake(now);
      if (!wake) break;
      now = *wake;
      continue;
    }
    const auto [end, t] = *running.begin();
    running.erase(running.begin());
    now = end;
    if (t % 13 == 0 && !retried[static_cast<std::size_t>(t)]) {
      retried[static_cast<std::size_t>(t)] = 1;
      s.retry(t, now + 0.5);
    } else {
      s.finish(t, t % 29 == 28 ? TaskStatus::failed : TaskStatus::succeeded);
    }
  }
  mix(static_cast<std::uint64_t>(starts));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Generated plans where many tasks share files: one file for all, one for every tenth,
// nested folders, named resources, tasks that name nothing.
std::vector<std::pair<std::string, std::string>> shared_file_plans() {
  std::vector<std::pair<std::string, std::string>> out;
  std::uint64_t r = 12345;
  const auto next = [&] { return (r = r * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  for (int shape = 0; shape < 4; ++shape) {
    std::string text = "## Phase 1: Setup\n- [ ] T0001 Create `app/`\n## Phase 2: Work\n";
    const int n = 1500;
    for (int i = 2; i <= n; ++i) {
      const bool parallel = next() % 5 != 0;
      std::string files;
      switch (shape) {
        case 0: files = "`app/x.py` and `app/own" + std::to_string(i) + ".py`"; break;
        case 1: files = i % 10 == 0 ? "`app/shared.py`" : "`app/own" + std::to_string(i) + ".py`"; break;
        case 2: files = next() % 4 == 0 ? "`src/m" + std::to_string(next() % 5) + "/`" : "`src/m" + std::to_string(next() % 5) + "/f" + std::to_string(next() % 40) + ".py`"; break;
        default: files = next() % 6 == 0 ? "" : "`lib/f" + std::to_string(next() % 200) + ".py`"; break;
      }
      char id[16];
      std::snprintf(id, sizeof id, "T%04d", i);
      text += std::string("- [ ] ") + id + (parallel ? " [P]" : "") + " Work on " + (files.empty() ? "something" : files) + "\n";
    }
    out.emplace_back("shape" + std::to_string(shape), std::move(text));
  }
  return out;
}

}  // namespace

TEST_CASE("simulate: with a fallback agent, a closed gate moves the ready tasks instead of waiting") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n");
  // (A usage limit with a reset closes the gate; it does not shrink the concurrency,
  // which is for 429s that come without one.)
  SimOptions opt;
  opt.scheduler.workers = 2;
  opt.durations = {10, 30, 10, 10, 10};
  opt.faults = *parse_faults("T001=rate_limit@1000");
  {
    StockPolicy policy;
    const SimReport waits = simulate(g, opt, policy);  // no fallback: everything waits for the reset
    CHECK(waits.makespan > 1000);
  }
  opt.agents = {"claude", "codex"};
  opt.agent_max_workers = {{"codex", 1}};
  StockPolicy policy;
  const SimReport r = simulate(g, opt, policy);
  for (TaskStatus s : r.status) CHECK(s == TaskStatus::succeeded);
  CHECK(r.makespan < 100);  // the gate stays closed until 1010; nobody waited for it
  std::map<int, std::string> ran_on;
  for (const SimEvent& e : r.events)
    if (e.kind == "start") ran_on[e.task] = e.detail.empty() ? "claude" : e.detail;
  CHECK(ran_on[0] == "codex");  // T001's retry went to codex at once
  CHECK(ran_on[2] == "codex");
  CHECK(ran_on[3] == "codex");
  CHECK(ran_on[4] == "codex");
  CHECK(peak_running(r, "codex", "claude") == 1);  // its maxWorkers
  check_run(g, opt, r);
}

TEST_CASE("simulate: repeated 429s shrink an agent's concurrency, which then recovers") {
  std::string text;
  for (int i = 1; i <= 12; ++i) text += "- [ ] T0" + std::string(i < 10 ? "0" : "") + std::to_string(i) + " [P] task\n";
  auto g = graph_of(text);
  SimOptions opt;
  opt.scheduler.workers = 4;
  opt.durations.assign(12, 60);
  opt.faults = *parse_faults("T001=rate_limit*2,T002=rate_limit*2,T003=rate_limit,T004=rate_limit");
  StockPolicy policy;
  const SimReport r = simulate(g, opt, policy);
  for (TaskStatus s : r.status) CHECK(s == TaskStatus::succeeded);
  CHECK(r.min_limit == 1);
  // After each change, never more attempts run than the limit says.
  int limit = 4, running = 0;
  bool recovered = false;
  for (const SimEvent& e : r.events) {
    if (e.kind == "concurrency") {
      limit = std::stoi(e.detail.substr(e.detail.find("at most ") + 8));
      recovered |= e.detail.find("recovered") != std::string::npos;
    }
    if (e.kind == "start") CHECK(++running <= std::max(limit, 1));
    if (e.kind == "finish" || e.kind == "fail") --running;
  }
  CHECK(recovered);
  CHECK(limit == 4);
  opt.aimd.enabled = false;
  StockPolicy again;
  CHECK(simulate(g, opt, again).min_limit == 4);
}

TEST_CASE("simulate: the budget stop: nothing new starts, running tasks finish, the report says why") {
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n- [ ] T005 e (depends on T004)\n");
  SimOptions opt;
  opt.scheduler.workers = 2;
  opt.durations = {10, 20, 10, 10, 10};
  opt.costs = {0.5, 0.5, 0.5, 0.5, 0.5};
  opt.budget.max_cost_usd = 0.5;
  StockPolicy policy;
  const SimReport r = simulate(g, opt, policy);
  // T001 ends at 10 s and brings the run to $0.50: T002, running, finishes; nothing else starts.
  CHECK(r.status[0] == TaskStatus::succeeded);
  CHECK(r.status[1] == TaskStatus::succeeded);
  CHECK(r.status[2] == TaskStatus::blocked);
  CHECK(r.status[3] == TaskStatus::blocked);
  CHECK(r.cost_usd == doctest::Approx(1.0));
  CHECK(r.budget_reached.find("budget.maxCostUsd") != std::string::npos);
  CHECK(std::count_if(r.events.begin(), r.events.end(), [](const SimEvent& e) { return e.kind == "budget-reached"; }) == 1);
  // Per task: a task that has spent its budget is not retried.
  SimOptions per = opt;
  per.budget = {0, 0.9};
  per.faults = *parse_faults("T001=network*3");
  StockPolicy p2;
  const SimReport t = simulate(g, per, p2);
  CHECK(t.status[0] == TaskStatus::failed);  // attempt 2 brought it to $1.00 >= $0.90
  int t001_attempts = 0;
  for (const SimEvent& e : t.events) t001_attempts += e.kind == "start" && e.task == 0;
  CHECK(t001_attempts == 2);
  CHECK(t.budget_reached.empty());
}

TEST_CASE("equivalence: the scheduler's decisions on the corpus and on shared-file plans are the recorded ones") {
  // tests/data/scheduler-decisions.txt holds the digest of every run below as the
  // scheduler that walked its whole ready set made them; an index that skips locked
  // tasks must make exactly the same decisions. FLOW_WRITE_DECISIONS=1 rewrites it.
  std::vector<std::pair<std::string, std::string>> plans;
  for (const std::string& f : test::corpus_files())
    plans.emplace_back(std::filesystem::path(f).filename().string(), test::slurp(f));
  for (auto& p : shared_file_plans()) plans.push_back(std::move(p));
  std::string got;
  for (const auto& [name, text] : plans) {
    auto g = build_graph(parse_tasks_md(text));
    REQUIRE(g);
    const int n = g->task_count();
    for (int workers : {1, 2, 4, 16}) {
      for (int variant = 0; variant < 3; ++variant) {
        SchedulerOptions o;
        o.workers = workers;
        o.estimates.resize(static_cast<std::size_t>(n));
        for (int t = 0; t < n; ++t) o.estimates[static_cast<std::size_t>(t)] = duration_of(t);
        if (variant == 1) {
          o.order = ScheduleOrder::document;
          o.unknown_files_exclusive = true;
        }
        if (variant == 2) {
          o.resources.assign(static_cast<std::size_t>(n), {});
          for (int t = 0; t < n; t += 3) o.resources[static_cast<std::size_t>(t)].push_back(t % 2 ? "db" : "port:3000");
          o.fail_fast = workers == 4;
        }
        got += name + " " + std::to_string(workers) + " " + std::to_string(variant) + " " + decision_digest(*g, o) + "\n";
      }
    }
  }
  const std::string path = test::data_path("scheduler-decisions.txt");
  if (const char* w = std::getenv("FLOW_WRITE_DECISIONS"); w && std::string(w) == "1") std::ofstream(path, std::ios::binary) << got;
  const std::string want = test::slurp(path);
  // Line by line, so a failure names the plan.
  std::istringstream a(got), b(want);
  for (std::string x, y; std::getline(a, x);) {
    REQUIRE(std::getline(b, y));
    CHECK(x == y);
  }
}
