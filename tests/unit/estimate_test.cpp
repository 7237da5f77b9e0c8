// SPDX-License-Identifier: MIT
// Estimates from history, ETA ranges by list scheduling, bottlenecks.
#include <flow/estimate.hpp>
#include <flow/recovery.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_md.hpp>

#include <doctest/doctest.h>

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
  st[2] = TaskStatus::succeeded;
  CHECK(forecast(*g, st, est, elapsed, 3, 11).bottleneck.rfind("critical path: T00", 0) == 0);
}
