// SPDX-License-Identifier: MIT
// The live view of `flow run` (redrawn in place on a terminal) and the event writer.
#include "cli/progress.hpp"

#include "cli/common.hpp"
#include "runtime/events.hpp"

#include "cli/display_width.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdlib>

#include <sys/ioctl.h>
#include <unistd.h>

namespace flow::cli {

namespace {

std::string bar(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int full = static_cast<int>(std::lround(fraction * width));
  std::string out;
  for (int i = 0; i < width; ++i) out += i < full ? "\u2588" : "\u2591";
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// A list of lines that collapses to its first (or last) `k` lines and "+N more".
struct List {
  std::vector<std::string> items;
  bool keep_last = false;   ///< collapse from the front (the newest are at the back)
  std::string more = "more";
  // The lines shown in at most `room` lines.
  [[nodiscard]] std::vector<std::string> shown(std::size_t room, const std::string& indent) const {
    if (items.size() <= room) return items;
    if (room == 0) return {};
    const std::size_t k = room - 1;
    std::vector<std::string> out;
    const std::string tail = fmt::format("{}+{} {}", indent, items.size() - k, more);
    if (keep_last) out.push_back(tail);
    const std::size_t from = keep_last ? items.size() - k : 0;
    for (std::size_t i = from; i < from + k; ++i) out.push_back(items[i]);
    if (!keep_last) out.push_back(tail);
    return out;
  }
};

}  // namespace

void ProgressState::on_event(const RunEvent& e) {
  now = e.time;
  const auto n = static_cast<std::size_t>(graph->task_count());
  if (status.size() != n) {
    status.assign(n, TaskStatus::waiting);
    started.assign(n, 0);
    finished_seconds.assign(n, 0);
    activity.assign(n, std::string());
    cost.assign(n, 0);
    for (std::size_t t = 0; t < n; ++t)
      if (graph->plan().tasks[t].state != TaskState::pending) status[t] = TaskStatus::succeeded;
  }
  if (e.kind == "interrupted") ++interrupts;
  if (e.kind == "run-finished") finished = true;
  if (e.kind == "concurrency") limits[e.detail.substr(0, e.detail.find(':'))] = e.detail;
  if (e.kind == "budget-reached" && e.task < 0) budget = e.detail;
  if (e.task < 0) return;
  const auto t = static_cast<std::size_t>(e.task);
  const Task& task = graph->plan().tasks[t];
  if (e.kind == "started") {
    ++attempts;
    status[t] = TaskStatus::running;
    attention.erase(e.task);
    started[t] = e.time;
    activity[t].clear();
  } else if (e.kind == "activity" || e.kind == "fallback") {
    activity[t] = e.detail;
  } else if (e.kind == "cost") {
    const double usd = std::strtod(e.detail.c_str(), nullptr);
    cost[t] += usd;
    cost_total += usd;
    cost_reported = true;
  } else if (e.kind == "succeeded") {
    ++ended_attempts;
    status[t] = TaskStatus::succeeded;
    finished_seconds[t] = e.time - started[t];
    completed.push_back(task.id + " " + task.description + (cost_reported ? " (" + cost_text(cost[t], true) + ")" : ""));
    failures.erase(e.task);   // it recovered
  } else if (e.kind == "failed" || e.kind == "killed") {
    ++ended_attempts;
    failed_attempts += e.kind == "failed";
    status[t] = TaskStatus::failed;
    auto& f = failures[e.task];
    ++f.first;
    f.second = e.detail;
  } else if (e.kind == "retry") {
    status[t] = TaskStatus::ready;
    ++retries;
  } else if (e.kind == "skipped") {
    status[t] = TaskStatus::skipped;
  } else if (e.kind == "needs-attention") {
    attention.insert(e.task);
  }
}

std::vector<Estimate> ProgressState::estimates() const {
  const std::vector<Estimate> base =
      prior.size() == status.size() ? prior : Estimator({}, default_estimate).estimate_all(graph->plan());
  // A running task has taken at least what it has run so far: that counts too.
  std::map<int, double> elapsed;
  for (std::size_t t = 0; t < status.size() && t < started.size(); ++t)
    if (status[t] == TaskStatus::running) elapsed[static_cast<int>(t)] = now - started[t];
  return learn_estimates(*graph, base, status, finished_seconds, elapsed);
}

std::string stopping_text(const ProgressState& s) {
  if (s.interrupts == 0) return {};
  std::string waits;
  for (std::size_t t = 0; t < s.status.size(); ++t)
    if (s.status[t] == TaskStatus::running) waits += (waits.empty() ? "" : ", ") + printable(s.graph->plan().tasks[t].id);
  if (waits.empty()) return s.interrupts > 1 ? "stopping" : "no new task starts; none runs";
  return s.interrupts > 1 ? "killing " + waits : "no new task starts; waiting for " + waits + " (Ctrl-C again kills)";
}

std::vector<std::string> render_lines(const ProgressState& s, const Frame& f) {
  const Plan& plan = s.graph->plan();
  const auto n = s.status.size();
  const int cols = f.columns > 0 ? f.columns : 1 << 20;
  std::size_t done = 0, running = 0, failed = 0, queued = 0, skipped = 0;
  for (TaskStatus st : s.status) {
    done += st == TaskStatus::succeeded;
    skipped += st == TaskStatus::skipped;
    running += st == TaskStatus::running;
    failed += st == TaskStatus::failed;
    queued += st == TaskStatus::waiting || st == TaskStatus::ready || st == TaskStatus::blocked;
  }
  const char* green = f.color ? "\x1b[32m" : "";
  const char* red = f.color ? "\x1b[31m" : "";
  const char* yellow = f.color ? "\x1b[33m" : "";
  const char* dim = f.color ? "\x1b[2m" : "";
  const char* reset = f.color ? "\x1b[0m" : "";
  auto id = [&](std::size_t t) { return printable(plan.tasks[t].id); };
  const bool active = !f.final && (running > 0 || queued > 0);

  // The status line says how the run stands, or how it ended and what is left.
  std::string status;
  if (f.final) {
    if (s.interrupts > 0)
      status = fmt::format("{}Stopped after Ctrl-C{}", yellow, reset);
    else if (failed > 0 || queued + running > 0)
      status = fmt::format("{}Finished with failures{}", red, reset);
    else
      status = fmt::format("{}Finished{} in {}", green, reset, human_seconds(s.now));
  } else if (s.interrupts > 0) {
    status = fmt::format("{}Stopping{}{}: {}", yellow, reset, s.interrupts > 1 ? "" : " (Ctrl-C)", stopping_text(s));
  } else {
    status = running || queued ? "In Progress" : failed ? "Finished with failures" : "Complete";
  }
  status = "Status: " + status;

  // The phase of the earliest running task (else of the next queued one).
  std::string phase_line;
  int phase = -1;
  for (std::size_t t = 0; t < n && phase < 0; ++t)
    if (s.status[t] == TaskStatus::running) phase = plan.tasks[t].phase;
  for (std::size_t t = 0; t < n && phase < 0 && !f.final; ++t)
    if (s.status[t] == TaskStatus::waiting || s.status[t] == TaskStatus::ready) phase = plan.tasks[t].phase;
  if (phase >= 0) {
    const Phase& p = plan.phases[static_cast<std::size_t>(phase)];
    phase_line = "Phase: " + (p.title.empty() ? std::string("(untitled)") : printable(p.title));
  }

  const double frac = n ? static_cast<double>(done + skipped) / static_cast<double>(n) : 1.0;
  const std::string counts = fmt::format(" {:.0f}% ({}/{} tasks)", std::floor(100 * frac), done + skipped, n);
  const int bar_width = std::clamp(cols - 1 - 11 - static_cast<int>(counts.size()), 0, 16);
  const std::string progress = "Completed: " + (bar_width >= 4 ? bar(frac, bar_width) : std::string()) + counts;

  // Running tasks: one line each, and what its agent does now.
  const std::vector<Estimate> est = s.estimates();
  List run_list, activity;
  for (std::size_t t = 0; t < n && active; ++t) {
    if (s.status[t] != TaskStatus::running) continue;
    const double elapsed = s.now - s.started[t];
    const double fr = est[t].expected > 0 ? elapsed / est[t].expected : 0;
    // Past its estimate a task shows how long it has run over, not a bar stuck at 99%.
    const std::string tail = fr < 1 ? fmt::format(" {} {:>3.0f}%  {}", bar(fr, 5), std::floor(fr * 100), human_seconds(elapsed))
                                    : fmt::format(" {}over{} {}", yellow, reset, human_seconds(elapsed));
    const std::string head = "  [" + id(t) + "] ";
    const int room = std::min(cols - display_width(head) - display_width(tail), 50);
    if (room >= 8)
      run_list.items.push_back(head + fit(printable(plan.tasks[t].description), room, true) + tail);
    else
      run_list.items.push_back(head + printable(plan.tasks[t].description));
    activity.items.push_back(s.activity[t].empty() ? std::string()
                                                   : fmt::format("         {}\u21b3 {}{}", dim, printable(s.activity[t]), reset));
  }
  run_list.more = "more running";
  std::string run_head;
  if (active) {
    if (running > 0) {
      run_head = fmt::format("Currently Executing ({} parallel):", running);
    } else if (s.interrupts > 0) {
      run_head = "Currently Executing: nothing";
    } else {
      run_head = "Currently Executing: none (waiting for a retry time or a gate)";
    }
  }

  List done_list{{}, true, "more completed"};
  for (const auto& c : s.completed) done_list.items.push_back(fmt::format("  {}\u2713{} {}", green, reset, printable(c)));
  const std::size_t done_cap = f.rows > 0 ? 8 : 5;   // the newest few

  List fail_list{{}, false, "more failed"};
  std::string counts_line_suffix;
  for (const auto& [t, a] : s.failures) {
    if (s.status[static_cast<std::size_t>(t)] == TaskStatus::running || s.status[static_cast<std::size_t>(t)] == TaskStatus::ready)
      continue;   // still trying: not a failure yet
    const bool person = s.attention.count(t) > 0;
    fail_list.items.push_back(fmt::format("  {}{}{} {} ({}){} {}", person ? yellow : red, person ? "!" : "\u2717", reset,
                                          id(static_cast<std::size_t>(t)),
                                          plural(static_cast<std::size_t>(a.first), "attempt", "attempts"),
                                          person ? " needs attention:" : "", printable(a.second)));
  }
  if (!s.attention.empty()) counts_line_suffix = fmt::format("   {}Needs attention: {}{}", yellow, s.attention.size(), reset);
  std::string counts_line = fmt::format("Queued: {}   Failed: {}{}{}{}", plural(queued, "task", "tasks"), failed ? red : "",
                                        plural(failed, "task", "tasks"), failed ? reset : "",
                                        s.retries ? fmt::format(" ({} retries)", s.retries) : "");
  if (f.final) counts_line = fmt::format("Failed: {}{}{}{}", failed ? red : "", plural(failed, "task", "tasks"), failed ? reset : "",
                                         s.retries ? fmt::format(" ({} retries)", s.retries) : "");
  // The run's cost once an attempt has ended: what the agents reported, or that they
  // report none ("not reported", never $0.0000).
  counts_line += counts_line_suffix;
  if (s.cost_reported || s.ended_attempts > 0) counts_line += "   Cost: " + cost_text(s.cost_total, s.cost_reported);
  std::string limits_line;
  for (const auto& [agent, said] : s.limits)
    if (said.find("(rate limited)") != std::string::npos) limits_line += (limits_line.empty() ? "Agents: " : "; ") + printable(said);
  const std::string budget_line = s.budget.empty() ? std::string() : fmt::format("{}Budget: {}{}", yellow, printable(s.budget), reset);

  std::string left_line;
  if (f.final) {
    std::string ids;
    std::size_t left = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const TaskStatus st = s.status[t];
      if (st == TaskStatus::succeeded || st == TaskStatus::skipped || st == TaskStatus::failed) continue;
      ++left;
      ids += (ids.empty() ? "" : " ") + id(t);
    }
    if (left) left_line = fmt::format("Left: {} not done ({})", left, ids);
  }

