// SPDX-License-Identifier: MIT
// The run loop end to end with real processes: a scripted test agent in a temporary
// repository; outcomes checked from the file, the journal and the report.
#include <flow/run.hpp>
#include <flow/tasks_md.hpp>

#include "runtime/journal.hpp"
#include "runtime/journal_read.hpp"
#include "runtime/validation.hpp"
#include "support/text.hpp"
#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

using namespace flow;
namespace fs = std::filesystem;

namespace {

const std::string kAgent = std::string(FLOW_TEST_DATA) + "/../agents/test-agent.sh";

struct Recorder final : RunObserver {
  std::vector<RunEvent> events;
  void on_event(const RunEvent& e) override { events.push_back(e); }
  int count(const std::string& kind) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
};

struct Fixture {
  test::TempDir dir;
  std::string tasks;
  Fixture(const std::string& text) {
    // The work dir is the repository root: a repository with no commit, so tasks run in place.
    REQUIRE(std::system(("git init -q '" + dir.path + "'").c_str()) == 0);
    fs::create_directories(dir.path + "/specs/001-x");
    tasks = dir.path + "/specs/001-x/tasks.md";
    std::ofstream(tasks, std::ios::binary) << text;
    std::ofstream(dir.path + "/specs/001-x/spec.md") << "# Spec\n";
  }
  Result<RunReport> go(Recorder& rec, int workers = 2, const std::string& plan = "", double timeout = 0,
                       StockPolicyOptions popt = fast_policy()) {
    ::setenv("TEST_AGENT_PLAN", plan.c_str(), 1);
    RunOptions o;
    o.tasks_path = tasks;
    o.agent = {kAgent, "{task_id}", "{attempt}"};
    o.workers = workers;
    o.task_timeout = timeout;
    o.kill_grace = 0.3;
    auto runner = make_process_runner();
    StockPolicy policy(popt);
    return run(o, *runner, policy, rec);
  }
  static StockPolicyOptions fast_policy() {
    StockPolicyOptions p;
    p.base_delay = 0.05;
    p.max_delay = 0.2;
    return p;
  }
  std::string text() const { return test::slurp(tasks); }
  // The journal's events, as (event, task, attempt, ts-order index).
  std::vector<std::map<std::string, std::string>> journal() const {
    std::vector<std::map<std::string, std::string>> out;
    std::istringstream in(test::slurp(dir.path + "/.flow/implementation.log"));
    std::string line;
    while (std::getline(in, line)) {
      std::map<std::string, std::string> m;
      for (const char* key : {"event", "task", "attempt", "ts", "class", "decision"}) {
        const std::string k = std::string("\"") + key + "\":";
        const std::size_t at = line.find(k);
        if (at == std::string::npos) continue;
        std::size_t v = at + k.size();
        const bool quoted = line[v] == '"';
        if (quoted) ++v;
        const std::size_t end = line.find(quoted ? '"' : ',', v);
        m[key] = line.substr(v, end - v);
      }
      out.push_back(std::move(m));
    }
    return out;
  }
};

const std::string kPlan =
    "## Phase 1: Setup\n"
    "- [ ] T001 Create `app/__init__.py`\n"
    "## Phase 2: Work\n"
    "- [ ] T002 [P] Write `app/a.py`\n"
    "- [ ] T003 [P] Write `app/b.py`\n"
    "- [ ] T004 [P] Write `app/c.py`\n"
    "- [ ] T005 Wire `app/main.py` (depends on T002)\n"
    "- [x] T006 Already done\n";

}  // namespace

TEST_CASE("all tasks run, in parallel where allowed, each marked [X] the moment it succeeds") {
  Fixture f(kPlan);
  Recorder rec;
  auto r = f.go(rec, 3);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->succeeded == 5);
  CHECK(r->failed == 0);
  CHECK(f.text() == [] {
    std::string s = kPlan;
    for (std::size_t at = s.find("- [ ]"); at != std::string::npos; at = s.find("- [ ]", at)) s[at + 3] = 'x';  // the file's own case
    return s;
  }());
  CHECK(test::slurp(f.dir.path + "/app/a.py") == "T002\n");  // the agent ran in the repository root
  // The journal: every task started, finished and was marked, in order; T006 never ran.
  const auto j = f.journal();
  std::map<std::string, std::string> started, finished;
  int marked = 0, overlapping = 0, running = 0;
  for (const auto& e : j) {
    if (e.at("event") == "task-started") {
      started[e.at("task")] = e.at("ts");
      overlapping = std::max(overlapping, ++running);
    }
    if (e.at("event") == "task-finished") {
      finished[e.at("task")] = e.at("ts");
      --running;
    }
    marked += e.at("event") == "marked";
  }
  CHECK(marked == 5);
  CHECK(started.count("T006") == 0);
  CHECK(overlapping == 3);  // the three [P] tasks ran together: the worker limit was reached
  // No dependency violated: ISO timestamps compare as text.
  for (const char* t : {"T002", "T003", "T004"}) CHECK(finished.at("T001") <= started.at(t));
  CHECK(finished.at("T002") <= started.at("T005"));
  CHECK(j.front().at("event") == "run-started");
  CHECK(j.back().at("event") == "run-finished");
  // Prompts exist and say what to do.
  bool prompt = false;
  for (const auto& e : fs::recursive_directory_iterator(f.dir.path + "/.flow/runs"))
    if (e.path().filename().string().rfind("T005-", 0) == 0 && e.path().extension() == ".md") {
      const std::string p = test::slurp(e.path().string());
      prompt = p.find("- [ ] T005 Wire `app/main.py`") != std::string::npos && p.find("spec.md") != std::string::npos &&
               p.find("Do not edit tasks.md") != std::string::npos && p.find("T002 Write") != std::string::npos;
    }
  CHECK(prompt);
}

