// SPDX-License-Identifier: MIT
// Estimates from history, ETA ranges by list scheduling, bottlenecks.
#include <flow/estimate.hpp>
#include <flow/recovery.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>

using namespace flow;

namespace {

TaskGraph graph_of(const std::string& text) {
  auto g = build_graph(parse_tasks_md(text));
  REQUIRE(g);
  return std::move(*g);
}

}  // namespace

TEST_CASE("the most specific history wins") {
  const Plan plan = parse_tasks_md("## Phase 1: Setup\n- [ ] T001 a in x.py\n- [ ] T002 [P] [US1] b\n- [ ] T003 c in y.py and z.py\n"
                                   "- [ ] T004 d\n");
  std::vector<HistoryEntry> h = {
      {"T001", PhaseKind::setup, {}, 1, 100}, {"T001", PhaseKind::setup, {}, 1, 140}, {"T001", PhaseKind::setup, {}, 1, 120},
      {"T900", PhaseKind::setup, {"US1"}, 0, 600}, {"T901", PhaseKind::polish, {}, 2, 50}};
  Estimator e(h, 300);
  const Estimate t1 = e.estimate(plan, 0);
  CHECK(t1.basis == "task");
  CHECK(t1.expected == doctest::Approx(120));
  CHECK(t1.low == doctest::Approx(110));
  CHECK(t1.high == doctest::Approx(130));
  CHECK(e.estimate(plan, 1).basis == "phase+label");
  CHECK(e.estimate(plan, 1).expected == doctest::Approx(600));
  CHECK(e.estimate(plan, 2).basis == "phase");
  Estimator none({}, 300);
  const Estimate d = none.estimate(plan, 3);
  CHECK(d.basis == "default");
  CHECK(d.expected == 300);
  CHECK(d.low == 150);
  CHECK(d.high == 600);
  Estimator files({{"T901", PhaseKind::polish, {}, 2, 50}}, 300);
  CHECK(files.estimate(plan, 2).basis == "files");
}

TEST_CASE("ETA is a list-scheduled range, not a velocity extrapolation") {
  // Two chains of two tasks: on 2 workers 2 units, on 1 worker 4.
  auto g = graph_of("- [ ] T001 [P] a\n- [ ] T002 [P] b\n## Dependencies\n- T001 → T003\n- T002 → T004\n"
                    "## Phase 2\n- [ ] T003 [P] c\n- [ ] T004 [P] d\n");
  std::vector<TaskStatus> st(4, TaskStatus::waiting);
  std::vector<Estimate> est(4, Estimate{10, 5, 20, 20, "default"});
  const EtaRange two = eta(g, st, est, {}, 2);
  CHECK(two.low == doctest::Approx(10));
  CHECK(two.expected == doctest::Approx(20));
  CHECK(two.high == doctest::Approx(40));
  CHECK(eta(g, st, est, {}, 1).expected == doctest::Approx(40));
  // Half-way: T001 done, T002 running for 4 s.
  st = {TaskStatus::succeeded, TaskStatus::running, TaskStatus::ready, TaskStatus::waiting};
  const EtaRange mid = eta(g, st, est, {{1, 4.0}}, 2);
  CHECK(mid.expected == doctest::Approx(16));  // T002: 6 more, then T004: 10; T003 alongside
  CHECK(mid.low <= mid.expected);
  CHECK(mid.expected <= mid.high);
}

TEST_CASE("bottlenecks: the remaining critical path and overdue tasks") {
  auto g = graph_of("- [ ] T001 a\n- [ ] T002 b\n- [ ] T003 [P] c\n");
  std::vector<TaskStatus> st = {TaskStatus::succeeded, TaskStatus::running, TaskStatus::ready};
  std::vector<Estimate> est(3, Estimate{10, 5, 20, 15, "default"});
  const Bottlenecks b = bottlenecks(g, st, est, {{1, 16.0}});
  CHECK(b.overdue == std::vector<int>{1});
  CHECK(b.critical_path.front() == 1);
  CHECK(bottlenecks(g, st, est, {{1, 3.0}}).overdue.empty());
}

