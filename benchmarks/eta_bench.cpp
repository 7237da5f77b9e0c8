// SPDX-License-Identifier: MIT
// How right the ETA is. For every corpus file (all tasks reset to pending) and several
// models of true durations, a simulated run on 4 workers is replayed; when 25%, 50% and
// 75% of its tasks are done, the forecast a live run would show then (it sees only the
// durations of what has finished, and starts from flow's default of 5 minutes a task,
// as a first run without history does; or from the journal of one earlier run of the
// same tasks; or of another feature's run, whose tasks count by kind only) is compared with the real finish: the median
// absolute relative error of the predicted remaining time, and how often the 80% range
// (10th to 90th percentile) held the real finish. The named critical path is checked
// against the true one (from the true remaining durations) at the same moments. For
// reference, the same forecast is also told the true durations, and told the model
// (each task's median and spread) without the draws. To say where the estimator's error
// comes from, its bias (first run, one earlier run) and its error when its journal holds
// the model's shape itself (each task's true median relative to the others, as from many
// runs) are printed per model at the end.
// usage: eta_bench [CORPUS_DIR] [SEEDS] [FIRST_SEED] (seeds FIRST_SEED.. FIRST_SEED+SEEDS-1; 1 by default)
#include <flow/estimate.hpp>
#include <flow/graph.hpp>
#include <flow/recovery.hpp>
#include <flow/simulate.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include "bench_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

