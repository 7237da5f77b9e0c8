// SPDX-License-Identifier: MIT
// The scheduler's state machine: readiness through gates, critical-path-first order,
// exclusive locks, retry delays, blocking with causes.
#include <flow/scheduler.hpp>

#include "core/locks.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <set>
#include <string>
#include <utility>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

// Exclusive locks on paths (a folder, ending in '/', covers what is inside it) and on
// named resources.
class LockTable {
 public:
  /// A held lock that keeps a task with these paths and resources from starting, as a
  /// key ('r' + resource, 'p' + path); empty when all are free.
  std::string blocker(const std::vector<std::string>& paths, const std::vector<std::string>& resources) const {
    for (const std::string& r : resources)
      if (resources_.count(r)) return "r" + r;
    for (const std::string& p : paths) {
      if (paths_.count(p)) return "p" + p;
      // A held folder that contains p.
      for (std::size_t i = p.find('/'); i != std::string::npos && i + 1 < p.size(); i = p.find('/', i + 1))
        if (paths_.count(p.substr(0, i + 1))) return "p" + p.substr(0, i + 1);
      // p is a folder that contains a held path.
      if (!p.empty() && p.back() == '/') {
        auto it = paths_.lower_bound(p);
        if (it != paths_.end() && it->compare(0, p.size(), p) == 0) return "p" + *it;
      }
    }
    return {};
  }
  void acquire(const std::vector<std::string>& paths, const std::vector<std::string>& resources) {
    for (const auto& p : paths) paths_.insert(p);
    for (const auto& r : resources) resources_.insert(r);
  }
  /// Releases them; `freed` gets the key of each lock that was held.
  void release(const std::vector<std::string>& paths, const std::vector<std::string>& resources,
               std::vector<std::string>& freed) {
    for (const auto& p : paths)
      if (paths_.erase(p)) freed.push_back("p" + p);
    for (const auto& r : resources)
      if (resources_.erase(r)) freed.push_back("r" + r);
  }

 private:
  std::set<std::string> paths_;
  std::set<std::string> resources_;
};

}  // namespace

struct Scheduler::Impl {
  const TaskGraph& g;
  SchedulerOptions opt;
  int tasks;
  std::vector<TaskStatus> status;
  std::vector<int> pending;        // unsatisfied predecessors, per node
  std::vector<char> satisfied;     // per node
  std::vector<double> priority;    // longest remaining path, per node
  std::vector<int> blocked_by;
  std::vector<std::vector<std::string>> locks;  // per task: lock roots of its paths
  std::set<std::pair<double, int>> ready;       // (-priority, task)
  // Ready tasks a held lock keeps from starting, out of `ready` until that lock is
  // released, so that a decision does not walk past them: with thousands of ready tasks
  // naming one file, it would walk them all, every time. They go back into `ready` with
  // their own key, so the order, and so every decision, is what a full walk would give.
  std::unordered_map<std::string, std::vector<int>> parked;  // lock key -> tasks
  std::vector<char> is_parked;                                // per task
  std::vector<int> parked_exclusive;  // tasks that name no file, waiting for nothing to run
  std::multimap<double, int> delayed;           // not_before -> task
  LockTable table;
  std::vector<char> held;
  int running = 0;
  bool exclusive_running = false;
  bool stopped = false;
  bool canceled = false;

  Impl(const TaskGraph& graph, SchedulerOptions o) : g(graph), opt(std::move(o)), tasks(graph.task_count()) {
    const int n = g.node_count();
    if (opt.workers < 1) opt.workers = 1;
    if (opt.estimates.size() != static_cast<std::size_t>(tasks)) opt.estimates.assign(static_cast<std::size_t>(tasks), 1.0);
    status.assign(static_cast<std::size_t>(tasks), TaskStatus::waiting);
    pending.resize(static_cast<std::size_t>(n));
    satisfied.assign(static_cast<std::size_t>(n), 0);
    blocked_by.assign(static_cast<std::size_t>(tasks), -1);
    priority = g.remaining_length(opt.estimates);
    held.assign(static_cast<std::size_t>(tasks), 0);
    is_parked.assign(static_cast<std::size_t>(tasks), 0);
    if (opt.order == ScheduleOrder::document) {
      for (int v = 0; v < n; ++v) priority[static_cast<std::size_t>(v)] = -v;
    } else if (opt.order == ScheduleOrder::random) {
      std::uint64_t s = opt.seed;
      for (int v = 0; v < n; ++v) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        priority[static_cast<std::size_t>(v)] = static_cast<double>(s >> 11);
      }
    }
    locks.resize(static_cast<std::size_t>(tasks));
    for (int t = 0; t < tasks; ++t)
      for (const PathRef& p : g.plan().tasks[static_cast<std::size_t>(t)].paths) locks[static_cast<std::size_t>(t)].emplace_back(detail::lock_root(p.path));
    for (int v = 0; v < n; ++v) pending[static_cast<std::size_t>(v)] = static_cast<int>(g.predecessors(v).size());

