// SPDX-License-Identifier: MIT
// The Slurm runner against a real cluster (scripts/slurm-testbed.sh: munged, slurmctld
// and three slurmd on loopback); SLURM_CONF names it. ctest label `cluster`.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <flow/slurm.hpp>

#include "platform/exec.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using flow::Completion;
using flow::Launch;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "flow-slurm-test-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Slurm's view of a job: its state ("" when it is no longer known) and node.
std::string job_field(long id, const std::string& key) {
  const auto r = flow::detail::exec({"scontrol", "show", "job", "-o", std::to_string(id)}, "");
  const std::string needle = " " + key + "=";
  const std::string line = " " + r.output;
  const std::size_t at = line.find(needle);
  if (!r.ok() || at == std::string::npos) return {};
  const std::size_t from = at + needle.size();
  return line.substr(from, line.find_first_of(" \n", from) - from);
}

// Jobs of ours squeue still lists as pending, running or completing.
std::vector<std::string> active(const std::vector<long>& ids) {
  std::string list;
  for (long id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  const auto r = flow::detail::exec({"squeue", "--noheader", "--jobs=" + list, "--format=%i %T"}, "");
  std::vector<std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) out.push_back(line);
  return out;
}

// Waits (at most `seconds`) until `done` holds.
template <class F>
bool eventually(F done, double seconds = 60) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

std::optional<Completion> wait_for(flow::Runner& r, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until)
    if (auto c = r.wait(0.25)) return c;
  return std::nullopt;
}

Launch shell(const TempDir& d, int task, const std::string& script, std::vector<std::string> args = {}) {
  Launch l;
  l.task = task;
  l.argv = {"/bin/sh", "-c", script, "sh"};
  l.argv.insert(l.argv.end(), args.begin(), args.end());
  l.workdir = d.path.string();
  l.stdout_path = (d.path / ("t" + std::to_string(task) + ".out")).string();
  l.stderr_path = (d.path / ("t" + std::to_string(task) + ".err")).string();
  return l;
}

flow::SlurmOptions fast() {
  flow::SlurmOptions o;
  o.poll_interval = 0.25;
  return o;
}

}  // namespace

TEST_CASE("the cluster is there") {
  const char* conf = std::getenv("SLURM_CONF");
  REQUIRE_MESSAGE(conf != nullptr, "SLURM_CONF is not set: start scripts/slurm-testbed.sh up");
  const auto r = flow::detail::exec({"sinfo", "-N", "--noheader", "--responding", "--format=%N %t"}, "");
  REQUIRE(r.ok());
  CHECK(r.output.find("node1") != std::string::npos);
  CHECK(r.output.find("node3") != std::string::npos);
}

TEST_CASE("a job gets its argv and environment byte-exact, streams its stdout and returns its exit code") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  // Arguments a shell would act on: they must arrive as data.
  const std::vector<std::string> args = {"a b", "$(touch pwned)", "'; touch pwned2 #", "new\nline", "`id`", "%j %%"};
  Launch l = shell(d, 1,
                   "printf '%s\\0' \"$@\" > args; printf '%s' \"$FLOW_X\" > env; echo \"first on $SLURMD_NODENAME\"; "
                   "while [ ! -e go ]; do sleep 0.1; done; echo second; echo warn >&2; printf 'no newline'; exit 7",
                   args);
  l.env = {"FLOW_X=va lue $HOME \"q\""};
  std::vector<std::string> lines;
  l.on_stdout_line = [&](std::string_view s) { lines.emplace_back(s); };
  std::string container;
  bool ran_before_recorded = true;
  l.on_started = [&](const flow::Started& s) {
    container = s.container;
    CHECK(s.pgid == 0);
    // The program waits until the job is recorded (flow's "go"), even when Slurm has
    // started the job meanwhile: give it the time to start, and see that it has not run.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    ran_before_recorded = fs::exists(d.path / "args");
  };
  auto id = runner->start(l);
  REQUIRE(id);
  CHECK(container == "slurm:" + std::to_string(*id));
  CHECK_FALSE(ran_before_recorded);
  CHECK(runner->running() == 1);
  // The first line arrives while the job still runs (it waits for `go`).
  std::optional<Completion> c;
  REQUIRE(eventually([&] {
    if (auto early = runner->wait(0.1)) c = early;
    return !lines.empty() || c;
  }));
  REQUIRE_FALSE(c);
  CHECK(lines.front().rfind("first on node", 0) == 0);
  CHECK(job_field(*id, "JobState") == "RUNNING");
  std::ofstream(d.path / "go").put('\n');
  c = wait_for(*runner, 60);
  REQUIRE(c);
  CHECK(c->task == 1);
  CHECK(c->exit_code == 7);
  CHECK(c->signal == 0);
  CHECK_FALSE(c->timed_out);
  CHECK(runner->running() == 0);
  CHECK(lines == std::vector<std::string>{lines.front(), "second", "no newline"});
  std::string expected;
  for (const auto& a : args) expected += a + std::string(1, '\0');
  CHECK(slurp(d.path / "args") == expected);
  CHECK(slurp(d.path / "env") == "va lue $HOME \"q\"");
  CHECK(slurp(d.path / "t1.err") == "warn\n");
  CHECK_FALSE(fs::exists(d.path / "pwned"));
  CHECK_FALSE(fs::exists(d.path / "pwned2"));
}

