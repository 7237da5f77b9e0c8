// SPDX-License-Identifier: MIT
// The tasks.md parser: a two-pass, allocation-light line scanner. Pass one classifies
// lines (fences, comments, headings); pass two builds phases, groups and tasks; a
// final pass resolves references, paths and diagnostics that need the whole document.
#include <flow/tasks_md.hpp>

#include "core/id_index.hpp"
#include "core/tasks_md_internal.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace flow {

namespace detail {

std::size_t match_id(std::string_view s) noexcept {
  std::size_t i = 0;
  std::size_t letters = 0;
  while (i < s.size() && is_upper(s[i]) && letters < 5) { ++i; ++letters; }
  if (letters == 5) return 0;
  const bool dashed = letters > 0 && i < s.size() && s[i] == '-';
  if (dashed) {
    ++i;
    // lee-spec-kit's `T-F003-01`: a feature segment (letters and digits) between the
    // prefix and the number; only taken with the dash and digits after it.
    std::size_t j = i;
    while (j < s.size() && is_upper(s[j]) && j - i < 4) ++j;
    const std::size_t f = j;
    while (j < s.size() && is_digit(s[j]) && j - f < 6) ++j;
    if (j > f && f > i && j + 1 < s.size() && s[j] == '-' && is_digit(s[j + 1])) i = j + 1;
    // `T-SB04`, `T-HF01`: a series' letters, then its number (two digits at least, so
    // that `API-V2` stays a word).
    else if (f > i && j - f >= 2 && (j == s.size() || !is_alnum(s[j]))) i = f;
  }
  const std::size_t d0 = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == d0 || i - d0 > 6) return 0;
  // `TASK-012-001`, `T-002-000-001`, `DEF-026-009`: after a dashed prefix, numbers joined
  // by dashes are one ID (a range names its prefix again: `T-101-T-103`).
  if (dashed)
    while (i + 1 < s.size() && s[i] == '-' && is_digit(s[i + 1])) {
      std::size_t e = i + 1;
      while (e < s.size() && is_digit(s[e]) && e - i <= 6) ++e;
      if (e < s.size() && is_alpha(s[e])) break;
      i = e;
    }
  int dots = 0;
  while (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    ++dots;
  }
  if (letters == 0 && dots == 0) return 0;
  // A letter suffix: `T012a`; upper case only after three digits (`T046B`), as `E2E`,
  // `I18N` and `B2B` are words.
  if (letters > 0 && i < s.size() && (is_lower(s[i]) || (is_upper(s[i]) && dots == 0 && i - d0 >= 3)) &&
      (i + 1 >= s.size() || !is_alnum(s[i + 1])))
    ++i;
  if (i < s.size()) {
    const char c = s[i];
    // `_Depends: 2.1_`: underscores that close an emphasis end the ID (`T001_foo` is a name).
    if (c == '_') {
      std::size_t j = i;
      while (j < s.size() && s[j] == '_') ++j;
      return j == s.size() || !(is_alnum(s[j]) || s[j] == '/' || s[j] == '@' || s[j] == '.') ? i : 0;
    }
    if (is_alnum(c) || c == '/' || c == '@') return 0;
    if (c == '.' && i + 1 < s.size() && is_alnum(s[i + 1])) return 0;  // "T1.md", "1.2x"
  }
  return i;
}

std::string_view id_shape(std::string_view id) noexcept {
  std::size_t i = 0;
  while (i < id.size() && is_upper(id[i])) ++i;
  if (i < id.size() && id[i] == '-') ++i;
  return id.substr(0, i);
}

std::size_t listed_id(std::string_view s) noexcept {
  if (const std::size_t n = match_id(s); n > 0) return n;
  const std::size_t first = s.find('/');
  if (first == std::string_view::npos || first == 0 || first > 16 || match_id(s.substr(0, first)) != first) return 0;
  const std::string_view shape = id_shape(s.substr(0, first));
  // The IDs after it, each but the last followed by a slash; a few, so that a line of
  // thousands costs no more than one of three.
  std::size_t at = first + 1;
  for (int k = 0; k < 16; ++k) {
    const std::string_view rest = s.substr(at);
    if (const std::size_t m = match_id(rest); m > 0) return id_shape(rest.substr(0, m)) == shape ? first : 0;
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash > 16 || match_id(rest.substr(0, slash)) != slash ||
        id_shape(rest.substr(0, slash)) != shape)
      return 0;
    at += slash + 1;
  }
  return 0;
}

// `- Developer A: US1 → US3`, `**Team B**: T010 → T012`, `团队 B：US3 → US4`: the order one
// person or team takes (one cannot do two at once), a staffing plan: its arrows are no
// dependencies (its "requires" and "needs" still are).
bool is_staffing_line(std::string_view t) {
  while (!t.empty() && (t.front() == '*' || t.front() == '_' || is_space(t.front()))) t.remove_prefix(1);
  std::size_t w = 0;
  static constexpr std::string_view kWho[] = {
      "developer", "dev", "team", "engineer", "member", "person", "agent", "worker",
      "\xE5\x9B\xA2\xE9\x98\x9F", "\xE5\x9C\x98\xE9\x9A\x8A",                // 团队 團隊
      "\xE6\x88\x90\xE5\x91\x98", "\xE6\x88\x90\xE5\x93\xA1",                // 成员 成員
      "\xE5\xBC\x80\xE5\x8F\x91\xE8\x80\x85", "\xE9\x96\x8B\xE7\x99\xBC\xE8\x80\x85",  // 开发者 開發者
      "\xE6\x8B\x85\xE5\xBD\x93\xE8\x80\x85", "\xE3\x83\x81\xE3\x83\xBC\xE3\x83\xA0"};  // 担当者 チーム
  for (std::string_view who : kWho)
    if (istarts_with(t, who) && (t.size() == who.size() || !is_alpha(t[who.size()]))) {
      w = who.size();
      break;
    }
  if (w == 0) return false;
  std::string_view rest = t.substr(w);
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  // One name: a letter or a number (`A`, `2`), then the colon, maybe after the bold.
  std::size_t n = 0;
  while (n < rest.size() && is_alnum(rest[n]) && n < 3) ++n;
  if (n == 0 || (n < rest.size() && is_alnum(rest[n]))) return false;
  rest = rest.substr(n);
  while (!rest.empty() && (rest.front() == '*' || rest.front() == '_' || is_space(rest.front()))) rest.remove_prefix(1);
  return starts_with(rest, ":") || starts_with(rest, "\xEF\xBC\x9A");
}

// `優先実行順は MVP 重視で US1 → US2 → US3`, `Delivery in priority order: US1 → US2`: the
// order to deliver in (the most valuable first), not what each needs: its arrows are no
// dependencies (its "requires" and "needs" still are). In the languages the corpus has.
bool is_priority_order_line(std::string_view t) {
  static constexpr std::string_view kPhrases[] = {
      "priority order", "order of priority", "by priority", "priority sequence",
      "prioritätsreihenfolge", "reihenfolge der priorit", "nach priorit",        // German
      "orden de prioridad", "por prioridad", "ordem de prioridade", "por prioridade",  // Spanish, Portuguese
      "ordre de priorit", "par priorit",                                          // French
      "\xE5\x84\xAA\xE5\x85\x88\xE5\xAE\x9F\xE8\xA1\x8C\xE9\xA0\x86",  // 優先実行順
      "\xE5\x84\xAA\xE5\x85\x88\xE9\xA0\x86",                                // 優先順
      "\xE5\x84\xAA\xE5\x85\x88\xE5\xBA\xA6\xE9\xA0\x86",                  // 優先度順
      "\xE4\xBC\x98\xE5\x85\x88\xE9\xA1\xBA\xE5\xBA\x8F",                  // 优先顺序
      "\xE4\xBC\x98\xE5\x85\x88\xE7\xBA\xA7\xE9\xA1\xBA\xE5\xBA\x8F",    // 优先级顺序
      "\xEC\x9A\xB0\xEC\x84\xA0\xEC\x88\x9C\xEC\x9C\x84 \xEC\x88\x9C",  // 우선순위 순
  };
  for (std::string_view p : kPhrases)
    if (ifind(t, p) != std::string_view::npos) return true;
  return false;
}

// Japanese, Chinese and Korean put the key after the IDs or the story: "T012 に依存",
// "T005 の後", "T-001 完成后", "US1, US2 完了後", "US1 이후", "T008–T010 완료 후",
// "US1에 의존", "Phase 3 완료 필요" (needs Phase 3 done).
std::size_t trailing_key_at(std::string_view s, std::size_t k, bool* after) {
  static constexpr std::pair<std::string_view, bool> kKeys[] = {
      {"に依存", false}, {"の完了後", true}, {"完了後", true},  {"の後", true},   {"完成之后", true},
      {"完成后", true},  {"完成後", true},   {"之后", true},    {"에 의존", false}, {"에의존", false},
      {"이후", true},    {"완료 후", true},  {"완료후", true},  {"완료 필요", true}, {"완료필요", true},
      {"후", true}};
  for (const auto& [key, is_after] : kKeys) {
    if (s.compare(k, key.size(), key) != 0) continue;
    const std::string_view rest = s.substr(k + key.size());
    for (std::string_view no : {"しない", "せず", "しません", "続", "하지 않", "하지않"})
      if (starts_with(rest, no)) return 0;
    if (key == "の後" && k >= 3 && s.compare(k - 3, 3, "そ") == 0) return 0;  // その後, "after that"
    // `후` ("after") is a word of its own: `준비된 후 실행한다`, `US3 후에`, not `후보`.
    if (key == "후" && ((k > 0 && !is_space(s[k - 1])) ||
                        !(rest.empty() || is_space(rest[0]) || ispunct(static_cast<unsigned char>(rest[0])) ||
                          starts_with(rest, "에"))))
      return 0;
    if (after) *after = is_after;
    return key.size();
  }
  return 0;
}

std::size_t wave_dash_at(std::string_view s, std::size_t k) noexcept {
  if (k < s.size() && s[k] == '~' && (k + 1 >= s.size() || s[k + 1] != '~')) return 1;
  if (s.compare(k, 3, "\xE3\x80\x9C") == 0 || s.compare(k, 3, "\xEF\xBD\x9E") == 0) return 3;  // 〜 ～
  return 0;
}

std::size_t cjk_list_separator(std::string_view s) noexcept {
  // 、，and the middle dots of Korean and Japanese lists (`T005 · T008 · T016 에 의존`, `T005・T006`).
  for (std::string_view sep : {"\xE3\x80\x81", "\xEF\xBC\x8C", "\xC2\xB7", "\xE3\x83\xBB", "和", "及", "与", "與", "と", "과",
                               "와", "및"})
    if (starts_with(s, sep)) return sep.size();
  return 0;
}

bool has_trailing_key(std::string_view s) {
  for (std::string_view key : {"に依存", "完了後", "の後", "完成之后", "完成后", "完成後", "之后", "의존", "이후", "후",
                               "완료 필요", "완료필요"})
    if (s.find(key) != std::string_view::npos) return true;
  return false;
}

bool denied_key(std::string_view s, std::size_t key_start) {
  std::size_t b = key_start;
  while (b > 0 && is_space(s[b - 1])) --b;
  for (std::string_view no : {"不", "无", "無", "非", "没有", "沒有"})
    if (b >= no.size() && s.compare(b - no.size(), no.size(), no) == 0) return true;
  if (b == key_start) return false;
  for (std::string_view no : {"not", "no", "never", "without", "não", "sin", "sem", "sans"}) {
    if (b < no.size() || !istarts_with(s.substr(b - no.size()), no)) continue;
    if (b == no.size() || !is_alnum(s[b - no.size() - 1])) return true;
  }
  // "before or after T007": either order, so none (as a statement of a dependency section
  // reads it).
  for (std::string_view either : {"before or", "prior to or", "avant ou", "antes o", "antes ou", "vor oder"})
    if (b >= either.size() && istarts_with(s.substr(b - either.size()), either) &&
        (b == either.size() || !is_alnum(s[b - either.size() - 1])))
      return true;
  return false;
}

bool is_dash_at(std::string_view s, std::size_t i, std::size_t* len) noexcept {
  if (i >= s.size()) return false;
  if (s[i] == '-') { *len = 1; return true; }
  if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xE2 &&
      static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) == 0x93 || static_cast<unsigned char>(s[i + 2]) == 0x94)) {
    *len = 3;  // en dash, em dash
    return true;
  }
  // The same read as Windows-1252 and saved as UTF-8 (`Tasks 1.1â€“1.14`).
  if (s.compare(i, 7, "\xC3\xA2\xE2\x82\xAC\xE2\x80") == 0 && i + 7 < s.size() &&
      (static_cast<unsigned char>(s[i + 7]) == 0x9C || static_cast<unsigned char>(s[i + 7]) == 0x9D)) {
    *len = 8;
    return true;
  }
  return false;
}

}  // namespace detail

FLOW_BEGIN_NAMESPACE

using namespace detail;

namespace {

constexpr std::size_t kMaxLine = std::size_t{1} << 20;  // longer lines are not parsed

enum LineFlag : std::uint8_t {
  kCode = 1,          // inside a fenced code block (delimiters included)
  kComment = 2,       // inside an HTML comment or the YAML frontmatter
  kTooLong = 4,
  kFence = 8,         // a fence delimiter line
  kBox = 16,          // looks like a checkbox list item (outside code and comments)
  kBullet = 32,       // a list item; `content` and `box` are set (outside code and comments)
  kHasBox = 64,       // a heading with a top-level checkbox item under it
  kSection = 128,     // a heading (any level above) or bold item with a checkbox task under it
};

// 24 bytes: a 10 MB file has a quarter of a million of these.
struct Line {
  std::size_t offset = 0;
  std::uint32_t length = 0;   // without "\n" and a trailing "\r"; kTooLong lines: capped
  std::int32_t indent = 0;
  // kBullet lines: where the text after the bullet starts (< kMaxLine).
  // kCode lines: the indent of the opening fence, capped at 32000.
  std::int32_t aux = 0;
  std::uint8_t flags = 0;
  std::uint8_t heading = 0;   // ATX heading level, 0 if none
  std::uint8_t box = 0;       // for kBullet lines: the checkbox mark's length, 0 if none
  // kBullet lines: 1 for an item of its list's top level (indented less than two columns
  // past the list's first item, which may itself be indented up to three), 0 for a
  // nested one; | kCriteriaBox for a top-level box after a criteria label.
  std::uint8_t top = 0;
};
constexpr std::uint8_t kCriteriaBox = 2;
// In Line::top too: a numbered item's box (`- [ ] 1. Data layer`) with its subtasks' boxes
// after it (`- [ ] 1.1 …`, nested or not).
constexpr std::uint8_t kItemOverSubtasks = 4;
// And one of its subtasks' boxes: its number is its ID, one a letter ends too (`10.2a`).
constexpr std::uint8_t kSubtask = 8;
// And such a box nested under its item, read as a top-level one.
constexpr std::uint8_t kNestedSubtask = 16;
static_assert(sizeof(Line) <= 24);

// A list item: where its bullet ends and what follows.
struct ListItem {
  bool ok = false;
  std::size_t content = 0;   // index in the line of the text after the bullet and spaces
};

ListItem match_bullet(std::string_view s) {
  ListItem li;
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  if (i >= s.size()) return li;
  if (s[i] == '-' || s[i] == '*' || s[i] == '+') {
    ++i;
  } else if (is_digit(s[i])) {
    std::size_t d = i;
    while (i < s.size() && is_digit(s[i]) && i - d < 9) ++i;
    if (i >= s.size() || (s[i] != '.' && s[i] != ')')) return li;
    ++i;
  } else {
    return li;
  }
  if (i < s.size() && !is_space(s[i])) return li;
  while (i < s.size() && is_space(s[i])) ++i;
  li.ok = true;
  li.content = i;
  return li;
}

// A checkbox right at `s`: "[m]" followed by a space or the end. Returns the mark's
// length in bytes (one UTF-8 character) or 0.
std::size_t match_box(std::string_view s) {
  if (s.size() < 3 || s[0] != '[') return 0;
  const std::size_t n = utf8_len(static_cast<unsigned char>(s[1]));
  if (1 + n >= s.size() || s[1 + n] != ']') return 0;
  if (n == 1 && (s[1] == ']' || s[1] == '[' || s[1] == '\t')) return 0;
  // Kiro marks an optional task with a star glued to the box: `- [ ]* 2.3 …`.
  if (2 + n < s.size() && !is_space(s[2 + n]) &&
      !(s[2 + n] == '*' && (3 + n >= s.size() || is_space(s[3 + n]))))
    return 0;
  return n;
}

// The text after a checkbox's `]`, without Kiro's optional star; `*optional` says
// whether there was one.
std::string_view box_text(std::string_view after, bool* optional) {
  *optional = !after.empty() && after[0] == '*' && (after.size() == 1 || is_space(after[1]));
  return trim_left(*optional ? after.substr(1) : after);
}

// How many of the first `max` bytes of `s` end at a character.
std::size_t utf8_cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return max;
}

// The number of a numbered item's text (`1` of `1. Data layer`): one to three digits, a
// dot and a space; empty for any other text.
std::string_view item_number(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && n < 4 && is_digit(s[n])) ++n;
  if (n == 0 || n == 4 || n + 1 >= s.size() || s[n] != '.' || !is_space(s[n + 1])) return {};
  return s.substr(0, n);
}

// The length of the subtask number of item `item` the text starts with (`1.1 …`,
// `1.12. …`, `1.2: …`, `1.2a …` under `1.`), or 0.
std::size_t subtask_number(std::string_view s, std::string_view item) {
  if (!s.starts_with(item) || s.size() <= item.size() + 1 || s[item.size()] != '.') return 0;
  std::size_t k = item.size() + 1, n = 0;
  while (k + n < s.size() && n < 4 && is_digit(s[k + n])) ++n;
  if (n == 0 || n == 4) return 0;
  k += n;
  if (k < s.size() && s[k] >= 'a' && s[k] <= 'z') ++k;  // `10.2a`, added between 10.2 and 10.3
  // `2.4.1`, written beside 2.4 (saitotm/md-todo): one level deeper at most.
  if (k + 1 < s.size() && s[k] == '.' && is_digit(s[k + 1])) {
    std::size_t m = 1;
    while (k + 1 + m < s.size() && m < 4 && is_digit(s[k + 1 + m])) ++m;
    if (m < 4) k += 1 + m;
  }
  const bool ends = k == s.size() || is_space(s[k]) ||
                    ((s[k] == '.' || s[k] == ':') && (k + 1 == s.size() || is_space(s[k + 1])));
  return ends ? k : 0;
}

// ASCII lower-case copy of a heading title, for the keyword tests below; on the stack
// when the title is short, as titles are.
class LowerCopy {
 public:
  explicit LowerCopy(std::string_view s) {
    char* out = buf_.data();
    if (s.size() > buf_.size()) {
      heap_.resize(s.size());
      out = heap_.data();
    }
    for (std::size_t i = 0; i < s.size(); ++i) out[i] = to_lower(s[i]);
    view_ = std::string_view(out, s.size());
  }
  LowerCopy(const LowerCopy&) = delete;
  LowerCopy& operator=(const LowerCopy&) = delete;
  [[nodiscard]] std::string_view view() const noexcept { return view_; }

 private:
  std::array<char, 240> buf_;
  std::string heap_;
  std::string_view view_;
};

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// A set of keywords (each at least two bytes) looked for in a lower-case title in one
// pass: a bitmap of the words' first two bytes rules out almost every position.
template <std::size_t N>
class WordSet {
 public:
  constexpr explicit WordSet(const std::array<std::string_view, N>& words) : words_(words) {
    for (std::string_view w : words_) {
      const unsigned k = bigram(w[0], w[1]);
      bits_[k >> 6] |= std::uint64_t{1} << (k & 63);
    }
  }

  [[nodiscard]] bool found_in(std::string_view s) const noexcept {
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      const unsigned k = bigram(s[i], s[i + 1]);
      if (!((bits_[k >> 6] >> (k & 63)) & 1)) continue;
      const std::string_view rest(s.data() + i, s.size() - i);
      for (std::string_view w : words_)
        if (w[0] == s[i] && w[1] == s[i + 1] && starts_with(rest, w)) return true;
    }
    return false;
  }

 private:
  static constexpr unsigned bigram(char a, char b) noexcept {
    return static_cast<unsigned>(static_cast<unsigned char>(a)) << 8 | static_cast<unsigned char>(b);
  }
  std::array<std::string_view, N> words_;
  std::array<std::uint64_t, 1024> bits_{};
};

bool has_phase_word(std::string_view title) {
  static constexpr std::string_view words[] = {"phase", "stage", "milestone", "epic", "sprint",
                                               "part ", "user story", "story ", "parallel group",
                                               "sequential", "wave"};
  for (auto w : words)
    if (istarts_with(title, w)) return true;
  return starts_with(title, "\xE7\xAC\xAC");  // 第 (Chinese ordinal: 第一阶段)
}

// `Phase 0 — Foundational (sequential, blocks every story)`, `Stage A: …`: a numbered
// phase is about order only when its name says so first (`Phase 2 Dependency Graph`),
// not for a word in passing.
bool is_numbered_phase_not_order(std::string_view title) {
  static constexpr std::string_view words[] = {"phase", "stage", "milestone", "sprint", "part", "wave"};
  for (auto w : words) {
    if (!istarts_with(title, w) || title.size() <= w.size() || !is_space(title[w.size()])) continue;
    std::size_t i = w.size();
    while (i < title.size() && is_space(title[i])) ++i;
    if (i < title.size() && is_digit(title[i])) {
      while (i < title.size() && (is_digit(title[i]) || title[i] == '.')) ++i;
    } else if (i < title.size() && is_upper(title[i]) && (i + 1 == title.size() || !is_alnum(title[i + 1]))) {
      ++i;
    } else {
      return false;
    }
    std::size_t dl = 0;
    while (i < title.size() && (is_space(title[i]) || title[i] == ':' || title[i] == '-' || title[i] == '.'))
      ++i;
    while (is_dash_at(title, i, &dl)) {
      i += dl;
      while (i < title.size() && is_space(title[i])) ++i;
    }
    const std::string_view name = title.substr(i);
    for (std::string_view o : {"depend", "execution order", "order of execution", "critical path", "task order", "graph"})
      if (istarts_with(name, o)) return false;
    return true;
  }
  return false;
}

// `### Sequential Delivery (Single Developer)`, `### Solo Developer Strategy`: the order one
// person would take, a staffing plan; what depends on what is said elsewhere.
bool is_one_person_order(std::string_view title) {
  static constexpr WordSet<9> words({"single developer", "single-developer", "one developer", "solo developer",
                                     "1 developer", "lone developer", "one person", "one-person", "single person"});
  const LowerCopy lower(title);
  return words.found_in(lower.view());
}

bool is_dependency_title(std::string_view title) {
  // (LowerCopy folds ASCII only: a Cyrillic word is here in both cases.)
  static constexpr WordSet<27> words({"depend", "execution order", "order of execution", "critical path",
                                      "parallel", "sequen", "task order", "graph",
                                      "dépend", "orden de ejecuci", "ordem de execu", "ordre d'exécution",
                                      "依赖", "依存", "执行顺序", "実行順", "의존", "실행 순서",
                                      "abhängigkeit", "reihenfolge", "dipendenz", "phụ thuộc", "thứ tự thực thi",
                                      "зависимост", "Зависимост", "порядок выполнения", "Порядок выполнения"});
  const LowerCopy lower(title);
  return words.found_in(lower.view());
}

std::string_view heading_text(std::string_view line, int level) {
  std::string_view s = trim_left(line).substr(static_cast<std::size_t>(level));
  s = trim(s);
  // A closing sequence of #s is not part of the text.
  std::size_t n = s.size();
  while (n > 0 && s[n - 1] == '#') --n;
  if (n < s.size() && (n == 0 || is_space(s[n - 1]))) s = trim_right(s.substr(0, n));
  return s;
}

// Digits at `s[i]`, as an int (capped), advancing `i`.
int read_int(std::string_view s, std::size_t& i) {
  int v = 0;
  while (i < s.size() && is_digit(s[i])) {
    if (v < 100000) v = v * 10 + (s[i] - '0');
    ++i;
  }
  return v;
}

// Whether another story follows a story's number at `t[k]`: `US1-US3`, `US1–3`,
// `US1, US2`, `User Story 1 & 2`, `US1/US2`. Such a heading names several stories and is
// no one story's phase (story_of_title says -1).
bool another_story_at(std::string_view t, std::size_t k) {
  const std::size_t start = k;
  while (k < t.size() && is_space(t[k])) ++k;
  std::size_t n = 0;
  bool dash = false;
  if (is_dash_at(t, k, &n)) dash = true;
  else if (k < t.size() && (t[k] == ',' || t[k] == '/' || t[k] == '&' || t[k] == '+' || t[k] == '~')) n = 1;
  else if (starts_with(t.substr(k), "\u3001") || starts_with(t.substr(k), "\uff0c")) n = 3;  // 、 ，
  else if (istarts_with(t.substr(k), "and ")) n = 4;
  else return false;
  k += n;
  while (k < t.size() && is_space(t[k])) ++k;
  if (story_letters(t.substr(k)) && k + 2 < t.size() && is_digit(t[k + 2])) return true;
  // A bare number after `&`, `,`, `and`, or glued to a dash (`US1-3`; not `1 - 2FA`).
  return k < t.size() && is_digit(t[k]) && (!dash || (k == start + n));
}

// The user story a heading names: "User Story 3", "Story 3", "US3", "US-3", "US 3" (in
// Spanish and Portuguese "Historia de usuario 3", "HU3"); 0 for none, -1 for several
// (`US1-US3`, `US1, US2`).
int story_of_title(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool word_start = i == 0 || !is_alnum(t[i - 1]);
    if (!word_start) continue;
    std::size_t j = i;
    if (istarts_with(t.substr(i), "user story")) j = i + 10;
    else if (istarts_with(t.substr(i), "story")) j = i + 5;
    else if (istarts_with(t.substr(i), "historia de usuario")) j = i + 19;
    else if (istarts_with(t.substr(i), "hist\xC3\xB3ria de usu\xC3\xA1rio")) j = i + 21;  // história de usuário
    else if (story_letters(t.substr(i))) j = i + 2;
    else continue;
    if (j < t.size() && (t[j] == ' ' || t[j] == '-' || t[j] == '#')) ++j;
    if (j < t.size() && is_digit(t[j])) {
      std::size_t k = j;
      int v = read_int(t, k);
      if (k >= t.size() || !is_alpha(t[k])) return another_story_at(t, k) ? -1 : v;
    }
  }
  return 0;
}

// A story phase's label as its tasks write it: a prefixed one in its title (`User Story
// AUTH-US1`: `AUTH-US1`), `HU<story>` where the title writes that, else `US<story>`.
std::string story_label_of_title(std::string_view t, int story) {
  // `User Story 3-b`, `US3-b`: a story of its own beside US3, written `[US3-b]` by its tasks.
  const std::string n = std::to_string(story);
  for (std::size_t at = t.find(n + "-"); at != std::string_view::npos; at = t.find(n + "-", at + 1)) {
    const std::size_t end = at + n.size() + 1;
    if (at == 0 || is_digit(t[at - 1]) || end >= t.size() || !is_alpha(t[end]) ||
        (end + 1 < t.size() && is_alnum(t[end + 1])))
      continue;
    const std::string_view before = trim(t.substr(0, at));
    if (before.ends_with("Story") || before.ends_with("story") || before.ends_with("US") || before.ends_with("HU"))
      return std::string(before.ends_with("HU") ? "HU" : "US") + n + "-" + std::string(1, t[end]);
  }
  for (std::size_t at = t.find("-US"); at != std::string_view::npos; at = t.find("-US", at + 1)) {
    std::size_t b = at, e = at + 3;
    while (b > 0 && is_upper(t[b - 1])) --b;
    while (e < t.size() && is_digit(t[e])) ++e;
    if (b < at && e > at + 3 && (b == 0 || !is_alnum(t[b - 1])) && (e == t.size() || !is_alnum(t[e])))
      return std::string(t.substr(b, e - b));
  }
  const std::string hu = "HU" + std::to_string(story);
  for (std::size_t at = t.find(hu); at != std::string_view::npos; at = t.find(hu, at + 1))
    if ((at == 0 || !is_alnum(t[at - 1])) && (at + hu.size() == t.size() || !is_alnum(t[at + hu.size()]))) return hu;
  return "US" + std::to_string(story);
}

std::string priority_of_title(std::string_view t) {
  // "Priority: P1" in English and as other languages write it (Prioridad, Prioridade,
  // Priorität, Priorité, Priorità, 优先级, 優先度, 우선순위), a colon ASCII or full-width.
  static constexpr std::string_view words[] = {"priority",          "prioridade",        "prioridad",
                                               "priorit\xc3\xa4t",  "priorit\xc3\xa9",   "priorit\xc3\xa0",
                                               "\xe4\xbc\x98\xe5\x85\x88\xe7\xba\xa7", "\xe5\x84\xaa\xe5\x85\x88\xe5\xba\xa6",
                                               "\xec\x9a\xb0\xec\x84\xa0\xec\x88\x9c\xec\x9c\x84"};
  for (std::string_view w : words) {
    const std::size_t p = ifind(t, w);
    if (p == std::string_view::npos) continue;
    std::size_t i = p + w.size();
    for (;;) {
      if (i < t.size() && (is_space(t[i]) || t[i] == ':' || t[i] == '*')) ++i;
      else if (t.substr(i, 3) == "\xef\xbc\x9a") i += 3;  // ：
      else break;
    }
    if (i + 1 < t.size() && t[i] == 'P' && is_digit(t[i + 1])) {
      std::size_t k = i + 1;
      read_int(t, k);
      return std::string(t.substr(i, k - i));
    }
  }
  for (std::size_t i = 0; i + 3 < t.size(); ++i) {
    if ((t[i] == '(' || t[i] == '[') && t[i + 1] == 'P' && is_digit(t[i + 2])) {
      std::size_t k = i + 2;
      read_int(t, k);
      if (k < t.size() && (t[k] == ')' || t[k] == ']')) return std::string(t.substr(i + 1, k - i - 1));
    }
  }
  return {};
}

std::string number_of_title(std::string_view t) {
  static constexpr std::string_view words[] = {"phase", "stage", "milestone", "epic", "sprint", "part", "wave"};
  for (auto w : words) {
    if (!istarts_with(t, w)) continue;
    std::size_t i = w.size();
    if (i >= t.size() || !is_space(t[i])) continue;
    while (i < t.size() && is_space(t[i])) ++i;
    std::size_t k = i;
    while (k < t.size() && (is_alnum(t[k]) || (t[k] == '.' && k + 1 < t.size() && is_alnum(t[k + 1])))) ++k;
    if (k > i && k - i <= 12) return std::string(t.substr(i, k - i));
  }
  return {};
}

PhaseKind kind_of_title(std::string_view title, int story) {
  const LowerCopy lower(title);
  const std::string_view t = lower.view();
  if (story > 0) return PhaseKind::user_story;
  static constexpr WordSet<8> setup({"setup", "set up", "set-up", "scaffold", "initializ", "initialis",
                                     "bootstrap", "preparation"});
  // (German `Fundament`, Portuguese `Fundação`; "blocks all User Stories", `blockiert alle`,
  // `bloquea todas`, `bloqueia todas`, `bloque toutes`.)
  // ("Unblocks everything" is not one: a word before them.)
  static constexpr WordSet<14> found({"foundation", "prerequisite", "blocking", "infrastructure", "fundament",
                                      "funda\xC3\xA7\xC3\xA3o", " blocks all", "(blocks all", " blocks every",
                                      "(blocks every", "blockiert alle", " bloquea todas", " bloqueia todas",
                                      " bloque toutes"});
  static constexpr WordSet<7> polish({"polish", "cross-cutting", "cross cutting", "cleanup", "clean-up",
                                      "final", "hardening"});
  // A title that names the phase's kind and mentions stories is of that kind:
  // "Foundational (모든 User Story 선행 조건)" is what every story waits for.
  if (setup.found_in(t)) return PhaseKind::setup;
  if (found.found_in(t)) return PhaseKind::foundational;
  if (polish.found_in(t)) return PhaseKind::polish;
  // A phase of stories (`User Stories`), not one all of them share ("Core types shared by
  // all user stories").
  static constexpr WordSet<11> all({"all ", "every ", "alle ", "todas ", "todos ", "toutes ", "tous ", "\xEB\xAA\xA8\xEB\x93\xA0",
                                    "\xE6\x89\x80\xE6\x9C\x89", "\xE3\x81\x99\xE3\x81\xB9\xE3\x81\xA6", "\xE5\x85\xA8\xE3\x81\xA6"});  // 모든 所有 すべて 全て
  if (story == 0 && contains(t, "user stor") && !all.found_in(t)) return PhaseKind::user_story;
  return PhaseKind::other;
}

// The head of a task: optional bold, the ID, separators, and the run of labels.
struct Head {
  std::string_view id;
  std::size_t rest = 0;          // where the description starts
  std::size_t first_len = 0;     // a range (`T030-T038`): the length of its first ID; else 0
  std::size_t last_at = 0;       // and where its last ID starts
  bool parallel = false;
  int story = 0;
  std::string_view story_label;
  std::vector<std::string> more_stories;   // the other stories it names, after the first
  std::string_view priority;
  std::vector<std::string_view> labels;
  std::vector<std::string_view> depends;   // contents of [depends:…] labels
  std::string_view open_emph;              // an emphasis opened before the ID, still open after the head
};

// The emphasis run that opens `s` before an ID or a task word: `**`, `__`, or one `*` or
// `_` glued to what follows (`*T004*`, `_Task 1.3_`). Empty if none.
std::string_view opening_emphasis(std::string_view s) {
  if (starts_with(s, "**") || starts_with(s, "__")) return s.substr(0, 2);
  if (s.size() > 1 && (s[0] == '*' || s[0] == '_') && (is_alnum(s[1]) || static_cast<unsigned char>(s[1]) >= 0x80))
    return s.substr(0, 1);  // (`*任务 1.1*` too)
  return {};
}

bool is_story_label(std::string_view c, int* story) {
  if (starts_with(c, "HU")) {
    // `[HU1]`, `[HU-1]`: a historia de usuario (Spanish, Portuguese); numbered only.
    std::size_t i = 2 + (c.size() > 2 && c[2] == '-');
    std::size_t k = i;
    if (k >= c.size() || !is_digit(c[k])) return false;
    *story = read_int(c, k);
    return k == c.size() && *story > 0;
  }
  if (!starts_with(c, "US")) {
    // `[AUTH-US1]`, `[TASK-US1]`: a prefix of letters names a set of stories of its own
    // (the phases `User Story AUTH-US1 …`); the label is the whole of it.
    std::size_t i = 0;
    while (i < c.size() && is_upper(c[i]) && i < 12) ++i;
    return i > 0 && i + 3 < c.size() && c[i] == '-' && c.compare(i + 1, 2, "US") == 0 && is_digit(c[i + 3]) &&
           is_story_label(c.substr(i + 1), story) && *story > 0;
  }
  std::size_t i = 2;
  if (i == c.size()) { *story = 0; return true; }
  // `[USUS1]`: a generator pasted "US" before a story ID that already had it.
  if (c.size() > 4 && c.compare(2, 2, "US") == 0 && is_digit(c[4])) i = 4;
  if (c[i] == '-' || c[i] == '#') ++i;
  if (i < c.size() && is_digit(c[i])) {
    std::size_t k = i;
    *story = read_int(c, k);
    while (k < c.size() && (is_alnum(c[k]) || c[k] == '-')) ++k;
    return k == c.size();
  }
  // `US-X`, the template's placeholder.
  *story = 0;
  return i < c.size() && c.size() - i <= 2 && is_upper(c[i]);
}