    // Marks in the file come first: done tasks are done, other marks skipped.
    std::vector<int> excluded;
    for (int t = 0; t < tasks; ++t) {
      const Task& task = g.plan().tasks[static_cast<std::size_t>(t)];
      auto& st = status[static_cast<std::size_t>(t)];
      if (task.state == TaskState::done) st = TaskStatus::succeeded;
      else if (task.state == TaskState::other) st = TaskStatus::skipped;
      else if (!opt.selected.empty() && !opt.selected[static_cast<std::size_t>(t)]) {
        st = TaskStatus::excluded;
        excluded.push_back(t);
      }
    }
    for (int t = 0; t < tasks; ++t)
      if (status[static_cast<std::size_t>(t)] == TaskStatus::succeeded || status[static_cast<std::size_t>(t)] == TaskStatus::skipped)
        satisfy(t);
    for (int v = 0; v < n; ++v)
      if (pending[static_cast<std::size_t>(v)] == 0) unblocked(v);
    for (int t : excluded) block_dependents(t, t);
  }

  bool is_task(int v) const { return v < tasks; }

  void satisfy(int v) {
    std::vector<int> stack{v};
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      if (satisfied[static_cast<std::size_t>(u)]) continue;
      satisfied[static_cast<std::size_t>(u)] = 1;
      for (int w : g.successors(u)) {
        if (--pending[static_cast<std::size_t>(w)] != 0) continue;
        if (!is_task(w)) stack.push_back(w);  // a gate opens as soon as its tasks are through
        else unblocked(w);
      }
    }
  }

  void unblocked(int v) {
    if (!is_task(v)) {
      satisfy(v);
      return;
    }
    if (status[static_cast<std::size_t>(v)] != TaskStatus::waiting) return;
    status[static_cast<std::size_t>(v)] = TaskStatus::ready;
    ready.emplace(-priority[static_cast<std::size_t>(v)], v);
  }

  // Everything downstream of `from` that has not finished is blocked by `cause`.
  void block_dependents(int from, int cause) {
    std::vector<int> stack(g.successors(from).begin(), g.successors(from).end());
    std::vector<char> seen(static_cast<std::size_t>(g.node_count()), 0);
    while (!stack.empty()) {
      const int v = stack.back();
      stack.pop_back();
      if (seen[static_cast<std::size_t>(v)]) continue;
      seen[static_cast<std::size_t>(v)] = 1;
      if (is_task(v)) {
        auto& st = status[static_cast<std::size_t>(v)];
        if (st != TaskStatus::waiting && st != TaskStatus::ready) continue;
        if (st == TaskStatus::ready) remove_ready(v);
        st = TaskStatus::blocked;
        blocked_by[static_cast<std::size_t>(v)] = cause;
      }
      for (int w : g.successors(v)) stack.push_back(w);
    }
  }

  void remove_ready(int t) {
    ready.erase({-priority[static_cast<std::size_t>(t)], t});
    is_parked[static_cast<std::size_t>(t)] = 0;  // its entry in `parked` is dropped when the lock goes
    for (auto it = delayed.begin(); it != delayed.end(); ++it)
      if (it->second == t) {
        delayed.erase(it);
        break;
      }
  }

  const std::vector<std::string>& resources(int t) const {
    static const std::vector<std::string> none;
    return opt.resources.size() == static_cast<std::size_t>(tasks) ? opt.resources[static_cast<std::size_t>(t)] : none;
  }

  bool unknown_files(int t) const { return opt.unknown_files_exclusive && locks[static_cast<std::size_t>(t)].empty(); }

  std::optional<int> start_next(double now) {
    if (stopped || canceled || running >= opt.workers || exclusive_running) return std::nullopt;
    while (!delayed.empty() && delayed.begin()->first <= now) {
      const int t = delayed.begin()->second;
      delayed.erase(delayed.begin());
      ready.emplace(-priority[static_cast<std::size_t>(t)], t);
    }
    for (auto it = ready.begin(); it != ready.end();) {
      const int t = it->second;
      if (held[static_cast<std::size_t>(t)]) {
        ++it;
        continue;
      }
      if (unknown_files(t) && running > 0) {
        park(it, t, parked_exclusive);
        continue;
      }
      if (std::string key = table.blocker(locks[static_cast<std::size_t>(t)], resources(t)); !key.empty()) {
        park(it, t, parked[key]);
        continue;
      }
      ready.erase(it);
      table.acquire(locks[static_cast<std::size_t>(t)], resources(t));
      status[static_cast<std::size_t>(t)] = TaskStatus::running;
      ++running;
      exclusive_running = unknown_files(t);
      return t;
    }
    return std::nullopt;
  }

  void park(std::set<std::pair<double, int>>::iterator& it, int t, std::vector<int>& on) {
    it = ready.erase(it);
    is_parked[static_cast<std::size_t>(t)] = 1;
    on.push_back(t);
  }

  // Tasks parked on what was just released go back into the ready set; those that left
  // it meanwhile (blocked, skipped, canceled) are dropped.
  void unpark(std::vector<int>& tasks_back) {
    for (int t : tasks_back) {
      if (!is_parked[static_cast<std::size_t>(t)]) continue;
      is_parked[static_cast<std::size_t>(t)] = 0;
      if (status[static_cast<std::size_t>(t)] == TaskStatus::ready) ready.emplace(-priority[static_cast<std::size_t>(t)], t);
    }
    tasks_back.clear();
  }

  // The run stops: what has not started never will, blocked by `cause` (-1: canceled).
  void stop_all(int cause) {
    for (int t = 0; t < tasks; ++t) {
      auto& st = status[static_cast<std::size_t>(t)];
      if (st != TaskStatus::waiting && st != TaskStatus::ready) continue;
      if (st == TaskStatus::ready) remove_ready(t);
      st = TaskStatus::blocked;
      blocked_by[static_cast<std::size_t>(t)] = cause;
    }
  }

  void stop_running(int t) {
    FLOW_ASSERT(status[static_cast<std::size_t>(t)] == TaskStatus::running);
    std::vector<std::string> freed;
    table.release(locks[static_cast<std::size_t>(t)], resources(t), freed);
    for (const std::string& key : freed)
      if (auto it = parked.find(key); it != parked.end()) {
        unpark(it->second);
        parked.erase(it);
      }
    --running;
    if (unknown_files(t)) exclusive_running = false;
    if (running == 0) unpark(parked_exclusive);
  }
};

