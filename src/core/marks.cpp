// SPDX-License-Identifier: MIT
// Byte-exact mark changes: one byte per task (per step of a `### Task 3:` heading; the
// value of a heading task's Status field, or else the check mark ending it; a Status
// field beside steps or a check mark kept in step with them), found by (line, ID), never
// by search.
#include <flow/tasks_md.hpp>

#include "core/tasks_md_internal.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

const Task* find_task(const Plan& plan, int line, std::string_view id) {
  const int i = plan.task_at_line(line);
  if (i < 0) return nullptr;
  const Task& t = plan.tasks[static_cast<std::size_t>(i)];
  return t.id == id ? &t : nullptr;
}

// The check mark flow ends a heading task with when it is done: a space and ✅.
constexpr std::string_view kCheck = " \xE2\x9C\x85";
// A Status field's value for each state, as flow writes it.
constexpr std::string_view kStatusDone = "\xE2\x9C\x85 Complete";
constexpr std::string_view kStatusPending = "Pending";

// The value for the state in the language of the field's label (`**状态**: ✅ 已完成`,
// `**ステータス**: ✅ 完了`, `**Estado**: ✅ Completado`), read back as that state; else
// English. `Estado` is Spanish or Portuguese: Portuguese where its value is
// (`Pendente`, `Concluído`, `Em andamento`).
std::string_view status_words(std::string_view text, std::size_t value_at, bool to_done) {
  const std::size_t line = text.rfind('\n', value_at == 0 ? 0 : value_at - 1);
  const std::string_view label = text.substr(line == std::string_view::npos ? 0 : line + 1,
                                             value_at - (line == std::string_view::npos ? 0 : line + 1));
  struct Words { std::string_view label, done, pending; };
  static constexpr Words kWords[] = {
      {"状态", "\xE2\x9C\x85 已完成", "待完成"}, {"狀態", "\xE2\x9C\x85 已完成", "待完成"},
      {"状態", "\xE2\x9C\x85 完了", "未着手"}, {"ステータス", "\xE2\x9C\x85 完了", "未着手"},
      {"상태", "\xE2\x9C\x85 완료", "대기"},
      {"statut", "\xE2\x9C\x85 Termin\xC3\xA9", "\xC3\x80 faire"},                      // ✅ Terminé, À faire
      {"stato", "\xE2\x9C\x85 Completato", "Da fare"},
      {"\xD1\x81\xD1\x82\xD0\xB0\xD1\x82\xD1\x83\xD1\x81", "\xE2\x9C\x85 \xD0\x92\xD1\x8B\xD0\xBF\xD0\xBE\xD0\xBB\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE",
       "\xD0\x9D\xD0\xB5 \xD0\xBD\xD0\xB0\xD1\x87\xD0\xB0\xD1\x82\xD0\xBE"},  // статус: ✅ Выполнено, Не начато
      {"\xD0\xA1\xD1\x82\xD0\xB0\xD1\x82\xD1\x83\xD1\x81", "\xE2\x9C\x85 \xD0\x92\xD1\x8B\xD0\xBF\xD0\xBE\xD0\xBB\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE",
       "\xD0\x9D\xD0\xB5 \xD0\xBD\xD0\xB0\xD1\x87\xD0\xB0\xD1\x82\xD0\xBE"}};  // Статус
  for (const Words& w : kWords)
    if (detail::ifind(label, w.label) != std::string_view::npos) return to_done ? w.done : w.pending;
  const std::size_t eol = text.find('\n', value_at);
  const std::string_view value = text.substr(value_at, eol == std::string_view::npos ? std::string_view::npos : eol - value_at);
  constexpr std::string_view kPtDone = "\xE2\x9C\x85 Conclu\xC3\xAD" "do", kEsDone = "\xE2\x9C\x85 Completado";
  if (detail::ifind(label, "estado") != std::string_view::npos) {
    for (std::string_view pt : {"pendente", "conclu", "andamento", "feito", "n\xC3\xA3o ", "progresso"})
      if (detail::ifind(value, pt) != std::string_view::npos) return to_done ? kPtDone : "Pendente";
    return to_done ? kEsDone : "Pendiente";
  }
  // Under an English label (`**Status**: Pendiente`), the language of the value it holds
  // (kWords' rows by place: the asserts keep the places).
  static_assert(kWords[0].label == "状态" && kWords[2].label == "状態" && kWords[4].label == "상태" &&
                kWords[5].label == "statut" && kWords[6].label == "stato" && kWords[7].done == kWords[8].done);
  struct Hint { std::string_view word, done, pending; };
  static constexpr Hint kHints[] = {
      {"pendiente", kEsDone, "Pendiente"}, {"por hacer", kEsDone, "Pendiente"}, {"no iniciado", kEsDone, "Pendiente"},
      {"completado", kEsDone, "Pendiente"}, {"pendente", kPtDone, "Pendente"}, {"a fazer", kPtDone, "Pendente"},
      {"conclu\xC3\xAD" "do", kPtDone, "Pendente"}, {"faire", kWords[5].done, kWords[5].pending},
      {"en attente", kWords[5].done, kWords[5].pending}, {"termin\xC3\xA9", kWords[5].done, kWords[5].pending},
      {"da fare", kWords[6].done, kWords[6].pending}, {"in attesa", kWords[6].done, kWords[6].pending},
      {"completato", kWords[6].done, kWords[6].pending}, {"\xD0", kWords[7].done, kWords[7].pending},  // Cyrillic
      {"\xD1", kWords[7].done, kWords[7].pending}, {"待完成", kWords[0].done, kWords[0].pending},
      {"已完成", kWords[0].done, kWords[0].pending}, {"未着手", kWords[2].done, kWords[2].pending},
      {"完了", kWords[2].done, kWords[2].pending}, {"대기", kWords[4].done, kWords[4].pending},
      {"완료", kWords[4].done, kWords[4].pending}};
  for (const Hint& h : kHints)
    if (detail::ifind(value, h.word) != std::string_view::npos) return to_done ? h.done : h.pending;
  return to_done ? kStatusDone : kStatusPending;
}

