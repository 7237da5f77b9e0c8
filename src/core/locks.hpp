// SPDX-License-Identifier: MIT
// What a task's path locks. Internal, shared by the graph, the scheduler and the bounds.
#pragma once

#include <string_view>

namespace flow::detail {

/// A glob locks its folder (`.flow/docs/*.md` -> `.flow/docs/`); anything else locks itself.
inline std::string_view lock_root(std::string_view p) {
  const std::size_t g = p.find_first_of("*?[");
  if (g == std::string_view::npos) return p;
  const std::size_t slash = p.rfind('/', g);
  return slash == std::string_view::npos ? std::string_view("/") : p.substr(0, slash + 1);
}

}  // namespace flow::detail