// The stories a label names when it names more than one: `US1, US2`, `US1,US2,US3`,
// `US1/US3`, `US1+US2`, `US1 & US2`, or the range `US1-US7` (`US1-7`). Appends their labels
// in order, a range's each, and returns true; false (nothing appended) when `c` names one
// story or is not a list of numbered stories.
bool story_list(std::string_view c, std::vector<std::string>& out) {
  const std::size_t first = out.size();
  const auto fail = [&] { out.resize(first); return false; };
  std::size_t i = 0;
  while (i < c.size()) {
    std::size_t e = i;
    while (e < c.size() && c[e] != ',' && c[e] != '/' && c[e] != '+' && c[e] != '&') ++e;
    const std::string_view part = trim(c.substr(i, e - i));
    int story = 0;
    // A range: a numbered story, a dash, then the last story's number with or without
    // the first's letters.
    std::size_t d = 0;
    while (d < part.size() && !is_digit(part[d])) ++d;
    std::size_t k = d;
    (void)read_int(part, k);
    const std::string_view letters = part.substr(0, d);
    if (d > 0 && k < part.size() && part[k] == '-' && k + 1 < part.size()) {
      std::size_t m = k + 1;
      if (part.compare(m, letters.size(), letters) == 0) m += letters.size();
      std::size_t n = m;
      const int last = read_int(part, n);
      if (n > m && n == part.size() && is_story_label(part.substr(0, k), &story) && story > 0 && last > story &&
          last - story < 64) {
        out.emplace_back(part.substr(0, k));
        for (int v = story + 1; v <= last; ++v) out.push_back(std::string(letters) + std::to_string(v));
        i = e + 1;
        continue;
      }
    }
    if (part.empty() || !is_story_label(part, &story) || story <= 0) return fail();
    out.emplace_back(part);
    i = e + 1;
  }
  if (out.size() - first < 2) return fail();
  return true;
}

// Records a story label `c` on `h`: the first story named is the task's story, the rest
// (`[US1] [US2]`, `[US1, US2]`) its other stories. Returns whether `c` names stories.
bool add_story(Head& h, std::string_view c) {
  const auto note = [&](std::string_view label, int story) {
    if (h.story_label.empty()) {
      h.story = story;
      h.story_label = label;
    } else if (label != h.story_label &&
               std::find(h.more_stories.begin(), h.more_stories.end(), label) == h.more_stories.end()) {
      h.more_stories.emplace_back(label);
    }
  };
  int story = 0;
  if (c.find_first_of(",/+&-") != std::string_view::npos) {
    std::vector<std::string> many;
    if (story_list(c, many)) {
      // The first is where the label starts: a view into the line, as a lone label is.
      is_story_label(many[0], &story);
      note(c.substr(0, many[0].size()), story);
      for (std::size_t k = 1; k < many.size(); ++k) {
        is_story_label(many[k], &story);
        note(many[k], story);
      }
      return true;
    }
  }
  if (!is_story_label(c, &story)) return false;
  note(c, story);
  return true;
}

// The length of the task ID at `s[i]`, or 0: `**P1**: high priority` and `US1` are
// priorities and stories, never task IDs.
// Nor is a word that runs on into kana, an ideograph or hangul (`H3制約実装`, "implement the
// H3 constraint": a checklist of constraints, not tasks H2–H6); punctuation after it
// (`T001：`, `T001（`, `T001、`) leaves it an ID.
std::size_t head_id(std::string_view s, std::size_t i) {
  const std::size_t n = match_id(s.substr(i));
  if (n == 0) return 0;
  if ((s[i] == 'P' && n <= 3 && is_digit(s[i + 1])) || (s[i] == 'U' && s[i + 1] == 'S')) return 0;
  if (const std::size_t e = i + n; e + 1 < s.size()) {
    const auto lead = static_cast<unsigned char>(s[e]), next = static_cast<unsigned char>(s[e + 1]);
    const bool middle_dot = s.compare(e, 3, "\xE3\x83\xBB") == 0;  // `T001・T002`: a list
    if (((lead == 0xE3 && next >= 0x81) || (lead >= 0xE4 && lead <= 0xED)) && !middle_dot) return 0;
  }
  return n;
}

// `[PR-001]`: an ID in brackets, as the template's `[ID]` shows it; its length, or 0.
std::size_t bracketed_id(std::string_view s) {
  if (s.size() < 3 || s[0] != '[') return 0;
  const std::size_t n = head_id(s, 1);
  return n > 0 && 1 + n < s.size() && s[1 + n] == ']' ? n : 0;
}

// Whether `s` (the text after a checkbox or a bullet) starts a task: an ID, maybe bold.
bool starts_task(std::string_view s) {
  if (!s.empty() && s[0] == '[') return bracketed_id(s) > 0;
  return head_id(s, starts_with(s, "**") ? 2 : 0) > 0;
}

// The ID a task line's text starts with (`T005`, `**T005**`, `[T005]`), or empty.
std::string_view task_id_of(std::string_view s) {
  if (!s.empty() && s[0] == '[') return s.substr(1, bracketed_id(s));
  const std::size_t off = starts_with(s, "**") ? 2 : 0;
  return s.substr(off, head_id(s, off));
}

// Two tasks of one family (`### T005` then `- **T006**`): neither holds the other, as a
// section holds its sub-tasks (`### T005` over `T005.1` or `T005a`; `### 2.1` over `T009`).
bool peer_ids(std::string_view a, std::string_view b) {
  return !a.empty() && !b.empty() && id_shape(a) == id_shape(b) && !starts_with(a, b) && !starts_with(b, a);
}

// A check mark a line ends with (`#### T001 Create config script ✅`): ✅ ✔ ☑.
bool ends_with_check(std::string_view s) {
  s = trim_right(s);
  if (s.size() >= 3 && (s.ends_with("\xEF\xB8\x8F") || s.ends_with("\xEF\xB8\x8E"))) s.remove_suffix(3);  // VS16, VS15
  return s.size() >= 3 && (s.ends_with("\xE2\x9C\x85") || s.ends_with("\xE2\x9C\x94") || s.ends_with("\xE2\x98\x91"));
}

// A heading that ends in a check mark and a done word, as agents mark what they finished:
// `### Task 1: Setup ✅ COMPLETE`, `✅ **DONE**`, `✅ Completed (2026-01-28)`. Not a check
// mark before the title's words (`### T001 ✅ Add the form`).
bool ends_with_done_check(std::string_view s) {
  // ✅ ✔ ☑ all start with the byte E2, which most text holds none of: rfind compares at
  // every byte, and this runs on every task.
  if (s.empty() || std::memchr(s.data(), 0xE2, s.size()) == nullptr) return false;
  s = trim_right(s);
  std::size_t m = std::string_view::npos;
  for (std::string_view mark : {"\xE2\x9C\x85", "\xE2\x9C\x94", "\xE2\x98\x91"})
    if (const std::size_t at = s.rfind(mark); at != std::string_view::npos && (m == std::string_view::npos || at > m)) m = at;
  if (m == std::string_view::npos) return false;
  std::string_view rest = s.substr(m + 3);
  if (starts_with(rest, "\xEF\xB8\x8F") || starts_with(rest, "\xEF\xB8\x8E")) rest.remove_prefix(3);
  const auto strip = [](std::string_view v) {
    v = trim(v);
    while (!v.empty() && (v.front() == '*' || v.front() == '_')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '*' || v.back() == '_')) v.remove_suffix(1);
    return trim(v);
  };
  rest = strip(rest);
  std::size_t n = 0;
  while (n < rest.size() && is_alpha(rest[n])) ++n;
  const std::string_view w = rest.substr(0, n);
  bool done = false;
  for (std::string_view d : {"complete", "completed", "done", "finished"}) done = done || (w.size() == d.size() && istarts_with(w, d));
  if (!done) return false;
  const std::string_view after = strip(rest.substr(n));
  return after.empty() || (after.front() == '(' && after.back() == ')') ||
         std::all_of(after.begin(), after.end(), [](char c) { return is_digit(c) || c == '-' || c == '/' || is_space(c); });
}

// The aside that ends a task's text, `（…）` or `(…)`: where it starts (npos if none) and its
// words, trimmed of spaces and emphasis.
std::pair<std::size_t, std::string_view> trailing_aside(std::string_view d) {
  d = trim_right(d);
  for (const auto& [open, close] : {std::pair<std::string_view, std::string_view>{"\xEF\xBC\x88", "\xEF\xBC\x89"},
                                    std::pair<std::string_view, std::string_view>{"(", ")"}}) {
    if (!d.ends_with(close)) continue;
    const std::size_t k = d.rfind(open);
    if (k == std::string_view::npos) continue;
    std::string_view w = d.substr(k + open.size(), d.size() - close.size() - k - open.size());
    while (!w.empty() && (w.front() == '*' || w.front() == '_' || is_space(w.front()))) w.remove_prefix(1);
    while (!w.empty() && (w.back() == '*' || w.back() == '_' || is_space(w.back()))) w.remove_suffix(1);
    return {k, w};
  }
  return {std::string_view::npos, {}};
}

// The end of an open box's text that says the task is done (`…を作成（完了済み）`, `… (done)`,
// `… ✅`, `… ✅ COMPLETE`): the box is its state, so it runs; the words are shown in a
// warning. Empty when it says no such thing.
std::string_view says_done_in_words(std::string_view d) {
  d = trim_right(d);
  if (ends_with_check(d) || ends_with_done_check(d)) {
    std::size_t m = 0;
    for (std::string_view mark : {"\xE2\x9C\x85", "\xE2\x9C\x94", "\xE2\x98\x91"})
      if (const std::size_t at = d.rfind(mark); at != std::string_view::npos) m = std::max(m, at);
    return d.substr(m);
  }
  const auto [k, w] = trailing_aside(d);
  if (k == std::string_view::npos) return {};
  for (std::string_view done : {"done", "complete", "completed", "finished", "implemented", "\xE5\xAE\x8C\xE4\xBA\x86",
                                "\xE5\xAE\x8C\xE4\xBA\x86\xE6\xB8\x88\xE3\x81\xBF", "\xE6\xB8\x88\xE3\x81\xBF",
                                "\xE5\xB7\xB2\xE5\xAE\x8C\xE6\x88\x90", "\xE5\xAE\x8C\xE6\x88\x90",
                                "\xEC\x99\x84\xEB\xA3\x8C", "\xEC\x99\x84\xEB\xA3\x8C\xEB\x90\xA8"})
    if (w.size() == done.size() && (is_alpha(done[0]) ? istarts_with(w, done) : w == done)) return d.substr(k);
  return {};
}

// Whether a task's text ends pointing back at where it is declared: `…（見上方 Agent Runtime
// 區）` ("see above, the Agent Runtime section"), `(see above)`, `（上記参照）`, `(위 참조)`.
bool says_see_above(std::string_view d) {
  const auto [k, w] = trailing_aside(d);
  if (k == std::string_view::npos) return false;
  for (std::string_view back : {"\xE8\xA6\x8B\xE4\xB8\x8A\xE6\x96\xB9", "\xE8\xA7\x81\xE4\xB8\x8A\xE6\x96\xB9",  // 見上方 见上方
                                "\xE5\x8F\x83\xE8\xA6\x8B\xE4\xB8\x8A", "\xE5\x8F\x82\xE8\xA7\x81\xE4\xB8\x8A",  // 參見上 参见上
                                "\xE4\xB8\x8A\xE8\xA8\x98\xE5\x8F\x82\xE7\x85\xA7",                              // 上記参照
                                "\xEC\x9C\x84 \xEC\xB0\xB8\xEC\xA1\xB0", "see above", "as above"})                   // 위 참조
    if (is_alpha(back[0]) ? istarts_with(w, back) : starts_with(w, back)) return true;
  return false;
}

// Whether `w` is a word that withdraws a task from the plan: SKIPPED, DEFERRED, CANCELLED …
// (`label`: as a label, where `[N/A]` and `[DROPPED]` say so too).
bool withdrawal_word(std::string_view w, bool label) {
  for (std::string_view d : {"skipped", "deferred", "cancelled", "canceled", "wontfix", "obsolete", "n/a", "dropped"}) {
    if (!label && (d == "n/a" || d == "dropped")) break;
    if (w.size() == d.size() && istarts_with(w, d)) return true;
  }
  return false;
}

// A Status value that takes the task out of the plan (`Cancelled`, `❌ SKIPPED`, `Deferred
// (v2)`, `Cancelado`, `Annulé`, `Отменено`, `已取消`): its first word, marks and emphasis
// aside. Such a task is not run, as `[~]` is not.
bool status_withdrawn(std::string_view v) {
  std::size_t i = 0;
  // ❌ ⏭ (E2 …), 🚫 (F0 …) and VS16 before the word.
  for (;;) {
    const auto c = i < v.size() ? static_cast<unsigned char>(v[i]) : 0;
    if (c == '*' || c == '_' || (c != 0 && is_space(v[i]))) ++i;
    else if (c == 0xE2 || (c == 0xEF && v.compare(i, 3, "\xEF\xB8\x8F") == 0)) i += 3;
    else if (c == 0xF0) i += 4;
    else break;
  }
  v = v.substr(std::min(i, v.size()));
  std::size_t n = 0;
  while (n < v.size() && !is_space(v[n]) && v[n] != '(' && v[n] != ':' && v[n] != ',' && v[n] != '*' && v[n] != '.') ++n;
  const std::string_view w = v.substr(0, n);
  if (withdrawal_word(w, true)) return true;
  for (std::string_view x : {"cancelado", "cancelada", "annul\xC3\xA9", "annul\xC3\xA9" "e", "annullato", "annullata",
                             "abgebrochen", "\xD0\xBE\xD1\x82\xD0\xBC\xD0\xB5\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE",
                             "\xD0\x9E\xD1\x82\xD0\xBC\xD0\xB5\xD0\xBD\xD0\xB5\xD0\xBD\xD0\xBE",  // отменено, Отменено
                             "\xE5\xB7\xB2\xE5\x8F\x96\xE6\xB6\x88", "\xE5\x8F\x96\xE6\xB6\x88",  // 已取消, 取消
                             "\xE3\x82\xAD\xE3\x83\xA3\xE3\x83\xB3\xE3\x82\xBB\xE3\x83\xAB", "\xEC\xB7\xA8\xEC\x86\x8C"})  // キャンセル, 취소
    if (w.size() == x.size() && istarts_with(w, x)) return true;
  return false;
}

// A pending task its author took out of the plan without a mark of its own: a label
// (`- [ ] T005 [DEFERRED] migration …`), a shouted word ending it (`… for demo - SKIPPED`,
// `… (SKIPPED - covered by tests)`, `… **CANCELLED**`), or its words struck through
// (`- [ ] T104 ~~Publish to npm~~`). Not a word in the text (`display "Deletion
// cancelled"`), nor one in lower case at its end (`… (skipped)` may name skipped tests).
bool withdrawn(const Task& t) {
  for (const std::string& c : t.labels)
    if (withdrawal_word(trim(std::string_view(c)), true)) return true;
  std::string_view d = trim(std::string_view(t.description));
  if (d.size() > 4 && starts_with(d, "~~") && d.ends_with("~~") && d.find("~~", 2) == d.size() - 2) return true;
  // Its title struck through, then why (`~~Implement downloadFile~~ → BLOCKED by T-SB04`,
  // `~~Add OS notification~~ — DEFERRED post-MVP`); not a title that goes on after a
  // struck word (`~~Add X~~ Add Y`).
  if (const std::size_t close = starts_with(d, "~~") ? d.find("~~", 2) : std::string_view::npos;
      close != std::string_view::npos && close > 2) {
    const std::string_view why = trim(d.substr(close + 2));
    std::size_t dl = 0;
    if (starts_with(why, "\xE2\x86\x92") || starts_with(why, "->") || starts_with(why, "(") || starts_with(why, ":") ||
        (is_dash_at(why, 0, &dl) && dl < why.size() && is_space(why[dl])))
      return true;
  }
  // Marked as held by something outside the plan: `⛔ BLOQUEADA (DEP-4) …` (a legend
  // saying such tasks do not start), `BLOCKED (vendor API) …`; not `BLOCKED by T004`, a
  // dependency.
  if (starts_with(d, "\xE2\x9B\x94")) return true;  // ⛔
  {
    std::size_t n = 0;
    while (n < d.size() && (is_upper(d[n]) || static_cast<unsigned char>(d[n]) >= 0x80)) ++n;
    const std::string_view w = d.substr(0, n);
    const std::string_view rest = trim(d.substr(n));
    for (std::string_view b : {"BLOCKED", "BLOQUEADA", "BLOQUEADO", "BLOQU\xC3\x89", "BLOQU\xC3\x89" "E"})
      if (w == b && (rest.empty() || rest.front() == '(' || rest.front() == ':' || rest.front() == '-' ||
                     starts_with(rest, "\xE2\x80\x94")))
        return true;
  }
  // A clause that ends the task: after " - ", " — ", "(" or "[", in bold or not, its first
  // word in capitals, then nothing but a closing bracket or a reason.
  const auto ends_it = [&](std::size_t at) {
    std::string_view clause = d.substr(at);
    while (!clause.empty() && (clause.front() == '*' || clause.front() == '_' || is_space(clause.front()))) clause.remove_prefix(1);
    std::size_t n = 0;
    while (n < clause.size() && (is_alpha(clause[n]) || clause[n] == '/')) ++n;
    const std::string_view w = clause.substr(0, n);
    if (!withdrawal_word(w, false) || std::any_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) return false;
    std::string_view rest = clause.substr(n);
    while (!rest.empty() && (rest.front() == '*' || rest.front() == '_' || is_space(rest.front()))) rest.remove_prefix(1);
    if (rest.empty() || rest.front() == ':' || rest.front() == '-' || starts_with(rest, "\xE2\x80\x94")) return true;
    if (rest.front() != ')' && rest.front() != ']') return false;
    rest.remove_prefix(1);
    return std::all_of(rest.begin(), rest.end(), [](char c) { return c == '.' || c == '*' || c == '_' || is_space(c); });
  };
  // (Only where the text holds such a word in capitals, seven letters at least: most
  // text does not, and the clauses are looked for at every space.)
  const auto shouts = [](std::string_view v) {
    for (std::size_t i = 0, run = 0; i < v.size(); ++i)
      if ((run = v[i] >= 'A' && v[i] <= 'Z' ? run + 1 : 0) >= 7) return true;
    return false;
  };
  if (shouts(d))
    for (std::string_view sep : {" - ", " \xE2\x80\x94 ", " \xE2\x80\x93 ", "(", "["})
      for (std::size_t k = d.find(sep); k != std::string_view::npos; k = d.find(sep, k + 1))
        if (ends_it(k + sep.size())) return true;
  // An aside ending it in Chinese, Japanese or Korean whose first word sets it aside, alone
  // or before why: `（跳过：时间限制，可手动测试替代）`, `(スキップ)`, `（취소됨）`. Not a word
  // that goes on (`（跳过测试）`, skip the tests; `(取消按钮)`, the cancel button).
  if (!d.ends_with(")") && !d.ends_with("\xEF\xBC\x89")) return false;  // (rfind compares at every byte)
  for (std::string_view open : {"\xEF\xBC\x88", "("}) {  // （ (
    const std::size_t k = d.rfind(open);
    if (k == std::string_view::npos) continue;
    std::string_view clause = d.substr(k + open.size());
    if (!clause.ends_with("\xEF\xBC\x89") && !clause.ends_with(")")) continue;  // ） )
    while (!clause.empty() && (clause.front() == '*' || clause.front() == '_' || is_space(clause.front()))) clause.remove_prefix(1);
    for (std::string_view w : {"已跳过", "已跳過", "跳过", "跳過", "暂缓", "暫緩", "已取消", "取消", "已废弃", "废弃", "廢棄",
                               "スキップ", "見送り", "中止", "건너뜀", "생략", "취소됨", "취소", "보류"}) {
      if (!starts_with(clause, w)) continue;
      const std::string_view rest = clause.substr(w.size());
      for (std::string_view after : {"\xEF\xBC\x9A", ":", "\xEF\xBC\x89", ")", "\xEF\xBC\x8C", ",", " ", "\xE3\x80\x81", "-", "*"})
        if (starts_with(rest, after)) return true;  // ： : ） ) ， , space 、 - *
      break;
    }
  }
  return false;
}

// A section of tasks kept for later, outside this plan: `## Backlog (candidates for spec
// 002+)`, `## Future Enhancements`, `## Out of Scope`, `## Icebox`, `## Post-MVP`. Its
// title starts so (not `## Phase 6: Future-proofing`, a phase of work).
bool set_aside_section(std::string_view title) {
  std::string_view t = title;
  while (!t.empty() && (static_cast<unsigned char>(t.front()) >= 0x80 || t.front() == '*' || t.front() == '_' || is_space(t.front())))
    t.remove_prefix(1);  // an emoji, emphasis
  for (std::string_view w : {"backlog", "future enhancements", "future work", "future tasks", "future ideas", "out of scope",
                             "out-of-scope", "icebox", "post-mvp", "post mvp", "parking lot", "not in scope", "deferred tasks"})
    if (istarts_with(t, w) && (t.size() == w.size() || !is_alpha(t[w.size()]))) return true;
  return false;
}

// A table cell or a word without its emphasis: `**Status**` → `Status`.
std::string_view trim_emphasis(std::string_view s) {
  s = trim(s);
  while (!s.empty() && (s.front() == '*' || s.front() == '_' || s.front() == '`')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '*' || s.back() == '_' || s.back() == '`')) s.remove_suffix(1);
  return trim(s);
}

// The words after a done word or a check mark that make it a condition or a readiness,
// not a state: `Complete when all items are checked`, `Done criteria: …`, `✅ Ready to
// start`, `✅ Ready for implementation`.
bool says_not_yet(std::string_view rest) {
  const auto word = [&rest]() {
    while (!rest.empty() && (is_space(rest.front()) || rest.front() == '*' || rest.front() == '_')) rest.remove_prefix(1);
    std::size_t n = 0;
    while (n < rest.size() && is_alpha(rest[n])) ++n;
    const std::string_view w = rest.substr(0, n);
    rest.remove_prefix(n);
    return w;
  };
  const std::string_view w = word();
  for (std::string_view c : {"when", "once", "after", "if", "until", "criteria", "not", "pending"})
    if (w.size() == c.size() && istarts_with(w, c)) return true;
  if (w.size() != 5 || !istarts_with(w, "ready")) return false;
  const std::string_view prep = word();
  const std::string_view what = word();
  if (prep.size() == 2 && istarts_with(prep, "to"))
    for (std::string_view c : {"start", "begin", "implement", "proceed", "work", "develop"})
      if (what.size() == c.size() && istarts_with(what, c)) return true;
  if (prep.size() == 3 && istarts_with(prep, "for"))
    for (std::string_view c : {"implementation", "development", "work"})
      if (what.size() == c.size() && istarts_with(what, c)) return true;
  return false;
}

// A status that says done: `COMPLETED`, `✅ COMPLETE (2026-01-01)`, `done`, `finished`;
// not `Complete when …` or `✅ Ready to start`.
bool says_done(std::string_view v) {
  for (std::string_view mark : {"\xE2\x9C\x85", "\xE2\x9C\x94", "\xE2\x98\x91"})
    if (starts_with(v, mark)) {
      std::string_view rest = v.substr(mark.size());
      if (starts_with(rest, "\xEF\xB8\x8F")) rest.remove_prefix(3);  // VS16
      return !says_not_yet(rest);
    }
  for (std::string_view w : {"complete", "done", "finished", "[x]"})
    if (istarts_with(v, w) && (v.size() == w.size() || !is_alpha(v[w.size()]) || w == "complete")) {
      std::size_t n = w.size();
      while (n < v.size() && is_alpha(v[n])) ++n;  // `Completed`
      return !says_not_yet(v.substr(n));
    }
  // In the languages of a localized label (status_label): `已完成`, `完了`, `완료`,
  // `Completado`, `Concluído`, `Terminé`, `Выполнено`, as a word of its own: not `未完成`
  // or `미완료` (not done), which do not start so, nor `完成度 50%` or `完了予定` (how far,
  // when), whose word goes on.
  const auto word_ends = [](std::string_view rest) {
    if (rest.empty()) return true;
    const auto c = static_cast<unsigned char>(rest[0]);
    if (c < 0x80) return !is_alpha(rest[0]);
    if (c == 0xC3 || c == 0xD0 || c == 0xD1) return false;   // Latin-1 or Cyrillic letters
    if (c == 0xE3) return static_cast<unsigned char>(rest.size() > 1 ? rest[1] : 0) == 0x80;  // 、。「 but no kana
    return c < 0xE4 || c > 0xED;                             // no ideograph or hangul
  };
  for (std::string_view w : {"已完成", "已完結", "完成了", "完成", "完了済み", "完了済", "完了", "済み", "완료", "completado",
                             "completada", "concluído", "concluido", "concluída", "terminé", "terminée", "terminado",
                             "hecho", "fait", "fatto", "completato", "выполнено", "готово", "завершено", "Выполнено",
                             "Готово", "Завершено", "feito", "erledigt", "fertig", "gotowe", "zrobione", "ukończone",
                             "tamamlandı", "selesai", "finalizado", "finalizada", "completo",
                             "completata", "terminato", "terminata", "concluso", "conclusa"})
    if (istarts_with(v, w) && word_ends(v.substr(w.size()))) {
      // `완료 예정`, `完了 予定`: planned, not done.
      const std::string_view next = trim(v.substr(w.size()));
      for (std::string_view p : {"예정", "予定", "预定", "預定", "预计", "預計"})
        if (starts_with(next, p)) return false;
      return true;
    }
  return false;
}

// A Status value that is a state not done, whole (`❌ Not Started`, `Todo`, `⏳ In
// Progress`, `Blocked`): one flow may write over. Not a note (`Not Started (blocked on
// infra)`), a condition, or something else named Status (`201 Created`).
bool says_not_done(std::string_view v) {
  // In another language (`待完成`, `진행 중`, `en cours`), after an emoji if any.
  std::size_t e = 0;
  for (;;) {  // ⏳ 🔄 ❌ (U+2000–U+2BFF, U+1Fxxx) and VS16, not the word's own letters
    const auto c = e < v.size() ? static_cast<unsigned char>(v[e]) : 0;
    if (c != 0 && is_space(v[e])) ++e;
    else if (c == 0xE2 && e + 3 <= v.size()) e += 3;
    else if (c == 0xF0 && e + 4 <= v.size()) e += 4;
    else if (c == 0xEF && v.compare(e, 3, "\xEF\xB8\x8F") == 0) e += 3;
    else break;
  }
  const std::string_view word = trim(v.substr(e));
  if (!word.empty() && word.size() <= 32) {
    const LowerCopy copy(word);
    for (std::string_view c : {"待完成", "未完成", "未开始", "未開始", "进行中", "進行中", "待办", "待辦", "未着手", "未完了",
                               "対応中", "作業中", "미완료", "미착수", "진행 중", "진행중", "대기", "pendiente", "pendente",
                               "en cours", "à faire", "À faire", "non commencé", "en progreso", "em andamento", "в работе", "не начато",
                               "Не начато", "В работе", "da fare", "in corso",
                               "a faire", "en attente", "por hacer", "no iniciado", "sin empezar", "sin iniciar", "en curso",
                               "a fazer", "não iniciado", "nao iniciado", "em progresso", "in attesa", "non iniziato",
                               "ожидает", "Ожидает", "к выполнению", "К выполнению"})
      if (copy.view() == c) return true;
  }
  std::size_t i = 0;
  while (i < v.size() && (static_cast<unsigned char>(v[i]) >= 0x80 || is_space(v[i]))) ++i;  // ❌ ⏳ 🔄 and the like
  const std::string_view w = trim(v.substr(i));
  if (w.empty() || w.size() > 32) return false;
  const LowerCopy copy(w);
  for (std::string_view c : {"not started", "not yet started", "pending", "todo", "to do", "to-do", "in progress",
                             "in-progress", "wip", "open", "planned", "ready", "ready to start", "ready for implementation",
                             "blocked", "incomplete", "not done", "not complete", "not completed", "started", "queued",
                             "backlog", "new", "tbd", "not yet", "on hold"})
    if (copy.view() == c) return true;
  return false;
}

// A status row's state, from its Status cell: done if it says so (says_done); pending if
// it is empty or says the work has not started (`Todo`, `Not started`, `⏳`, `⬜`, `❌ Pending`,
// `Todo ⏳`, `:hourglass:`); else other (`In Progress`, `Blocked`, `Cancelled`, `Done →
// Reopened`, a word flow does not know): a task someone holds or set aside, which a run
// leaves alone, as it does a `[~]` box. Marks before or after the words are the words'
// (`🟢 Done`, `🔄 In Progress`); a mark alone decides by itself.
TaskState row_state(std::string_view v) {
  v = trim_emphasis(v);
  // GitHub's shortcodes for the marks.
  for (const auto& [code, state] : {std::pair<std::string_view, TaskState>{":white_check_mark:", TaskState::done},
                                    {":heavy_check_mark:", TaskState::done}, {":ballot_box_with_check:", TaskState::done},
                                    {":hourglass:", TaskState::pending}, {":hourglass_flowing_sand:", TaskState::pending},
                                    {":white_large_square:", TaskState::pending}, {":x:", TaskState::pending}})
    if (v == code) return state;
  // The words between the marks around them.
  const auto mark_len = [](std::string_view r, std::size_t i) -> std::size_t {
    const auto c = static_cast<unsigned char>(r[i]);
    if (c == 0xE2 && i + 3 <= r.size()) return 3;
    if (c == 0xF0 && i + 4 <= r.size()) return 4;
    if (c == 0xEF && r.compare(i, 3, "\xEF\xB8\x8F") == 0) return 3;  // VS16
    return is_space(r[i]) ? 1 : 0;
  };
  std::string_view words = v;
  while (!words.empty()) {
    const std::size_t n = mark_len(words, 0);
    if (n == 0) break;
    words.remove_prefix(n);
  }
  for (bool cut = true; cut && !words.empty();) {
    cut = false;
    for (std::size_t n : {1, 3, 4})
      if (n <= words.size() && mark_len(words, words.size() - n) == n) {
        words.remove_suffix(n);
        cut = true;
        break;
      }
  }
  words = trim_emphasis(words);
  if (says_done(v) || (!words.empty() && says_done(words))) {
    // `Done → Reopened`, `Done (reverted)`, `Done? No`, `Done: 0/3`: not done.
    const LowerCopy lower(v);
    for (std::string_view w : {"\xE2\x86\x92", "->", "reopen", "revert", "redo", "undo", "?", "0/", "not "})
      if (lower.view().find(w) != std::string_view::npos) return TaskState::other;
    return TaskState::done;
  }
  if (v.empty() || v == "[ ]") return TaskState::pending;
  if (words.empty()) {  // a mark alone: ⏳ (pending, in the legends of such tables), ⬜, 🔲, ☐, ❌ (not done)
    std::string_view m = v.substr(0, std::min(v.size(), starts_with(v, "\xF0") ? std::size_t{4} : std::size_t{3}));
    for (std::string_view p : {"\xE2\x8F\xB3", "\xE2\xAC\x9C", "\xF0\x9F\x94\xB2", "\xE2\x98\x90", "\xE2\x9D\x8C"})
      if (m == p) return TaskState::pending;
    return TaskState::other;
  }
  if (words.size() > 32) return TaskState::other;
  const LowerCopy copy(words);
  for (std::string_view w : {"todo", "to do", "to-do", "pending", "not started", "not yet started", "open", "planned",
                             "backlog", "queued", "new", "tbd", "not done", "ready", "待完成", "未完成", "未开始",
                             "未開始", "待办", "待辦", "未着手", "未完了", "미완료", "미착수", "대기", "pendiente",
                             "pendente", "à faire", "non commencé", "не начато", "offen", "a fazer", "por hacer",
                             "por fazer", "da fare", "do zrobienia", "zu erledigen", "yapılacak", "belum", "未対応",
                             // (a capital outside ASCII stays as written: LowerCopy folds ASCII alone)
                             "À faire", "a faire", "en attente", "no iniciado", "sin empezar", "sin iniciar",
                             "não iniciado", "nao iniciado", "in attesa", "non iniziato", "Не начато", "ожидает",
                             "Ожидает", "к выполнению", "К выполнению"})
    if (copy.view() == w) return TaskState::pending;
  return TaskState::other;
}

// A task's own Status field (`**Status**: COMPLETED`, `Status: ✅ COMPLETE (2026-01-01)`,
// bullet already stripped): 1 if it says done, 0 if it says anything else, -1 if the line
// is not a Status field.
// The label of a Status field at the start of `s`: `Status`, or the word in Chinese,
// Japanese, Korean, Spanish, Portuguese, French, Italian or Russian (`**状态**: ✅ 已完成`);
// its bytes, or 0.
std::size_t status_label(std::string_view s) {
  for (std::string_view w : {"status", "状态", "狀態", "状態", "ステータス", "상태", "estado", "statut", "stato", "статус", "Статус"})
    if (istarts_with(s, w) && (s.size() == w.size() || !is_alpha(s[w.size()]))) return w.size();
  return 0;
}

int status_field(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == '*' || s[i] == '_')) ++i;
  const std::size_t label = status_label(s.substr(i));
  if (label == 0) return -1;
  i += label;
  while (i < s.size() && (s[i] == '*' || s[i] == '_' || is_space(s[i]))) ++i;
  if (s.compare(i, 3, "\xEF\xBC\x9A") == 0) i += 2;  // the full-width colon
  else if (i >= s.size() || s[i] != ':') return -1;
  ++i;
  while (i < s.size() && (s[i] == '*' || s[i] == '_' || is_space(s[i]))) ++i;
  return says_done(s.substr(i)) ? 1 : 0;
}

// The value of a Status field (`- **Status**: ❌ Not Started`, `Status: **Pending**`), where
// flow writes a heading task's state: after the colon, without the emphasis around it, up
// to the next field on its line (` | **Priority**: P1`, ` · Owner: …`, ` **Files**: …`)
// or a closing HTML comment; a view into `s`, empty when there is none.
std::string_view status_value(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == '*' || s[i] == '_')) ++i;
  const std::size_t opened = i;  // the label's emphasis: `**Status**:` or `**Status:**`
  i += status_label(s.substr(i));  // as status_field found it
  std::size_t closed = 0;
  while (i < s.size() && (s[i] == '*' || s[i] == '_' || is_space(s[i]))) closed += !is_space(s[i++]);
  if (s.compare(i, 3, "\xEF\xBC\x9A") == 0) i += 2;  // the full-width colon
  else if (i >= s.size() || s[i] != ':') return {};
  ++i;
  if (closed == 0)  // `**Status:**`: the label's emphasis closes after the colon
    for (std::size_t n = 0; n < opened && i < s.size() && (s[i] == '*' || s[i] == '_'); ++n) ++i;
  while (i < s.size() && is_space(s[i])) ++i;
  std::string_view v = s.substr(i);
  std::size_t end = v.size();
  if (const std::size_t c = v.find("<!--"); c != std::string_view::npos) end = c;
  // The next field on the line ends it: `|`, `·`, or another bold label (` **Files**:`;
  // ` **bold**` inside the value is the value's).
  for (std::size_t at = 0; at < end; ++at) {
    if (v[at] == '|' || v.compare(at, 2, "\xC2\xB7") == 0) {
      end = at;
      break;
    }
    if (at > 0 && is_space(v[at - 1]) && (v.compare(at, 2, "**") == 0 || v.compare(at, 2, "__") == 0)) {
      const std::size_t close = v.find(v.substr(at, 2), at + 2);
      if (close != std::string_view::npos && ((close + 2 < v.size() && v[close + 2] == ':') || v[close - 1] == ':')) {
        end = at;
        break;
      }
    }
  }
  v = trim_right(v.substr(0, end));
  // `**Pending**`: the text inside; `**Pending** (blocked)`: all of it.
  std::size_t open = 0, close = 0;
  while (open < v.size() && (v[open] == '*' || v[open] == '_')) ++open;
  while (close < v.size() - open && (v[v.size() - 1 - close] == '*' || v[v.size() - 1 - close] == '_')) ++close;
  if (open > 0 && open == close) return trim(v.substr(open, v.size() - 2 * open));
  // Emphasis that opens in it and closes outside (or the other way): not rewritten.
  std::size_t runs = 0;
  for (std::size_t k = 0; k < v.size(); ++k) runs += v[k] == '*' && (k == 0 || v[k - 1] != '*');
  if (runs % 2 != 0) return {};
  return v;
}