// Whether a change's own words (detail::set_marks_in_words) can be written as a Status value of
// the state: they say it, on one line, with no pipe to split a cell.
bool own_words(std::string_view words, bool to_done) {
  return !words.empty() && words.find_first_of("\n|") == std::string_view::npos &&
         detail::status_says_done(words) == to_done;
}

// A change's own words for a Status field where they say the state, else flow's.
std::string_view value_words(std::string_view text, std::size_t value_at, bool to_done, std::string_view words) {
  if (own_words(words, to_done)) return words;
  return status_words(text, value_at, to_done);
}

// Whether its state is its Status cell: a row of a table of tasks without a checkbox.
bool status_row(const Task& t) { return t.form == TaskForm::status_row && t.status_offset != Task::npos; }

// The value flow writes in a status row's Status cell for a state, in the words its table
// uses: one a row of the table already says for that state, else the pair of one it says
// for the other (`⏳` → `✅`); failing both, so for the file's other tables; else `Done`
// or `Todo`. The table is the status rows on the lines next to the task's.
std::string_view row_words(std::string_view text, const Plan& plan, const Task& t, bool to_done) {
  const auto value = [&](const Task& u) {
    if (!status_row(u) || u.status_offset > text.size() || u.status_length > text.size() - u.status_offset)
      return std::string_view("\n");  // no row's value
    return text.substr(u.status_offset, u.status_length);
  };
  const auto find = [&](std::size_t from, std::size_t to) -> std::string_view {
    for (const bool same : {true, false})
      for (std::size_t k = from; k < to; ++k) {
        const std::string_view v = value(plan.tasks[k]);
        for (const detail::RowWords& w : detail::kRowWords)
          if (v == ((same == to_done) ? w.done : w.pending)) return to_done ? w.done : w.pending;
      }
    return {};
  };
  const auto at = static_cast<std::size_t>(&t - plan.tasks.data());
  std::size_t lo = at, hi = at + 1;
  while (lo > 0 && status_row(plan.tasks[lo - 1]) && plan.tasks[lo - 1].line + 1 == plan.tasks[lo].line) --lo;
  while (hi < plan.tasks.size() && status_row(plan.tasks[hi]) && plan.tasks[hi - 1].line + 1 == plan.tasks[hi].line) ++hi;
  if (const std::string_view w = find(lo, hi); !w.empty()) return w;
  if (const std::string_view w = find(0, plan.tasks.size()); !w.empty()) return w;
  return to_done ? "Done" : "Todo";
}