TEST_CASE("the tight bound: phase blocks add up, pairs share a worker, a file is one machine") {
  // Two phases of three equal tasks on two workers: each phase needs two rounds.
  auto g = graph_of("## Phase 1\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n- [ ] T003 [P] c\n"
                    "## Phase 2\n- [ ] T004 [P] d\n- [ ] T005 [P] e\n- [ ] T006 [P] f\n");
  const std::vector<double> d(6, 10);
  CHECK(g.makespan_lower_bound(d, 2) == doctest::Approx(30));  // max(20, 60 / 2)
  CHECK(makespan_lower_bound_tight(g, d, 2) == doctest::Approx(40));
  CHECK(list_schedule_makespan(g, d, 2) == doctest::Approx(40));
  // Three [P] tasks on one file with a chain before: head + sum.
  auto f = graph_of("- [ ] T001 a\n- [ ] T002 [P] Edit x.py\n- [ ] T003 [P] Edit x.py\n- [ ] T004 [P] Edit x.py\n");
  CHECK(makespan_lower_bound_tight(f, std::vector<double>{5, 10, 10, 10}, 4) == doctest::Approx(35));
  // Parallel stories form one block; with sequential stories each is its own.
  const std::string stories = "## Phase 1: Setup\n- [ ] T001 a\n## Phase 2: User Story 1\n- [ ] T002 [US1] b\n"
                              "## Phase 3: User Story 2\n- [ ] T003 [US2] c\n";
  auto par = graph_of(stories);
  CHECK(makespan_lower_bound_tight(par, std::vector<double>{1, 10, 10}, 2) == doctest::Approx(11));
  GraphOptions seq;
  seq.stories_parallel = false;
  auto sq = build_graph(parse_tasks_md(stories), seq);
  REQUIRE(sq);
  CHECK(makespan_lower_bound_tight(*sq, std::vector<double>{1, 10, 10}, 2) == doctest::Approx(21));
  // A phase entirely done lets the next start at once.
  auto done = graph_of("## Phase 1\n- [ ] T001 a\n## Phase 2\n- [x] T002 b\n## Phase 3\n- [ ] T003 c\n");
  CHECK(makespan_lower_bound_tight(done, std::vector<double>{10, 10, 10}, 2) == doctest::Approx(10));
}

// justincranford/cryptoutil specs/002: a heading task naming `internal/shared/crypto/jose/`
// and `internal/shared/crypto/jose/*.go` (one lock root) was counted twice on that root's
// machine, and the "lower bound" came out above the makespan of a plain chain.
TEST_CASE("the tight bound: a task naming one lock root twice takes its time once") {
  auto g = graph_of("- [ ] T001 Move `src/jose/` and `src/jose/*.go`\n- [ ] T002 Test `src/jose/` again\n");
  const std::vector<double> d{10, 5};
  CHECK(list_schedule_makespan(g, d, 1) == doctest::Approx(15));
  CHECK(makespan_lower_bound_tight(g, d, 1) == doctest::Approx(15));
}

TEST_CASE("learned estimates: a finished task informs similar pending ones most") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 Init in a.py\n- [ ] T002 [P] Config in b.py\n"
                                      "- [ ] T003 [P] Lint in c.py\n## Phase 3: User Story 1 (P1)\n"
                                      "- [ ] T004 [US1] Model in m.py\n- [ ] T005 [P] [US1] View in v.py\n"));
  REQUIRE(g);
  const std::vector<Estimate> prior = Estimator().estimate_all(g->plan());
  std::vector<TaskStatus> st(5, TaskStatus::waiting);
  std::vector<double> secs(5, 0);
  // Nothing measured: the prior as it is.
  auto e = learn_estimates(*g, prior, st, secs);
  CHECK(e[1].expected == doctest::Approx(300));
  // One setup task took 10 s, one story task 100 s.
  st[0] = st[3] = TaskStatus::succeeded;
  secs[0] = 10;
  secs[3] = 100;
  e = learn_estimates(*g, prior, st, secs);
  CHECK(e[1].basis == "run");
  CHECK(e[1].expected < 40);            // like the setup task beside it
  CHECK(e[4].expected > std::sqrt(10.0 * 100));   // nearer the story task beside it
  CHECK(e[1].expected < std::sqrt(10.0 * 100));
  CHECK(e[1].low < e[1].expected);
  CHECK(e[1].expected < e[1].high);
  CHECK(e[0].expected == doctest::Approx(300));   // a finished task keeps its prior
}