TEST_CASE("a task the user marks, rewords or removes during the run is not started as it was") {
  // Each used to start with its old text and its result to be committed or marked over
  // the user's edit ([~] became [X]); a removed task ran too, and the journal said it
  // succeeded while the run said it failed.
  const std::string plan =
      "## Phase 1\n- [ ] T001 Create `a.txt`\n- [ ] T002 [P] Create `b.txt`\n- [ ] T003 [P] Create `c.txt`\n"
      "- [ ] T004 [P] Create `d.txt`\n- [ ] T005 [P] Create `e.txt` (depends on T004)\n- [ ] T006 [P] Create `f.txt`\n"
      "- [ ] T007 [P] Create `g.txt`\n";
  Fixture f(plan);
  struct Editor final : RunObserver {
    std::string path;
    std::vector<RunEvent> events;
    void on_event(const RunEvent& e) override {
      events.push_back(e);
      if (e.kind != "started" || e.task != 0) return;   // T001
      std::string s = test::slurp(path);
      const auto put = [&](const std::string& from, const std::string& to) { s.replace(s.find(from), from.size(), to); };
      put("- [ ] T002", "- [X] T002");                                       // the user did it
      put("- [ ] T003", "- [~] T003");                                       // the user set it aside
      put("Create `d.txt`", "Create `dd.txt`");                              // reworded
      put("- [ ] T007 [P] Create `g.txt`\n", "");                           // removed
      s += "- [ ] T008 [P] Create `h.txt`\n";                                // added
      s += "<!-- the user's note -->\n";
      std::ofstream(path + ".tmp", std::ios::binary) << s;
      fs::rename(path + ".tmp", path);
    }
  } rec;
  rec.path = f.tasks;
  ::setenv("TEST_AGENT_PLAN", "", 1);
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent = {kAgent, "{task_id}", "{attempt}"};
  o.workers = 1;
  auto runner = make_process_runner();
  StockPolicy policy(Fixture::fast_policy());
  auto r = run(o, *runner, policy, rec);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->succeeded == 2);   // T001, T006
  CHECK(r->skipped == 2);     // T002, T003: the user's marks stand
  CHECK(r->failed == 2);      // T004 reworded, T007 removed: not run
  CHECK(r->blocked == 1);     // T005 waits for T004
  // Not run by this run, though marked (an agent may have marked them): the run is not complete.
  // A task added meanwhile is said too: the run read the file before it was there.
  REQUIRE(r->not_run.size() == 3);
  CHECK(r->not_run[0].rfind("T002: it was marked [X]", 0) == 0);
  CHECK(r->not_run[1].rfind("T003: it was marked [~]", 0) == 0);
  CHECK(r->not_run[2].rfind("T008 (line 8): written into tasks.md during the run", 0) == 0);
  for (const char* file : {"b.txt", "c.txt", "d.txt", "dd.txt", "e.txt", "g.txt", "h.txt"})
    CHECK_MESSAGE(!fs::exists(f.dir.path + "/" + file), std::string(file));
  CHECK(fs::exists(f.dir.path + "/f.txt"));
  CHECK(r->tasks[3].failure_class == "changed");
  CHECK(r->tasks[3].last_lines.find("changed or removed during the run") != std::string::npos);
  CHECK(f.text() ==
        "## Phase 1\n- [X] T001 Create `a.txt`\n- [X] T002 [P] Create `b.txt`\n- [~] T003 [P] Create `c.txt`\n"
        "- [ ] T004 [P] Create `dd.txt`\n- [ ] T005 [P] Create `e.txt` (depends on T004)\n- [X] T006 [P] Create `f.txt`\n"
        "- [ ] T008 [P] Create `h.txt`\n<!-- the user's note -->\n");
  int not_started = 0, finished = 0;
  for (const auto& e : f.journal()) {
    not_started += e.at("event") == "not-started";
    finished += e.at("event") == "task-finished";
  }
  CHECK(not_started == 4);
  CHECK(finished == 2);
  // `flow status` reads the same from the journal.
  auto last = read_last_run(f.dir.path + "/.flow/implementation.log", f.tasks);
  REQUIRE(last);
  REQUIRE(*last);
  std::map<std::string, std::string> outcome;
  for (const JournalTask& t : (*last)->tasks) outcome[t.id] = t.outcome;
  CHECK(outcome["T002"] == "skipped");
  CHECK(outcome["T004"] == "not run");
  CHECK(outcome["T007"] == "not run");
  CHECK(outcome["T006"] == "succeeded");
}

TEST_CASE("prompts do not grow with the run: what a task needs, within a cap, and where the rest is") {
  // 40 tasks one after another, then one that names the first task's file.
  std::string plan = "## Phase 1: Setup\n";
  const auto id = [](int i) { return std::string("T") + (i < 10 ? "00" : "0") + std::to_string(i); };
  for (int i = 1; i <= 40; ++i) plan += "- [ ] " + id(i) + " Write `app/f" + std::to_string(i) + ".py`\n";
  plan += "- [ ] T041 Extend `app/f1.py`\n";
  Fixture f(plan);
  Recorder rec;
  auto r = f.go(rec, 1);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  REQUIRE(r->succeeded == 41);
  std::map<std::string, std::string> prompts;
  for (const auto& e : fs::recursive_directory_iterator(f.dir.path + "/.flow/runs"))
    if (e.path().extension() == ".md") prompts[e.path().filename().string().substr(0, 4)] = test::slurp(e.path().string());
  const std::string& last = prompts.at("T041");
  const auto listed = [](const std::string& p) {
    int n = 0;
    for (std::size_t at = p.find("\n- T0"); at != std::string::npos; at = p.find("\n- T0", at + 1)) ++n;
    return n;
  };
  // What it waits for, and the task that wrote its file 39 tasks earlier.
  CHECK(last.find("What this task waits for:\n\n- T040 Write") != std::string::npos);
  CHECK(last.find("Earlier tasks that named its files:\n\n- T001 Write `app/f1.py`") != std::string::npos);
  CHECK(last.find("- T010 ") == std::string::npos);  // old work that does not concern it
  CHECK(last.find("40 tasks finished in this run") != std::string::npos);
  CHECK(last.find("16 other finished tasks are not listed") != std::string::npos);
  CHECK(listed(last) == 24);
  // The 26th task's prompt lists as many lines as the 41st's: the cap, not the run's length.
  CHECK(listed(prompts.at("T026")) == 24);
  CHECK(listed(prompts.at("T002")) == 1);
  CHECK(prompts.at("T001").find("Done so far") == std::string::npos);
}

TEST_CASE("a retryable failure is retried after the policy's delay and then succeeds") {
  Fixture f(kPlan);
  Recorder rec;
  auto r = f.go(rec, 2, "T003:fail-once");
  REQUIRE(r);
  CHECK(r->succeeded == 5);
  CHECK(r->retries == 1);
  CHECK(r->tasks[2].attempts == 2);
  CHECK(r->tasks[2].marked);
  int retried = 0;
  for (const auto& e : f.journal())
    if (e.at("event") == "attempt-failed") {
      CHECK(e.at("class") == "network");
      CHECK(e.at("decision") == "retry");
      ++retried;
    }
  CHECK(retried == 1);
}