Scheduler::Scheduler(const TaskGraph& graph, SchedulerOptions options)
    : impl_(std::make_unique<Impl>(graph, std::move(options))) {}
Scheduler::~Scheduler() = default;
Scheduler::Scheduler(Scheduler&&) noexcept = default;
Scheduler& Scheduler::operator=(Scheduler&&) noexcept = default;

std::optional<int> Scheduler::start_next(double now) { return impl_->start_next(now); }

void Scheduler::finish(int task, TaskStatus outcome) {
  Impl& m = *impl_;
  if (m.status[static_cast<std::size_t>(task)] != TaskStatus::running) return;
  m.stop_running(task);
  switch (outcome) {
    case TaskStatus::succeeded:
    case TaskStatus::skipped:
      m.status[static_cast<std::size_t>(task)] = outcome;
      m.satisfy(task);
      break;
    default:
      m.status[static_cast<std::size_t>(task)] = TaskStatus::failed;
      m.block_dependents(task, task);
      if (m.opt.fail_fast) {
        m.stopped = true;
        m.stop_all(task);
      }
      break;
  }
}

void Scheduler::retry(int task, double not_before) {
  Impl& m = *impl_;
  if (m.status[static_cast<std::size_t>(task)] != TaskStatus::running) return;
  m.stop_running(task);
  m.status[static_cast<std::size_t>(task)] = TaskStatus::ready;
  m.delayed.emplace(not_before, task);
}

void Scheduler::skip(int task) {
  Impl& m = *impl_;
  auto& st = m.status[static_cast<std::size_t>(task)];
  if (st != TaskStatus::waiting && st != TaskStatus::ready) return;
  if (st == TaskStatus::ready) m.remove_ready(task);
  st = TaskStatus::skipped;
  m.satisfy(task);
}