TEST_CASE("a job's CPU time is reported (the program's and its children's, from the job)") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  // About a second of CPU in a child of the program: counted, since the program waited for it.
  Launch l = shell(d, 2, "bash -c 'i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done'; exit 0", {});
  REQUIRE(runner->start(l));
  const auto c = wait_for(*runner, 120);
  REQUIRE(c);
  CHECK(c->exit_code == 0);
  CHECK(c->cpu_seconds > 0.2);
  CHECK(c->cpu_seconds < c->seconds + 1);
  CHECK(c->max_rss_kb == 0);  // not known on Slurm (documented)
}

TEST_CASE("a timeout cancels the job (scancel) and is reported as one") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  Launch l = shell(d, 2, "echo $$ > pid; exec sleep 300");
  l.timeout = 2;
  auto id = runner->start(l);
  REQUIRE(id);
  const auto t0 = std::chrono::steady_clock::now();
  auto c = wait_for(*runner, 60);
  REQUIRE(c);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(c->timed_out);
  CHECK(c->exit_code != 0);
  CHECK(took >= 2);
  CHECK(took < 30);
  CHECK(active({*id}).empty());
  CHECK(job_field(*id, "JobState") == "CANCELLED");
  const long pid = std::strtol(slurp(d.path / "pid").c_str(), nullptr, 10);
  REQUIRE(pid > 0);
  CHECK(eventually([&] { return ::kill(static_cast<pid_t>(pid), 0) != 0; }, 10));
}

TEST_CASE("cancel_all ends every job: none is left in the queue, no process is left") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  std::vector<long> ids;
  for (int t = 0; t < 3; ++t) {
    auto id = runner->start(shell(d, 10 + t, "echo $$ > pid" + std::to_string(t) + "; exec sleep 300"));
    REQUIRE(id);
    ids.push_back(*id);
  }
  REQUIRE(eventually([&] {
    (void)runner->wait(0.1);
    return fs::exists(d.path / "pid0") && fs::exists(d.path / "pid1") && fs::exists(d.path / "pid2");
  }));
  runner->cancel_all();
  CHECK(runner->running() == 0);
  CHECK(active(ids).empty());
  CHECK_FALSE(runner->wait(0.5));  // cancelled attempts complete no more
  for (int t = 0; t < 3; ++t) {
    const long pid = std::strtol(slurp(d.path / ("pid" + std::to_string(t))).c_str(), nullptr, 10);
    CHECK(eventually([&] { return ::kill(static_cast<pid_t>(pid), 0) != 0; }, 10));
  }
}

TEST_CASE("a node that goes down mid-job is a retryable infrastructure failure, and the job is fenced") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  Launch l = shell(d, 3, "echo \"$SLURMD_NODENAME\" > node; exec sleep 300");
  auto id = runner->start(l);
  REQUIRE(id);
  REQUIRE(eventually([&] {
    (void)runner->wait(0.1);
    return !slurp(d.path / "node").empty();
  }));
  std::string node = slurp(d.path / "node");
  node.erase(node.find_last_not_of('\n') + 1);
  REQUIRE(flow::detail::exec({"scontrol", "update", "nodename=" + node, "state=down", "reason=flow-test"}, "").ok());
  auto c = wait_for(*runner, 60);
  (void)flow::detail::exec({"scontrol", "update", "nodename=" + node, "state=resume"}, "");
  REQUIRE(c);
  CHECK(c->signal == SIGKILL);  // a crash to flow's policy: retryable
  CHECK_FALSE(c->timed_out);
  CHECK(job_field(*id, "JobState") == "NODE_FAIL");
  CHECK(job_field(*id, "Requeue") == "0");
  CHECK(slurp(d.path / "t3.err").find("ended NODE_FAIL: an infrastructure failure") != std::string::npos);
  CHECK(slurp(d.path / "t3.err").find(node) != std::string::npos);
  // Fenced: the job's files say flow is done with it, so a late start runs nothing.
  bool fenced = false;
  for (const auto& e : fs::recursive_directory_iterator(d.path / "slurm"))
    fenced = fenced || e.path().filename() == "fenced";
  CHECK(fenced);
  CHECK(eventually([&] {
    const auto r = flow::detail::exec({"sinfo", "-N", "--noheader", "--nodes=" + node, "--format=%t"}, "");
    return r.output.rfind("idle", 0) == 0;
  }));
}

TEST_CASE("a program that cannot start fails the attempt, and sbatch's refusal is an Error") {
  TempDir d;
  auto runner = flow::make_slurm_runner(fast());
  Launch l = shell(d, 4, "");
  l.argv = {"/no/such/program", "x"};
  REQUIRE(runner->start(l));
  auto c = wait_for(*runner, 60);
  REQUIRE(c);
  CHECK(c->exit_code == 127);
  CHECK(slurp(d.path / "t4.err").find("/no/such/program") != std::string::npos);

  flow::SlurmOptions bad = fast();
  bad.partition = "no-such-partition";
  auto refused = flow::make_slurm_runner(bad)->start(shell(d, 5, "true"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == flow::Errc::spawn);
  CHECK(refused.error().message.find("sbatch") != std::string::npos);
}
