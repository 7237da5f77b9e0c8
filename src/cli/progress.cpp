// SPDX-License-Identifier: MIT
// The live view of `flow run` (redrawn in place on a terminal) and the event writer.
#include "progress.hpp"

#include "common.hpp"
#include "json.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace flow::cli {

namespace {

std::string bar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int full = static_cast<int>(std::lround(fraction * width));
  std::string out;
  for (int i = 0; i < width; ++i) out += i < full ? "\u2588" : "\u2591";
  return out;
}

// At most n bytes of s (cut at a UTF-8 boundary, with "..."); `pad` fills up to n.
std::string cut(const std::string& s, std::size_t n, bool pad = false) {
  if (s.size() <= n) return pad ? s + std::string(n - s.size(), ' ') : s;
  std::size_t k = n - 3;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  return s.substr(0, k) + "...";
}

}  // namespace

void ProgressState::on_event(const RunEvent& e) {
  now = e.time;
  const auto n = static_cast<std::size_t>(graph->task_count());
  if (status.size() != n) {
    status.assign(n, TaskStatus::waiting);
    started.assign(n, 0);
    finished_seconds.assign(n, 0);
    activity.assign(n, std::string());
    for (std::size_t t = 0; t < n; ++t)
      if (graph->plan().tasks[t].state != TaskState::pending) status[t] = TaskStatus::succeeded;
  }
  if (e.task < 0) return;
  const auto t = static_cast<std::size_t>(e.task);
  const Task& task = graph->plan().tasks[t];
  if (e.kind == "started") {
    status[t] = TaskStatus::running;
    started[t] = e.time;
    activity[t].clear();
  } else if (e.kind == "activity") {
    activity[t] = e.detail;
  } else if (e.kind == "succeeded") {
    status[t] = TaskStatus::succeeded;
    finished_seconds[t] = e.time - started[t];
    completed.push_back(task.id + " " + task.description);
  } else if (e.kind == "failed") {
    status[t] = TaskStatus::failed;
    failures.push_back(task.id + " " + e.detail);
  } else if (e.kind == "retry") {
    status[t] = TaskStatus::ready;
    ++retries;
  } else if (e.kind == "skipped") {
    status[t] = TaskStatus::skipped;
  }
}

std::vector<Estimate> ProgressState::estimates() const {
  std::vector<double> seen;
  for (double d : finished_seconds)
    if (d > 0) seen.push_back(d);
  double typical = default_estimate;
  if (!seen.empty()) {
    std::sort(seen.begin(), seen.end());
    typical = seen[seen.size() / 2];
  }
  std::vector<Estimate> out(status.size(), Estimate{typical, typical * 0.5, typical * 2, typical * 2, "run"});
  return out;
}