  std::string eta_line, bottleneck_line;
  List overdue{{}, false, "more past their usual time"};
  if (active) {
    std::map<int, double> elapsed;
    for (std::size_t t = 0; t < n; ++t)
      if (s.status[t] == TaskStatus::running) elapsed[static_cast<int>(t)] = s.now - s.started[t];
    const double fail_rate = static_cast<double>(s.failed_attempts) / (s.attempts + 2.0);
    // A ready task whose last attempt hit a rate limit: the gate is closed for all.
    std::string held;
    for (const auto& [t, a] : s.failures)
      if (s.status[static_cast<std::size_t>(t)] == TaskStatus::ready && a.second.rfind("rate_limit", 0) == 0)
        held = "rate-limit gate closed (" + id(static_cast<std::size_t>(t)) + " hit the limit)";
    const Forecast fc = forecast(*s.graph, s.status, est, elapsed, s.workers, s.now, held, fail_rate, s.resources);
    // The 80% range: the 10th to the 90th percentile of the finish.
    eta_line = fmt::format("Estimated completion: in {} (80%: {} to {})", human_seconds(fc.expected - s.now),
                           human_seconds(fc.low - s.now), human_seconds(fc.high - s.now));
    if (!fc.bottleneck.empty()) bottleneck_line = fmt::format("{}Bottleneck: {}{}", dim, printable(fc.bottleneck), reset);
    const Bottlenecks b = bottlenecks(*s.graph, s.status, est, elapsed);
    for (int t : b.overdue)
      overdue.items.push_back(fmt::format("  {}slow:{} {} is past its usual time", red, reset, id(static_cast<std::size_t>(t))));
  }