std::uint64_t mix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t& s) { return static_cast<double>(mix(s) >> 11) * 0x1.0p-53; }
double normal(std::uint64_t& s) {
  const double u1 = std::max(uniform(s), 1e-300), u2 = uniform(s);
  return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

bool is_test(const flow::Task& t) {
  std::string d = t.description;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return d.find("test") != std::string::npos;
}

// One run's true durations, and what a forecaster told the model itself would know
// before the run: each task's median and the spread of log(duration) around it.
struct Truth {
  std::vector<double> durations, medians;
  double sigma = 0;
  double pace = 1;  // the run-wide factor in `medians`: what a live forecast must learn
};

// The spread of log(pace) from run to run.
constexpr double kPaceSigma = 0.8;

struct Model {
  const char* name;
  bool faults;
  // True durations of one run: seeded; a run-wide scale the estimator does not know.
  Truth (*durations)(const flow::TaskGraph&, std::uint64_t seed);
};

double kind_median(const flow::TaskGraph& g, const flow::Task& t) {
  switch (g.plan().phases[static_cast<std::size_t>(t.phase)].kind) {
    case flow::PhaseKind::setup: return 40;
    case flow::PhaseKind::foundational: return 120;
    case flow::PhaseKind::user_story: return is_test(t) ? 90 : 200;
    case flow::PhaseKind::polish: return 60;
    default: return 150;
  }
}

Truth lognormal_by_kind(const flow::TaskGraph& g, std::uint64_t seed) {
  std::uint64_t s = seed;
  const double scale = std::exp(kPaceSigma * normal(s));   // this run's pace: agent, model, machine
  Truth r;
  r.pace = scale;
  r.sigma = 0.5;
  for (const flow::Task& t : g.plan().tasks) {
    r.medians.push_back(scale * kind_median(g, t));
    r.durations.push_back(r.medians.back() * std::exp(r.sigma * normal(s)));
  }
  return r;
}

Truth heavy_tailed(const flow::TaskGraph& g, std::uint64_t seed) {
  std::uint64_t s = seed;
  const double scale = std::exp(kPaceSigma * normal(s));
  Truth r;
  r.pace = scale;
  r.sigma = 1 / 1.8;   // log of a Pareto variable is exponential: this is its spread
  // Pareto, shape 1.8: most tasks short, a few very long.
  for (std::size_t t = 0; t < g.plan().tasks.size(); ++t) {
    r.medians.push_back(scale * 60 * std::pow(2.0, 1 / 1.8));
    r.durations.push_back(scale * 60 * std::pow(std::max(uniform(s), 1e-12), -1 / 1.8));
  }
  return r;
}

Truth by_size(const flow::TaskGraph& g, std::uint64_t seed) {
  std::uint64_t s = seed;
  const double scale = std::exp(kPaceSigma * normal(s));
  Truth r;
  r.pace = scale;
  r.sigma = 0.3;
  for (const flow::Task& t : g.plan().tasks) {
    r.medians.push_back(scale * (30 + 60 * static_cast<double>(t.paths.size()) + 0.4 * static_cast<double>(t.description.size())));
    r.durations.push_back(r.medians.back() * std::exp(r.sigma * normal(s)));
  }
  return r;
}

// What a forecast told the model's shape knows (each task's median relative to the
// others, and the spread) when it must learn the run's pace as a live run does: from the
// tasks that finished and, as censored measurements, from the running ones (each has
// taken at least its elapsed time). The pace is the posterior mean of log(pace) under
// the model's prior, found by expectation-maximisation (a running task's log-ratio is
// replaced by its expectation beyond its cut); the estimates carry the pace's remaining
// doubt as the part of their spread that all tasks share.
std::vector<flow::Estimate> told_shape(const Truth& truth, const std::vector<double>& durations,
                                       const std::vector<bool>& finished, const std::vector<double>& elapsed) {
  const double s2 = truth.sigma * truth.sigma, prior = kPaceSigma * kPaceSigma;
  std::vector<double> rel(truth.medians.size());
  for (std::size_t t = 0; t < rel.size(); ++t) rel[t] = truth.medians[t] / truth.pace;
  double mu = 0;
  int n = 0;
  for (int round = 0; round < 30; ++round) {
    double sum = 0;
    n = 0;
    for (std::size_t t = 0; t < rel.size(); ++t) {
      if (finished[t]) {
        sum += std::log(durations[t] / rel[t]);
      } else if (elapsed[t] > 0) {
        const double a = (std::log(elapsed[t] / rel[t]) - mu) / truth.sigma;
        const double tail = std::max(0.5 * std::erfc(a / std::sqrt(2.0)), 1e-300);
        sum += mu + truth.sigma * std::exp(-0.5 * a * a) / std::sqrt(2 * 3.141592653589793) / tail;
      } else {
        continue;
      }
      ++n;
    }
    mu = sum / (n + s2 / prior);
  }
  const double doubt = 1 / (n / s2 + 1 / prior);  // the variance of log(pace) left
  const double spread = std::sqrt(s2 + doubt);
  std::vector<flow::Estimate> out(rel.size());
  for (std::size_t t = 0; t < rel.size(); ++t) {
    const double md = rel[t] * std::exp(mu);
    out[t] = flow::Estimate{md, md * std::exp(-1.2816 * spread), md * std::exp(1.2816 * spread), md * std::exp(1.2816 * spread),
                            "shape", std::sqrt(doubt)};
  }
  return out;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : FLOW_CORPUS_DIR;
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 4;
  const int first_seed = argc > 3 ? std::atoi(argv[3]) : 1;
  constexpr int kWorkers = 4;
  // A file that cannot be read or whose graph flow would refuse is skipped (on stderr).
  std::vector<flow::TaskGraph> graphs;
  for (const auto& f : flow_bench::corpus_files(dir)) {
    // Too few completions to look at 25%: left out, as chosen, not as a bad file.
    auto g = flow_bench::corpus_graph(f, [](const flow::Plan& plan) { return plan.tasks.size() >= 8; });
    if (g) graphs.push_back(std::move(*g));
  }
  const Model models[] = {{"lognormal per task kind", false, lognormal_by_kind},
                          {"heavy-tailed (Pareto 1.8)", false, heavy_tailed},
                          {"correlated with task size", false, by_size},
                          {"per kind, 10% attempts fail", true, lognormal_by_kind}};
  const double fractions[] = {0.25, 0.5, 0.75};
  std::printf("eta_bench: %zu corpus files (8+ tasks) x %d seeds (from %d), %d workers\n\n",
              graphs.size(), seeds, first_seed, kWorkers);
  std::printf("%-30s %6s %12s %12s %12s %12s %12s %12s\n", "duration model", "done", "median err", "80% range", "crit. path",
              "true durs", "told model", "told shape");
  std::map<int, std::vector<double>> all_err, all_floor, all_live;
  // Per model, at 50% done: the estimator's median error and the floor told the model,
  // over both cases (first run and with history), for the verdicts printed at the end.
  struct Half {
    std::vector<double> err, floor, live;
  };
  std::map<std::string, Half> at_half;
  std::map<int, std::pair<int, int>> all_cover;   // over both the first runs and the runs with history
  std::map<int, std::vector<double>> other_err;    // with another feature's history, apart
  // Per model and fraction: the estimator's log(predicted / true remaining time) in a
  // first run and with one earlier run, and its error when told the shape as history.
  struct Gap {
    std::map<int, std::vector<double>> bias_first, bias_history, shape_err;
  };
  std::map<std::string, Gap> gaps;
  std::map<int, std::pair<int, int>> other_cover;
  // What the journal holds: nothing; one earlier run of the same tasks; or one run of
  // another feature (the next corpus file, another pace), whose tasks count only by kind.
  enum class History { none, same_tasks, other_feature };
  for (const History history : {History::none, History::same_tasks, History::other_feature})
  for (const Model& m : models) {
    if (&m == &models[0])
      std::printf("%s\n", history == History::none         ? "first run: no history"
                          : history == History::same_tasks ? "with the history of one earlier run (the journal)"
                                                           : "with the history of another feature's run (the journal)");
    std::map<int, std::vector<double>> err;
    std::map<int, std::pair<int, int>> cover, path;
    std::map<int, std::vector<double>> oracle, floor_err, live_floor;
    for (std::size_t gi = 0; gi < graphs.size(); ++gi) {
      const flow::TaskGraph& g = graphs[gi];
      for (int seed = first_seed; seed < first_seed + seeds; ++seed) {
        std::vector<flow::Estimate> prior = flow::Estimator().estimate_all(g.plan());
        if (history == History::other_feature) {
          // Another feature's run: another corpus file, its own seed and pace; by kind only.
          const std::size_t oi = (gi + 1) % graphs.size();
          const flow::Plan& op = graphs[oi].plan();
          const std::vector<double> before = m.durations(graphs[oi], static_cast<std::uint64_t>(seed) * 104729 + oi + 7).durations;
          std::vector<flow::HistoryEntry> h;
          for (std::size_t t = 0; t < before.size(); ++t) {
            const flow::Task& task = op.tasks[t];
            h.push_back({"", op.phases[static_cast<std::size_t>(task.phase)].kind, task.labels, static_cast<int>(task.paths.size()),
                         before[t]});
          }
          prior = flow::Estimator(std::move(h)).estimate_all(g.plan());
        }
        if (history == History::same_tasks) {
          // The journal of an earlier run of the same tasks (another seed, another pace).
          const std::vector<double> before = m.durations(g, static_cast<std::uint64_t>(seed) * 104729 + gi + 1).durations;
          std::vector<flow::HistoryEntry> h;
          for (std::size_t t = 0; t < before.size(); ++t) {
            const flow::Task& task = g.plan().tasks[t];
            h.push_back({task.id, g.plan().phases[static_cast<std::size_t>(task.phase)].kind, task.labels,
                         static_cast<int>(task.paths.size()), before[t]});
          }
          prior = flow::Estimator(std::move(h)).estimate_all(g.plan());
        }
        flow::SimOptions o;
        o.scheduler.workers = kWorkers;
        o.seed = static_cast<std::uint64_t>(seed) * 7919 + gi;
        const Truth truth_model = m.durations(g, o.seed);
        o.durations = truth_model.durations;
        if (m.faults) {
          o.random_fail_percent = 10;
          o.random_fail_class = flow::FailureClass::network;
        }
        flow::StockPolicy policy;
        const flow::SimReport r = flow::simulate(g, o, policy);
        int total = 0;
        for (const flow::Task& t : g.plan().tasks) total += t.state == flow::TaskState::pending;
        std::vector<int> at;
        for (double q : fractions) at.push_back(std::max(1, static_cast<int>(std::ceil(q * total))));
        // The journal of many runs of these tasks at the prior's pace: the model's shape
        // (once per run: it does not depend on which history the case gives).
        std::vector<flow::EtaPoint> shape_trace;
        if (history == History::none) {
          std::vector<flow::Estimate> shape(truth_model.medians.size());
          const double z = std::exp(1.2816 * truth_model.sigma);
          for (std::size_t t = 0; t < shape.size(); ++t) {
            const double md = truth_model.medians[t] / truth_model.pace;
            shape[t] = flow::Estimate{md, md / z, md * z, md * z, "task", 0, 1000};
          }
          shape_trace = flow::eta_trace(g, r, shape, kWorkers, at);
        }
        Gap& gap = gaps[m.name];
        for (const flow::EtaPoint& p : flow::eta_trace(g, r, prior, kWorkers, at)) {
          const auto k = static_cast<int>(std::find(at.begin(), at.end(), p.done) - at.begin());
          if (k >= 3) continue;
          const double truth = r.makespan - p.time;
          if (truth <= 0) continue;
          err[k].push_back(std::abs((p.forecast.expected - p.time) - truth) / truth);
          const double ratio = std::log(std::max(p.forecast.expected - p.time, 1e-9) / truth);
          if (history == History::none) gap.bias_first[k].push_back(ratio);
          if (history == History::same_tasks) gap.bias_history[k].push_back(ratio);
          for (const flow::EtaPoint& q : shape_trace)
            if (q.done == p.done) gap.shape_err[k].push_back(std::abs((q.forecast.expected - q.time) - truth) / truth);
          const bool held = p.forecast.low <= r.makespan + 1e-6 && r.makespan <= p.forecast.high + 1e-6;
          cover[k].first += held;
          ++cover[k].second;
          // The true critical path now: the true durations of what is unfinished at p.time
          // (a running task counts what it has left).
          std::vector<double> left(static_cast<std::size_t>(g.task_count()), 0);
          std::vector<double> started(left.size(), -1), ended(left.size(), -1);
          std::vector<bool> done_ok(left.size(), false);  // finished, not skipped
          for (const flow::SimEvent& e : r.events) {
            if (e.task < 0) continue;
            if (e.kind == "finish" && e.time <= p.time) done_ok[static_cast<std::size_t>(e.task)] = true;
            if (e.kind == "start" && e.time <= p.time) started[static_cast<std::size_t>(e.task)] = e.time;
            if ((e.kind == "finish" || e.kind == "skip") && e.time <= p.time) ended[static_cast<std::size_t>(e.task)] = e.time;
          }
          for (std::size_t t = 0; t < left.size(); ++t) {
            if (ended[t] >= 0) continue;
            const double d = r.durations[t];
            left[t] = started[t] >= 0 ? std::max(0.0, started[t] + d - p.time) : d;
          }
          // The same forecast, told the true durations: the error the schedule model
          // itself makes (locks, retries and the scheduler's choices it does not see).
          {
            std::vector<flow::TaskStatus> st(left.size(), flow::TaskStatus::waiting);
            std::vector<flow::Estimate> truth_est(left.size());
            std::map<int, double> elapsed;
            for (std::size_t t = 0; t < left.size(); ++t) {
              const double d = r.durations[t];
              truth_est[t] = flow::Estimate{d, d * 0.999, d * 1.001, d * 1.001, "truth"};
              if (ended[t] >= 0) st[t] = flow::TaskStatus::succeeded;
              else if (started[t] >= 0) {
                st[t] = flow::TaskStatus::running;
                elapsed[static_cast<int>(t)] = p.time - started[t];
              }
            }
            const flow::Forecast of = flow::forecast(g, st, truth_est, elapsed, kWorkers, p.time);
            oracle[k].push_back(std::abs((of.expected - p.time) - truth) / truth);
            // Told the model (each task's median and spread, the run's pace, the share of
            // attempts that fail) but not the draws: roughly the least error any
            // forecast can expect.
            std::vector<flow::Estimate> model_est(left.size());
            for (std::size_t t = 0; t < left.size(); ++t) {
              const double md = truth_model.medians[t];
              model_est[t] = flow::Estimate{md, md * std::exp(-1.2816 * truth_model.sigma),
                                            md * std::exp(1.2816 * truth_model.sigma),
                                            md * std::exp(1.2816 * truth_model.sigma), "model", 1e-9};
            }
            const flow::Forecast mf = flow::forecast(g, st, model_est, elapsed, kWorkers, p.time, {}, m.faults ? 0.1 : 0.0);
            floor_err[k].push_back(std::abs((mf.expected - p.time) - truth) / truth);
            // Told the model's shape but not the pace, which it learns as a live run does:
            // about the least error a live forecast can expect (history tells the shape
            // at best, never this run's pace).
            std::vector<bool> finished(left.size(), false);
            std::vector<double> ran(left.size(), 0);
            for (std::size_t t = 0; t < left.size(); ++t) {
              finished[t] = st[t] == flow::TaskStatus::succeeded && done_ok[t];
              if (st[t] == flow::TaskStatus::running) ran[t] = p.time - started[t];
            }
            const flow::Forecast sf = flow::forecast(g, st, told_shape(truth_model, r.durations, finished, ran), elapsed,
                                                     kWorkers, p.time, {}, m.faults ? 0.1 : 0.0);
            live_floor[k].push_back(std::abs((sf.expected - p.time) - truth) / truth);
          }
          const flow::CriticalPath cp = g.critical_path(left);
          int truth_head = -1;
          for (int t : cp.tasks)
            if (left[static_cast<std::size_t>(t)] > 0) { truth_head = t; break; }
          if (truth_head >= 0 && !p.forecast.critical_path.empty()) {
            const auto& fc = p.forecast.critical_path;
            path[k].first += std::find(fc.begin(), fc.end(), truth_head) != fc.end();
            ++path[k].second;
          }
        }
      }
    }
    for (int k = 0; k < 3; ++k) {
      std::printf("%-30s %5.0f%% %11.1f%% %11.1f%% %11.1f%% %11.1f%% %11.1f%% %11.1f%%\n", k == 0 ? m.name : "",
                  fractions[k] * 100, 100 * median(err[k]), 100.0 * cover[k].first / std::max(1, cover[k].second),
                  100.0 * path[k].first / std::max(1, path[k].second), 100 * median(oracle[k]), 100 * median(floor_err[k]),
                  100 * median(live_floor[k]));
      if (history == History::other_feature) {
        // Apart: the goals' figures stay those of a first run and of the same tasks' history.
        other_err[k].insert(other_err[k].end(), err[k].begin(), err[k].end());
        other_cover[k].first += cover[k].first;
        other_cover[k].second += cover[k].second;
        continue;
      }
      all_floor[k].insert(all_floor[k].end(), floor_err[k].begin(), floor_err[k].end());
      all_live[k].insert(all_live[k].end(), live_floor[k].begin(), live_floor[k].end());
      if (k == 1) {
        Half& h = at_half[m.name];
        h.err.insert(h.err.end(), err[k].begin(), err[k].end());
        h.floor.insert(h.floor.end(), floor_err[k].begin(), floor_err[k].end());
        h.live.insert(h.live.end(), live_floor[k].begin(), live_floor[k].end());
      }
      all_err[k].insert(all_err[k].end(), err[k].begin(), err[k].end());
      all_cover[k].first += cover[k].first;
      all_cover[k].second += cover[k].second;
    }
  }
  std::printf("\n%-30s", "all models");
  for (int k = 0; k < 3; ++k)
    std::printf("  %.0f%%: err %.1f%%, range %.1f%%", fractions[k] * 100, 100 * median(all_err[k]),
                100.0 * all_cover[k].first / std::max(1, all_cover[k].second));
  std::printf("\n%-30s", "all models, another feature's");
  for (int k = 0; k < 3; ++k)
    std::printf("  %.0f%%: err %.1f%%, range %.1f%%", fractions[k] * 100, 100 * median(other_err[k]),
                100.0 * other_cover[k].first / std::max(1, other_cover[k].second));
  std::printf("\n%-30s", "all models, told the model");
  for (int k = 0; k < 3; ++k) std::printf("  %.0f%%: err %.1f%%", fractions[k] * 100, 100 * median(all_floor[k]));
  std::printf("\n%-30s", "all models, told the shape");
  for (int k = 0; k < 3; ++k) std::printf("  %.0f%%: err %.1f%%", fractions[k] * 100, 100 * median(all_live[k]));
  std::printf("\ngoals: median error <= 20%% at 25%% done and <= 10%% at 50%%; the 80%% range holds the finish 75-85%% of runs\n");
  // The 50% goal per model, beside what a forecast told the model itself errs, and one
  // told all but the pace (which a live run must learn): where that floor is above 10%,
  // no live estimator can be expected to meet the goal.
  std::printf("the 50%% goal per model (first run and with history together):\n");
  for (const Model& m : models) {
    const Half& h = at_half[m.name];
    const double err = 100 * median(h.err), floor = 100 * median(h.floor), live = 100 * median(h.live);
    std::printf("  %-30s error %5.1f%%, told the model %5.1f%%, told the shape %5.1f%%: %s\n", m.name, err, floor, live,
                err <= 10 ? "met"
                : floor > 10 ? "not met, and out of reach: even told the model a forecast errs more than 10%"
                : live > 10  ? "not met, and out of reach live: told all but the pace, a forecast errs more than 10%"
                             : "not met, though a live forecast told the shape errs under 10%");
    if (m.durations == heavy_tailed)
      std::printf("  %-30s (told the model here means a lognormal of the Pareto's median and spread: an\n"
                  "  %-30s  estimate of the floor, not a bound)\n", "", "");
  }
  // Where the estimator's error comes from: a bias that differs by how far the run is
  // (kinds of work not reached yet), and what is left once the shape is known.
  std::printf("where the error comes from, per model at 25/50/75%% done: bias (the median of predicted over true\n"
              "  remaining time, -1) in a first run and with one earlier run; error when the journal holds the shape:\n");
  for (const Model& m : models) {
    Gap& gap = gaps[m.name];
    auto bias = [](std::map<int, std::vector<double>>& b, int k) { return 100 * std::expm1(median(b[k])); };
    std::printf("  %-30s bias %+4.0f%% %+4.0f%% %+4.0f%%, with history %+4.0f%% %+4.0f%% %+4.0f%%; shape as history: error "
                "%4.1f%% %4.1f%% %4.1f%%\n",
                m.name, bias(gap.bias_first, 0), bias(gap.bias_first, 1), bias(gap.bias_first, 2), bias(gap.bias_history, 0),
                bias(gap.bias_history, 1), bias(gap.bias_history, 2), 100 * median(gap.shape_err[0]),
                100 * median(gap.shape_err[1]), 100 * median(gap.shape_err[2]));
  }
  std::printf("crit. path: how often the true critical path's next task is on the named critical path\n");
  std::printf("true durs: the median error of the same forecast told the true durations (what scheduling alone misses)\n");
  std::printf("told model: ... told each task's true median and spread, the run's pace and the failure rate, but\n"
              "  not the draws: about the least error a forecast can expect under the model\n");
  std::printf("told shape: ... told each task's median relative to the others and the spread, but not the run's pace,\n"
              "  which it learns from what finished and what runs, as a live forecast must\n");
  std::printf("shape as history: the estimator itself, its journal holding each task's true median relative to the\n"
              "  others and the spread (as many earlier runs would): what is left once it need not learn the shape\n");
  return 0;
}
