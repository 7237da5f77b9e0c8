// SPDX-License-Identifier: MIT
// Estimates from history, list-scheduled ETA ranges and bottlenecks.
#include <flow/estimate.hpp>

#include "locks.hpp"

#include <algorithm>
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
  auto push = [&](int v) {
    if (is_finished(v)) return;  // already completed at time 0
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
  for (int t = 0; t < g.task_count(); ++t) {
    if (!pending(t)) continue;
    for (const PathRef& p : plan.tasks[static_cast<std::size_t>(t)].paths) {
      // Two tasks holding the same root (a file, or a folder) exclude each other.
      const std::string_view root = detail::lock_root(p.path);
      if (root.empty()) continue;
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