// A label that opens a list of the criteria a task is checked against, not of its work:
// `**Acceptance Criteria**:`, `Success criteria:`, `- **Definition of Done**:`, `**验收标准**：`.
bool criteria_label(std::string_view t) {
  t = trim_emphasis(t);
  if (t.ends_with(":")) t.remove_suffix(1);
  else if (t.ends_with("\xEF\xBC\x9A")) t.remove_suffix(3);  // full-width colon
  else return false;
  t = trim_emphasis(t);
  if (t.size() > 40) return false;
  const LowerCopy copy(t);
  for (std::string_view w : {"acceptance criteria", "success criteria", "completion criteria", "exit criteria",
                             "done criteria", "definition of done", "done when", "complete when",
                             "\xE9\xAA\x8C\xE6\x94\xB6\xE6\xA0\x87\xE5\x87\x86" /* 验收标准 */})
    if (contains(copy.view(), w)) return true;
  return false;
}

// The words of a label that opens a list of a task's dependencies (dependency_label).
constexpr std::string_view kDependencyLabels[] = {
    "dependencies", "dependency", "depends on", "depends", "depend on", "blocked by", "prerequisites", "prerequisite",
    "pre-requisites", "requires", "task dependencies", "depends on the following", "depends on the following tasks",
    "deps", "upstream", "dependencias", "dependências", "dépendances"};

// Whether `s` holds one of `words`, each whole.
bool has_word(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words)
    for (std::size_t at = s.find(w); at != std::string_view::npos; at = s.find(w, at + 1)) {
      const std::size_t end = at + w.size();
      if ((at == 0 || !is_alpha(s[at - 1])) && (end == s.size() || !is_alpha(s[end]))) return true;
    }
  return false;
}

// A label's words without a note in parentheses after them that says it is what this
// task waits for (`Dependencies (must finish first)`, `Requires (hard)`, `Dependencies
// (incoming)`). Any other note may turn it round or take it back (`(outgoing)`, `(used
// by)`, `(Phase 2 tasks)`, `(optional, not blocking)`, `(none)`): the label is not one.
bool note_says_first(std::string_view text) {
  if (text.size() > 60) return false;
  const LowerCopy note(text);
  if (has_word(note.view(), {"none", "optional", "not", "no", "non", "n't", "downstream", "outgoing", "dependents",
                             "reverse", "blocks", "unblocks", "enables", "soft", "by", "after", "wait", "waiting",
                             "waits", "needs", "later", "next", "successors"}))
    return false;
  return has_word(note.view(), {"must", "first", "before", "hard", "upstream", "incoming", "blocking", "required",
                                "mandatory", "strict", "prerequisite", "prerequisites", "inbound", "predecessors"});
}

std::string_view without_note(std::string_view t) {
  if (!t.ends_with(")")) return t;
  const std::size_t open = t.rfind('(');
  if (open == std::string_view::npos || open == 0 || t.size() - open > 60) return t;
  if (!note_says_first(t.substr(open))) return {};
  return trim_emphasis(t.substr(0, open));
}

// A label's words without what may come before them: symbols and emoji (`⛓️
// Dependencies`), and in a heading its section number (`4. Dependencies`, `4.2 …`).
std::string_view without_lead(std::string_view t, bool heading) {
  for (;;) {
    const auto c = [&](std::size_t i) { return i < t.size() ? static_cast<unsigned char>(t[i]) : 0u; };
    std::size_t n = 0;
    if (c(0) == 0xE2 && c(1) >= 0x86 && c(1) <= 0xAF) n = 3;                  // U+2190-U+2BFF: arrows, symbols, dingbats
    else if (c(0) == 0xE2 && c(1) == 0x80 && c(2) == 0x8D) n = 3;            // zero-width joiner
    else if (c(0) == 0xEF && c(1) == 0xB8 && c(2) == 0x8F) n = 3;            // variation selector 16
    else if (c(0) == 0xF0 && c(1) == 0x9F) n = 4;                            // U+1F000-U+1FFFF: emoji
    else if (!t.empty() && is_space(t[0])) n = 1;
    if (n == 0 || n > t.size()) break;
    t.remove_prefix(n);
  }
  if (heading && !t.empty() && is_digit(t[0])) {
    std::size_t i = 0;
    while (i < t.size() && (is_digit(t[i]) || t[i] == '.')) ++i;
    if (i < t.size() && t[i] == ')') ++i;
    if (i < t.size() && is_space(t[i])) t = trim(t.substr(i));
  }
  return t;
}

// A label that opens a list of a task's dependencies and says nothing after it: a
// heading in its body (`#### Dependencies`, `#### Depends on:`) or a line of it
// (`**Depends on:**`, `- Blocked by:`, `**Dependencies**` in bold alone). The items below
// it that start with an ID name them.
bool dependency_label(std::string_view t, bool heading) {
  t = trim(t);
  const bool bold = t.size() > 4 && (starts_with(t, "**") || starts_with(t, "__")) && (t.ends_with("**") || t.ends_with("__"));
  t = trim_emphasis(t);
  // A note after the colon (`**Depends on:** (must finish first)`): it must say so too.
  if (const std::size_t open = t.ends_with(")") ? t.rfind('(') : std::string_view::npos; open != std::string_view::npos && open > 0) {
    const std::string_view head = trim_emphasis(trim(t.substr(0, open)));
    if (head.ends_with(":") || head.ends_with("\xEF\xBC\x9A")) {
      if (!note_says_first(t.substr(open))) return false;
      t = head;
    }
  }
  if (t.ends_with(":")) t.remove_suffix(1);
  else if (t.ends_with("\xEF\xBC\x9A")) t.remove_suffix(3);  // full-width colon
  else if (!heading && !bold) return false;
  else
    // A note after a dash in a heading or bold label (`#### Dependencies — must finish
    // first`).
    for (std::string_view dash : {" \xE2\x80\x94 ", " \xE2\x80\x93 ", " - "})
      if (const std::size_t at = t.find(dash); at != std::string_view::npos) {
        if (!note_says_first(t.substr(at + dash.size()))) return false;
        t = t.substr(0, at);
        break;
      }
  t = without_note(without_lead(trim_emphasis(t), heading));
  if (t.size() > 32) return false;
  const LowerCopy copy(t);
  return std::find(std::begin(kDependencyLabels), std::end(kDependencyLabels), copy.view()) != std::end(kDependencyLabels);
}

// A checkbox task's line that ends with such a label, after a sentence of its own
// (`- [ ] T006 Wire the app. Depends on:` over `  - T005 (views)`): only words that name
// tasks there (`Pin the toolchain. Requires:` lists what it needs, `- 3.12 (Python)`).
bool ends_with_dependency_label(std::string_view d) {
  d = trim_emphasis(d);
  if (d.ends_with(":")) d.remove_suffix(1);
  else if (d.ends_with("\xEF\xBC\x9A")) d.remove_suffix(3);
  else return false;
  d = without_note(trim_emphasis(d));
  const LowerCopy copy(d);
  for (std::string_view w : {"dependencies", "dependency", "depends on", "blocked by", "task dependencies",
                             "depends on the following tasks", "deps"}) {
    if (!copy.view().ends_with(w)) continue;
    const std::string_view before = trim_emphasis(d.substr(0, d.size() - w.size()));
    if (before.size() == d.size() - w.size() && !before.empty()) continue;  // `…redepends on`: within a word
    if (before.empty() || std::string_view(".;:)(").find(before.back()) != std::string_view::npos ||
        before.ends_with("\xE2\x80\x94") || before.ends_with(" -"))
      return true;
  }
  return false;
}

// The length of the mark of a state `s` starts with (✅ ☑ ✔ ✓ ☐ ⬜ ❌ ✗ ⏳ 🔄 🚧, with its
// emoji form), or 0.
std::size_t state_mark(std::string_view s) {
  for (std::string_view mark : {"\xE2\x9C\x85", "\xE2\x98\x91", "\xE2\x9C\x94", "\xE2\x9C\x93", "\xE2\x98\x90",
                                "\xE2\xAC\x9C", "\xE2\x9D\x8C", "\xE2\x9C\x97", "\xE2\x8F\xB3", "\xF0\x9F\x94\x84",
                                "\xF0\x9F\x9A\xA7"})
    if (s.starts_with(mark)) return mark.size() + (s.substr(mark.size()).starts_with("\xEF\xB8\x8F") ? 3 : 0);
  return 0;
}

// Where the ID an item of such a list starts with is (`T001 (the config)`, `**T001**`,
// `[T001](#t001)`, `Task 3: …`, at the number), or npos when it starts with none (`None`).
std::size_t leading_ref(std::string_view item) {
  std::size_t i = 0;
  while (i < item.size() && (item[i] == '*' || item[i] == '_' || item[i] == '`' || is_space(item[i]))) ++i;
  // The mark of its state (`- ✅ T001`, `- ⏳ T002`).
  if (const std::size_t mark = state_mark(item.substr(i)); mark > 0) {
    i += mark;
    while (i < item.size() && (item[i] == '*' || item[i] == '_' || item[i] == '`' || is_space(item[i]))) ++i;
  }
  if (i < item.size() && item[i] == '[') ++i;  // a link to it
  // `Task 3`, `Tasks T001–T002`, `Task #3`, `Tasks: 1, 2`.
  if (istarts_with(item.substr(i), "task")) {
    std::size_t d = i + 4;
    if (d < item.size() && (item[d] == 's' || item[d] == 'S')) ++d;
    if (d < item.size() && item[d] == ':') ++d;
    if (d < item.size() && is_space(item[d])) {
      while (d < item.size() && is_space(item[d])) ++d;
      if (d + 1 < item.size() && item[d] == '#' && is_digit(item[d + 1])) ++d;
      if (d < item.size() && is_digit(item[d])) return d;
      return match_id(item.substr(d)) > 0 ? d : std::string_view::npos;
    }
  }
  return match_id(item.substr(i)) > 0 ? i : std::string_view::npos;
}

// How many more parentheses `s` opens than it closes (negative: closes more).
int open_parens(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '(')) - static_cast<int>(std::count(s.begin(), s.end(), ')'));
}

// Whether what follows the IDs of such an item leaves them this task's dependencies: a
// note (`(the config)`, `: schema`, `— merged`, a link's rest) or a word of their state
// (`complete`, `done`); not a sentence of theirs (`T003 and T004 build on this`, `T005
// depends on this task`).
bool dependency_item_rest(std::string_view rest, bool bold) {
  while (!rest.empty() && (rest.front() == '*' || rest.front() == '_' || rest.front() == '`' || is_space(rest.front())))
    rest.remove_prefix(1);
  if (rest.empty()) return true;
  if (std::string_view("(:,;.[]|-").find(rest.front()) != std::string_view::npos) return true;
  if (starts_with(rest, "\xE2\x80\x94") || starts_with(rest, "\xE2\x80\x93")) return true;  // — –
  if (state_mark(rest) > 0) return true;  // `- T001 ✅`
  // `complete`, or a sentence that says so: `must be complete`, `needs to be done first`,
  // `is merged` (not `is not complete`, `is the models`). What follows the word must not
  // put the task after this one or speak of other tasks (`should be done after this`,
  // `must be completed before T002`, `… before any Phase 2 work`); in a bold item (which
  // may be a task of its own: `**T005** Finish the handler`) only a note may follow it.
  for (int words = 0; words < 5; ++words) {
    std::size_t n = 0;
    while (n < rest.size() && is_alpha(rest[n])) ++n;
    const std::string_view w = rest.substr(0, n);
    const auto is = [&](std::initializer_list<std::string_view> list) {
      return std::any_of(list.begin(), list.end(), [&](std::string_view c) { return w.size() == c.size() && istarts_with(w, c); });
    };
    // Words that are also a title's first (`Finish the handler`, `Ready the queue`) only
    // after one of must, needs … (`must land first`, `is required`, `has shipped`).
    // `in place` (`must be in place`): one word of state.
    const bool in_place = words > 0 && is({"in"}) && istarts_with(trim(rest.substr(n)), "place") &&
                          (trim(rest.substr(n)).size() == 5 || !is_alpha(trim(rest.substr(n))[5]));
    if (in_place) n = static_cast<std::size_t>(trim(rest.substr(n)).data() - rest.data()) + 5;
    if (in_place || is({"complete", "completed", "completes", "done", "finished", "finishes", "merged", "deployed", "landed"}) ||
        (words > 0 && is({"finish", "land", "ship", "shipped", "ready", "required", "implemented", "approved", "available",
                          "exist", "pass", "released", "tested", "reviewed"}))) {
      const std::string_view after = trim(rest.substr(n));
      if (after.empty() || std::string_view("(:,;.").find(after.front()) != std::string_view::npos ||
          starts_with(after, "\xE2\x80\x94") || state_mark(after) > 0)
        return true;
      if (bold) return false;
      const LowerCopy lower(after);
      if (after.find('?') != std::string_view::npos ||
          has_word(lower.view(), {"after", "afterwards", "later", "once", "then", "phase", "any", "separately", "by", "same"}))
        return false;
      for (std::size_t i = 0; i < after.size(); ++i)
        if ((i == 0 || !is_alnum(after[i - 1])) && match_id(after.substr(i)) > 0) return false;
      return true;
    }
    if (n == 0 || !is({"must", "should", "is", "are", "be", "been", "has", "have", "needs", "need", "to", "already", "was",
                       "were", "will", "first", "fully"}))
      return false;
    rest = trim(rest.substr(n));
  }
  return false;
}

// Whether an item's words after its ID are the start of that task's own title (`- T001
// Create the config loader` for `T001 Create the config loader in src/config.py`),
// backticks and bold aside.
bool copies_title(std::string_view rest, std::string_view title) {
  rest = trim(rest);
  // A note after it (`… loader (read at startup)`, `… — for request logs`, `… ✅`).
  for (std::string_view note : {" (", " \xE2\x80\x94 ", " \xE2\x80\x93 ", " - "})
    if (const std::size_t at = rest.find(note); at != std::string_view::npos) rest = trim(rest.substr(0, at));
  for (std::size_t at = 0; at < rest.size(); ++at)
    if (state_mark(rest.substr(at)) > 0) {
      rest = trim(rest.substr(0, at));
      break;
    }
  while (!rest.empty() && std::string_view(".:;,").find(rest.back()) != std::string_view::npos) rest.remove_suffix(1);
  std::size_t i = 0, j = 0, matched = 0;
  const auto skip = [](std::string_view s, std::size_t& k) {
    while (k < s.size() && (s[k] == '`' || s[k] == '*')) ++k;
  };
  for (;;) {
    skip(rest, i);
    skip(title, j);
    if (i == rest.size()) break;
    if (j == title.size() || to_lower(rest[i]) != to_lower(title[j])) return false;
    ++i, ++j, ++matched;
  }
  return matched > 0 && (j == title.size() || !is_alnum(title[j]));
}

// Whether an item's note says its task is no dependency after all (`- T002 (optional —
// only for the fixture tests)`, `(nice to have, not blocking)`, `— not required`).
bool note_takes_back(std::string_view rest) {
  const LowerCopy note(rest);
  return has_word(note.view(), {"optional", "not blocking", "non-blocking", "nonblocking", "not required", "not needed",
                                "no longer needed", "no longer required", "nice to have", "nice-to-have", "soft",
                                "downstream", "in parallel", "not a dependency", "not a blocker", "no need to wait",
                                "need not wait", "needn't wait", "do not wait", "don't wait", "nothing to wait",
                                "without waiting"});
}

// Whether a bold ID item under a dependency label names one (`**T001**`, `**T001**
// (config)`, `**T001** ✅`, `**T001** complete`) rather than being a task of its own
// (`**T004** — Write the user guide in docs/guide.md`, the list's end).
bool bold_dependency_item(std::string_view item) {
  const std::size_t close = item.find("**", 2);
  if (close == std::string_view::npos) return false;
  const std::string_view rest = trim(item.substr(close + 2));
  return rest.empty() || rest.front() == '(' || state_mark(rest) > 0 || (is_alpha(rest.front()) && dependency_item_rest(rest, true));
}

// An ID of digits and dots alone (`2.1`): in a heading or a bold item, a section's
// number (`### 2.1 Background`), not a task's ID.
bool bare_id(std::string_view id) {
  return !id.empty() && is_digit(id[0]);
}

// A task's number after the word "Task" (`Task 3:`): one to four digits, ending as an ID
// ends; its length, or 0. Without the word, a number alone is no ID (match_id).
std::size_t word_number(std::string_view s, std::size_t i) {
  std::size_t e = i;
  while (e < s.size() && is_digit(s[e]) && e - i < 5) ++e;
  if (e == i || e - i > 4) return 0;
  if (e < s.size()) {
    const char c = s[e];
    if (is_alnum(c) || c == '_' || c == '/' || c == '@') return 0;
    if (c == '.' && e + 1 < s.size() && is_alnum(s[e + 1])) return 0;
  }
  return e - i;
}

// A task's number with a letter after the word "Task" (`Task 1.1a`, `Task 2B`: a task
// put between two, or split): digits, dot-separated, then one letter, ending as an ID
// ends; its length, or 0.
std::size_t lettered_number(std::string_view s, std::size_t i) {
  std::size_t e = i;
  for (;;) {
    const std::size_t from = e;
    while (e < s.size() && is_digit(s[e]) && e - from < 5) ++e;
    if (e == from || e - from > 4) return 0;
    if (e + 1 < s.size() && s[e] == '.' && is_digit(s[e + 1])) { ++e; continue; }
    break;
  }
  if (e >= s.size() || !is_alpha(s[e])) return 0;
  ++e;
  if (e < s.size()) {
    const char c = s[e];
    if (is_alnum(c) || c == '_' || c == '/' || c == '@' || c == '-') return 0;
    if (c == '.' && e + 1 < s.size() && is_alnum(s[e + 1])) return 0;
  }
  return e - i;
}

// A task's number as its ID: without the zeros that lead it, so that `### Task 01:` is
// the task "Task 1" names.
std::string_view task_number(std::string_view n) {
  while (n.size() > 1 && n[0] == '0') n.remove_prefix(1);
  return n;
}

// `### Task 1.1: …`, `### **Task 2.1**: …`, `### Task 3: …`, `**任务 1.3**`: a heading (or
// a box) that names a task by the word, in English or another language, and its ID (or
// number). Returns where the ID starts, 0 if the title is not such a name; `*emph`: the
// emphasis run open there (`**`, `__`, `*`, `_`), empty if none.
std::size_t task_word(std::string_view title, std::string_view* emph) {
  *emph = opening_emphasis(title);
  std::size_t i = emph->size();
  // Words of a script without case or spaces may run on into the number (`任务1.3`).
  static constexpr std::pair<std::string_view, bool> kWords[] = {
      {"task", false}, {"tarea", false}, {"tarefa", false}, {"t\xC3\xA2" "che", false}, {"aufgabe", false},
      {"\xD0\x97\xD0\xB0\xD0\xB4\xD0\xB0\xD1\x87\xD0\xB0", false},  // Задача
      {"\xE4\xBB\xBB\xE5\x8A\xA1", true}, {"\xE4\xBB\xBB\xE5\x8B\x99", true},  // 任务, 任務
      {"\xE3\x82\xBF\xE3\x82\xB9\xE3\x82\xAF", true}};                      // タスク
  const std::string_view rest = title.substr(i);
  std::size_t len = 0;
  for (const auto& [w, glued] : kWords)
    if (istarts_with(rest, w) && rest.size() > w.size() && (is_space(rest[w.size()]) || (glued && is_digit(rest[w.size()])))) {
      len = w.size();
      break;
    }
  if (len == 0) return 0;
  i += len;
  while (i < title.size() && is_space(title[i])) ++i;
  return head_id(title, i) > 0 || word_number(title, i) > 0 || lettered_number(title, i) > 0 ? i : 0;
}

// Whether the word "Task" (or "Tasks") stands just before `s[k]`, spaces, bold and a colon
// between: "Depends on: Task 3", "**Task** 3".
bool after_task_word(std::string_view s, std::size_t k) {
  while (k > 0 && (is_space(s[k - 1]) || s[k - 1] == '*' || s[k - 1] == ':' || s[k - 1] == '#')) --k;
  if (k >= 1 && (s[k - 1] == 's' || s[k - 1] == 'S')) --k;
  return k >= 4 && istarts_with(s.substr(k - 4), "task") && (k == 4 || !is_alnum(s[k - 5]));
}

// A line a reader takes for a task that the format does not make one: an empty box
// (`- [] T004`), no space after the bullet (`-[ ] T006`) or the box (`- [X]T007`), a task
// in a quote (`> - [ ] T010`). Said, since it will not run.
bool broken_task_line(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size() && (t[i] == '>' || is_space(t[i]))) ++i;
  if (i >= t.size() || (t[i] != '-' && t[i] != '*' && t[i] != '+')) return false;
  ++i;
  while (i < t.size() && is_space(t[i])) ++i;
  if (i >= t.size() || t[i] != '[') return false;
  const std::size_t close = t.find(']', i);
  if (close == std::string_view::npos || close - i > 4) return false;  // a mark is one character (UTF-8: up to 4 bytes)
  std::size_t j = close + 1;
  while (j < t.size() && is_space(t[j])) ++j;
  return j < t.size() && starts_task(t.substr(j));
}

// The labels lee-spec-kit puts between a word box and the ID, glued or spaced:
// `[P1]`, `[P]`, `[US1]` in `- [TODO][P1][P] T-F003-02 …`. Returns the length of the
// run with the spaces after it (0 if there is none) and, given `h`, records the labels.
std::size_t leading_labels(std::string_view s, Head* h) {
  std::size_t k = 0;
  std::size_t end = 0;
  while (k < s.size() && (s[k] == '[' || is_space(s[k]))) {
    if (is_space(s[k])) { ++k; continue; }
    const std::size_t close = s.find(']', k);
    if (close == std::string_view::npos || close - k > 12) break;
    const std::string_view c = s.substr(k + 1, close - k - 1);
    int story = 0;
    const bool priority = c.size() >= 2 && c.size() <= 3 && c[0] == 'P' && is_digit(c[1]) &&
                          (c.size() == 2 || is_digit(c[2]));
    if (c == "P") {
      if (h) h->parallel = true;
    } else if (priority) {
      if (h) h->priority = c;
    } else if (is_story_label(c, &story)) {
      if (h) add_story(*h, c);
    } else {
      break;
    }
    k = close + 1;
    end = k;
  }
  while (end < s.size() && is_space(s[end])) ++end;
  return end;
}

// A mark of a few ASCII letters (`[N/A]`, `[WIP]`) in front of a task ID: a task the
// author marked otherwise. Returns the mark's length or 0.
std::size_t match_word_box(std::string_view s) {
  if (s.size() < 4 || s[0] != '[') return 0;
  std::size_t k = 1;
  while (k < s.size() && k <= 6 && (is_alpha(s[k]) || s[k] == '/' || s[k] == '-')) ++k;
  if (k < 3 || k > 6 || k >= s.size() || s[k] != ']' || k + 1 >= s.size()) return 0;
  const std::string_view after = s.substr(k + 1);
  const std::size_t lead = leading_labels(after, nullptr);
  if (lead == 0 && !is_space(after[0])) return 0;
  return starts_task(trim_left(after.substr(lead))) ? k - 1 : 0;
}

// `T001-T006: …`, `T026..T030`, `T051+T052`, `T001 – T006 …`: the head names a range
// (or a pair) of tasks. `rest` is the text right after the first ID; returns the length
// of the rest of the range in it, or 0, and where its last ID starts in `*last`.
std::size_t range_tail(std::string_view first, std::string_view rest, std::size_t* last) {
  std::size_t j = 0;
  while (j < rest.size() && rest[j] == ' ') ++j;
  if (j >= rest.size()) return 0;
  const char c = rest[j];
  // Most heads go on with a space and a label or a word: one test rules them out.
  if (c != '-' && c != '.' && c != '+' && c != '~' && c != '\xC3' && c != '\xE2' && c != '\xE3' && c != '\xEF') return 0;
  std::size_t dl = 0;
  if (is_dash_at(rest, j, &dl)) j += dl;
  else if (c == '.' && j + 1 < rest.size() && rest[j + 1] == '.') j += 2;
  else if (c == '+') j += 1;
  else if (const std::size_t w = wave_dash_at(rest, j); w > 0) j += w;  // `T030.2~T030.6`, `T001〜T005`
  else return 0;
  while (j < rest.size() && is_space(rest[j])) ++j;
  const std::size_t m = match_id(rest.substr(j));
  *last = j;
  return m > 0 && id_shape(rest.substr(j, m)) == id_shape(first) ? j + m : 0;
}

// `emph`: the text starts inside that emphasis run (`**Task 2.1**: …` read from the ID on).
// The run closes at its like after the ID (`**T001**`, `__T001__`, `*T001*`); one that
// closes further on is left in `h.open_emph`.
bool parse_head(std::string_view s, Head& h, std::string_view emph = {}, bool number_ok = false) {
  std::size_t i = 0;
  if (const std::size_t b = !s.empty() && s[0] == '[' ? bracketed_id(s) : 0; b > 0) {
    h.id = s.substr(1, b);
    i = b + 2;
  } else {
    const bool own_emph = emph.empty();
    if (own_emph) {
      emph = opening_emphasis(s);
      i = emph.size();
    }
    const bool number = number_ok && head_id(s, i) == 0;
    std::size_t n = number ? word_number(s, i) : head_id(s, i);
    if (number && n == 0) n = lettered_number(s, i);  // `Task 1.1a`
    if (n == 0) return false;
    // Italics or underscores around an ID of Spec-Kit's shape alone (`*T004*`): around
    // others they stress a word (`*EC2* deployment`, `_Q3_ roadmap`), as bold has always.
    if (own_emph && !emph.empty() && emph != "**" && !(n >= 2 && s[i] == 'T' && std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                                                           s.begin() + static_cast<std::ptrdiff_t>(i + n), is_digit)))
      return false;
    h.id = number ? task_number(s.substr(i, n)) : s.substr(i, n);
    std::size_t len = n;
    // A range goes on with a dash, `..` or `+`, maybe after a space; most heads do not.
    std::size_t j = i + n;
    if (j < s.size() && s[j] == ' ') ++j;
    if (j < s.size() && (s[j] == '-' || s[j] == '.' || s[j] == '+' || s[j] == '~' || s[j] == '\xC3' || s[j] == '\xE2' ||
                         s[j] == '\xE3' || s[j] == '\xEF')) {
      std::size_t last = 0;
      if (const std::size_t r = range_tail(h.id, s.substr(i + n), &last); r > 0) {
        h.id = s.substr(i, n + r);
        h.first_len = n;
        h.last_at = n + last;
        len = n + r;
      }
    }
    i += len;
  }
  bool sep_done = false;
  for (;;) {
    std::size_t j = i;
    while (j < s.size() && is_space(s[j])) ++j;
    if (j >= s.size()) { i = j; break; }
    if (!emph.empty() && s.compare(j, emph.size(), emph) == 0 &&
        (j + emph.size() >= s.size() || (s[j + emph.size()] != '*' && s[j + emph.size()] != '_'))) {
      i = j + emph.size();
      emph = {};
      continue;
    }
    // `T006. Create …`, `T007: …`; not the dot that starts a name (`T004 [P] .gitignore`,
    // `T005 .github/workflows/ci.yml`).
    if (!sep_done && (s[j] == ':' || (s[j] == '.' && (j + 1 >= s.size() || is_space(s[j + 1]) || s[j + 1] == '*')))) {
      sep_done = true;
      i = j + 1;
      continue;
    }
    if (!sep_done && s.compare(j, 3, "\xEF\xBC\x9A") == 0) {  // `：`, the full-width colon (`任务 1.4 [P]：…`)
      sep_done = true;
      i = j + 3;
      continue;
    }
    std::size_t dl = 0;
    if (!sep_done && is_dash_at(s, j, &dl)) {
      std::size_t k = j + dl;
      if (dl == 1 && k < s.size() && s[k] == '-') ++k;  // "--"
      if (k >= s.size() || is_space(s[k])) { sep_done = true; i = k; continue; }
    }
    // `- [ ] T007 (P) Implement …` (cc-sdd's and Kiro's parallel mark): as `[P]`.
    if (s.compare(j, 3, "(P)") == 0 && (j + 3 >= s.size() || is_space(s[j + 3]) || s[j + 3] == '[')) {
      h.parallel = true;
      i = j + 3;
      continue;
    }
    if (s[j] == '[') {
      // The label ends at the first ']' within 200 bytes; a '[' before it ends the run.
      // Labels are a few bytes long: a plain loop beats a call to memchr.
      const std::size_t limit = std::min(s.size(), j + 201);
      std::size_t close = j + 1;
      bool nested = false;
      while (close < limit && s[close] != ']') nested |= s[close++] == '[';
      if (close >= limit || nested) break;
      std::string_view c = trim(s.substr(j + 1, close - j - 1));
      if (c.empty()) break;
      const char after = close + 1 < s.size() ? s[close + 1] : ' ';
      if (after == '(') break;  // a markdown link
      int story = 0;
      const bool parallel = c.size() == 1 && c[0] == 'P';
      const bool p_digit = c.size() >= 2 && c.size() <= 3 && c[0] == 'P' && is_digit(c[1]);
      const bool delimited = is_space(after) || after == '[' || after == '*' || after == ':' ||
                             close + 1 >= s.size();
      if (!delimited && !parallel && !p_digit && !is_story_label(c, &story)) break;  // `[id].tsx`: part of a path
      if (parallel) {
        h.parallel = true;
      } else if (p_digit && (c.size() == 2 || is_digit(c[2]))) {
        h.priority = c;
      } else if (istarts_with(c, "depends")) {
        std::size_t k = 7;
        while (k < c.size() && (is_space(c[k]) || c[k] == ':' || c[k] == '=')) ++k;
        h.depends.push_back(c.substr(k));
      } else if (!add_story(h, c)) {
        h.labels.push_back(c);
      }
      i = close + 1;
      continue;
    }
    i = j;
    break;
  }
  h.rest = i;
  h.open_emph = emph;
  return true;
}

// Whether the bold run that starts a bold item goes on past its ID (`at`) with words:
// a task's bold holds its ID and labels only (`**T001**`, `**T001 [P]**`, `**T-101**:`).
bool bold_runs_on(std::string_view s, std::size_t at) {
  const std::size_t close = s.find("**", at);
  if (close == std::string_view::npos) return false;
  for (std::size_t i = at; i < close; ++i) {
    const char c = s[i];
    if (c == '[') {
      const std::size_t e = s.find(']', i);
      if (e == std::string_view::npos || e > close) return true;
      i = e;
    } else if (std::size_t dl = 0; is_dash_at(s, i, &dl)) {
      i += dl - 1;
    } else if (is_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
      return true;
    }
  }
  return false;
}

std::string_view strip_bullet(std::string_view s) {
  ListItem li = match_bullet(s);
  if (li.ok) s = s.substr(li.content);
  return trim(s);
}

// The ID of task i, for the index of IDs.
struct TaskId {
  const std::vector<Task>* tasks;
  std::string_view operator()(std::uint32_t i) const { return (*tasks)[i].id; }
};
using TaskIndex = IdIndex<TaskId>;

class Parser {
 public:
  // `paragraphs`: a file with no task otherwise, read again for tasks written as
  // paragraphs (paragraph_task).
  // `status_rows`: the lines of the status rows a first reading found (status_rows()), for
  // a file read again for them (on_status_row).
  // `task_words`: a file whose only tasks are boxes named by the word and a number
  // (`- [ ] **任务 1.3** [P]: …`), read again with that number as each one's ID.
  explicit Parser(std::string_view text, bool paragraphs = false, std::vector<int> status_rows = {}, bool task_words = false)
      : text_(text), paragraphs_(paragraphs), task_words_(task_words), status_rows_(std::move(status_rows)) {}

  // After run(), in a file refused for tables of tasks without a checkbox column: the lines
  // of the rows of its tables of tasks with a Status column, ascending (status_table_rows).
  const std::vector<int>& status_rows() const noexcept { return found_status_rows_; }

  Plan run() {
    scan_lines();
    choose_phase_level();
    build();
    finish();
    return std::move(plan_);
  }

 private:
  std::string_view line_text(const Line& l) const { return text_.substr(l.offset, l.length); }

  void diag(Severity sev, int line, std::string code, std::string message) {
    plan_.diagnostics.push_back(Diagnostic{sev, line, std::move(code), std::move(message)});
  }

  // Pass one: split lines; mark code fences, comments, frontmatter and headings.
  void scan_lines() {
    std::size_t pos = 0;
    if (starts_with(text_, "\xEF\xBB\xBF")) {
      plan_.bom = true;
      pos = 3;
    }
    if (const void* nul = std::memchr(text_.data(), '\0', text_.size())) {
      const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - text_.data());
      diag(Severity::error, line_of_offset(at), "nul-byte",
           "the file contains a NUL byte: this is not a text file");
    }
    if (text_.find('\n') == std::string_view::npos && std::count(text_.begin(), text_.end(), '\r') >= 2)
      diag(Severity::warning, 1, "cr-line-endings",
           "the lines end in CR alone (classic Mac OS): the file reads as one line and no task in it runs; "
           "convert it to LF (or CRLF) line endings");
    if (std::size_t bad = find_invalid_utf8(text_); bad != std::string_view::npos) {
      diag(Severity::warning, line_of_offset(bad), "invalid-utf8",
           "invalid UTF-8; the bytes are kept as they are");
    }