  // Room: what must show, then the rest in order of worth while it fits.
  const std::size_t unlimited = static_cast<std::size_t>(-1) / 4;
  std::size_t room = f.rows > 0 ? static_cast<std::size_t>(f.rows) : unlimited;
  auto take = [&room](std::size_t want) {
    const std::size_t got = std::min(want, room);
    room -= got;
    return got;
  };
  const std::size_t must = 3 + 1 + (eta_line.empty() ? 0 : 1) + (left_line.empty() ? 0 : 1);   // title, status, bar, counts
  take(must);
  const bool show_run_head = !run_head.empty() && take(1) == 1;
  const std::size_t run_rows = show_run_head ? take(run_list.items.size()) : 0;
  const std::size_t fail_rows = take(fail_list.items.size());
  const bool show_bottleneck = !bottleneck_line.empty() && take(1) == 1;
  const bool show_budget = !budget_line.empty() && take(1) == 1;
  const bool show_limits = !limits_line.empty() && take(1) == 1;
  const bool show_underline = take(1) == 1;
  const bool show_phase = !phase_line.empty() && take(1) == 1;
  const bool show_done_head = !done_list.items.empty() && room >= 2 && take(1) == 1;
  const std::size_t done_rows = show_done_head ? take(std::min(done_list.items.size(), done_cap)) : 0;
  const std::vector<std::string> runs = run_list.shown(run_rows, "  ");
  std::size_t activity_rows = 0;
  for (std::size_t i = 0; i < runs.size() && i < run_list.items.size(); ++i)
    activity_rows += !activity.items[i].empty() && runs[i] == run_list.items[i];
  activity_rows = take(activity_rows);
  const std::size_t overdue_rows = take(overdue.items.size());
  const std::size_t blanks = take(4);