// Whether a task's state is the check mark ending its heading.
bool checked_heading(const Task& t) {
  return t.mark_offset == Task::npos && t.step_marks.empty() && t.check_offset != Task::npos;
}

// Whether it is the heading task's Status field (its heading has no check mark).
bool status_heading(const Task& t) {
  return checked_heading(t) && t.check_length == 0 && t.status_offset != Task::npos;
}

// The task's line with its mark byte blanked (a heading's check mark left out), so that
// two versions of the line compare equal whatever their marks.
std::string line_without_mark(std::string_view text, const Task& t) {
  std::string s(text.substr(t.span.offset, t.span.length));
  if (t.mark_offset != Task::npos && t.mark_offset >= t.span.offset &&
      t.mark_offset < t.span.offset + s.size())
    s[t.mark_offset - t.span.offset] = ' ';
  if (checked_heading(t) && t.check_offset >= t.span.offset && t.check_offset - t.span.offset <= s.size())
    s.erase(t.check_offset - t.span.offset, t.check_length);
  if (status_row(t) && t.status_offset >= t.span.offset && t.status_offset - t.span.offset <= s.size()) {
    s.erase(t.status_offset - t.span.offset, t.status_length);
    // A table re-aligned (an editor's format on save) is the same row: the blanks beside
    // its pipes are not compared.
    std::string row;
    row.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      if ((s[i] == ' ' || s[i] == '\t') && ((!row.empty() && row.back() == '|') || [&] {
            std::size_t j = i;
            while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
            return j == s.size() || s[j] == '|';
          }()))
        continue;
      row += s[i];
    }
    s = std::move(row);
  }
  return s;
}

// What a change writes in a status row's cell: its own words where they say the state
// (and fit in a cell), else the table's.
std::string_view cell_words(std::string_view text, const Plan& plan, const Task& t, bool to_done, std::string_view words) {
  if (own_words(words, to_done)) return words;
  return row_words(text, plan, t, to_done);
}

// A heading's check mark written or taken out: `length` bytes at `at` become `with`.
struct Splice {
  std::size_t at = 0;
  std::size_t length = 0;
  std::string with;
};

// About how many columns `s` takes on a screen: a wide character (an ideograph, hangul,
// an emoji) two, a variation selector none, any other one. Enough to keep an aligned
// table's pipes where they were.
std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c == 0xEF && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xB8) n += 0;  // U+FE0x
    else if (c >= 0xF0 || (c >= 0xE3 && c <= 0xED) ||
             (c == 0xE2 && i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) == 0x8C ||
                                                static_cast<unsigned char>(s[i + 1]) == 0x8F ||
                                                (static_cast<unsigned char>(s[i + 1]) >= 0x98 &&
                                                 static_cast<unsigned char>(s[i + 1]) <= 0x9E) ||
                                                static_cast<unsigned char>(s[i + 1]) == 0xAC)))
      n += 2;
    else
      n += 1;
    i += len;
  }
  return n;
}

// The splice that writes `word` in a status row's Status cell: the value, and the blanks
// after it up to the cell's pipe, which in a padded cell take up the difference, so that
// an aligned table's pipes stay where they were while there is room; one blank at least
// before the pipe (`| |` becomes `| Done |`).
Splice row_splice(std::string_view text, const Task& t, std::string_view word) {
  const std::size_t end = t.status_offset + t.status_length;
  std::size_t blanks = 0;
  while (end + blanks < text.size() && text[end + blanks] == ' ') ++blanks;
  if (end + blanks >= text.size() || text[end + blanks] != '|') return Splice{t.status_offset, t.status_length, std::string(word)};
  // Aligned: the cell padded, or its pipe under one of the table's separator row (`| ---- |
  // ----------- |`, which marks never change: its widest value); else a table written
  // without care for columns, where blanks would only be added.
  bool aligned = blanks >= 2;
  const std::size_t start = t.status_offset == 0 ? std::string_view::npos : text.rfind('\n', t.status_offset - 1);
  std::size_t line = start == std::string_view::npos ? 0 : start + 1;
  const std::size_t col = columns(text.substr(line, end + blanks - line));
  for (int up = 0; !aligned && line >= 2 && up < 1000; ++up) {
    const std::size_t above_start = text.rfind('\n', line - 2);
    const std::size_t from = above_start == std::string_view::npos ? 0 : above_start + 1;
    const std::string_view above = text.substr(from, line - 1 - from);
    line = from;
    if (above.find('|') == std::string_view::npos) break;
    if (above.find_first_not_of("|-: \t\r") != std::string_view::npos) continue;  // a row, not the separator
    for (std::size_t k = 0; k < above.size(); ++k)  // (ASCII: a column per byte)
      if (above[k] == '|' && k == col) aligned = true;
    break;
  }
  const std::size_t width = columns(text.substr(t.status_offset, t.status_length)) + blanks, used = columns(word);
  const std::size_t after = aligned ? (width > used ? width - used : 1) : std::max<std::size_t>(blanks, 1);
  return Splice{t.status_offset, t.status_length + blanks, std::string(word) + std::string(after, ' ')};
}

