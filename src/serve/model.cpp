// SPDX-License-Identifier: MIT
// The dashboard's model of a tasks.md and its run, read from the journal.
#include "serve/model.hpp"

#include "support/json.hpp"
#include "support/json_value.hpp"

#include <flow/run.hpp>
#include <flow/tasks_md.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <type_traits>
#include <utility>
#include <variant>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flow::serve {

using detail::Json;
using detail::JsonValue;

namespace {

// Seconds since the epoch of the journal's `2026-12-02T18:04:38.123Z`; 0 if malformed.
double parse_iso(std::string_view s) {
  std::tm tm{};
  int ms = 0;
  const std::string z(s.substr(0, 40));
  if (std::sscanf(z.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) < 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) + ms / 1000.0;
}

}  // namespace

FeatureModel::FeatureModel(int index, std::string tasks_path, std::string text, TaskGraph graph, std::string journal_path)
    : index_(index), tasks_path_(std::move(tasks_path)), text_(std::move(text)), journal_path_(std::move(journal_path)),
      graph_(std::move(graph)) {
  runs_dir_ = std::filesystem::path(journal_path_).parent_path().string() + "/runs/";
  // Unit durations: the page shows the shape of the work left, not a forecast.
  const std::vector<double> ones(static_cast<std::size_t>(graph_.task_count()), 1.0);
  remaining_ = graph_.remaining_length(ones);
  critical_ = graph_.critical_path(ones).tasks;
  std::error_code ec;
  history_end_ = std::filesystem::file_size(journal_path_, ec);
  if (ec) history_end_ = 0;
  if (auto last = read_last_run(journal_path_, tasks_path_); last && *last) shown_run_ = (*last)->run_id;
  reset_run();
}

FeatureModel::~FeatureModel() {
  if (fd_ >= 0) ::close(fd_);
}

void FeatureModel::reset_run() {
  tasks_.assign(static_cast<std::size_t>(graph_.task_count()), {});
  for (int t = 0; t < graph_.task_count(); ++t)
    tasks_[static_cast<std::size_t>(t)].state = task(t).state == flow::TaskState::done ? "done" : "pending";
}

int FeatureModel::find(std::string_view id, int line, std::string_view text) const {
  return find_task_again(text_, graph_.plan(), id, line, text);
}

double FeatureModel::since_start(std::string_view iso) const {
  const double t = parse_iso(iso);
  return t > 0 && run_.start_epoch > 0 ? std::max(0.0, t - run_.start_epoch) : 0;
}

std::string FeatureModel::structure_json() const {
  const Plan& plan = graph_.plan();
  Json j;
  j.begin_object().field("feature", index_).field("path", tasks_path_);
  j.key("phases").begin_array();
  for (const Phase& p : plan.phases) j.begin_object().field("title", p.title).field("story", p.story).end_object();
  j.end_array().key("groups").begin_array();
  for (const Group& g : plan.groups) j.begin_object().field("title", g.title).field("phase", g.phase).end_object();
  j.end_array().key("tasks").begin_array();
  for (const Task& t : plan.tasks) {
    j.begin_object().field("id", t.id).field("line", t.line).field("d", t.description).field("ph", t.phase)
        .field("g", t.group).field("st", t.story_label).field("p", t.parallel);
    j.key("files").begin_array();
    for (const PathRef& p : t.paths) j.value(p.path);
    j.end_array().end_object();
  }
  j.end_array().key("gates").begin_array();
  for (int n = graph_.task_count(); n < graph_.node_count(); ++n) j.value(graph_.gate_name(n));
  // Edges as a flat [from, to, from, to, …]: 2,000 tasks make a few thousand of them.
  j.end_array().key("edges").begin_array();
  for (const Edge& e : graph_.edges()) j.value(e.from).value(e.to);
  j.end_array().key("critical").begin_array();
  for (int t : critical_) j.value(t);
  j.end_array().key("remaining").begin_array();
  for (int t = 0; t < graph_.task_count(); ++t) j.value(remaining_[static_cast<std::size_t>(t)]);
  j.end_array().end_object();
  return j.str();
}