TEST_CASE("learned estimates: a running task counts as at least what it has run") {
  // Four similar tasks: two finished in 60 s, two have run 600 s and are still running.
  // The ones still running say the work is longer than the two that finished first.
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 [P] One in a.py\n- [ ] T002 [P] Two in b.py\n"
                                      "- [ ] T003 [P] Three in c.py\n- [ ] T004 [P] Four in d.py\n- [ ] T005 Five in e.py\n"));
  REQUIRE(g);
  const std::vector<Estimate> prior = Estimator().estimate_all(g->plan());
  std::vector<TaskStatus> st{TaskStatus::succeeded, TaskStatus::succeeded, TaskStatus::running, TaskStatus::running,
                             TaskStatus::waiting};
  const std::vector<double> secs{60, 60, 0, 0, 0};
  const auto blind = learn_estimates(*g, prior, st, secs);
  const auto seeing = learn_estimates(*g, prior, st, secs, {{2, 600}, {3, 600}});
  CHECK(blind[4].expected == doctest::Approx(60).epsilon(0.05));
  CHECK(seeing[4].expected > 2 * blind[4].expected);
  // Nothing finished yet, but everything runs far past the default: the estimate rises.
  std::vector<TaskStatus> early{TaskStatus::running, TaskStatus::running, TaskStatus::running, TaskStatus::running,
                                TaskStatus::waiting};
  const auto none = learn_estimates(*g, prior, early, std::vector<double>(5, 0), {{0, 1800}, {1, 1800}, {2, 1800}, {3, 1800}});
  CHECK(none[4].expected > 1800);
  // A moment of running says nothing: the estimate stays the prior.
  const auto moment = learn_estimates(*g, prior, early, std::vector<double>(5, 0), {{0, 0.5}});
  CHECK(moment[4].expected == doctest::Approx(300));
}

TEST_CASE("learned estimates: history's phase levels are kept when its task-by-task differences are chance") {
  // History: setup tasks took about 20 s, story tasks about 400 s, each with a large
  // task-by-task scatter that this run does not repeat.
  const std::string md = "## Phase 1: Setup\n- [ ] T001 [P] A in a.py\n- [ ] T002 [P] B in b.py\n- [ ] T003 [P] C in c.py\n"
                         "- [ ] T004 [P] D in d.py\n## Phase 3: User Story 1 (P1)\n- [ ] T005 [US1] E in e.py\n"
                         "- [ ] T006 [P] [US1] F in f.py\n";
  auto g = build_graph(parse_tasks_md(md));
  REQUIRE(g);
  std::vector<HistoryEntry> h;
  const double before[] = {5, 80, 10, 40, 100, 1600};
  for (int t = 0; t < 6; ++t) {
    const Task& task = g->plan().tasks[static_cast<std::size_t>(t)];
    h.push_back({task.id, g->plan().phases[static_cast<std::size_t>(task.phase)].kind, task.labels, 1, before[t]});
  }
  const std::vector<Estimate> prior = Estimator(h).estimate_all(g->plan());
  std::vector<TaskStatus> st{TaskStatus::succeeded, TaskStatus::succeeded, TaskStatus::succeeded, TaskStatus::succeeded,
                             TaskStatus::waiting, TaskStatus::waiting};
  // This run: every setup task took 20 s, whatever it took before.
  const auto e = learn_estimates(*g, prior, st, std::vector<double>{20, 20, 20, 20, 0, 0});
  // The story tasks stay far above the setup level (about 400 s, the phase's level) and
  // closer together than their history (100 s and 1600 s).
  CHECK(e[4].expected > 150);
  CHECK(e[5].expected > 150);
  CHECK(e[5].expected / e[4].expected < 16.0 / 2);
}