TEST_CASE("a non-retryable failure is not retried; its dependents are blocked, the rest finishes") {
  Fixture f(kPlan);
  Recorder rec;
  auto r = f.go(rec, 2, "T002:auth");
  REQUIRE(r);
  CHECK(r->failed == 1);
  CHECK(r->tasks[1].attempts == 1);
  CHECK(r->tasks[1].failure_class == "auth");
  CHECK(r->tasks[1].last_lines.find("Invalid API key") != std::string::npos);
  CHECK(r->tasks[4].status == TaskStatus::blocked);  // T005 depends on T002
  CHECK(r->tasks[4].blocked_by == 1);
  CHECK(r->tasks[2].status == TaskStatus::succeeded);
  CHECK(r->tasks[3].status == TaskStatus::succeeded);
  const std::string text = f.text();
  CHECK(text.find("- [ ] T002") != std::string::npos);  // never marked
  CHECK(text.find("- [ ] T005") != std::string::npos);
  CHECK(text.find("- [x] T003") != std::string::npos);
}

TEST_CASE("a timeout kills the attempt's process group; crashes and partial output are failures") {
  Fixture f(kPlan);
  Recorder rec;
  StockPolicyOptions once = Fixture::fast_policy();
  once.max_retries = 0;
  auto r = f.go(rec, 3, "T002:hang,T003:crash,T004:partial", 0.5, once);
  REQUIRE(r);
  CHECK(r->tasks[1].failure_class == "timeout");
  CHECK(r->tasks[1].seconds < 5);
  CHECK(r->tasks[2].failure_class == "crash");
  CHECK(r->tasks[3].status == TaskStatus::failed);
  CHECK(r->failed == 3);
}

TEST_CASE("rate limits are classified; the agent gets the task's environment; argv is never a shell string") {
  Fixture f("- [ ] T001 Write `x.py` $(touch pwned) `rm -rf /tmp/nothing`\n");
  Recorder rec;
  StockPolicyOptions once = Fixture::fast_policy();
  once.max_retries = 0;
  auto r = f.go(rec, 1, "T001:ratelimit", 0, once);
  REQUIRE(r);
  CHECK(r->tasks[0].failure_class == "rate_limit");
  CHECK_FALSE(fs::exists(f.dir.path + "/pwned"));
}

TEST_CASE("a dry run writes the prompts and runs nothing") {
  Fixture f(kPlan);
  Recorder rec;
  RunOptions o;
  o.tasks_path = f.tasks;
  o.dry_run = true;
  auto runner = make_process_runner();
  StockPolicy policy;
  auto r = run(o, *runner, policy, rec);
  REQUIRE(r);
  CHECK(r->order.size() == 5);
  CHECK(f.text() == kPlan);
  CHECK_FALSE(fs::exists(f.dir.path + "/app"));
}

TEST_CASE("a tasks.md that cannot run is an error before anything starts") {
  Fixture f("- [ ] T001 [P] a (depends on T002)\n- [ ] T002 [P] b (depends on T001)\n");
  Recorder rec;
  auto r = f.go(rec);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::cycle);
  CHECK(rec.events.empty());
}

TEST_CASE("every run has a directory of its own, even two started in one second by one process") {
  // Two runs of an embedding host's threads used to share an ID and a directory: one
  // agent read the other's prompt, and a refused run removed the live one's files.
  test::TempDir dir;
  const std::string runs = dir.path + "/.flow/runs";
  fs::create_directories(runs + "/" + detail::make_run_id());   // a run of this second already
  std::set<std::string> before;
  for (const auto& e : fs::directory_iterator(runs)) before.insert(e.path().string());
  auto a = detail::claim_run_dir(runs);
  auto b = detail::claim_run_dir(runs);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->id != b->id);
  CHECK(a->path != b->path);
  CHECK(before.count(a->path) == 0);
  CHECK(before.count(b->path) == 0);
  CHECK(fs::is_directory(a->path));
  CHECK(fs::is_directory(b->path));
}

TEST_CASE("one run per tasks.md: a held lock is refused; a dead holder's lock is taken over") {
  Fixture f(kPlan);
  fs::create_directories(f.dir.path + "/.flow/locks");
  const std::string lock = f.dir.path + "/.flow/locks/specs_001-x_tasks.md.lock";
  {
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "4242\n", 5) == 5);
    REQUIRE(::flock(fd, LOCK_EX) == 0);  // another run holds it
    Recorder rec;
    auto r = f.go(rec);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::conflict);
    CHECK(r.error().message.find("pid 4242") != std::string::npos);
    CHECK(f.text() == kPlan);
    ::close(fd);  // its holder died: the kernel released the lock
  }
  Recorder rec;
  auto r = f.go(rec);
  REQUIRE(r);
  CHECK(r->succeeded == 5);
  bool said = false;
  for (const auto& e : rec.events) said |= e.kind == "resumed" && e.detail.find("pid 4242") != std::string::npos;
  CHECK(said);
}

TEST_CASE("named resources from the options keep tasks apart; optional tasks are skipped") {
  Fixture f("- [ ] T001 [P] [US1] Migrate a.sql\n- [ ] T002 [P] [US1] Seed b.sql\n- [ ] T003 [P] [flaky] Poke c.py\n"
            "- [ ] T004 Finish d.py\n");
  Recorder rec;
  ::setenv("TEST_AGENT_PLAN", "T003:auth", 1);
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent = {kAgent};
  o.workers = 3;
  o.resources = {{"US1", {"db"}}};
  auto runner = make_process_runner();
  StockPolicyOptions po = Fixture::fast_policy();
  po.optional_labels = {"flaky"};
  StockPolicy policy(po);
  auto r = run(o, *runner, policy, rec);
  REQUIRE(r);
  CHECK(r->succeeded == 3);
  CHECK(r->skipped == 1);
  CHECK(r->tasks[3].status == TaskStatus::succeeded);  // T004 was not blocked by the optional T003
  // T001 and T002 both claim db: they never overlapped.
  double end1 = -1, start2 = -1, start1 = -1, end2 = -1;
  for (const auto& e : rec.events) {
    if (e.kind == "started" && e.task == 0) start1 = e.time;
    if (e.kind == "succeeded" && e.task == 0) end1 = e.time;
    if (e.kind == "started" && e.task == 1) start2 = e.time;
    if (e.kind == "succeeded" && e.task == 1) end2 = e.time;
  }
  CHECK((start2 >= end1 || start1 >= end2));
}