// The splice that sets a heading task's state, if any is needed: its Status field's
// value if it has one (and no check mark), else the check mark ending it.
bool check_splice(std::string_view text, const Task& t, bool to_done, std::string_view words, Splice* out) {
  if (to_done == (t.state == TaskState::done)) return false;
  if (status_heading(t)) *out = Splice{t.status_offset, t.status_length, std::string(value_words(text, t.status_offset, to_done, words))};
  else if (to_done) *out = Splice{t.check_offset, 0, std::string(kCheck)};
  else if (t.check_length > 0) *out = Splice{t.check_offset, t.check_length, {}};
  else return false;
  return true;
}

// The splice that keeps a heading task's Status field in step with the marks that hold
// its state (its steps, or the check mark ending its heading), if it says the other
// state: `- **Status**: ❌ Not Started` under ticked steps would say both. Also when the
// marks say the new state already (steps the user ticked while the task ran).
bool field_splice(std::string_view text, const Task& t, bool to_done, std::string_view words, Splice* out) {
  if (t.status_offset == Task::npos || status_heading(t) || status_row(t)) return false;
  if (detail::status_says_done(text.substr(t.status_offset, t.status_length)) == to_done) return false;
  *out = Splice{t.status_offset, t.status_length, std::string(value_words(text, t.status_offset, to_done, words))};
  return true;
}

// Applies splices from the last to the first, so that each offset is still where it was
// read; one per place.
void apply_splices(std::string& text, std::vector<Splice>& splices) {
  std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.at > b.at; });
  splices.erase(std::unique(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) { return a.at == b.at; }),
                splices.end());
  for (const Splice& sp : splices) text.replace(sp.at, sp.length, sp.with);
}

// Offsets after `at` moved by `delta` bytes (a splice at `at`): every task's offsets follow.
void shift_offsets(Plan& plan, std::size_t at, std::ptrdiff_t delta) {
  const auto moved = [&](std::size_t& o) {
    if (o != Task::npos && o > at) o = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(o) + delta);
  };
  for (Task& t : plan.tasks) {
    if (t.span.offset <= at && at <= t.span.offset + t.span.length)
      t.span.length = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(t.span.length) + delta);
    else
      moved(t.span.offset);
    moved(t.mark_offset);
    moved(t.check_offset);
    moved(t.status_offset);
    for (std::size_t& o : t.step_marks) moved(o);
  }
  for (Group& g : plan.groups) moved(g.mark_offset);
}

// The tasks' states, by index.
std::vector<TaskState> states_of(const Plan& plan) {
  std::vector<TaskState> out;
  out.reserve(plan.tasks.size());
  for (const Task& t : plan.tasks) out.push_back(t.state);
  return out;
}

// An item's box (Group::mark_offset) to set: where, and its new byte.
struct BoxChange {
  std::size_t at = 0;
  char mark = 0;
  int group = 0;
};

