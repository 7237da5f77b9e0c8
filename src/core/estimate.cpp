// SPDX-License-Identifier: MIT
// Estimates from history, list-scheduled ETA ranges and bottlenecks.
#include <flow/estimate.hpp>

#include "core/locks.hpp"
#include "support/random.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <queue>
#include <string_view>
#include <unordered_map>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

Estimate from_samples(std::vector<double> samples, std::string basis) {
  Estimate e;
  e.basis = std::move(basis);
  e.samples = e.basis == "default" ? 0 : static_cast<int>(samples.size());
  e.expected = quantile(samples, 0.5);
  if (samples.size() >= 3) {
    e.low = quantile(samples, 0.25);
    e.high = quantile(samples, 0.75);
    e.p90 = quantile(samples, 0.9);
  } else {
    e.low = e.expected * 0.5;
    e.high = e.expected * 2;
    e.p90 = e.expected * 2;
  }
  return e;
}

// Longest-remaining-path-first list scheduling. A gate completes without a worker;
// `finished` tasks count as complete at time 0, whatever they waited for; `first`
// tasks start before all others.
double list_schedule(const TaskGraph& g, std::span<const double> durations, int workers,
                     const std::vector<char>& first = {}, const std::vector<char>& finished = {}) {
  const int n = g.node_count();
  std::vector<double> dur(static_cast<std::size_t>(n), 0);
  for (int t = 0; t < g.task_count(); ++t) dur[static_cast<std::size_t>(t)] = durations[static_cast<std::size_t>(t)];
  const std::vector<double> rem = g.remaining_length(std::span<const double>(dur.data(), static_cast<std::size_t>(g.task_count())));
  std::vector<int> pending(static_cast<std::size_t>(n));
  for (int v = 0; v < n; ++v) pending[static_cast<std::size_t>(v)] = static_cast<int>(g.predecessors(v).size());
  using Ready = std::pair<double, int>;  // (priority, -index): max-heap
  std::priority_queue<Ready> ready;
  using Run = std::pair<double, int>;    // (end, node): min-heap
  std::priority_queue<Run, std::vector<Run>, std::greater<>> running;
  std::vector<int> instant;
  std::vector<char> completed(static_cast<std::size_t>(n), 0);
  auto is_finished = [&](int v) {
    return !finished.empty() && v < static_cast<int>(finished.size()) && finished[static_cast<std::size_t>(v)];
  };
  std::vector<char> pushed(static_cast<std::size_t>(n), 0);
  auto push = [&](int v) {
    if (is_finished(v)) return;  // already completed at time 0
    if (pushed[static_cast<std::size_t>(v)]) return;  // made ready by a finished task, and found ready again below
    pushed[static_cast<std::size_t>(v)] = 1;
    if (g.is_gate(v) || dur[static_cast<std::size_t>(v)] <= 0) instant.push_back(v);
    else {
      const bool head = !first.empty() && v < static_cast<int>(first.size()) && first[static_cast<std::size_t>(v)];
      ready.emplace(head ? std::numeric_limits<double>::infinity() : rem[static_cast<std::size_t>(v)], -v);
    }
  };
  auto complete = [&](int v) {
    if (completed[static_cast<std::size_t>(v)]) return;
    completed[static_cast<std::size_t>(v)] = 1;
    for (int w : g.successors(v))
      if (--pending[static_cast<std::size_t>(w)] == 0) push(w);
  };
  for (int v = 0; v < n; ++v)
    if (is_finished(v)) complete(v);
  for (int v = 0; v < n; ++v)
    if (pending[static_cast<std::size_t>(v)] == 0 && !completed[static_cast<std::size_t>(v)]) push(v);
  double now = 0, end = 0;
  for (;;) {
    while (!instant.empty()) {
      const int v = instant.back();
      instant.pop_back();
      complete(v);
    }
    while (static_cast<int>(running.size()) < workers && !ready.empty()) {
      const int v = -ready.top().second;
      ready.pop();
      running.emplace(now + dur[static_cast<std::size_t>(v)], v);
    }
    if (running.empty()) break;
    const auto [t, v] = running.top();
    running.pop();
    now = t;
    end = std::max(end, t);
    complete(v);
  }
  return end;
}

bool unfinished(TaskStatus s) {
  return s == TaskStatus::waiting || s == TaskStatus::ready || s == TaskStatus::running;
}

}  // namespace

Estimator::Estimator(std::vector<HistoryEntry> history, double default_seconds)
    : history_(std::move(history)), default_(default_seconds) {}