  std::vector<std::string> o;
  o.push_back("Flow Implementation Progress");
  if (show_underline) o.push_back("============================");
  if (show_phase) o.push_back(phase_line);
  o.push_back(status);
  if (!left_line.empty()) o.push_back(left_line);
  if (blanks > 3) o.emplace_back();
  o.push_back(progress);
  if (show_run_head) {
    if (blanks > 0) o.emplace_back();
    o.push_back(run_head);
    std::size_t act = activity_rows;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      o.push_back(runs[i]);
      if (i < run_list.items.size() && runs[i] == run_list.items[i] && !activity.items[i].empty() && act > 0) {
        o.push_back(activity.items[i]);
        --act;
      }
    }
  }
  if (show_done_head) {
    if (blanks > 1) o.emplace_back();
    o.push_back("Completed Tasks:");
    for (auto& l : done_list.shown(done_rows, "  ")) o.push_back(l);
  }
  if (blanks > 2) o.emplace_back();
  o.push_back(counts_line);
  for (auto& l : fail_list.shown(fail_rows, "  ")) o.push_back(l);
  if (!eta_line.empty()) o.push_back(eta_line);
  if (show_bottleneck) o.push_back(bottleneck_line);
  if (show_limits) o.push_back(limits_line);
  if (show_budget) o.push_back(budget_line);
  for (auto& l : overdue.shown(overdue_rows, "  ")) o.push_back(l);
  if (f.rows > 0 && o.size() > static_cast<std::size_t>(f.rows)) o.resize(static_cast<std::size_t>(f.rows));
  if (f.columns > 0)
    for (auto& l : o) l = fit(l, f.columns);
  return o;
}

