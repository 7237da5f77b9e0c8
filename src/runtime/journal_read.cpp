// SPDX-License-Identifier: MIT
// The one reader of the journal (journal_read.hpp), on Boost.JSON.
#include "runtime/journal_read.hpp"

#include <flow/tasks_md.hpp>

#include "support/text.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace flow::detail {

namespace {

// One journal line at a time, parsed into memory that the next line reuses. A line that
// is not one JSON object (a torn last line after a crash, a damaged block) has no event
// and no fields: every reader skips it.
class Line {
 public:
  Line() {
    boost::json::parse_options options;
    options.max_depth = 64;
    parser_.emplace(boost::json::storage_ptr(), options);
  }

  bool read(std::string_view text) {
    object_ = nullptr;
    value_ = nullptr;
    memory_.release();
    parser_->reset(&memory_);
    boost::json::error_code ec;
    parser_->write(text, ec);
    if (ec) return false;
    value_ = parser_->release();
    object_ = value_.if_object();
    return object_ != nullptr;
  }

  // A string field; empty when absent or not a string.
  [[nodiscard]] std::string_view str(std::string_view key) const {
    const boost::json::value* v = field(key);
    const boost::json::string* s = v ? v->if_string() : nullptr;
    return s ? std::string_view(*s) : std::string_view();
  }
  [[nodiscard]] std::string string(std::string_view key) const { return std::string(str(key)); }
  // A number field; 0 when absent or not a number.
  [[nodiscard]] double number(std::string_view key) const {
    const boost::json::value* v = field(key);
    if (!v) return 0;
    if (const auto* d = v->if_double()) return *d;
    if (const auto* i = v->if_int64()) return static_cast<double>(*i);
    if (const auto* u = v->if_uint64()) return static_cast<double>(*u);
    return 0;
  }
  [[nodiscard]] long long integer(std::string_view key) const {
    const boost::json::value* v = field(key);
    if (!v) return 0;
    if (const auto* i = v->if_int64()) return *i;
    // A damaged or hostile line may hold 1e22 where a line number goes: out of range is 0.
    const double d = number(key);
    return d > -9.0e18 && d < 9.0e18 ? static_cast<long long>(d) : 0;
  }
  [[nodiscard]] bool has(std::string_view key) const { return field(key) != nullptr; }
  [[nodiscard]] bool flag(std::string_view key) const {
    const boost::json::value* v = field(key);
    return v && v->is_bool() && v->get_bool();
  }
  // The field as it reads in a message: a string as it is, a number in decimal.
  [[nodiscard]] std::string text(std::string_view key) const {
    const boost::json::value* v = field(key);
    if (!v) return {};
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64() || v->is_uint64()) return std::to_string(integer(key));
    return {};
  }
  // "id@line": a task, as every reader keys it (an ID may repeat on several lines).
  [[nodiscard]] std::string task_key() const { return string("task") + "@" + std::to_string(integer("line")); }

 private:
  [[nodiscard]] const boost::json::value* field(std::string_view key) const {
    return object_ ? object_->if_contains(key) : nullptr;
  }

  unsigned char buffer_[4096];
  boost::json::monotonic_resource memory_{buffer_, sizeof buffer_};
  std::optional<boost::json::parser> parser_;
  boost::json::value value_;
  const boost::json::object* object_ = nullptr;
};

// Calls `each(line)` for every line of `in` that is a JSON object.
template <class Each>
void for_each_line(std::istream& in, Each&& each) {
  Line e;
  std::string text;
  while (std::getline(in, text))
    if (e.read(text)) each(e);
}

}  // namespace

