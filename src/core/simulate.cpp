// SPDX-License-Identifier: MIT
// The simulated run loop: scheduler + policy + scripted faults on a virtual clock.
#include <flow/simulate.hpp>

#include <flow/estimate.hpp>

#include "support/random.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <queue>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

using detail::unit_interval;

std::string seconds_text(double s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "after %.1f s", s);
  return buf;
}

}  // namespace

std::vector<double> lognormal_durations(int n, double median, double sigma, std::uint64_t seed) {
  std::vector<double> out(static_cast<std::size_t>(std::max(0, n)));
  std::uint64_t s = seed;
  for (double& d : out) {
    // Box-Muller from our own generator, so a seed means the same on every platform.
    const double u1 = std::max(unit_interval(s), 1e-300), u2 = unit_interval(s);
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    d = median * std::exp(sigma * z);
  }
  return out;
}

Result<std::vector<Fault>> parse_faults(std::string_view spec) {
  std::vector<Fault> out;
  std::size_t pos = 0;
  while (pos < spec.size()) {
    std::size_t end = spec.find(',', pos);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view item = detail::trim(spec.substr(pos, end - pos));
    pos = end + 1;
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return make_error(Errc::invalid_argument, "fault \"" + std::string(item) + "\": expected ID=class[*N][@reset]");
    Fault f;
    f.task = std::string(item.substr(0, eq));
    std::string_view rest = item.substr(eq + 1);
    std::size_t cut = rest.find_first_of("*@%");
    const auto cls = failure_class_from_string(rest.substr(0, cut));
    if (!cls) return make_error(Errc::invalid_argument, "fault \"" + std::string(item) + "\": unknown failure class");
    f.cls = *cls;
    while (cut != std::string_view::npos) {
      const char op = rest[cut];
      std::size_t e = rest.find_first_of("*@%", cut + 1);
      const std::string num(rest.substr(cut + 1, e == std::string_view::npos ? std::string_view::npos : e - cut - 1));
      char* stop = nullptr;
      const double v = std::strtod(num.c_str(), &stop);
      if (num.empty() || *stop != '\0' || v < 0)
        return make_error(Errc::invalid_argument, "fault \"" + std::string(item) + "\": bad number \"" + num + "\"");
      if (op == '*') f.times = static_cast<int>(v);
      else if (op == '@') f.reset_after = v;
      else f.percent = v;
      cut = e;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<EtaPoint> eta_trace(const TaskGraph& g, const SimReport& r, std::span<const Estimate> prior, int workers,
                                std::span<const int> at, std::span<const std::vector<std::string>> resources) {
  const auto n = static_cast<std::size_t>(g.task_count());
  std::vector<TaskStatus> status(n, TaskStatus::waiting);
  std::vector<double> started(n, 0), seconds(n, 0);
  int total = 0, done = 0;
  for (std::size_t t = 0; t < n; ++t) {
    if (g.plan().tasks[t].state != TaskState::pending) status[t] = TaskStatus::succeeded;
    else if (r.status.size() == n && r.status[t] == TaskStatus::excluded) status[t] = TaskStatus::excluded;
    else ++total;
  }
  std::vector<EtaPoint> out;
  int completions = 0;   // in the batch of events at the current time
  int attempts = 0, failures = 0;
  // Per task: when its retry may start after a rate-limit failure (the gate is closed for
  // every task until then), else -1.
  std::vector<double> gated(n, -1);
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    const SimEvent& e = r.events[i];
    if (e.task >= 0) {
      const auto t = static_cast<std::size_t>(e.task);
      if (e.kind == "start") {
        status[t] = TaskStatus::running;
        gated[t] = -1;
        started[t] = e.time;
        ++attempts;
      } else if (e.kind == "finish") {
        status[t] = TaskStatus::succeeded;
        seconds[t] = e.time - started[t];
        ++completions;
      } else if (e.kind == "fail") {
        status[t] = TaskStatus::failed;   // until a retry says otherwise
        ++failures;
      } else if (e.kind == "retry") {
        status[t] = TaskStatus::ready;
        // The fail event just before says why; the retry says after how long.
        const bool limited = i > 0 && r.events[i - 1].task == e.task && r.events[i - 1].kind == "fail" &&
                             r.events[i - 1].detail.rfind("rate_limit", 0) == 0;
        gated[t] = limited ? e.time + std::strtod(e.detail.c_str() + (e.detail.rfind("after ", 0) == 0 ? 6 : 0), nullptr) : -1;
      } else if (e.kind == "skip") {
        status[t] = TaskStatus::skipped;
        ++completions;
      }
    }
    // Forecast once what happened at this moment is all known (the tasks a completion
    // made ready have started).
    if (completions == 0 || (i + 1 < r.events.size() && r.events[i + 1].time == e.time)) continue;
    if (!at.empty() && std::none_of(at.begin(), at.end(), [&](int k) { return k > done && k <= done + completions; })) {
      done += completions;
      completions = 0;
      continue;
    }
    std::map<int, double> elapsed;
    for (std::size_t t = 0; t < n; ++t)
      if (status[t] == TaskStatus::running) elapsed[static_cast<int>(t)] = e.time - started[t];
    const std::vector<Estimate> est = learn_estimates(g, prior, status, seconds, elapsed);
    // The share of attempts that failed, with a prior of none in two.
    const double fail_rate = static_cast<double>(failures) / (attempts + 2.0);
    // A ready task held back by a closed rate-limit gate: said as the live view says it.
    std::string held;
    for (std::size_t t = 0; t < n; ++t)
      if (status[t] == TaskStatus::ready && gated[t] > e.time)
        held = "rate-limit gate closed (" + g.plan().tasks[t].id + " hit the limit)";
    const Forecast f = forecast(g, status, est, elapsed, workers, e.time, held, fail_rate, resources);
    for (; completions > 0; --completions) out.push_back(EtaPoint{++done, total, e.time, f});
  }
  return out;
}

SimReport simulate(const TaskGraph& g, const SimOptions& opt, RecoveryPolicy& policy) {
  const int n = g.task_count();
  SimReport r;
  r.durations = opt.durations.size() == static_cast<std::size_t>(n) ? opt.durations
                                                                     : lognormal_durations(n, 300, 0.5, opt.seed);
  SchedulerOptions so = opt.scheduler;
  if (so.estimates.size() != static_cast<std::size_t>(n)) so.estimates = r.durations;
  Scheduler s(g, so);
  const int workers = std::max(1, so.workers);

  std::map<std::string, std::vector<int>> ids;
  for (int t = 0; t < n; ++t) ids[g.plan().tasks[static_cast<std::size_t>(t)].id].push_back(t);
  std::vector<int> fault_of(static_cast<std::size_t>(n), -1);
  double random_percent = opt.random_fail_percent;
  FailureClass random_class = opt.random_fail_class;
  for (std::size_t k = 0; k < opt.faults.size(); ++k) {
    const Fault& f = opt.faults[k];
    if (f.task == "*") {
      random_percent = f.percent;
      random_class = f.cls;
      continue;
    }
    if (auto it = ids.find(f.task); it != ids.end())
      for (int t : it->second) fault_of[static_cast<std::size_t>(t)] = static_cast<int>(k);
  }
  std::uint64_t rng = opt.seed ^ 0xfa17;

  // Wave barriers: only the current wave may start.
  std::vector<std::vector<int>> waves;
  std::size_t wave = 0;
  if (opt.wave_barriers) {
    waves = g.waves();
    for (std::size_t w = 1; w < waves.size(); ++w)
      for (int t : waves[w]) s.hold(t);
  }
  auto finished = [&](int t) {
    const TaskStatus st = s.status(t);
    return st != TaskStatus::waiting && st != TaskStatus::ready && st != TaskStatus::running;
  };

  std::vector<int> attempt(static_cast<std::size_t>(n), 0);
  using Run = std::pair<double, int>;
  std::priority_queue<Run, std::vector<Run>, std::greater<>> running;
  double now = 0;
  // The agents: the run's own, then its fallbacks; each task starts on its preferred
  // one (the run's, or the one a fallback decision named) unless its gate is closed.
  AgentLoad load(opt.agents.empty() ? std::vector<std::string>{"default"} : opt.agents, opt.agent_max_workers, workers,
                 opt.aimd);
  const std::string& own = load.agents().front();
  std::vector<std::string> preferred(static_cast<std::size_t>(n), own), on(static_cast<std::size_t>(n));
  std::vector<double> task_cost(static_cast<std::size_t>(n), 0);
  r.min_limit = load.limit(own);
  for (;;) {
    if (load.any_room(policy, now)) {
      std::vector<int> later;  // no agent can take them now: back to ready after this round
      while (auto t = s.start_next(now)) {
        const auto ti = static_cast<std::size_t>(*t);
        const auto agent = load.choose(preferred[ti], policy, now);
        if (!agent) {
          s.retry(*t, now);
          s.hold(*t);
          later.push_back(*t);
          continue;
        }
        on[ti] = *agent;
        load.started(*agent);
        ++attempt[ti];
        ++r.attempts;
        const double d = r.durations[ti];
        r.busy += d;
        running.emplace(now + d, *t);
        r.events.push_back({now, "start", *t, attempt[ti], *agent == own ? std::string() : *agent});
      }
      for (int t : later) s.release(t);
    }
    if (running.empty()) {
      if (opt.wave_barriers && wave + 1 < waves.size() &&
          std::all_of(waves[wave].begin(), waves[wave].end(), finished)) {
        for (int t : waves[++wave]) s.release(t);
        continue;
      }
      if (s.done()) break;
      std::optional<double> wake = s.next_wake(now);
      if (auto gate = load.next_gate(policy, now)) wake = wake ? std::min(*wake, *gate) : *gate;
      if (!wake) {
        r.deadlock = s.deadlock();
        break;
      }
      r.events.push_back({now, "wait", -1, 0, "nothing can start for " + seconds_text(*wake - now).substr(6)});
      now = *wake;
      continue;
    }
    const auto [end, t] = running.top();
    running.pop();
    now = end;
    const int a = attempt[static_cast<std::size_t>(t)];
    const std::string& agent = on[static_cast<std::size_t>(t)];
    std::optional<Failure> failure;
    if (const int k = fault_of[static_cast<std::size_t>(t)]; k >= 0 && a <= opt.faults[static_cast<std::size_t>(k)].times) {
      const Fault& f = opt.faults[static_cast<std::size_t>(k)];
      failure = Failure{f.cls, agent, f.reset_after ? std::optional<double>(now + *f.reset_after) : std::nullopt,
                        "scripted fault"};
    } else if (random_percent > 0 && unit_interval(rng) * 100 < random_percent) {
      failure = Failure{random_class, agent, std::nullopt, "random fault"};
    }
    // A 429 without a reset asks for less pressure (AIMD); a usage limit with a reset
    // closes the agent's gate instead, and shrinking would only slow the time after it.
    if (auto limit = load.ended(agent, failure && failure->cls == FailureClass::rate_limit && !failure->reset_at, now)) {
      r.min_limit = std::min(r.min_limit, *limit);
      r.events.push_back({now, "concurrency", -1, 0, describe_limit(agent, *limit, load.cap(agent))});
    }
    if (opt.costs.size() == static_cast<std::size_t>(n)) {
      task_cost[static_cast<std::size_t>(t)] += opt.costs[static_cast<std::size_t>(t)];
      r.cost_usd += opt.costs[static_cast<std::size_t>(t)];
    }
    if (!failure) {
      s.finish(t, TaskStatus::succeeded);
      r.events.push_back({now, "finish", t, a, {}});
    } else {
      const Task& task = g.plan().tasks[static_cast<std::size_t>(t)];
      Decision d = policy.on_failure({&task, &g.plan().phases[static_cast<std::size_t>(task.phase)], a}, *failure, now);
      if (auto spent = task_budget_reached(opt.budget, task_cost[static_cast<std::size_t>(t)]);
          spent && d.kind == Decision::Kind::retry) {
        d.kind = Decision::Kind::fail;
        d.reason += "; " + *spent;
      }
      r.events.push_back({now, "fail", t, a, d.reason});
      switch (d.kind) {
        case Decision::Kind::retry:
          ++r.retries;
          if (!d.agent.empty() && load.cap(d.agent) > 0) preferred[static_cast<std::size_t>(t)] = d.agent;
          // A closed gate is a wait only for its own agent: with a fallback open, no wait.
          if (load.can_move(preferred[static_cast<std::size_t>(t)], policy, now)) d.delay = 0;
          s.retry(t, now + d.delay);
          r.events.push_back({now, "retry", t, a + 1,
                              seconds_text(d.delay) + (d.agent.empty() ? "" : " with " + d.agent) +
                                  (d.strategy.empty() ? "" : ", strategy " + d.strategy) +
                                  (d.instruction.empty() ? "" : ", with its instruction")});
          break;
        case Decision::Kind::skip:
          s.finish(t, TaskStatus::skipped);
          r.events.push_back({now, "skip", t, a, d.reason});
          break;
        case Decision::Kind::abort:
          s.finish(t, TaskStatus::failed);
          s.cancel();
          r.events.push_back({now, "abort", t, a, d.reason});
          break;
        case Decision::Kind::fail:
          s.finish(t, TaskStatus::failed);
          if (d.needs_attention) {
            r.needs_attention.push_back(t);
            r.events.push_back({now, "needs-attention", t, a, d.reason});
          }
          break;
      }
    }
    if (r.budget_reached.empty())
      if (auto spent = run_budget_reached(opt.budget, r.cost_usd)) {
        // Nothing new starts; what runs finishes (and is paid for).
        r.budget_reached = *spent;
        s.cancel();
        r.events.push_back({now, "budget-reached", -1, 0, *spent});
      }
    if (opt.wave_barriers)
      while (wave + 1 < waves.size() && std::all_of(waves[wave].begin(), waves[wave].end(), finished))
        for (int u : waves[++wave]) s.release(u);
  }
  r.makespan = now;
  r.status.resize(static_cast<std::size_t>(n));
  r.blocked_by.resize(static_cast<std::size_t>(n));
  std::vector<double> work(static_cast<std::size_t>(n), 0);
  for (int t = 0; t < n; ++t) {
    r.status[static_cast<std::size_t>(t)] = s.status(t);
    r.blocked_by[static_cast<std::size_t>(t)] = s.blocked_by(t);
    // The bound covers the work this run attempted (blocked tasks never ran).
    if (attempt[static_cast<std::size_t>(t)] > 0) work[static_cast<std::size_t>(t)] = r.durations[static_cast<std::size_t>(t)];
  }
  r.lower_bound = g.makespan_lower_bound(work, workers);
  r.efficiency = r.makespan > 0 ? r.lower_bound / r.makespan : 1.0;
  r.tight_lower_bound = makespan_lower_bound_tight(g, work, workers);
  r.tight_efficiency = r.makespan > 0 ? r.tight_lower_bound / r.makespan : 1.0;
  r.idle = std::max(0.0, workers * r.makespan - r.busy);
  return r;
}

FLOW_END_NAMESPACE
}  // namespace flow