Estimate Estimator::estimate(const Plan& plan, int index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= plan.tasks.size()) return from_samples({default_}, "default");
  const Task& t = plan.tasks[static_cast<std::size_t>(index)];
  const PhaseKind kind = plan.phases[static_cast<std::size_t>(t.phase)].kind;
  std::vector<std::string> labels = t.labels;
  if (!t.story_label.empty()) labels.push_back(t.story_label);
  labels.insert(labels.end(), t.other_stories.begin(), t.other_stories.end());
  const int files = static_cast<int>(t.paths.size());

  std::vector<double> same_id, same_label, same_kind, same_files;
  for (const HistoryEntry& h : history_) {
    if (h.seconds <= 0) continue;
    if (h.task_id == t.id) same_id.push_back(h.seconds);
    if (h.phase_kind == kind) {
      same_kind.push_back(h.seconds);
      for (const std::string& l : h.labels)
        if (std::find(labels.begin(), labels.end(), l) != labels.end()) {
          same_label.push_back(h.seconds);
          break;
        }
    }
    if (h.files == files) same_files.push_back(h.seconds);
  }
  if (!same_id.empty()) return from_samples(std::move(same_id), "task");
  if (!same_label.empty()) return from_samples(std::move(same_label), "phase+label");
  if (!same_kind.empty()) return from_samples(std::move(same_kind), "phase");
  if (!same_files.empty()) return from_samples(std::move(same_files), "files");
  return from_samples({default_}, "default");
}

std::vector<Estimate> Estimator::estimate_all(const Plan& plan) const {
  std::vector<Estimate> out;
  out.reserve(plan.tasks.size());
  for (int i = 0; i < static_cast<int>(plan.tasks.size()); ++i) out.push_back(estimate(plan, i));
  return out;
}

EtaRange eta(const TaskGraph& g, std::span<const TaskStatus> status, std::span<const Estimate> est,
             const std::map<int, double>& elapsed, int workers) {
  const auto n = static_cast<std::size_t>(g.task_count());
  std::vector<double> lo(n, 0), mid(n, 0), hi(n, 0);
  std::vector<char> first(n, 0), finished(n, 0);
  for (std::size_t t = 0; t < n; ++t) {
    if (!unfinished(status[t])) {
      finished[t] = 1;
      continue;
    }
    double spent = 0;
    if (auto it = elapsed.find(static_cast<int>(t)); it != elapsed.end()) spent = it->second;
    // A running task still has at least a moment to go, whatever its estimate said.
    const double floor = status[t] == TaskStatus::running ? 1.0 : 0.0;
    lo[t] = std::max(floor, est[t].low - spent);
    mid[t] = std::max(floor, est[t].expected - spent);
    hi[t] = std::max(floor, est[t].high - spent);
    first[t] = status[t] == TaskStatus::running;
  }
  EtaRange r;
  r.low = list_schedule(g, lo, workers, first, finished);
  r.expected = list_schedule(g, mid, workers, first, finished);
  r.high = list_schedule(g, hi, workers, first, finished);
  return r;
}

Bottlenecks bottlenecks(const TaskGraph& g, std::span<const TaskStatus> status, std::span<const Estimate> est,
                        const std::map<int, double>& elapsed) {
  Bottlenecks b;
  const auto n = static_cast<std::size_t>(g.task_count());
  std::vector<double> rem(n, 0);
  for (std::size_t t = 0; t < n; ++t) {
    if (!unfinished(status[t])) continue;
    double spent = 0;
    if (auto it = elapsed.find(static_cast<int>(t)); it != elapsed.end()) spent = it->second;
    rem[t] = std::max(status[t] == TaskStatus::running ? 1.0 : 0.0, est[t].expected - spent);
    if (status[t] == TaskStatus::running && spent > est[t].p90) b.overdue.push_back(static_cast<int>(t));
  }
  for (int t : g.critical_path(rem).tasks)
    if (rem[static_cast<std::size_t>(t)] > 0) b.critical_path.push_back(t);
  return b;
}

