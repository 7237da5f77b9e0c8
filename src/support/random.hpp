// SPDX-License-Identifier: MIT
// A tiny seedable generator (splitmix64), the same on every platform, unlike <random>'s
// distributions: a seed reproduces a run anywhere. Internal.
#pragma once

#include <cstdint>

namespace flow::detail {

inline std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Uniform in [0, 1).
inline double unit_interval(std::uint64_t& state) noexcept {
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
}

}  // namespace flow::detail