// The boxes of Kiro's numbered items that follow their tasks from the states `before` to
// `after`: ticked (with `done`) when none of the item's required tasks is pending any more
// (Kiro's optional ones, `- [ ]* 2.3`, need not be done, unless all are optional), cleared
// when one is again. Only a box that said what its tasks did changes: one the user ticked
// over open subtasks, or left open over finished ones, stays as it is.
std::vector<BoxChange> item_boxes(std::string_view text, const Plan& plan, const std::vector<TaskState>& before,
                                  const std::vector<TaskState>& after, char done) {
  std::vector<BoxChange> out;
  bool any = false;
  for (const Group& g : plan.groups) any = any || g.mark_offset != Task::npos;
  if (!any) return out;
  // Per group, over the tasks that decide its box: how many, and how many are pending
  // before and after.
  struct Count { int tasks = 0, open_before = 0, open_after = 0; };
  std::vector<Count> count(plan.groups.size());
  const std::vector<char> decides = detail::item_deciders(plan);
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    if (!decides[i]) continue;
    Count& c = count[static_cast<std::size_t>(plan.tasks[i].group)];
    ++c.tasks;
    c.open_before += before[i] == TaskState::pending;
    c.open_after += after[i] == TaskState::pending;
  }
  for (std::size_t g = 0; g < plan.groups.size(); ++g) {
    const Group& gr = plan.groups[g];
    const Count& c = count[g];
    if (gr.mark_offset == Task::npos || gr.mark_offset >= text.size() || text[gr.mark_offset] != gr.mark || c.tasks == 0)
      continue;
    const bool was = c.open_before == 0, now = c.open_after == 0;
    if (!was && now && gr.mark == ' ') out.push_back({gr.mark_offset, done, static_cast<int>(g)});
    else if (was && !now && (gr.mark == 'x' || gr.mark == 'X')) out.push_back({gr.mark_offset, ' ', static_cast<int>(g)});
  }
  return out;
}

// A step's mark as the parser reads it: a space, x or X inside `[ ]`.
bool step_mark_at(std::string_view text, std::size_t at) {
  return at > 0 && at + 1 < text.size() && text[at - 1] == '[' && text[at + 1] == ']' &&
         (text[at] == ' ' || text[at] == 'x' || text[at] == 'X');
}

// The task a change names, if it has marks and the text still holds them where the plan
// read them.
Result<const Task*> checked_task(std::string_view text, const Plan& plan, const MarkChange& c) {
  const Task* t = find_task(plan, c.line, c.id);
  if (t == nullptr) return make_error(Errc::not_found, "no task " + c.id + " at line " + std::to_string(c.line), c.line);
  const auto mismatch = [&] {
    return make_error(Errc::conflict, "the text does not match the plan at line " + std::to_string(c.line), c.line);
  };
  if (t->status_offset != Task::npos &&
      (t->status_offset > text.size() || t->status_length > text.size() - t->status_offset))
    return mismatch();
  if (!t->step_marks.empty()) {
    for (std::size_t at : t->step_marks)
      if (!step_mark_at(text, at)) return mismatch();
    return t;
  }
  if (status_heading(*t)) return t;
  // A status row's cell says the state the plan read.
  if (status_row(*t)) {
    if (detail::status_row_state(text.substr(t->status_offset, t->status_length)) != t->state) return mismatch();
    return t;
  }
  if (checked_heading(*t)) {
    if (t->check_offset > text.size() || t->check_length > text.size() - t->check_offset) return mismatch();
    return t;
  }
  if (t->mark_offset == Task::npos || t->mark_offset >= text.size())
    return make_error(Errc::invalid_argument, "task " + c.id + " has no checkbox to mark", c.line);
  if (text[t->mark_offset] != t->mark) return mismatch();
  return t;
}

// A heading's steps set for its new state: all ticked (each in `done`'s case unless
// ticked already) or all cleared. Returns whether a byte changed.
bool set_steps(std::string& text, const Task& t, bool to_done, char done) {
  bool changed = false;
  for (std::size_t at : t.step_marks) {
    char& m = text[at];
    const char want = to_done ? (m == ' ' ? done : m) : ' ';
    changed = changed || m != want;
    m = want;
  }
  return changed;
}

}  // namespace

