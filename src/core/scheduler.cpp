// SPDX-License-Identifier: MIT
// The scheduler's state machine: readiness through gates, critical-path-first order,
// exclusive locks, retry delays, blocking with causes.
#include <flow/scheduler.hpp>

#include "core/locks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>
#include <set>
#include <string>
#include <string_view>
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
  /// Whether the lock with this key (as blocker() gives it) is held.
  bool holds(const std::string& key) const {
    const std::string_view name = std::string_view(key).substr(1);
    const auto& set = key[0] == 'r' ? resources_ : paths_;
    return set.find(name) != set.end();
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
  std::set<std::string, std::less<>> paths_;
  std::set<std::string, std::less<>> resources_;
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
  using Key = std::pair<double, int>;  // (-priority, task): the order tasks start in
  std::set<Key> ready;
  // Ready tasks that a held lock keeps from starting wait out of `ready`, in a queue per
  // lock, so that a decision does not walk past them: with thousands of ready tasks
  // naming one file it would walk them all, every time. Queue 0 holds the tasks that name
  // no file (unknown_files_exclusive) while anything runs; the others are keyed by the
  // held lock a task met first. A queue is open when what it waits for is free.
  // A decision must be exactly the one a walk over every ready task would make, so an
  // open queue is walked in step with `ready`: its best task is woken into `ready` (the
  // queue's "representative") and, whenever the walk passes a representative without
  // starting it, or it leaves `ready` otherwise, the queue's next best task is woken in
  // its turn. The invariant: an open, non-empty queue has a representative in `ready`
  // ordered before every task still in the queue. A released lock thus wakes one task
  // (O(log n)), and a task is looked at again only when the walk reaches it.
  struct Queue {
    std::string key;  // the lock's key; empty for queue 0
    std::set<Key> tasks;
  };
  std::vector<Queue> queues{Queue{}};
  std::unordered_map<std::string, int> queue_of_key;
  std::vector<int> parked_in;  // per task: the queue it waits in, or -1
  std::vector<int> woken_from;  // per task in `ready`: the queue it represents, or -1
  std::size_t parked_count = 0;
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
    for (double& e : opt.estimates)
      if (!(e >= 0) || e == std::numeric_limits<double>::infinity()) e = 0;
    status.assign(static_cast<std::size_t>(tasks), TaskStatus::waiting);
    pending.resize(static_cast<std::size_t>(n));
    satisfied.assign(static_cast<std::size_t>(n), 0);
    blocked_by.assign(static_cast<std::size_t>(tasks), -1);
    priority = g.remaining_length(opt.estimates);
    held.assign(static_cast<std::size_t>(tasks), 0);
    parked_in.assign(static_cast<std::size_t>(tasks), -1);
    woken_from.assign(static_cast<std::size_t>(tasks), -1);
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
    // A task marked otherwise (`[~]`: begun, deferred) is not done: what the author made
    // depend on it, or on its story, explicitly waits, blocked by it
    // (TaskGraph::set_aside). Document order alone does not hold the rest of the file
    // behind a task the author set aside.
    for (const Edge& e : g.edges()) {
      const int aside = g.set_aside(e.from);
      if (aside < 0 || !is_written(e.reason.rule)) continue;
      if (is_task(e.to)) {
        auto& st = status[static_cast<std::size_t>(e.to)];
        if (st != TaskStatus::waiting) continue;
        st = TaskStatus::blocked;
        blocked_by[static_cast<std::size_t>(e.to)] = aside;
      }
      block_dependents(e.to, aside);
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

  Key key_of(int t) const { return {-priority[static_cast<std::size_t>(t)], t}; }

  bool open(int q) const { return q == 0 ? running == 0 : !table.holds(queues[static_cast<std::size_t>(q)].key); }

  // Moves queue q's best task into `ready` as its representative, if q is open.
  void wake(int q) {
    Queue& queue = queues[static_cast<std::size_t>(q)];
    if (queue.tasks.empty() || !open(q)) return;
    const Key k = *queue.tasks.begin();
    queue.tasks.erase(queue.tasks.begin());
    --parked_count;
    parked_in[static_cast<std::size_t>(k.second)] = -1;
    woken_from[static_cast<std::size_t>(k.second)] = q;
    ready.insert(k);
  }

  // The walk is done with t (started, parked, held, or gone from the ready set): if t
  // stood for a queue, that queue's next task takes its place.
  void passed(int t) {
    const int q = woken_from[static_cast<std::size_t>(t)];
    if (q < 0) return;
    woken_from[static_cast<std::size_t>(t)] = -1;
    wake(q);
  }

  void park(int t, int q) {
    queues[static_cast<std::size_t>(q)].tasks.insert(key_of(t));
    parked_in[static_cast<std::size_t>(t)] = q;
    ++parked_count;
  }

  int queue_for(const std::string& key) {
    auto [it, added] = queue_of_key.try_emplace(key, static_cast<int>(queues.size()));
    if (added) queues.push_back(Queue{key, {}});
    return it->second;
  }

  void remove_ready(int t) {
    if (const int q = parked_in[static_cast<std::size_t>(t)]; q >= 0) {
      queues[static_cast<std::size_t>(q)].tasks.erase(key_of(t));
      parked_in[static_cast<std::size_t>(t)] = -1;
      --parked_count;
    } else if (ready.erase(key_of(t))) {
      passed(t);
    }
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
    // A task woken by passed() comes after t, so the walk reaches it: it is inserted
    // while `it` still points at t, before t leaves the set.
    for (auto it = ready.begin(); it != ready.end();) {
      const int t = it->second;
      if (held[static_cast<std::size_t>(t)]) {
        passed(t);
        ++it;
        continue;
      }
      int q = -1;
      if (unknown_files(t) && running > 0) q = 0;
      else if (std::string key = table.blocker(locks[static_cast<std::size_t>(t)], resources(t)); !key.empty())
        q = queue_for(key);
      if (q >= 0) {
        passed(t);
        it = ready.erase(it);
        park(t, q);
        continue;
      }
      ready.erase(it);
      table.acquire(locks[static_cast<std::size_t>(t)], resources(t));
      status[static_cast<std::size_t>(t)] = TaskStatus::running;
      ++running;
      exclusive_running = unknown_files(t);
      passed(t);  // after the locks are taken: its queue is open only if they left it free
      return t;
    }
    return std::nullopt;
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
    --running;
    if (unknown_files(t)) exclusive_running = false;
    // Each queue that opens wakes its best task; the walk wakes the rest in turn.
    for (const std::string& key : freed)
      if (auto it = queue_of_key.find(key); it != queue_of_key.end()) wake(it->second);
    if (running == 0) wake(0);
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
  m.delayed.emplace(std::isnan(not_before) ? -std::numeric_limits<double>::infinity() : not_before, task);
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
    // Outside the filters, or marked otherwise in the file: stays blocked.
    if (cause == TaskStatus::excluded || cause == TaskStatus::skipped) continue;
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
  return m.stopped || m.canceled || (m.ready.empty() && m.delayed.empty() && m.parked_count == 0);
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
  // Nothing runs, so every lock is free and a parked task could start too.
  for (const auto& queue : m.queues)
    for (const auto& [prio, t] : queue.tasks)
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
      if (task.id == who || task.in_story(who) || std::find(task.labels.begin(), task.labels.end(), who) != task.labels.end())
        out[t].insert(out[t].end(), names.begin(), names.end());
  }
  return out;
}

FLOW_END_NAMESPACE
}  // namespace flow