TEST_CASE("failures are classified by the agents' own error signatures, not by words in passing") {
  Completion exit1;
  exit1.exit_code = 1;
  CHECK(classify_failure(exit1, "Invalid API key · Fix external API key") == FailureClass::auth);
  CHECK(classify_failure(exit1, "Not logged in · Please run /login") == FailureClass::auth);
  CHECK(classify_failure(exit1, "API Error: Request rejected (429) · slow down") == FailureClass::rate_limit);
  CHECK(classify_failure(exit1, "You've hit your limit · resets 2pm") == FailureClass::rate_limit);
  CHECK(classify_failure(exit1, "API Error: 529 Overloaded. This is a server-side issue") == FailureClass::temporary);
  CHECK(classify_failure(exit1, "API Error: Connection refused (ECONNREFUSED)") == FailureClass::network);
  CHECK(classify_failure(exit1, "Prompt is too long · the request is ~210000 tokens") == FailureClass::invalid_input);
  CHECK(classify_failure(exit1, "{\"subtype\":\"error_max_turns\"}") == FailureClass::budget);
  // An agent working on an auth module, a network layer or line 429 failed for another reason.
  CHECK(classify_failure(exit1, "tests failed in src/auth/authentication.py: network timeout handling at line 429") ==
        FailureClass::unknown);
  Completion killed;
  killed.signal = 11;
  CHECK(classify_failure(killed, "") == FailureClass::crash);
  Completion late;
  late.timed_out = true;
  late.signal = 9;
  CHECK(classify_failure(late, "Invalid API key") == FailureClass::timeout);
}

TEST_CASE("resume: a task that finished but was killed before its mark is marked, not run again") {
  Fixture f(kPlan);
  // The journal of a run killed after T001 finished, before its batch of marks.
  fs::create_directories(f.dir.path + "/.flow");
  std::ofstream(f.dir.path + "/.flow/implementation.log")
      << R"({"ts":"2026-11-24T08:00:00.000Z","run":"R1","event":"run-started","tasks_md":")" << f.tasks
      << R"(","workers":2,"dry_run":false})" << "\n"
      << R"({"ts":"2026-11-24T08:00:00.100Z","run":"R1","event":"task-started","task":"T001","line":2,"attempt":1,"pgid":0})" << "\n"
      << R"({"ts":"2026-11-24T08:00:01.000Z","run":"R1","event":"task-finished","task":"T001","line":2,"attempt":1,"outcome":"succeeded"})"
      << "\n";
  Recorder rec;
  auto r = f.go(rec);
  REQUIRE(r);
  CHECK(r->succeeded == 4);  // T002–T005; T001 came in done
  CHECK(r->tasks[0].attempts == 0);
  CHECK(f.text().find("- [x] T001") != std::string::npos);  // the file's own style: it has [x]
  CHECK(f.text().find("- [ ] T00") == std::string::npos);
  int started_t001 = 0, marked_t001 = 0;
  for (const auto& e : f.journal()) {
    started_t001 += e.at("event") == "task-started" && e.count("task") && e.at("task") == "T001";
    marked_t001 += e.at("event") == "marked" && e.count("task") && e.at("task") == "T001";
  }
  CHECK(started_t001 == 1);  // the earlier run's only
  CHECK(marked_t001 == 1);
}

TEST_CASE("group commit: a task's mark is written after its dependent started, once, and before the run ends") {
  Fixture f("## Phase 1: Work\n- [ ] T001 Do `a.txt`\n- [ ] T002 Do `b.txt`\n- [ ] T003 Do `c.txt`\n");
  Recorder rec;
  auto r = f.go(rec, 1);
  REQUIRE(r);
  CHECK(r->succeeded == 3);
  std::map<std::string, int> at;  // "event task" -> position in the journal
  int pos = 0, marks = 0;
  for (const auto& e : f.journal()) {
    ++pos;
    if (e.at("event") == "task-started" || e.at("event") == "marked") at[e.at("event") + " " + e.at("task")] = pos;
    marks += e.at("event") == "marked";
  }
  CHECK(marks == 3);
  CHECK(at.at("marked T001") > at.at("task-started T002"));  // the chain did not wait for the disk
  CHECK(at.at("marked T002") > at.at("task-started T003"));
  CHECK(f.text() == "## Phase 1: Work\n- [X] T001 Do `a.txt`\n- [X] T002 Do `b.txt`\n- [X] T003 Do `c.txt`\n");
}

TEST_CASE("write-back is amortised: tasks.md is rewritten at most once per 100 ms of the run, plus its end") {
  // 300 no-op tasks finish a few milliseconds apart; each group commit rewrote the whole
  // file, so the rewrites grew with the tasks (and the run with the square of them).
  std::string text = "## Phase 1: Work\n";
  for (int i = 1; i <= 300; ++i) text += "- [ ] T" + std::to_string(1000 + i) + " [P] Write `src/m" + std::to_string(i) + ".py`\n";
  Fixture f(text);
  // Every replace of tasks.md is a rename onto it, seen by inotify. (Its temporary's
  // creation is watched too: identical events in a row are merged into one.)
  const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(watch >= 0);
  REQUIRE(::inotify_add_watch(watch, fs::path(f.tasks).parent_path().c_str(), IN_MOVED_TO | IN_CREATE) >= 0);
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent = {"/bin/true"};
  o.workers = 2;
  o.require_changes = false;
  auto runner = make_process_runner();
  StockPolicy policy(Fixture::fast_policy());
  Recorder rec;
  auto r = run(o, *runner, policy, rec);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->succeeded == 300);
  int writes = 0;
  alignas(inotify_event) char buf[65536];
  for (ssize_t n; (n = ::read(watch, buf, sizeof buf)) > 0;)
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      writes += (e->mask & IN_MOVED_TO) && e->len > 0 && std::string(e->name) == "tasks.md";
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  ::close(watch);
  std::string want = text;
  for (std::size_t at = want.find("- [ ]"); at != std::string::npos; at = want.find("- [ ]", at)) want[at + 3] = 'X';
  CHECK(f.text() == want);
  CHECK(rec.count("marked") == 300);
  // Rewrites are at least 100 ms apart; the run's end (and an interrupt) add one each.
  INFO("writes ", writes, " in ", r->wall, " s");
  CHECK(writes >= 1);
  CHECK(writes <= 2 + static_cast<int>(r->wall / 0.1));
}

