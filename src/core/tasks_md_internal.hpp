// SPDX-License-Identifier: MIT
// Pieces of the tasks.md parser that tests and the graph use directly. Internal.
#pragma once

#include <flow/plan.hpp>
#include <flow/tasks_md.hpp>

#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace flow::detail {

/// set_marks, with the words to write for each change whose task's state is a Status value
/// (a heading task's field, a status row's cell, a field beside its marks): `words[i]` for
/// `changes[i]` where it says that state on one line (`Not Started`, as the file had it),
/// else flow's own. Fewer words than changes: flow's for the rest.
Result<std::string> set_marks_in_words(std::string_view text, const Plan& plan, std::span<const MarkChange> changes,
                                       std::span<const std::string> words);

/// The words flow knows for a status row's two states, in pairs: a table that says one
/// of a pair gets the other for the other state (`⏳` → `✅`, `Todo` → `Done`). Each
/// reads back as its state.
struct RowWords {
  std::string_view done, pending;
};
inline constexpr RowWords kRowWords[] = {
    {"Done", "Todo"}, {"done", "todo"}, {"DONE", "TODO"}, {"\xE2\x9C\x85", "\xE2\x8F\xB3"},
    {"\xE2\x9C\x85", "\xE2\xAC\x9C"}, {"\xE2\x9C\x85", "\xF0\x9F\x94\xB2"}, {"\xE2\x9C\x85", "\xE2\x9D\x8C"},
    {"\xE2\x9C\x85\xEF\xB8\x8F", "\xE2\x8F\xB3\xEF\xB8\x8F"}, {"\xE2\x98\x91", "\xE2\x98\x90"}, {"\xE2\x9C\x94", "\xE2\x8F\xB3"}, {"\xE2\x9C\x94\xEF\xB8\x8F", "\xE2\x8F\xB3"},
    {"[x]", "[ ]"}, {"[X]", "[ ]"}, {"Done", "To Do"}, {"Done", "To do"}, {"Done", "Not started"},
    {"Done", "Not Started"}, {"Done", "Pending"}, {"done", "pending"}, {"Done", "Open"}, {"done", "open"},
    {"Done", "Planned"}, {"Done", "Backlog"}, {"Complete", "Pending"}, {"Completed", "Pending"},
    {"complete", "pending"}, {"completed", "pending"}, {"COMPLETE", "PENDING"}, {"COMPLETED", "PENDING"},
    {"Finished", "Pending"}, {"finished", "pending"}, {"\xE2\x9C\x85 Done", "Todo"}, {"\xE2\x9C\x85 Complete", "Pending"},
    // A mark and a word: `✅ DONE` beside `⬜ PENDING`, `🔲 PENDING`, `⏳ Pending`.
    {"\xE2\x9C\x85 DONE", "\xE2\xAC\x9C PENDING"}, {"\xE2\x9C\x85 DONE", "\xF0\x9F\x94\xB2 PENDING"},
    {"\xE2\x9C\x85 DONE", "\xE2\x8F\xB3 PENDING"}, {"\xE2\x9C\x85 DONE", "PENDING"}, {"\xE2\x9C\x85 DONE", "TODO"},
    {"\xE2\x9C\x85 Done", "\xE2\xAC\x9C Todo"}, {"\xE2\x9C\x85 Done", "\xE2\x8F\xB3 Pending"},
    {"\xE2\x9C\x85 Done", "\xE2\xAC\x9C Not started"}, {"\xE2\x9C\x85 Complete", "\xE2\x8F\xB3 Pending"},
    {"\xE2\x9C\x85 Completed", "\xE2\x8F\xB3 Pending"}, {"\xE2\x9C\x85 Completed", "\xE2\xAC\x9C Not Started"},
    {"\xE5\xAE\x8C\xE4\xBA\x86", "\xE6\x9C\xAA\xE7\x9D\x80\xE6\x89\x8B"},                        // 完了, 未着手
    {"\xE5\xB7\xB2\xE5\xAE\x8C\xE6\x88\x90", "\xE5\xBE\x85\xE5\xAE\x8C\xE6\x88\x90"},          // 已完成, 待完成
    {"\xE5\xB7\xB2\xE5\xAE\x8C\xE6\x88\x90", "\xE6\x9C\xAA\xE5\xBC\x80\xE5\xA7\x8B"},          // 已完成, 未开始
    {"\xEC\x99\x84\xEB\xA3\x8C", "\xEB\x8C\x80\xEA\xB8\xB0"},                                      // 완료, 대기
    {"Completado", "Pendiente"}, {"Hecho", "Pendiente"}, {"Conclu\xC3\xAD" "do", "Pendente"},
    {"Hecho", "Por hacer"}, {"Completado", "No iniciado"}, {"Conclu\xC3\xAD" "do", "A fazer"},
    {"Conclu\xC3\xAD" "do", "N\xC3\xA3o iniciado"}, {"Termin\xC3\xA9", "\xC3\x80 faire"}, {"Termin\xC3\xA9", "A faire"},
    {"Termin\xC3\xA9", "En attente"}, {"Completato", "Da fare"}, {"Completato", "In attesa"},
    {"\xD0\x92\xD1\x8B\xD0\xBF\xD0\xBE\xD0\xBB\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE",
     "\xD0\x9D\xD0\xB5 \xD0\xBD\xD0\xB0\xD1\x87\xD0\xB0\xD1\x82\xD0\xBE"},  // Выполнено, Не начато
    {"Erledigt", "Offen"}};

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
/// Where the ID starts in a title that names a task by the word and its number (`Task
/// 3: …`, `**任务 1.3** …`, `Tarea 1.1a …`), 0 if the title is no such name; `*emph`: the
/// emphasis run open there (`**`, `__`, `*`, `_`), empty if none.
std::size_t title_task_word(std::string_view title, std::string_view* emph);

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