std::string FeatureModel::state_json() const {
  Json j;
  j.begin_object().field("feature", index_).key("run").begin_object().field("id", run_.id).field("started", run_.started)
      .field("finished", run_.finished).field("paused", run_.paused).field("interrupted", run_.interrupted)
      .field("workers", run_.workers).field("wall", run_.wall).field("cost_usd", run_.cost_usd);
  if (run_.ended) j.field("ended", true);
  // The controls reach the run shown, not one that started since and is not read yet
  // (the page reloads its state when that one's run-started line comes).
  if (!control_via_.empty() && (control_run_.empty() || control_run_ == run_.id)) {
    j.field("control", control_via_);
    if (control_pid_ > 0) j.field("control_pid", static_cast<long long>(control_pid_));
  }
  j.end_object();
  j.key("tasks").begin_array();
  for (const TaskState& s : tasks_) {
    j.begin_object().field("s", s.state).field("a", s.attempts);
    if (s.seconds > 0) j.field("sec", s.seconds);
    if (s.cost_usd > 0) j.field("cost", s.cost_usd);
    if (s.input_tokens > 0 || s.output_tokens > 0) j.field("in", s.input_tokens).field("out", s.output_tokens);
    if (!s.failure_class.empty()) j.field("cls", s.failure_class);
    if (!s.reason.empty()) j.field("why", s.reason);
    if (!s.activity.empty()) j.field("act", s.activity);
    if (s.marked) j.field("m", true);
    if (!s.tries.empty()) {
      j.key("tries").begin_array();
      for (const Attempt& a : s.tries)
        j.begin_array().value(a.start).value(a.end).value(a.outcome).value(a.failure_class).end_array();
      j.end_array();
    }
    j.end_object();
  }
  j.end_array().end_object();
  return j.str();
}

void FeatureModel::set_control(std::string via, long pid, std::string run_id) {
  control_via_ = std::move(via);
  control_pid_ = pid;
  control_run_ = std::move(run_id);
}

