// SPDX-License-Identifier: MIT
// What a task's path locks. Internal, shared by the graph, the scheduler and the bounds.
#pragma once

#include <string_view>

namespace flow::detail {

/// Whether the folders before `p[at]` are a router's (`app/`, `pages/`, `routes/`, `api/`,
/// a `(group)/`), where brackets name a route's parameter.
inline bool under_router(std::string_view p, std::size_t at) {
  const std::string_view before = p.substr(0, at);
  for (std::size_t b = 0, e; (e = before.find('/', b)) != std::string_view::npos; b = e + 1) {
    const std::string_view dir = before.substr(b, e - b);
    if (dir == "app" || dir == "pages" || dir == "routes" || dir == "api" ||
        (dir.size() > 2 && dir.front() == '(' && dir.back() == ')'))
      return true;
  }
  return false;
}

/// The length of a route parameter's brackets at `p[at]` (`app/[id]/`, `pages/[slug].vue`,
/// `[...slug]`, `[[...slug]]`, `[lang=locale]`, `[userId]`): a name of Next.js, Nuxt, Expo
/// or SvelteKit, not a glob's class (`[0-9]`, `[a-z]`, `[!x]`) nor a template's placeholder
/// (`src/models/[entity].py`, which stands for any file there); 0 if it is none.
inline std::size_t route_param(std::string_view p, std::size_t at) {
  const bool twice = at + 1 < p.size() && p[at + 1] == '[';
  std::size_t i = at + (twice ? 2 : 1);
  const bool spread = p.substr(i, 3) == "...";
  if (spread) i += 3;
  const std::size_t name = i;
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (i >= p.size() || !alpha(p[i])) return 0;
  while (i < p.size() && (alpha(p[i]) || (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '=')) ++i;
  if (i - name < 2 || (i - name == 3 && p[name + 1] == '-')) return 0;  // `[x]`, `[a-z]`: a class
  if (i >= p.size() || p[i] != ']' || (twice && (i + 1 >= p.size() || p[i + 1] != ']'))) return 0;
  const std::string_view word = p.substr(name, i - name);
  const bool param = twice || spread || word.find('=') != std::string_view::npos ||
                     word == "id" || word.ends_with("Id") || word.ends_with("ID") || word.ends_with("_id") ||
                     under_router(p, at);
  return param ? i + (twice ? 2 : 1) - at : 0;
}

/// Where a path's glob begins (`*`, `?`, a bracket class), or npos: route parameters'
/// brackets (`app/[id]/page.tsx`) are names.
inline std::size_t glob_at(std::string_view p) {
  for (std::size_t i = p.find_first_of("*?["); i != std::string_view::npos; i = p.find_first_of("*?[", i)) {
    if (p[i] != '[') return i;
    const std::size_t n = route_param(p, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

/// A glob locks its folder (`.flow/docs/*.md` -> `.flow/docs/`); anything else locks itself.
inline std::string_view lock_root(std::string_view p) {
  const std::size_t g = glob_at(p);
  if (g == std::string_view::npos) return p;
  const std::size_t slash = p.rfind('/', g);
  return slash == std::string_view::npos ? std::string_view("/") : p.substr(0, slash + 1);
}

}  // namespace flow::detail