namespace {
// set_marks, each change's Status value in its own words where they say its state
// (detail::set_marks_in_words).
Result<std::string> marks_in_words(std::string_view text, const Plan& plan, std::span<const MarkChange> changes,
                                   std::span<const std::string> words) {
  std::string out(text);
  const char done = plan.done_mark == 'x' ? 'x' : 'X';
  std::vector<Splice> splices;  // after the one-byte marks, whose offsets they would move
  std::vector<TaskState> after = states_of(plan);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const MarkChange& c = changes[i];
    const std::string_view own = i < words.size() ? std::string_view(words[i]) : std::string_view();
    auto t = checked_task(out, plan, c);
    if (!t) return Unexpected{std::move(t).error()};
    after[static_cast<std::size_t>(*t - plan.tasks.data())] = c.done ? TaskState::done : TaskState::pending;
    if (Splice sp; field_splice(out, **t, c.done, own, &sp)) splices.push_back(sp);
    if (!(*t)->step_marks.empty()) {
      if (c.done != ((*t)->state == TaskState::done)) set_steps(out, **t, c.done, done);
      continue;
    }
    if (status_row(**t)) {
      if (c.done ? (*t)->state != TaskState::done : (*t)->state != TaskState::pending)
        splices.push_back(row_splice(out, **t, cell_words(out, plan, **t, c.done, own)));
      continue;
    }
    if (checked_heading(**t)) {
      if (Splice sp; check_splice(out, **t, c.done, own, &sp)) splices.push_back(sp);
      else after[static_cast<std::size_t>(*t - plan.tasks.data())] = (*t)->state;  // nothing written: as it was
      continue;
    }
    char& m = out[(*t)->mark_offset];
    // A done task keeps its own x or X; only a change of state writes a byte.
    if (c.done && (*t)->state != TaskState::done) m = done;
    else if (!c.done && (*t)->state != TaskState::pending) m = ' ';
  }
  for (const BoxChange& b : item_boxes(out, plan, states_of(plan), after, done)) out[b.at] = b.mark;
  apply_splices(out, splices);
  return out;
}

}  // namespace

Result<std::string> set_marks(std::string_view text, const Plan& plan, std::span<const MarkChange> changes) {
  return marks_in_words(text, plan, changes, {});
}

Result<int> set_marks_in_place(std::string& text, Plan& plan, std::span<const MarkChange> changes) {
  // Every change is checked before any is made, so that a failure changes nothing.
  for (const MarkChange& c : changes)
    if (auto t = checked_task(text, plan, c); !t) return Unexpected{std::move(t).error()};
  const char done = plan.done_mark == 'x' ? 'x' : 'X';
  const std::vector<TaskState> before = states_of(plan);
  int changed = 0;
  for (const MarkChange& c : changes) {
    Task& t = plan.tasks[static_cast<std::size_t>(plan.task_at_line(c.line))];
    // A Status field beside the marks: the offsets after it follow (a step's below it too).
    if (Splice sp; field_splice(text, t, c.done, {}, &sp)) {
      text.replace(sp.at, sp.length, sp.with);
      shift_offsets(plan, sp.at, static_cast<std::ptrdiff_t>(sp.with.size()) - static_cast<std::ptrdiff_t>(sp.length));
      t.status_length = sp.with.size();
      if (c.done ? t.state == TaskState::done : t.state == TaskState::pending) ++changed;
    }
    if (c.done ? t.state == TaskState::done : t.state == TaskState::pending) continue;  // a done task keeps its x or X
    if (!t.step_marks.empty()) {
      set_steps(text, t, c.done, done);
      t.state = c.done ? TaskState::done : TaskState::pending;
      ++changed;
      continue;
    }
    if (status_row(t)) {
      // The row's length changes: the offsets after its cell follow.
      const std::string_view w = row_words(text, plan, t, c.done);
      const Splice sp = row_splice(text, t, w);
      text.replace(sp.at, sp.length, sp.with);
      shift_offsets(plan, sp.at, static_cast<std::ptrdiff_t>(sp.with.size()) - static_cast<std::ptrdiff_t>(sp.length));
      t.status_length = w.size();
      t.state = c.done ? TaskState::done : TaskState::pending;
      ++changed;
      continue;
    }
    if (checked_heading(t)) {
      // The heading's length changes: the offsets after it follow, the task's own too.
      Splice sp;
      if (!check_splice(text, t, c.done, {}, &sp)) continue;
      text.replace(sp.at, sp.length, sp.with);
      shift_offsets(plan, sp.at, static_cast<std::ptrdiff_t>(sp.with.size()) - static_cast<std::ptrdiff_t>(sp.length));
      (status_heading(t) ? t.status_length : t.check_length) = sp.with.size();
      t.state = c.done ? TaskState::done : TaskState::pending;
      ++changed;
      continue;
    }
    // What the parser would read now: the byte, and the state it means.
    t.mark = c.done ? done : ' ';
    t.state = c.done ? TaskState::done : TaskState::pending;
    text[t.mark_offset] = t.mark;
    ++changed;
  }
  for (const BoxChange& b : item_boxes(text, plan, before, states_of(plan), done)) {
    text[b.at] = b.mark;
    plan.groups[static_cast<std::size_t>(b.group)].mark = b.mark;
    ++changed;
  }
  // The case the file uses most, counted as the parser counts it: clearing marks can
  // change which case that is.
  int xs = 0, big_xs = 0;
  for (const Task& t : plan.tasks) {
    xs += t.mark == 'x';
    big_xs += t.mark == 'X';
    for (std::size_t at : t.step_marks) {
      xs += text[at] == 'x';
      big_xs += text[at] == 'X';
    }
  }
  plan.done_mark = xs > big_xs ? 'x' : 'X';
  return changed;
}

