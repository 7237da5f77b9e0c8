// SPDX-License-Identifier: MIT
// Pieces of the tasks.md parser that tests and the graph use directly. Internal.
#pragma once

#include <flow/plan.hpp>

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace flow::detail {

/// Length of the task ID at the start of `s` (`T001`, `T012a`, `T3.0.1`, `T-101`,
/// `CA-003`, `1.2`), or 0. The ID must end at a word boundary.
std::size_t match_id(std::string_view s) noexcept;

/// The shape of an ID: its letter prefix with the hyphen (`T`, `T-`, `CA-`; empty for
/// bare dotted numbers). Prose tokens count as references only in a known shape.
std::string_view id_shape(std::string_view id) noexcept;

/// The length of the ID at the start of `s` in a list of IDs, or 0: as match_id, and also
/// one joined to another of its shape by a slash (`T010/T011`), which match_id refuses as
/// the start of a path (`T1/notes.md`). At most sixteen in a row.
std::size_t listed_id(std::string_view s) noexcept;

/// Whether a dash starts at `s[i]`, and its bytes in `*len`: a hyphen, an en or em dash,
/// or one of those saved once in the wrong encoding (`â€“`, eight bytes).
bool is_dash_at(std::string_view s, std::size_t i, std::size_t* len) noexcept;

/// The paths an output vector of find_paths() holds, so that a task naming tens of
/// thousands of paths is de-duplicated in linear time. Filled lazily (from 32 paths on);
/// clear() it whenever its vector is cleared or changed by anyone but find_paths().
struct PathIndex {
  std::unordered_set<std::string> paths;
  std::size_t indexed = 0;  ///< out[0, indexed) are in `paths`
  void clear() {
    paths.clear();
    indexed = 0;
  }
};

/// Appends the file paths named in `s` to `out` (normalized, deduplicated), and the
/// paths that leave the repository (`../x`, `~/x`) to `rejected`. Words that only look
/// like paths are left out: `Railway/Render`, a package in a package-manager context
/// (`pcrov/polyline`, `actions/checkout@v6`), a word glued to a code span (`missing/`),
/// and a document cited for reference ("per data-model.md", "(research.md §8)"). With `index` (kept
/// with `out` across calls) the de-duplication stays linear however many paths `out` holds.
void find_paths(std::string_view s, std::vector<PathRef>& out, std::vector<std::string>& rejected,
                PathIndex* index = nullptr);

/// Whether a relative path is a bare name of a feature document (`data-model.md`,
/// `spec.md`, `contracts/x.yaml` …): see PathRef::feature_doc.
bool is_feature_doc(std::string_view path);

/// Whether a Status field's value says done (`✅ Complete`, `COMPLETED`, `done`), as the
/// parser reads it; `Complete when …` and `✅ Ready to start` do not.
bool status_says_done(std::string_view value);
/// The state a status row's Status cell says (TaskForm::status_row).
TaskState status_row_state(std::string_view value);

/// The length of a dependency key that follows what comes first, at `s[k]` (Japanese and
/// Chinese: `T012 に依存`, `T005 の後`, `US1 完成后`), or 0; `*after` says whether it reads
/// "after" rather than "depends on". "に依存しない", "の後続" and "その後" are none.
std::size_t trailing_key_at(std::string_view s, std::size_t k, bool* after = nullptr);

/// Whether `s` holds such a key anywhere (a cheap test before looking for one).
bool has_trailing_key(std::string_view s);

/// Whether `s` starts with the letters of a story label: `US` (user story) or `HU`
/// (historia de usuario, história de usuário).
inline bool story_letters(std::string_view s) noexcept {
  return s.size() >= 2 && ((s[0] == 'U' && s[1] == 'S') || (s[0] == 'H' && s[1] == 'U'));
}

/// The length of a full-width comma, an ideographic comma or a CJK "and" at the start
/// of `s` (`、`, `，`, `和`, `与`, `と`, `과`, `및` …, and the middle dots `·` and `・`), or 0.
std::size_t cjk_list_separator(std::string_view s) noexcept;

/// The length of a range's wave dash or tilde at `s[k]` (`T001〜T005`, `US1～US4`,
/// `T009~T015`; not `~~`), or 0.
std::size_t wave_dash_at(std::string_view s, std::size_t k) noexcept;

/// Whether the key at `s[key_start]` is denied by the word before it ("T001 不依赖",
/// "无依赖", "no depende de", "not after"): it names no dependency.
bool denied_key(std::string_view s, std::size_t key_start);

/// Whether a dependency-section line is one person's or team's order (`Developer A: US1 →
/// US3`, `**Team B**: T010 → T012`, `团队 B：US3 → US4`), whose arrows order nothing.
bool is_staffing_line(std::string_view line);
/// A line that gives the order to deliver in ("in priority order: US1 → US2"): its arrows
/// are no dependencies.
bool is_priority_order_line(std::string_view line);

/// Normalizes a path: '/' separators, no `.` or `x/..` segments. Returns false if it
/// escapes its root (`../x`).
bool normalize_path(std::string& path);

/// Per task of `plan`, whether it decides its numbered item's box (Group::mark_offset):
/// the item's required subtasks, or all of them when all are optional (Kiro's
/// `- [ ]* 2.3`). 0 for a task of a group without such a box.
std::vector<char> item_deciders(const Plan& plan);

}  // namespace flow::detail