TEST_CASE("a stalled attempt (no output, no file change) ends as `stalled`, which is retried") {
  Fixture f(kPlan);
  Recorder rec;
  ::setenv("TEST_AGENT_PLAN", "T002:hang", 1);
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent = {kAgent, "{task_id}", "{attempt}"};
  o.workers = 2;
  o.task_timeout = 0;  // no time limit: only the stall watch ends it
  o.stall_timeout = 0.5;
  o.kill_grace = 0.3;
  StockPolicyOptions popt = Fixture::fast_policy();
  popt.max_retries = 1;
  auto runner = make_process_runner();
  StockPolicy policy(popt);
  auto r = run(o, *runner, policy, rec);
  REQUIRE(r);
  CHECK(r->tasks[1].failure_class == "stalled");
  CHECK(r->tasks[1].attempts == 2);  // retried once, stalled again
  CHECK(r->tasks[1].last_lines.find("stalled: no output and no file change") != std::string::npos);
  CHECK(r->tasks[0].status == TaskStatus::succeeded);
}

TEST_CASE("a task's files are one list: relative, feature documents beside tasks.md, nothing outside") {
  Fixture f("- [ ] T001 Update data-model.md, configure ESLint (\\.eslintrc.json) and see /etc/flow-outside.conf\n");
  std::ofstream(f.dir.path + "/specs/001-x/data-model.md") << "# Data model\n";
  Recorder rec;
  auto r = f.go(rec, 1);
  REQUIRE(r);
  CHECK(r->tasks[0].marked);
  // The agent wrote every file it was handed (FLOW_TASK_FILES): the document beside
  // tasks.md, not a new one at the root; the dotfile at the root, not at '/'.
  CHECK(test::slurp(f.dir.path + "/specs/001-x/data-model.md").find("T001") != std::string::npos);
  CHECK_FALSE(fs::exists(f.dir.path + "/data-model.md"));
  CHECK(fs::exists(f.dir.path + "/.eslintrc.json"));
  std::string prompt;
  for (const auto& e : fs::recursive_directory_iterator(f.dir.path + "/.flow/runs"))
    if (e.path().filename().string().rfind("T001-", 0) == 0 && e.path().extension() == ".md") prompt = test::slurp(e.path().string());
  const std::size_t files = prompt.find("## Files this task names");
  REQUIRE(files != std::string::npos);
  const std::string listed = prompt.substr(files, prompt.find("\n## ", files + 1) - files);
  CHECK(listed.find("- specs/001-x/data-model.md\n") != std::string::npos);
  CHECK(listed.find("- .eslintrc.json\n") != std::string::npos);
  CHECK(listed.find("/etc") == std::string::npos);
  CHECK(listed.find("- /") == std::string::npos);
}

TEST_CASE("runs of two features at once: each reads its own lines; a mark a full disk stopped fails the task") {
  // B (another feature) starts first and A after it: reading B, A's run-started made B's
  // later lines invisible (flow status said B did not finish; a resume of B after a kill
  // lost what it left). A task whose mark failed read as succeeded in flow status.
  test::TempDir dir;
  const std::string journal = dir.path + "/implementation.log";
  auto line = [](const std::string& run, const std::string& event, const std::string& rest) {
    return "{\"ts\":\"2026-12-04T07:00:0" + std::string(1, run == "B" ? '1' : '2') + ".000Z\",\"run\":\"" + run +
           "\",\"event\":\"" + event + "\"" + rest + "}\n";
  };
  std::ofstream(journal, std::ios::binary)
      << line("B", "run-started", ",\"tasks_md\":\"/r/b/tasks.md\",\"workers\":1")
      << line("A", "run-started", ",\"tasks_md\":\"/r/a/tasks.md\",\"workers\":2")
      << line("B", "task-started", ",\"task\":\"T001\",\"line\":1,\"attempt\":1,\"text\":\"- [ ] T001 b\"")
      << line("A", "task-started", ",\"task\":\"T001\",\"line\":1,\"attempt\":1")
      << line("B", "task-finished", ",\"task\":\"T001\",\"line\":1,\"attempt\":1,\"seconds\":1,\"text\":\"- [ ] T001 b\"")
      << line("A", "task-finished", ",\"task\":\"T001\",\"line\":1,\"attempt\":1,\"seconds\":1")
      << line("A", "mark-failed", ",\"task\":\"T001\",\"line\":1,\"error\":\"No space left on device\"")
      << line("B", "run-finished", ",\"wall\":2")
      << line("A", "run-finished", ",\"wall\":2");
  auto b = read_runs(journal, "/r/b/tasks.md");
  REQUIRE(b);
  REQUIRE(b->size() == 1);
  CHECK(b->front().finished);
  REQUIRE(b->front().tasks.size() == 1);
  CHECK(b->front().tasks[0].outcome == "succeeded");
  auto a = read_runs(journal, "/r/a/tasks.md");
  REQUIRE(a);
  REQUIRE(a->size() == 1);
  REQUIRE(a->front().tasks.size() == 1);
  CHECK(a->front().tasks[0].outcome == "failed");
  CHECK(a->front().tasks[0].failure_class == "io");
  CHECK(a->front().tasks[0].reason.find("No space left on device") != std::string::npos);
  // B killed before its end: its resume finds what it left, A's run-started in between.
  std::string text = test::slurp(journal);
  text.erase(text.find(line("B", "run-finished", ",\"wall\":2")), line("B", "run-finished", ",\"wall\":2").size());
  std::ofstream(journal, std::ios::binary) << text;
  const auto left = detail::previous_run(journal, "/r/b/tasks.md");
  REQUIRE(left);
  CHECK(left->run_id == "B");
  REQUIRE(left->unmarked.size() == 1);
  CHECK(left->unmarked[0].id == "T001");
}