TEST_CASE("learned estimates: size and history weighed together, as far as the run bears each out") {
  // History of one earlier run: task-by-task durations that this run shows were chance.
  // This run: the tasks that name three files take four times as long as those that
  // name one. Of the two pending tasks, history says the one-file task is the long one.
  std::string md = "## Phase 1: Setup\n";
  for (int t = 1; t <= 14; ++t) {
    const bool big = t % 2 == 0;
    md += fmt::format("- [ ] T{:03} [P] Task {} in {}\n", t, t,
                      big ? fmt::format("a{0}.py, b{0}.py, c{0}.py", t) : fmt::format("a{}.py", t));
  }
  auto g = build_graph(parse_tasks_md(md));
  REQUIRE(g);
  const double before[] = {5, 80, 10, 40, 100, 20, 60, 10, 30, 200, 15, 50, 400, 5};
  std::vector<HistoryEntry> h;
  for (int t = 0; t < 14; ++t) {
    const Task& task = g->plan().tasks[static_cast<std::size_t>(t)];
    h.push_back({task.id, g->plan().phases[static_cast<std::size_t>(task.phase)].kind, task.labels,
                 static_cast<int>(task.paths.size()), before[t]});
  }
  const std::vector<Estimate> prior = Estimator(h).estimate_all(g->plan());
  std::vector<TaskStatus> st(14, TaskStatus::succeeded);
  st[12] = st[13] = TaskStatus::waiting;
  std::vector<double> secs(14, 0);
  for (int t = 0; t < 12; ++t) secs[static_cast<std::size_t>(t)] = t % 2 == 1 ? 80 : 20;
  const auto e = learn_estimates(*g, prior, st, secs);
  // Size, which the run bears out, outweighs history's scatter, which it does not.
  CHECK(e[13].expected > e[12].expected);
  CHECK(e[12].expected < 80);
  CHECK(e[13].expected > 20);
  // Told nothing by this run, history stands as it is.
  const auto blind = learn_estimates(*g, prior, std::vector<TaskStatus>(14, TaskStatus::waiting), std::vector<double>(14, 0));
  CHECK(blind[12].expected == doctest::Approx(400));
  CHECK(blind[13].expected == doctest::Approx(5));
}

TEST_CASE("learned estimates: history's differences count as far as they exceed chance") {
  // History of one earlier run: setup tasks took about 20 s and story tasks about 400 s
  // (far beyond what one run's chance could make of them), but within each phase the
  // tasks differ by no more than chance (0.8x to 1.25x).
  std::string md = "## Phase 1: Setup\n";
  for (int t = 1; t <= 6; ++t) md += fmt::format("- [ ] T{:03} [P] Setup step {} in s{}.py\n", t, t, t);
  md += "## Phase 3: User Story 1 (P1)\n";
  for (int t = 7; t <= 12; ++t) md += fmt::format("- [ ] T{:03} [P] [US1] Story step {} in u{}.py\n", t, t, t);
  auto g = build_graph(parse_tasks_md(md));
  REQUIRE(g);
  const double before[] = {16, 25, 16, 25, 16, 25, 320, 500, 320, 500, 320, 500};
  std::vector<HistoryEntry> h;
  for (int t = 0; t < 12; ++t) {
    const Task& task = g->plan().tasks[static_cast<std::size_t>(t)];
    h.push_back({task.id, g->plan().phases[static_cast<std::size_t>(task.phase)].kind, task.labels, 1, before[t]});
  }
  const std::vector<Estimate> prior = Estimator(h).estimate_all(g->plan());
  CHECK(prior[6].samples == 1);
  std::vector<TaskStatus> st(12, TaskStatus::waiting);
  st[0] = TaskStatus::succeeded;
  std::vector<double> secs(12, 0);
  secs[0] = 20;
  const auto e = learn_estimates(*g, prior, st, secs);
  // Within a phase, history's chance is not taken for a difference between tasks ...
  CHECK(e[7].expected / e[6].expected == doctest::Approx(1).epsilon(0.02));
  CHECK(e[2].expected / e[1].expected == doctest::Approx(1).epsilon(0.02));
  // ... while the phases' difference, far beyond chance, stands.
  CHECK(e[6].expected > 10 * e[1].expected);
  // Three earlier runs that repeat the same differences: no longer chance.
  std::vector<HistoryEntry> h3;
  for (double f : {0.95, 1.0, 1.05})
    for (HistoryEntry x : h) {
      x.seconds *= f;
      h3.push_back(x);
    }
  const std::vector<Estimate> prior3 = Estimator(h3).estimate_all(g->plan());
  CHECK(prior3[6].samples == 3);
  const auto e3 = learn_estimates(*g, prior3, st, secs);
  CHECK(e3[7].expected / e3[6].expected > 1.3);
}