// A task's line as found again: the same but for spaces and tabs at its end, which an
// editor or a formatter trims (markdownlint --fix, prettier) without changing the task.
static std::string without_trailing_blanks(const std::string& s) { return std::string(detail::trim_right(s)); }

Result<std::vector<MarkChange>> rebase_marks(std::string_view old_text, const Plan& old_plan,
                                             std::string_view new_text, const Plan& new_plan,
                                             std::span<const MarkChange> changes) {
  std::vector<MarkChange> out;
  out.reserve(changes.size());
  for (const MarkChange& c : changes) {
    const Task* old_task = find_task(old_plan, c.line, c.id);
    if (old_task == nullptr)
      return make_error(Errc::not_found, "no task " + c.id + " at line " + std::to_string(c.line), c.line);
    const std::string want = without_trailing_blanks(line_without_mark(old_text, *old_task));
    const Task* same_line = find_task(new_plan, c.line, c.id);
    if (same_line && without_trailing_blanks(line_without_mark(new_text, *same_line)) == want) {
      out.push_back(c);
      continue;
    }
    const Task* found = nullptr;
    int matches = 0;
    for (const Task& t : new_plan.tasks) {
      if (t.id != c.id || without_trailing_blanks(line_without_mark(new_text, t)) != want) continue;
      found = &t;
      ++matches;
    }
    if (matches != 1)
      return make_error(Errc::conflict,
                        "tasks.md changed while flow was running: the line of task " + c.id +
                            " (line " + std::to_string(c.line) + ") is " +
                            (matches == 0 ? "no longer what it was" : "now there more than once"),
                        c.line);
    out.push_back(MarkChange{found->line, c.id, c.done});
  }
  return out;
}

std::string task_line_text(std::string_view text, const Task& task) {
  if (task.span.offset > text.size() || task.span.length > text.size() - task.span.offset) return std::string();
  return line_without_mark(text, task);
}

int find_task_again(std::string_view text, const Plan& plan, std::string_view id, int line, std::string_view line_text) {
  const std::string want = without_trailing_blanks(std::string(line_text));
  if (const int at = plan.task_at_line(line); at >= 0) {
    const Task& t = plan.tasks[static_cast<std::size_t>(at)];
    if (t.id == id && (line_text.empty() || without_trailing_blanks(task_line_text(text, t)) == want)) return at;
  }
  if (line_text.empty()) return -1;
  int found = -1, matches = 0;
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    const Task& t = plan.tasks[i];
    if (t.id != id || without_trailing_blanks(task_line_text(text, t)) != want) continue;
    found = static_cast<int>(i);
    ++matches;
  }
  return matches == 1 ? found : -1;
}

FLOW_END_NAMESPACE

Result<std::string> detail::set_marks_in_words(std::string_view text, const Plan& plan, std::span<const MarkChange> changes,
                                               std::span<const std::string> words) {
  return marks_in_words(text, plan, changes, words);
}
}  // namespace flow