TEST_CASE("tasks the journal alone keeps: a rollback to a task undoes those after it; a moved checkout keeps its record") {
  // Bold items have no box: the journal's task-finished lines are their state. `flow
  // rollback --to T001` counted the whole run undone (T001 ran again), and the record was
  // found by tasks.md's absolute path (a checkout moved elsewhere ran everything again).
  test::TempDir dir;
  std::filesystem::create_directories(dir.path + "/.flow");
  const std::string journal = dir.path + "/.flow/implementation.log";
  const std::string tasks = dir.path + "/specs/tasks.md";
  const std::string text = "# Tasks\n\n- **T001** a\n- **T002** b\n- **T003** c\n";
  auto line = [](const std::string& event, const std::string& rest) {
    return "{\"ts\":\"2026-12-05T07:00:00.000Z\",\"run\":\"R\",\"event\":\"" + event + "\"" + rest + "}\n";
  };
  auto task = [&](int k) {
    const std::string id = "T00" + std::to_string(k), at = ",\"task\":\"" + id + "\",\"line\":" + std::to_string(k + 2);
    return line("committed", at + ",\"commit\":\"c" + std::to_string(k) + "\"") +
           line("task-finished", at + ",\"outcome\":\"succeeded\",\"text\":\"- **" + id + "** " + std::string(1, char('a' + k - 1)) + "\"");
  };
  const std::string run = line("run-started", ",\"tasks_md\":\"/old/place/specs/tasks.md\",\"workdir\":\"/old/place\",\"workers\":1") +
                          line("checkpoint", ",\"commit\":\"c0\"") + task(1) + task(2) + task(3) + line("run-finished", "");
  auto done = [&](const std::string& journal_text) {
    std::ofstream(journal, std::ios::binary) << journal_text;
    Plan plan = parse_tasks_md(text);
    const auto n = apply_journal_state(journal, tasks, text, plan);
    REQUIRE(n);
    std::string ids;
    for (const Task& t : plan.tasks)
      if (t.state == TaskState::done) ids += t.id + " ";
    return ids;
  };
  CHECK(done(run) == "T001 T002 T003 ");
  CHECK(done(run + line("rolled-back", ",\"to\":\"c1\"")) == "T001 ");
  CHECK(done(run + line("rolled-back", ",\"to\":\"c2\"")) == "T001 T002 ");
  CHECK(done(run + line("rolled-back", ",\"to\":\"c2\"") + line("rolled-back", ",\"to\":\"c1\"")) == "T001 ");
  CHECK(done(run + line("rolled-back", ",\"to\":\"c0\"")).empty());
  CHECK(done(run + line("rolled-back", ",\"to\":\"elsewhere\"")).empty());  // not the run's: all of it undone
  // Another file at the old place is not this one.
  std::string other = run;
  other.replace(other.find("/old/place/specs"), 16, "/old/place/other");
  CHECK(done(other).empty());
  std::string outside = run;
  outside.replace(outside.find("\"/old/place/specs"), 17, "\"/elsewhere/specs");
  CHECK(done(outside).empty());
  // The moved path itself.
  CHECK(detail::moved_tasks_file("/old/place/specs/tasks.md", "/old/place/", "/new") == "/new/specs/tasks.md");
  CHECK(detail::moved_tasks_file("/old/place/specs/tasks.md", "/old/place", "/old/place") == "/old/place/specs/tasks.md");
  CHECK(detail::moved_tasks_file("/old/other/tasks.md", "/old/place", "/new") == "/old/other/tasks.md");
  CHECK(detail::moved_tasks_file("/old/place/tasks.md", "", "/new") == "/old/place/tasks.md");
  CHECK(detail::journal_workdir("/new/.flow/implementation.log") == "/new");
}

// Journals the fuzzer (tests/fuzz/journal_fuzz.cpp) once crashed the readers on: a
// timestamp that is not one threw from `flow status`.
// A kill (or a full disk) that cut the last line short: the next run's first line must
// not be glued to the fragment, or every reader loses it (its run-started: the run).
TEST_CASE("a journal whose last line was cut short gets its newline before the next line") {
  test::TempDir dir;
  const std::string path = dir.path + "/implementation.log";
  const std::string tasks = dir.path + "/tasks.md";
  const std::string started = R"({"event":"run-started","run":"r2","tasks_md":")" + tasks + R"("})";
  for (const std::string& before : {std::string(R"({"event":"run-started","run":"r1"})") + "\n" + R"({"event":"task-fin)",
                                   std::string(R"({"event":"run-started","run":"r1"})") + "\n", std::string()}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << before;
    {
      detail::Journal j;
      REQUIRE(j.open(path));
      CHECK(j.write(started, false));
    }
    const std::string text = test::slurp(path);
    const bool torn = !before.empty() && before.back() != '\n';
    CHECK(text == before + (torn ? "\n" : "") + started + "\n");
    // The run it starts is read: it is the last run, open, with nothing running.
    const auto left = detail::previous_run_text(text, tasks);
    REQUIRE(left.has_value());
  }
}

// `flow rollback` of a killed run closes it: the next run starts afresh, not as the
// resumption of a run whose work was undone (it had said "a write failed").
TEST_CASE("a killed run that a rollback closed is not left to resume") {
  const std::string tasks = "/r/specs/tasks.md";
  const std::string text = R"({"event":"run-started","run":"K","tasks_md":")" + tasks + R"("})" "\n"
                           R"({"event":"task-started","run":"K","task":"T002","line":4,"pgid":77,"container":"tag:x"})" "\n";
  const auto open = detail::previous_run_text(text, tasks);
  REQUIRE(open.has_value());
  CHECK(open->first == 1);  // T002 left running
  const std::string closed = text + R"({"event":"leftover-killed","run":"K","task":"T002","by":"rollback"})" "\n" +
                             R"({"event":"rolled-back","run":"K","from":"b","to":"a"})" "\n" +
                             R"({"event":"run-closed","run":"K","by":"rollback"})" "\n";
  CHECK_FALSE(detail::previous_run_text(closed, tasks).has_value());
  // Another run's closing line does not close this one.
  const std::string other = text + R"({"event":"run-closed","run":"L","by":"rollback"})" "\n";
  CHECK(detail::previous_run_text(other, tasks).has_value());
}