bool same_tasks_file(std::string_view journaled, const std::string& tasks_path) {
  if (journaled == tasks_path) return true;
  const fs::path a = fs::path(std::string(journaled)).lexically_normal(), b = fs::path(tasks_path).lexically_normal();
  if (a == b) return true;
  // Through a symlink (or a hard link, a bind mount): the same file if both are there.
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

std::string moved_tasks_file(std::string_view journaled, std::string_view journaled_workdir, const std::string& workdir) {
  auto dir = [](std::string_view d) {  // without a trailing slash
    const fs::path p = fs::path(std::string(d)).lexically_normal();
    return p.has_filename() ? p : p.parent_path();
  };
  const fs::path then = dir(journaled_workdir), now = dir(workdir);
  if (then.empty() || now.empty() || then == now) return std::string(journaled);
  const fs::path inside = fs::path(std::string(journaled)).lexically_normal().lexically_relative(then);
  if (inside.empty() || *inside.begin() == "..") return std::string(journaled);
  return (now / inside).string();
}

bool same_tasks_file(std::string_view journaled, std::string_view journaled_workdir, const std::string& tasks_path,
                     const std::string& workdir) {
  // The journal lives in its work directory: a run it has from another one ran there
  // before the checkout was moved (or copied) here, on the file at the same place in it.
  return same_tasks_file(journaled, tasks_path) ||
         same_tasks_file(moved_tasks_file(journaled, journaled_workdir, workdir), tasks_path);
}

std::string journal_workdir(const std::string& journal_path) {
  // <workdir>/.flow/implementation.log
  return fs::path(journal_path).lexically_normal().parent_path().parent_path().string();
}

namespace {

// The tasks.md whose runs a reader picks out of a journal: its absolute path, and the
// work directory the journal is in now (empty when not known: as journaled only).
struct TasksFile {
  const std::string& path;
  std::string workdir;
};

bool same_file(const Line& e, const TasksFile& f) {
  return same_tasks_file(e.str("tasks_md"), e.str("workdir"), f.path, f.workdir);
}

// Whether a run-started line opens a run of the file that does real work.
bool ours(const Line& e, const TasksFile& f) { return same_file(e, f) && !e.flag("dry_run"); }

std::optional<Leftover> previous_run_in(std::istream& in, const TasksFile& tasks_path) {
  Leftover last;
  bool open = false;
  std::map<std::string, Leftover::Running> running;
  std::map<std::string, Leftover::Unmarked> unmarked;
  std::set<std::string> marked;
  for_each_line(in, [&](const Line& e) {
    const std::string_view event = e.str("event");
    if (event == "run-started") {
      // Another feature's run, started meanwhile, interleaves its lines: not ours.
      if (!ours(e, tasks_path)) return;
      open = true;
      last.run_id = e.string("run");
      running.clear();
      unmarked.clear();
      marked.clear();
      return;
    }
    if (!open || e.str("run") != last.run_id) return;
    const std::string key = e.task_key();
    if (event == "task-started") {
      running[key] = {e.string("task"), static_cast<int>(e.integer("line")), static_cast<long>(e.integer("pgid")),
                      e.string("container"), e.string("text"), {}};
    } else if (event == "landing") {
      if (const auto r = running.find(key); r != running.end()) r->second.landing = e.string("commit");
    } else if (event == "task-finished" || event == "attempt-failed" || event == "task-killed") {
      running.erase(key);
      if (event == "task-finished" && !marked.count(key))
        unmarked[key] = {e.string("task"), static_cast<int>(e.integer("line")), e.string("text")};
    } else if (event == "marked" || event == "mark-failed") {
      unmarked.erase(key);
      marked.insert(key);  // with git isolation the mark comes before task-finished
    } else if (event == "run-finished" || event == "run-closed") {  // closed: a dead run `flow rollback` undid
      open = false;
    }
  });
  if (!open) return std::nullopt;
  for (const auto& [key, r] : running) last.running.push_back(r);
  for (const auto& [key, task] : unmarked) last.unmarked.push_back(task);
  return last;
}

std::vector<JournalRun> runs_in(std::istream& in, const TasksFile& tasks_path) {
  std::vector<JournalRun> runs;
  // Runs of other features may run at the same time: their lines interleave with ours.
  // Each line belongs to the run it names.
  struct Open {
    std::map<std::string, std::size_t> index;  // "id@line" -> position in its tasks
    std::map<std::size_t, std::string> mark_failed;  // task position -> why its mark failed
    std::string first_ts, last_ts;
    std::vector<std::pair<std::string, std::string>> landed;  // its commits, in order: (commit, task)
  };
  std::map<std::string, std::size_t> by_id;  // run id -> position in runs (rollback lines come later)
  std::map<std::size_t, Open> open;          // position in runs -> what reading it keeps
  auto secs = [](const std::string& ts) {  // "2026-11-24T07:24:57.381Z" -> seconds of the day
    if (ts.size() < 19) return 0.0;
    // strtod, not stod: a damaged line reads as 0, it does not throw.
    auto num = [&](std::size_t at, std::size_t n) { return std::strtod(ts.substr(at, n).c_str(), nullptr); };
    return num(11, 2) * 3600 + num(14, 2) * 60 + num(17, ts.size() - 18);
  };
  for_each_line(in, [&](const Line& e) {
    const std::string_view event = e.str("event");
    if (event == "run-started") {
      if (!ours(e, tasks_path)) return;
      runs.emplace_back();
      JournalRun& r = runs.back();
      r.run_id = e.string("run");
      r.started = e.string("ts");
      r.workers = std::max(1, static_cast<int>(e.integer("workers")));
      by_id[r.run_id] = runs.size() - 1;
      Open& o = open[runs.size() - 1];
      o.first_ts = o.last_ts = e.string("ts");
      return;
    }
    const auto found = by_id.find(e.string("run"));
    if (found == by_id.end()) return;
    if (event == "rolled-back") {  // by the run itself, or by `flow rollback` any time later
      // Back to one of its commits (`--to T002`): the commits after that one; back to
      // anything else (its checkpoint, or past it): all of it.
      JournalRun& r = runs[found->second];
      const Open& o = open[found->second];
      const auto to = std::find_if(o.landed.begin(), o.landed.end(), [&](const auto& c) { return c.first == e.str("to"); });
      if (to == o.landed.end()) {
        r.rolled_back = true;
        r.rolled_back_to.clear();
        r.commits_undone = static_cast<int>(o.landed.size());
      } else if (const int after = static_cast<int>(o.landed.end() - to) - 1; !r.rolled_back && after > r.commits_undone) {
        r.rolled_back_to = to->second;  // the furthest back of its `--to` rollbacks
        r.commits_undone = after;
      }
      return;
    }
    JournalRun* last = &runs[found->second];
    Open& o = open[found->second];
    o.last_ts = e.string("ts");
    JournalTask* t = nullptr;
    if (!e.str("task").empty()) {
      auto [it, fresh] = o.index.emplace(e.task_key(), last->tasks.size());
      if (fresh) {
        JournalTask jt;
        jt.id = e.string("task");
        jt.line = static_cast<int>(e.integer("line"));
        last->tasks.push_back(std::move(jt));
      }
      t = &last->tasks[it->second];
      if (t->text.empty()) t->text = e.string("text");
      // Done but not marked (a full disk): the run failed it, and so does this.
      if (event == "mark-failed") o.mark_failed[it->second] = e.string("error");
      if (event == "marked") o.mark_failed.erase(it->second);
    }
    if (event == "task-started" && t) {
      const int attempt = static_cast<int>(e.integer("attempt"));
      t->attempts = std::max(t->attempts, attempt);
      t->outcome = "running";
      // Which strategy each attempt ran with (the recovery ladder), by attempt number.
      if (attempt >= 1 && attempt <= 1000) {
        if (t->strategies.size() < static_cast<std::size_t>(attempt)) t->strategies.resize(static_cast<std::size_t>(attempt));
        t->strategies[static_cast<std::size_t>(attempt - 1)] = e.string("strategy");
        if (t->agents.size() < static_cast<std::size_t>(attempt)) t->agents.resize(static_cast<std::size_t>(attempt));
        t->agents[static_cast<std::size_t>(attempt - 1)] = e.string("agent");
      }
    } else if (event == "task-finished" && t) {
      t->outcome = "succeeded";
      t->seconds += e.number("seconds");
      t->cpu_seconds += e.number("cpu_seconds");
      t->max_rss_kb = std::max(t->max_rss_kb, e.number("max_rss_kb"));
      t->cost_usd += e.number("cost_usd");
      t->cost_reported = t->cost_reported || e.has("cost_usd");
      t->turns += e.number("turns");
    } else if (event == "attempt-failed" && t) {
      const std::string lines = e.string("lines");
      // The first line says how the attempt ended; the next non-empty one, what it hit.
      std::string what;
      std::istringstream ls(lines);
      for (std::string l; std::getline(ls, l);)
        if (!trim(l).empty()) {
          what += (what.empty() ? "" : " — ") + clip(trim(l), 120);
          if (what.find(" — ") != std::string::npos) break;
        }
      const int n = static_cast<int>(e.integer("attempt"));
      const std::string how = n >= 1 && static_cast<std::size_t>(n) <= t->strategies.size() ? t->strategies[static_cast<std::size_t>(n - 1)] : "";
      t->tries.push_back("attempt " + e.text("attempt") + (how.empty() ? "" : " (" + how + ")") + ": " + e.string("class") + ": " + what);
      t->last_lines = lines;
      t->cost_usd += e.number("cost_usd");
      t->cost_reported = t->cost_reported || e.has("cost_usd");
      t->turns += e.number("turns");
      t->failure_class = e.string("class");
      t->reason = e.string("reason");
      const std::string_view d = e.str("decision");
      t->outcome = d == "retry" ? "retrying" : d == "skip" ? "skipped" : "failed";
    } else if (event == "needs-attention" && t) {
      t->outcome = "needs-attention";
    } else if ((event == "hint" || (event == "control" && !e.str("hint").empty() && e.str("refused").empty())) && t) {
      t->hints.push_back(e.string("hint"));
    } else if (event == "control" && t && e.str("action") == "retry" && e.str("refused").empty() && t->outcome != "succeeded") {
      t->outcome = "retrying";
    } else if (event == "task-killed" && t) {
      t->outcome = "killed";
      t->reason = e.string("detail");
    } else if (event == "retry-scheduled") {
      ++last->retries;
    } else if (event == "not-started" && t) {
      // The user marked, reworded or removed it in tasks.md during the run.
      const std::string why = e.string("detail");
      t->outcome = why.rfind("it was marked", 0) == 0 ? "skipped" : "not run";
      t->reason = why;
    } else if (event == "blocked" && t) {
      t->outcome = "blocked";
      t->reason = "blocked by " + e.string("by");
    } else if (event == "marked" && t) {
      t->marked = true;
    } else if (event == "committed") {
      ++last->commits;
      o.landed.emplace_back(e.string("commit"), e.string("task"));
    } else if (event == "interrupted") {
      last->interrupted = true;
    } else if (event == "run-finished") {
      last->finished = true;
      last->interrupted = last->interrupted || e.flag("interrupted");
      last->wall = e.number("wall");
      last->busy = e.number("busy");
      last->cost_usd = e.number("cost_usd");
      last->cost_reported = e.flag("cost_reported");
    } else if (event == "budget-reached" && e.str("scope") == "run") {
      last->budget_reached = e.string("detail");
    }
  });
  for (auto& [pos, o] : open) {
    JournalRun& r = runs[pos];
    for (const auto& [task, why] : o.mark_failed) {
      JournalTask& t = r.tasks[task];
      if (t.outcome != "succeeded" || t.marked) continue;
      t.outcome = "failed";
      t.failure_class = "io";
      t.reason = "cannot mark it done in tasks.md: " + why;
      t.last_lines = t.reason;
    }
    // A run that did not finish: its wall time from its first and last lines.
    if (r.finished) continue;
    r.wall = std::max(0.0, secs(o.last_ts) - secs(o.first_ts));
    for (const auto& t : r.tasks) r.busy += t.seconds;
  }
  for (JournalRun& r : runs) {
    if (r.cost_usd == 0)
      for (const auto& t : r.tasks) r.cost_usd += t.cost_usd;
    for (const auto& t : r.tasks) r.cost_reported = r.cost_reported || t.cost_reported;
  }
  return runs;
}

}  // namespace

std::optional<Leftover> previous_run(const std::string& journal_path, const std::string& tasks_path) {
  std::ifstream in(journal_path, std::ios::binary);
  return previous_run_in(in, TasksFile{tasks_path, journal_workdir(journal_path)});
}

bool journaled_rollback(const std::string& journal_path, std::string_view run_id, std::string_view from,
                        std::string_view to) {
  std::ifstream in(journal_path, std::ios::binary);
  bool found = false;
  for_each_line(in, [&](const Line& e) {
    found |= e.str("event") == "rolled-back" && e.str("run") == run_id && e.str("from") == from && e.str("to") == to;
  });
  return found;
}

std::vector<CheckpointedRun> checkpointed_runs(const std::string& journal_path, const std::string& tasks_path) {
  std::vector<CheckpointedRun> runs;
  std::ifstream in(journal_path, std::ios::binary);
  // The runs of this tasks.md, and where each one's record is: a run of another feature,
  // started meanwhile, interleaves its lines with theirs (each line names its run).
  std::set<std::string, std::less<>> ours;
  std::map<std::string, std::size_t, std::less<>> at;
  const TasksFile file{tasks_path, journal_workdir(journal_path)};
  for_each_line(in, [&](const Line& e) {
    const std::string_view event = e.str("event");
    if (event == "run-started" && same_file(e, file)) ours.insert(e.string("run"));
    if (event == "rolled-back")  // all the way back to its checkpoint (not just --to a task)
      for (CheckpointedRun& c : runs) c.rolled_back |= c.run == e.str("run") && e.str("to") == c.checkpoint;
    if (!ours.count(e.str("run"))) return;
    if (event == "checkpoint") {
      at[e.string("run")] = runs.size();
      runs.push_back({e.string("run"), e.string("branch"), e.string("commit"), false, false, {}, {}});
      return;
    }
    const auto r = at.find(e.str("run"));
    if (r == at.end()) return;
    CheckpointedRun& c = runs[r->second];
    if (event == "committed") {
      c.committed = true;
      c.commits.insert(e.string("commit"));
    } else if (event == "landing") {
      c.landing.insert(e.string("commit"));
    }
  });
  for (CheckpointedRun& c : runs)
    std::erase_if(c.landing, [&](const std::string& commit) { return c.commits.count(commit) != 0; });
  return runs;
}

std::vector<FinishedTask> succeeded_tasks(const std::string& journal_path) {
  std::vector<FinishedTask> out;
  const std::string here = journal_workdir(journal_path);
  std::map<std::string, std::string, std::less<>> file_of;  // run -> its tasks.md
  std::ifstream in(journal_path, std::ios::binary);
  for_each_line(in, [&](const Line& e) {
    const std::string_view event = e.str("event");
    if (event == "run-started" && !e.flag("dry_run")) file_of[e.string("run")] = moved_tasks_file(e.str("tasks_md"), e.str("workdir"), here);
    // A task a resumed run found committed has no time of its own: no sample.
    if (event != "task-finished" || e.str("outcome") != "succeeded" || !e.has("seconds")) return;
    const auto run = file_of.find(e.str("run"));
    if (run == file_of.end()) return;   // a dry run's, or a run whose start is not in the journal
    out.push_back({e.string("task"), e.number("seconds"), run->second, static_cast<int>(e.integer("line")), e.string("text")});
  });
  return out;
}

std::vector<JournalRun> read_runs_text(std::string_view journal, const std::string& tasks_path) {
  std::istringstream in{std::string(journal)};
  return runs_in(in, TasksFile{tasks_path, {}});
}

std::optional<std::pair<std::size_t, std::size_t>> previous_run_text(std::string_view journal, const std::string& tasks_path) {
  std::istringstream in{std::string(journal)};
  const auto left = previous_run_in(in, TasksFile{tasks_path, {}});
  if (!left) return std::nullopt;
  return std::make_pair(left->running.size(), left->unmarked.size());
}

}  // namespace flow::detail

