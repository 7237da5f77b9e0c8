// SPDX-License-Identifier: MIT
// The journal reader on a generated 100,000-line journal (what `flow status` and a resumed
// run read), and the agents' stream parsers on the recorded Claude, Codex, Qwen and Copilot
// streams of tests/data replayed many times: lines per second, next to a memchr newline
// count over the same bytes (the floor). Instructions are reproducible under callgrind:
//   valgrind --tool=callgrind --toggle-collect='*read_runs_text*' journal_bench 1 20000
//   journal_bench [REPS [LINES]]   (default 5 100000)
#include <flow/agent.hpp>

#include "runtime/journal_read.hpp"
#include "support/json.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace {

using flow_bench::best_seconds;
using flow_bench::Clock;
using flow_bench::count_newlines;


// A journal as the run loop writes it: runs of 500 tasks, each started and finished (some
// after a failed attempt), marked and committed.
std::string make_journal(std::size_t lines, const std::string& tasks) {
  std::string out;
  std::size_t n = 0, run = 0;
  auto line = [&](flow::detail::Json& j) {
    out += j.str();
    out += '\n';
    ++n;
  };
  while (n < lines) {
    const std::string id = "20261202T120000Z-" + std::to_string(++run);
    flow::detail::Json start;
    start.begin_object().field("ts", "2026-12-02T12:00:00.000Z").field("run", id).field("event", "run-started")
        .field("tasks_md", tasks).field("workdir", "/repo").field("workers", 4).field("timeout", 1800.0)
        .field("fail_fast", false).field("dry_run", false).end_object();
    line(start);
    for (int t = 1; t <= 500 && n < lines; ++t) {
      const std::string task = "T" + std::to_string(1000 + t);
      const std::string text = "- [ ] " + task + " [P] Implement the \"part\" in src/part_" + std::to_string(t) + ".cpp";
      for (const char* event : {"task-started", "attempt-failed", "task-started", "task-finished", "marked", "committed"}) {
        if (std::strcmp(event, "attempt-failed") == 0 && t % 10 != 0) continue;
        flow::detail::Json j;
        j.begin_object().field("ts", "2026-12-02T12:00:01.250Z").field("run", id).field("event", event).field("task", task)
            .field("line", t + 10).field("text", text).field("attempt", 1).field("pgid", 4194000 + t);
        if (std::strcmp(event, "task-finished") == 0)
          j.field("outcome", "succeeded").field("seconds", 12.345).field("cpu_seconds", 3.25).field("cost_usd", 0.0123)
              .field("turns", 7.0);
        if (std::strcmp(event, "attempt-failed") == 0)
          j.field("class", "tests").field("decision", "retry").field("lines", "exit 1\nFAIL test_part\n  expected 2, got 3");
        j.end_object();
        line(j);
      }
    }
    flow::detail::Json fin;
    fin.begin_object().field("ts", "2026-12-02T12:10:00.000Z").field("run", id).field("event", "run-finished")
        .field("succeeded", 500).field("wall", 600.5).field("busy", 2400.25).field("cost_usd", 6.15).end_object();
    if (run % 2 == 0 && n < lines) line(fin);  // every other run, and the last, "crashed"
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::size_t size = argc > 2 ? static_cast<std::size_t>(std::max(1, std::atoi(argv[2]))) : 100000;
  const std::string tasks = "/repo/specs/001/tasks.md";
  const std::string journal = make_journal(size, tasks);
  const std::size_t lines = count_newlines(journal);
  volatile std::size_t sink = 0;
  const double floor = best_seconds(reps, [&] { sink = sink + count_newlines(journal); });
  std::size_t runs = 0;
  bool open = false;
  const double status = best_seconds(reps, [&] { runs = flow::detail::read_runs_text(journal, tasks).size(); });
  const double resume = best_seconds(reps, [&] {
    open = flow::detail::previous_run_text(journal, tasks).has_value();
  });
  std::printf("journal: %zu lines, %.1f MB, %zu runs\n", lines, static_cast<double>(journal.size()) / 1e6, runs);
  std::printf("  read_runs (status):        %8.1f ms  %10.0f lines/s  (%.0fx the newline floor)\n", status * 1e3,
              static_cast<double>(lines) / status, status / floor);
  std::printf("  previous_run (resume):     %8.1f ms  %10.0f lines/s  (the last run %s)\n", resume * 1e3, static_cast<double>(lines) / resume,
              open ? "did not finish" : "finished");

  // The agents' recorded streams, replayed to about `size` / 5 lines each.
  const char* streams[][2] = {{"claude", "claude/success-write.jsonl"}, {"codex", "codex/write-file.jsonl"},
                              {"qwen", "qwen/write-file.jsonl"},          {"copilot", "copilot/write-file.jsonl"}};
  for (const auto& [name, file] : streams) {
    const std::string one = slurp(std::string(FLOW_TEST_DATA_DIR) + "/" + file);
    std::vector<std::string> stream;
    for (std::size_t at = 0, nl; (nl = one.find('\n', at)) != std::string::npos; at = nl + 1)
      stream.push_back(one.substr(at, nl - at));
    if (stream.empty()) continue;
    const std::size_t copies = size / 5 / stream.size() + 1;
    std::size_t changed = 0;
    const double t = best_seconds(reps, [&] {
      auto p = std::string(name) == "claude" ? flow::make_claude_stream_parser() : flow::make_stream_parser(name);
      for (std::size_t c = 0; c < copies; ++c)
        for (const std::string& l : stream) changed += p->on_line(l) ? 1 : 0;
    });
    const double n = static_cast<double>(copies * stream.size());
    std::printf("  %-8s stream parser:    %8.1f ms  %10.0f lines/s  (%zu lines of %zu bytes)\n", name, t * 1e3, n / t,
                copies * stream.size(), one.size() * copies);
  }
  return 0;
}