    char fence_char = 0;
    std::size_t fence_len = 0;
    int fence_indent = -1;
    int fence_line = 0;
    bool comment = false;
    int comment_line = 0;
    bool first = true;
    bool frontmatter = false;
    int last_heading = -1;
    // The headings that enclose the line (one per level at most), and the bold item
    // with an ID since the last heading: a checkbox task under them makes them sections.
    // Decided here, before pass two meets them; each is marked once, so this is linear.
    std::array<int, 7> open_headings{};
    std::array<std::string_view, 7> open_ids{};  // the ID each open heading starts with
    // Whether each open heading names a task's dependencies (`#### Dependencies`): the bold
    // IDs under it (`- **T001**`) are the ones its task waits for, not tasks that make the
    // headings above sections (`### T003 …` was, and never ran).
    std::array<bool, 7> open_deps{};
    std::size_t open_depth = 0;
    bool criteria = false;  // the last paragraph or item is `**Acceptance Criteria**:`
    int bold_item = -1;
    std::string_view bold_id;
    // A task under the open headings (and bold item) makes them sections, except one that
    // is its peer: a heading task and the task after it are two tasks.
    const auto holds = [&](std::string_view id) {
      mark_sections(open_headings, open_depth > 0 && peer_ids(open_ids[open_depth - 1], id) ? open_depth - 1 : open_depth,
                    bold_item >= 0 && peer_ids(bold_id, id) ? -1 : bold_item);
    };
    // The indent of the current list's first item; -1 outside a list (after a heading or
    // a paragraph that starts left of the list).
    int list_base = -1;
    // The number of the last top-level box that is a numbered item (`- [ ] 1. Data layer`)
    // and its indent: Kiro nests its subtasks under it (`  - [ ] 1.1 …`), and those are
    // the tasks, read as if they were top-level.
    std::string_view kiro_item;
    int kiro_indent = 0;
    std::size_t kiro_line = 0;
    lines_.reserve(NewlineFinder::count(text_) + 1);
    NewlineFinder newlines(text_);
    while (pos <= text_.size()) {
      const std::size_t end = newlines.next(pos);
      const bool nl = end < text_.size();
      if (!nl && pos == text_.size() && !lines_.empty()) break;  // no empty line after a final "\n"
      Line l;
      l.offset = pos;
      std::size_t length = end - pos;
      if (length > 0 && text_[end - 1] == '\r') {
        --length;
        if (lines_.empty() && nl) plan_.crlf = true;
      }
      l.length = static_cast<std::uint32_t>(std::min<std::size_t>(length, 0xFFFFFFFFu));
      const int number = static_cast<int>(lines_.size()) + 1;
      std::string_view s = text_.substr(l.offset, length);
      if (length > kMaxLine) {
        l.flags |= kTooLong;
        diag(Severity::warning, number, "line-too-long",
             "line is longer than 1 MiB and is not parsed");
        s = {};
      }
      l.indent = indent_of(s);
      const std::string_view t = trim(s);

      if (first) {
        first = false;
        if (t == "---" && is_frontmatter(end)) frontmatter = true;
        if (frontmatter) {
          l.flags |= kComment;
          lines_.push_back(l);
          pos = end + 1;
          continue;
        }
      }
      if (frontmatter) {
        l.flags |= kComment;
        if (t == "---" || t == "...") frontmatter = false;
      } else if (fence_char) {
        l.flags |= kCode;
        l.aux = std::min(fence_indent, 32000);
        std::size_t k = 0;
        while (k < t.size() && t[k] == fence_char) ++k;
        if (k >= fence_len && trim(t.substr(k)).empty()) {
          l.flags |= kFence;
          fence_char = 0;
        }
      } else if (comment) {
        l.flags |= kComment;
        if (t.find("-->") != std::string_view::npos) comment = false;
      } else if (t.size() >= 3 && (t[0] == '`' || t[0] == '~') && t[1] == t[0] && t[2] == t[0]) {
        std::size_t k = 0;
        while (k < t.size() && t[k] == t[0]) ++k;
        // A backtick fence's info string cannot contain a backtick (that is inline code).
        if (t[0] == '~' || t.substr(k).find('`') == std::string_view::npos) {
          fence_char = t[0];
          fence_len = k;
          fence_indent = l.indent;
          fence_line = number;
          l.flags |= kCode | kFence;
          l.aux = std::min(l.indent, 32000);
        }
      } else if (starts_with(t, "<!--")) {
        l.flags |= kComment;
        if (t.find("-->", 4) == std::string_view::npos) {
          comment = true;
          comment_line = number;
        }
      } else if (l.indent <= 3 && !t.empty() && t[0] == '#') {
        std::size_t k = 0;
        while (k < t.size() && t[k] == '#') ++k;
        if (k <= 6 && (k == t.size() || is_space(t[k]))) {
          l.heading = static_cast<std::uint8_t>(k);
          last_heading = static_cast<int>(lines_.size());
          kiro_item = {};
          while (open_depth > 0 && lines_[static_cast<std::size_t>(open_headings[open_depth - 1])].heading >= k) --open_depth;
          // A heading task one level deeper (`#### T001: …` under `### P1.1: …`) makes
          // the headings above it sections too.
          std::string_view id;
          bool word = false;
          if (k >= 2) {
            const std::string_view title = trim(t.substr(k));
            std::string_view emph;
            if (const std::size_t w = task_word(title, &emph); w > 0) {
              id = task_id_of(title.substr(w));
              if (id.empty()) id = task_number(title.substr(w, word_number(title, w)));
              if (id.empty()) id = title.substr(w, lettered_number(title, w));
              word = true;
            } else if (id = task_id_of(title); bare_id(id)) {
              id = {};  // `### 2.1 Background`: a section's number
            }
          }
          if (!id.empty()) {
            bold_item = -1;
            holds(id);
            // `### T001 — …`: its shape counts once it is known to be no section (a
            // `## PR-1: …` over `### Task 1: …` headings names no task).
            if (!word) heading_ids_.emplace_back(last_heading, id);
          }
          open_ids[open_depth] = id;
          open_deps[open_depth] = dependency_label(heading_text(t, static_cast<int>(k)), true);
          open_headings[open_depth++] = last_heading;
          bold_item = -1;
          criteria = false;
          list_base = -1;
        }
      } else if (!t.empty()) {
        const ListItem li = match_bullet(s);
        if (!li.ok && l.indent < 2) criteria = criteria_label(t);
        else if (li.ok && l.indent < 2 && !match_box(s.substr(li.content))) criteria = criteria_label(s.substr(li.content));
        if (li.ok) {
          // Four columns with no list open would be an indented code block: such an item
          // counts as nested, as it always has.
          if (list_base < 0) list_base = l.indent <= 3 ? l.indent : 0;
          l.top = l.indent < list_base + 2;
          l.flags |= kBullet;
          l.aux = static_cast<std::int32_t>(li.content);  // < kMaxLine
          l.box = static_cast<std::uint8_t>(match_box(s.substr(li.content)));
          if (!l.box && s.size() > li.content && s[li.content] == '[')
            l.box = static_cast<std::uint8_t>(match_word_box(s.substr(li.content)));
          if (l.box == 1) {
            bool star = false;
            const std::string_view bt = box_text(s.substr(li.content + 3), &star);
            if (!kiro_item.empty() && subtask_number(bt, kiro_item) > 0 &&
                (l.top || (l.indent > kiro_indent && l.indent <= kiro_indent + 4))) {
              l.top = static_cast<std::uint8_t>(1 | kSubtask | (l.top ? 0 : kNestedSubtask));
              lines_[kiro_line].top |= kItemOverSubtasks;
              kiro_items_ = true;
            } else if (l.top) {
              kiro_item = item_number(bt);
              kiro_indent = l.indent;
              kiro_line = lines_.size();
            }
          } else if (l.top) {
            kiro_item = {};
          }
        } else if (l.indent <= list_base) {
          list_base = -1;   // a paragraph at the list's margin ends the list
          kiro_item = {};
        }
        if (l.box) {
          l.flags |= kBox;
          ++boxes_;
          if (last_heading >= 0 && l.top && !(lines_[static_cast<std::size_t>(last_heading)].flags & kHasBox)) {
            lines_[static_cast<std::size_t>(last_heading)].flags |= kHasBox;
            headings_with_box_.push_back(last_heading);
          }
          // Boxes under `**Acceptance Criteria**:` check the heading's work: they are no
          // steps of a Task heading (kCriteriaBox).
          if (l.top && criteria) l.top |= kCriteriaBox;
          // Boxes with IDs (under `### Task 1.1: …` headings or anywhere) are the tasks,
          // and such headings groups or notes; ID-less ones (`- [ ] **Step 1: …**`) are
          // the headings' steps.
          if (l.top && !criteria)
            if (const std::string_view id = task_id_of(box_text(s.substr(li.content + l.box + 2), &optional_)); !id.empty())
              note_id_task(id);
          // Once the innermost heading (and the bold item) is marked, so is everything
          // above it: most task lines are answered without reading them twice.
          // A box after a criteria label, or one named like a requirement under a task's
          // heading (`### T001: …` over `- [ ] FR-001: users log in`), checks that task:
          // it does not make the heading a section (which T001 was, and never ran).
          bool optional = false;
          if (l.top && !criteria &&
              ((open_depth > 0 && !(lines_[static_cast<std::size_t>(open_headings[open_depth - 1])].flags & kSection)) ||
               (bold_item >= 0 && !(lines_[static_cast<std::size_t>(bold_item)].flags & kSection)))) {
            const std::string_view id = task_id_of(box_text(s.substr(li.content + l.box + 2), &optional));
            const std::string_view over = bold_item >= 0 ? bold_id : open_depth > 0 ? open_ids[open_depth - 1] : std::string_view();
            if (!id.empty() && !(!over.empty() && requirement_of(id, over))) holds(id);
          }
        } else if (li.ok && l.top && li.content + 2 < s.size() && s[li.content] == '*' &&
                   s[li.content + 1] == '*' && starts_task(s.substr(li.content)) && !(open_depth > 0 && open_deps[open_depth - 1])) {
          const std::string_view id = task_id_of(s.substr(li.content));
          // `- **SC-001**: …` under `### T041 Verify success criteria`: a criterion it checks.
          const std::string_view over = open_depth > 0 ? open_ids[open_depth - 1] : std::string_view();
          if (over.empty() || !requirement_of(id, over)) {
            if (!bare_id(id)) note_id_task(id);
            bold_item = -1;
            holds(id);
            bold_item = static_cast<int>(lines_.size());
            bold_id = id;
          }
        }
      }
      lines_.push_back(l);
      if (!nl) break;
      pos = end + 1;
    }
    plan_.line_count = static_cast<int>(lines_.size());
    // Numbered subtasks are Kiro's IDs. In a file whose tasks have IDs of another kind
    // (`T001`), a numbered checklist is what it always was: nested boxes stay nested, and
    // numbered items without subtasks are no tasks.
    if (kiro_items_ && std::any_of(id_shapes_.begin(), id_shapes_.end(), [](std::string_view x) { return !x.empty(); })) {
      kiro_items_ = false;
      for (Line& l : lines_)
        if (l.top & (kSubtask | kItemOverSubtasks))
          l.top = (l.top & kNestedSubtask) ? 0 : static_cast<std::uint8_t>(l.top & ~(kSubtask | kItemOverSubtasks));
    }
    if (fence_char)
      diag(Severity::warning, fence_line, "unclosed-fence",
           "code fence is never closed: the lines after it are read as code and not as tasks");
    if (comment)
      diag(Severity::warning, comment_line, "unclosed-comment",
           "HTML comment is never closed: the lines after it are ignored");
  }

  // Marks the open headings (and the bold item `bold`, if any) as sections. Top down:
  // below a marked heading every heading is marked already, so each is marked once.
  void mark_sections(const std::array<int, 7>& open, std::size_t depth, int bold) {
    for (std::size_t d = depth; d-- > 0;) {
      std::uint8_t& f = lines_[static_cast<std::size_t>(open[d])].flags;
      if (f & kSection) break;
      f |= kSection;
    }
    if (bold >= 0) lines_[static_cast<std::size_t>(bold)].flags |= kSection;
  }

  // Whether the "---" line ending at `from` opens YAML frontmatter: a block closed by a
  // "---" or "..." line that holds at least one `key:` at its margin and no Markdown
  // heading of level two or more. A file that merely starts with a thematic break
  // (`---`, then `# Tasks`, phases and tasks up to the template's next `---`) is Markdown.
  bool is_frontmatter(std::size_t from) const {
    std::size_t pos = from + 1;
    int scanned = 0;
    bool key = false;
    while (pos < text_.size() && scanned < 2000) {
      const char* nl = static_cast<const char*>(std::memchr(text_.data() + pos, '\n', text_.size() - pos));
      const std::size_t end = nl ? static_cast<std::size_t>(nl - text_.data()) : text_.size();
      const std::string_view raw = text_.substr(pos, end - pos);
      std::string_view t = trim(raw);
      if (t == "---" || t == "...") return key;
      if (starts_with(t, "##")) return false;
      if (!raw.empty() && (is_alpha(raw[0]) || raw[0] == '_')) {
        std::size_t k = 1;
        while (k < raw.size() && (is_alnum(raw[k]) || raw[k] == '_' || raw[k] == '-')) ++k;
        while (k < raw.size() && raw[k] == ' ') ++k;
        key = key || (k < raw.size() && raw[k] == ':');
      }
      if (!nl) break;
      pos = end + 1;
      ++scanned;
    }
    return false;
  }

  int line_of_offset(std::size_t off) const {
    return 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(off), '\n'));
  }

  void choose_phase_level() {
    int best = 0;
    for (int idx : headings_with_box_) {
      const Line& l = lines_[static_cast<std::size_t>(idx)];
      if (l.heading < 2) continue;
      if (!has_phase_word(heading_text(line_text(l), l.heading))) continue;
      if (best == 0 || l.heading < best) best = l.heading;
    }
    phase_level_ = best == 0 ? 2 : best;
  }

  // --- pass two ---------------------------------------------------------------

  void open_phase(std::string_view title, int line, int level) {
    Phase p;
    p.title = std::string(title);
    p.line = line;
    p.level = level;
    const int story = story_of_title(title);
    p.story = std::max(story, 0);
    if (p.story > 0) p.story_label = story_label_of_title(title, p.story);
    p.kind = kind_of_title(title, story);
    p.priority = priority_of_title(title);
    p.number = number_of_title(title);
    plan_.phases.push_back(std::move(p));
    heading_refs(title, line, true);
    open_group({}, 0);
  }

  void open_group(std::string_view title, int line) {
    Group g;
    g.title = std::string(title);
    g.line = line;
    g.phase = static_cast<int>(plan_.phases.size()) - 1;
    plan_.groups.push_back(std::move(g));
    if (line > 0) heading_refs(title, line, false);
  }

  // `(depends on T016)` and `[depends:A]` on a heading.
  // Resolved in the final pass, once the document's ID shapes are known.
  void heading_refs(std::string_view title, int line, bool phase) {
    if (ifind(title, "depend") == std::string_view::npos) return;
    pending_heading_refs_.push_back({std::string(title), line,
                                     static_cast<int>(plan_.phases.size()) - 1,
                                     phase ? -1 : static_cast<int>(plan_.groups.size()) - 1});
  }

  // A line of the open task's body, read for a list of its dependencies (dep_items_):
  // a label with nothing after it opens one; its items that start with an ID are noted
  // (dep_item_lines_) for pass two; another line at the items' indent or less ends it.
  void dependency_item(const Line& l, int number, std::string_view text, bool item) {
    if (dependency_label(text, false)) {
      open_dependency_list(text);
      return;
    }
    if (dep_items_ < 0) return;
    if (dep_items_ > 0 && l.indent + 1 > dep_items_) return;  // nested under an item: its note
    if (const std::size_t at = item ? leading_ref(text) : std::string_view::npos;
        at != std::string_view::npos && (dep_items_ == 0 || l.indent + 1 == dep_items_)) {
      dep_items_ = l.indent + 1;
      // Under `Requires:` or `Prerequisites:` a number alone is a version or a quantity
      // (`- 3.12 (Python)`), unless a task before it has that number (`- 2.1 (invoices)`
      // under task 2.2) or the word says so (`- Task 3.12`).
      if (!(dep_needs_ && is_digit(text[at]) && ifind(text.substr(0, at), "task") == std::string_view::npos &&
            !declared(text.substr(at, match_id(text.substr(at))))))
        dep_item_lines_.push_back(dep_noun_ ? -number : number);
      dep_item_last_ = number;
      dep_item_open_ = open_parens(text);
      return;
    }
    if (item && (dep_items_ == 0 || l.indent + 1 == dep_items_) && names_all_before(strip_bullet(text)) > 0) {
      dep_items_ = l.indent + 1;  // `- All previous tasks`, read in pass two
      dep_item_lines_.push_back(number);
      dep_item_last_ = number;
      return;
    }
    // The item's note wrapped onto the next line, at the marker's indent or less (a lazy
    // continuation): `- T001 (the config, which` over `the app reads)`. Only inside a
    // note it left open: a line after a whole item starts something else (`Unblocks: 👇`).
    if (!item && dep_items_ > 0 && number == dep_item_last_ + 1 && dep_item_open_ > 0 && !(l.flags & kCode) &&
        !starts_with(text, "```") && !starts_with(text, "~~~") && !starts_with(text, "<") &&
        !trim_emphasis(text).ends_with(":") && !trim_emphasis(text).ends_with("\xEF\xBC\x9A")) {
      dep_item_last_ = number;
      dep_item_open_ += open_parens(text);
      return;
    }
    dep_items_ = -1;  // another line, or an item outside the list: it ended
  }

  // Whether a task before this line has that ID: an item of a dependency list that
  // names one names it (`- **T001**: config loader`), where another would start a task.
  // (The IDs are indexed when first asked: most files never ask.)
  bool declared(std::string_view id) {
    for (; declared_upto_ < plan_.tasks.size(); ++declared_upto_) declared_ids_.insert(plan_.tasks[declared_upto_].id);
    return !id.empty() && declared_ids_.count(std::string(id)) > 0;
  }

  // A list of the open task's dependencies opens under `label` (dependency_label).
  void open_dependency_list(std::string_view label) {
    dep_items_ = 0;
    const LowerCopy copy(label);
    dep_needs_ = copy.view().find("requir") != std::string_view::npos || copy.view().find("requisite") != std::string_view::npos;
    // `Dependencies` alone, without a note, does not say which way its items go.
    std::string_view noun = without_lead(trim_emphasis(trim(label)), true);
    if (noun.ends_with(":")) noun.remove_suffix(1);
    else if (noun.ends_with("\xEF\xBC\x9A")) noun.remove_suffix(3);
    const LowerCopy word(trim_emphasis(noun));
    dep_noun_ = word.view() == "dependencies" || word.view() == "dependency" || word.view() == "task dependencies" ||
                word.view() == "deps" || word.view() == "dependencias" || word.view() == "dependências" ||
                word.view() == "dépendances";
  }

  void close_task() {
    open_task_ = -1;
    open_heading_task_ = false;
    open_word_task_ = false;
    open_paragraph_task_ = false;
    dep_items_ = -1;
  }

  Task& new_task(std::string_view id, int line, const Line& l, TaskForm form) {
    Task& t = plan_.tasks.emplace_back();
    t.id.append(id);  // empty: append is assign without the aliasing checks
    t.line = line;
    t.span = Span{l.offset, l.length};
    t.form = form;
    t.phase = static_cast<int>(plan_.phases.size()) - 1;
    t.group = static_cast<int>(plan_.groups.size()) - 1;
    open_task_ = static_cast<int>(plan_.tasks.size()) - 1;
    continuing_ = true;
    dep_items_ = -1;
    // What the final pass needs to know before it starts, gathered here so that it can
    // walk the tasks once: which ID shapes the document uses, how many tasks have no
    // checkbox, and which phases and groups hold tasks.
    const std::string_view shape = id_shape(t.id);
    if (std::none_of(shapes_.begin(), shapes_.end(), [&](const std::string& x) { return x == shape; }))
      shapes_.emplace_back(shape);
    if (form == TaskForm::heading || form == TaskForm::bold_item || form == TaskForm::paragraph) {
      ++headless_;
    }
    mark_used(t);
    return t;
  }

  void mark_used(const Task& t) {
    const auto p = static_cast<std::size_t>(t.phase), g = static_cast<std::size_t>(t.group);
    if (phase_used_.size() <= p) phase_used_.resize(p + 1, 0);
    if (group_used_.size() <= g) group_used_.resize(g + 1, 0);
    phase_used_[p] = 1;
    group_used_[g] = 1;
  }

  void fill_head(Task& t, const Head& h, std::string_view s) {
    if (h.first_len > 0) ranges_.push_back({plan_.tasks.size() - 1, h.first_len, h.last_at});
    t.parallel = h.parallel;
    t.story = h.story;
    t.story_label.append(h.story_label);
    t.other_stories = h.more_stories;
    t.priority.append(h.priority);
    if (!h.labels.empty()) t.labels.assign(h.labels.begin(), h.labels.end());
    for (auto d : h.depends) raw_refs_.push_back({plan_.tasks.size() - 1, t.line, RefOrigin::bracket_field, std::string(d)});
    t.description.append(trim(s.substr(h.rest)));
    // `**T001: Add x**`, `**Task 1.5 - Add** x`: the emphasis that opened before the ID
    // closes in the text, and is no part of it.
    if (!h.open_emph.empty()) {
      const std::string_view e = h.open_emph;
      for (std::size_t at = t.description.find(e); at != std::string::npos; at = t.description.find(e, at + 1)) {
        const std::size_t end = at + e.size();
        const bool closes = at > 0 && !is_space(t.description[at - 1]) &&
                            (end >= t.description.size() || (!is_alnum(t.description[end]) && t.description[end] != e[0]));
        if (closes) {
          t.description.erase(at, e.size());
          break;
        }
      }
    }
    // `- [ ] 2.1 … を足す (並行可)`, `- [ ] 1.3 Add the parser (P)`: cc-sdd's parallel mark at
    // the end of the task's line.
    for (std::string_view mark : {"(P)", "(\xE4\xB8\xA6\xE8\xA1\x8C\xE5\x8F\xAF)", "(\xE4\xB8\xA6\xE5\x88\x97\xE5\x8F\xAF)",
                                  "\xEF\xBC\x88\xE4\xB8\xA6\xE8\xA1\x8C\xE5\x8F\xAF\xEF\xBC\x89"})  // (並行可) (並列可) （並行可）
      if (t.description.size() > mark.size() && std::string_view(t.description).ends_with(mark) &&
          (mark[0] != '(' || is_space(t.description[t.description.size() - mark.size() - 1])))
        t.parallel = true;
    // `### T001 [DONE] [US5] Add …`: a task with no checkbox its author marked done in
    // its labels. (A checkbox's own state is its box: `- [ ] T001 [DONE]` stays pending.)
    if (t.form != TaskForm::checkbox)
      for (std::string_view c : h.labels)
        for (std::string_view d : {"done", "complete", "completed"})
          if (c.size() == d.size() && istarts_with(c, d)) t.state = TaskState::done;
  }

  // Where a heading task's check mark is, or would go: the end of the heading's text (a
  // closing run of `#` aside), the mark and the spaces before it aside.
  void check_place(Task& task, std::string_view head) const {
    const std::string_view h = trim_right(head);
    if (h.empty()) return;
    std::string_view bare = h;
    if (ends_with_check(h)) {
      if (bare.ends_with("\xEF\xB8\x8F")) bare.remove_suffix(3);  // VS16
      bare.remove_suffix(3);
      bare = trim_right(bare);
    }
    task.check_offset = static_cast<std::size_t>(bare.data() + bare.size() - text_.data());
    task.check_length = h.size() - bare.size();
  }

  // A cleared Head whose vectors keep their capacity from the previous task.
  Head& fresh_head() {
    std::vector<std::string_view> labels = std::move(head_.labels);
    std::vector<std::string_view> depends = std::move(head_.depends);
    labels.clear();
    depends.clear();
    head_ = Head{};
    head_.labels = std::move(labels);
    head_.depends = std::move(depends);
    return head_;
  }

  void skip(int line, SkipReason reason, std::string_view s) {
    plan_.skipped.push_back(Skipped{line, reason, clip(trim(s), 120)});
  }

  void build() {
    for (const auto& [at, id] : heading_ids_)
      if (!(lines_[static_cast<std::size_t>(at)].flags & kSection)) note_id_task(id);
    plan_.tasks.reserve(boxes_);
    if (paragraphs_) choose_paragraph_shape();
    open_phase({}, 0, 0);
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const Line& l = lines_[i];
      const int number = static_cast<int>(i) + 1;
      const std::string_view s = (l.flags & kTooLong) ? std::string_view{} : line_text(l);

      if (l.flags & kComment) {
        std::string_view c = s;   // `<!-- - [ ] T007 … -->` on one line is a commented-out task too
        if (starts_with(trim(c), "<!--")) c = trim(c).substr(4);
        if (match_bullet(c).ok && match_box(c.substr(match_bullet(c).content))) skip(number, SkipReason::in_comment, s);
        continue;
      }
      if (l.flags & kCode) {
        if (open_task_ >= 0 && (open_heading_task_ || l.aux > open_indent_)) {
          extend_body(number);
          continuing_ = false;
        } else {
          close_task();
        }
        if (open_unnumbered_ >= 0 && l.aux > unnumbered_indent_) unnumbered_body(number, false, {});
        else open_unnumbered_ = -1;
        ListItem li = match_bullet(s);
        if (li.ok && match_box(s.substr(li.content)) && !(l.flags & kFence)) skip(number, SkipReason::in_code, s);
        if (l.flags & kFence) {
          open_fence(number, s);
          continue;
        }
        note_diagram_kind(s);
        if (dep_level_ > 0) statement(number, s, true);
        continue;
      }
      if (l.heading) {
        open_unnumbered_ = -1;
        on_heading(l, number, s);
        continue;
      }
      const std::string_view t = trim(s);
      if (t.empty()) {
        unnumbered_continuing_ = false;
        continuing_ = false;
        paragraph_gap_ = open_paragraph_task_;
        continue;
      }
      ListItem li;
      if (l.flags & kBullet) {
        li.ok = true;
        li.content = static_cast<std::size_t>(l.aux);
      }
      if (open_unnumbered_ >= 0) {
        if (l.indent > unnumbered_indent_ && !(l.box && l.top)) unnumbered_body(number, li.ok, t);
        else open_unnumbered_ = -1;
      }
      if (paragraphs_ && !li.ok && paragraph_task(l, number, t)) continue;
      // A paragraph task's body goes on past a blank line only with its list or an
      // indented line: a paragraph after it (`Polish & docs`) is the document's.
      if (open_paragraph_task_ && paragraph_gap_ && !li.ok && l.indent < 4) close_task();
      paragraph_gap_ = false;
      const std::size_t box = l.box;
      // A thematic break (`---`) ends a heading task's body: what follows it up to the next
      // heading (a phase's `**Status**: ✅ Phase 1 complete`) is not the task's.
      if (open_heading_task_ && l.indent < 4 && !li.ok && t.size() >= 3 &&
          std::all_of(t.begin(), t.end(), [&](char c) { return c == t[0] || is_space(c); }) &&
          (t[0] == '-' || t[0] == '*' || t[0] == '_')) {
        close_task();
        continue;
      }

      // `- [ ] **Step 1: …**` under `### Task 3: …`: a step of that task, in its body.
      const bool step = open_heading_task_ && open_word_task_ && box == 1 && l.top && !(l.top & kCriteriaBox) &&
                        match_id(box_text(s.substr(li.content + box + 2), &optional_)) == 0 &&
                        !starts_task(box_text(s.substr(li.content + box + 2), &optional_));
      if (step) {
        plan_.tasks[static_cast<std::size_t>(open_task_)].step_marks.push_back(l.offset + li.content + 1);
        skip(number, SkipReason::step, s);
        extend_body(number);
        continuing_ = false;
        body_lines_.push_back({static_cast<std::size_t>(open_task_), number});
        continue;
      }
      // Lines that belong to the open task's body: under a heading task, boxes without an
      // ID too (`## T001 — …` over `- [ ] Tab bar: …`, its acceptance criteria, a list of
      // prerequisites done): its agent is given them; they are no steps of an ID heading,
      // whose state is its heading's check mark or its Status field.
      // An item one column in (` - [ ] T043` under `- [ ] T042`, dobryakov/sonaka) is the
      // open list task's sibling, as it is top level (FORMAT.md: indent < 2) and short of
      // the task's text (CommonMark): not its body.
      const bool sibling_item = [&] {
        if (open_task_ < 0 || open_heading_task_ || !li.ok || l.indent >= 2) return false;
        // A task's own: a checkbox, or a bold ID (` - Files: …` under it stays its detail).
        if (l.box == 0 && !(starts_with(s.substr(li.content), "**") && !task_id_of(s.substr(li.content)).empty()))
          return false;
        const Line& tl = lines_[static_cast<std::size_t>(plan_.tasks[static_cast<std::size_t>(open_task_)].line - 1)];
        return (tl.flags & kBullet) && l.indent < tl.aux;
      }();
      if (open_task_ >= 0 && !sibling_item && (open_heading_task_ || l.indent > open_indent_)) {
        // A heading task's body ends at a top-level task: a box with an ID, or a bold ID
        // item (`### T005 …` then `- **T006** …`).
        // (`- [ ] FR-001: …`, `- **SC-001**: …` under `### T001: …` are requirements it is
        // checked against, and so is a box after its `**Acceptance Criteria:**`, whatever
        // its first word: `- [ ] UTF-8 encoding configured`.)
        const std::string_view boxed = box ? box_text(s.substr(li.content + box + 2), &optional_) : std::string_view();
        const bool top_id_box =
            open_heading_task_ && l.top &&
            ((box && !(l.top & kCriteriaBox) && match_id(boxed) > 0 &&
              !requirement_of(task_id_of(boxed), plan_.tasks[static_cast<std::size_t>(open_task_)].id)) ||
             (li.ok && starts_with(s.substr(li.content), "**") && !task_id_of(s.substr(li.content)).empty() &&
              !requirement_of(task_id_of(s.substr(li.content)), plan_.tasks[static_cast<std::size_t>(open_task_)].id) &&
              !((dep_items_ == 0 || (dep_items_ > 0 && l.indent + 1 == dep_items_)) &&  // `- **T001**` under `Depends on:`
                (bold_dependency_item(s.substr(li.content)) || declared(task_id_of(s.substr(li.content)))))));
        if (!top_id_box) {
          extend_body(number);
          if (box) skip(number, SkipReason::nested, s);
          if (continuing_ && !li.ok && !open_heading_task_) {
            Task& task = plan_.tasks[static_cast<std::size_t>(open_task_)];
            task.description += ' ';
            task.description += t;
          } else {
            continuing_ = false;
          }
          body_lines_.push_back({static_cast<std::size_t>(open_task_), number});
          dependency_item(l, number, li.ok ? s.substr(li.content) : t, li.ok);
          if (open_paragraph_task_) parallel_field(li.ok ? s.substr(li.content) : t);
          continue;
        }
      }
      close_task();

      if (box) {
        on_box(l, number, s, li.content, box);
        continue;
      }
      if (!li.ok && t[0] == '|' && l.indent < 4 && (dep_level_ == 0 || !status_rows_.empty())) {
        // (Under a heading that names an order, `### 3.5 Parallel Group Scheduling`, a table
        // of status rows is still the tasks'; no other row there is.)
        if (dep_level_ == 0 ? on_table_row(l, number, s, t) : on_status_table_line(l, number, s, t)) continue;
      } else {
        table_line_ = 0;
      }
      if (li.ok && l.top && dep_level_ == 0 && starts_with(s.substr(li.content), "**")) {
        Head& h = fresh_head();
        const std::string_view rest = s.substr(li.content);
        // `- **T001** — …`: the ID must be the whole bold run (or start it, with labels).
        if (parse_head(rest, h) && (rest.size() < 2 + h.id.size() + 2 || rest.compare(2 + h.id.size(), 2, "**") == 0 ||
                                    rest[2 + h.id.size()] == ' ')) {
          if (l.flags & kSection) {
            // `- **2.1 Storage**` with checkbox tasks after it: a group named by it.
            skip(number, SkipReason::section, s);
            std::string title(rest);
            for (std::size_t b = title.find("**"); b != std::string::npos; b = title.find("**", b)) title.erase(b, 2);
            open_group(trim(title), number);
            continue;
          }
          if (bold_runs_on(rest, 2 + h.id.size())) {
            // `- **T029 rewritten**: …`, `- **T466 is not optional.**`: a note about a task.
            skip(number, SkipReason::note, s);
            continue;
          }
          if (!bare_id(h.id)) {  // `- **2.3** Rollout`: a section's number, not a task
            Task& task = new_task(h.id, number, l, TaskForm::bold_item);
            fill_head(task, h, rest);
            open_indent_ = l.indent;
            continue;
          }
        }
      }
      if (broken_task_line(t))
        diag(Severity::warning, number, "malformed-task",
             "this looks like a task but is not one (a checkbox is `- [ ] ` with a space inside and after it, "
             "outside a quote): it will not run");
      if (dep_level_ > 0) statement(number, s, false);
    }
  }

  // What a heading is: a task's (its head read into `h`; `word`: the length of the word
  // that names it, `Task `, 0 when it starts with its ID), a numbered section over checkbox
  // tasks (`section`: it has some under it), or neither.
  enum class HeadingIs { other, task, section };
  HeadingIs heading_task(std::string_view title, int level, bool section, Head& h, std::size_t& word) const {
    word = 0;
    if (level < 2) return HeadingIs::other;
    // `### Task 1.1: …` is a task, unless the file names its tasks by IDs of other
    // shapes (id_shapes_): then such a heading is their group, or a note.
    std::string_view emph;
    word = task_word(title, &emph);
    const std::string_view head = word > 0 ? title.substr(word) : title;
    if (!(word > 0 ? parse_head(head, h, emph, true) : parse_head(head, h))) return HeadingIs::other;
    if (word > 0 && !id_shapes_.empty() &&
        std::find(id_shapes_.begin(), id_shapes_.end(), id_shape(h.id)) == id_shapes_.end())
      return HeadingIs::other;  // `### Task 1: …` over `- [ ] T001 …`, or a note: a group, not a task
    if (section) return HeadingIs::section;  // `### 2.1 Storage Layer Tests` with `- [ ] T009 …` under it
    // `### 2.1 Background` with prose under it: a section's number.
    return word > 0 || !bare_id(h.id) ? HeadingIs::task : HeadingIs::other;
  }

  // Whether the next heading of `level` or above after line `number` is a task's, with
  // no heading above `level` before it and lines of its own before it: content between
  // two task headings. (A heading with nothing under it but the next task is a group's:
  // `### Implementation for User Story 1` over `### T004 …`.)
  bool task_heading_next(int number, int level) const {
    bool content = false;
    for (std::size_t i = static_cast<std::size_t>(number); i < lines_.size(); ++i) {
      const Line& n = lines_[i];
      if (n.heading == 0 || n.heading > level || (n.flags & kCode)) {
        content = content || !trim(line_text(n)).empty();
        continue;
      }
      if (n.heading < level || !content) return false;
      Head h;
      std::size_t word = 0;
      return heading_task(heading_text(text_.substr(n.offset, n.length), n.heading), n.heading, n.flags & kSection, h,
                          word) == HeadingIs::task;
    }
    return false;
  }

  void on_heading(const Line& l, int number, std::string_view s) {
    const std::string_view title = heading_text(s, l.heading);
    Head& h = fresh_head();
    std::size_t word = 0;
    const HeadingIs what = heading_task(title, l.heading, l.flags & kSection, h, word);
    const bool is_task = what == HeadingIs::task;
    if (what == HeadingIs::section) skip(number, SkipReason::section, s);
    if (!is_task) h.id = {};
    // A heading inside a heading task is part of it: one below it (`#### Step 1`), or one of
    // its level between it and the next task (`### Environment Setup` in a README example
    // whose fence an indented fence closed, in the CommonMark reading): the agent is given
    // all of it.
    if (!is_task && open_heading_task_ && open_task_ >= 0 &&
        (l.heading > open_heading_level_ ||
         (l.heading == open_heading_level_ && open_word_task_ && task_heading_next(number, l.heading)))) {
      extend_body(number);
      // A heading below the task's that names its dependencies opens a list of them (one
      // of its level between two `### Task N` headings is the document's).
      dep_items_ = -1;
      if (l.heading > open_heading_level_ && dependency_label(title, true)) open_dependency_list(title);
      return;
    }
    close_task();
    if (dep_level_ > 0 && l.heading <= dep_level_) dep_level_ = 0;
    // One person's order inside a dependency section (`### Sequential Delivery (Single
    // Developer)` under `## Dependencies & Execution Order`): not read, to its end.
    if (solo_level_ > 0 && l.heading <= solo_level_) solo_level_ = 0;
    if (dep_level_ > 0 && solo_level_ == 0 && is_one_person_order(title)) solo_level_ = l.heading;
    const std::string_view head = word > 0 ? title.substr(word) : title;
    if (!h.id.empty()) {
      // `### T001 — Create directory structure`: a task with no checkbox.
      Task& task = new_task(h.id, number, l, TaskForm::heading);
      fill_head(task, h, head);
      // `### T001 — Models ✅ <!-- reviewed -->`: a comment after the check mark is not
      // the heading's end; the mark is read, and written, before it.
      std::string_view marked = trim_right(head);
      if (marked.ends_with("-->"))
        if (const std::size_t open = marked.rfind("<!--"); open != std::string_view::npos && open > 0)
          marked = trim_right(marked.substr(0, open));
      if (ends_with_check(marked) || ends_with_done_check(marked)) task.state = TaskState::done;
      check_place(task, marked);
      open_heading_task_ = true;
      open_heading_level_ = l.heading;
      open_word_task_ = word > 0;
      open_indent_ = -1;
      return;
    }
    if (l.heading >= 2 && l.heading <= phase_level_) {
      open_phase(title, number, l.heading);
    } else if (l.heading > phase_level_) {
      open_group(title, number);
    }
    // A heading with tasks under it is a phase ("Parallel Group A"), not prose about order.
    const int index = number - 1;
    if (l.heading >= 2 && dep_level_ == 0 && is_dependency_title(title) && !is_numbered_phase_not_order(title) &&
        !is_one_person_order(title) &&
        !(lines_[static_cast<std::size_t>(index)].flags & kHasBox)) {
      dep_level_ = l.heading;
      dep_title_ = std::string(section_title(title));
    }
  }

  void on_box(const Line& l, int number, std::string_view s, std::size_t content, std::size_t box) {
    bool optional = false;
    const std::string_view head_text = box_text(s.substr(content + box + 2), &optional);
    const char mark = s[content + 1];
    const std::size_t mark_offset = l.offset + content + 1;
    if (!l.top) {
      skip(number, SkipReason::nested, s);
      return;
    }
    Head& h = fresh_head();
    // A word box (`[DONE][P1] T-F003-01`) may have labels before the ID.
    const bool word = box > 1 && is_alpha(mark);
    Head lead;
    const std::size_t skip_labels = word ? leading_labels(head_text, &lead) : 0;
    const std::string_view text = head_text.substr(skip_labels);
    // In a file whose numbered items hold subtasks (Kiro's), an item with none is a task
    // of its own, named by its number (`- [ ] 12. Checkpoint`).
    const bool lone_item = kiro_items_ && !word && !(l.top & kItemOverSubtasks) && !item_number(text).empty();
    bool parsed = lone_item ? parse_head(text, h, {}, true) : parse_head(text, h);
    std::string_view named = text;  // from the task's ID on
    if (!parsed && task_words_ && !word) {
      std::string_view emph;
      if (const std::size_t w = task_word(text, &emph); w > 0 && parse_head(text.substr(w), fresh_head(), emph, true)) {
        named = text.substr(w);
        parsed = true;
      }
    }
    if (!parsed && (l.top & kSubtask) && !word) {
      // `10.2a`, which is no ID anywhere else (`1.5h` is a time).
      std::size_t n = 0;
      while (n < text.size() && (is_digit(text[n]) || text[n] == '.')) ++n;
      if (n > 0 && n < text.size() && is_lower(text[n])) {
        h.id = text.substr(0, n + 1);
        h.rest = n + 1;
        while (h.rest < text.size() && (is_space(text[h.rest]) || text[h.rest] == '.' || text[h.rest] == ':')) ++h.rest;
        parsed = true;
      }
    }
    if (parsed) {
      if (lone_item) lone_items_.insert(number);
      Task& task = new_task(h.id, number, l, TaskForm::checkbox);
      task.mark_offset = mark_offset;
      task.mark = mark;
      fill_head(task, h, named);
      if (lead.parallel) task.parallel = true;
      if (task.priority.empty()) task.priority.append(lead.priority);
      if (task.story_label.empty() && !lead.story_label.empty()) {
        task.story_label.assign(lead.story_label);
        task.story = lead.story;
        task.other_stories = lead.more_stories;
      }
      if (optional) task.labels.emplace_back("optional");
      set_state(task);
      // `[DONE]` is done; any other word (`[TODO]`, `[DOING]`, `[N/A]`) stays "other":
      // flow cannot write a word back, so it never runs such a task itself.
      if (word && box == 4 && istarts_with(s.substr(content + 1), "done")) task.state = TaskState::done;
      open_indent_ = l.indent;
      if (ends_with_dependency_label(task.description)) open_dependency_list({});
      return;
    }
    if (mark == 'P' && box == 1) {
      if (labels_then_task(l, number, head_text)) return;
      skip(number, SkipReason::legend, s);
      return;
    }
    if (trim(head_text).empty()) {
      skip(number, SkipReason::no_id, s);
      return;
    }
    // Kept aside: these become tasks only if the file has no ID'd task at all.
    Task t;
    t.id = "L" + std::to_string(number);
    t.line = number;
    t.span = Span{l.offset, l.length};
    t.form = TaskForm::unnumbered;
    t.mark_offset = mark_offset;
    t.mark = box == 1 ? mark : '?';
    t.description = std::string(trim(head_text));
    t.phase = static_cast<int>(plan_.phases.size()) - 1;
    t.group = static_cast<int>(plan_.groups.size()) - 1;
    set_state(t);
    unnumbered_.push_back(std::move(t));
    open_unnumbered_ = static_cast<int>(unnumbered_.size()) - 1;
    unnumbered_indent_ = l.indent;
    unnumbered_continuing_ = true;
    if (dep_level_ > 0) statement(number, s, false);
  }

  // A line under a box without an ID, noted aside with it: its body if the file has no ID
  // at all and such boxes are its tasks (the files it names, the lines its agent is
  // given), its description's wrapped text when it goes on with no bullet. The line is
  // read as it would be anyway.
  void unnumbered_body(int number, bool bullet, std::string_view t) {
    Task& u = unnumbered_[static_cast<std::size_t>(open_unnumbered_)];
    if (u.body_first == 0) u.body_first = number;
    u.body_last = number;
    unnumbered_body_.emplace_back(u.line, number);
    if (unnumbered_continuing_ && !bullet && !t.empty()) {
      u.description += ' ';
      u.description += t;
    } else {
      unnumbered_continuing_ = false;
    }
  }

  // `- [P] [US1] T003 …`: `[P]` written where the checkbox goes, the ID after the
  // labels. A task without a checkbox (its state lives in the journal); never a place
  // to write a mark. The legend (`- [P] tasks = …`) has no ID there.
  bool labels_then_task(const Line& l, int number, std::string_view s) {
    std::size_t k = 0;
    Head lead;
    while (k < s.size() && s[k] == '[') {
      const std::size_t close = s.find(']', k);
      if (close == std::string_view::npos || close - k > 40) return false;
      const std::string_view c = s.substr(k + 1, close - k - 1);
      if (c != "P" && !add_story(lead, c)) return false;
      k = close + 1;
      while (k < s.size() && is_space(s[k])) ++k;
    }
    const std::string_view rest = s.substr(k);
    Head& h = fresh_head();
    if (!parse_head(rest, h)) return false;
    Task& task = new_task(h.id, number, l, TaskForm::bold_item);
    fill_head(task, h, rest);
    task.parallel = true;
    if (task.story_label.empty() && !lead.story_label.empty()) {
      task.story_label.assign(lead.story_label);
      task.story = lead.story;
      task.other_stories = std::move(lead.more_stories);
    }
    open_indent_ = l.indent;
    return true;
  }

  // The cells of a table row `t` (a view into the line `s`), split at unescaped pipes
  // outside code spans, each trimmed; the leading and trailing pipes make no cell.
  static void table_cells(std::string_view t, std::vector<std::string_view>& cells) {
    cells.clear();
    std::size_t start = 1;
    bool code = false;
    for (std::size_t i = 1; i <= t.size(); ++i) {
      // (A backtick that nothing closes on the line opens no code span.)
      if (i < t.size() && t[i] == '`') code = code ? false : t.find('`', i + 1) != std::string_view::npos;
      if (i < t.size() && t[i] == '\\') { ++i; continue; }
      if (i == t.size() || (t[i] == '|' && !code)) {
        const std::string_view c = trim(t.substr(start, i - start));
        if (i < t.size() || !c.empty()) cells.push_back(c);
        start = i + 1;
      }
    }
  }

  static bool is_table_separator(const std::vector<std::string_view>& cells) {
    if (cells.empty()) return false;
    for (std::string_view c : cells)
      if (c.empty() || c.find_first_not_of("-: ") != std::string_view::npos) return false;
    return true;
  }

  // `| [x] | T001 | Write test … | Test | T001-T010b | … |`: plan dossiers keep their
  // tasks in a table whose first two cells are the state and the ID (either order). The
  // header row names the description and dependency columns. Rows of tables without a
  // checkbox cell (progress summaries, indexes) are no tasks.
  bool on_table_row(const Line& l, int number, std::string_view s, std::string_view t) {
    std::vector<std::string_view>& cells = scratch_texts_;
    if (table_line(number, t, cells)) return false;
    if (cells.size() < 3) return cells.size() == 2 && !status_rows_.empty() && on_status_row(l, number, s, cells);
    // `| WP01 | Type Definitions | completed |`: a row that says a task is done, for a
    // task without a checkbox of its own (read in the final pass).
    if (table_.status > 0 && static_cast<std::size_t>(table_.status) < cells.size() &&
        says_done(cells[static_cast<std::size_t>(table_.status)])) {
      const std::string_view id = trim_emphasis(cells[0]);
      if (!id.empty() && match_id(id) == id.size()) done_rows_.insert(id);
    }
    int box_cell = -1;
    for (int c = 0; c < 2; ++c) {
      // (`[P]` is the parallel marker's column: `| T001 | [P] | … |`.)
      const std::string_view cell = cells[static_cast<std::size_t>(c)];
      const std::size_t n = match_box(cell);
      if (n > 0 && cell.size() == n + 2 && cell != "[P]") box_cell = c;
    }
    if (box_cell < 0) return !status_rows_.empty() && on_status_row(l, number, s, cells);
    const std::size_t id_cell = box_cell == 0 ? 1 : 0;
    Head& h = fresh_head();
    if (!parse_head(cells[id_cell], h)) return false;
    const std::string_view box = cells[static_cast<std::size_t>(box_cell)];
    std::size_t desc = table_.desc >= 0 ? static_cast<std::size_t>(table_.desc) : 2;
    if (desc >= cells.size() || desc == id_cell || desc == static_cast<std::size_t>(box_cell)) desc = 2;
    Task& task = new_task(h.id, number, l, TaskForm::checkbox);
    table_rows_.push_back(number);
    task.mark_offset = l.offset + static_cast<std::size_t>(box.data() - s.data()) + 1;
    task.mark = box.size() == 3 ? box[1] : '?';
    fill_head(task, h, cells[id_cell]);
    task.description.assign(cells[desc]);
    set_state(task);
    // Its dependency cell: IDs, or none (empty, `–`, `None`), which says it waits for nothing.
    if (table_.dep >= 0 && static_cast<std::size_t>(table_.dep) < cells.size()) {
      const std::string_view deps = cells[static_cast<std::size_t>(table_.dep)];
      if (match_id(deps) > 0) raw_refs_.push_back({plan_.tasks.size() - 1, number, RefOrigin::field_line, std::string(deps)});
      else if (names_none(deps)) task.no_dependencies = true;
      else if (const int all = names_all_before(deps); all > 0)
        all_before_.push_back({plan_.tasks.size() - 1, number, all == 2});
    }
    if (table_.path >= 0 && static_cast<std::size_t>(table_.path) < cells.size() && table_.path != table_.dep &&
        static_cast<std::size_t>(table_.path) != desc && static_cast<std::size_t>(table_.path) != id_cell)
      table_path_cells_.emplace_back(number, cells[static_cast<std::size_t>(table_.path)]);
    open_indent_ = l.indent;
    return true;
  }

  // A table's line `t` (line `number`) split into `cells`, its table's header read (table_)
  // at its separator row: whether it is that separator.
  bool table_line(int number, std::string_view t, std::vector<std::string_view>& cells) {
    table_cells(t, cells);
    if (table_line_ != number - 1) table_ = TableHead{};
    table_line_ = number;
    if (!is_table_separator(cells)) return false;
    // The row above is the header.
    std::vector<std::string_view> head;
    const std::string_view above = number >= 2 ? trim(line_text(lines_[static_cast<std::size_t>(number - 2)])) : "";
    if (!above.empty() && above[0] == '|') table_cells(above, head);
    table_ = read_table_head(head);
    return true;
  }

  // A table's line under a heading that names an order, in a file read for its status rows:
  // a status row's task, if it is one.
  bool on_status_table_line(const Line& l, int number, std::string_view s, std::string_view t) {
    std::vector<std::string_view>& cells = scratch_texts_;
    return !table_line(number, t, cells) && on_status_row(l, number, s, cells);
  }

  // The columns a table's header row names; -1 where it names none.
  struct TableHead {
    int id = -1;        // `ID`, `Task ID`, `#`
    int desc = -1;      // `Task`, `Title`, `Description`, `Name`
    int status = -1;    // `Status`, `State`
    int dep = -1;       // `Dependencies`, `Depends on`, `Blocked by`, `Deps`
    int path = -1;      // `Absolute Path(s)`, `Files`, `Target File`: the files each row's task edits
    int parallel = -1;  // `Parallel`, `[P]`
    int priority = -1;  // `Priority`
  };

  // The words of a header naming a table's task and Status columns (lower case: LowerCopy
  // folds ASCII only), in English and other languages.
  static constexpr std::string_view kTaskColumns[] = {
      "task", "title", "description", "name", "tarea", "tarefa", "t\xC3\xADtulo", "titulo", "descripci\xC3\xB3n",
      "descri\xC3\xA7\xC3\xA3o", "t\xC3\xA2" "che", "aufgabe", "titel", "beschreibung", "attivit\xC3\xA0", "g\xC3\xB6rev",
      "zadanie", "tugas", "\xE4\xBB\xBB\xE5\x8A\xA1", "\xE4\xBB\xBB\xE5\x8B\x99", "\xE3\x82\xBF\xE3\x82\xB9\xE3\x82\xAF",
      "\xEC\x9E\x91\xEC\x97\x85", "\xE6\x8F\x8F\xE8\xBF\xB0", "\xE5\x86\x85\xE5\xAE\xB9", "\xE3\x82\xBF\xE3\x82\xA4\xE3\x83\x88\xE3\x83\xAB"};
  static constexpr std::string_view kStatusColumns[] = {
      "status", "state", "estado", "statut", "stato", "durum", "\xE7\x8A\xB6\xE6\x80\x81", "\xE7\x8B\x80\xE6\x85\x8B",
      "\xE7\x8A\xB6\xE6\x85\x8B", "\xE3\x82\xB9\xE3\x83\x86\xE3\x83\xBC\xE3\x82\xBF\xE3\x82\xB9", "\xEC\x83\x81\xED\x83\x9C"};
  template <std::size_t N>
  static bool in(std::string_view w, const std::string_view (&words)[N]) {
    return std::find(std::begin(words), std::end(words), w) != std::end(words);
  }

  static TableHead read_table_head(const std::vector<std::string_view>& head) {
    TableHead h;
    bool status_named = false;
    for (std::size_t c = 0; c < head.size(); ++c) {
      const LowerCopy copy(trim_emphasis(head[c]));
      const std::string_view w = copy.view();
      const int col = static_cast<int>(c);
      const auto take = [col](int& at) { if (at < 0) at = col; };
      if (w == "id" || w == "task id" || w == "#") take(h.id);
      else if (in(w, kTaskColumns)) take(h.desc);
      else if (w == "status" && !status_named) h.status = col, status_named = true;  // over a State column
      else if (in(w, kStatusColumns)) take(h.status);
      else if (w == "parallel" || w == "parallelizable" || w == "[p]" || w == "p") take(h.parallel);
      else if (w == "priority" || w == "prio") take(h.priority);
      if (contains(w, "depend") || contains(w, "blocked by") || has_word(w, {"deps"})) take(h.dep);
      else if (has_word(w, {"path", "paths", "file", "files"})) take(h.path);
    }
    return h;
  }

  // A status row's ID (`T014`, `TASK-sqlite-schema-init`, `WP-03`): one token of letters,
  // digits and `-`, `_`, `.` inside, that can name a git branch (flow/<run>/<ID>).
  static bool row_id(std::string_view id) {
    if (id.empty() || id.size() > 64 || !is_alnum(id.front()) || !is_alnum(id.back())) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
      const char c = id[i];
      if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
      if (c == '.' && id[i + 1] == '.') return false;  // (the last byte is alphanumeric)
    }
    return true;
  }

  // A status row's ID from its cell: the cell whole (`TASK-sqlite-init`), a link's text
  // (`[T003](#t003)`), or an ID of a task's shape before a space (`T005 🆕`); empty if none.
  static std::string_view row_id_in(std::string_view cell) {
    std::string_view c = trim_emphasis(cell);
    if (starts_with(c, "[")) {
      const std::size_t close = c.find("](");
      if (close != std::string_view::npos && c.back() == ')') c = trim_emphasis(c.substr(1, close - 1));
    }
    if (row_id(c)) return c;
    const std::size_t sp = c.find(' ');
    if (sp == std::string_view::npos) return {};
    const std::string_view head = c.substr(0, sp);
    return row_id(head) && match_id(head) == head.size() ? head : std::string_view();
  }

  // `| T014 | Create useBusinessUnitsQuery hook | `lib/query/…` | ⏳ | [P] |`, `| TASK-sse-endpoint
  // | Implement SSE … | P0 | Todo | - | TASK-fastapi-app-skeleton | … |`: a row of a table of
  // tasks with a Status column and no checkbox, in a file read again for them
  // (status_rows()): a task whose state is its Status cell, where flow writes it
  // (Task::status_offset). Its other columns give its description, its dependencies, its
  // files, `[P]` and its priority.
  bool on_status_row(const Line& l, int number, std::string_view s, const std::vector<std::string_view>& cells) {
    if (!std::binary_search(status_rows_.begin(), status_rows_.end(), number)) return false;
    const auto cell = [&](int c) {
      return c >= 0 && static_cast<std::size_t>(c) < cells.size() ? cells[static_cast<std::size_t>(c)] : std::string_view();
    };
    if (table_.status < 0) return false;
    const std::string_view id = row_id_in(cell(table_.id));
    // A row flow cannot read is said, not passed over: its tasks would never run.
    if (id.empty()) {
      diag(Severity::warning, number, "status-row-unread",
           "this row of a table of tasks is not read: its ID cell (\"" + clip(std::string(trim(cell(table_.id))), 40) +
               "\") is not one ID; write the task's ID alone there (`| T005 | … |`)");
      return false;
    }
    if (static_cast<std::size_t>(table_.status) >= cells.size()) {
      diag(Severity::warning, number, "status-row-unread",
           "task " + std::string(id) + "'s row has " + std::to_string(cells.size()) +
               " cells and no Status cell, where flow keeps its state: it is not read; give it one (`| … | Todo |`)");
      return false;
    }
    Task& task = new_task(id, number, l, TaskForm::status_row);
    table_rows_.push_back(number);
    std::string_view desc = cell(table_.desc);  // `**Add SSE**`: its bold, not a code span's backtick
    if (desc.size() > 4 && starts_with(desc, "**") && desc.substr(desc.size() - 2) == "**") desc = trim(desc.substr(2, desc.size() - 4));
    task.description.assign(desc);
    const std::string_view v = cells[static_cast<std::size_t>(table_.status)];
    std::size_t at = l.offset + static_cast<std::size_t>(v.data() - s.data());
    if (v.empty()) {  // an empty cell: written after the space that opens it, if any
      while (at > l.offset && text_[at - 1] == ' ') --at;
      if (at < text_.size() && text_[at] == ' ') ++at;
    }
    task.status_offset = at;
    task.status_length = v.size();
    task.state = row_state(v);
    const LowerCopy par(trim_emphasis(cell(table_.parallel)));
    for (std::string_view yes : {"[p]", "p", "yes", "y", "true", "\xE2\x9C\x93", "\xE2\x9C\x94", "\xE2\x9C\x85"})
      if (par.view() == yes) task.parallel = true;
    if (const std::string_view p = trim_emphasis(cell(table_.priority));
        p.size() == 2 && (p[0] == 'P' || p[0] == 'p') && is_digit(p[1]))
      task.priority.assign(p);
    // Its dependency cell, where the table has one: empty, `-` or `None` say it has none.
    if (const std::string_view deps = cell(table_.dep); table_.dep >= 0) {
      if (match_id(deps) > 0) raw_refs_.push_back({plan_.tasks.size() - 1, number, RefOrigin::field_line, std::string(deps)});
      else if (names_none(deps)) task.no_dependencies = true;
      else if (const int all = names_all_before(deps); all > 0)
        all_before_.push_back({plan_.tasks.size() - 1, number, all == 2});
      else raw_refs_.push_back({plan_.tasks.size() - 1, number, RefOrigin::field_line, std::string(deps), true});
    }
    if (table_.path >= 0 && table_.path != table_.dep && table_.path != table_.desc && table_.path != table_.id &&
        table_.path != table_.status && static_cast<std::size_t>(table_.path) < cells.size())
      table_path_cells_.emplace_back(number, cells[static_cast<std::size_t>(table_.path)]);
    open_indent_ = l.indent;
    return true;
  }

  // A table cell that names no task: empty, `-`, `—`, `None`, `N/A`, `无`, `なし` …
  static bool names_none(std::string_view cell) {
    cell = trim_emphasis(cell);
    if (cell.size() >= 2 && cell.front() == '(' && cell.back() == ')') cell = trim(cell.substr(1, cell.size() - 2));  // `(none)`
    const LowerCopy copy(cell);
    for (std::string_view w : {"", "-", "\xE2\x80\x94", "\xE2\x80\x93", "none", "n/a", "na", "nothing", "\xE6\x97\xA0",
                               "\xE7\x84\xA1", "\xE3\x81\xAA\xE3\x81\x97", "\xEC\x97\x86\xEC\x9D\x8C", "keine",
                               "aucune", "ninguna", "nenhuma"})
      if (copy.view() == w) return true;
    return false;
  }

  // A status row's dependency cell of IDs of any shape (`TASK-fastapi-app-skeleton,
  // TASK-vue-project-scaffold`, `[TASK-a](…) and TASK-b`): each ID once, in order; `-`,
  // `None` and the like name none.
  void row_refs(std::string_view s, int line, std::vector<DepRef>& out) {
    std::size_t i = 0;
    while (i < s.size()) {
      // `[text](target)`: the text.
      if (s[i] == '(' && i > 0 && s[i - 1] == ']') {
        const std::size_t close = s.find(')', i);
        i = close == std::string_view::npos ? s.size() : close + 1;
        continue;
      }
      if (!is_alnum(s[i])) { ++i; continue; }
      std::size_t j = i;
      while (j < s.size() && (is_alnum(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == '.')) ++j;
      std::string_view w = s.substr(i, j - i);
      while (!w.empty() && !is_alnum(w.back())) w.remove_suffix(1);
      i = j;
      const LowerCopy lower(w);
      bool word = false;
      for (std::string_view n : {"none", "n", "a", "na", "and", "or", "nothing", "tbd"}) word = word || lower.view() == n;
      if (word || !row_id(w)) continue;
      if (std::none_of(out.begin(), out.end(), [&](const DepRef& r) { return r.first == w; }))
        out.push_back({std::string(w), std::string(w), line, RefOrigin::field_line});
    }
  }

  static void set_state(Task& t) {
    if (t.mark == ' ') t.state = TaskState::pending;
    else if (t.mark == 'x' || t.mark == 'X') t.state = TaskState::done;
    else t.state = TaskState::other;
  }

  void extend_body(int number) {
    Task& t = plan_.tasks[static_cast<std::size_t>(open_task_)];
    if (t.body_first == 0) t.body_first = number;
    t.body_last = number;
  }

  // Each statement keeps its section's title for readers (`flow check --json`; the graph
  // does not read it): at most its first 200 bytes, cut at a character, so a long heading
  // over many lines is not copied whole onto each of them (memory linear in the file).
  static std::string_view section_title(std::string_view title) { return title.substr(0, utf8_cut(title, 200)); }

  void statement(int number, std::string_view s, bool in_code) {
    if (solo_level_ > 0) return;
    std::string_view t = in_code && diagram_ > 0 ? trim(s) : strip_bullet(s);
    if (t.empty()) return;
    // Every line of a flowchart: `A --> B` may join nodes labelled with IDs elsewhere.
    if (in_code && diagram_ > 0) {
      plan_.statements.push_back(Statement{number, std::string(t), dep_title_, true, diagram_});
      return;
    }
    if (!in_code && t[0] == '|' && dependency_table_row(number, t)) return;
    bool digit = false;
    for (char c : t) if (is_digit(c)) { digit = true; break; }
    if (!digit && ifind(t, "stor") == std::string_view::npos) return;
    plan_.statements.push_back(Statement{number, std::string(t), dep_title_, in_code, 0, in_code && drawing_});
  }

  // A table of a dependency section whose header names a column of what each row waits
  // for (`| Tâche | Dépend de | … |`, `| Story | Depends On | Reason |`): each row is the
  // statement "<its task, story or phase> depends on <that cell>", as prose would say it.
  // Returns whether the row was taken (a header, its rule, or a row of such a table).
  bool dependency_table_row(int number, std::string_view t) {
    std::vector<std::string_view>& cells = scratch_cells_;
    table_cells(t, cells);
    const bool continues = dep_table_line_ == number - 1;
    dep_table_line_ = number;
    if (is_table_separator(cells)) return continues;
    if (!continues) {
      // A header: the column of dependencies, and the one of what has them (the first, or
      // the one named as tasks or stories).
      dep_table_col_ = -1;
      int named = -1;
      for (std::size_t k = 0; k < cells.size(); ++k) {
        const LowerCopy c(cells[k]);
        const auto any = [&](std::initializer_list<std::string_view> words) {
          return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return contains(c.view(), w); });
        };
        if (k > 0 && dep_table_col_ < 0 &&
            any({"depend", "dépend", "prerequisite", "blocked by", "requires", "waits for", "依赖", "依賴", "前置", "依存", "의존", "선행"}))
          dep_table_col_ = static_cast<int>(k);
        else if (named < 0 && any({"task", "tâche", "tarea", "tarefa", "story", "id", "任务", "任務", "タスク", "태스크", "작업"}))
          named = static_cast<int>(k);
      }
      dep_table_subject_ = named >= 0 && named != dep_table_col_ ? named : 0;
      return dep_table_col_ > 0;
    }
    if (dep_table_col_ <= 0) return false;
    const auto col = static_cast<std::size_t>(dep_table_col_), subject = static_cast<std::size_t>(dep_table_subject_);
    if (cells.size() <= std::max(col, subject)) return true;
    const std::string_view deps = cells[col];
    if (deps.empty() || deps == "-" || deps == "\xE2\x80\x94" || deps == "\xE2\x80\x93") return true;  // - — –
    plan_.statements.push_back(Statement{number, std::string(cells[subject]) + " depends on " + std::string(deps),
                                         dep_title_, false, 0, false});
    return true;
  }

  // A fence line opens a code block or closes the one open. A ```mermaid block whose
  // first statement is `graph` or `flowchart` is a diagram whose edges the graph reads;
  // any other block (a sequence or state diagram, a ```text drawing) is an illustration.
  void open_fence(int number, std::string_view s) {
    if (fence_open_) {
      fence_open_ = false;
      mermaid_ = false;
      diagram_ = 0;
      return;
    }
    fence_open_ = true;
    std::string_view info = trim(s);
    while (!info.empty() && (info.front() == '`' || info.front() == '~')) info.remove_prefix(1);
    info = trim(info);
    if (!info.empty() && info.front() == '{') info.remove_prefix(1);  // ```{mermaid}
    mermaid_ = istarts_with(info, "mermaid") && (info.size() == 7 || !is_alnum(info[7]));
    // A drawing names no language: ```, ```text, ```ascii (its first word, `text title=…`).
    const std::string_view lang = info.substr(0, std::min(info.find_first_of(" \t{}"), info.size()));
    drawing_ = false;
    for (std::string_view w : {"", "text", "txt", "plain", "plaintext", "ascii", "diagram", "none"})
      drawing_ = drawing_ || (lang.size() == w.size() && istarts_with(lang, w));
    mermaid_front_ = false;
    fence_line_ = number;
    diagram_ = 0;
  }

  // The first line of a Mermaid block that is not a comment or its front matter
  // (`---` … `---`) names the kind of diagram.
  void note_diagram_kind(std::string_view s) {
    if (!mermaid_) return;
    const std::string_view t = trim(s);
    if (t == "---") {
      mermaid_front_ = !mermaid_front_;
      return;
    }
    if (mermaid_front_ || t.empty() || starts_with(t, "%%")) return;
    mermaid_ = false;  // decided
    for (std::string_view kind : {"graph", "flowchart", "flowchart-elk"})
      if (istarts_with(t, kind) && (t.size() == kind.size() || is_space(t[kind.size()]) || t[kind.size()] == ';')) {
        diagram_ = fence_line_;
        return;
      }
  }

  // --- final pass ---------------------------------------------------------------

  // Kiro's layout: a numbered item over its subtasks (`- [ ] 6. Frontend` over `- [ ] 6.1
  // …`) is no task in a file with IDs, but the group of the tasks numbered under it; the
  // dependency fields written under it (`_Dependencies: タスク7.1-7.7完了_`) are that
  // group's (Group::item_number). Returns the items' lines.
  std::unordered_set<int> item_groups() {
    std::unordered_set<int> items;
    std::size_t next = 0;  // the first task after the item
    for (std::size_t u = 0; u < unnumbered_.size(); ++u) {
      const Task& item = unnumbered_[u];
      const std::string_view d = item.description;
      const std::string_view number = item_number(d);
      if (number.empty()) continue;
      const std::size_t n = number.size();
      const std::string prefix = std::string(number) + ".";  // "6."
      while (next < plan_.tasks.size() && plan_.tasks[next].line < item.line) ++next;
      // To the next item (a box without an ID between, `- [x] 10.2a …`, ends nothing).
      std::size_t after = u + 1;
      while (after < unnumbered_.size() && item_number(unnumbered_[after].description).empty()) ++after;
      const int end = after < unnumbered_.size() ? unnumbered_[after].line : plan_.line_count + 1;
      std::size_t last = next;
      for (; last < plan_.tasks.size(); ++last) {
        const Task& t = plan_.tasks[last];
        if (t.line >= end || t.phase != item.phase || t.group != item.group || !starts_with(t.id, prefix)) break;
      }
      if (last == next) continue;
      const int gi = static_cast<int>(plan_.groups.size());
      Group g;
      g.title = std::string(trim(d.substr(n + 1)));
      g.line = item.line;
      g.phase = item.phase;
      g.item_number = prefix.substr(0, n);
      g.mark_offset = item.mark_offset;
      g.mark = item.mark;
      item_numbers_.insert(g.item_number);
      plan_.groups.push_back(std::move(g));
      for (std::size_t k = next; k < last; ++k) plan_.tasks[k].group = gi;
      for (int ln = item.line + 1; ln < plan_.tasks[next].line; ++ln) {
        const Line& l = lines_[static_cast<std::size_t>(ln - 1)];
        if ((l.flags & (kCode | kComment)) != 0 || l.indent == 0) continue;
        const std::string_view f = strip_bullet(trim(line_text(l)));
        if (is_dependency_field(f)) pending_heading_refs_.push_back({std::string(f), ln, item.phase, gi});
      }
      items.insert(item.line);
    }
    // A numbered item with no subtask, a task of its own (`- [ ] 12. Checkpoint`), is an
    // item as well: in the order of the items, with the dependencies written under it.
    for (Task& t : plan_.tasks) {
      if (lone_items_.empty()) break;
      if (!lone_items_.count(t.line)) continue;
      const int gi = static_cast<int>(plan_.groups.size());
      Group g;
      g.title = t.description;
      g.line = t.line;
      g.phase = t.phase;
      g.item_number = t.id;
      item_numbers_.insert(g.item_number);
      plan_.groups.push_back(std::move(g));
      t.group = gi;
      for (int ln = t.body_first; ln > 0 && ln <= t.body_last; ++ln) {
        const Line& l = lines_[static_cast<std::size_t>(ln - 1)];
        if ((l.flags & (kCode | kComment)) != 0 || l.indent == 0) continue;
        const std::string_view f = strip_bullet(trim(line_text(l)));
        if (is_dependency_field(f)) pending_heading_refs_.push_back({std::string(f), ln, t.phase, gi});
      }
    }
    if (!items.empty() || !lone_items_.empty()) {
      group_used_.assign(plan_.groups.size(), 0);
      for (const Task& t : plan_.tasks) group_used_[static_cast<std::size_t>(t.group)] = 1;
    }
    return items;
  }


  void finish() {
    drop_mirrors();
    if (plan_.tasks.empty() && !unnumbered_.empty()) {
      drop_outcome_checklists();
      plan_.tasks = std::move(unnumbered_);
      for (const Task& t : plan_.tasks) mark_used(t);
      // Their bodies, by line (a checklist dropped above has none now).
      std::unordered_map<int, std::size_t> at;
      for (std::size_t i = 0; i < plan_.tasks.size(); ++i) at.emplace(plan_.tasks[i].line, i);
      body_lines_.clear();
      for (const auto& [task_line, line] : unnumbered_body_)
        if (const auto it = at.find(task_line); it != at.end()) body_lines_.emplace_back(it->second, line);
      diag(Severity::info, plan_.tasks.front().line, "no-ids",
           "no task has an ID: top-level checkboxes are tasks named after their lines (L12 …)");
    } else {
      progress_boxes();
      const std::unordered_set<int> items = item_groups();
      for (const Task& t : unnumbered_)
        skip(t.line, items.count(t.line) ? SkipReason::section : SkipReason::no_id, text_.substr(t.span.offset, t.span.length));
      if (!unnumbered_.empty()) unstarted_ids();
    }
    std::sort(plan_.skipped.begin(), plan_.skipped.end(),
              [](const Skipped& a, const Skipped& b) { return a.line < b.line; });

    // Phases and groups that hold no task are dropped; tasks are renumbered in the pass.
    phase_used_.resize(plan_.phases.size(), 0);
    group_used_.resize(plan_.groups.size(), 0);
    std::vector<int> phase_map(plan_.phases.size(), -1), group_map(plan_.groups.size(), -1);
    for (std::size_t i = 0, n = 0; i < phase_map.size(); ++i)
      if (phase_used_[i]) phase_map[i] = static_cast<int>(n++);
    {
      // In document order: a numbered item's group (item_groups) was made after the rest.
      std::vector<std::size_t> used;
      for (std::size_t i = 0; i < group_map.size(); ++i)
        if (group_used_[i]) used.push_back(i);
      std::stable_sort(used.begin(), used.end(), [&](std::size_t a, std::size_t b) {
        const Group &x = plan_.groups[a], &y = plan_.groups[b];
        return x.phase != y.phase ? x.phase < y.phase : x.line < y.line;
      });
      for (std::size_t n = 0; n < used.size(); ++n) group_map[used[n]] = static_cast<int>(n);
    }

    bare_shape_ = std::any_of(plan_.tasks.begin(), plan_.tasks.end(),
                              [](const Task& t) { return id_shape(t.id).empty() && t.id.find('.') != std::string::npos; });
    number_ids_ = std::any_of(plan_.tasks.begin(), plan_.tasks.end(), [](const Task& t) {
      return !t.id.empty() && std::all_of(t.id.begin(), t.id.end(), [](char c) { return is_digit(c); });
    });
    // One pass over the tasks: a large plan does not fit in the caches, and each pass
    // over it costs as much as the work done in it.
    TaskIndex first_line(TaskId{&plan_.tasks}, plan_.tasks.size());
    ids_ = &first_line;  // the tasks before the one read (copies_title_of)
    std::vector<int> story(plan_.phases.size(), -1);  // the one story of a phase's tasks
    int xs = 0, big_xs = 0;
    std::size_t body = 0, raw = 0;
    if (!ranges_.empty()) index_range_tasks();
    // Tasks whose state only the journal keeps: no checkbox, no steps.
    std::size_t boxless = 0, first_boxless = 0;
    if (headless_ > 0)
      for (std::size_t i = plan_.tasks.size(); i-- > 0;)
        if (!plan_.tasks[i].has_marks()) ++boxless, first_boxless = i;
    for (std::size_t i = 0; i < plan_.tasks.size(); ++i) {
      Task& t = plan_.tasks[i];
      if (!t.step_marks.empty()) t.check_offset = Task::npos, t.check_length = 0;  // its steps say
      if (t.form != TaskForm::unnumbered) {
        const auto [holder, fresh] = first_line.insert(static_cast<std::uint32_t>(i));
        if (!fresh) duplicate(t, plan_.tasks[holder].line);
      }
      if (boxless > 0 && i == first_boxless)
        diag(Severity::info, t.line, "no-checkbox",
             std::to_string(boxless) + (boxless == 1 ? " task has" : " tasks have") +
                 " no checkbox (a bold item): its state is kept in flow's journal, "
                     "and read from its Status field or a status table");
      if (t.mark == 'x') ++xs;
      if (t.mark == 'X') ++big_xs;
      for (std::size_t at : t.step_marks) {
        xs += text_[at] == 'x';
        big_xs += text_[at] == 'X';
      }
      if (t.state == TaskState::pending && (withdrawn(t) || set_aside_section(plan_.phases[static_cast<std::size_t>(t.phase)].title)))
        t.state = TaskState::other;
      if (t.state == TaskState::pending && t.mark_offset != Task::npos)
        if (const std::string_view w = says_done_in_words(t.description); !w.empty())
          diag(Severity::warning, t.line, "open-box-says-done",
               t.id + "'s box is open, but its words say it is done (\"" + std::string(w.substr(0, utf8_cut(w, 60))) +
                   "\"): the box is its state, so flow runs it; tick the box if the work is there");
      if (t.state == TaskState::other) skip(t.line, SkipReason::other_mark, text_.substr(t.span.offset, t.span.length));

      extract_refs_and_paths(i, body);
      refs_to_all_before(i, phase_map[static_cast<std::size_t>(t.phase)]);  // (the tasks above: renumbered)
      for (; raw < raw_refs_.size() && raw_refs_[raw].task <= i; ++raw) {
        const RawRef& r = raw_refs_[raw];
        if (r.task != i) continue;
        if (r.any_shape) row_refs(r.text, r.line, scratch_deps_);
        else parse_id_list(r.text, 0, r.line, r.origin, scratch_deps_, nullptr);
      }
      name_range_refs(scratch_deps_);
      dedupe(scratch_deps_);
      settle(scratch_deps_, t.depends_on);
      settle(scratch_paths_, t.paths);
      if (!t.depends_on.empty()) with_refs_.push_back(i);
      note_basenames(i);

      int& st = story[static_cast<std::size_t>(t.phase)];
      if (t.story_label.empty() || !t.other_stories.empty()) st = -2;
      else if (st == -1) st = t.story;
      else if (st != t.story) st = -2;
      t.phase = phase_map[static_cast<std::size_t>(t.phase)];
      t.group = group_map[static_cast<std::size_t>(t.group)];
    }
    ids_ = nullptr;
    plan_.done_mark = xs > big_xs ? 'x' : 'X';
    if (said_orders_)
      std::stable_sort(plan_.statements.begin(), plan_.statements.end(),
                       [](const Statement& a, const Statement& b) { return a.line < b.line; });

    resolve_basenames();
    same_file_paths();
    resolve_heading_refs();
    check_refs(first_line);
    if (!plan_.tasks.empty()) unread_table_rows(first_line);
    classify_story_phases(story);
    prune(phase_map, group_map);
    item_boxes_disagree();
    read_dependents_lists(first_line);  // with the phases as they are read (user stories)
    sort_diagnostics();
    if (plan_.tasks.empty()) no_tasks();
    // Refused for tables of tasks flow has no checkbox for, or with no task but ID-less
    // boxes (forgemaster's checklists beside 270 status rows): the rows a reading of the
    // tables would take (parse_tasks_md reads the file again for them).
    if (status_rows_.empty() && !paragraphs_ &&
        (std::any_of(plan_.diagnostics.begin(), plan_.diagnostics.end(),
                     [](const Diagnostic& d) {
                       return d.severity == Severity::error && (d.code == "no-tasks" || d.code == "unread-table");
                     }) ||
         (!plan_.tasks.empty() && std::all_of(plan_.tasks.begin(), plan_.tasks.end(),
                                              [](const Task& t) { return t.form == TaskForm::unnumbered; }))))
      found_status_rows_ = status_table_rows(first_line);
  }

  // The rows of the file's tables of tasks with a Status column (their header names ID,
  // task and Status columns) whose ID is no task read otherwise and which have no checkbox:
  // their lines, if at least two.
  std::vector<int> status_table_rows(const TaskIndex& ids) const {
    std::vector<int> out;
    each_task_table_row([&](std::size_t k, const std::vector<std::string_view>& cells, const TableHead& table) {
      if (cells.size() < 2) return;
      for (std::size_t c = 0; c < 2; ++c)
        if (const std::size_t n = match_box(cells[c]); n > 0 && cells[c].size() == n + 2 && cells[c] != "[P]") return;
      const std::string_view raw = trim_emphasis(cells[static_cast<std::size_t>(table.id)]);
      const std::string_view id = row_id_in(raw);
      if (raw.empty() || raw == "-" || raw == "\xE2\x80\x94" || ids.contains(id) || item_numbers_.count(std::string(id))) return;
      out.push_back(static_cast<int>(k) + 1);
    });
    if (out.size() < 2) out.clear();
    return out;
  }

  // `- [ ] T002 [P] Même fichier : nouveau test …` (MaximeMaigret2/arrete-prefectoraux): a
  // task that names no file but says it works in the same file as the one before it (in
  // its phase) edits that task's files; seven such [P] tests ran together on one file.
  void same_file_paths() {
    static constexpr std::string_view phrases[] = {
        "same file", "m\xC3\xAAme fichier", "mismo archivo", "mismo fichero", "mesmo arquivo", "selbe datei",
        "selben datei", "gleiche datei", "gleichen datei", "stessa file", "stesso file",
        "\xE5\x90\x8C\xE3\x81\x98\xE3\x83\x95\xE3\x82\xA1\xE3\x82\xA4\xE3\x83\xAB",  // 同じファイル
        "\xE5\x90\x8C\xE4\xB8\x80\xE6\x96\x87\xE4\xBB\xB6",                              // 同一文件
        "\xEA\xB0\x99\xEC\x9D\x80 \xED\x8C\x8C\xEC\x9D\xBC"};                            // 같은 파일
    for (std::size_t i = 1; i < plan_.tasks.size(); ++i) {
      Task& t = plan_.tasks[i];
      const Task& before = plan_.tasks[i - 1];
      if (!t.paths.empty() || before.paths.empty() || before.phase != t.phase) continue;
      if (std::none_of(std::begin(phrases), std::end(phrases),
                       [&](std::string_view p) { return ifind(t.description, p) != std::string_view::npos; }))
        continue;
      t.paths = before.paths;
    }
  }

  // A Kiro item's box that says other than its subtasks (`- [x] 2. …` over an open 2.5, or
  // `- [ ] 3. …` over 3.1 and 3.2 done): flow runs the subtasks as their boxes say and
  // changes only a box that agreed with them, so the file keeps saying what it said.
  // Optional subtasks (`- [ ]* 2.6`) count only when all of them are.
  void item_boxes_disagree() {
    struct Count { int tasks = 0, open = 0; std::string first_open; };
    std::vector<Count> count(plan_.groups.size());
    const std::vector<char> decides = item_deciders(plan_);
    for (std::size_t i = 0; i < plan_.tasks.size(); ++i) {
      const Task& t = plan_.tasks[i];
      if (!decides[i] || t.state == TaskState::other) continue;
      Count& c = count[static_cast<std::size_t>(t.group)];
      ++c.tasks;
      if (t.state == TaskState::pending && c.open++ == 0) c.first_open = t.id;
    }
    // Open items over finished subtasks are one warning (an author who ticks subtasks
    // only does so throughout), at the first.
    std::vector<std::string> open_items;
    int first_open_line = 0;
    for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
      const Group& gr = plan_.groups[g];
      const Count& c = count[g];
      if (gr.mark_offset == Task::npos || c.tasks == 0) continue;
      if ((gr.mark == 'x' || gr.mark == 'X') && c.open > 0) {
        diag(Severity::warning, gr.line, "item-box-disagrees",
             "item " + gr.item_number + "'s box is ticked, but " +
                 (c.open == 1 ? "its subtask " + c.first_open + " is"
                              : std::to_string(c.open) + " of its subtasks (" + c.first_open + " …) are") +
                 " not: flow runs " + (c.open == 1 ? "it" : "them") + " and leaves the item's box as it is");
      } else if (gr.mark == ' ' && c.open == 0) {
        if (open_items.empty()) first_open_line = gr.line;
        open_items.push_back(gr.item_number);
      }
    }
    if (open_items.size() == 1)
      diag(Severity::warning, first_open_line, "item-box-disagrees",
           "item " + open_items[0] +
               "'s box is open, but its subtasks are all done: flow leaves the box as it is; tick it if the item is done");
    else if (!open_items.empty())
      diag(Severity::warning, first_open_line, "item-box-disagrees",
           "items " + join(open_items, ", ") +
               " have open boxes, but their subtasks are all done: flow leaves the boxes as they are; tick them if "
               "the items are done");
  }

  // The ID a line outside lists, headings, code and comments starts with, alone or in
  // bold, before a separator (`T001. Capture …`, `**T002 [P] [X]**: Add …`); empty if none.
  std::string_view paragraph_id(const Line& l) const {
    if ((l.flags & (kCode | kComment | kBullet | kTooLong)) != 0 || l.heading != 0 || l.indent > 3) return {};
    std::string_view t = trim(line_text(l));
    if (starts_with(t, "**") || starts_with(t, "__")) t.remove_prefix(2);
    if (t.empty() || !is_upper(t[0])) return {};
    const std::size_t n = match_id(t);
    if (n == 0 || n >= t.size() || std::string_view(".:)*_ \t").find(t[n]) == std::string_view::npos) return {};
    return t.substr(0, n);
  }

  // Whether IDs of `shape` name tasks (`T001`, `TASK-1`), not requirements or criteria
  // (`FR-001: The system …`, `SC-002: …`), where a line starts with one.
  static bool task_shape(std::string_view shape) {
    const LowerCopy s(shape);
    return s.view() == "t" || s.view() == "t-" || s.view() == "task-" || s.view() == "tsk-";
  }

  // The ID shape of a file's paragraph tasks: the most common task shape among such lines.
  void choose_paragraph_shape() {
    std::vector<std::pair<std::string_view, int>> counts;
    for (const Line& l : lines_) {
      const std::string_view id = paragraph_id(l);
      if (id.empty() || !task_shape(id_shape(id))) continue;
      const std::string_view shape = id_shape(id);
      auto c = std::find_if(counts.begin(), counts.end(), [&](const auto& x) { return x.first == shape; });
      if (c == counts.end()) counts.emplace_back(shape, 1);
      else ++c->second;
    }
    const auto best = std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    if (best != counts.end() && best->second >= 2) paragraph_shape_ = std::string(best->first);
  }

  // `T001. Capture the baseline … [P]`, `**T002 [P] [X]**: Add …`: in a file with no task
  // in a list, a table or a heading, a paragraph that starts with an ID of the file's
  // task shape is a task. Its body is the paragraph (`Deps: T001.` under it); `[X]` among
  // its labels says done. No mark is written: its state, as a bold item's, is the journal's.
  bool paragraph_task(const Line& l, int number, std::string_view t) {
    const std::string_view id = paragraph_id(l);
    if (id.empty() || paragraph_shape_.empty() || id_shape(id) != paragraph_shape_) return false;
    Head& h = fresh_head();
    if (!parse_head(t, h) || h.id != id) return false;
    close_task();
    Task& task = new_task(h.id, number, l, TaskForm::paragraph);
    fill_head(task, h, t);
    // Its labels: in the bold run with the ID (`**T032 (HIGH) [X]**: …`), in a note right
    // after it (`T010. (Test [P]) Create …`), or ending the line (`… (module marker). [P]`,
    // `… [X]`). `[X]`, `[x]`, `[X, superseded in 2.0]` say done; `[P]` parallel.
    const auto label = [&](std::string_view c) {
      c = trim(c);
      if (c == "P") task.parallel = true;
      else if (!c.empty() && (c[0] == 'X' || c[0] == 'x') && (c.size() == 1 || c[1] == ',')) task.state = TaskState::done;
      else return false;
      return true;
    };
    const std::size_t after_id = t.find(h.id) + h.id.size();
    std::size_t head_end = after_id;
    if (starts_with(t, "**") || starts_with(t, "__")) {
      head_end = t.find(t.substr(0, 2), after_id);
      if (head_end == std::string_view::npos || head_end > after_id + 120) head_end = after_id;
    } else if (const std::size_t open = t.find_first_not_of(". :", after_id); open != std::string_view::npos && t[open] == '(') {
      head_end = t.find(')', open);
      if (head_end == std::string_view::npos || head_end > open + 120) head_end = after_id;
    }
    std::string shown;  // the head's labels taken out of the description
    for (std::size_t k = after_id; k < head_end; ++k) {
      const std::size_t close = t[k] == '[' ? t.find(']', k) : std::string_view::npos;
      if (close != std::string_view::npos && close < head_end && label(t.substr(k + 1, close - k - 1))) k = close;
      else shown += t[k];
    }
    if (head_end > after_id && t[head_end] == ')') {
      // `(Test [P]) Create …`: the note stays the description's start.
    } else if (head_end > after_id) {
      // `**T032 (HIGH) [X]**: Expand …`: the note, then what follows the bold.
      std::string_view rest = t.substr(head_end + 2);
      while (!rest.empty() && (rest.front() == ':' || rest.front() == '.' || is_space(rest.front()))) rest.remove_prefix(1);
      std::string_view note = trim(std::string_view(shown));
      while (!note.empty() && (note.front() == ':' || note.front() == '.')) note = trim(note.substr(1));
      task.description = note.empty() ? std::string(rest) : std::string(note) + ": " + std::string(rest);
    }
    if (starts_with(task.description, ")")) task.description = std::string(trim(std::string_view(task.description).substr(1)));  // `T011) …`
    for (const std::string& c : task.labels) label(c);
    std::erase_if(task.labels, [&](const std::string& c) { return c == "P" || ((c[0] == 'X' || c[0] == 'x') && (c.size() == 1 || c[1] == ',')); });
    // Labels ending the line.
    std::string_view tail = trim(std::string_view(task.description));
    while (tail.ends_with("]")) {
      const std::size_t open = tail.rfind('[');
      if (open == std::string_view::npos) break;
      const std::string_view c = tail.substr(open + 1, tail.size() - open - 2);
      if (!label(c) && !istarts_with(trim(c), "depends")) break;   // `[Depends: T004]`: read with the line's references
      tail = trim(tail.substr(0, open));
    }
    open_indent_ = -1;
    open_paragraph_task_ = true;
    paragraph_gap_ = false;
    continuing_ = false;
    return true;
  }

  // `- Parallelizable: yes [P]` in a paragraph task's body: it may run beside others.
  void parallel_field(std::string_view line) {
    line = trim_emphasis(trim(line));
    if (!istarts_with(line, "parallelizable") && !istarts_with(line, "parallel")) return;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon > 16) return;
    const std::string_view value = trim_emphasis(trim(line.substr(colon + 1)));
    if (istarts_with(value, "yes") || istarts_with(value, "[p]") || istarts_with(value, "true"))
      plan_.tasks[static_cast<std::size_t>(open_task_)].parallel = true;
  }

  // No task: said where a task list written as paragraphs starts, if the file holds one
  // (`T001. Capture the baseline …`, `**T002 [P] [X]**: Add …`): two or more lines outside
  // lists, headings, code and comments that start with a task's ID (task_shape), alone or
  // in bold, then a separator. Such a file is read again for them (parse_tasks_md); the
  // error stands where that finds none either, and the user learns which line it is.
  void no_tasks() {
    int first = 0, count = 0;
    for (std::size_t k = 0; k < lines_.size(); ++k) {
      const std::string_view id = paragraph_id(lines_[k]);
      if (id.empty() || !task_shape(id_shape(id))) continue;
      if (count++ == 0) first = static_cast<int>(k) + 1;
    }
    if (count < 2) {
      // `| T62 | craftsman | internal/core/reopen.go | - | go test … |` (0xkhdr/specd): a
      // table of tasks without a checkbox column, whose state flow cannot keep. A run of it
      // would do nothing and succeed: an error too.
      const std::vector<std::pair<int, std::string_view>> id_rows = table_id_rows();
      int rows = static_cast<int>(id_rows.size()), first_row = rows > 0 ? id_rows[0].first : 0;
      if (rows < 2) {
        if (task_table_rows(rows, first_row)) {
          const Line& l = lines_[static_cast<std::size_t>(first_row - 1)];
          diag(Severity::error, first_row, "no-tasks",
               "no tasks found: " + std::to_string(rows) + " rows of a table of tasks (its header names ID, task and "
                   "status columns), as this one (\"" + clip(trim(line_text(l)), 60) + "\"), and flow reads none of "
                   "them: a table's tasks need a checkbox column, where flow keeps their state, and IDs such as T001 "
                   "(`| [ ] | T001 | … |`)");
          return;
        }
        diag(Severity::warning, 0, "no-tasks", "no tasks found: nothing to run");
        return;
      }
      const Line& l = lines_[static_cast<std::size_t>(first_row - 1)];
      diag(Severity::error, first_row, "no-tasks",
           "no tasks found: " + std::to_string(rows) + " table rows start with a task ID, as this one does (\"" +
               clip(trim(line_text(l)), 60) + "\"), and flow reads none of them: a table's tasks need a checkbox "
               "column, where flow keeps their state (`| [ ] | T001 | … |`)");
      return;
    }
    // An error: the file is a task list flow cannot read, and a run of it would do
    // nothing and succeed.
    const Line& l = lines_[static_cast<std::size_t>(first - 1)];
    diag(Severity::error, first, "no-tasks",
         "no tasks found: " + std::to_string(count) + " lines start with a task ID outside a list, as this one does (\"" +
             clip(trim(line_text(l)), 60) + "\"), and flow reads none of them; a task is a list item with a checkbox "
             "(`- [ ] T001 …`), a heading (`### T001 …`), a bold list item (`- **T001** …`) or, in a file of "
             "nothing else, a paragraph that starts with an ID of one shape (`T001. …`)");
  }

  // The table rows outside code whose first cell is a task's ID (`| T62 | craftsman | … |`):
  // each row's line and that ID.
  std::vector<std::pair<int, std::string_view>> table_id_rows() const {
    std::vector<std::pair<int, std::string_view>> out;
    std::vector<std::string_view> cells;
    for (std::size_t k = 0; k < lines_.size(); ++k) {
      const Line& l = lines_[k];
      if ((l.flags & (kCode | kComment | kBullet | kTooLong)) != 0 || l.heading != 0 || l.indent > 3) continue;
      const std::string_view t = trim(line_text(l));
      if (!starts_with(t, "|")) continue;
      table_cells(t, cells);
      if (cells.size() < 2) continue;
      const std::string_view id = trim_emphasis(cells[0]);
      if (id.empty() || match_id(id) != id.size() || !task_shape(id_shape(id))) continue;
      out.emplace_back(static_cast<int>(k) + 1, id);
    }
    return out;
  }

  // A file whose tasks are a table without a checkbox column, beside boxes flow reads
  // (`| T001 | [P] | Reemplazar … |` over a checklist `- [x] T001–T009 completos`): two or
  // more rows whose ID is no task flow reads are an error, at the first; a run would
  // skip them and succeed. Rows that mirror the file's tasks are not counted. One such
  // row in a table whose other rows mirror tasks (a status table of heading tasks that
  // lists one more) is a warning; alone (a test case `T-1`, a threat `T1`), nothing.
  void unread_table_rows(const TaskIndex& ids) {
    int rows = 0, first = 0;
    std::string_view first_id;
    const auto id_rows = table_id_rows();
    for (const auto& [line, id] : id_rows) {
      if (ids.contains(id) || item_numbers_.count(std::string(id))) continue;
      if (rows++ == 0) first = line, first_id = id;
    }
    if (rows == 0) return;
    const Line& l = lines_[static_cast<std::size_t>(first - 1)];
    if (rows == 1) {
      // The table's lines around the row: does one of them mirror a task?
      const auto table_line = [&](int n) {
        return n >= 1 && static_cast<std::size_t>(n) <= lines_.size() &&
               starts_with(trim(line_text(lines_[static_cast<std::size_t>(n - 1)])), "|");
      };
      int lo = first, hi = first;
      while (table_line(lo - 1)) --lo;
      while (table_line(hi + 1)) ++hi;
      const bool mirrors = std::any_of(id_rows.begin(), id_rows.end(), [&](const std::pair<int, std::string_view>& r) {
        return r.first >= lo && r.first <= hi && r.first != first && ids.contains(r.second);
      });
      if (!mirrors) return;
      diag(Severity::warning, first, "unread-table",
           "this table row starts with " + std::string(first_id) + ", the ID of no task flow reads, and a run would skip "
           "it: a table's tasks need a checkbox column (`| [ ] | " + std::string(first_id) + " | … |`), or give it a "
           "task line of its own");
      return;
    }
    diag(Severity::error, first, "unread-table",
         std::to_string(rows) + " table rows start with the ID of no task flow reads, as this one does (\"" +
             clip(trim(line_text(l)), 60) + "\"), and a run would skip them: a table's tasks need a checkbox column, "
             "where flow keeps their state (`| [ ] | T001 | … |`)");
  }

  // `| TASK-sqlite-schema-init | Implement … | P0 | Done | … |` (pangon/local-TTS-web-app):
  // tables whose header names an ID column, a task (or title, description) column and a
  // status column hold tasks, whatever their IDs look like. Counts their rows with an ID
  // (at least two make a task list) and the line of the first.
  bool task_table_rows(int& rows, int& first_row) const {
    rows = 0;
    first_row = 0;
    each_task_table_row([&](std::size_t k, const std::vector<std::string_view>& cells, const TableHead& table) {
      const std::string_view id = trim_emphasis(cells[static_cast<std::size_t>(table.id)]);
      if (id.empty() || id == "-") return;
      if (rows++ == 0) first_row = static_cast<int>(k) + 1;
    });
    return rows >= 2;
  }

  // Calls `f(k, cells, head)` for each row (line k + 1) of the file's tables of tasks with
  // a Status column, outside code and lists: tables whose header names an ID, a task and a
  // Status column (read_table_head), rows that hold those columns.
  template <class F>
  void each_task_table_row(F&& f) const {
    std::vector<std::string_view> cells, head;
    TableHead table;
    bool in_table = false;  // the rows below a task table's header
    for (std::size_t k = 0; k < lines_.size(); ++k) {
      const Line& l = lines_[k];
      const std::string_view t = trim(line_text(l));
      if ((l.flags & (kCode | kComment | kBullet | kTooLong)) != 0 || l.heading != 0 || l.indent > 3 ||
          !starts_with(t, "|")) {
        in_table = false;
        continue;
      }
      table_cells(t, cells);
      if (is_table_separator(cells)) {
        in_table = false;
        if (k == 0) continue;
        const std::string_view above = trim(line_text(lines_[k - 1]));
        if (!starts_with(above, "|")) continue;
        table_cells(above, head);
        table = read_table_head(head);
        in_table = table.id >= 0 && table.desc >= 0 && table.status >= 0;
        continue;
      }
      if (in_table && static_cast<std::size_t>(table.id) < cells.size()) f(k, cells, table);
    }
  }

  // A task named by a range (`| [~] | T014-T029a | …`) stands for IDs the file never
  // declares on their own; a reference with the same two ends (`T014-T029a` in a later
  // row's dependency column) means that task. Its ends, for name_range_refs.
  void index_range_tasks() {
    for (const Task& t : plan_.tasks) {
      const std::string_view id = t.id;
      const std::size_t n = t.form == TaskForm::unnumbered ? 0 : match_id(id);
      std::size_t last = 0;
      if (n == 0 || n == id.size() || range_tail(id.substr(0, n), id.substr(n), &last) == 0) continue;
      range_names_.push_back({std::string(id.substr(0, n)), std::string(id.substr(n + last)), t.id});
    }
  }

  void name_range_refs(std::vector<DepRef>& deps) const {
    for (DepRef& d : deps) {
      if (d.first == d.last) continue;
      for (const RangeName& r : range_names_)
        if (r.first == d.first && r.last == d.last) {
          d.first = r.id;
          d.last = r.id;
          break;
        }
    }
  }

  // In a file without IDs whose work is in named phases (`## Phase 1: Setup`), boxes under
  // a heading that names a checklist of outcomes and no phase ("Task Completion
  // Checklist", "Success Metrics", "Definition of Done") are checks to tick, not work.
  // A file that is nothing but such a checklist keeps its boxes.
  void drop_outcome_checklists() {
    static constexpr WordSet<23> words({"checklist", "complete when", "completion criteria", "success criteria",
                                        "acceptance criteria", "exit criteria", "success metrics",
                                        "definition of done", "done when", "done criteria", "review notes",
                                        "sign-off", "sign off",
                                        // チェックリスト 受け入れ基準 完了条件 检查清单 检查表 验收标准 完成标准
                                        // 체크리스트 인수 기준 완료 기준
                                        "チェックリスト", "受け入れ基準", "完了条件", "检查清单", "检查表", "验收标准",
                                        "完成标准", "체크리스트", "인수 기준", "완료 기준"});
    const auto named = [](std::string_view title) {
      std::size_t i = 0;  // past emoji and marks: `🏗️ Phase 1`
      while (i < title.size() && !is_alnum(title[i])) ++i;
      return has_phase_word(title.substr(i));
    };
    const auto outcomes = [&](std::string_view title) { return words.found_in(LowerCopy(title).view()); };
    std::vector<char> phase_named(plan_.phases.size()), phase_list(plan_.phases.size()), group_list(plan_.groups.size());
    for (std::size_t i = 0; i < plan_.phases.size(); ++i) {
      phase_named[i] = named(plan_.phases[i].title);
      phase_list[i] = !phase_named[i] && outcomes(plan_.phases[i].title);
    }
    for (std::size_t i = 0; i < plan_.groups.size(); ++i) {
      const Group& g = plan_.groups[i];
      group_list[i] = g.line > 0 && !named(g.title) && outcomes(g.title);
    }
    const auto checklist = [&](const Task& t) {
      if (t.phase < 0 || phase_named[static_cast<std::size_t>(t.phase)]) return false;
      return phase_list[static_cast<std::size_t>(t.phase)] || (t.group >= 0 && group_list[static_cast<std::size_t>(t.group)]);
    };
    // Work elsewhere: in a phase, or any box outside such a checklist (`## Tasks` over a
    // Kiro plan, then `### Checklist bắt buộc cho mọi frontend task` under `## Notes`).
    if (std::all_of(unnumbered_.begin(), unnumbered_.end(), checklist)) return;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < unnumbered_.size(); ++i) {
      if (checklist(unnumbered_[i])) {
        const Task& t = unnumbered_[i];
        skip(t.line, SkipReason::checklist, text_.substr(t.span.offset, t.span.length));
        continue;
      }
      if (kept != i) unnumbered_[kept] = std::move(unnumbered_[i]);
      ++kept;
    }
    unnumbered_.erase(unnumbered_.begin() + static_cast<std::ptrdiff_t>(kept), unnumbered_.end());
  }

  // A line that re-lists tasks declared elsewhere is a mirror (a summary checklist, a
  // status table, a validation list, a changelog note), not a task: a range
  // (`LT001-LT006: …`) when the file declares both its ends on their own, and a task whose
  // ID is declared in a stronger form elsewhere, before or after it (a heading over a
  // checkbox line over a table row over a bold item). A range nothing else declares is
  // one task, named by the range. Real duplicates, the same form twice, stay tasks with a
  // duplicate-id warning.
  //
  // A checkbox item named like a requirement or a success criterion of the spec (`FR-001`,
  // `SC-002`, `AC-`, `CA-`, `NFR-`, `REQ-`, `CHK001`) in a file whose tasks have other IDs
  // is a check to tick, not work to run: the list under "Success Criteria" or "Requirements
  // Verification" that repeats the spec. Skipped as a criterion.
  static bool is_criterion_shape(std::string_view shape) {
    static constexpr std::string_view kShapes[] = {"FR-", "NFR-", "SC-", "AC-", "CA-", "REQ-", "CHK", "CHK-"};
    return std::find(std::begin(kShapes), std::end(kShapes), shape) != std::end(kShapes);
  }

  // Whether a box's `id` names a requirement that the task `task_id` (of another shape)
  // is checked against (`- [ ] FR-001: …` under `### T001: …`), not a task of its own.
  static bool requirement_of(std::string_view id, std::string_view task_id) {
    return is_criterion_shape(id_shape(id)) && !is_criterion_shape(id_shape(task_id));
  }

  void drop_mirrors() {
    std::vector<Task>& tasks = plan_.tasks;
    const bool one_form = headless_ == tasks.size() ||
                          (headless_ == 0 && (table_rows_.empty() || table_rows_.size() == tasks.size()));
    const bool criteria = std::any_of(shapes_.begin(), shapes_.end(), [](const std::string& x) { return is_criterion_shape(x); }) &&
                          std::any_of(shapes_.begin(), shapes_.end(), [](const std::string& x) { return !is_criterion_shape(x); });
    // A task listed again under its ID, saying so (`- [x] T028.1: …（見上方 …）`, "see above").
    const bool see_above = std::any_of(tasks.begin(), tasks.end(), [](const Task& t) { return says_see_above(t.description); });
    // Status rows whose IDs a table above lists already (a summary of a detail table): the
    // same tasks, which would otherwise run twice.
    const bool rows = std::any_of(tasks.begin(), tasks.end(), [](const Task& t) { return t.form == TaskForm::status_row; });
    if (ranges_.empty() && one_form && !criteria && !see_above && !rows) return;
    // Table rows by line (ascending, as read): tasks may have moved since.
    const auto rank = [&](const Task& t) {
      if (t.form == TaskForm::heading) return 0;
      if (t.form != TaskForm::checkbox) return 3;
      return std::binary_search(table_rows_.begin(), table_rows_.end(), t.line) ? 2 : 1;
    };
    std::vector<std::size_t> range_of(tasks.size(), 0);  // index in ranges_ + 1
    for (std::size_t r = 0; r < ranges_.size(); ++r) range_of[ranges_[r].task] = r + 1;
    std::vector<std::uint32_t> decl;
    for (std::uint32_t i = 0; i < tasks.size(); ++i)
      if (!range_of[i]) decl.push_back(i);
    const auto id_of = [&](std::uint32_t k) { return std::string_view(tasks[decl[k]].id); };
    IdIndex<decltype(id_of)> declared(id_of, decl.size());
    std::vector<int> best(decl.size(), 4);  // the strongest form of each ID
    std::vector<std::uint32_t> holders(decl.size());
    for (std::uint32_t k = 0; k < decl.size(); ++k) {
      const std::uint32_t holder = holders[k] = declared.insert(k).first;
      best[holder] = std::min(best[holder], rank(tasks[decl[k]]));
    }
    // A table with its own boxes that declares at least twice the IDs of each stronger form
    // is the task list, and lines of those forms that name its IDs re-list them: notes
    // (`**Action Items**: - [x] T001 updated with pytest-asyncio`, a `#### T020:
    // Integration Tests` section of a test plan), not the tasks (AI-Substrate/flow_squared
    // 007: those notes took the tasks' place, and the phases they sit in made a cycle).
    if (!table_rows_.empty()) {
      std::array<std::unordered_set<std::uint32_t>, 4> ids_of;
      for (std::uint32_t k = 0; k < decl.size(); ++k) ids_of[static_cast<std::size_t>(rank(tasks[decl[k]]))].insert(holders[k]);
      const std::size_t table = ids_of[2].size();
      if (table >= 4 && ids_of[0].size() * 2 <= table && ids_of[1].size() * 2 <= table)
        for (std::uint32_t holder : ids_of[2]) best[holder] = 2;
    }
    // The shapes of the IDs of boxes and headings: a bold item whose ID has none of them, in
    // a file that has them, is a note about the tasks (`- **ST-001**: unit tests verify …`
    // in a summary of stories whose tasks are `- [ ] T100 [ST-001] …`), not a task.
    std::vector<std::string_view> strong;
    if (headless_ > 0)
      for (const Task& t : tasks)
        if (t.form == TaskForm::checkbox || t.form == TaskForm::heading)
          if (const std::string_view shape = id_shape(t.id); std::find(strong.begin(), strong.end(), shape) == strong.end())
            strong.push_back(shape);
    // Of one ID's status rows, the one with most to say is the task (a detail table's row,
    // with its files and its order, under a summary table's that gives a title alone):
    // most files named, then most dependencies, then the longest text; the first of equals.
    constexpr std::uint32_t kNone = static_cast<std::uint32_t>(-1);
    // (Its files and dependencies are read after this pass: read here from the row.)
    std::vector<std::uint32_t> row_task;
    std::vector<std::vector<PathRef>> row_files;
    // Rows that name files, none the same, are two tasks given one ID (a table per phase,
    // each numbered from T001), warned of below: the first stays the task.
    const auto disjoint = [&](std::uint32_t a, std::uint32_t b) {
      if (row_files[a].empty() || row_files[b].empty()) return false;
      for (const PathRef& x : row_files[a])
        for (const PathRef& y : row_files[b])
          if (x.path == y.path) return false;
      return true;
    };
    if (rows) {
      row_files.resize(tasks.size());
      std::vector<std::size_t> refs(tasks.size(), 0);
      for (const RawRef& r : raw_refs_)
        if (r.task < tasks.size()) ++refs[r.task];
      std::vector<std::string> rejected;
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (tasks[i].form != TaskForm::status_row) continue;
        find_paths(tasks[i].description, row_files[i], rejected, nullptr);
        const auto cell = std::lower_bound(table_path_cells_.begin(), table_path_cells_.end(), tasks[i].line,
                                           [](const std::pair<int, std::string_view>& c, int line) { return c.first < line; });
        if (cell != table_path_cells_.end() && cell->first == tasks[i].line) find_paths(cell->second, row_files[i], rejected, nullptr);
      }
      const auto more = [&](std::uint32_t a, std::uint32_t b) {
        if (disjoint(a, b)) return false;
        return std::make_tuple(row_files[a].size(), refs[a], tasks[a].description.size()) >
               std::make_tuple(row_files[b].size(), refs[b], tasks[b].description.size());
      };
      row_task.assign(decl.size(), kNone);
      for (std::uint32_t k = 0; k < decl.size(); ++k) {
        if (tasks[decl[k]].form != TaskForm::status_row) continue;
        std::uint32_t& at = row_task[holders[k]];
        if (at == kNone || more(decl[k], at)) at = decl[k];
      }
    }
    constexpr std::size_t kGone = static_cast<std::size_t>(-1);
    std::vector<std::size_t> map(tasks.size(), kGone);
    // IDs of ticked boxes a heading task declares (copies: the tasks move below).
    std::unordered_set<std::string> ticked;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const std::string_view id = tasks[i].id;
      bool mirror;
      if (range_of[i]) {
        const Range& r = ranges_[range_of[i] - 1];
        mirror = declared.contains(id.substr(0, r.first_len)) && declared.contains(id.substr(r.last_at));
      } else {
        mirror = best[declared.find(id)] != rank(tasks[i]) && (best[declared.find(id)] < rank(tasks[i]) || best[declared.find(id)] == 2);
        mirror = mirror || (see_above && decl[declared.find(id)] < i && says_see_above(tasks[i].description));
        if (rows && tasks[i].form == TaskForm::status_row && row_task[declared.find(id)] != kNone &&
            row_task[declared.find(id)] != i) {
          mirror = true;
          // Said where the mirror says done and the task does not (the user's progress, kept
          // in the wrong table); not where it lags behind the task's own row, which flow marks.
          const Task& task = tasks[row_task[declared.find(id)]];
          if (disjoint(static_cast<std::uint32_t>(i), row_task[declared.find(id)]))
            diag(Severity::warning, tasks[i].line, "duplicate-id",
                 "this row of task " + std::string(id) + " names other files than its row at line " +
                     std::to_string(task.line) + ": flow runs that row alone; give this one an ID of its own");
          else if (tasks[i].state == TaskState::done && task.state != TaskState::done)
            diag(Severity::warning, tasks[i].line, "status-row-disagrees",
                 "this row says task " + std::string(id) + " is " + to_string(tasks[i].state) + ", its row at line " +
                     std::to_string(task.line) + " that it is " + to_string(task.state) +
                     ": flow follows that row, where it keeps the task's state");
        }
      }
      if (mirror) {
        skip(tasks[i].line, SkipReason::mirror, text_.substr(tasks[i].span.offset, tasks[i].span.length));
        if (!range_of[i] && tasks[i].form == TaskForm::checkbox && tasks[i].state == TaskState::done &&
            best[declared.find(id)] == 0)
          ticked.emplace(id);
        continue;
      }
      if (criteria && tasks[i].form == TaskForm::checkbox && is_criterion_shape(id_shape(id))) {
        skip(tasks[i].line, SkipReason::criterion, text_.substr(tasks[i].span.offset, tasks[i].span.length));
        continue;
      }
      if (tasks[i].form == TaskForm::bold_item && !strong.empty() &&
          std::find(strong.begin(), strong.end(), id_shape(id)) == strong.end()) {
        skip(tasks[i].line, SkipReason::note, text_.substr(tasks[i].span.offset, tasks[i].span.length));
        continue;
      }
      map[i] = kept++;
    }
    if (kept == tasks.size()) return;
    std::size_t headless = 0;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (map[i] == kGone) continue;
      // The box the user ticked is the heading task's state (`- [x] T001` in the list,
      // `### T001: …` in the details): never run again.
      if (tasks[i].form == TaskForm::heading && tasks[i].state == TaskState::pending && !ticked.empty() &&
          ticked.count(tasks[i].id))
        tasks[i].state = TaskState::done;
      if (map[i] != i) tasks[map[i]] = std::move(tasks[i]);
      if (tasks[map[i]].form != TaskForm::checkbox) ++headless;
    }
    tasks.resize(kept);
    headless_ = headless;
    // The indices kept aside for the final pass follow the tasks.
    // No self-move: moving a string onto itself may empty it, and these keep their text.
    std::size_t n = 0;
    for (std::size_t k = 0; k < raw_refs_.size(); ++k) {
      RawRef& r = raw_refs_[k];
      if (map[r.task] == kGone) continue;
      r.task = map[r.task];
      if (n != k) raw_refs_[n] = std::move(r);
      ++n;
    }
    raw_refs_.resize(n);
    n = 0;
    for (auto& b : body_lines_)
      if (map[b.first] != kGone) { b.first = map[b.first]; body_lines_[n++] = b; }
    body_lines_.resize(n);
    std::fill(phase_used_.begin(), phase_used_.end(), 0);
    std::fill(group_used_.begin(), group_used_.end(), 0);
    for (const Task& t : tasks) mark_used(t);
  }

  void duplicate(const Task& t, int first) {
    // Files that repeat many IDs get many of these: one allocation each.
    static constexpr std::string_view kAlso = " is also declared at line ";
    static constexpr std::string_view kBoth = "; references to it mean both";
    char digits[16];
    const std::string_view line(digits, static_cast<std::size_t>(std::to_chars(digits, digits + sizeof digits, first).ptr - digits));
    std::string message;
    message.reserve(t.id.size() + kAlso.size() + line.size() + kBoth.size());
    message.append(t.id).append(kAlso).append(line).append(kBoth);
    diag(Severity::warning, t.line, "duplicate-id", std::move(message));
  }

  // By line, stably; sorting (line, index) pairs avoids moving the strings around.
  void sort_diagnostics() {
    auto& d = plan_.diagnostics;
    const auto by_line = [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; };
    if (std::is_sorted(d.begin(), d.end(), by_line)) return;
    // A counting sort by line: stable, and linear in diagnostics plus lines.
    int max_line = 0;
    for (const Diagnostic& x : d) max_line = std::max(max_line, x.line);
    std::vector<std::uint32_t> start(static_cast<std::size_t>(max_line) + 2, 0);
    for (const Diagnostic& x : d) ++start[static_cast<std::size_t>(std::max(x.line, 0)) + 1];
    for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
    std::vector<Diagnostic> sorted(d.size());
    for (Diagnostic& x : d) sorted[start[static_cast<std::size_t>(std::max(x.line, 0))]++] = std::move(x);
    d = std::move(sorted);
  }

  // A checkbox that names a task's ID after a symbol or a second box (`- [ ] ⚠️ T018 …`,
  // `- [ ] - [X] T002 …`, an edit gone wrong), or after a word but followed by a task's
  // labels (`- [x] ⚠️ Reopened T018 [US1] …`), is no task: said as a warning where no task
  // line starts with that ID, since a task may be missing. Not a struck-out ID
  // (`~~T002 …~~`: cancelled), a range (`T001-T045`: a summary), or one after words alone
  // (`Updated T006 with …`: a note).
  // `- [x] Task 1: …` under `## Progress` in a plan of `### Task 1: …` headings: that
  // task's state, kept with its steps (done when ticked; ticked when it succeeds, cleared
  // to undo), and not a box without an ID. Only a box naming one heading task that no
  // other box names: two would disagree.
  void progress_boxes() {
    std::unordered_map<std::string_view, std::size_t> heading;  // a heading task's ID -> the task
    for (std::size_t i = 0; i < plan_.tasks.size(); ++i)
      if (plan_.tasks[i].form == TaskForm::heading) heading.emplace(plan_.tasks[i].id, i);
    if (heading.empty() || unnumbered_.empty()) return;
    std::vector<std::string_view> names(unnumbered_.size());
    std::unordered_map<std::string_view, int> boxes;  // a task's ID -> how many boxes name it
    for (std::size_t k = 0; k < unnumbered_.size(); ++k) {
      const Task& u = unnumbered_[k];
      if (u.mark != ' ' && u.mark != 'x' && u.mark != 'X') continue;
      std::string_view emph;
      const std::string_view d = u.description;
      const std::size_t w = task_word(d, &emph);
      Head h;
      if (w == 0 || !parse_head(d.substr(w), h, emph, true)) continue;
      const auto named = heading.find(h.id);
      if (named == heading.end()) continue;
      names[k] = named->first;  // the task's own ID: the box's text moves below
      ++boxes[names[k]];
    }
    std::vector<Task> rest;
    for (std::size_t k = 0; k < unnumbered_.size(); ++k) {
      const Task& u = unnumbered_[k];
      if (names[k].empty() || boxes[names[k]] != 1) {
        rest.push_back(std::move(unnumbered_[k]));
        continue;
      }
      Task& t = plan_.tasks[heading[names[k]]];
      t.step_marks.push_back(u.mark_offset);
      if (u.mark != ' ') t.state = TaskState::done;
      skip(u.line, SkipReason::progress, text_.substr(u.span.offset, u.span.length));
    }
    unnumbered_ = std::move(rest);
  }

  void unstarted_ids() {
    std::unordered_set<std::string_view> ids;
    for (const Task& t : plan_.tasks) ids.insert(t.id);
    for (const Task& t : unnumbered_) {
      const std::string_view s = text_.substr(t.span.offset, t.span.length);
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '-' || s[i - 1] == '_' || s[i - 1] == '/')) continue;
        const std::size_t n = match_id(s.substr(i));
        if (n == 0 || !shape_known(s.substr(i, n))) continue;
        const std::string_view before = s.substr(0, i);
        std::size_t after = i + n;
        while (after < s.size() && s[after] == ' ') ++after;
        bool word = false;  // two letters in a row before it
        for (std::size_t k = 1; k < before.size() && !word; ++k) word = is_alpha(before[k - 1]) && is_alpha(before[k]);
        std::size_t dl = 0;
        const bool range = is_dash_at(s, i + n, &dl) || s.compare(i + n, 2, "..") == 0;
        const bool labels = after < s.size() && s[after] == '[';
        if (before.find("~~") == std::string_view::npos && !range && (!word || labels) && !ids.count(s.substr(i, n)))
          diag(Severity::warning, t.line, "id-not-first",
               "this checkbox names " + std::string(s.substr(i, n)) + ", but no task line starts with it: it is not run "
               "(a task's line starts with its ID, `- [ ] " + std::string(s.substr(i, n)) + " …`)");
        break;
      }
    }
  }

  bool shape_known(std::string_view id) const {
    const std::string_view shape = id_shape(id);
    return std::any_of(shapes_.begin(), shapes_.end(), [&](const std::string& s) { return s == shape; });
  }

  // `T004 Create the schema (do before T006)`, `(blocks T008)`, `(Làm trước T173)`: the
  // task's own line names a task that waits for it. Said as the statement "T004 before
  // T006", which the graph reads as it reads one of a dependency section (a negation, "not
  // before", or "before or after" there, orders nothing).
  void orders_after_it(const Task& t, std::string_view s) {
    static constexpr std::string_view kKeys[] = {
        "before ", "blocks ", "blocking ", "prerequisite for ", "prerequisite of ", "precedes ", "needed by ",
        "required by ", "unblocks ", "antes de ", "avant ", "tr\xC6\xB0\xE1\xBB\x9B" "c ",  // trước
        "\xE5\x85\x88\xE4\xBA\x8E", "\xE9\x98\xBB\xE5\xA1\x9E"};                          // 先于, 阻塞
    static constexpr std::string_view kNot[] = {"not ", "never ", "n't ", "no ", "kh\xC3\xB4ng ", "nicht "};
    // One pass: a key starts a word (the CJK ones anywhere), with its first byte.
    static constexpr auto kFirst = [] {
      std::array<bool, 256> first{};
      for (std::string_view key : kKeys) {
        first[static_cast<unsigned char>(key[0])] = true;
        if (key[0] >= 'a' && key[0] <= 'z') first[static_cast<unsigned char>(key[0] - 32)] = true;
      }
      return first;
    }();
    for (std::size_t at = 0; at < s.size(); ++at) {
      if (!kFirst[static_cast<unsigned char>(s[at])] || (at > 0 && is_alnum(s[at - 1]))) continue;
      const char c = to_lower(s[at]);
      for (std::string_view key : kKeys) {
        if (to_lower(key[0]) != c || !istarts_with(s.substr(at), key)) continue;
        std::size_t k = at + key.size();
        while (k < s.size() && (is_space(s[k]) || s[k] == ':')) ++k;
        const std::size_t n = listed_id(s.substr(k));
        if (n == 0 || !shape_known(s.substr(k, n)) || s.substr(k, n) == t.id) continue;
        const std::string_view lead = s.substr(at >= 12 ? at - 12 : 0, std::min<std::size_t>(at, 12));
        if (std::any_of(std::begin(kNot), std::end(kNot), [&](std::string_view w) { return ifind(lead, w) != std::string_view::npos; }))
          continue;
        std::size_t end = k;
        while (end < s.size() && s[end] != ')' && s[end] != ';' && s[end] != ',' &&
               s.compare(end, 3, "\xEF\xBC\x89") != 0 && s.compare(end, 3, "\xEF\xBC\x8C") != 0 &&
               !(s[end] == '.' && (end + 1 == s.size() || s[end + 1] == ' ')))
          ++end;
        plan_.statements.push_back(Statement{t.line, t.id + " before " + std::string(trim(s.substr(k, end - k))), {}});
        said_orders_ = true;
        break;
      }
    }
  }

  // References and paths in task i's description and body. `b` walks body_lines_.
  void extract_refs_and_paths(std::size_t i, std::size_t& b) {
    Task& t = plan_.tasks[i];
    std::vector<std::string_view>& texts = scratch_texts_;
    std::vector<int>& text_lines = scratch_lines_;
    texts.assign(1, t.description);
    text_lines.assign(1, t.line);
    scratch_index_.clear();
    std::vector<DepRef>& listed = scratch_listed_;  // from lists of its dependencies
    listed.clear();
    std::vector<DepRef> nouns;  // those of lists under `Dependencies` alone (read_dependents_lists)
    bool firm = false;          // an item of them says it comes first
    bool self_listed = false;  // an item of them starts with its own ID
    while (b < body_lines_.size() && body_lines_[b].first < i) ++b;
    for (; b < body_lines_.size() && body_lines_[b].first == i; ++b) {
      const Line& l = lines_[static_cast<std::size_t>(body_lines_[b].second - 1)];
      texts.push_back(line_text(l));
      text_lines.push_back(body_lines_[b].second);
    }
    // A task without a checkbox may say it is done in its first Status field.
    bool status = t.mark_offset != Task::npos || t.state != TaskState::pending;
    // A Task heading's steps say whether it is done: all ticked (a Status field saying
    // done is read too: the file says so either way).
    if (!t.step_marks.empty() && t.state == TaskState::pending &&
        std::all_of(t.step_marks.begin(), t.step_marks.end(), [&](std::size_t at) { return text_[at] == 'x' || text_[at] == 'X'; }))
      t.state = TaskState::done;
    // A heading task's first Status field is where flow writes its state when its
    // heading has neither a check mark nor steps, and kept in step with them when it has
    // (Task::status_offset).
    const bool heading_marks = t.mark_offset == Task::npos && (t.check_offset != Task::npos || !t.step_marks.empty());
    bool field = !status || heading_marks;
    for (std::size_t k = 0; k < texts.size(); ++k) {
      std::string_view s = k == 0 ? texts[0] : strip_bullet(texts[k]);
      if (k == 0) orders_after_it(t, s);
      const Line& bl = lines_[static_cast<std::size_t>(text_lines[k] - 1)];
      // A heading task's own field, not one nested under an item of its body (a subtask's).
      const bool own = t.form != TaskForm::heading || ((bl.flags & kBullet) ? (bl.top & 1) != 0 : bl.indent < 4);
      if (field && k > 0 && own && !(bl.flags & kCode)) {
        // In a quote as well (`> **Status**: Not Started`).
        std::string_view f = s;
        if (starts_with(f, ">")) {
          while (!f.empty() && (f.front() == '>' || is_space(f.front()))) f.remove_prefix(1);
          f = strip_bullet(f);
        }
        if (const int said = status_field(f); said >= 0) {
          field = false;
          if (!status && said == 0 && t.state == TaskState::pending && status_withdrawn(status_value(f))) {
            t.state = TaskState::other;  // `**Status**: Cancelled`: not run
            skip(t.line, SkipReason::other_mark, text_.substr(t.span.offset, t.span.length));
          }
          if (!status && said == 1) {
            t.state = TaskState::done;
            // Steps not all ticked under a field that says done (flow writes it beside
            // them): unticking them alone does not run the task again.
            if (!t.step_marks.empty())
              diag(Severity::warning, text_lines[k],
                   "status-over-steps",
                   "task " + t.id + "'s Status field says done while its steps are not all ticked: it is done; "
                   "to run it again, set the field to Pending as well");
          }
          status = true;
          // Its value, if it is a state (done, or not done whole): flow writes no note.
          if (heading_marks)
            if (const std::string_view v = status_value(f); !v.empty() && (said == 1 || says_not_done(v))) {
              t.status_offset = static_cast<std::size_t>(v.data() - text_.data());
              t.status_length = v.size();
            }
        }
      }
      const bool dep_field = k > 0 && is_dependency_field(s);
      if (dep_field && says_none(s)) t.no_dependencies = true;
      if (dep_field) {
        if (const int all = names_all_before(field_value(s)); all > 0) body_all_before_.push_back({i, text_lines[k], all == 2});
      } else if (const int all = inline_all_before(s); all > 0) {
        body_all_before_.push_back({i, text_lines[k], all == 2});
      }
      find_refs(s, text_lines[k], dep_field ? RefOrigin::field_line : RefOrigin::inline_depends, scratch_deps_);
      // An item of a list of its dependencies (`#### Depends on` over `- T001 (the config)`).
      const auto item_line = [&](std::size_t at) { return std::abs(dep_item_lines_[at]); };
      while (dep_item_ < dep_item_lines_.size() && item_line(dep_item_) < text_lines[k]) ++dep_item_;
      if (k > 0 && dep_item_ < dep_item_lines_.size() && item_line(dep_item_) == text_lines[k]) {
        // `- **Dependencies**:` over `  - All previous tasks`.
        if (const int all = names_all_before(strip_bullet(s)); all > 0) body_all_before_.push_back({i, text_lines[k], all == 2});
        if (const std::size_t at = leading_ref(s); at != std::string_view::npos) {
          const std::size_t before = listed.size();
          const std::string_view rest = s.substr(parse_id_list(s, at, text_lines[k], RefOrigin::field_line, listed, nullptr));
          const bool kept = (dependency_item_rest(rest, false) || copies_title_of(listed, before, rest)) && !note_takes_back(rest);
          self_listed = self_listed || std::any_of(listed.begin() + static_cast<std::ptrdiff_t>(before), listed.end(),
                                                   [&](const DepRef& d) { return d.first == t.id || d.last == t.id; });
          if (!kept) listed.resize(before);
          else if (dep_item_lines_[dep_item_] < 0) {
            nouns.insert(nouns.end(), listed.begin() + static_cast<std::ptrdiff_t>(before), listed.end());
            firm = firm || note_says_first(rest);  // `- T004 (must be finished first)`
          }
        }
      }
      extract_paths(s, scratch_paths_, text_lines[k]);
    }
    // A table row's task: the files its path column names as well.
    if (!table_path_cells_.empty() && (t.form == TaskForm::checkbox || t.form == TaskForm::status_row)) {
      const auto at = std::lower_bound(table_path_cells_.begin(), table_path_cells_.end(), t.line,
                                       [](const std::pair<int, std::string_view>& c, int line) { return c.first < line; });
      if (at != table_path_cells_.end() && at->first == t.line) extract_paths(at->second, scratch_paths_, t.line);
    }
    // (A status row's own cell is its state: a summary table's `✅` is not.)
    if (!status && t.form != TaskForm::status_row && !done_rows_.empty() && done_rows_.count(t.id)) t.state = TaskState::done;
    // A list an item of which starts with the task's own ID is not its own (a document's
    // `### Dependencies` under the last task's heading): none of it is read.
    if (!self_listed && !listed.empty()) {
      if (!nouns.empty()) dep_lists_.push_back({i, std::move(nouns), firm});
      scratch_deps_.insert(scratch_deps_.end(), std::make_move_iterator(listed.begin()), std::make_move_iterator(listed.end()));
    }
    drop_bare_basenames(scratch_paths_);
  }

  // Task i's field says it waits for every task above it (names_all_before): a reference
  // to each, from the field's line (of its phase alone, where it says so).
  // (A file of many such fields is a file of many times as many references: past a
  // budget, the rest are said, not read.)
  void refs_to_all_before(std::size_t i, int phase) {
    while (all_before_at_ < all_before_.size() && all_before_[all_before_at_].task < i) ++all_before_at_;
    while (all_before_at_ < all_before_.size() && all_before_[all_before_at_].task == i)
      body_all_before_.push_back(all_before_[all_before_at_++]);
    if (body_all_before_.empty()) return;
    const std::string& me = plan_.tasks[i].id;
    // An ID also declared below the task names that one as well: not a task above.
    if (last_declared_.empty())
      for (std::size_t j = 0; j < plan_.tasks.size(); ++j) last_declared_[plan_.tasks[j].id] = j;
    for (const AllBefore& a : body_all_before_) {
      if (all_before_refs_ + i > kAllBeforeBudget) {
        if (!all_before_over_)
          diag(Severity::warning, a.line, "order-unread",
               "task " + me + " waits for every task above it, as do too many tasks before it for flow to read them "
               "all: this one, and each after it that says so, waits for the task above it alone; name the tasks it "
               "waits for");
        all_before_over_ = true;
        if (i > 0) scratch_deps_.push_back({plan_.tasks[i - 1].id, plan_.tasks[i - 1].id, a.line, RefOrigin::all_before});
        continue;
      }
      all_before_refs_ += i;
      for (std::size_t j = 0; j < i; ++j) {
        const Task& u = plan_.tasks[j];
        if (a.phase_only && u.phase != phase) continue;
        if (u.id == me || last_declared_[u.id] > i) continue;
        // A task above that says it waits for this one (a forward reference, `T002:
        // Dependencies: T003`): the phrase gives way to what is written by ID.
        if (std::any_of(u.depends_on.begin(), u.depends_on.end(), [&](const DepRef& r) { return r.first == me || r.last == me; }))
          continue;
        scratch_deps_.push_back({u.id, u.id, a.line, RefOrigin::all_before});
      }
    }
    body_all_before_.clear();
  }

  // Whether an item that names one task (listed[before]) goes on with that task's title.
  bool copies_title_of(const std::vector<DepRef>& listed, std::size_t before, std::string_view rest) const {
    if (listed.size() != before + 1 || listed[before].first != listed[before].last || ids_ == nullptr) return false;
    const std::uint32_t j = ids_->find(listed[before].first);
    return j != TaskIndex::npos && copies_title(rest, plan_.tasks[j].description);
  }

  // Moves a scratch vector into a task's field with one allocation of the exact size.
  template <class T>
  static void settle(std::vector<T>& scratch, std::vector<T>& field) {
    if (scratch.empty()) return;
    field.assign(std::make_move_iterator(scratch.begin()), std::make_move_iterator(scratch.end()));
    scratch.clear();
  }

  // A task with a bare file name is remembered for resolve_basenames().
  // (Its group's title is read now: the groups are renumbered before they are read again.)
  void note_basenames(std::size_t i) {
    const auto& paths = plan_.tasks[i].paths;
    if (std::none_of(paths.begin(), paths.end(), [](const PathRef& p) { return p.path.find('/') == std::string::npos; }))
      return;
    with_bare_.push_back(i);
    const std::string_view group = plan_.groups[static_cast<std::size_t>(plan_.tasks[i].group)].title;
    for (std::string_view w : {"test", "prueba", "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88" /* テスト */,
                               "\xE6\xB5\x8B\xE8\xAF\x95" /* 测试 */, "\xE6\xB8\xAC\xE8\xA9\xA6" /* 測試 */,
                               "\xED\x85\x8C\xEC\x8A\xA4\xED\x8A\xB8" /* 테스트 */})
      if (ifind(group, w) != std::string_view::npos) {
        in_tests_.push_back(i);
        break;
      }
  }

  // A name every folder of a kind has (`mod.rs`, `index.ts`, `__init__.py`, `page.tsx`):
  // written bare, it is no particular folder's, though one task names only one of them.
  static bool folder_file(std::string_view base) {
    static constexpr std::string_view kNames[] = {
        "mod.rs", "__init__.py", "index.ts", "index.tsx", "index.js", "index.jsx", "index.mjs",
        "index.vue", "page.tsx", "page.jsx", "page.ts", "page.js", "layout.tsx", "layout.jsx", "layout.ts",
        "layout.js", "route.ts", "route.js", "loading.tsx", "error.tsx", "types.ts", "doc.go", "BUILD",
        "BUILD.bazel", "CMakeLists.txt", "README.md"};
    return std::find(std::begin(kNames), std::end(kNames), base) != std::end(kNames);
  }

  // A bare `ExcelPreview.jsx` means the one file of that name that another task names
  // with its directory; with none or several, or a name every folder of a kind has
  // (folder_file), it stays as written.
  void resolve_basenames() {
    if (with_bare_.empty()) return;
    drop_modules_under_test();
    // Basename -> path, for every path with a directory; `full` is emptied when two
    // different paths share a basename. Views into paths with a '/': those are never
    // modified below.
    struct Entry {
      std::string_view base, full;
    };
    std::vector<Entry> entries;
    for (const Task& t : plan_.tasks)
      for (const PathRef& p : t.paths) {
        const std::size_t s = p.path.rfind('/');
        if (s == std::string::npos || s + 1 == p.path.size()) continue;
        entries.push_back({std::string_view(p.path).substr(s + 1), p.path});
      }
    const auto base_of = [&](std::uint32_t i) { return entries[i].base; };
    IdIndex<decltype(base_of)> by_base(base_of, entries.size());
    for (std::uint32_t i = 0; i < entries.size(); ++i) {
      const auto [holder, fresh] = by_base.insert(i);
      if (!fresh && entries[holder].full != entries[i].full) entries[holder].full = {};
    }
    std::vector<std::size_t> changed;
    for (std::size_t i : with_bare_) {
      bool any = false;
      for (PathRef& p : plan_.tasks[i].paths) {
        if (p.path.find('/') != std::string::npos || p.placed || folder_file(p.path)) continue;
        const std::uint32_t holder = by_base.find(p.path);
        if (holder == by_base.npos || entries[holder].full.empty()) continue;
        p.path = std::string(entries[holder].full);
        p.feature_doc = is_feature_doc(p.path);
        any = true;
      }
      if (any) changed.push_back(i);
    }
    // Only now, with the entries (views into paths) no longer used, may paths move.
    for (std::size_t i : changed) {
      Task& t = plan_.tasks[i];
      if (t.paths.size() < 2) continue;
      std::vector<PathRef> unique;
      for (PathRef& p : t.paths)
        if (std::none_of(unique.begin(), unique.end(), [&](const PathRef& u) { return u.path == p.path; }))
          unique.push_back(std::move(p));
      t.paths = std::move(unique);
    }
  }

  // The module a test file tests, from the test's name: `planner.test.ts`,
  // `planner.spec.ts`, `test_planner.py`, `planner_test.go` and `PlannerTest.java` test
  // `planner` (`Planner`); empty for a name that is no test's.
  static std::string_view tested_stem(std::string_view name) {
    for (std::string_view mid : {".test.", ".spec.", "_test."})
      if (const std::size_t at = name.find(mid); at != std::string_view::npos && at > 0) return name.substr(0, at);
    const std::string_view stem = name.substr(0, name.rfind('.'));
    if (starts_with(stem, "test_") && stem.size() > 5) return stem.substr(5);
    for (std::string_view end : {"Tests", "Test"})
      if (stem.size() > end.size() && stem.ends_with(end)) return stem.substr(0, stem.size() - end.size());
    return {};
  }

  // `T011 [P] Unit de planner.ts … em tests/unit/agents/planner.test.ts`, under "Tests for
  // User Story 1": the bare name is what the test is about, not a file the task writes. In
  // a group of tests, a bare name whose stem a test file of the same task tests is dropped
  // before it could be taken for another task's full path (T016 writes
  // src/…/agents/planner.ts: the two would have shared a lock, one waiting for the other).
  void drop_modules_under_test() {
    for (std::size_t i : in_tests_) {
      Task& t = plan_.tasks[i];
      std::vector<std::string_view> tested;
      for (const PathRef& p : t.paths)
        if (const std::string_view stem = tested_stem(std::string_view(p.path).substr(p.path.rfind('/') + 1)); !stem.empty())
          tested.push_back(stem);
      if (tested.empty()) continue;
      std::erase_if(t.paths, [&](const PathRef& p) {
        if (p.path.find('/') != std::string::npos || p.placed || !tested_stem(p.path).empty()) return false;
        const std::string_view stem = std::string_view(p.path).substr(0, p.path.rfind('.'));
        return std::find(tested.begin(), tested.end(), stem) != tested.end();
      });
    }
  }

  // "Review trials.tsx at app/(tabs)/trials.tsx" names one file, not two.
  void drop_bare_basenames(std::vector<PathRef>& paths) {
    if (paths.size() < 2) return;
    std::vector<char>& shadowed = scratch_flags_;
    shadowed.assign(paths.size(), 0);
    bool any = false;
    // Many paths: the basenames of those with a folder, looked up instead of scanned.
    std::unordered_set<std::string_view> basenames;
    if (paths.size() >= 32)
      for (const PathRef& o : paths)
        if (const std::size_t slash = o.path.rfind('/'); slash != std::string::npos && slash + 1 < o.path.size())
          basenames.insert(std::string_view(o.path).substr(slash + 1));
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const std::string& p = paths[i].path;
      if (p.find('/') != std::string::npos) continue;
      shadowed[i] = paths.size() >= 32 ? basenames.count(p) != 0 : std::any_of(paths.begin(), paths.end(), [&](const PathRef& o) {
        return o.path.size() > p.size() + 1 && o.path.ends_with(p) && o.path[o.path.size() - p.size() - 1] == '/';
      });
      any |= shadowed[i] != 0;
    }
    if (!any) return;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (shadowed[i]) continue;
      if (kept != i) paths[kept] = std::move(paths[i]);
      ++kept;
    }
    paths.erase(paths.begin() + static_cast<std::ptrdiff_t>(kept), paths.end());
  }

  static bool is_dependency_field(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && (s[i] == '*' || s[i] == '_')) ++i;
    s = s.substr(i);
    for (std::string_view key : {"depend", "blocked by", "requires", "requiere", "requer", "dépend", "依赖", "依賴", "依存", "前置"})
      if (istarts_with(s, key)) return true;
    if (istarts_with(s, "deps") && (s.size() == 4 || !is_alpha(s[4]))) return true;
    return false;
  }

  // A dependency field that says there are none: `**Dependencies**: None`, `Depends: N/A`,
  // `依赖：无`, `依存関係: なし`, `의존성: 없음`, `**Dépendances** : Aucune`.
  // A dependency field's value that names every task above the task (`All previous tasks`,
  // `all prior tasks complete`, `All of the above`): 1; 2 if only those of its phase (`All
  // previous tasks in this phase`); else 0. `v`: the value.
  static int names_all_before(std::string_view v) {
    v = trim_emphasis(trim(v));
    for (std::string_view w : {"all previous tasks", "all prior tasks", "all preceding tasks", "all earlier tasks",
                               "all tasks above", "all above tasks", "all of the above tasks", "all of the above",
                               "all the above tasks", "all the above",
                               "all previous", "all prior", "all above"}) {
      if (!istarts_with(v, w)) continue;
      std::string_view rest = trim(v.substr(w.size()));
      for (std::string_view in : {"in this phase", "of this phase", "in the phase", "in the current phase", "in this section",
                                  "in this story", "in this user story", "of this story", "of this user story"})
        if (istarts_with(rest, in)) return 2;
      // Then nothing, a note (`(T001-T045)`, `— tests pass`) or a state (`complete`).
      std::size_t dash = 0;
      while (!rest.empty() && (rest.front() == ',' || is_space(rest.front()))) rest.remove_prefix(1);
      if (rest.empty() || rest.front() == '.' || rest.front() == '(' || rest.front() == ')' || rest.front() == ']' ||
          rest.front() == ';' || is_dash_at(rest, 0, &dash))
        return 1;
      for (std::string_view state : {"complete", "done", "finished", "must", "are ", "have ", "merged"})
        if (istarts_with(rest, state)) return 1;
      return 0;  // `all previous phases`, `all prior tasks' tests`, `… in Phase 2`: something else
      return 1;
    }
    return 0;
  }

  // `(depends on all previous tasks)`, `[depends: all prior tasks]`, `after all previous
  // tasks`: names_all_before after a dependency key in the text. (The key is looked for
  // only where the text says "all", which few tasks do.)
  static int inline_all_before(std::string_view s) {
    if (detail::ifind(s, "all ") == std::string_view::npos) return 0;
    for (std::string_view key : {"depends on", "dependencies", "depends", "after"})
      for (std::size_t at = detail::ifind(s, key); at != std::string_view::npos; at = detail::ifind(s, key, at + 1)) {
        if (at > 0 && is_alnum(s[at - 1])) continue;
        std::size_t k = at + key.size();
        while (k < s.size() && (is_space(s[k]) || s[k] == ':' || s[k] == '*' || s[k] == '_' || s[k] == '=')) ++k;
        if (const int all = names_all_before(s.substr(k)); all > 0) return all;
      }
    return 0;
  }

  // A field's value: what follows its first colon (`:` or the full-width `：`); empty if
  // it has none.
  static std::string_view field_value(std::string_view s) {
    std::size_t i = s.find(':');
    const std::size_t full = s.find("\xEF\xBC\x9A");
    if (full != std::string_view::npos && (i == std::string_view::npos || full < i)) i = full + 2;
    return i == std::string_view::npos ? std::string_view() : s.substr(i + 1);
  }

  static bool says_none(std::string_view s) {
    std::string_view v = field_value(s);
    if (v.empty()) return false;
    while (!v.empty() && (v.front() == '*' || v.front() == '_' || is_space(v.front()))) v.remove_prefix(1);
    for (std::string_view w : {"none", "n/a", "nothing", "no dependencies", "\xE2\x80\x94", "无", "無", "なし", "없음", "aucune",
                               "ninguna", "nenhuma", "keine"})
      if (istarts_with(v, w)) {
        const std::string_view rest = v.substr(w.size());
        if (rest.empty() || !is_alpha(rest.front())) return true;
      }
    return false;
  }

  // Drops repeated references, keeping the first of each, in place.
  static void dedupe(std::vector<DepRef>& v) {
    if (v.size() < 2) return;
    // Many references (a list of thousands): looked up instead of scanned.
    std::unordered_set<std::string> many;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      bool seen = false;
      if (v.size() >= 32) seen = !many.insert(v[i].first + '\n' + v[i].last).second;
      else
        for (std::size_t o = 0; o < kept && !seen; ++o) seen = v[o].first == v[i].first && v[o].last == v[i].last;
      if (seen) continue;
      if (kept != i) v[kept] = std::move(v[i]);
      ++kept;
    }
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(kept), v.end());
  }

  // What a key phrase says about the IDs next to it.
  // depends_colon: a key only with a colon after it (`Upstream: T001`, not `upstream of T004`).
  enum class KeyKind : std::uint8_t { depends, bracket, after, depends_colon };
  struct DepKey {
    std::string_view text;  // lower case; UTF-8 bytes match exactly (istarts_with folds ASCII only)
    KeyKind kind;
  };

  // Key phrases written before the IDs, in the languages of the corpus and of public
  // Spec-Kit files: English, Spanish, Portuguese, French, German, Russian, Chinese,
  // Japanese and Korean.
  static constexpr DepKey kLeadKeys[] = {
      {"[depends", KeyKind::bracket}, {"depends on", KeyKind::depends}, {"depend on", KeyKind::depends},
      {"dependent on", KeyKind::depends}, {"depends", KeyKind::depends}, {"dependencies", KeyKind::depends},
      {"dependency", KeyKind::depends}, {"blocked by", KeyKind::depends}, {"requires", KeyKind::depends},
      {"after", KeyKind::after},
      // "(deps: T014, T015)", "- Deps: T01", "→ deps: T01"
      {"deps", KeyKind::depends},
      // "- Upstream: T001" (with its colon: "upstream of T004" says the other way)
      {"upstream", KeyKind::depends_colon},
      // "(needs T001)", "(waits for T002)", "(prereq: T003)", "[blocked-by:T004]"
      {"needs", KeyKind::depends}, {"waits for", KeyKind::depends}, {"wait for", KeyKind::depends},
      {"waits on", KeyKind::depends}, {"blocked on", KeyKind::depends}, {"blocked-by", KeyKind::depends},
      {"prereq", KeyKind::depends}, {"prereqs", KeyKind::depends}, {"prerequisite", KeyKind::depends},
      {"prerequisites", KeyKind::depends},
      // "(depende de T001, T002)", "Dependencias: T01", "(después de T008)", "(após T012-T015)"
      {"depende de", KeyKind::depends}, {"depende", KeyKind::depends}, {"dependencias", KeyKind::depends},
      {"dependencia", KeyKind::depends}, {"dependências", KeyKind::depends}, {"dependência", KeyKind::depends},
      {"requiere", KeyKind::depends}, {"requer", KeyKind::depends}, {"bloqueado por", KeyKind::depends},
      {"bloqueada por", KeyKind::depends}, {"después de", KeyKind::after}, {"despues de", KeyKind::after},
      {"depois de", KeyKind::after}, {"após", KeyKind::after},
      // "(dépend de T012)", "— dépend T012."
      {"dépend de", KeyKind::depends}, {"dépendent de", KeyKind::depends}, {"dépend", KeyKind::depends},
      {"dépendances", KeyKind::depends}, {"dépendance", KeyKind::depends}, {"nécessite", KeyKind::depends},
      {"bloqué par", KeyKind::depends}, {"bloquée par", KeyKind::depends}, {"après", KeyKind::after},
      // "(abhängig von T001)", "Abhängigkeiten: T01", "(nach T016)"
      {"abhängig von", KeyKind::depends}, {"abhängigkeiten", KeyKind::depends},
      {"abhängigkeit", KeyKind::depends}, {"benötigt", KeyKind::depends}, {"erfordert", KeyKind::depends},
      {"blockiert durch", KeyKind::depends}, {"wartet auf", KeyKind::depends}, {"nach", KeyKind::after},
      // "(зависит от T001)", "Зависимости: T01", "(после T003)" (both cases: the match folds ASCII only)
      {"зависит от", KeyKind::depends}, {"Зависит от", KeyKind::depends}, {"зависимости", KeyKind::depends},
      {"Зависимости", KeyKind::depends}, {"требует", KeyKind::depends}, {"Требует", KeyKind::depends},
      {"после", KeyKind::after}, {"После", KeyKind::after},
      // "（P0，依赖 T01）", "依赖：T01", "前置：T003", "（依存: T001）", "의존성: T001"
      {"依赖于", KeyKind::depends}, {"依赖", KeyKind::depends}, {"依賴於", KeyKind::depends},
      {"依賴", KeyKind::depends}, {"前置", KeyKind::depends}, {"依存関係", KeyKind::depends},
      {"依存", KeyKind::depends}, {"의존성", KeyKind::depends}, {"선행", KeyKind::depends}};

  // The word "task" in Japanese, Chinese and Korean, written before an ID (`タスク7.1`).
  static constexpr std::string_view kCjkTaskWords[] = {"タスク", "任务", "任務", "작업", "태스크"};
  static std::size_t cjk_task_word_before(std::string_view s, std::size_t k) {
    for (std::string_view w : kCjkTaskWords)
      if (k >= w.size() && s.compare(k - w.size(), w.size(), w) == 0) return w.size();
    return 0;
  }
  // Whether the word "task" stands just before `s[k]` (`Task 3`, `**Tasks**: 3`, `タスク3`).
  static bool task_word_before(std::string_view s, std::size_t k) {
    while (k > 0 && is_space(s[k - 1])) --k;
    return after_task_word(s, k) || cjk_task_word_before(s, k) > 0;
  }
  // The number of an item over subtasks at `s[k]` (`6` of `- [ ] 6. Frontend` over 6.1 …):
  // its length, or 0 when the digits there are no such item's.
  std::size_t item_number_at(std::string_view s, std::size_t k) const {
    if (item_numbers_.empty()) return 0;
    const std::size_t n = word_number(s, k);
    return n > 0 && item_numbers_.count(std::string(s.substr(k, n))) ? n : 0;
  }

  // Finds dependency phrases in `s` and appends what they reference. References need
  // an ID, and digits are rare in prose, so the scan anchors on ID tokens and looks back
  // for a key phrase that leads up to them ("depends on T012", "after T002"), or, in
  // Japanese and Chinese, looks past the list for one that follows it ("T012 に依存").
  void find_refs(std::string_view s, int line, RefOrigin field_origin, std::vector<DepRef>& out) {
    const auto origin_of = [&](KeyKind kind) {
      return kind == KeyKind::after ? RefOrigin::after_prose : kind == KeyKind::bracket ? RefOrigin::bracket_field : field_origin;
    };
    int trailing = -1;  // whether `s` holds a trailing key at all; asked at the first ID
    std::size_t p = 0;
    while ((p = find_digit(s, p)) < s.size()) {
      std::size_t q = p;
      while (q > 0 && p - q < 6 && (is_upper(s[q - 1]) || s[q - 1] == '-')) --q;
      if (q > 0 && (is_alnum(s[q - 1]) || s[q - 1] == '.')) {
        while (p < s.size() && (is_alnum(s[p]) || s[p] == '.')) ++p;
        continue;
      }
      // A number without letters: no ID in this document, unless it is a task's number
      // after the word ("Depends on: Task 3").
      std::size_t number = q == p && number_ids_ && after_task_word(s, q) ? word_number(s, q) : 0;
      if (number == 0 && q == p && (number_ids_ || bare_shape_) && task_word_before(s, q))
        number = lettered_number(s, q);  // "Task 1.1a", "任务 1.1a"
      if (number == 0 && q == p && task_word_before(s, q)) number = item_number_at(s, q);  // `タスク2完了`
      if (q == p && !bare_shape_ && number == 0) {
        while (p < s.size() && is_digit(s[p])) ++p;
        continue;
      }
      const std::size_t n = number > 0 ? number : listed_id(s.substr(q));
      if (n == 0 || !shape_known(s.substr(q, n))) {
        p = std::max(p + 1, q + n);  // always forward: `US1/AC4` matches nothing at `U`
        while (p < s.size() && is_digit(s[p])) ++p;
        continue;
      }
      // What leads up to the ID, up to one key phrase back: separators only between them,
      // and the word "task" (`**Dependencies**: Task 1.1`). The full-width colon,
      // parenthesis and space are stepped over whole, so the look back never stops inside
      // a UTF-8 sequence.
      const auto separators = [&](std::size_t k) {
        for (;;) {
          if (k > 0 && (is_space(s[k - 1]) || s[k - 1] == ':' || s[k - 1] == '*' || s[k - 1] == '_' ||
                        s[k - 1] == '\\' || s[k - 1] == '(' || s[k - 1] == '=')) {
            --k;
          } else if (k >= 3 && (s.compare(k - 3, 3, "\xEF\xBC\x9A") == 0 || s.compare(k - 3, 3, "\xEF\xBC\x88") == 0 ||
                                s.compare(k - 3, 3, "\xE3\x80\x80") == 0)) {
            k -= 3;  // ： （ and the ideographic space
          } else {
            return k;
          }
        }
      };
      std::size_t k = separators(q);
      if (k >= 4 && istarts_with(s.substr(k - 4), "task")) {
        k = separators(k - 4);
      } else if (k >= 5 && istarts_with(s.substr(k - 5), "tasks")) {
        k = separators(k - 5);
      } else if (const std::size_t w = cjk_task_word_before(s, k); w > 0) {
        k = separators(k - w);  // `_Dependencies: タスク7.1-7.7完了_`
      }
      bool found = false;
      bool keyed = false;
      for (const DepKey& key : kLeadKeys) {
        if (k < key.text.size() || !istarts_with(s.substr(k - key.text.size()), key.text)) continue;
        const std::size_t start = k - key.text.size();
        if (start > 0 && is_alnum(s[start - 1])) continue;
        if (key.kind == KeyKind::depends_colon && s.substr(k, q - k).find(':') == std::string_view::npos) continue;
        keyed = true;
        if (denied_key(s, start)) break;
        const std::size_t before = out.size();
        p = parse_id_list(s, q, line, origin_of(key.kind), out, nullptr);
        found = out.size() > before;
        break;
      }
      if (!keyed && trailing != 0 && (trailing = has_trailing_key(s) ? 1 : 0) == 1) {
        const std::size_t before = out.size();
        const std::size_t end = parse_id_list(s, q, line, field_origin, out, nullptr);
        bool after = false;
        if (const std::size_t len = trailing_key_at(s, end, &after); len > 0) {
          for (std::size_t r = before; r < out.size(); ++r) out[r].origin = origin_of(after ? KeyKind::after : KeyKind::depends);
          found = out.size() > before;
          p = end + len;
        } else {
          // Every list that starts inside this one ends where it does: skip it whole.
          out.resize(before);
          p = std::max(end, q + n);
          continue;
        }
      }
      if (!found) p = std::max(p + 1, q + n);
    }
  }




  // A list of IDs and ranges at `s[k]`: "T012, T013", "T004-T015 and T020".
  // Returns the index just past the list.
  std::size_t parse_id_list(std::string_view s, std::size_t k, int line, RefOrigin origin,
                            std::vector<DepRef>& out, std::vector<std::string>* names) {
    bool numbers = false;  // the list names tasks by number
    bool items_named = false;  // or items over subtasks by their numbers
    std::size_t items = 0;  // read so far
    bool comma = false;     // a comma or semicolon came before this item
    for (int guard = 0; guard < 256; ++guard) {
      while (k < s.size() && is_space(s[k])) ++k;
      const std::size_t item = k;
      // "Task 1.1, Task 1.2", "タスク2.1、タスク2.2": the word again before each ID.
      if (guard > 0 && k + 5 < s.size() && istarts_with(s.substr(k), "task") && is_space(s[k + 4])) {
        k += 5;
        while (k < s.size() && is_space(s[k])) ++k;
      } else if (guard > 0) {
        for (std::string_view w : kCjkTaskWords)
          if (s.compare(k, w.size(), w) == 0) {
            k += w.size();
            while (k < s.size() && is_space(s[k])) ++k;
            break;
          }
      }
      std::size_t n = listed_id(s.substr(k));
      // "Task 3", "Tasks 1 and 2": numbers, after the word. Without the word, only where
      // the list goes on or ends after it: in "Task 2; 3 reviewers" the 3 is a count.
      bool number = false;
      if (n == 0 && number_ids_ && (numbers || after_task_word(s, k)) && (n = word_number(s, k)) > 0) {
        if (!after_task_word(s, k) && !number_ends_item(s, k + n)) return k;
        numbers = number = true;
      }
      // "Task 1.1a": a task put between two, by its number and a letter.
      if (n == 0 && (number_ids_ || bare_shape_) && task_word_before(s, k) && (n = lettered_number(s, k)) > 0) number = true;
      // "タスク2-5完了", "Tasks 2 and 3": the numbers of items over subtasks (item_groups).
      bool by_item = false;
      if (n == 0 && (items_named || task_word_before(s, k)) && (n = item_number_at(s, k)) > 0) items_named = by_item = true;
      if (n == 0 || !shape_known(s.substr(k, n))) {
        if (names && k < s.size() && guard == 0) {
          std::size_t e = k;
          while (e < s.size() && (is_alnum(s[e]) || s[e] == '-' || s[e] == '_')) ++e;
          if (e > k) names->emplace_back(s.substr(k, e - k));
        }
        return k;
      }
      DepRef r;
      r.first = std::string(number ? task_number(s.substr(k, n)) : s.substr(k, n));
      r.last = r.first;
      r.line = line;
      r.origin = origin;
      k += n;
      // A range: "T004-T015", "T004 – T015", "T004 to T015", "T004..T015".
      std::size_t j = k;
      while (j < s.size() && is_space(s[j])) ++j;
      std::size_t dl = 0;
      if (is_dash_at(s, j, &dl)) j += dl;
      else if (istarts_with(s.substr(j), "to ")) j += 3;
      else if (istarts_with(s.substr(j), "through ")) j += 8;
      else if (istarts_with(s.substr(j), "thru ")) j += 5;
      else if (s.compare(j, 2, "..") == 0) j += 2;
      else if (const std::size_t w = wave_dash_at(s, j); w > 0) j += w;  // `T001〜T005`, `T001~T005`
      else j = std::string_view::npos;
      if (j != std::string_view::npos) {
        while (j < s.size() && is_space(s[j])) ++j;
        std::size_t m = match_id(s.substr(j));
        // "Tasks 1-5", "Task 1 to Task 3": a range of tasks' numbers.
        if (m == 0 && number) {
          if (j + 5 < s.size() && istarts_with(s.substr(j), "task") && is_space(s[j + 4])) j += 5;
          while (j < s.size() && is_space(s[j])) ++j;
          m = word_number(s, j);
        }
        if (m == 0 && by_item) m = item_number_at(s, j);
        if (m > 0 && (number || shape_known(s.substr(j, m)))) {
          r.last = std::string(number ? task_number(s.substr(j, m)) : s.substr(j, m));
          k = j + m;
        }
      }
      while (k < s.size() && is_space(s[k])) ++k;
      // "depends on T010 (the schema), T011 is independent": after a comma, an ID that
      // a verb follows starts a clause of its own, and the list ends before it.
      if (comma && clause_word(s.substr(k))) return item;
      out.push_back(std::move(r));
      ++items;
      // "T003-T007 (data files), T009", "T012 `email_log`, T017": an aside on an ID, when
      // the list goes on after it.
      if (const std::size_t g = gloss_end(s, k); g > 0) {
        std::size_t at = g;
        while (at < s.size() && is_space(s[at])) ++at;
        if (const std::size_t sep = list_separator(s.substr(at)); sep > 0) {
          std::size_t i = at + sep;
          while (i < s.size() && is_space(s[i])) ++i;
          if (i + 5 < s.size() && istarts_with(s.substr(i), "task") && is_space(s[i + 4])) i += 5;
          while (i < s.size() && is_space(s[i])) ++i;
          if (const std::size_t n2 = listed_id(s.substr(i)); n2 > 0 && shape_known(s.substr(i, n2))) k = at;
          else if (numbers && word_number(s, i) > 0) k = at;  // "Task 1 (`Orders`), Task 2"
        }
      } else if (items > 1) {
        // "T012 `log`, T017 Resend full, T018 retry": a few bare words on an ID past the
        // list's first item, when the list goes on after them. (On the first, they are the
        // sentence going on: "after T001 completes, T002 runs".)
        if (const std::size_t at = bare_aside_end(s, k); at > 0) {
          std::size_t i = at + list_separator(s.substr(at));
          while (i < s.size() && is_space(s[i])) ++i;
          if (i + 5 < s.size() && istarts_with(s.substr(i), "task") && is_space(s[i + 4])) i += 5;
          while (i < s.size() && is_space(s[i])) ++i;
          if (const std::size_t n2 = listed_id(s.substr(i)); n2 > 0 && shape_known(s.substr(i, n2))) k = at;
          else if (numbers && word_number(s, i) > 0) k = at;
        }
      }
      if (const std::size_t sep = list_separator(s.substr(k)); sep > 0) {
        comma = s[k] == ',' || s[k] == ';' || starts_with(s.substr(k), "\xEF\xBC\x8C");
        k += sep;
        continue;
      }
      comma = false;
      if (k < s.size() && match_id(s.substr(k)) > 0) continue;
      return k;
    }
    return k;
  }

  // Where a separator of a list of IDs at the start of `s` ends; 0 if none starts there:
  // ", ", "; ", "/", "&", "+", "and", "or"; "T005 e T006", "T001 y T002", "T002 et T003";
  // "T003、T004", "T01，T02", "T01 和 T02".
  static std::size_t list_separator(std::string_view s) {
    if (s.empty()) return 0;
    if (s[0] == ',' || s[0] == ';' || s[0] == '/' || s[0] == '&' || s[0] == '+') return 1;
    if (istarts_with(s, "and ")) return 4;
    if (istarts_with(s, "or ") || istarts_with(s, "et ")) return 3;
    if (istarts_with(s, "e ") || istarts_with(s, "y ")) return 2;
    return cjk_list_separator(s);
  }

  // Where up to three bare words at `s[k]` end, when a list separator follows them ("Resend
  // full, "): the index of the separator; 0 otherwise.
  static std::size_t bare_aside_end(std::string_view s, std::size_t k) {
    std::size_t i = k;
    for (int words = 0; words < 3; ++words) {
      const std::size_t start = i;
      while (i < s.size() && (is_alpha(s[i]) || static_cast<unsigned char>(s[i]) >= 0x80)) ++i;
      if (i == start || list_separator(s.substr(start)) > 0 || clause_word(s.substr(start))) return 0;
      std::size_t j = i;
      while (j < s.size() && s[j] == ' ') ++j;
      if (list_separator(s.substr(j)) > 0 && (s[j] == ',' || s[j] == ';')) return j;
      if (j == i) return 0;
      i = j;
    }
    return 0;
  }

  // Whether a verb starts `s`, so that the ID before it is a clause's subject ("T011 is
  // independent", "T003 can start at once"), not an item of a list.
  static bool clause_word(std::string_view s) {
    static constexpr std::string_view kVerbs[] = {
        "is",      "isn't",   "was",  "has",   "hasn't", "does",   "doesn't", "can",  "cannot", "can't", "may",
        "might",   "will",    "won't", "would", "should", "must",  "needs",   "runs", "stays",  "remains", "not",
        "est",     "es"};
    for (std::string_view v : kVerbs)
      if (istarts_with(s, v) && (s.size() == v.size() || !is_alnum(s[v.size()]))) return true;
    return false;
  }

  // Where an aside on one ID at `s[k]` ends — "(data files)", "`email_delivery_log`", on
  // one line, short, naming no task itself; 0 if none starts there.
  std::size_t gloss_end(std::string_view s, std::size_t k) const {
    if (k >= s.size() || (s[k] != '(' && s[k] != '`')) return 0;
    const char close = s[k] == '(' ? ')' : '`';
    const std::size_t e = s.find(close, k + 1);
    if (e == std::string_view::npos || e - k > 80) return 0;
    const std::string_view inside = s.substr(k + 1, e - k - 1);
    if (inside.empty() || inside.find('\n') != std::string_view::npos || inside.find('(') != std::string_view::npos) return 0;
    for (std::size_t i = 0; i < inside.size(); ++i) {
      if (i > 0 && is_alnum(inside[i - 1])) continue;
      if (const std::size_t n = match_id(inside.substr(i)); n > 0 && shape_known(inside.substr(i, n))) return 0;
      if (number_ids_ && is_digit(inside[i]) && after_task_word(inside, i) && word_number(inside, i) > 0) return 0;
    }
    return e + 1;
  }

  // Whether a task's number listed without the word ("Task 1, 2") ends its item at `s[e]`:
  // the text ends, or a separator, an aside or punctuation follows, not a word ("3 reviewers").
  static bool number_ends_item(std::string_view s, std::size_t e) {
    while (e < s.size() && is_space(s[e])) ++e;
    return e == s.size() || !is_alnum(s[e]) || list_separator(s.substr(e)) > 0;
  }

  void resolve_heading_refs() {
    for (const HeadingRef& h : pending_heading_refs_) {
      std::vector<DepRef> refs;
      std::vector<std::string> names;
      const bool phase = h.group < 0;
      find_heading_refs(h.title, h.line, refs, phase ? &names : nullptr);
      if (phase) {
        Phase& p = plan_.phases[static_cast<std::size_t>(h.phase)];
        p.depends_on = std::move(refs);
        p.depends_on_groups = std::move(names);
      } else {
        plan_.groups[static_cast<std::size_t>(h.group)].depends_on = std::move(refs);
      }
    }
  }

  void find_heading_refs(std::string_view title, int line, std::vector<DepRef>& out,
                         std::vector<std::string>* names) {
    std::size_t p = ifind(title, "[depends");
    if (p != std::string_view::npos) {
      std::size_t k = p + 8;
      while (k < title.size() && (is_space(title[k]) || title[k] == ':' || title[k] == '=')) ++k;
      parse_id_list(title, k, line, RefOrigin::bracket_field, out, names);
    }
    find_refs(title, line, RefOrigin::inline_depends, out);
    dedupe(out);
  }

  // Lists under a task's `Dependencies` (which does not say which way) that all name only
  // tasks after their own, one of them a task that says it waits for the list's, list the
  // tasks that wait for each (`**Dependencies:**` over `- T003 (needs the models)` under
  // T002, where T003 says `**Depends on:** T002`). Read as the tasks' own, they are a cycle
  // and the file is refused, or (a chain of such lists, one of them told) a plan run
  // backwards; they wait for it instead. A file one of whose lists names an earlier task,
  // or an item that says it comes first, reads them all as written: a contradiction
  // there is the cycle it reads as, as it is under `Depends on:`, which says which way.
  void read_dependents_lists(const TaskIndex& ids) {
    if (dep_lists_.empty()) return;
    std::vector<std::vector<std::pair<std::uint32_t, int>>> listed(dep_lists_.size());  // each task once, with its line
    std::unordered_set<std::uint32_t> seen;
    for (std::size_t k = 0; k < dep_lists_.size(); ++k) {
      const DepList& list = dep_lists_[k];
      if (list.firm) return;
      seen.clear();
      for (const DepRef& r : list.refs) {
        const std::uint32_t j = r.first == r.last ? ids.find(r.first) : ids.npos;
        if (j == ids.npos || j <= list.task) return;
        if (seen.insert(j).second) listed[k].emplace_back(j, r.line);
      }
    }
    // Who waits for whom, as the tasks say it ("index\nID"), and where; and the ranges
    // each task waits for (`Depends on: T001–T002`), by position.
    std::unordered_map<std::string, int> waits;
    struct Span {
      std::uint32_t task, first, last;
      int line;
    };
    std::vector<Span> spans;
    for (std::size_t i = 0; i < plan_.tasks.size(); ++i)
      for (const DepRef& d : plan_.tasks[i].depends_on)
        if (d.first == d.last) waits.emplace(std::to_string(i) + '\n' + d.first, d.line);
        else if (const std::uint32_t a = ids.find(d.first), b = ids.find(d.last); a != ids.npos && b != ids.npos && a <= b)
          spans.push_back({static_cast<std::uint32_t>(i), a, b, d.line});
    const auto waits_for = [&](std::uint32_t j, std::size_t owner) {
      if (const auto at = waits.find(std::to_string(j) + '\n' + plan_.tasks[owner].id); at != waits.end()) return at->second;
      for (const Span& s : spans)
        if (s.task == j && s.first <= owner && owner <= s.last) return s.line;
      return 0;
    };
    // Or the phases say it: a task in a later phase waits for an earlier phase's tasks,
    // unless both are user stories (which may run side by side).
    const auto after_phase = [&](std::uint32_t j, std::size_t owner) {
      const Task &u = plan_.tasks[j], &t = plan_.tasks[owner];
      const auto story = [&](int p) { return plan_.phases[static_cast<std::size_t>(p)].kind == PhaseKind::user_story; };
      return u.phase > t.phase && !(story(u.phase) && story(t.phase));
    };
    std::size_t told = dep_lists_.size();
    std::uint32_t teller = 0;
    for (std::size_t k = 0; k < dep_lists_.size() && told == dep_lists_.size(); ++k)
      for (const auto& [j, line] : listed[k])
        if (waits_for(j, dep_lists_[k].task) > 0 || after_phase(j, dep_lists_[k].task)) {
          told = k, teller = j;
          break;
        }
    if (told == dep_lists_.size()) return;
    const Task& owner = plan_.tasks[dep_lists_[told].task];
    const int said = waits_for(teller, dep_lists_[told].task);
    diag(Severity::info, dep_lists_.front().refs.front().line, "dependents-list",
         "the " + std::string(dep_lists_.size() == 1 ? "list" : std::to_string(dep_lists_.size()) + " lists") +
             " under a task's Dependencies name only tasks after it, and " + plan_.tasks[teller].id +
             (said > 0 ? " waits for " + owner.id + " (line " + std::to_string(said) + ")"
                       : " is in a later phase than " + owner.id + ", so it waits for it") +
             ": read as the tasks that wait for it, not ones it waits for");
    std::unordered_set<std::string> items;  // "line first" of a list's references
    for (std::size_t k = 0; k < dep_lists_.size(); ++k) {
      const DepList& list = dep_lists_[k];
      Task& t = plan_.tasks[list.task];
      items.clear();
      for (const DepRef& r : list.refs) items.insert(std::to_string(r.line) + ' ' + r.first);
      std::erase_if(t.depends_on, [&](const DepRef& d) {
        return d.origin == RefOrigin::field_line && d.first == d.last && items.count(std::to_string(d.line) + ' ' + d.first);
      });
      for (const auto& [j, line] : listed[k]) {
        if (!waits.emplace(std::to_string(j) + '\n' + t.id, line).second) continue;
        Task& u = plan_.tasks[j];
        if (u.depends_on.empty()) with_refs_.push_back(j);
        u.depends_on.push_back({t.id, t.id, line, RefOrigin::field_line});
      }
    }
  }

  void check_refs(const TaskIndex& ids) {
    auto check = [&](const DepRef& r, const std::string& who) {
      for (const std::string* id : {&r.first, &r.last}) {
        if (!ids.contains(*id) && !item_numbers_.count(*id))
          diag(Severity::warning, r.line, "unknown-reference",
               who + " refers to " + *id + ", which is not a task in this file");
        if (r.first == r.last) break;
      }
    };
    for (std::size_t i : with_refs_)
      for (const DepRef& r : plan_.tasks[i].depends_on) check(r, plan_.tasks[i].id);
    for (const Group& g : plan_.groups)
      for (const DepRef& r : g.depends_on) check(r, "heading \"" + clip(g.title, 40) + "\"");
    for (const Phase& p : plan_.phases)
      for (const DepRef& r : p.depends_on) check(r, "heading \"" + clip(p.title, 40) + "\"");
  }

  // A phase whose heading names no story but whose tasks all carry one story label
  // is that story's phase.
  void classify_story_phases(const std::vector<int>& story) {
    for (std::size_t i = 0; i < plan_.phases.size(); ++i) {
      Phase& p = plan_.phases[i];
      if (p.kind != PhaseKind::other || story[i] < 0) continue;
      p.kind = PhaseKind::user_story;
      if (p.story == 0) p.story = story[i];
    }
  }

  // Drops phases and groups that hold no task, and renumbers the indices.
  void prune(const std::vector<int>& phase_map, const std::vector<int>& group_map) {
    std::vector<Phase> phases;
    for (std::size_t i = 0; i < plan_.phases.size(); ++i)
      if (phase_used_[i]) phases.push_back(std::move(plan_.phases[i]));
    std::vector<Group> groups(static_cast<std::size_t>(std::count_if(group_map.begin(), group_map.end(), [](int m) { return m >= 0; })));
    for (std::size_t i = 0; i < plan_.groups.size(); ++i) {
      if (group_map[i] < 0) continue;
      Group& g = groups[static_cast<std::size_t>(group_map[i])];
      g = std::move(plan_.groups[i]);
      g.phase = phase_map[static_cast<std::size_t>(g.phase)];
    }
    plan_.phases = std::move(phases);
    plan_.groups = std::move(groups);
  }

  void extract_paths(std::string_view s, std::vector<PathRef>& out, int line) {
    std::vector<std::string>& rejected = scratch_rejected_;
    rejected.clear();
    find_paths(s, out, rejected, &scratch_index_);
    for (const std::string& r : rejected)
      diag(Severity::warning, line, "path-outside-repo",
           "path \"" + clip(r, 80) + "\" leaves the repository and is not used");
  }

  struct RawRef {
    std::size_t task;
    int line;
    RefOrigin origin;
    std::string text;
    bool any_shape = false;  // a status row's cell of IDs of any shape (row_refs)
  };
  struct HeadingRef {
    std::string title;
    int line;
    int phase;
    int group;  // -1: the phase's own heading
  };

  std::string_view text_;
  Plan plan_;
  std::vector<Line> lines_;
  struct AllBefore {
    std::size_t task;  // the task whose field says it
    int line;          // the field's line
    bool phase_only;   // `… in this phase`
  };
  std::vector<AllBefore> all_before_;       // of table cells, in task order
  std::size_t all_before_at_ = 0;
  std::vector<AllBefore> body_all_before_;  // of the task being read (extract_refs_and_paths)
  std::size_t all_before_refs_ = 0;         // the references they made
  bool all_before_over_ = false;            // past kAllBeforeBudget (said once)
  std::unordered_map<std::string_view, std::size_t> last_declared_;  // ID -> its last task (made when needed)
  static constexpr std::size_t kAllBeforeBudget = 1'000'000;
  std::vector<int> headings_with_box_;  // indices of kHasBox lines
  std::size_t headless_ = 0;             // tasks without a checkbox
  std::vector<char> phase_used_, group_used_;
  std::vector<std::size_t> with_refs_;   // tasks with references
  const TaskIndex* ids_ = nullptr;       // in the final pass: ID -> first task, so far
  struct DepList {
    std::size_t task;
    std::vector<DepRef> refs;
    bool firm;  // an item says it comes first
  };
  std::vector<DepList> dep_lists_;       // the items of lists of a task's dependencies
  std::vector<std::size_t> with_bare_;   // tasks with a bare file name
  std::vector<std::size_t> in_tests_;    // … of those, the ones in a group of tests
  Head head_;
  int phase_level_ = 2;
  int dep_level_ = 0;
  // The code block being read: open, Mermaid and not yet past its first statement, and
  // the line of its opening fence once its first statement made it a flowchart.
  bool fence_open_ = false, mermaid_ = false, mermaid_front_ = false;
  int fence_line_ = 0, diagram_ = 0;
  int dep_table_line_ = -2, dep_table_col_ = -1, dep_table_subject_ = 0;  // dependency_table_row
  std::vector<std::string_view> scratch_cells_;
  bool drawing_ = false;  // the open code block names no language
  int table_line_ = 0;       // the last table row seen (line number), 0 after other lines
  std::vector<int> table_rows_;  // the lines of the tasks read from table rows, ascending
  std::unordered_set<std::string_view> done_rows_;  // IDs a status table says are done
  TableHead table_;          // the columns the current table's header names
  std::vector<std::pair<int, std::string_view>> table_path_cells_;  // (row's line, its path cell), ascending
  std::string dep_title_;
  int open_task_ = -1;
  int open_indent_ = 0;
  bool open_heading_task_ = false;
  // In the open task's body, a list of its dependencies (dependency_item): -1 none, 0
  // opened by its label, else its items' indent + 1.
  int dep_items_ = -1;
  int dep_item_last_ = 0;  // the list's last item line, or the line its note wrapped onto
  int dep_item_open_ = 0;  // the parentheses that item has left open
  bool dep_needs_ = false;  // its label is `Requires:` or `Prerequisites:`
  bool dep_noun_ = false;   // its label is `Dependencies` alone (dep_item_lines_ negative)
  std::unordered_set<std::string> declared_ids_;  // declared(): the IDs of plan_.tasks[0, declared_upto_)
  std::size_t declared_upto_ = 0;
  std::vector<int> dep_item_lines_;  // the lines of those items that start with an ID, in order
  std::size_t dep_item_ = 0;         // pass two's place in dep_item_lines_
  std::vector<DepRef> scratch_listed_;
  int solo_level_ = 0;            // inside a dependency section, a one-person order's heading level
  int open_heading_level_ = 0;    // the open heading task's level (3 for `### T001 …`)
  bool open_word_task_ = false;  // and named by the word (`### Task 3: …`): its ID-less boxes are its steps
  bool open_paragraph_task_ = false;  // the open task is a paragraph's (paragraph_task)
  bool paragraph_gap_ = false;        // and a blank line came after its last line
  const bool paragraphs_;             // tasks written as paragraphs are read (a file with no other task)
  const bool task_words_;             // a box named `Task 1.3` is the task 1.3 (a file with no other task)
  bool said_orders_ = false;          // orders_after_it added statements (out of line order)
  const std::vector<int> status_rows_;  // the status rows to read as tasks (on_status_row), ascending
  std::vector<int> found_status_rows_;  // status_rows()
  std::string paragraph_shape_;       // their IDs' shape (choose_paragraph_shape); empty: none read
  // The shapes of the IDs that name tasks without the word (boxes, bold items, headings):
  // a `### Task 1.1: …` heading whose ID has none of them is their group, or a note
  // ("### Task 1 Acceptance Criteria"), no task; `### Task T002: …` is T002's details.
  std::vector<std::string_view> id_shapes_;
  std::vector<std::pair<int, std::string_view>> heading_ids_;  // (line index, ID): a heading's, noted at build()
  void note_id_task(std::string_view id) {
    const std::string_view shape = id_shape(id);
    if (std::find(id_shapes_.begin(), id_shapes_.end(), shape) == id_shapes_.end()) id_shapes_.push_back(shape);
  }
  bool continuing_ = false;
  bool optional_ = false;  // scratch
  std::vector<Task> unnumbered_;
  int open_unnumbered_ = -1;                         // the one whose body lines follow, or -1
  int unnumbered_indent_ = 0;
  bool unnumbered_continuing_ = false;               // its text may go on unbulleted
  std::vector<std::pair<int, int>> unnumbered_body_;  // (its line, a line of its body)
  std::unordered_set<std::string> item_numbers_;  // of the items over subtasks (item_groups)
  bool kiro_items_ = false;         // some numbered item has subtasks (kItemOverSubtasks)
  std::unordered_set<int> lone_items_;  // the lines of numbered items with no subtask, tasks
  // Tasks whose head is a range (`T030-T038 …`): where its two IDs are in the task's ID.
  struct Range {
    std::size_t task, first_len, last_at;
  };
  std::vector<Range> ranges_;
  // (task index, line) of body lines, searched for paths and `**Dependencies**:` fields
  // once the document's ID shapes are known.
  std::vector<std::pair<std::size_t, int>> body_lines_;
  std::vector<RawRef> raw_refs_;
  struct RangeName {
    std::string first, last, id;
  };
  std::vector<RangeName> range_names_;
  std::vector<HeadingRef> pending_heading_refs_;
  std::vector<std::string> shapes_;  // few: usually just "T"
  bool bare_shape_ = false;          // some IDs are bare dotted numbers (`1.2`)
  bool number_ids_ = false;          // some are numbers (`### Task 3: …`), referred to as "Task 3"
  std::vector<std::string_view> scratch_texts_;
  std::vector<PathRef> scratch_paths_;  // the paths of the task being finished
  PathIndex scratch_index_;             // what scratch_paths_ holds, for tasks naming many
  std::vector<DepRef> scratch_deps_;    // its references
  std::vector<char> scratch_flags_;
  std::vector<int> scratch_lines_;
  std::vector<std::string> scratch_rejected_;
  std::size_t boxes_ = 0;
};

}  // namespace


