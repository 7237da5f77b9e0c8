// SPDX-License-Identifier: MIT
// What the benchmarks share: the best of several timed runs, a line count, and the
// corpus read file by file, a file that cannot be used skipped with a word on stderr.
#pragma once

#include <flow/graph.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace flow_bench {

using Clock = std::chrono::steady_clock;

/// The fastest of `reps` runs of `f`, in seconds: on a noisy machine the best run is the
/// closest to the cost itself.
template <class F>
double best_seconds(int reps, F&& f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

/// The newlines in `s`.
inline std::size_t count_newlines(const std::string& s) {
  std::size_t n = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
    ++n;
    ++p;
  }
  return n;
}

/// The `.md` files of a corpus folder, sorted.
inline std::vector<std::filesystem::path> corpus_files(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".md") files.push_back(it->path());
  if (ec) std::fprintf(stderr, "cannot list %s: %s\n", dir.c_str(), ec.message().c_str());
  std::sort(files.begin(), files.end());
  return files;
}

/// The text of a corpus file, or nullopt after saying on stderr why it is skipped.
inline std::optional<std::string> corpus_text(const std::filesystem::path& file) {
  auto text = flow::read_file(file.string());
  if (!text) {
    std::fprintf(stderr, "skipped %s: %s\n", file.c_str(), text.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*text);
}

/// The graph of a corpus file with every task pending (`prepare` may change the plan
/// first), or nullopt after saying on stderr why it is skipped: unreadable, or a graph
/// flow would refuse to run (a cycle, an unknown dependency).
template <class Prepare>
std::optional<flow::TaskGraph> corpus_graph(const std::filesystem::path& file, Prepare&& prepare) {
  auto text = corpus_text(file);
  if (!text) return std::nullopt;
  flow::Plan plan = flow::parse_tasks_md(*text);
  for (flow::Task& t : plan.tasks) t.state = flow::TaskState::pending;  // schedule everything
  if (!prepare(plan)) return std::nullopt;
  auto g = flow::build_graph(std::move(plan));
  if (!g) {
    std::fprintf(stderr, "skipped %s: line %d: %s\n", file.c_str(), g.error().line, g.error().message.c_str());
    return std::nullopt;
  }
  return std::move(*g);
}

}  // namespace flow_bench