std::vector<std::string> FeatureModel::poll_journal() {
  std::vector<std::string> out;
  // The path names another file than the one open (rotated, or made since): that one
  // from its start. A file that shrank was rewritten: it too.
  struct stat st {};
  if (::stat(journal_path_.c_str(), &st) != 0) return out;
  const auto dev = static_cast<std::uint64_t>(st.st_dev), ino = static_cast<std::uint64_t>(st.st_ino);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (fd_ < 0 || dev != dev_ || ino != ino_ || size < offset_) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(journal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return out;
    dev_ = dev;
    ino_ = ino;
    if (offset_ > 0 || !partial_.empty()) {
      offset_ = 0;
      partial_.clear();
    }
  }
  if (size <= offset_) return out;
  // What was appended since, after what was left of a line the last time.
  const std::size_t kept = partial_.size();
  partial_.resize(kept + static_cast<std::size_t>(size - offset_));
  std::size_t got = 0;
  while (got < partial_.size() - kept) {
    const ssize_t n = ::pread(fd_, partial_.data() + kept + got, partial_.size() - kept - got,
                              static_cast<off_t>(offset_ + got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  partial_.resize(kept + got);
  offset_ += got;
  const std::uint64_t base = offset_ - partial_.size();  // the journal offset of partial_[0]
  std::size_t pos = 0;
  for (std::size_t nl; (nl = partial_.find('\n', pos)) != std::string::npos; pos = nl + 1)
    if (auto e = apply(std::string_view(partial_).substr(pos, nl - pos), base + nl < history_end_)) out.push_back(std::move(*e));
  partial_.erase(0, pos);
  return out;
}

std::optional<std::string> FeatureModel::run_gone() {
  if (!run_open()) return std::nullopt;
  run_.ended = true;
  run_.paused = false;
  Json j;
  // Timed at the run's last journal line: the last sign of life it gave.
  j.begin_object().field("schema", "flow-event/1").field("kind", "run-ended").field("time", run_.wall)
      .field("detail", "the run's process is gone without finishing it (killed or crashed)")
      .field("feature", index_).field("index", -1).field("run", run_.id).end_object();
  return j.str();
}

std::optional<std::string> FeatureModel::activity(std::string_view id, int line, int attempt, std::string_view detail) {
  const int t = graph_.plan().task_at_line(line);
  if (t < 0 || task(t).id != id) return std::nullopt;
  tasks_[static_cast<std::size_t>(t)].activity = std::string(detail);
  Json j;
  // Not journaled, so timed here, on the same clock as the journal's lines.
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  j.begin_object().field("schema", "flow-event/1").field("kind", "activity")
      .field("time", run_.start_epoch > 0 ? std::max(0.0, now - run_.start_epoch) : 0.0)
      .field("task", id).field("line", line).field("attempt", attempt).field("detail", detail)
      .field("feature", index_).field("index", t).end_object();
  return j.str();
}

std::optional<std::string> FeatureModel::output(int t, std::size_t max_bytes) const {
  if (t < 0 || t >= task_count() || tasks_[static_cast<std::size_t>(t)].tries.empty()) return std::nullopt;
  const std::string& log = tasks_[static_cast<std::size_t>(t)].tries.back().log;
  // The journal names the log; only what lies in this work directory's runs folder is
  // served, whatever a journal line says.
  std::error_code ec;
  const std::string canon = std::filesystem::weakly_canonical(log, ec).string();
  const std::string root = std::filesystem::weakly_canonical(runs_dir_, ec).string() + "/";
  if (log.empty() || canon.compare(0, root.size(), root) != 0) return std::nullopt;
  std::string text;
  // An attempt's stdout and stderr share the log; runs before that kept stderr beside it.
  for (const std::string& file : {canon, canon.substr(0, canon.size() - 4) + ".err"}) {
    if (file.size() < 4) continue;
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
    const std::size_t from = size > max_bytes ? size - max_bytes : 0;
    in.seekg(static_cast<std::streamoff>(from));
    std::string part(size - from, '\0');
    in.read(part.data(), static_cast<std::streamsize>(part.size()));
    part.resize(static_cast<std::size_t>(in.gcount()));
    text += part;
    if (&file == &canon) text += text.empty() || text.back() == '\n' ? "" : "\n";
  }
  if (text.size() > max_bytes) text.erase(0, text.size() - max_bytes);
  return text;
}

// One journal line: the state it changes, and the event it is on the page (nullopt for
// lines of other runs or files, and for bookkeeping the page does not show).
std::optional<std::string> FeatureModel::apply(std::string_view line, bool history) {
  if (line.empty() || line.front() != '{') return std::nullopt;
  const auto parsed = JsonValue::parse(line);
  if (!parsed) return std::nullopt;
  const JsonValue& e = *parsed;
  const std::string_view event = e["event"].str();
  const std::string_view run = e["run"].str();
  if (event == "run-started") {
    if (e["tasks_md"].str() != tasks_path_ || e["dry_run"].boolean()) return std::nullopt;
    // While reading the journal as it was at start, only the run picked then counts.
    if (history && run != shown_run_) return std::nullopt;
    run_ = {};
    run_.id = std::string(run);
    run_.started = std::string(e["ts"].str());
    run_.start_epoch = parse_iso(run_.started);
    run_.workers = static_cast<int>(e["workers"].num(1));
    reset_run();
  } else if (run_.id.empty() || run != run_.id) {
    return std::nullopt;
  }
  const double time = since_start(e["ts"].str());
  run_.wall = std::max(run_.wall, time);
  // The task: `task`/`line`/`text`; marks of an earlier run's tasks name them the same way.
  int t = -1;
  if (e["task"].is_string()) t = find(e["task"].str(), static_cast<int>(e["line"].num()), e["text"].str());
  TaskState* s = t >= 0 ? &tasks_[static_cast<std::size_t>(t)] : nullptr;
  const int attempt = static_cast<int>(e["attempt"].num());
  std::string kind(event), detail;
  // Fields beyond flow-event/1's, added to the event after its own.
  std::vector<std::pair<std::string, std::variant<double, std::string>>> extra;
  auto add = [&](const char* key, auto v) {
    if constexpr (std::is_arithmetic_v<decltype(v)>) extra.emplace_back(key, static_cast<double>(v));
    else extra.emplace_back(key, std::string(v));
  };
  auto end_try = [&](const std::string& outcome, std::string_view cls) {
    if (!s || s->tries.empty()) return;
    s->tries.back().end = time;
    s->tries.back().outcome = outcome;
    s->tries.back().failure_class = std::string(cls);
  };
  if (event == "run-started") {
    detail = run_.id;
    add("workers", run_.workers);
  } else if (event == "task-started" && s) {
    kind = "started";
    detail = task(t).description;
    s->state = "running";
    s->attempts = std::max(s->attempts, attempt);
    s->activity.clear();
    s->tries.push_back({time, -1, "", "", std::string(e["log"].str())});
  } else if (event == "task-finished" && s) {
    kind = "succeeded";
    s->state = "succeeded";
    s->seconds += e["seconds"].num();
    s->cost_usd += e["cost_usd"].num();
    s->input_tokens += e["input_tokens"].num();
    s->output_tokens += e["output_tokens"].num();
    s->activity.clear();
    run_.cost_usd += e["cost_usd"].num();
    end_try("succeeded", "");
    add("seconds", e["seconds"].num());
    add("cost_usd", e["cost_usd"].num());
    add("input_tokens", e["input_tokens"].num());
    add("output_tokens", e["output_tokens"].num());
  } else if (event == "attempt-failed" && s) {
    kind = "failed";
    const std::string_view decision = e["decision"].str();
    s->state = decision == "retry" ? "retrying" : decision == "skip" ? "skipped" : "failed";
    s->failure_class = std::string(e["class"].str());
    s->reason = std::string(e["reason"].str());
    s->cost_usd += e["cost_usd"].num();
    s->activity.clear();
    run_.cost_usd += e["cost_usd"].num();
    detail = s->reason;
    end_try("failed", s->failure_class);
    add("class", s->failure_class);
    add("decision", decision);
    add("cost_usd", e["cost_usd"].num());
  } else if (event == "retry-scheduled" && s) {
    kind = "retry";
    detail = "in " + std::to_string(static_cast<int>(e["delay"].num())) + " s";
  } else if (event == "needs-attention" && s) {
    kind = "needs-attention";  // its ladder ran out: a person's turn (flow retry --hint)
    s->state = "needs-attention";
    detail = std::string(e["reason"].str());
  } else if (event == "blocked" && s) {
    s->state = "blocked";
    detail = "by " + std::string(e["by"].str());
  } else if (event == "marked" && s) {
    s->marked = true;
    if (s->state == "pending") s->state = "done";
  } else if (event == "task-killed" && s) {
    kind = "killed";
    s->state = "killed";
    detail = std::string(e["detail"].str());
    end_try("killed", "killed");
  } else if (event == "control") {
    const std::string_view action = e["action"].str();
    detail = std::string(action) + (s ? " " + task(t).id : "");
    if (action == "pause") run_.paused = true;
    if (action == "resume") run_.paused = false;
    if (s && action == "skip") s->state = "skipped";
    if (s && action == "retry") s->state = "pending";
    add("action", action);
  } else if (event == "interrupted") {
    run_.interrupted = true;
    detail = std::string(e["detail"].str());
  } else if (event == "run-finished") {
    run_.finished = true;
    run_.paused = false;
    run_.wall = std::max(run_.wall, e["wall"].num());
  } else if (event == "hook") {
    detail = std::string(e["hook"].str()) + " exit " + std::to_string(static_cast<int>(e["exit"].num()));
  } else if (event == "checkpoint") {
    detail = std::string(e["branch"].str()) + " " + std::string(e["commit"].str()).substr(0, 10);
  } else if (event == "strays-stopped") {
    kind = "strays";
  } else if (event == "resumed" || event == "rolled-back" || event == "mark-failed" || event == "tasks-md-discarded") {
    detail = std::string(e["detail"].str());
  } else {
    return std::nullopt;
  }
  Json j;
  j.begin_object().field("schema", "flow-event/1").field("kind", kind).field("time", time);
  if (t >= 0) j.field("task", task(t).id).field("line", task(t).line);
  if (attempt > 0) j.field("attempt", attempt);
  if (!detail.empty()) j.field("detail", detail);
  j.field("feature", index_).field("index", t).field("run", run_.id);
  for (const auto& [key, value] : extra) {
    j.key(key);
    if (const auto* d = std::get_if<double>(&value)) j.value(*d);
    else j.value(std::get<std::string>(value));
  }
  j.end_object();
  return j.str();
}

}  // namespace flow::serve