namespace flow {
FLOW_BEGIN_NAMESPACE

Result<std::vector<JournalRun>> read_runs(const std::string& journal_path, const std::string& tasks_path) {
  std::error_code ec;
  if (!fs::exists(journal_path, ec)) return std::vector<JournalRun>();
  std::ifstream in(journal_path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot read the journal " + journal_path);
  return detail::runs_in(in, detail::TasksFile{tasks_path, detail::journal_workdir(journal_path)});
}

Result<std::optional<JournalRun>> read_last_run(const std::string& journal_path, const std::string& tasks_path) {
  auto runs = read_runs(journal_path, tasks_path);
  if (!runs) return Unexpected{std::move(runs).error()};
  // A run that found nothing to do does not hide the one that did the work.
  for (auto it = runs->rbegin(); it != runs->rend(); ++it)
    if (!it->tasks.empty()) return std::optional<JournalRun>(std::move(*it));
  if (runs->empty()) return std::optional<JournalRun>();
  return std::optional<JournalRun>(std::move(runs->back()));
}

Result<int> apply_journal_state(const std::string& journal_path, const std::string& tasks_path, std::string_view text,
                                Plan& plan) {
  return apply_journal_state(journal_path, tasks_path, text, plan, nullptr);
}

Result<int> apply_journal_state(const std::string& journal_path, const std::string& tasks_path, std::string_view text,
                                Plan& plan, std::vector<int>* applied) {
  // Neither a checkbox nor steps: a bold item, or a heading whose check mark an earlier
  // flow did not write.
  const auto journal_kept = [](const Task& t) { return t.mark_offset == Task::npos && t.step_marks.empty(); };
  const bool any = std::any_of(plan.tasks.begin(), plan.tasks.end(), [&](const Task& t) {
    return journal_kept(t) && t.state == TaskState::pending;
  });
  std::error_code ec;
  if (!any || !fs::exists(journal_path, ec)) return 0;
  std::ifstream in(journal_path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot read the journal " + journal_path);
  struct Finished {
    std::string run, id, text;
    int line;
    std::size_t seq;     // where in the journal
    std::size_t landed;  // where its commit's line is (no commit: nothing of its to undo; seq)
  };
  std::vector<Finished> finished;
  // What each run put on its branch, in order: its checkpoint, and each task's commit
  // (by "id@line") with its place in the journal. A rollback undoes the run's tasks
  // committed after the commit it went back to (`flow rollback --to T001` keeps T001),
  // all of them when that is the checkpoint or a commit that is not the run's.
  struct Commits {
    std::string checkpoint;
    std::map<std::string, std::size_t> at;     // commit -> where its line is
    std::map<std::string, std::size_t> task;   // "id@line" -> where its commit's line is
    std::vector<std::size_t> undone_after;     // each rollback's cut: tasks committed after it are undone
  };
  std::map<std::string, Commits> commits;
  // A task whose mark a run wrote (or tried to) once it had finished: the file keeps its
  // state from then on, and a mark taken out since (a heading's check mark the user
  // removed) means it runs again. By ID: each mark's run and place in the journal.
  std::map<std::string, std::vector<std::pair<std::string, std::size_t>>> marked;
  struct Mark {
    std::string run, task;
    std::size_t seq;
  };
  std::vector<Mark> all_marks;
  std::set<std::string> ours;  // runs of this tasks.md
  const detail::TasksFile where{tasks_path, detail::journal_workdir(journal_path)};
  std::string current;
  std::size_t seq = 0;
  detail::for_each_line(in, [&](const detail::Line& e) {
    const std::string_view event = e.str("event");
    ++seq;
    if (event == "run-started") {
      current = detail::ours(e, where) ? e.string("run") : std::string();
      if (!current.empty()) ours.insert(current);
    } else if (event == "checkpoint" && !current.empty() && e.str("run") == current) {
      commits[current].checkpoint = e.string("commit");
    } else if (event == "committed" && !current.empty() && e.str("run") == current) {
      Commits& c = commits[current];
      c.at.emplace(e.string("commit"), seq);
      c.task[e.task_key()] = seq;
    } else if (event == "rolled-back") {
      Commits& c = commits[e.string("run")];
      const auto to = c.at.find(e.string("to"));
      c.undone_after.push_back(e.str("to") == c.checkpoint || to == c.at.end() ? 0 : to->second);
    } else if (event == "task-finished" && !current.empty() && e.str("run") == current) {
      // Where it landed: its commit's line, or (no commit: nothing of its to undo) this one.
      const auto& landed = commits[current].task;
      const auto at = landed.find(e.task_key());
      finished.push_back({current, e.string("task"), e.string("text"), static_cast<int>(e.integer("line")), seq,
                          at == landed.end() ? seq : at->second});
    } else if (event == "marked" || event == "mark-failed") {
      // Its run's, once that run is known to be ours: a run's first marks (an earlier
      // flow's tasks checked at its start) come before its run-started line.
      all_marks.push_back({e.string("run"), e.string("task"), seq});
    }
  });
  for (const Mark& m : all_marks)
    if (ours.count(m.run)) marked[m.task].emplace_back(m.run, m.seq);
  int n = 0;
  for (const Finished& f : finished) {
    if (const auto c = commits.find(f.run); c != commits.end() && std::any_of(c->second.undone_after.begin(),
                                                                              c->second.undone_after.end(),
                                                                              [&](std::size_t cut) { return f.landed > cut; }))
      continue;
    // Marked by its own run (with git isolation just before the task-finished line), or
    // by a later one.
    if (const auto m = marked.find(f.id);
        m != marked.end() && std::any_of(m->second.begin(), m->second.end(), [&](const auto& r) {
          return r.first == f.run || r.second > f.seq;
        }))
      continue;
    const int at = find_task_again(text, plan, f.id, f.line, f.text);
    if (at < 0) continue;
    Task& t = plan.tasks[static_cast<std::size_t>(at)];
    if (!journal_kept(t) || t.state != TaskState::pending) continue;
    t.state = TaskState::done;
    if (applied) applied->push_back(at);
    ++n;
  }
  return n;
}

FLOW_END_NAMESPACE
}  // namespace flow
