// SPDX-License-Identifier: MIT
// What the benchmarks share: the best of several timed runs, and a line count.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>

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

}  // namespace flow_bench