namespace {

// The standard normal distribution: its CDF and (Acklam's rational approximation of)
// its inverse, good to about 1e-9.
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -normal_quantile(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

constexpr double kZ90 = 1.2815515655446004;   // the 90th percentile of N(0, 1)
// Tuned with eta_bench (2 seeds) for an 80% range that holds the finish 75-85% of runs:
// the floor of the common spread (a share of a task's), and the extra uncertainty of the
// level for a phase none of whose tasks has finished.
constexpr double kCommonFloor = 0.3;
constexpr double kUnseenPhase = 0.35;
// A priori, how far a regressor (log of files named, of description length, history's
// levels) moves a task's log duration from its prior per unit: a normal coefficient
// of this variance (about +-0.7 at two standard deviations). A regression is shrunk by
// the noise over this (Bayesian ridge): what finished scattered much, it trusts less.
constexpr double kCoefVar = 0.125;

// Whether a task writes tests: its text or a file it names says so.
bool writes_tests(const Task& t) {
  auto has = [](std::string_view s) {
    for (std::size_t i = 0; i + 4 <= s.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) == 't' && std::tolower(static_cast<unsigned char>(s[i + 1])) == 'e' &&
          std::tolower(static_cast<unsigned char>(s[i + 2])) == 's' && std::tolower(static_cast<unsigned char>(s[i + 3])) == 't')
        return true;
    return false;
  };
  if (has(t.description)) return true;
  return std::any_of(t.paths.begin(), t.paths.end(), [&](const PathRef& p) { return has(p.path); });
}

// How much a finished task `b` says about task `a`: 0.1 for any task of the run, up
// to about 1 for one of the same phase, story and kind of work.
double similarity(const Plan& plan, const Task& a, const Task& b, bool test_a, bool test_b) {
  double w = 0.1;
  if (a.phase == b.phase) w += 0.4;
  if (plan.phases[static_cast<std::size_t>(a.phase)].kind == plan.phases[static_cast<std::size_t>(b.phase)].kind) w += 0.1;
  if (b.in_story(a.story_label) ||
      std::any_of(a.other_stories.begin(), a.other_stories.end(), [&](const std::string& s) { return b.in_story(s); }))
    w += 0.15;
  for (const std::string& l : a.labels)
    if (std::find(b.labels.begin(), b.labels.end(), l) != b.labels.end()) {
      w += 0.1;
      break;
    }
  if (a.paths.size() == b.paths.size()) w += 0.1;
  if (test_a != test_b) w *= 0.3;
  return w;
}

// The coefficients of a ridge regression of `r` on the rows of `x` (both centred),
// shrunk toward zero by `lambda`: the normal equations
// (X'X + lambda I) c = X'r, solved by Gaussian elimination (the matrix is symmetric
// positive definite: no pivoting needed).
std::vector<double> ridge(const std::vector<std::vector<double>>& x, const std::vector<double>& r, double lambda) {
  const std::size_t f = x.empty() ? 0 : x[0].size();
  std::vector<std::vector<double>> a(f, std::vector<double>(f + 1, 0));
  for (std::size_t i = 0; i < f; ++i) a[i][i] = lambda;
  for (std::size_t j = 0; j < x.size(); ++j)
    for (std::size_t i = 0; i < f; ++i) {
      for (std::size_t l = 0; l < f; ++l) a[i][l] += x[j][i] * x[j][l];
      a[i][f] += x[j][i] * r[j];
    }
  for (std::size_t i = 0; i < f; ++i)
    for (std::size_t l = i + 1; l < f; ++l) {
      const double q = a[l][i] / a[i][i];
      for (std::size_t c = i; c <= f; ++c) a[l][c] -= q * a[i][c];
    }
  std::vector<double> c(f, 0);
  for (std::size_t i = f; i-- > 0;) {
    double v = a[i][f];
    for (std::size_t l = i + 1; l < f; ++l) v -= a[i][l] * c[l];
    c[i] = v / a[i][i];
  }
  return c;
}

}  // namespace