Plan parse_tasks_md(std::string_view text) {
  Parser first(text);
  Plan plan = first.run();
  // No task, and lines that start with task IDs outside lists (the no-tasks error): read
  // again, for a task list written as paragraphs (a table of the same IDs then reports on
  // them).
  if (plan.tasks.empty() && std::any_of(plan.diagnostics.begin(), plan.diagnostics.end(), [](const Diagnostic& d) {
        return d.code == "no-tasks" && d.severity == Severity::error;
      }))
    if (Plan again = Parser(text, true).run(); !again.tasks.empty()) return again;
  // Its only tasks boxes without IDs, most named by the word and a number (`- [ ] **任务
  // 1.3** [P]: …`, `- [ ] Task 2: …`): read again, with those numbers as the IDs, so that
  // their labels and the dependencies naming them are read.
  if (!plan.tasks.empty() && plan.tasks.front().form == TaskForm::unnumbered) {
    std::size_t named = 0;
    for (const Task& t : plan.tasks) {
      std::string_view emph;
      named += task_word(t.description, &emph) > 0;
    }
    // (Not where the numbers repeat, `Task 1` in each phase: they would name two tasks.)
    if (named >= 2 && named * 2 > plan.tasks.size())
      if (Plan again = Parser(text, false, {}, true).run();
          again.count(Severity::error) <= plan.count(Severity::error) && !again.tasks.empty() &&
          again.tasks.front().form != TaskForm::unnumbered &&
          std::none_of(again.diagnostics.begin(), again.diagnostics.end(), [](const Diagnostic& d) { return d.code == "duplicate-id"; }))
        return again;
  }
  // Refused for tables of tasks without a checkbox column, some with a Status column, or
  // holding ID-less boxes alone beside them: read again, with those rows as tasks
  // (on_status_row), if that reading reads some and is refused no more.
  if (!first.status_rows().empty()) {
    Plan rows = Parser(text, false, first.status_rows()).run();
    if (rows.count(Severity::error) <= plan.count(Severity::error) &&
        std::any_of(rows.tasks.begin(), rows.tasks.end(), [](const Task& t) { return t.form == TaskForm::status_row; }))
      return rows;
  }
  return plan;
}

