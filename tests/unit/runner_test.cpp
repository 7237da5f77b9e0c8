// SPDX-License-Identifier: MIT
// The process runner against real processes: exit codes, argv only, environment,
// working directory, stdin, timeouts that kill the whole group, no orphans, rusage.
#include <flow/runner.hpp>

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

using namespace flow;

namespace {

Completion run_one(Runner& r, Launch l, double wait = 20) {
  REQUIRE(r.start(l));
  auto c = r.wait(wait);
  REQUIRE(c);
  return *c;
}

// run_one(), and how long it took from before the start.
std::pair<Completion, double> run_one_timed(Runner& r, Launch l) {
  const auto t0 = std::chrono::steady_clock::now();
  Completion c = run_one(r, std::move(l));
  return {std::move(c), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

// Running, not a zombie: a killed grandchild stays a zombie until some reaper collects
// it, which in a container may be never.
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const std::size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

pid_t read_pid(const std::string& path) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(path);
    long pid = 0;
    if (in >> pid && pid > 0) return static_cast<pid_t>(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("no pid in " << path);
  return -1;
}

}  // namespace

TEST_CASE("exit codes, stdout to a file, the environment and the working directory") {
  test::TempDir dir;
  auto r = make_process_runner();
  Launch l;
  l.task = 7;
  l.attempt = 2;
  l.argv = {"sh", "-c", "pwd; echo \"$FLOW_TASK_ID\"; echo oops >&2; exit 3"};
  l.env = {"FLOW_TASK_ID=T042"};
  l.workdir = dir.path;
  l.stdout_path = dir.path + "/out.log";
  l.stderr_path = dir.path + "/err.log";
  const Completion c = run_one(*r, l);
  CHECK(c.task == 7);
  CHECK(c.attempt == 2);
  CHECK(c.exit_code == 3);
  CHECK(c.signal == 0);
  CHECK_FALSE(c.timed_out);
  CHECK(test::slurp(dir.path + "/out.log") == dir.path + "\nT042\n");
  CHECK(test::slurp(dir.path + "/err.log") == "oops\n");
  CHECK(c.max_rss_kb > 0);
  CHECK(r->running() == 0);
}

TEST_CASE("stdout and stderr to one path: one file, in the order written, under one cap") {
  test::TempDir dir;
  auto r = make_process_runner();
  Launch l;
  // Each write waits for the one before it to be read, so the order is the program's.
  l.argv = {"sh", "-c", "echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; echo out2; sleep 0.1; echo err2 >&2"};
  l.stdout_path = l.stderr_path = dir.path + "/attempt.out";
  l.on_stdout_line = [](std::string_view) {};  // stdout through the line path too
  CHECK(run_one(*r, l).exit_code == 0);
  CHECK(test::slurp(dir.path + "/attempt.out") == "out1\nerr1\nout2\nerr2\n");

  // Nobody reading stdout's lines: the two streams share one pipe, so the order is
  // exactly the program's with no pause between writes (two pipes read as they fill
  // would interleave by chunks).
  Launch fast;
  fast.argv = {"sh", "-c", "i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo out$i; echo err$i >&2; done"};
  fast.stdout_path = fast.stderr_path = dir.path + "/fast.out";
  CHECK(run_one(*r, fast).exit_code == 0);
  std::string want;
  for (int i = 1; i <= 300; ++i) want += "out" + std::to_string(i) + "\nerr" + std::to_string(i) + "\n";
  CHECK(test::slurp(dir.path + "/fast.out") == want);

  // 64 KiB to each stream with a 16 KiB cap: the file keeps 16 KiB and a line, the
  // first line and the last, not 16 KiB per stream.
  Launch big;
  big.argv = {"sh", "-c", "echo FIRST; head -c 65536 /dev/zero | tr '\\0' o; head -c 65536 /dev/zero | tr '\\0' e >&2; "
                          "sleep 0.1; echo; echo LAST"};
  big.stdout_path = big.stderr_path = dir.path + "/big.out";
  big.max_log_bytes = 16 * 1024;
  CHECK(run_one(*r, big).exit_code == 0);
  const std::string log = test::slurp(dir.path + "/big.out");
  CHECK(log.size() <= 16 * 1024 + 200);
  CHECK(log.rfind("FIRST\n", 0) == 0);
  CHECK(log.find("bytes of output cut here") != std::string::npos);
  CHECK(log.size() >= 6);
  CHECK(log.substr(log.size() - 6) == "\nLAST\n");
}

TEST_CASE("arguments reach the program as they are: no shell sees them") {
  test::TempDir dir;
  auto r = make_process_runner();
  Launch l;
  l.argv = {"printf", "%s|", "$(touch pwned); `id`", "a b", "*"};
  l.workdir = dir.path;
  l.stdout_path = dir.path + "/out";
  CHECK(run_one(*r, l).exit_code == 0);
  CHECK(test::slurp(dir.path + "/out") == "$(touch pwned); `id`|a b|*|");
  CHECK_FALSE(std::ifstream(dir.path + "/pwned").good());
}

TEST_CASE("stdin is /dev/null: a program reading it does not hang") {
  auto r = make_process_runner();
  Launch l;
  l.argv = {"cat"};
  const Completion c = run_one(*r, l, 10);
  CHECK(c.exit_code == 0);
  CHECK(c.seconds < 10);
}

TEST_CASE("stdin from a file when asked") {
  test::TempDir dir;
  auto r = make_process_runner();
  std::ofstream(dir.path + "/in") << "the prompt\n";
  Launch l;
  l.argv = {"cat"};
  l.stdin_path = dir.path + "/in";
  l.stdout_path = dir.path + "/out";
  CHECK(run_one(*r, l).exit_code == 0);
  CHECK(test::slurp(dir.path + "/out") == "the prompt\n");
}

TEST_CASE("streamed stdout: every line reaches the callback as it comes, and the log") {
  test::TempDir dir;
  auto r = make_process_runner();
  std::vector<std::string> lines;
  bool early = false;
  Launch l;
  // The second line comes only after the first was seen: the reader is live, not a
  // read of the log at the end. A last line without a newline still counts.
  l.argv = {"sh", "-c", "echo one; while [ ! -f go ]; do sleep 0.01; done; printf 'two\\n\\nthree'"};
  l.workdir = dir.path;
  l.stdout_path = dir.path + "/out";
  l.on_stdout_line = [&](std::string_view line) {
    lines.emplace_back(line);
    if (line == "one") {
      early = true;
      std::ofstream(dir.path + "/go") << "";
    }
  };
  REQUIRE(r->start(l));
  std::optional<Completion> c;
  for (int i = 0; i < 400 && !c; ++i) c = r->wait(0.05);
  REQUIRE(c);
  CHECK(early);
  CHECK(c->exit_code == 0);
  CHECK(lines == std::vector<std::string>{"one", "two", "", "three"});
  CHECK(test::slurp(dir.path + "/out") == "one\ntwo\n\nthree");
}

TEST_CASE("streamed stdout: a long line split across reads arrives whole") {
  test::TempDir dir;
  auto r = make_process_runner();
  std::vector<std::size_t> sizes;
  Launch l;
  l.argv = {"sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x; echo; echo end"};
  l.stdout_path = dir.path + "/out";
  l.on_stdout_line = [&](std::string_view line) { sizes.push_back(line.size()); };
  CHECK(run_one(*r, l).exit_code == 0);
  CHECK(sizes == std::vector<std::size_t>{200000, 3});
}

TEST_CASE("a timeout kills the whole process group: SIGTERM, then SIGKILL after the grace") {
  test::TempDir dir;
  auto r = make_process_runner();
  Launch l;
  // The leader ignores SIGTERM; its background child records its pid and sleeps.
  l.argv = {"sh", "-c", "trap '' TERM; sleep 60 & echo $! > " + dir.path + "/child; wait; sleep 60"};
  l.timeout = 0.3;
  l.kill_grace = 0.3;
  const Completion c = run_one(*r, l);
  CHECK(c.timed_out);
  CHECK(c.signal == SIGKILL);
  CHECK(c.seconds >= 0.55);
  const pid_t child = read_pid(dir.path + "/child");
  for (int i = 0; i < 100 && alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(alive(child));
}

TEST_CASE("no orphans: what a finished attempt leaves in its group is killed") {
  test::TempDir dir;
  auto r = make_process_runner();
  Launch l;
  l.argv = {"sh", "-c", "sleep 60 & echo $! > " + dir.path + "/child; exit 0"};
  CHECK(run_one(*r, l).exit_code == 0);
  const pid_t child = read_pid(dir.path + "/child");
  for (int i = 0; i < 100 && alive(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK_FALSE(alive(child));
}

TEST_CASE("on_started runs before the program does, with the group and the container") {
  // Under each way (below): the direct way, where the attempt has a cgroup, records the
  // cgroup before the process exists (pgid 0: the cgroup holds it from its first
  // instruction); the others record the process, held at the gate, and its group.
  for (const char* gate : {"", "1"}) {
    ::setenv("FLOW_TEST_GATE", gate, 1);
    test::TempDir dir;
    auto r = make_process_runner();
    Launch l;
    l.argv = {"sh", "-c", "echo ran > " + dir.path + "/ran; cat /proc/self/cgroup > " + dir.path + "/cgroup"};
    bool seen = false, ran_before = true;
    Started got;
    l.on_started = [&](const Started& s) {
      // Long enough for an unheld program to have written its file.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ran_before = std::ifstream(dir.path + "/ran").good();
      got = s;
      seen = true;
    };
    auto started = r->start(l);
    REQUIRE(started);
    auto c = r->wait(20);
    REQUIRE(c);
    CHECK(c->exit_code == 0);
    CHECK(seen);
    CHECK_FALSE(ran_before);
    REQUIRE_FALSE(got.container.empty());
    CHECK(std::ifstream(dir.path + "/ran").good());
    if (got.container[0] == '/') {
      // A cgroup: the program ran in it (its path, below the hierarchy's mount, is in
      // the process's own /proc/self/cgroup line "0::/…").
      std::stringstream lines;
      lines << std::ifstream(dir.path + "/cgroup").rdbuf();
      const std::string name = got.container.substr(got.container.rfind('/'));
      CHECK(lines.str().find(name + "\n") != std::string::npos);
      CHECK(got.pgid == (*gate == '\0' ? 0 : *started));
    } else {
      CHECK(got.pgid == *started);
    }
  }
  ::unsetenv("FLOW_TEST_GATE");
}

TEST_CASE("every cgroup the runner made is gone when it is: the attempts' and the one made ahead") {
  std::vector<std::string> containers;
  {
    auto r = make_process_runner();
    for (int i = 0; i < 3; ++i) {
      Launch l;
      l.argv = {"sh", "-c", "exit 0"};
      l.on_started = [&](const Started& s) { containers.push_back(s.container); };
      CHECK(run_one(*r, l).exit_code == 0);
    }
  }
  REQUIRE(containers.size() == 3);
  if (containers[0][0] != '/') return;  // no cgroups here: the tags leave nothing
  for (const std::string& c : containers) CHECK_FALSE(std::filesystem::exists(c));
  // Nor any other of this process's (the next attempt's, made ahead of it).
  const std::string parent = containers[0].substr(0, containers[0].rfind('/'));
  const std::string mine = "flow-" + std::to_string(::getpid()) + "-";
  for (const auto& e : std::filesystem::directory_iterator(parent))
    CHECK(e.path().filename().string().rfind(mine, 0) != 0);
}

TEST_CASE("an ended attempt's cgroup goes at the next wait that blocks, not at one that only looks") {
  // Between one task's end and the next one's start the run loop only looks (wait(0)):
  // the rmdir waits for a wait that would block, so it is not on that path; and a long
  // run does not pile up cgroups, since the loop blocks between ends.
  auto r = make_process_runner();
  Launch l;
  l.argv = {"sh", "-c", "exit 0"};
  std::string container;
  l.on_started = [&](const Started& s) { container = s.container; };
  CHECK(run_one(*r, l).exit_code == 0);
  if (container.empty() || container[0] != '/') return;  // no cgroups here
  CHECK_FALSE(r->wait(0));
  CHECK(std::filesystem::exists(container));
  Launch sleeper;
  sleeper.argv = {"sleep", "0.3"};
  REQUIRE(r->start(sleeper));
  CHECK_FALSE(r->wait(0.01));  // blocks (the sleeper runs): the sweep's moment
  CHECK_FALSE(std::filesystem::exists(container));
  CHECK(r->wait(20));
}

TEST_CASE("a daemon in a session of its own (setsid) is stopped with its attempt, and counted") {
  for (const char* no_cgroup : {"", "1"}) {
    // A cgroup where the machine allows one; FLOW_NO_CGROUP=1: the environment's tag.
    ::setenv("FLOW_NO_CGROUP", no_cgroup, 1);
    test::TempDir dir;
    auto r = make_process_runner();
    Launch l;
    l.argv = {"sh", "-c", "setsid sh -c 'echo $$ > " + dir.path + "/daemon; exec sleep 60' </dev/null >/dev/null 2>&1 & "
                          "while [ ! -s " + dir.path + "/daemon ]; do sleep 0.01; done"};
    std::string container;
    l.on_started = [&](const Started& s) { container = s.container; };
    const Completion c = run_one(*r, l);
    CHECK(c.exit_code == 0);
    CHECK(c.strays == 1);
    if (*no_cgroup != '\0') CHECK(container.rfind("tag:", 0) == 0);
    const pid_t daemon = read_pid(dir.path + "/daemon");
    for (int i = 0; i < 100 && alive(daemon); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK_FALSE(alive(daemon));
  }
  ::unsetenv("FLOW_NO_CGROUP");
}

TEST_CASE("a crash is a signal; a missing program is a spawn error; several run at once") {
  auto r = make_process_runner();
  Launch crash;
  crash.argv = {"sh", "-c", "kill -SEGV $$"};
  CHECK(run_one(*r, crash).signal == SIGSEGV);

  Launch missing;
  missing.argv = {"/nonexistent/agent-binary"};
  auto started = r->start(missing);
  REQUIRE_FALSE(started);
  CHECK(started.error().code == Errc::spawn);
  CHECK(started.error().message.find("/nonexistent/agent-binary") != std::string::npos);

  for (int i = 0; i < 3; ++i) {
    Launch l;
    l.task = i;
    l.argv = {"sh", "-c", "sleep 0.2"};
    REQUIRE(r->start(l));
  }
  CHECK(r->running() == 3);
  std::set<int> ended;
  while (auto c = r->wait(10)) ended.insert(c->task);
  CHECK(ended == std::set<int>{0, 1, 2});
  CHECK_FALSE(r->wait(0.05));
}

TEST_CASE("cancel_all kills everything that runs") {
  auto r = make_process_runner();
  Launch l;
  l.argv = {"sleep", "60"};
  REQUIRE(r->start(l));
  REQUIRE(r->start(l));
  r->cancel_all();
  CHECK(r->running() == 0);
}

TEST_CASE("split_command splits like a shell, expands nothing") {
  auto a = split_command("claude -p  'hello world' --x \"a \\\"b\\\" c\" d\\ e {prompt_file} $HOME");
  REQUIRE(a);
  CHECK(*a == std::vector<std::string>{"claude", "-p", "hello world", "--x", "a \"b\" c", "d e", "{prompt_file}", "$HOME"});
  CHECK_FALSE(split_command("echo 'unclosed"));
  CHECK_FALSE(split_command("echo \"unclosed"));
  CHECK_FALSE(split_command("   "));
}

TEST_CASE("find_program: names on PATH, executable paths; nothing else") {
  CHECK(find_program("sh"));
  CHECK(find_program("/bin/sh"));
  CHECK_FALSE(find_program(""));
  CHECK_FALSE(find_program("flow-no-such-program-here"));
  CHECK_FALSE(find_program("/etc/hostname-or-anything-not-executable"));
  test::TempDir dir;
  std::ofstream(dir.path + "/plain") << "not executable\n";
  CHECK_FALSE(find_program(dir.path + "/plain"));
}

TEST_CASE("stall timeout: silent and idle is killed as stalled; output or file changes keep it alive") {
  test::TempDir dir;
  auto r = make_process_runner();
  SUBCASE("says nothing, changes nothing: stalled, not timed out") {
    Launch l;
    l.argv = {"sleep", "30"};
    l.workdir = dir.path;
    l.stall_timeout = 0.5;
    l.kill_grace = 1;
    const Completion c = run_one(*r, l);
    CHECK(c.stalled);
    CHECK_FALSE(c.timed_out);
    CHECK(c.signal == SIGTERM);
  }
  SUBCASE("prints to stderr now and then for longer than the stall timeout: finishes") {
    Launch l;
    l.argv = {"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do echo $i >&2; sleep 0.1; done"};
    l.workdir = dir.path;
    l.stderr_path = dir.path + "/stall.err";
    l.workdir = dir.path + "/empty";
    std::filesystem::create_directory(l.workdir);
    l.stall_timeout = 1.0;
    const Completion c = run_one(*r, l);
    CHECK_FALSE(c.stalled);
    CHECK(c.exit_code == 0);
  }
  SUBCASE("silent, and changing only flow's own .flow (other attempts' logs): stalled") {
    // What changes in .flow is flow's (every attempt's prompt and log), not this
    // attempt's work; walking it also made each start cost O(attempts run so far).
    std::filesystem::create_directories(dir.path + "/.flow/runs");
    Launch l;
    l.argv = {"sh", "-c", "i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo $i > .flow/runs/T$i.out; sleep 0.1; done"};
    l.workdir = dir.path;
    l.stall_timeout = 1.0;
    l.kill_grace = 1;
    const Completion c = run_one(*r, l);
    CHECK(c.stalled);
    CHECK(c.signal == SIGTERM);
  }
  SUBCASE("changes a file right after it starts, then says and does nothing: stalled a whole timeout after the change") {
    // The tree is first looked at by the watch's first check, not at the start: a
    // change made before that check must still count, or the stall comes too early.
    Launch l;
    l.argv = {"sh", "-c", "echo x > early.txt; exec sleep 30"};
    l.workdir = dir.path;
    l.stall_timeout = 1.0;
    l.kill_grace = 1;
    const auto [c, took] = run_one_timed(*r, l);
    CHECK(c.stalled);
    // A whole timeout after the change, which came after t0; less a tick of the file
    // clock (file times are stamped from a coarse clock, a jiffy behind).
    CHECK(took >= 0.95);
  }
  SUBCASE("says something once, then nothing: stalled a timeout after it, not a check period later") {
    // The watch looks every quarter of the timeout; its last look of a silence falls on
    // the silence's end. Before, it fell on the next quarter: a print at 0.1 s stalled at
    // 5 s, not 4.1 s. The upper bound leaves 0.7 s for a loaded machine; the old way
    // could not come under it.
    Launch l;
    l.argv = {"sh", "-c", "sleep 0.1; echo alive >&2; exec sleep 30"};
    l.stderr_path = dir.path + "/once.err";
    l.workdir = dir.path + "/quiet";
    std::filesystem::create_directory(l.workdir);
    l.stall_timeout = 4.0;
    l.kill_grace = 1;
    const auto [c, took] = run_one_timed(*r, l);
    CHECK(c.stalled);
    CHECK(took >= 4.0);
    CHECK(took < 4.8);
  }
  SUBCASE("silent but writing files in its directory: finishes") {
    Launch l;
    l.argv = {"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do echo $i > f$i; sleep 0.1; done"};
    l.workdir = dir.path;
    l.stall_timeout = 1.0;
    const Completion c = run_one(*r, l);
    CHECK_FALSE(c.stalled);
    CHECK(c.exit_code == 0);
  }
}

namespace {

// The ways an attempt's process is made (runner-posix.cpp): the direct way, a clone
// straight into the attempt's cgroup (where flow may make cgroups, as here when run as
// root) with no gate; the spawner thread's clone into it, held at the gate
// (FLOW_TEST_GATE=1); the spawner's clone without one; and fork's way. Each test below
// runs under each; what a caller sees (on_started first, the report of exec's errno)
// must not depend on it.
struct SpawnWay {
  const char* name;
  const char* no_cgroup;
  const char* fork;
  const char* gate;
};
constexpr SpawnWay kSpawnWays[] = {{"direct into the cgroup, if any", "", "", ""},
                                   {"spawner, cgroup if any", "", "", "1"},
                                   {"spawner, no cgroup", "1", "", ""},
                                   {"fork", "1", "1", ""}};

// Every child this process made has been reaped.
bool no_children() {
  const pid_t w = ::waitpid(-1, nullptr, WNOHANG);
  return w == -1 && errno == ECHILD;
}

struct UseWay {
  explicit UseWay(const SpawnWay& way) {
    ::setenv("FLOW_NO_CGROUP", way.no_cgroup, 1);
    ::setenv("FLOW_TEST_FORK", way.fork, 1);
    ::setenv("FLOW_TEST_GATE", way.gate, 1);
  }
  ~UseWay() {
    ::unsetenv("FLOW_NO_CGROUP");
    ::unsetenv("FLOW_TEST_FORK");
    ::unsetenv("FLOW_TEST_GATE");
  }
};

// Runs `body` once per way, each with a runner and a folder of its own.
template <class Body>
void each_way(Body&& body) {
  for (const SpawnWay& way : kSpawnWays) {
    const std::string way_name = way.name;
    CAPTURE(way_name);
    UseWay use(way);
    test::TempDir dir;
    auto r = make_process_runner();
    body(dir, *r);
  }
}

}  // namespace

TEST_CASE("exec failures say why and leave nothing behind: missing, not executable, no such directory") {
  each_way([&](const test::TempDir& dir, Runner& r) {
    std::ofstream(dir.path + "/plain") << "#!/bin/sh\necho ran > " << dir.path << "/ran\n";  // not executable
    int started = 0;
    const auto fails = [&](Launch l, const std::string& why) {
      l.on_started = [&](const Started&) { ++started; };
      auto s = r.start(l);
      REQUIRE_FALSE(s);
      CHECK(s.error().code == Errc::spawn);
      CHECK(s.error().message.find(why) != std::string::npos);
      CHECK(r.running() == 0);
    };
    Launch missing;
    missing.argv = {dir.path + "/no-such-agent"};
    fails(missing, std::strerror(ENOENT));
    Launch plain;
    plain.argv = {dir.path + "/plain"};
    fails(plain, std::strerror(EACCES));
    Launch nowhere;
    nowhere.argv = {"sh", "-c", "echo ran > " + dir.path + "/ran"};
    nowhere.workdir = dir.path + "/no-such-dir";
    fails(nowhere, "in " + nowhere.workdir + ": " + std::strerror(ENOENT));
    CHECK(started == 3);  // each was recorded before it could have run
    CHECK_FALSE(std::filesystem::exists(dir.path + "/ran"));
    // Each failed child was reaped.
    CHECK(no_children());
    // And the runner still starts what can run.
    Launch ok;
    ok.argv = {"sh", "-c", "exit 4"};
    CHECK(run_one(r, ok).exit_code == 4);
  });
}

TEST_CASE("on_started throwing: the child is killed before it runs the program, and the error comes out") {
  each_way([&](const test::TempDir& dir, Runner& r) {
    Launch l;
    l.argv = {"sh", "-c", "echo ran > " + dir.path + "/ran"};
    l.on_started = [](const Started&) { throw std::runtime_error("the journal is full"); };
    CHECK_THROWS_WITH(r.start(l), "the journal is full");
    CHECK(r.running() == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(std::filesystem::exists(dir.path + "/ran"));
    CHECK(no_children());
  });
}

TEST_CASE("signals flow ignores, handles or blocks are default and unblocked in the attempt") {
  // What the CLI does during a run (SIGPIPE ignored, SIGINT handled), and a blocked signal
  // in the thread that starts attempts: none of it may reach the agent, whose signal
  // state exec keeps (ignored stays ignored, blocked stays blocked).
  struct sigaction ignore {}, handle {}, old_pipe {}, old_int {}, old_term {};
  ignore.sa_handler = SIG_IGN;
  handle.sa_handler = [](int) {};
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  ::sigaction(SIGTERM, &ignore, &old_term);
  ::sigaction(SIGINT, &handle, &old_int);
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
  each_way([&](const test::TempDir& dir, Runner& r) {
    Launch l;
    l.argv = {"grep", "^Sig[BI]", "/proc/self/status"};  // grep's own, after exec
    l.stdout_path = dir.path + "/status";
    REQUIRE(run_one(r, l).exit_code == 0);
    CHECK(test::slurp(dir.path + "/status") == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    for (int sig : {SIGINT, SIGPIPE, SIGTERM, SIGUSR1}) {
      CAPTURE(sig);
      Launch k;
      k.argv = {"sh", "-c", "kill -" + std::to_string(sig) + " $$; sleep 5"};
      const Completion c = run_one(r, k);
      CHECK(c.signal == sig);
      CHECK(c.seconds < 4);
    }
  });
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
}

TEST_CASE("200 attempts, 4 at a time: every one runs its own program and is reaped") {
  each_way([&](const test::TempDir& dir, Runner& r) {
    constexpr int kTotal = 200, kAtOnce = 4;
    int next = 0, ended = 0, wrong = 0, recorded = 0;
    std::set<int> seen;
    const auto start = [&] {
      Launch l;
      l.task = next;
      // Each its own exit code, its own output line and its own directory.
      std::filesystem::create_directories(dir.path + "/t" + std::to_string(next));
      l.workdir = dir.path + "/t" + std::to_string(next);
      l.argv = {"sh", "-c", "echo \"$FLOW_N $(basename \"$PWD\")\"; exit $((FLOW_N % 50))"};
      l.env = {"FLOW_N=" + std::to_string(next)};
      const std::string want = std::to_string(next) + " t" + std::to_string(next);
      l.on_stdout_line = [&wrong, want](std::string_view line) {
        if (line != want) ++wrong;
      };
      l.on_started = [&recorded](const Started&) { ++recorded; };
      REQUIRE(r.start(l));
      ++next;
    };
    while (next < kAtOnce) start();
    while (ended < kTotal) {
      auto c = r.wait(20);
      REQUIRE(c);
      ++ended;
      CHECK(c->exit_code == c->task % 50);
      seen.insert(c->task);
      if (next < kTotal) start();
      CHECK(r.running() <= kAtOnce);
    }
    CHECK(wrong == 0);
    CHECK(recorded == kTotal);
    CHECK(static_cast<int>(seen.size()) == kTotal);
    CHECK(r.running() == 0);
    CHECK(no_children());
  });
}
