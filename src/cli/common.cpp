// SPDX-License-Identifier: MIT
// Helpers shared by the CLI's subcommands.
#include "cli/common.hpp"
#include "cli/commands.hpp"
#include "cli/display_width.hpp"

#include "runtime/git.hpp"
#include "support/json_value.hpp"
#include "support/text.hpp"

#include <flow/run.hpp>
#include <flow/settings.hpp>
#include <flow/tasks_file.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include <unistd.h>

namespace flow::cli {

Loaded load(const std::string& path, const GraphOptions& options) {
  Loaded l;
  l.path = path;
  auto text = read_file(path);
  if (!text) {
    fmt::print(stderr, "flow: {}\n", text.error().message);
    l.exit = kUsage;
    return l;
  }
  l.text = std::move(*text);
  l.plan = parse_tasks_md(l.text);
  // Paths as a run resolves them, so that the locks shown are the run's.
  resolve_paths(l.plan, path_context(path, default_workdir(path)));
  std::vector<Diagnostic> refused;
  for (const Diagnostic& d : l.plan.diagnostics)
    if (d.severity == Severity::error) refused.push_back(d);
  auto g = build_graph(l.plan, options);
  if (!g) refused.push_back(Diagnostic{Severity::error, g.error().line, "cycle", g.error().message});
  if (!refused.empty()) {
    // A refused file is said whole, in line order: the warnings beside the errors, so
    // that one edit fixes everything (a cycle does not hide a malformed task line).
    for (const Diagnostic& d : l.plan.diagnostics)
      if (d.severity == Severity::warning) refused.push_back(d);
    std::stable_sort(refused.begin(), refused.end(), [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    for (const Diagnostic& d : refused)
      fmt::print(stderr, "{}:{}: {}: {} [{}]\n", path, d.line, to_string(d.severity), printable(d.message), d.code);
    l.exit = kUsage;
    if (!g) return l;
  }
  if (g) l.graph.emplace(std::move(*g));
  return l;
}

std::vector<std::string> shown_lines(std::string_view text, int max) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < text.size() && static_cast<int>(out.size()) < max;) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    out.push_back(printable(text.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return out;
}

std::string id_list(const std::vector<std::string>& ids) {
  // A few IDs and the count: a line stays readable however many there are.
  static constexpr std::size_t kShown = 8;
  std::string line;
  for (std::size_t k = 0; k < ids.size() && k < kShown; ++k) line += (k ? ", " : "") + ids[k];
  if (ids.size() > kShown) line += fmt::format(" and {} more", ids.size() - kShown);
  if (ids.size() > 1) line += fmt::format(" ({} tasks)", ids.size());
  return line;
}

std::vector<std::string> blocked_lines(const std::vector<std::pair<std::string, std::string>>& blocked) {
  std::vector<std::string> causes;
  std::vector<std::vector<std::string>> ids;
  for (const auto& [id, cause] : blocked) {
    auto at = std::find(causes.begin(), causes.end(), cause);
    if (at == causes.end()) {
      causes.push_back(cause);
      ids.emplace_back();
      at = causes.end() - 1;
    }
    ids[static_cast<std::size_t>(at - causes.begin())].push_back(id);
  }
  std::vector<std::string> out;
  for (std::size_t c = 0; c < causes.size(); ++c) out.push_back("blocked by " + causes[c] + ": " + id_list(ids[c]));
  return out;
}

std::string human_seconds(double s) {
  if (s < 60) return fmt::format("{:.{}f}s", s, s < 10 && s != std::floor(s) ? 1 : 0);
  const long total = std::lround(s);
  if (total < 3600) return fmt::format("{}m {:02}s", total / 60, total % 60);
  return fmt::format("{}h {:02}m", total / 3600, (total % 3600) / 60);
}

int default_workers(const std::string& tasks_path) {
  RunOptions defaults;
  const std::string path = default_settings_path(default_workdir(tasks_path));
  if (path.empty()) return defaults.workers;
  auto st = load_settings(path);  // its errors are the run's to report
  if (!st) return defaults.workers;
  if (!st->parallel_enabled) return 1;
  return st->max_workers ? *st->max_workers : defaults.workers;
}

std::optional<int> parse_count(const std::string& cmd, const std::string& flag, const std::string& value, int low,
                               int high) {
  char* end = nullptr;
  const long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < low || v > high) {
    fmt::print(stderr, "flow {}: {} needs a whole number from {} to {}, not '{}'\n", cmd, flag, low, high, value);
    return std::nullopt;
  }
  return static_cast<int>(v);
}

std::optional<std::vector<bool>> parse_only(const Plan& plan, const std::string& spec, std::string& error) {
  std::vector<bool> sel(plan.tasks.size(), false);
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    std::size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    std::string first = item, last = item;
    // A range's dash follows a digit or a letter suffix: "T004-T010", "T012a-T015", not "T-101".
    for (std::size_t i = 1; i + 1 < item.size(); ++i)
      if (item[i] == '-' && (std::isdigit(static_cast<unsigned char>(item[i - 1])) ||
                             std::islower(static_cast<unsigned char>(item[i - 1])))) {
        first = item.substr(0, i);
        last = item.substr(i + 1);
        break;
      }
    int a = -1, b = -1;
    for (int i = 0; i < static_cast<int>(plan.tasks.size()); ++i) {
      if (plan.tasks[static_cast<std::size_t>(i)].id == first && a < 0) a = i;
      if (plan.tasks[static_cast<std::size_t>(i)].id == last) b = i;
    }
    if (a < 0 || b < 0) {
      error = "--only: no task " + (a < 0 ? first : last);
      return std::nullopt;
    }
    for (int i = std::min(a, b); i <= std::max(a, b); ++i) sel[static_cast<std::size_t>(i)] = true;
    if (end == spec.size()) break;
  }
  return sel;
}

std::optional<std::vector<bool>> select_tasks(const Plan& plan, const std::string& only,
                                              const std::vector<std::string>& stories, std::string& error) {
  if (only.empty() && stories.empty()) return std::vector<bool>();
  std::vector<bool> sel(plan.tasks.size(), true);
  if (!only.empty()) {
    auto o = parse_only(plan, only, error);
    if (!o) return std::nullopt;
    sel = std::move(*o);
  }
  if (stories.empty()) return sel;
  // A task is in story S by its label (`[US1]`, `[AUTH-US1]`, `[BE-US1]`) or by its
  // phase's story (Phase::story_label): `User Story 1` is US1, `User Story AUTH-US1` is
  // AUTH-US1 (a set of stories of its own: not US1).
  std::vector<bool> in(plan.tasks.size(), false);
  std::vector<bool> found(stories.size(), false);
  for (std::size_t t = 0; t < sel.size(); ++t) {
    const Task& task = plan.tasks[t];
    const std::string& by_phase = plan.phases[static_cast<std::size_t>(task.phase)].story_label;
    for (std::size_t i = 0; i < stories.size(); ++i)
      if (task.in_story(stories[i]) || (!by_phase.empty() && by_phase == stories[i])) {
        in[t] = true;
        found[i] = true;
      }
  }
  // A story that names no task is a typo, not a run of nothing.
  for (std::size_t i = 0; i < stories.size(); ++i) {
    if (found[i]) continue;
    std::vector<std::string> known;
    const auto note = [&](const std::string& name) {
      if (!name.empty() && std::find(known.begin(), known.end(), name) == known.end()) known.push_back(name);
    };
    for (const Task& task : plan.tasks) {
      note(plan.phases[static_cast<std::size_t>(task.phase)].story_label);
      note(task.story_label);
      for (const std::string& s : task.other_stories) note(s);
    }
    error = "no task is in story " + stories[i] +
            (known.empty() ? std::string(" (this file has no user stories)") : " (its stories: " + detail::join(known, ", ") + ")");
    return std::nullopt;
  }
  for (std::size_t t = 0; t < sel.size(); ++t) sel[t] = sel[t] && in[t];
  return sel;
}

bool find_feature_tasks(const std::string& cmd, std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto env = [](const char* name) { const char* v = std::getenv(name); return std::string(v ? v : ""); };
  auto up_to = [&](auto&& is_top) {
    for (fs::path d = fs::current_path(ec); !d.empty(); d = d.parent_path()) {
      if (is_top(d)) return d;
      if (d == d.parent_path()) break;
    }
    return fs::path();
  };
  auto specify_top = [&](const fs::path& d) { return fs::exists(d / ".specify", ec); };
  auto git_top = [](const fs::path& d) { return detail::is_work_tree_top(d.string()); };
  fs::path root = env("SPECIFY_INIT_DIR");
  if (root.empty()) root = up_to(specify_top);
  if (root.empty()) root = up_to(git_top);
  if (root.empty()) root = fs::current_path(ec);
  std::vector<std::string> tried;
  auto found = [&](fs::path dir, const std::string& why) {
    if (dir.is_relative()) dir = root / dir;
    const fs::path tasks = dir / "tasks.md";
    if (fs::is_regular_file(tasks, ec)) return path = tasks.lexically_normal().string(), true;
    tried.push_back(why + " -> " + tasks.string() + " (not found)");
    return false;
  };
  auto give_up = [&] {
    fmt::print(stderr, "flow {}: no tasks.md given, and no current Spec-Kit feature in {}:\n", cmd, root.string());
    for (const auto& t : tried) fmt::print(stderr, "  tried {}\n", t);
    fmt::print(stderr, "  give the path: flow {} specs/<feature>/tasks.md\n", cmd);
    return false;
  };
  // An explicit feature directory is authoritative, as in Spec-Kit.
  if (const std::string d = env("SPECIFY_FEATURE_DIRECTORY"); !d.empty())
    return found(d, "SPECIFY_FEATURE_DIRECTORY") || give_up();
  if (auto text = read_file((root / ".specify" / "feature.json").string())) {
    const auto json = detail::JsonValue::parse(*text);
    const std::string d(json ? (*json)["feature_directory"].str() : "");
    if (!d.empty() && found(d, ".specify/feature.json")) return true;
    if (d.empty()) tried.push_back(".specify/feature.json (no feature_directory)");
  }
  std::string feature = env("SPECIFY_FEATURE"), source = "SPECIFY_FEATURE";
  if (feature.empty()) {  // the git branch, from HEAD (a worktree's .git file points to its git dir)
    fs::path git = up_to(git_top) / ".git";
    if (fs::is_regular_file(git, ec))
      if (auto f = read_file(git.string()); f && f->rfind("gitdir: ", 0) == 0)
        git = fs::absolute(git.parent_path() / f->substr(8, f->find_first_of("\r\n") - 8), ec);
    const auto head = read_file((git / "HEAD").string());
    if (head && head->rfind("ref: refs/heads/", 0) == 0) feature = head->substr(16, head->find_first_of("\r\n") - 16);
    source = "the git branch '" + feature + "'";
  }
  if (!feature.empty()) {
    if (found(root / "specs" / feature, source)) return true;
    // Spec-Kit matches a branch to its folder by the number: 001-fix -> specs/001-*.
    const std::size_t digits = feature.find_first_not_of("0123456789");
    if (digits > 0 && digits != std::string::npos && feature[digits] == '-') {
      std::vector<fs::path> matches;
      for (const auto& e : fs::directory_iterator(root / "specs", ec))
        if (e.is_directory(ec) && e.path().filename().string().rfind(feature.substr(0, digits + 1), 0) == 0)
          matches.push_back(e.path());
      if (matches.size() == 1 && found(matches[0], source + ", by its number")) return true;
      if (matches.size() > 1) tried.push_back(source + ": " + std::to_string(matches.size()) + " folders specs/" +
                                              feature.substr(0, digits + 1) + "*");
    }
  } else {
    tried.push_back("SPECIFY_FEATURE (unset) and the git branch (none)");
  }
  return give_up();
}

}  // namespace flow::cli