std::string render(const ProgressState& s, bool color) {
  std::string out;
  for (const auto& l : render_lines(s, Frame{color, 0, 0, s.finished})) out += l + "\n";
  return out;
}

namespace {

std::atomic<bool> g_resized{false};
extern "C" void on_sigwinch(int) { g_resized.store(true); }
struct sigaction g_old_winch {};

// The terminal's size: columns and rows of stdout, else $COLUMNS/$LINES, else 80x24.
std::pair<int, int> terminal_size() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) return {ws.ws_col, ws.ws_row};
  auto env = [](const char* name, int fallback) {
    const char* v = std::getenv(name);
    const int n = v ? std::atoi(v) : 0;
    return n > 0 ? n : fallback;
  };
  return {env("COLUMNS", 80), env("LINES", 24)};
}

}  // namespace

LiveView::LiveView(const TaskGraph& graph, int workers, double interval, bool color)
    : interval_(interval), color_(color) {
  state_.graph = &graph;
  state_.workers = workers;
}

LiveView::~LiveView() {
  if (winch_installed_) ::sigaction(SIGWINCH, &g_old_winch, nullptr);
}

void LiveView::on_event(const RunEvent& e) {
  state_.on_event(e);
  dirty_ = true;
  // Drawn at the next tick, after the loop has started what a completion made ready, so
  // that the view never shows the gap between chained tasks. Ctrl-C shows at once.
  if (e.kind == "interrupted" || e.kind == "killed") draw();
}

void LiveView::on_tick(double now) {
  state_.now = now;
  if (g_resized.exchange(false) || (dirty_ && now - last_draw_ >= std::min(interval_, 0.2)) || now - last_draw_ >= interval_)
    draw();
}

void LiveView::draw(bool final) {
  if (state_.status.empty() || closed_) return;
  if (!winch_installed_) {
    struct sigaction sa {};
    sa.sa_handler = on_sigwinch;
    sigemptyset(&sa.sa_mask);
    winch_installed_ = ::sigaction(SIGWINCH, &sa, &g_old_winch) == 0;
  }
  last_draw_ = state_.now;
  dirty_ = false;
  const auto [cols, rows] = terminal_size();
  // One column short of the edge, so that no terminal wraps a full line.
  const std::vector<std::string> lines = render_lines(state_, Frame{color_, std::max(cols - 1, 1), final ? 0 : rows, final});
  std::string out;
  // Back to the first line of the frame on screen: each line takes as many physical
  // lines as it now wraps to (the terminal may have reflowed it after a resize).
  int up = 0;
  for (int w : widths_) up += std::max(1, (w + cols - 1) / cols);
  up = std::min(up - 1, rows - 1);
  if (!widths_.empty()) out += up > 0 ? fmt::format("\r\x1b[{}A", up) : std::string("\r");
  else out += "\x1b[?25l";   // no cursor while the view is live
  widths_.clear();
  // Each line erases its row and writes (erasing the whole row also forgets that an old,
  // wider line wrapped there, which a terminal that reflows on resize remembers); what
  // the old frame had below the new one is cleared last (not before: a terminal such as
  // tmux keeps a screen cleared from its top-left corner in its scrollback).
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += "\x1b[2K" + lines[i];
    if (i + 1 < lines.size()) out += "\n";   // the last line ends without a newline: no scroll
    widths_.push_back(display_width(lines[i]));
  }
  out += "\x1b[J";
  if (final) out += "\n\x1b[?25h";
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

void LiveView::close() {
  if (closed_ || state_.status.empty()) return;
  draw(true);
  closed_ = true;
  widths_.clear();
}

void EventWriter::on_event(const RunEvent& e) {
  const Task* task = e.task >= 0 ? &plan_.tasks[static_cast<std::size_t>(e.task)] : nullptr;
  std::fprintf(out_, "%s\n", detail::event_line(e, task).c_str());
  std::fflush(out_);
  next_.on_event(e);
}

}  // namespace flow::cli