// Two features' runs at once: B's run-started (another tasks.md) came between A's and
// A's first commit, and the journal was read as if A's lines ended there: `flow rollback`
// of A found "nothing to roll back", and `--run A` called A's own commit foreign.
TEST_CASE("a run's commits are its own when another feature's run started meanwhile") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path + "/.flow");
  const std::string journal = dir.path + "/.flow/implementation.log";
  const std::string a = dir.path + "/specs/001-x/tasks.md", b = dir.path + "/specs/002-y/tasks.md";
  auto line = [](const std::string& run, const std::string& rest) {
    return "{\"ts\":\"2026-12-07T09:00:00.000Z\",\"run\":\"" + run + "\"," + rest + "}\n";
  };
  std::ofstream(journal, std::ios::binary)
      << line("A", "\"event\":\"run-started\",\"tasks_md\":\"" + a + "\"")
      << line("A", "\"event\":\"checkpoint\",\"branch\":\"main\",\"commit\":\"c0\"")
      << line("B", "\"event\":\"run-started\",\"tasks_md\":\"" + b + "\"")
      << line("B", "\"event\":\"checkpoint\",\"branch\":\"main\",\"commit\":\"c0\"")
      << line("A", "\"event\":\"landing\",\"task\":\"T001\",\"commit\":\"c1\"")
      << line("A", "\"event\":\"committed\",\"task\":\"T001\",\"commit\":\"c1\"")
      << line("B", "\"event\":\"committed\",\"task\":\"T101\",\"commit\":\"c2\"")
      << line("A", "\"event\":\"landing\",\"task\":\"T002\",\"commit\":\"c3\"");
  const auto runs = detail::checkpointed_runs(journal, a);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].run == "A");
  CHECK(runs[0].committed);
  CHECK(runs[0].commits == std::set<std::string>{"c1"});
  CHECK(runs[0].landing == std::set<std::string>{"c3"});
  const auto theirs = detail::checkpointed_runs(journal, b);
  REQUIRE(theirs.size() == 1);
  CHECK(theirs[0].commits == std::set<std::string>{"c2"});
}

TEST_CASE("journal fuzzer findings are read without a crash") {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("fuzz/journal"))) {
    const std::string text = test::slurp(e.path().string());
    for (const char* tasks : {"/repo/specs/tasks.md", ""}) {
      CHECK_NOTHROW((void)read_last_run(e.path().string(), tasks));
      CHECK_NOTHROW((void)detail::previous_run_text(text, tasks));
    }
    ++files;
  }
  CHECK(files >= 1);
}

namespace {

// A script in `dir` named `name` (the command agent's name is its program's name).
std::string script(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

// A stand-in for Claude Code (its stream-json), each attempt reporting `usd`; a task
// whose ID is in FAKE_CLAUDE_FAIL fails with an error result (a crash, retryable).
std::string fake_claude(const std::string& dir, const std::string& usd) {
  return script(dir, "fake-claude",
                "cat > /dev/null\n"
                "echo '{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s1\",\"model\":\"m\"}'\n"
                "case \",${FAKE_CLAUDE_FAIL:-},\" in *\",$FLOW_TASK_ID,\"*)\n"
                "  echo '{\"type\":\"result\",\"subtype\":\"error_during_execution\",\"is_error\":true,\"num_turns\":1,"
                "\"session_id\":\"s1\",\"total_cost_usd\":" + usd + "}'; exit 1 ;;\nesac\n"
                "echo '{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"num_turns\":1,\"result\":\"done\","
                "\"session_id\":\"s1\",\"total_cost_usd\":" + usd + ",\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}'\n");
}

// A run of f's tasks, one at a time, by the fake Claude at `usd` an attempt, under `budget`;
// its budget-reached hook appends a line to budget-hook.log in the work directory.
Result<RunReport> cost_run(const Fixture& f, Recorder& rec, const std::string& usd, Budget budget, const std::string& fail) {
  ClaudeOptions claude;
  claude.program = fake_claude(f.dir.path, usd);
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent_adapter = make_claude_agent(claude);
  o.workers = 1;
  o.task_timeout = 0;
  o.require_changes = false;
  o.budget = budget;
  o.notify["budget-reached"] = {"sh", "-c",
                                "echo \"$FLOW_EVENT $FLOW_BUDGET_SCOPE ${FLOW_TASK_ID:--} $FLOW_COST_USD $FLOW_BUDGET_USD\" >> budget-hook.log"};
  ::setenv("FAKE_CLAUDE_FAIL", fail.c_str(), 1);
  auto runner = make_process_runner();
  StockPolicy policy(Fixture::fast_policy());
  auto r = run(o, *runner, policy, rec);
  ::setenv("FAKE_CLAUDE_FAIL", "", 1);
  return r;
}

int journal_count(const Fixture& f, const std::string& event) {
  int n = 0;
  for (const auto& e : f.journal()) n += e.count("event") && e.at("event") == event;
  return n;
}

}  // namespace

TEST_CASE("a closed rate-limit gate moves the ready tasks to the fallback agent instead of waiting") {
  Fixture f("- [ ] T001 [P] Write `a.py`\n- [ ] T002 [P] Write `b.py`\n- [ ] T003 [P] Write `c.py`\n");
  const std::string bin = f.dir.path + "/bin";
  fs::create_directories(bin);
  // agent-a: a usage limit that resets in 10 minutes; agent-b does the work.
  RunOptions o;
  o.tasks_path = f.tasks;
  o.agent_adapter = make_command_agent({script(bin, "agent-a", "echo 'Rate limit reached. Please retry in 600s' >&2\nexit 1\n")});
  o.fallback_agents = {make_command_agent({script(bin, "agent-b", "exec " + kAgent + " \"$@\"\n"), "{task_id}"})};
  o.agent_max_workers = {{"agent-b", 1}};
  o.workers = 2;
  o.task_timeout = 0;
  ::setenv("TEST_AGENT_PLAN", "", 1);
  Recorder rec;
  auto runner = make_process_runner();
  StockPolicy policy(Fixture::fast_policy());
  const auto began = std::chrono::steady_clock::now();
  auto r = run(o, *runner, policy, rec);
  REQUIRE(r);
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(60));  // nobody waited 600 s
  CHECK(r->succeeded == 3);
  for (const TaskReport& t : r->tasks) CHECK(t.agent == "agent-b");
  CHECK(rec.count("fallback") >= 3);
  for (const auto& e : rec.events)
    if (e.kind == "fallback") CHECK(e.detail == "on agent-b (agent-a's rate-limit gate is closed)");
  // agent-b's maxWorkers of 1: its attempts never overlap.
  int on_b = 0;
  std::set<int> running_on_b;
  for (const auto& e : rec.events) {
    if (e.kind == "fallback") {
      running_on_b.insert(e.task);
      on_b = std::max(on_b, static_cast<int>(running_on_b.size()));
    }
    if (e.kind == "succeeded" || e.kind == "failed") running_on_b.erase(e.task);
  }
  CHECK(on_b == 1);
  // The journal names the agent of each attempt.
  const std::string log = test::slurp(f.dir.path + "/.flow/implementation.log");
  CHECK(log.find("\"agent\":\"agent-b\"") != std::string::npos);
}