bool Scheduler::reopen(int task) {
  Impl& m = *impl_;
  if (m.stopped || m.canceled || task < 0 || task >= m.tasks) return false;
  if (m.status[static_cast<std::size_t>(task)] == TaskStatus::blocked) task = m.blocked_by[static_cast<std::size_t>(task)];
  if (task < 0 || m.status[static_cast<std::size_t>(task)] != TaskStatus::failed) return false;
  // Everything blocked goes back to waiting, then the failures still standing block
  // their dependents again: a task downstream of two failures stays blocked.
  m.status[static_cast<std::size_t>(task)] = TaskStatus::waiting;
  std::vector<int> failed;
  for (int t = 0; t < m.tasks; ++t) {
    auto& st = m.status[static_cast<std::size_t>(t)];
    if (st == TaskStatus::failed) failed.push_back(t);
    if (st != TaskStatus::blocked || m.blocked_by[static_cast<std::size_t>(t)] < 0) continue;
    const TaskStatus cause = m.status[static_cast<std::size_t>(m.blocked_by[static_cast<std::size_t>(t)])];
    if (cause == TaskStatus::excluded) continue;  // outside the filters: stays blocked
    st = TaskStatus::waiting;
    m.blocked_by[static_cast<std::size_t>(t)] = -1;
    if (m.pending[static_cast<std::size_t>(t)] == 0) m.unblocked(t);
  }
  if (m.pending[static_cast<std::size_t>(task)] == 0) m.unblocked(task);
  for (int t : failed) m.block_dependents(t, t);
  return true;
}

void Scheduler::cancel() noexcept {
  impl_->canceled = true;
  impl_->stop_all(-1);
}
void Scheduler::hold(int task) { impl_->held[static_cast<std::size_t>(task)] = 1; }
void Scheduler::release(int task) { impl_->held[static_cast<std::size_t>(task)] = 0; }

bool Scheduler::done() const noexcept {
  const Impl& m = *impl_;
  if (m.running > 0) return false;
  return m.stopped || m.canceled || (m.ready.empty() && m.delayed.empty());
}

int Scheduler::running_count() const noexcept { return impl_->running; }
bool Scheduler::stopped() const noexcept { return impl_->stopped || impl_->canceled; }

std::optional<double> Scheduler::next_wake(double now) const {
  for (const auto& [t, task] : impl_->delayed)
    if (t > now) return t;
  return std::nullopt;
}

TaskStatus Scheduler::status(int task) const { return impl_->status[static_cast<std::size_t>(task)]; }
int Scheduler::blocked_by(int task) const { return impl_->blocked_by[static_cast<std::size_t>(task)]; }
const TaskGraph& Scheduler::graph() const noexcept { return impl_->g; }

std::optional<Deadlock> Scheduler::deadlock() const {
  const Impl& m = *impl_;
  if (m.running > 0 || !m.delayed.empty() || m.stopped || m.canceled) return std::nullopt;
  // Ready tasks that are not held could start: no deadlock.
  for (const auto& [prio, t] : m.ready)
    if (!m.held[static_cast<std::size_t>(t)]) return std::nullopt;
  Deadlock d;
  for (int t = 0; t < m.tasks; ++t) {
    const TaskStatus st = m.status[static_cast<std::size_t>(t)];
    if (st != TaskStatus::waiting && st != TaskStatus::ready) continue;
    Deadlock::Wait w{t, {}};
    for (int p : m.g.task_predecessors(t)) {
      const TaskStatus s = m.status[static_cast<std::size_t>(p)];
      if (s != TaskStatus::succeeded && s != TaskStatus::skipped) w.waits_for.push_back(p);
    }
    d.waits.push_back(std::move(w));
  }
  if (d.waits.empty()) return std::nullopt;
  return d;
}

const char* to_string(TaskStatus s) noexcept {
  switch (s) {
    case TaskStatus::waiting: return "waiting";
    case TaskStatus::ready: return "ready";
    case TaskStatus::running: return "running";
    case TaskStatus::succeeded: return "succeeded";
    case TaskStatus::failed: return "failed";
    case TaskStatus::blocked: return "blocked";
    case TaskStatus::skipped: return "skipped";
    case TaskStatus::excluded: return "excluded";
  }
  return "?";
}

std::vector<std::vector<std::string>> resources_by_task(
    const Plan& plan, std::span<const std::pair<std::string, std::vector<std::string>>> claims) {
  std::vector<std::vector<std::string>> out;
  if (claims.empty()) return out;
  out.resize(plan.tasks.size());
  for (std::size_t t = 0; t < plan.tasks.size(); ++t) {
    const Task& task = plan.tasks[t];
    for (const auto& [who, names] : claims)
      if (task.id == who || task.story_label == who || std::find(task.labels.begin(), task.labels.end(), who) != task.labels.end())
        out[t].insert(out[t].end(), names.begin(), names.end());
  }
  return out;
}

FLOW_END_NAMESPACE
}  // namespace flow