TEST_CASE("forecast: a range around the median finish, the finish itself when all is done") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 [P] Two in a.py\n- [ ] T003 [P] Three in b.py\n"));
  REQUIRE(g);
  std::vector<Estimate> est(3, Estimate{10, 5, 20, 20, "run"});
  std::vector<TaskStatus> st{TaskStatus::succeeded, TaskStatus::running, TaskStatus::waiting};
  const std::map<int, double> elapsed{{1, 4}};
  const Forecast f = forecast(*g, st, est, elapsed, 1, 14);
  CHECK(f.low <= f.expected);
  CHECK(f.expected <= f.high);
  CHECK(f.low > 14);
  CHECK(f.expected == doctest::Approx(14 + 6 + 10).epsilon(0.2));
  CHECK(f.bottleneck == "1 ready, 1 worker");   // T003 waits for the one worker
  const Forecast again = forecast(*g, st, est, elapsed, 1, 14);
  CHECK(again.expected == f.expected);           // deterministic
  std::vector<TaskStatus> done(3, TaskStatus::succeeded);
  const Forecast end = forecast(*g, done, est, {}, 1, 30);
  CHECK(end.expected == 30);
  CHECK(end.high == 30);
}

TEST_CASE("the ETA trace never sees the durations of what has not finished") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 Two\n- [ ] T003 Three\n- [ ] T004 Four\n"));
  REQUIRE(g);
  const std::vector<Estimate> prior = Estimator().estimate_all(g->plan());
  SimOptions o;
  o.scheduler.workers = 1;
  o.durations = {10, 20, 30, 40};
  StockPolicy p1;
  const SimReport a = simulate(*g, o, p1);
  o.durations = {10, 20, 300, 4000};   // the same past, another future
  StockPolicy p2;
  const SimReport b = simulate(*g, o, p2);
  const auto ta = eta_trace(*g, a, prior, 1), tb = eta_trace(*g, b, prior, 1);
  REQUIRE(ta.size() == 4);
  REQUIRE(tb.size() == 4);
  for (std::size_t k = 0; k < 2; ++k) {
    CHECK(ta[k].time == tb[k].time);
    CHECK(ta[k].forecast.expected == tb[k].forecast.expected);
    CHECK(ta[k].forecast.low == tb[k].forecast.low);
  }
  CHECK(ta[0].done == 1);
  CHECK(ta[0].total == 4);
  CHECK(ta[3].forecast.expected == doctest::Approx(100));   // all done: the finish itself
  CHECK(ta[2].forecast.expected != tb[2].forecast.expected);
}