std::size_t Plan::count(Severity at_least) const noexcept {
  std::size_t n = 0;
  for (const Diagnostic& d : diagnostics)
    if (static_cast<int>(d.severity) >= static_cast<int>(at_least)) ++n;
  return n;
}

int Plan::task_at_line(int line) const noexcept {
  auto it = std::lower_bound(tasks.begin(), tasks.end(), line,
                             [](const Task& t, int l) { return t.line < l; });
  if (it == tasks.end() || it->line != line) return -1;
  return static_cast<int>(it - tasks.begin());
}

const char* to_string(TaskState s) noexcept {
  switch (s) {
    case TaskState::pending: return "pending";
    case TaskState::done: return "done";
    case TaskState::other: return "other";
  }
  return "?";
}

const char* to_string(TaskForm f) noexcept {
  switch (f) {
    case TaskForm::checkbox: return "checkbox";
    case TaskForm::heading: return "heading";
    case TaskForm::bold_item: return "bold-item";
    case TaskForm::unnumbered: return "unnumbered";
    case TaskForm::paragraph: return "paragraph";
    case TaskForm::status_row: return "status-row";
  }
  return "?";
}

const char* to_string(PhaseKind k) noexcept {
  switch (k) {
    case PhaseKind::setup: return "setup";
    case PhaseKind::foundational: return "foundational";
    case PhaseKind::user_story: return "user-story";
    case PhaseKind::polish: return "polish";
    case PhaseKind::other: return "other";
  }
  return "?";
}