std::vector<Estimate> learn_estimates(const TaskGraph& g, std::span<const Estimate> prior, std::span<const TaskStatus> status,
                                      std::span<const double> seconds, const std::map<int, double>& elapsed) {
  const Plan& plan = g.plan();
  const auto n = static_cast<std::size_t>(g.task_count());
  std::vector<Estimate> out(prior.begin(), prior.end());
  // The prior in log space: its median and spread (from its 90th percentile).
  std::vector<double> mu0(n), s0(n);
  bool history = false;
  for (std::size_t t = 0; t < n; ++t) {
    mu0[t] = std::log(std::max(prior[t].expected, 1e-3));
    const double hi = prior[t].p90 > prior[t].expected ? prior[t].p90 : prior[t].expected * 2;
    s0[t] = std::clamp(std::log(hi / std::max(prior[t].expected, 1e-3)) / kZ90, 0.2, 1.5);
    history = history || prior[t].basis != "default";
  }
  // What the run has measured: the log duration of each task that succeeded, and of
  // each running task the log of how long it has run so far (it takes at least that).
  std::vector<double> y(n, 0), floor_of(n, 0);
  std::vector<std::size_t> seen, running;
  for (std::size_t t = 0; t < n; ++t)
    if (status[t] == TaskStatus::succeeded && t < seconds.size() && seconds[t] > 0) {
      seen.push_back(t);
      y[t] = std::log(seconds[t]);
    }
  for (const auto& [t, e] : elapsed)
    if (t >= 0 && static_cast<std::size_t>(t) < n && status[static_cast<std::size_t>(t)] == TaskStatus::running && e > 1) {
      running.push_back(static_cast<std::size_t>(t));
      floor_of[static_cast<std::size_t>(t)] = std::log(e);
    }
  if (seen.empty() && running.empty()) return out;

  // Run-wide: how far this run's log durations sit from the prior, shrunk toward none
  // when the prior comes from history (two runs' worth of trust), not when it is a guess.
  const double k0 = history ? 2.0 : 0.01;
  std::vector<char> test(n);
  for (std::size_t t = 0; t < n; ++t) test[t] = writes_tests(plan.tasks[t]);
  // Similarity weights between every task and every measured one (finished or running).
  std::vector<std::size_t> obs = seen;
  obs.insert(obs.end(), running.begin(), running.end());
  std::vector<std::vector<double>> w(n, std::vector<double>(obs.size(), 0));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t k = 0; k < obs.size(); ++k)
      if (obs[k] != t) w[t][k] = similarity(plan, plan.tasks[t], plan.tasks[obs[k]], test[t], test[obs[k]]);

  const double m = static_cast<double>(seen.size());
  double s_prior = 0;
  for (std::size_t j : seen) s_prior += s0[j];
  if (seen.empty())
    for (std::size_t t = 0; t < n; ++t) s_prior += s0[t];
  s_prior /= seen.empty() ? static_cast<double>(n) : m;
  constexpr double kg = 1.0;   // the run-wide level counts as this many similar tasks
  std::vector<double> mu(n, 0), level(n, 0);
  double sigma = s_prior;
  // A running task's duration is censored: it is known only to exceed what it has run.
  // Expectation-maximisation: it counts as its expected log duration given that bound,
  // under the estimate the other measurements give it, and the estimates are fitted
  // again; a few rounds settle.
  for (std::size_t j : running) y[j] = std::max(floor_of[j], mu0[j]);
  // What tells tasks apart beside their prior, as regressors of the log ratio of a
  // measured task to its prior: its size as its text shows it (the files it names, the
  // length of its description) and, when the prior comes from history, history's two
  // levels: the task's phase (the phase's mean over its tasks, which averages out chance)
  // and the task within its phase (one earlier run of a task says as much about chance
  // as about the task).
  std::vector<std::vector<double>> x(n);
  double mean0 = 0;
  std::vector<double> phase_sum(plan.phases.size(), 0), phase_n(plan.phases.size(), 0);
  for (std::size_t t = 0; t < n; ++t) {
    mean0 += mu0[t];
    phase_sum[static_cast<std::size_t>(plan.tasks[t].phase)] += mu0[t];
    phase_n[static_cast<std::size_t>(plan.tasks[t].phase)] += 1;
  }
  mean0 /= static_cast<double>(n);
  for (std::size_t t = 0; t < n; ++t) {
    x[t] = {std::log1p(static_cast<double>(plan.tasks[t].paths.size())),
            std::log(std::max<double>(static_cast<double>(plan.tasks[t].description.size()), 10))};
    if (history) {
      const auto p = static_cast<std::size_t>(plan.tasks[t].phase);
      const double phase_level = phase_sum[p] / phase_n[p];
      x[t].push_back(phase_level - mean0);
      x[t].push_back(mu0[t] - phase_level);
    }
  }
  if (history) {
    // How far history's levels tell tasks apart, before the run says anything: each
    // level's spread over the tasks beyond what chance alone would give it (a task's
    // prior spread over its measurements; a phase's mean averages over its tasks). A
    // level that differs no more than chance counts for nothing; one far beyond it
    // counts nearly fully (empirical Bayes). The regression then moves both as far as
    // the run bears out.
    double spread_level = 0, spread_own = 0, chance_level = 0, chance_own = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const double chance = s0[t] * s0[t] / std::max(1, prior[t].samples);
      spread_level += x[t][2] * x[t][2];
      spread_own += x[t][3] * x[t][3];
      chance_level += chance / phase_n[static_cast<std::size_t>(plan.tasks[t].phase)];
      chance_own += chance;
    }
    const double keep_level = std::clamp(1 - chance_level / std::max(spread_level, 1e-12), 0.0, 1.0);
    const double keep_own = std::clamp(1 - chance_own / std::max(spread_own, 1e-12), 0.0, 1.0);
    for (std::size_t t = 0; t < n; ++t) mu0[t] = mean0 + keep_level * x[t][2] + keep_own * x[t][3];
  }
  const std::vector<double> mu_prior = mu0;
  for (int round = 0; round < 4; ++round) {
    // A ridge regression on the measured tasks (finished, and running ones at their
    // expected duration), shrunk toward no change to the prior by the spread of what
    // finished (from the round before; the prior's at first) over kCoefVar, so that what
    // says little changes little and a clear pattern is followed. The rounds let the fit
    // and the spread settle together.
    mu0 = mu_prior;
    if (obs.size() >= 4) {
      const std::size_t f = x[0].size();
      std::vector<double> mean_x(f, 0);
      double mean_r = 0;
      for (std::size_t j : obs) {
        for (std::size_t i = 0; i < f; ++i) mean_x[i] += x[j][i];
        mean_r += y[j] - mu_prior[j];
      }
      const double k = static_cast<double>(obs.size());
      for (double& v : mean_x) v /= k;
      mean_r /= k;
      std::vector<std::vector<double>> rows;
      std::vector<double> r;
      for (std::size_t j : obs) {
        rows.emplace_back(f);
        for (std::size_t i = 0; i < f; ++i) rows.back()[i] = x[j][i] - mean_x[i];
        r.push_back(y[j] - mu_prior[j] - mean_r);
      }
      const std::vector<double> c = ridge(rows, r, sigma * sigma / kCoefVar);
      for (std::size_t t = 0; t < n; ++t)
        for (std::size_t i = 0; i < f; ++i) mu0[t] += c[i] * (x[t][i] - mean_x[i]);
    }
    double shift = 0;
    for (std::size_t j : obs) shift += y[j] - mu0[j];
    shift /= k0 + static_cast<double>(obs.size());
    // The spread of what finished around the run-wide level, pooled with the prior's.
    double ss = 0;
    for (std::size_t j : seen) {
      const double r = y[j] - (mu0[j] + shift);
      ss += r * r;
    }
    sigma = std::sqrt((2 * s_prior * s_prior + ss) / (2 + m));
    for (std::size_t t = 0; t < n; ++t) {
      double wsum = 0, acc = 0;
      for (std::size_t k = 0; k < obs.size(); ++k) {
        // Measured tasks speak for t relative to their own prior (a long task in history
        // stays longer than a short one).
        acc += w[t][k] * (y[obs[k]] - mu0[obs[k]]);
        wsum += w[t][k];
      }
      mu[t] = mu0[t] + (kg * shift + acc) / (kg + wsum);
      // What is left unknown about the level: its own uncertainty, more so for a phase
      // none of whose tasks has finished (another kind of work may differ).
      bool phase_seen = false;
      for (std::size_t j : seen) phase_seen = phase_seen || plan.tasks[j].phase == plan.tasks[t].phase;
      const double unseen = phase_seen ? 0.0 : kUnseenPhase;
      level[t] = std::sqrt(sigma * sigma / (kg + wsum + k0 + m) + unseen * unseen);
    }
    for (std::size_t j : running) {
      const double sd = std::sqrt(sigma * sigma + level[j] * level[j]);
      const double a = (floor_of[j] - mu[j]) / sd;
      // E[x | x > bound] for x ~ N(mu, sd): mu + sd * phi(a) / (1 - Phi(a)).
      const double tail = std::max(normal_cdf(-a), 1e-12);
      y[j] = std::max(floor_of[j], mu[j] + sd * std::exp(-0.5 * a * a) / std::sqrt(2 * 3.141592653589793) / tail);
    }
  }
  for (std::size_t t = 0; t < n; ++t) {
    if (status[t] == TaskStatus::succeeded && t < seconds.size() && seconds[t] > 0) continue;
    const double s = std::sqrt(sigma * sigma + level[t] * level[t]);
    Estimate& e = out[t];
    e.expected = std::exp(mu[t]);
    e.low = std::exp(mu[t] - kZ90 * s);
    e.high = std::exp(mu[t] + kZ90 * s);
    e.p90 = e.high;
    e.basis = "run";
    // The level's uncertainty understates what tasks share: phases of other kinds of
    // work sit above or below it together. A floor of a share of the spread keeps the
    // range near calibration (eta_bench).
    e.common = std::max(level[t], kCommonFloor * sigma);
  }
  return out;
}