TEST_CASE("eta_trace names a closed rate-limit gate and a held resource") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 [P] One in a.py\n- [ ] T002 [P] Two in b.py\n"
                                      "- [ ] T003 [P] Three in c.py\n"));
  REQUIRE(g);
  const std::vector<Estimate> prior = Estimator().estimate_all(g->plan());
  SimOptions o;
  o.scheduler.workers = 2;
  o.durations = {10, 20, 5};
  auto faults = parse_faults("T001=rate_limit@100");
  REQUIRE(faults);
  o.faults = *faults;
  StockPolicy p1;
  const SimReport r = simulate(*g, o, p1);
  // T001 and T002 start; T001 hits the limit at 10 (the gate closes until 110); T002
  // finishes at 20 with two ready tasks and two free workers, held by the gate.
  const auto trace = eta_trace(*g, r, prior, 2);
  REQUIRE(trace.size() == 3);
  CHECK(trace[0].time == doctest::Approx(20));
  CHECK(trace[0].forecast.bottleneck == "rate-limit gate closed (T001 hit the limit)");
  CHECK(trace[1].forecast.bottleneck.find("gate") == std::string::npos);   // reopened: both ran

  // T001 and T002 claim one database: T001 (the longest) starts with T003; when T003
  // finishes at 5, T002 waits for the database while a worker is free.
  SimOptions q;
  q.scheduler.workers = 3;
  q.durations = {20, 10, 5};
  q.scheduler.resources = {{"db"}, {"db"}, {}};
  StockPolicy p2;
  const SimReport rr = simulate(*g, q, p2);
  const auto held = eta_trace(*g, rr, prior, 3, {}, q.scheduler.resources);
  REQUIRE(held.size() == 3);
  CHECK(held[0].time == doctest::Approx(5));
  CHECK(held[0].forecast.bottleneck == "T002 waits for resource db (held by T001)");
  CHECK(eta_trace(*g, rr, prior, 3)[0].forecast.bottleneck.find("resource") == std::string::npos);
}

TEST_CASE("the ETA schedules each task once when a finished task made it ready") {
  // A regression: a task whose prerequisites were all finished was queued twice (by the
  // finished task, and again as ready at the start), so the ETA counted it twice.
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 [P] Two in a.py\n- [ ] T003 [P] Three in b.py\n"));
  REQUIRE(g);
  std::vector<Estimate> est(3, Estimate{10, 10, 10, 20, "run"});
  std::vector<TaskStatus> st{TaskStatus::succeeded, TaskStatus::running, TaskStatus::waiting};
  const EtaRange r = eta(*g, st, est, {{1, 4}}, 1);
  CHECK(r.expected == doctest::Approx(16));
}

TEST_CASE("bottlenecks named: too few workers, a file lock, the critical path") {
  auto g = build_graph(parse_tasks_md("## Phase 1: Setup\n- [ ] T001 One\n- [ ] T002 [P] Two in a.py\n"
                                      "- [ ] T003 [P] Three in a.py\n- [ ] T004 [P] Four in b.py\n"));
  REQUIRE(g);
  std::vector<Estimate> est(4, Estimate{10, 5, 20, 20, "run"});
  std::vector<TaskStatus> st{TaskStatus::succeeded, TaskStatus::running, TaskStatus::waiting, TaskStatus::running};
  const std::map<int, double> elapsed{{1, 1}, {3, 1}};
  CHECK(forecast(*g, st, est, elapsed, 2, 11).bottleneck == "1 ready, 2 workers");
  CHECK(forecast(*g, st, est, elapsed, 3, 11).bottleneck == "T003 waits for a.py (held by T002)");
  CHECK(forecast(*g, st, est, elapsed, 3, 11, "a closed rate-limit gate").bottleneck == "a closed rate-limit gate");
  // A named resource (a database) a running task holds: T004 is free of file locks but
  // claims "db", which T002 holds.
  st[2] = TaskStatus::succeeded;
  st[3] = TaskStatus::waiting;
  const std::vector<std::vector<std::string>> res{{}, {"db"}, {}, {"port:3000", "db"}};
  CHECK(forecast(*g, st, est, {{1, 1}}, 3, 11, {}, 0, res).bottleneck == "T004 waits for resource db (held by T002)");
  CHECK(forecast(*g, st, est, {{1, 1}}, 3, 11).bottleneck.rfind("critical path: ", 0) == 0);   // without them: unseen
  st[2] = TaskStatus::waiting;
  st[3] = TaskStatus::running;
  st[2] = TaskStatus::succeeded;
  CHECK(forecast(*g, st, est, elapsed, 3, 11).bottleneck.rfind("critical path: T00", 0) == 0);
}