const char* to_string(Severity s) noexcept {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "?";
}

const char* to_string(RefOrigin o) noexcept {
  switch (o) {
    case RefOrigin::inline_depends: return "depends-on";
    case RefOrigin::bracket_field: return "bracket-field";
    case RefOrigin::after_prose: return "after";
    case RefOrigin::field_line: return "field";
    case RefOrigin::all_before: return "all-before";
  }
  return "?";
}

const char* to_string(SkipReason r) noexcept {
  switch (r) {
    case SkipReason::nested: return "nested";
    case SkipReason::no_id: return "no-id";
    case SkipReason::legend: return "legend";
    case SkipReason::in_code: return "in-code";
    case SkipReason::in_comment: return "in-comment";
    case SkipReason::other_mark: return "other-mark";
    case SkipReason::section: return "section";
    case SkipReason::mirror: return "mirror";
    case SkipReason::criterion: return "criterion";
    case SkipReason::checklist: return "checklist";
    case SkipReason::step: return "step";
    case SkipReason::progress: return "progress";
    case SkipReason::note: return "note";
  }
  return "?";
}

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::io: return "io";
    case Errc::parse: return "parse";
    case Errc::cycle: return "cycle";
    case Errc::conflict: return "conflict";
    case Errc::not_found: return "not-found";
    case Errc::invalid_argument: return "invalid-argument";
    case Errc::canceled: return "canceled";
    case Errc::spawn: return "spawn";
    case Errc::config: return "config";
  }
  return "?";
}

FLOW_END_NAMESPACE

namespace detail {

bool status_says_done(std::string_view value) { return says_done(value); }
TaskState status_row_state(std::string_view value) { return row_state(value); }
std::size_t title_task_word(std::string_view title, std::string_view* emph) { return task_word(title, emph); }

std::vector<char> item_deciders(const Plan& plan) {
  const auto optional = [](const Task& t) { return std::find(t.labels.begin(), t.labels.end(), "optional") != t.labels.end(); };
  std::vector<char> required(plan.groups.size(), 0);  // the group has a required task
  for (const Task& t : plan.tasks)
    if (static_cast<std::size_t>(t.group) < required.size() && !optional(t)) required[static_cast<std::size_t>(t.group)] = 1;
  std::vector<char> out(plan.tasks.size(), 0);
  for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
    const auto g = static_cast<std::size_t>(plan.tasks[i].group);
    if (g < required.size() && plan.groups[g].mark_offset != Task::npos)
      out[i] = !required[g] || !optional(plan.tasks[i]);
  }
  return out;
}

}  // namespace detail

}  // namespace flow