// Without a measured common part: the share of a task's variance that all tasks have in
// common (a run that is slow is slow for every task).
constexpr double kShared = 0.6;

Forecast forecast(const TaskGraph& g, std::span<const TaskStatus> status, std::span<const Estimate> est,
                  const std::map<int, double>& elapsed, int workers, double now, const std::string& held, double fail_rate,
                  std::span<const std::vector<std::string>> resources) {
  Forecast f;
  const auto n = static_cast<std::size_t>(g.task_count());
  workers = std::max(1, workers);
  std::vector<char> first(n, 0), finished(n, 0);
  std::vector<double> mu(n, 0), sig(n, 0), common(n, 0), spent(n, 0), median(n, 0);
  std::size_t ready = 0, running = 0, left = 0;
  std::vector<char> is_ready(n, 0);
  std::vector<int> ready_tasks;
  for (std::size_t t = 0; t < n; ++t) {
    if (!unfinished(status[t])) {
      finished[t] = 1;
      continue;
    }
    ++left;
    // Ready: marked so, or waiting on nothing unfinished (the caller may not know).
    bool free = status[t] == TaskStatus::ready;
    if (status[t] == TaskStatus::waiting) {
      free = true;
      for (int p : g.task_predecessors(static_cast<int>(t)))
        free = free && !unfinished(status[static_cast<std::size_t>(p)]) && status[static_cast<std::size_t>(p)] != TaskStatus::failed &&
               status[static_cast<std::size_t>(p)] != TaskStatus::blocked;
    }
    ready += free;
    is_ready[t] = free;
    if (free) ready_tasks.push_back(static_cast<int>(t));
    running += status[t] == TaskStatus::running;
    first[t] = status[t] == TaskStatus::running;
    if (auto it = elapsed.find(static_cast<int>(t)); it != elapsed.end()) spent[t] = it->second;
    mu[t] = std::log(std::max(est[t].expected, 1e-3));
    sig[t] = std::clamp(std::log(std::max(est[t].high, est[t].expected * 1.01) / std::max(est[t].expected, 1e-3)) / kZ90, 0.05, 3.0);
    // Without a measured common part, a share of the spread is assumed common.
    common[t] = est[t].common > 0 ? std::min(est[t].common, sig[t] * 0.95) : sig[t] * std::sqrt(kShared);
    median[t] = std::max(first[t] ? 1.0 : 0.0, est[t].expected - spent[t]);
  }
  if (left == 0) {
    f.expected = f.low = f.high = now;
    return f;
  }
  constexpr int kSamples = 64;
  std::vector<double> finish;
  finish.reserve(kSamples);
  std::uint64_t rng = 0x5eed;
  std::vector<double> d(n, 0);
  for (int k = 0; k < kSamples; ++k) {
    // Stratified: the shared factor's quantiles spread evenly over the samples.
    const double z0 = normal_quantile((k + detail::unit_interval(rng)) / kSamples);
    for (std::size_t t = 0; t < n; ++t) {
      if (finished[t]) continue;
      const double own = std::sqrt(std::max(sig[t] * sig[t] - common[t] * common[t], 1e-4));
      const double m = mu[t] + common[t] * z0;
      // Drawn beyond what the task has run already: u in (F(spent), 1).
      const double lo = spent[t] > 0 ? normal_cdf((std::log(spent[t]) - m) / own) : 0.0;
      const double u = lo + (1 - lo) * std::max(detail::unit_interval(rng), 1e-12);
      double total = std::exp(m + own * normal_quantile(u)) - spent[t];
      // Attempts that fail run again.
      while (fail_rate > 0 && detail::unit_interval(rng) < std::min(fail_rate, 0.9))
        total += std::exp(m + own * normal_quantile(std::max(detail::unit_interval(rng), 1e-12)));
      d[t] = std::max(first[t] ? 0.5 : 0.0, total);
    }
    finish.push_back(now + list_schedule(g, d, workers, first, finished));
  }
  f.low = quantile(finish, 0.1);
  f.expected = quantile(finish, 0.5);
  f.high = quantile(finish, 0.9);
  for (int t : g.critical_path(median).tasks)
    if (median[static_cast<std::size_t>(t)] > 0) f.critical_path.push_back(t);
  const int free_workers = workers - static_cast<int>(running);
  const auto id = [&](int t) { return g.plan().tasks[static_cast<std::size_t>(t)].id; };
  if (ready > 0 && free_workers <= 0)
    f.bottleneck = std::to_string(ready) + " ready, " + std::to_string(workers) + " worker" + (workers == 1 ? "" : "s");
  else if (ready > 0 && !held.empty())
    f.bottleneck = held;
  else if (ready > 0)
    // A free worker, yet a ready task waits: a file lock a running task holds.
    for (const LockConflict& c : g.lock_conflicts()) {
      // A holder of the path itself keeps out everyone; one inside a folder, its holders.
      int waiting = -1, holder = -1;
      for (const auto* list : {&c.tasks, &c.inside})
        for (int t : *list)
          if (holder < 0 && status[static_cast<std::size_t>(t)] == TaskStatus::running) holder = t;
      if (holder >= 0)
        for (const auto* list : {&c.tasks, &c.inside})
          for (int t : *list)
            if (waiting < 0 && is_ready[static_cast<std::size_t>(t)] && c.excludes(t, holder)) waiting = t;
      if (waiting >= 0 && holder >= 0) {
        f.bottleneck = id(waiting) + " waits for " + c.path + " (held by " + id(holder) + ")";
        break;
      }
    }
  if (f.bottleneck.empty() && ready > 0 && free_workers > 0 && resources.size() == n)
    // Or a named resource (a database, a port) a running task holds.
    for (int waiting : ready_tasks) {
      for (const std::string& r : resources[static_cast<std::size_t>(waiting)])
        for (std::size_t holder = 0; holder < n && f.bottleneck.empty(); ++holder) {
          const auto& held_by = resources[holder];
          if (status[holder] == TaskStatus::running && std::find(held_by.begin(), held_by.end(), r) != held_by.end())
            f.bottleneck = id(waiting) + " waits for resource " + r + " (held by " + id(static_cast<int>(holder)) + ")";
        }
      if (!f.bottleneck.empty()) break;
    }
  if (f.bottleneck.empty() && !f.critical_path.empty())
    f.bottleneck = "critical path: " + id(f.critical_path.front()) +
                   (f.critical_path.size() > 1 ? " (+" + std::to_string(f.critical_path.size() - 1) + " after it)" : "");
  return f;
}