TEST_CASE("repeated 429s shrink the agent's concurrency: journaled, shown, obeyed") {
  Fixture f("- [ ] T001 [P] Write `a.py`\n- [ ] T002 [P] Write `b.py`\n- [ ] T003 [P] Write `c.py`\n- [ ] T004 [P] Write `d.py`\n");
  Recorder rec;
  StockPolicyOptions once = Fixture::fast_policy();
  once.max_retries = 1;
  auto r = f.go(rec, 2, "T001:ratelimit,T002:ratelimit");
  REQUIRE(r);
  bool shrunk = false;
  int running = 0;
  for (const auto& e : rec.events) {
    if (e.kind == "concurrency") {
      CHECK(e.detail == "test-agent.sh: at most 1 of 2 workers (rate limited)");
      shrunk = true;
    }
    if (e.kind == "started") CHECK(++running <= (shrunk ? 1 : 2));
    if (e.kind == "succeeded" || e.kind == "failed") --running;
  }
  CHECK(shrunk);
  CHECK(journal_count(f, "concurrency") >= 1);
}

TEST_CASE("cost: reported per task and run by an agent that gives it; the run budget stops new starts") {
  Fixture f("- [ ] T001 Write `a.py`\n- [ ] T002 Write `b.py`\n- [ ] T003 Write `c.py`\n- [ ] T004 Write `d.py`\n");
  Recorder rec;
  auto r = cost_run(f, rec, "0.4", {1.0, 0}, "");
  REQUIRE(r);
  // $0.40 a task: the third brings the run to $1.20; nothing starts after it.
  CHECK(r->succeeded == 3);
  CHECK(r->blocked == 1);
  CHECK(r->cost_reported);
  CHECK(r->cost_usd == doctest::Approx(1.2));
  CHECK(r->tasks[0].cost_reported);
  CHECK(r->tasks[0].cost_usd == doctest::Approx(0.4));
  CHECK(r->tasks[3].attempts == 0);
  CHECK(r->budget_reached.find("budget.maxCostUsd") != std::string::npos);
  CHECK(rec.count("budget-reached") == 1);
  CHECK(rec.count("cost") == 3);
  CHECK(journal_count(f, "budget-reached") == 1);
  CHECK(test::slurp(f.dir.path + "/budget-hook.log") == "budget-reached run - 1.200000 1.000000\n");
  auto runs = read_runs(f.dir.path + "/.flow/implementation.log", fs::canonical(f.tasks).string());
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->back().cost_reported);
  CHECK(runs->back().budget_reached == r->budget_reached);
  CHECK(runs->back().tasks[0].cost_usd == doctest::Approx(0.4));
}

TEST_CASE("cost: a task's budget ends its retries; an agent that reports no cost is \"not reported\"") {
  Fixture f("- [ ] T001 [P] Write `a.py`\n- [ ] T002 [P] Write `b.py`\n");
  Recorder rec;
  auto r = cost_run(f, rec, "0.3", {0, 0.5}, "T001");  // the fast policy: 3 retries
  REQUIRE(r);
  CHECK(r->tasks[0].status == TaskStatus::failed);
  CHECK(r->tasks[0].attempts == 2);  // $0.60 after two: not retried a third time
  CHECK(r->tasks[0].cost_usd == doctest::Approx(0.6));
  CHECK(r->tasks[1].status == TaskStatus::succeeded);  // the run goes on
  CHECK(r->budget_reached.empty());
  CHECK(journal_count(f, "budget-reached") == 1);
  CHECK(test::slurp(f.dir.path + "/budget-hook.log") == "budget-reached task T001 0.600000 0.500000\n");

  Fixture plain("- [ ] T001 Write `a.py`\n");
  Recorder rec2;
  auto p = plain.go(rec2, 1);
  REQUIRE(p);
  CHECK_FALSE(p->cost_reported);
  CHECK_FALSE(p->tasks[0].cost_reported);
  CHECK(rec2.count("cost") == 0);
  auto runs = read_runs(plain.dir.path + "/.flow/implementation.log", fs::canonical(plain.tasks).string());
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK_FALSE(runs->back().cost_reported);  // `flow status` says "not reported"
  CHECK_FALSE(runs->back().tasks[0].cost_reported);
}

namespace {

// tail_lines as it was: the whole file read forward, line by line.
std::string tail_lines_forward(const std::string& path, std::size_t max_lines, bool skip_json) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view said = flow::detail::trim(line);
    if (said.empty() || (skip_json && said.front() == '{')) continue;
    lines.push_back(flow::detail::clip(line, 300));
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("an attempt's last lines are read from the end of its log, as reading all of it would find them") {
  test::TempDir dir;
  const std::string path = dir.path + "/attempt.out";
  const auto check = [&](const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
    for (const bool json : {false, true})
      for (const std::size_t n : {std::size_t{1}, std::size_t{12}, std::size_t{24}}) {
        CAPTURE(json);
        CAPTURE(n);
        CHECK(flow::detail::tail_lines(path, n, json) == tail_lines_forward(path, n, json));
      }
  };
  check("");
  check("one line without a newline");
  check("a\n\n  \nb\n{\"type\":\"x\"}\nc");
  // Lines across the 64 KiB and 128 KiB block edges, blank and JSON lines among them.
  std::string big;
  for (int i = 0; big.size() < 400 * 1024; ++i)
    big += (i % 7 == 0 ? "{\"event\":" + std::to_string(i) + "}" : i % 11 == 0 ? std::string("   ") : "line " + std::to_string(i)) + "\n";
  check(big);
  // Mostly JSON events: the telling lines are far back (blocks are read until found).
  std::string stream = "error: the first thing said\nwarning: the second\n";
  for (int i = 0; i < 20000; ++i) stream += "{\"type\":\"event\",\"n\":" + std::to_string(i) + "}\n";
  check(stream);
  // One line longer than a block, last.
  check("before\n" + std::string(200 * 1024, 'x'));
  CHECK(flow::detail::tail_lines(dir.path + "/no-such-log", 12) == "");
}
