// SPDX-License-Identifier: MIT
// Schedule quality and speed. For every corpus file (all tasks reset to pending), seeded
// lognormal durations known exactly to the scheduler, at 2, 4 and 8 workers: flow's
// efficiency (lower bound / makespan) next to three baselines run in the same process:
// wave barriers (start a wave, wait for all of it), FIFO in document order, and random
// order; and flow's order told the estimator's durations (as `flow run` without history
// is) or unit weights instead of the true ones. Then the time per scheduling decision on
// a generated 100,000-task graph, and with 1,000 to 30,000 ready tasks waiting on one file.
#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/recovery.hpp>
#include <flow/scheduler.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "bench_util.hpp"

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

namespace {

// What the critical-path order is told of the durations: the true ones (the ideal), the
// estimator's before the run (task kind, size, files; what `flow run` gives the
// scheduler without history), or every task the same (what it gave before).
enum class Told { truth, estimator, unit };

struct Strategy {
  const char* name;
  flow::ScheduleOrder order;
  bool waves;
  Told told = Told::truth;
};

// Efficiency against the tight bound (makespan_lower_bound_tight); the simple bound
// max(critical path, work / workers) is reported beside it.
std::pair<double, double> efficiency(const flow::TaskGraph& g, const std::vector<double>& d, int workers,
                                     const Strategy& s, std::uint64_t seed) {
  flow::SimOptions o;
  o.scheduler.workers = workers;
  o.scheduler.order = s.order;
  o.scheduler.seed = seed;
  o.wave_barriers = s.waves;
  o.durations = d;
  if (s.told == Told::estimator)
    for (const flow::Estimate& e : flow::Estimator().estimate_all(g.plan())) o.scheduler.estimates.push_back(e.expected);
  else if (s.told == Told::unit)
    o.scheduler.estimates.assign(static_cast<std::size_t>(g.task_count()), 1.0);
  flow::StockPolicy p;
  const flow::SimReport r = flow::simulate(g, o, p);
  return {r.tight_efficiency, r.efficiency};
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

double p5(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(0.05 * static_cast<double>(v.size() - 1))];
}

// Many ready tasks that name one file: N [P] tasks of one phase, every one naming app/x.py
// beside its own file, against the same tasks with only their own files (the baseline).
// Only one of them runs at a time, so nearly all N wait for the file; a decision must not
// walk past them each time. A decision is a start or a finish, as above (the call that
// starts nothing is timed, not counted). With `cap` > 0 the first 100 decisions are not
// timed (the first walk finds the file held for every task) and the next `cap` are: the
// steady cost with about N waiting, in seconds even for a scheduler whose decision costs
// O(tasks waiting). With `cap` 0 the whole run is timed, the first walk included.
void parked_bench(long cap) {
  const long warmup = cap > 0 ? 100 : 0;
  if (cap > 0) std::printf("ready [P] tasks, 8 workers, decisions %ld to %ld timed:\n", warmup + 1, warmup + cap);
  else std::printf("ready [P] tasks, 8 workers, every decision of the run timed:\n");
  for (const int n : {1'000, 10'000, 30'000}) {
    double us[2] = {0, 0};
    for (const bool shared : {false, true}) {
      std::string one;
      one.reserve(static_cast<std::size_t>(n) * 48);
      one += "## Phase 1: Work\n";
      for (int i = 1; i <= n; ++i)
        one += "- [ ] T" + std::to_string(i) + " [P] Edit " + (shared ? "app/x.py and " : "") + "app/own" + std::to_string(i) + ".py\n";
      auto h = flow::build_graph(flow::parse_tasks_md(one));
      const auto dd = flow::lognormal_durations(h->task_count(), 300, 0.5, 9);
      flow::SchedulerOptions o;
      o.workers = 8;
      o.estimates = dd;
      flow::Scheduler s(*h, o);
      std::vector<std::pair<double, int>> heap;
      double now = 0;
      long decisions = 0, timed = 0;
      const long stop = cap > 0 ? warmup + cap : 1L << 62;
      auto t0 = std::chrono::steady_clock::now();
      const auto count = [&] {
        if (++decisions == warmup) t0 = std::chrono::steady_clock::now();
        if (decisions > warmup) ++timed;
      };
      while (decisions < stop) {
        while (decisions < stop) {
          const auto t = s.start_next(now);
          if (!t) break;
          heap.emplace_back(-(now + dd[static_cast<std::size_t>(*t)]), *t);
          std::push_heap(heap.begin(), heap.end());
          count();
        }
        if (heap.empty() || decisions >= stop) break;
        std::pop_heap(heap.begin(), heap.end());
        const auto [neg_end, t] = heap.back();
        heap.pop_back();
        now = -neg_end;
        s.finish(t, flow::TaskStatus::succeeded);
        count();
      }
      const double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      us[shared] = run / static_cast<double>(timed) * 1e6;
      std::printf("  %6d tasks, %-19s: %ld decisions in %.4f s: %9.2f us per decision\n", n,
                  shared ? "all naming one file" : "no file shared", timed, run, us[shared]);
    }
    std::printf("  %6d tasks: one file shared / none shared = %.1fx\n", n, us[1] / us[0]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // schedule_bench [CORPUS_DIR] [SEEDS] (a number alone is the seeds, as before)
  // schedule_bench --parked [DECISIONS]: only the decision time with tasks waiting on a file
  if (argc > 1 && std::string(argv[1]) == "--parked") {
    parked_bench(argc > 2 ? std::atol(argv[2]) : 2000);  // 0: every decision of the run
    return 0;
  }
  std::string dir = FLOW_CORPUS_DIR;
  int arg = 1;
  if (argc > arg && std::filesystem::is_directory(argv[arg])) dir = argv[arg++];
  const int seeds = argc > arg ? std::atoi(argv[arg]) : 10;
  // A file that cannot be read or whose graph flow would refuse is skipped (on stderr).
  std::vector<std::filesystem::path> files;
  std::vector<flow::TaskGraph> graphs;
  for (const auto& f : flow_bench::corpus_files(dir)) {
    auto g = flow_bench::corpus_graph(f, [](flow::Plan& plan) {
      if (std::getenv("FLOW_BENCH_NO_LOCKS"))
        for (flow::Task& t : plan.tasks) t.paths.clear();
      return true;
    });
    if (!g) continue;
    files.push_back(f);
    graphs.push_back(std::move(*g));
  }
  const Strategy strategies[] = {{"flow (critical path)", flow::ScheduleOrder::critical_path, false},
                                 {"wave barriers", flow::ScheduleOrder::document, true},
                                 {"FIFO document order", flow::ScheduleOrder::document, false},
                                 {"random order", flow::ScheduleOrder::random, false},
                                 {"flow, estimator's durs", flow::ScheduleOrder::critical_path, false, Told::estimator},
                                 {"flow, unit weights", flow::ScheduleOrder::critical_path, false, Told::unit}};
  constexpr int kStrategies = static_cast<int>(sizeof strategies / sizeof strategies[0]);
  std::printf("schedule_bench: %zu corpus files x %d seeds, lognormal durations (median 300 s, sigma 0.5)\n\n",
              files.size(), seeds);
  std::printf("efficiency = lower bound / makespan. 'tight': makespan_lower_bound_tight (phase blocks, pairs,\n"
              "file locks); 'simple': max(critical path, work / workers), which no schedule can reach on\n"
              "phased plans. The last column counts files where flow's mean is >1%% below wave barriers'.\n\n");
  std::printf("%-7s %-22s %8s %8s %8s %8s   %s\n", "workers", "strategy", "tight", "p5", "simple", "p5", ">1% worse");
  for (int workers : {2, 4, 8}) {
    std::vector<std::vector<double>> all(kStrategies), simple(kStrategies);
    std::vector<double> per_file_flow, per_file_waves;
    for (const flow::TaskGraph& g : graphs) {
      std::vector<std::vector<double>> file(kStrategies);
      for (int s = 0; s < seeds; ++s) {
        const auto d = flow::lognormal_durations(g.task_count(), 300, 0.5, 1000 + static_cast<std::uint64_t>(s));
        for (int k = 0; k < kStrategies; ++k) {
          const auto [e, plain] = efficiency(g, d, workers, strategies[k], 77 + static_cast<std::uint64_t>(s));
          all[static_cast<std::size_t>(k)].push_back(e);
          simple[static_cast<std::size_t>(k)].push_back(plain);
          file[static_cast<std::size_t>(k)].push_back(e);
        }
      }
      per_file_flow.push_back(mean(file[0]));
      per_file_waves.push_back(mean(file[1]));
    }
    for (int k = 0; k < kStrategies; ++k) {
      std::printf("%-7d %-22s %8.4f %8.4f %8.4f %8.4f", workers, strategies[k].name, mean(all[static_cast<std::size_t>(k)]),
                  p5(all[static_cast<std::size_t>(k)]), mean(simple[static_cast<std::size_t>(k)]),
                  p5(simple[static_cast<std::size_t>(k)]));
      if (k == 0) {
        int worse = 0;
        for (std::size_t f = 0; f < graphs.size(); ++f) worse += per_file_flow[f] < 0.99 * per_file_waves[f];
        std::printf("   %d", worse);
      }
      std::printf("\n");
    }
    double worst = 1e9;
    std::size_t at = 0;
    for (std::size_t f = 0; f < graphs.size(); ++f)
      if (per_file_flow[f] / per_file_waves[f] < worst) { worst = per_file_flow[f] / per_file_waves[f]; at = f; }
    std::printf("        flow / wave barriers, worst file: %.4f (%s)\n\n", worst, files[at].filename().c_str());
  }

  // Decision time: a generated 100,000-task plan, 100 phases of 1,000 tasks, two in three [P].
  std::string text;
  text.reserve(12'000'000);
  for (int phase = 0; phase < 100; ++phase) {
    text += "## Phase " + std::to_string(phase + 1) + ": Work\n";
    for (int i = 0; i < 1000; ++i) {
      const int id = phase * 1000 + i + 1;
      text += "- [ ] T" + std::to_string(id) + (i % 3 ? " [P]" : "") + " Implement part in src/m" + std::to_string(phase) +
              "/f" + std::to_string(i) + ".py\n";
    }
  }
  auto g = flow::build_graph(flow::parse_tasks_md(text));
  const auto d = flow::lognormal_durations(g->task_count(), 300, 0.5, 9);
  for (int workers : {2, 8}) {
    flow::SchedulerOptions o;
    o.workers = workers;
    o.estimates = d;
    const auto t0 = std::chrono::steady_clock::now();
    flow::Scheduler s(*g, o);
    const auto t1 = std::chrono::steady_clock::now();
    // Drive it on a virtual clock: each start and each finish is one decision.
    std::vector<std::pair<double, int>> heap;
    double now = 0;
    long decisions = 0;
    for (;;) {
      while (auto t = s.start_next(now)) {
        heap.emplace_back(-(now + d[static_cast<std::size_t>(*t)]), *t);
        std::push_heap(heap.begin(), heap.end());
        ++decisions;
      }
      if (heap.empty()) break;
      std::pop_heap(heap.begin(), heap.end());
      const auto [neg_end, t] = heap.back();
      heap.pop_back();
      now = -neg_end;
      s.finish(t, flow::TaskStatus::succeeded);
      ++decisions;
    }
    const auto t2 = std::chrono::steady_clock::now();
    const double setup = std::chrono::duration<double>(t1 - t0).count();
    const double run = std::chrono::duration<double>(t2 - t1).count();
    std::printf("100,000 tasks, %d workers: %.3f s to set up, %ld decisions in %.3f s: %.2f us per decision\n", workers,
                setup, decisions, run, run / static_cast<double>(decisions) * 1e6);
  }
  parked_bench(2000);
  return 0;
}