double makespan_lower_bound_tight(const TaskGraph& g, std::span<const double> durations, int workers) {
  const Plan& plan = g.plan();
  workers = std::max(1, workers);
  const auto pending = [&](int t) { return plan.tasks[static_cast<std::size_t>(t)].state == TaskState::pending; };

  // Blocks in phase order: a phase, or consecutive story phases when stories run in parallel.
  std::vector<int> block_of_phase(plan.phases.size());
  int blocks = 0;
  for (std::size_t p = 0; p < plan.phases.size(); ++p) {
    const bool story = plan.phases[p].kind == PhaseKind::user_story;
    const bool joins = story && p > 0 && g.options().stories_parallel &&
                       plan.phases[p - 1].kind == PhaseKind::user_story;
    block_of_phase[p] = joins ? blocks - 1 : blocks++;
  }
  // A task an explicit dependency moved ahead of its phase (3.2 of one phase waits for 4.1
  // of the next: 4.1 runs after what the phase before its own waited for, Graph's
  // `explicit-order`) does not wait for the block before its own: the blocks from the one
  // after the last it waits for to its own are one, so each block still starts when the
  // one before it is done.
  {
    const auto phase_of_gate = [&](int gate) {
      for (int u : g.predecessors(gate))
        if (!g.is_gate(u)) return plan.tasks[static_cast<std::size_t>(u)].phase;
      return -1;
    };
    std::vector<std::vector<int>> by_phase(plan.phases.size());
    for (int t = 0; t < g.task_count(); ++t)
      if (pending(t)) by_phase[static_cast<std::size_t>(plan.tasks[static_cast<std::size_t>(t)].phase)].push_back(t);
    // The last block each phase's pending tasks all wait for, through the gates before them.
    std::vector<int> after(plan.phases.size(), -1);
    std::vector<char> joined(static_cast<std::size_t>(blocks), 0);  // joins the block before it
    bool any = false;
    for (std::size_t p = 0; p < plan.phases.size(); ++p) {
      const int b = block_of_phase[p];
      int all = b - 1;
      for (int t : by_phase[p]) {
        int r = -1;
        for (int x : g.predecessors(t)) {
          if (!g.is_gate(x)) continue;
          const int q = phase_of_gate(x);
          if (q < 0 || static_cast<std::size_t>(q) == p) continue;  // a group's gate in its own phase
          const int bx = block_of_phase[static_cast<std::size_t>(q)];
          r = std::max(r, bx < b ? bx : after[static_cast<std::size_t>(q)]);
        }
        all = std::min(all, r);
        for (int k = r + 2; k <= b; ++k) joined[static_cast<std::size_t>(k)] = 1, any = true;
      }
      after[p] = all;
    }
    if (any) {
      std::vector<int> renumber(static_cast<std::size_t>(blocks));
      int next = -1;
      for (int b = 0; b < blocks; ++b) renumber[static_cast<std::size_t>(b)] = joined[static_cast<std::size_t>(b)] && next >= 0 ? next : ++next;
      for (int& b : block_of_phase) b = renumber[static_cast<std::size_t>(b)];
      blocks = next + 1;
    }
  }
  const int n = g.node_count();
  std::vector<int> block(static_cast<std::size_t>(n), -1);
  for (int t = 0; t < g.task_count(); ++t)
    block[static_cast<std::size_t>(t)] = block_of_phase[static_cast<std::size_t>(plan.tasks[static_cast<std::size_t>(t)].phase)];

  // Inside each block (edges from other blocks do not count): each task's head (the
  // longest chain before it) and tail (the longest chain after it).
  std::vector<double> head(static_cast<std::size_t>(n), 0), tail(static_cast<std::size_t>(n), 0);
  std::vector<double> cp(static_cast<std::size_t>(blocks), 0), work(cp);
  std::vector<std::vector<double>> durs(static_cast<std::size_t>(blocks));
  std::vector<char> all_done(static_cast<std::size_t>(blocks), 1);
  const auto& topo = g.topological_order();
  auto d_of = [&](int v) { return g.is_gate(v) || !pending(v) ? 0.0 : durations[static_cast<std::size_t>(v)]; };
  for (int v : topo) {
    if (g.is_gate(v))  // a gate stands for the tasks before it: it belongs to their block
      for (int u : g.predecessors(v))
        if (block[static_cast<std::size_t>(v)] < 0) block[static_cast<std::size_t>(v)] = block[static_cast<std::size_t>(u)];
    if (!g.is_gate(v) && !pending(v)) continue;  // done: finished at 0, whatever it waited for
    const int b = block[static_cast<std::size_t>(v)];
    double start = 0;
    for (int u : g.predecessors(v))
      if (block[static_cast<std::size_t>(u)] == b) start = std::max(start, head[static_cast<std::size_t>(u)] + d_of(u));
    head[static_cast<std::size_t>(v)] = start;
    if (g.is_gate(v)) continue;
    const double d = d_of(v);
    all_done[static_cast<std::size_t>(b)] = 0;
    cp[static_cast<std::size_t>(b)] = std::max(cp[static_cast<std::size_t>(b)], start + d);
    work[static_cast<std::size_t>(b)] += d;
    durs[static_cast<std::size_t>(b)].push_back(d);
  }
  for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
    const int v = *it;
    double after = 0;
    for (int w : g.successors(v))
      if (block[static_cast<std::size_t>(w)] == block[static_cast<std::size_t>(v)] && (g.is_gate(w) || pending(w)))
        after = std::max(after, tail[static_cast<std::size_t>(w)] + d_of(w));
    tail[static_cast<std::size_t>(v)] = after;
  }
  // Tasks of a block that name one file (or folder) run one after another, as on one machine: the
  // first cannot start before the smallest head, and the smallest tail follows the last.
  struct Machine {
    double sum = 0, head = 1e300, tail = 1e300;
  };
  std::vector<std::unordered_map<std::string_view, Machine>> locks(static_cast<std::size_t>(blocks));
  std::vector<std::string_view> roots;
  for (int t = 0; t < g.task_count(); ++t) {
    if (!pending(t)) continue;
    roots.clear();
    for (const PathRef& p : plan.tasks[static_cast<std::size_t>(t)].paths) {
      // Two tasks holding the same root (a file, or a folder) exclude each other. A task
      // may name one root twice (`jose/` and `jose/*.go`): it is still one job on that machine.
      const std::string_view root = detail::lock_root(p.path);
      if (root.empty() || std::find(roots.begin(), roots.end(), root) != roots.end()) continue;
      roots.push_back(root);
      Machine& m = locks[static_cast<std::size_t>(block[static_cast<std::size_t>(t)])][root];
      m.sum += d_of(t);
      m.head = std::min(m.head, head[static_cast<std::size_t>(t)]);
      m.tail = std::min(m.tail, tail[static_cast<std::size_t>(t)]);
    }
  }
  double best = 0, run = 0;
  for (int b = 0; b < blocks; ++b) {
    if (all_done[static_cast<std::size_t>(b)]) {
      run = 0;  // nothing in it holds up the next block
      continue;
    }
    double bound = std::max(cp[static_cast<std::size_t>(b)], work[static_cast<std::size_t>(b)] / workers);
    auto& d = durs[static_cast<std::size_t>(b)];
    if (static_cast<int>(d.size()) > workers) {
      std::nth_element(d.begin(), d.begin() + workers, d.end(), std::greater<>());
      bound = std::max(bound, *std::min_element(d.begin(), d.begin() + workers) + d[static_cast<std::size_t>(workers)]);
    }
    for (const auto& [path, m] : locks[static_cast<std::size_t>(b)]) bound = std::max(bound, m.head + m.sum + m.tail);
    run += bound;
    best = std::max(best, run);
  }
  return std::max(best, g.makespan_lower_bound(durations, workers));
}

double list_schedule_makespan(const TaskGraph& g, std::span<const double> durations, int workers) {
  std::vector<char> finished(static_cast<std::size_t>(g.task_count()), 0);
  for (int t = 0; t < g.task_count(); ++t)
    finished[static_cast<std::size_t>(t)] = g.plan().tasks[static_cast<std::size_t>(t)].state != TaskState::pending;
  return list_schedule(g, durations, workers, {}, finished);
}

FLOW_END_NAMESPACE
}  // namespace flow