std::string render(const ProgressState& s, bool color) {
  const Plan& plan = s.graph->plan();
  const auto n = s.status.size();
  std::size_t done = 0, running = 0, failed = 0, queued = 0;
  for (TaskStatus st : s.status) {
    done += st == TaskStatus::succeeded || st == TaskStatus::skipped;
    running += st == TaskStatus::running;
    failed += st == TaskStatus::failed;
    queued += st == TaskStatus::waiting || st == TaskStatus::ready;
  }
  const char* green = color ? "\x1b[32m" : "";
  const char* red = color ? "\x1b[31m" : "";
  const char* dim = color ? "\x1b[2m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  std::string o;
  o += "Flow Implementation Progress\n============================\n";
  // The phase of the earliest running task (else of the next queued one).
  int phase = -1;
  for (std::size_t t = 0; t < n && phase < 0; ++t)
    if (s.status[t] == TaskStatus::running) phase = plan.tasks[t].phase;
  for (std::size_t t = 0; t < n && phase < 0; ++t)
    if (s.status[t] == TaskStatus::waiting || s.status[t] == TaskStatus::ready) phase = plan.tasks[t].phase;
  if (phase >= 0) {
    const Phase& p = plan.phases[static_cast<std::size_t>(phase)];
    o += "Phase: " + (p.title.empty() ? std::string("(untitled)") : p.title) + "\n";
  }
  o += std::string("Status: ") + (running || queued ? "In Progress" : failed ? "Finished with failures" : "Complete") + "\n\n";
  const double frac = n ? static_cast<double>(done) / static_cast<double>(n) : 1.0;
  o += fmt::format("Completed: {} {:.0f}% ({}/{} tasks)\n\n", bar(frac, 16), 100 * frac, done, n);

  const std::vector<Estimate> est = s.estimates();
  o += fmt::format("Currently Executing ({} parallel):\n", running);
  for (std::size_t t = 0; t < n; ++t) {
    if (s.status[t] != TaskStatus::running) continue;
    const double elapsed = s.now - s.started[t];
    const double f = est[t].expected > 0 ? elapsed / est[t].expected : 0;
    o += fmt::format("  [{}] {} {} {:>3.0f}%  {}\n", plan.tasks[t].id, cut(plan.tasks[t].description, 34, true), bar(std::min(f, 0.99), 5),
                     std::min(f, 0.99) * 100, human_seconds(elapsed));
    if (!s.activity[t].empty()) o += fmt::format("         {}\u21b3 {}{}\n", dim, cut(s.activity[t], 66), reset);
  }
  if (!s.completed.empty()) {
    o += "\nCompleted Tasks:\n";
    const std::size_t from = s.completed.size() > 5 ? s.completed.size() - 5 : 0;
    if (from) o += fmt::format("  {}... {} more{}\n", dim, from, reset);
    for (std::size_t i = from; i < s.completed.size(); ++i) o += fmt::format("  {}\u2713{} {}\n", green, reset, cut(s.completed[i], 60));
  }
  o += fmt::format("\nQueued: {} tasks\nFailed: {}{}{} tasks{}\n", queued, failed ? red : "", failed, failed ? reset : "",
                   s.retries ? fmt::format(" ({} retries)", s.retries) : "");
  for (const auto& f : s.failures) o += fmt::format("  {}\u2717{} {}\n", red, reset, cut(f, 70));
  if (running || queued) {
    std::map<int, double> elapsed;
    for (std::size_t t = 0; t < n; ++t)
      if (s.status[t] == TaskStatus::running) elapsed[static_cast<int>(t)] = s.now - s.started[t];
    const EtaRange r = eta(*s.graph, s.status, est, elapsed, s.workers);
    o += fmt::format("\nEstimated completion: {} to {}", human_seconds(r.low), human_seconds(r.high));
    const Bottlenecks b = bottlenecks(*s.graph, s.status, est, elapsed);
    if (!b.critical_path.empty()) {
      o += fmt::format("  {}(critical path:", dim);
      for (std::size_t i = 0; i < b.critical_path.size() && i < 6; ++i)
        o += (i ? " \u2192 " : " ") + plan.tasks[static_cast<std::size_t>(b.critical_path[i])].id;
      if (b.critical_path.size() > 6) o += " \u2026";
      o += std::string(")") + reset;
    }
    o += "\n";
    for (int t : b.overdue)
      o += fmt::format("  {}slow:{} {} is past its usual time\n", red, reset, plan.tasks[static_cast<std::size_t>(t)].id);
  }
  return o;
}

LiveView::LiveView(const TaskGraph& graph, int workers, double interval, bool color)
    : interval_(interval), color_(color) {
  state_.graph = &graph;
  state_.workers = workers;
}

void LiveView::on_event(const RunEvent& e) {
  state_.on_event(e);
  if (e.kind == "succeeded" || e.kind == "failed" || e.kind == "run-finished") draw();
}

void LiveView::on_tick(double now) {
  state_.now = now;
  if (now - last_draw_ >= interval_) draw();
}

void LiveView::draw() {
  if (state_.status.empty()) return;
  last_draw_ = state_.now;
  const std::string screen = render(state_, color_);
  std::string out;
  if (lines_ > 0) out += fmt::format("\x1b[{}F\x1b[J", lines_);  // back to the top of the last frame, clear below
  out += screen;
  lines_ = static_cast<int>(std::count(screen.begin(), screen.end(), '\n'));
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

void LiveView::close() { draw(); }

void EventWriter::on_event(const RunEvent& e) {
  detail::Json j;
  j.begin_object().field("schema", "flow-event/1").field("kind", e.kind).field("time", e.time);
  if (e.task >= 0)
    j.field("task", plan_.tasks[static_cast<std::size_t>(e.task)].id).field("line", plan_.tasks[static_cast<std::size_t>(e.task)].line);
  if (e.attempt > 0) j.field("attempt", e.attempt);
  if (!e.detail.empty()) j.field("detail", e.detail);
  j.end_object();
  std::fprintf(out_, "%s\n", j.str().c_str());
  std::fflush(out_);
  next_.on_event(e);
}

}  // namespace flow::cli
