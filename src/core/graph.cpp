// SPDX-License-Identifier: MIT
// Building the dependency graph from a Plan: implicit rules, explicit references,
// dependency-section statements; cycle detection with Boost.Graph.
#include <flow/graph.hpp>

#include "core/locks.hpp"
#include "core/mermaid.hpp"
#include "core/tasks_md_internal.hpp"
#include "support/text.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace flow {
FLOW_BEGIN_NAMESPACE

using namespace detail;

namespace {

// A reference resolved to nodes: tasks, or gates standing for whole phases.
struct Refs {
  std::vector<int> nodes;
  std::vector<int> target_tasks;  // when the reference is a target: the tasks that wait
  // The stories named (outside parentheses) on a side that names tasks too: context, unless
  // every task named is one of those the statement orders (link).
  std::vector<int> context;
};

bool is_arrow_at(std::string_view s, std::size_t i, std::size_t* len) {
  static constexpr std::string_view arrows[] = {"\xE2\x86\x92" /* → */, "\xE2\x9F\xB6" /* ⟶ */,
                                                "\xE2\x87\x92" /* ⇒ */, "->", "=>"};
  for (auto a : arrows)
    if (s.compare(i, a.size(), a) == 0) {
      *len = a.size();
      return true;
    }
  return false;
}

// A line of a drawing in a code block, as the orders it draws: its cells (text apart by
// three spaces or a tab: `T020 → T021    T030 → T031` is two columns) that hold an arrow
// pointing right, each arrow written ` → `. An arrow is a run of line-drawing characters,
// dashes or equals signs that ends in a head (`─┬→`, `──►`, `-->`, `==>`, `⇒`); a run
// without one (`──`, `──┤`, `│`) or with a head pointing elsewhere (`↓`, `▼`, `←`) divides
// cells, since what it joins is not read left to right.
std::vector<std::string> code_orders(std::string_view line) {
  std::vector<std::string> cells;
  std::string cell;
  bool arrow = false;
  const auto end_cell = [&] {
    if (arrow) cells.push_back(std::move(cell));
    cell.clear();
    arrow = false;
  };
  // The kind of character at `i` and its length: 0 text, 1 a line or corner, 2 a head
  // pointing right, 3 a head pointing elsewhere.
  const auto kind = [&](std::size_t i, std::size_t* len) -> int {
    const auto c = static_cast<unsigned char>(line[i]);
    *len = 1;
    if (c == '-' || c == '=') {
      std::size_t k = i;
      while (k < line.size() && (line[k] == '-' || line[k] == '=')) ++k;
      if (k < line.size() && line[k] == '>') {  // `->`, `-->`, `==>`: one arrow
        *len = k + 1 - i;
        return 2;
      }
      return 0;
    }
    if (c != 0xE2 || i + 2 >= line.size()) return 0;
    *len = 3;
    const auto b1 = static_cast<unsigned char>(line[i + 1]), b2 = static_cast<unsigned char>(line[i + 2]);
    if (b1 == 0x94 || b1 == 0x95) return 1;  // U+2500–U+257F: box drawing
    if ((b1 == 0x86 && b2 == 0x92) || (b1 == 0x9F && b2 == 0xB6) || (b1 == 0x87 && b2 == 0x92) ||  // → ⟶ ⇒
        (b1 == 0x96 && (b2 == 0xBA || b2 == 0xB6 || b2 == 0xB8)))                                 // ► ▶ ▸
      return 2;
    if ((b1 == 0x86 && b2 >= 0x90 && b2 <= 0x99) || (b1 == 0x96 && b2 >= 0xB2 && b2 <= 0xBF) ||
        (b1 == 0x97 && b2 <= 0x84))  // other arrows, other triangles
      return 3;
    return 0;
  };
  std::size_t spaces = 0;
  for (std::size_t i = 0; i < line.size();) {
    if (line[i] == ' ' || line[i] == '\t') {
      spaces += line[i] == '\t' ? 3 : 1;
      ++i;
      continue;
    }
    if (spaces >= 3 && !cell.empty()) end_cell();
    if (spaces > 0 && !cell.empty()) cell += ' ';
    spaces = 0;
    std::size_t len = 0;
    int k = kind(i, &len);
    if (k == 0) {
      cell.append(line.substr(i, len));
      i += len;
      continue;
    }
    // A run of drawing: lines, corners and heads, spaces not included.
    bool right = false, other = false;
    while (i < line.size() && k != 0) {
      right = right || k == 2;
      other = other || k == 3;
      i += len;
      if (i < line.size()) k = kind(i, &len);
    }
    if (right && !other) {
      cell += " \xE2\x86\x92 ";  // →
      arrow = true;
    } else {
      end_cell();
    }
  }
  end_cell();
  return cells;
}

}  // namespace

class GraphBuilder {
 public:
  GraphBuilder(Plan plan, const GraphOptions& options) : options_(options) {
    g_.plan_ = std::make_shared<const Plan>(std::move(plan));
    g_.options_ = options;
    plan_ = g_.plan_.get();
    g_.tasks_ = static_cast<int>(plan_->tasks.size());
    for (int i = 0; i < g_.tasks_; ++i) by_id_[plan_->tasks[static_cast<std::size_t>(i)].id].push_back(i);
    for (const Task& t : plan_->tasks)
      if (t.form != TaskForm::unnumbered) {
        numbers_ = numbers_ || std::all_of(t.id.begin(), t.id.end(), [](char c) { return is_digit(c); });
        const std::string_view shape = id_shape(t.id);
        if (std::find(shapes_.begin(), shapes_.end(), shape) == shapes_.end()) shapes_.emplace_back(shape);
      }
    phase_tasks_.resize(plan_->phases.size());
    group_tasks_.resize(plan_->groups.size());
    for (int i = 0; i < g_.tasks_; ++i) {
      const Task& t = plan_->tasks[static_cast<std::size_t>(i)];
      phase_tasks_[static_cast<std::size_t>(t.phase)].push_back(i);
      group_tasks_[static_cast<std::size_t>(t.group)].push_back(i);
    }
    // `- [ ] 6. Frontend` over 6.1, 6.2 …: a reference to 6 names the item's tasks.
    for (std::size_t gi = 0; gi < plan_->groups.size(); ++gi) {
      const std::string& n = plan_->groups[gi].item_number;
      if (!n.empty() && !by_id_.count(n)) {
        by_id_[n] = group_tasks_[gi];
        item_numbers_.insert(n);
      }
    }
    // A file in which every task but the first says what it waits for, naming a task of
    // the file (windloop's `- **Depends**: T2` under each heading; `**Dependencies**: None`
    // says so too) states its whole order: the document's order inside a group adds none
    // (rule 4). Phases and groups still run in order.
    const auto states = [&](const Task& t) {
      return t.no_dependencies ||
             std::any_of(t.depends_on.begin(), t.depends_on.end(), [&](const DepRef& r) { return !expand(r).empty(); });
    };
    std::vector<const Task*> unstated;
    for (auto t = plan_->tasks.begin() + (g_.tasks_ > 0 ? 1 : 0); t != plan_->tasks.end(); ++t)
      if (!states(*t)) unstated.push_back(&*t);
    declares_every_order_ = g_.tasks_ >= 3 && unstated.empty();
    // All but a few saying so (a typo `T099`, prose in a Dependencies cell): the whole file
    // takes the document's order because of them, which is said at each (build()).
    if (g_.tasks_ >= 5 && !unstated.empty() && unstated.size() * 10 <= static_cast<std::size_t>(g_.tasks_ - 1))
      for (const Task* t : unstated)
        if (t->state != TaskState::done) unstated_.push_back(static_cast<int>(t - plan_->tasks.data()));
  }

  // The few tasks that keep a file of stated orders in the document's (see the
  // constructor): each one a dependency section does not order either.
  void warn_unstated() {
    for (int t : unstated_) {
      if (std::any_of(g_.edges_.begin(), g_.edges_.end(),
                      [&](const Edge& e) { return e.to == t && is_written(e.reason.rule); }))
        continue;
      const Task& tk = plan_->tasks[static_cast<std::size_t>(t)];
      warn(tk.line, "order-unstated",
           "flow reads neither a task " + tk.id + " waits for nor that it waits for none, where every other "
           "task after the first says one or the other: so every task also waits for the one above it (the "
           "document's order); name its tasks, or say none");
    }
  }

  Result<TaskGraph> build() {
    explicit_edges();
    statements();
    warn_unstated();
    implicit_edges();
    finish_adjacency();
    inherit_order();
    if (auto c = find_cycle(); !c) return Unexpected{std::move(c).error()};
    topological_order();
    lock_conflicts();
    held_by_marks();
    return std::move(g_);
  }

 private:
  // --- nodes and edges -----------------------------------------------------------

  int add_gate(std::string name) {
    g_.gate_names_.push_back(std::move(name));
    return g_.tasks_ + static_cast<int>(g_.gate_names_.size()) - 1;
  }

  int phase_gate(int phase) {
    auto it = phase_gate_.find(phase);
    if (it != phase_gate_.end()) return it->second;
    const Phase& p = plan_->phases[static_cast<std::size_t>(phase)];
    const int gate = add_gate(p.title.empty() ? "tasks before the first heading" : p.title);
    for (int t : phase_tasks_[static_cast<std::size_t>(phase)])
      edge(t, gate, {EdgeRule::phase_order, p.line, "part of \"" + clip(p.title, 60) + "\""});
    phase_gate_.emplace(phase, gate);
    return gate;
  }

  int group_gate(int group) {
    auto it = group_gate_.find(group);
    if (it != group_gate_.end()) return it->second;
    const Group& gr = plan_->groups[static_cast<std::size_t>(group)];
    const int gate = add_gate(gr.title.empty() ? "untitled group" : gr.title);
    for (int t : group_tasks_[static_cast<std::size_t>(group)])
      edge(t, gate, {EdgeRule::group_order, gr.line, "part of \"" + clip(gr.title, 60) + "\""});
    group_gate_.emplace(group, gate);
    return gate;
  }

  void edge(int from, int to, EdgeReason reason) {
    if (from == to) return;
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(from)) << 32) |
                              static_cast<std::uint32_t>(to);
    const bool implicit_order = reason.rule == EdgeRule::sequential || reason.rule == EdgeRule::parallel_run;
    if (implicit_order && seen_.count(GraphBuilder::key(to, from))) {
      // The author said the opposite explicitly (explicit edges come first): that wins.
      const Task& a = plan_->tasks[static_cast<std::size_t>(from)];
      const Task& b = plan_->tasks[static_cast<std::size_t>(to)];
      if (!inheriting_)  // the note of the order it inherits from says it
        g_.diagnostics_.push_back(Diagnostic{Severity::info, b.line, "explicit-order",
                                             b.id + " would wait for " + a.id + " by document order, but an explicit "
                                             "dependency says " + a.id + " waits for " + b.id + ": following it"});
      inherit_.emplace_back(from, to);  // `to` still waits for what `from` waits for by that order
      return;
    }
    if (!seen_.insert(key).second) return;  // the first reason (explicit ones come first) wins
    if (parallel_ok_.count(key) && implicit_order) return;
    g_.edges_.push_back(Edge{from, to, std::move(reason)});
  }

  void warn(int line, std::string code, std::string message) {
    g_.diagnostics_.push_back(Diagnostic{Severity::warning, line, std::move(code), std::move(message)});
  }

  // --- explicit references -----------------------------------------------------------

  // Tasks an ID names: all of them if it is duplicated.
  const std::vector<int>* lookup(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
  }

  // `T004`…`T015`: the tasks whose IDs lie between the two, comparing the numbers when
  // both ends have the same shape (written either way round, and an end the file lacks,
  // which is warned of, bounds the range all the same), else taking document order.
  std::vector<int> expand(const DepRef& r) const {
    std::vector<int> out;
    const auto* first = lookup(r.first);
    const auto* last = lookup(r.last);
    if (r.first == r.last) return first ? *first : out;
    if (id_shape(r.first) == id_shape(r.last)) {
      auto lo = id_key(r.first), hi = id_key(r.last);
      bool whole = item_numbers_.count(r.last) > 0;  // `2-5`: through item 5's subtasks
      if (hi < lo) {
        std::swap(lo, hi);
        whole = item_numbers_.count(r.first) > 0;
      }
      for (int i = 0; i < g_.tasks_; ++i) {
        const std::string& id = plan_->tasks[static_cast<std::size_t>(i)].id;
        if (id_shape(id) != id_shape(r.first)) continue;
        auto k = id_key(id);
        if (lo > k) continue;
        if (whole && k.size() > hi.size()) k.resize(hi.size());
        if (k <= hi) out.push_back(i);
      }
      return out;
    }
    if (!first || !last) return out;
    const int a = first->front(), b = last->back();
    for (int i = std::min(a, b); i <= std::max(a, b); ++i) out.push_back(i);
    return out;
  }

  // Numeric sort key of an ID: its number groups, then its letter suffix.
  static std::vector<long> id_key(std::string_view id) {
    std::vector<long> k;
    std::size_t i = id_shape(id).size();
    while (i < id.size()) {
      if (is_digit(id[i])) {
        long v = 0;
        while (i < id.size() && is_digit(id[i])) v = v * 10 + (id[i++] - '0');
        k.push_back(v);
      } else {
        k.push_back(-1000 + static_cast<unsigned char>(id[i]));  // a suffix sorts after its base
        ++i;
      }
    }
    return k;
  }

  static std::string ref_words(const DepRef& r) {
    std::string span = r.first == r.last ? r.first : r.first + "–" + r.last;
    switch (r.origin) {
      case RefOrigin::inline_depends: return "depends on " + span;
      case RefOrigin::bracket_field: return "[depends:" + span + "]";
      case RefOrigin::after_prose: return "after " + span;
      case RefOrigin::field_line: return "Dependencies: " + span;
      case RefOrigin::all_before: return "all tasks above (" + span + ")";
    }
    return span;
  }

  void explicit_edges() {
    for (int i = 0; i < g_.tasks_; ++i)
      for (const DepRef& r : plan_->tasks[static_cast<std::size_t>(i)].depends_on)
        for (int from : expand(r)) {
          // A task cannot wait for itself: the reference is dropped, and said.
          if (from == i && r.first == r.last)
            warn(r.line, "self-dependency", plan_->tasks[static_cast<std::size_t>(i)].id + " depends on itself (" +
                                                ref_words(r) + "): that dependency is ignored");
          edge(from, i, {EdgeRule::task_ref, r.line, ref_words(r)});
        }
    for (std::size_t gi = 0; gi < plan_->groups.size(); ++gi)
      for (const DepRef& r : plan_->groups[gi].depends_on)
        for (int from : expand(r))
          for (int to : group_tasks_[gi]) edge(from, to, {EdgeRule::heading_ref, r.line, ref_words(r)});
    for (std::size_t pi = 0; pi < plan_->phases.size(); ++pi) {
      const Phase& p = plan_->phases[pi];
      for (const DepRef& r : p.depends_on)
        for (int from : expand(r))
          for (int to : phase_tasks_[pi]) edge(from, to, {EdgeRule::heading_ref, r.line, ref_words(r)});
      // `## Sequential - Skill Update [depends:A]`: the phase titled "… Group A …".
      for (const std::string& name : p.depends_on_groups) {
        int found = -1;
        for (std::size_t q = 0; q < plan_->phases.size(); ++q) {
          if (q == pi) continue;
          const std::string& title = plan_->phases[q].title;
          const std::size_t at = ifind(title, "group " + lower(name));
          if (at != std::string::npos) {
            const std::size_t end = at + 6 + name.size();
            if (end >= title.size() || !is_alnum(title[end])) { found = static_cast<int>(q); break; }
          }
        }
        if (found < 0) {
          warn(p.line, "unknown-reference", "heading \"" + clip(p.title, 40) + "\" depends on group " + name +
                                                ", which no heading names");
          continue;
        }
        const int gate = phase_gate(found);
        for (int to : phase_tasks_[pi]) edge(gate, to, {EdgeRule::heading_ref, p.line, "[depends:" + name + "]"});
      }
    }
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = to_lower(c);
    return s;
  }

  // --- dependency-section statements -----------------------------------------------

  // The references in `s`: task IDs and ranges (in the document's ID shapes) and user
  // stories (`US2`, `User Story 2`, `Story 2`).
  // A story number past any a file has (digits run on): it names no phase, and stays an int.
  static constexpr int kNoStory = 100000000;

  // Where the first word that says what follows does not order begins, or npos.
  static std::size_t negation_at(std::string_view s) {
    static constexpr std::string_view negations[] = {"parallel", "independent", "without", "not ", "concurrent",
                                                     "no depend", "can run", "instead", "foundational for",
                                                     "prerequisite for", "required by", "needed by", "needed for",
                                                     "used by", "blocks", "unblocks", "enables",
                                                     "independ", "indépend", "paralel", "parallèl",
                                                     "sin depend", "sem depend", "não depend", "ne dépend",
                                                     "requisito para", "bloquea", "bloqueia", "bloque ",
                                                     // "before or after US3": in either order
                                                     "before or after", "avant ou après", "antes o después",
                                                     "antes ou depois", "vor oder nach",
                                                     "\xE7\x8B\xAC\xE7\xAB\x8B", "\xE5\xB9\xB6\xE8\xA1\x8C", "\xE4\xB8\xA6\xE8\xA1\x8C",
                                                     "\xE4\xB8\xA6\xE5\x88\x97", "\xE4\xB8\x8D\xE4\xBE\x9D\xE8\xB5\x96",
                                                     "\xE4\xB8\x8D\xE4\xBE\x9D\xE8\xB3\xB4"};
    std::size_t cut = std::string_view::npos;
    for (auto n : negations)
      if (std::size_t at = ifind(s, n); at < cut) cut = at;
    return cut;
  }

  Refs refs_in(std::string_view s, int line, bool as_target) {
    // "… (can run in parallel with US5)", "independent of US1": what follows does not wait.
    // "… — foundational for US6", "prerequisite for T010": what follows is the other way round.
    // The same in Spanish, Portuguese and French ("independiente de", "en paralelo",
    // "sin depender", "não depende", "indépendant", "en parallèle", "requisito para"), in
    // Chinese and Japanese ("独立于", "可并行", "並行して", "不依赖"; not "… に依存しない", whose
    // task comes before it).
    s = s.substr(0, negation_at(s));
    // Stories and phases named inside parentheses apart: `**US3 (Phase 5)**` is about US3,
    // `**Phase 4 (E2E for US1)**` about Phase 4.
    Refs out, stories, phases, stories_aside, phases_aside;
    std::string prefix, prefixed;  // the last prefixed story's set (`AUTH-`), and a label built from it
    std::size_t prefix_end = 0;
    int depth = 0;
    std::size_t counted = 0;  // parentheses counted up to here
    bool task_outside = false;  // a task named outside parentheses
    for (std::size_t p = 0; p < s.size();) {
      for (; counted < p; ++counted) depth += s[counted] == '(' ? 1 : s[counted] == ')' && depth > 0 ? -1 : 0;
      Refs& story_refs = depth > 0 ? stories_aside : stories;
      Refs& phase_refs = depth > 0 ? phases_aside : phases;
      const bool boundary = p == 0 || !is_alnum(s[p - 1]);
      if (!boundary) { ++p; continue; }
      int story = 0;
      std::size_t skip = 0;
      std::string_view label;  // a prefixed story's whole label: `AUTH-US1`
      if (std::size_t q = p; is_alpha(s[p]) && !story_letters(s.substr(p))) {
        // `AUTH-US1`, `TASK-US1`: letters, a dash, then the story.
        while (q < s.size() && is_alpha(s[q]) && q - p < 12) ++q;
        if (q > p && q + 3 < s.size() && s[q] == '-' && starts_with(s.substr(q + 1), "US") && is_digit(s[q + 3])) {
          std::size_t e = q + 3;
          int v = 0;
          while (e < s.size() && is_digit(s[e])) v = std::min(v * 10 + (s[e++] - '0'), kNoStory);
          if (e >= s.size() || !is_alpha(s[e])) {
            story = v;
            skip = e - p;
            label = s.substr(p, e - p);
          }
        }
      }
      if (story > 0) {
      } else if (story_letters(s.substr(p)) && p + 2 < s.size()) {
        std::size_t k = p + 2;
        if (s[k] == '-' || s[k] == ' ') ++k;
        if (k < s.size() && is_digit(s[k])) {
          std::size_t e = k;
          while (e < s.size() && is_digit(s[e])) story = std::min(story * 10 + (s[e++] - '0'), kNoStory);
          if (e >= s.size() || !is_alpha(s[e])) skip = e - p; else story = 0;
          // `AUTH-US1/US2`, `AUTH-US1, US2`: the second is the first's set's too.
          if (story > 0 && !prefix.empty() && prefix_end <= p &&
              s.substr(prefix_end, p - prefix_end).find_first_not_of("/,& ") == std::string_view::npos) {
            prefixed.assign(prefix).append(s.substr(p, e - p));
            label = prefixed;
          }
          // "US1–2", "US1-US3", "US2 to US4": each story in the range.
          if (const std::size_t r = story > 0 ? range_word(s, e) : 0; r > 0) {
            std::size_t j = e + r;
            if (story_letters(s.substr(j))) j += 2;
            if (const std::size_t e2 = number_end(s, j); e2 > j) {
              const int last = to_number(s.substr(j, e2 - j));
              for (int v = story; v <= last && v - story < 64; ++v) add_story(story_refs, v, as_target);
              p = e2;
              continue;
            }
          }
        }
      } else if (istarts_with(s.substr(p), "user stories ") || istarts_with(s.substr(p), "stories ")) {
        // "after User Stories 1-3", "Stories 1 and 2": each story named, or in the range.
        std::vector<int> named;
        const std::size_t k = numbers_listed(s, p + (istarts_with(s.substr(p), "user stories ") ? 13 : 8), named);
        if (!named.empty()) {
          for (int v : named) add_story(story_refs, v, as_target);
          p = k;
          continue;
        }
        ++p;
        continue;
      } else if (const std::size_t w = phase_word(s.substr(p)); w > 0) {
        // "Depends on Phase 3 being complete", "after Phases 1-2", "Phase 1 and 2", "Depende
        // da conclusão da Fase 3": the phases of those numbers (a number no phase or two
        // phases have names none).
        std::vector<int> named;
        const std::size_t k = numbers_listed(s, p + w, named);
        for (int v : named) add_phase(phase_refs, v, line, as_target);
        p = std::max(k, p + 1);
        continue;
      } else if (istarts_with(s.substr(p), "user story ") || istarts_with(s.substr(p), "story ")) {
        std::size_t k = p + (istarts_with(s.substr(p), "user story ") ? 11 : 6);
        std::size_t e = k;
        while (e < s.size() && is_digit(s[e])) story = std::min(story * 10 + (s[e++] - '0'), kNoStory);
        if (e > k) skip = e - p; else story = 0;
      }
      if (story > 0) {
        add_story(story_refs, story, as_target, label);
        p += skip;
        if (const std::size_t dash = label.rfind("-US"); dash != std::string_view::npos) {
          prefix = std::string(label.substr(0, dash + 1));
          prefix_end = p;
        }
        continue;
      }
      if (numbers_ && (istarts_with(s.substr(p), "task ") || istarts_with(s.substr(p), "tasks "))) {
        // "Task 1 depends on Task 2", "Tasks 1-3 before Task 4": tasks named by number
        // (`### Task 3: …`), without the zeros that lead them.
        const std::size_t k = p + (is_space(s[p + 4]) ? 5 : 6), e = number_end(s, k);
        if (e > k) {
          DepRef r{std::to_string(to_number(s.substr(k, e - k))), {}, line, RefOrigin::inline_depends};
          r.last = r.first;
          std::size_t j = e;
          if (const std::size_t rw = range_word(s, j); rw > 0) {
            std::size_t i = j + rw;
            if (istarts_with(s.substr(i), "task ")) i += 5;
            if (const std::size_t e2 = number_end(s, i); e2 > i) {
              r.last = std::to_string(to_number(s.substr(i, e2 - i)));
              j = e2;
            }
          }
          add_ref(out, r, line, as_target);
          p = j;
          continue;
        }
      }
      const std::size_t n = listed_id(s.substr(p));  // `T007/T009` too
      if (n == 0 || std::find(shapes_.begin(), shapes_.end(), id_shape(s.substr(p, n))) == shapes_.end()) {
        ++p;
        continue;
      }
      DepRef r{std::string(s.substr(p, n)), std::string(s.substr(p, n)), line, RefOrigin::inline_depends};
      std::size_t e = p + n, j = e;
      while (j < s.size() && is_space(s[j])) ++j;
      std::size_t dl = 0;
      if (j < s.size() && (s[j] == '-' || s.compare(j, 2, "..") == 0 || s.compare(j, 3, "\xE2\x80\x93") == 0 ||
                           s.compare(j, 3, "\xE2\x80\x94") == 0 || wave_dash_at(s, j) > 0) &&
          !is_arrow_at(s, j, &dl)) {
        j += s[j] == '-' ? 1 : s[j] == '.' ? 2 : s[j] == '~' ? 1 : 3;
        while (j < s.size() && is_space(s[j])) ++j;
        const std::size_t m = match_id(s.substr(j));
        if (m > 0 && id_shape(s.substr(j, m)) == id_shape(r.first)) {
          r.last = std::string(s.substr(j, m));
          e = j + m;
        }
      }
      add_ref(out, r, line, as_target);
      task_outside = task_outside || depth == 0;
      p = e;
    }
    // A side that names tasks is about those tasks (and the phases it names beside them);
    // its story mentions are context. A story in parentheses is context to a phase named
    // outside them, and a phase in parentheses to a story. But what is waited for, named as
    // stories with a list of tasks in parentheses and nothing else there (`依赖 US1-US3
    // 全部完成(T007, T012, T017)`, hestudy/tushare-sdk: their last tasks), is the stories
    // whole; words beside the tasks (`US1 (T003 core predicate) blocks …`) name the part
    // that is meant.
    const auto add = [](Refs& into, const Refs& from) {
      into.nodes.insert(into.nodes.end(), from.nodes.begin(), from.nodes.end());
      into.target_tasks.insert(into.target_tasks.end(), from.target_tasks.begin(), from.target_tasks.end());
    };
    if (!out.nodes.empty() && !as_target && !task_outside && !stories.nodes.empty() && ids_only_in_parentheses(s)) {
      add(out, stories);
      add(out, phases);
      return out;
    }
    if (!out.nodes.empty()) {
      add(out, phases);
      out.context = std::move(stories.nodes);
      return out;
    }
    Refs named;
    add(named, stories);
    add(named, phases);
    if (phases.nodes.empty()) add(named, stories_aside);
    if (stories.nodes.empty()) add(named, phases_aside);
    return named;
  }

  // Whether every parenthesis of `s` that holds something holds IDs of the file's shapes
  // and separators alone (`(T007, T012, T017)`, `（T001、T002）`), and one does.
  bool ids_only_in_parentheses(std::string_view s) const {
    bool any = false;
    for (std::size_t open = s.find('('); open != std::string_view::npos; open = s.find('(', open + 1)) {
      const std::size_t close = s.find(')', open);
      if (close == std::string_view::npos) return false;
      const std::string_view in = s.substr(open + 1, close - open - 1);
      for (std::size_t i = 0; i < in.size();) {
        if (const std::size_t n = listed_id(in.substr(i));
            n > 0 && (i == 0 || !is_alnum(in[i - 1])) &&
            std::find(shapes_.begin(), shapes_.end(), id_shape(in.substr(i, n))) != shapes_.end()) {
          i += n;
          any = true;
        } else if (is_alnum(in[i])) {
          return false;
        } else {
          ++i;  // spaces, commas, dashes, `、`
        }
      }
    }
    return any;
  }

  // The phase numbered `number` (`## Phase 3: …`), when exactly one is; two are a warning.
  void add_phase(Refs& out, int number, int line, bool as_target) {
    const std::string n = std::to_string(number);
    int found = -1;
    for (std::size_t q = 0; q < plan_->phases.size(); ++q) {
      if (plan_->phases[q].number != n) continue;
      if (found >= 0) {
        warn(line, "ambiguous-reference",
             "a dependency statement refers to Phase " + n + ", and two phases have that number (lines " +
                 std::to_string(plan_->phases[static_cast<std::size_t>(found)].line) + " and " +
                 std::to_string(plan_->phases[q].line) + "): it is not used");
        return;
      }
      found = static_cast<int>(q);
    }
    if (found < 0) return;
    out.nodes.push_back(phase_gate(found));
    if (as_target)
      for (int t : phase_tasks_[static_cast<std::size_t>(found)]) out.target_tasks.push_back(t);
  }

  void add_ref(Refs& out, const DepRef& r, int line, bool as_target) {
    if (!lookup(r.first) || !lookup(r.last)) {
      warn(line, "unknown-reference", "a dependency statement refers to " + (lookup(r.first) ? r.last : r.first) +
                                          ", which is not a task in this file");
      return;
    }
    for (int t : expand(r)) {
      out.nodes.push_back(t);
      if (as_target) out.target_tasks.push_back(t);
    }
  }

  // Where the number (one to four digits, not part of a word) at `s[k]` ends; `k` if none.
  static std::size_t number_end(std::string_view s, std::size_t k) {
    std::size_t e = k;
    while (e < s.size() && is_digit(s[e]) && e - k < 5) ++e;
    if (e == k || e - k > 4 || (e < s.size() && is_alpha(s[e]))) return k;
    return e;
  }
  static int to_number(std::string_view d) {
    int v = 0;
    for (char c : d) v = v * 10 + (c - '0');
    return v;
  }
  // The numbers listed from `s[k]` ("1-3", "1 and 2", "1, 2 & 4", "3/4/5", "1–12") into
  // `out`, each of a range; where the list ends. `3.1` is not 3: the list ends before it.
  static std::size_t numbers_listed(std::string_view s, std::size_t k, std::vector<int>& out) {
    for (;;) {
      const std::size_t e = number_end(s, k);
      if (e == k || (e + 1 < s.size() && s[e] == '.' && is_digit(s[e + 1]))) break;
      int first = to_number(s.substr(k, e - k)), last = first;
      std::size_t j = e;
      if (const std::size_t r = range_word(s, j); r > 0 && number_end(s, j + r) > j + r) {
        const std::size_t e2 = number_end(s, j + r);
        last = to_number(s.substr(j + r, e2 - j - r));
        j = e2;
      }
      for (int v = first; v <= last && v - first < 64; ++v) out.push_back(v);
      k = j;
      if (const std::size_t sep = list_word(s, k); sep > 0 && number_end(s, k + sep) > k + sep) k += sep;
      else if (k < s.size() && s[k] == '/' && number_end(s, k + 1) > k + 1) ++k;
      else break;
    }
    return k;
  }

  // A range's word or dash after a number at `s[j]` ("-", "–", " to ", " through "), its
  // length with the spaces around it; 0 if none.
  static std::size_t range_word(std::string_view s, std::size_t j) {
    std::size_t i = j;
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t n = 0;
    if (i < s.size() && s[i] == '-') n = 1;
    else if (s.compare(i, 3, "\xE2\x80\x93") == 0) n = 3;
    else if (istarts_with(s.substr(i), "to ")) n = 3;
    else if (istarts_with(s.substr(i), "through ")) n = 8;
    else if (istarts_with(s.substr(i), "thru ")) n = 5;
    else n = wave_dash_at(s, i);  // `US1〜US4`, `Phase 4〜7`
    std::size_t arrow = 0;
    if (n == 0 || is_arrow_at(s, i, &arrow)) return 0;
    i += n;
    while (i < s.size() && s[i] == ' ') ++i;
    return i - j;
  }
  // A list's separator at `s[k]` (", ", " and ", " & ", "+"), its length; 0 if none.
  static std::size_t list_word(std::string_view s, std::size_t k) {
    std::size_t i = k;
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t n = 0;
    if (i < s.size() && (s[i] == ',' || s[i] == '&' || s[i] == '+')) n = 1;
    else if (istarts_with(s.substr(i), "and ")) n = 4;
    else if (istarts_with(s.substr(i), "or ")) n = 3;
    if (n == 0) return 0;
    i += n;
    while (i < s.size() && s[i] == ' ') ++i;
    return i - k;
  }

  // The phases of story `story`; with a prefixed `label` (`AUTH-US1`), those whose tasks
  // carry that label, where any does: `[AUTH-US1]` and `[TASK-US1]` are two stories.
  void add_story(Refs& out, int story, bool as_target, std::string_view written = {}) {
    const std::string label = lower(std::string(written));  // ifind and istarts_with take it in lower case
    const auto same = [&](std::string_view l) { return l.size() == label.size() && istarts_with(l, label); };
    const auto labelled = [&](std::size_t q) {
      if (same(plan_->phases[q].story_label)) return true;
      return std::any_of(phase_tasks_[q].begin(), phase_tasks_[q].end(), [&](int t) {
        const Task& task = plan_->tasks[static_cast<std::size_t>(t)];
        return same(task.story_label) || std::any_of(task.other_stories.begin(), task.other_stories.end(), same) ||
               std::any_of(task.labels.begin(), task.labels.end(), same);
      });
    };
    bool by_label = false;
    for (std::size_t q = 0; q < plan_->phases.size() && !label.empty() && !by_label; ++q)
      by_label = plan_->phases[q].kind == PhaseKind::user_story && plan_->phases[q].story == story && labelled(q);
    for (std::size_t q = 0; q < plan_->phases.size(); ++q) {
      const Phase& ph = plan_->phases[q];
      if (ph.kind != PhaseKind::user_story || ph.story != story) continue;
      if (by_label && !labelled(q)) continue;
      out.nodes.push_back(phase_gate(static_cast<int>(q)));
      if (as_target)
        for (int t : phase_tasks_[q]) out.target_tasks.push_back(t);
    }
  }

  void link(const Refs& before, const Refs& after, EdgeRule rule, int line, const std::string& words) {
    const std::unordered_set<int> targets(after.target_tasks.begin(), after.target_tasks.end());
    const auto own = [&](int from) {
      return targets.count(from) > 0 ||
             (g_.is_gate(from) && std::any_of(gate_members(from).begin(), gate_members(from).end(),
                                              [&](int t) { return targets.count(t) > 0; }));
    };
    // "**US3**: 依赖阶段 2 + US1 (…) + T026 GET /:id" (guog/csv-chart), T026 being US3's own:
    // the stories beside the tasks named are what it waits for, not their context.
    const bool tasks_own = !before.context.empty() && std::all_of(before.nodes.begin(), before.nodes.end(), [&](int n) {
      return g_.is_gate(n) || targets.count(n) > 0;
    });
    const auto from_each = [&](const std::vector<int>& nodes) {
      for (int from : nodes) {
        // A statement never makes a task (or a story) wait for itself or its own tasks.
        if (own(from)) continue;
        for (int to : after.target_tasks) edge(from, to, {rule, line, words});
      }
    };
    from_each(before.nodes);
    if (tasks_own) from_each(before.context);
  }

  const std::vector<int>& gate_members(int gate) const {
    for (const auto& [phase, g] : phase_gate_)
      if (g == gate) return phase_tasks_[static_cast<std::size_t>(phase)];
    static const std::vector<int> none;
    return none;
  }

  void statements() {
    const std::vector<Statement>& all = plan_->statements;
    for (std::size_t at = 0; at < all.size(); ++at) {
      const Statement& st = all[at];
      if (st.diagram > 0) {
        std::size_t end = at;
        while (end < all.size() && all[end].diagram == st.diagram) ++end;
        diagram(at, end);
        at = end - 1;
        continue;
      }
      // A code block that names no language is a drawing: only its arrows that point right
      // are orders, cell by cell (code_orders); nothing else in it is read (`T014, T015
      // (parallel)` there is a picture of the schedule). A block of code (```bash) or of
      // another Mermaid diagram (a sequence's `A->>B: call`) orders nothing.
      if (st.in_code) {
        if (st.drawing)
          for (const std::string& cell : code_orders(st.text)) clauses(cell, st);
        continue;
      }
      clauses(st.text, st);
    }
  }

  // Clauses: "A depends on B; C before D. E → F" is three statements, and so is
  // "T002 与 T003 可并行；T002 在 T009 前完成。…".
  void clauses(std::string_view text, const Statement& st) {
    std::string_view rest = text;
    while (!rest.empty()) {
      std::size_t cut = rest.size(), skip = 0;
      for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == ';' || (rest[i] == '.' && (i + 1 == rest.size() || rest[i + 1] == ' ') &&
                               (i == 0 || rest[i - 1] != '.'))) {
          cut = i;
          skip = 1;
          break;
        }
        if (rest.compare(i, 3, "\xEF\xBC\x9B") == 0 || rest.compare(i, 3, "\xE3\x80\x82") == 0) {  // ；。
          cut = i;
          skip = 3;
          break;
        }
      }
      clause(rest.substr(0, cut), st, rest.data() == text.data() ? std::string_view() : label_of(text));
      rest = rest.substr(std::min(rest.size(), cut + skip));
    }
  }

  // The length of "Phase " at the start of `s` (its plural, and Spanish and Portuguese
  // "Fase "), or 0.
  static std::size_t phase_word(std::string_view s) {
    for (std::string_view w : {"phase ", "phases ", "fase ", "fases "})
      if (istarts_with(s, w)) return w.size();
    return 0;
  }

  // A Mermaid flowchart in a dependency section (statements [first, end)): each arrow
  // `A --> B` (`==>`, `-- text -->`, `A & B --> C`) is "A before B". A node is the task,
  // story or phase its ID names (`T003`, `US2`), else the one its label names, wherever
  // the diagram gives it (`P3["Phase 3: US1"]`, `subgraph S1["T001-T004"]`). Dotted,
  // two-way, headless and invisible links order nothing.
  void diagram(std::size_t first, std::size_t end) {
    struct Read {
      const Statement* st;
      std::vector<MermaidStatement> parts;
    };
    std::vector<Read> lines;
    std::unordered_map<std::string_view, std::string_view> labels;
    for (std::size_t i = first; i < end; ++i) {
      const Statement& st = plan_->statements[i];
      lines.push_back({&st, mermaid_line(st.text)});
      for (const MermaidStatement& m : lines.back().parts)
        for (const auto& group : m.groups)
          for (const MermaidNode& n : group)
            if (!n.label.empty()) labels.emplace(n.id, n.label);
    }
    // What a group (`A & B`) names, read once per statement (an unknown ID is warned of
    // once): its nodes, and the tasks that wait when it is an arrow's target.
    const auto group_refs = [&](const std::vector<MermaidNode>& group, int line) {
      Refs out;
      for (const MermaidNode& n : group) {
        Refs r = refs_in(n.id, line, true);
        if (r.nodes.empty())
          if (const auto it = labels.find(n.id); it != labels.end()) r = refs_in(it->second, line, true);
        out.nodes.insert(out.nodes.end(), r.nodes.begin(), r.nodes.end());
        out.target_tasks.insert(out.target_tasks.end(), r.target_tasks.begin(), r.target_tasks.end());
      }
      return out;
    };
    for (const Read& l : lines) {
      const std::string words = clip(trim(std::string_view(l.st->text)), 120);
      for (const MermaidStatement& m : l.parts) {
        if (std::none_of(m.links.begin(), m.links.end(), [](MermaidLink k) { return k == MermaidLink::arrow; })) continue;
        std::vector<Refs> groups;
        for (const auto& group : m.groups) groups.push_back(group_refs(group, l.st->line));
        for (std::size_t k = 0; k < m.links.size(); ++k)
          if (m.links[k] == MermaidLink::arrow)
            link(groups[k], groups[k + 1], story_or(groups[k], groups[k + 1]), l.st->line, words);
      }
    }
  }

  // A segment without the note at its end that what it names runs together: `US1 + US2
  // (parallel)`, `[LT017 + LT018] (in parallel)`, `US3 (can run concurrently)`.
  static std::string_view without_parallel_note(std::string_view seg) {
    const std::string_view t = trim(seg);
    if (!t.ends_with(")")) return seg;
    const std::size_t open = t.rfind('(');
    if (open == std::string_view::npos || open == 0) return seg;
    const std::string_view note = t.substr(open + 1, t.size() - open - 2);
    // (`T002 (or T003 in parallel) → T003`: a note that names one is about that one.)
    if (note.find('(') != std::string_view::npos || note.size() > 40 ||
        std::any_of(note.begin(), note.end(), [](char c) { return is_digit(c); }))
      return seg;
    // (`T010/T011 (parallèles)`, `(en paralelo)`, `(并行)`, `(並行)`, `(병렬)` too.)
    for (std::string_view w : {"parallel", "concurrent", "simultaneous", "together", "parall\xC3\xA8le", "paralel",
                               "simult\xC3\xA1ne", "\xE5\xB9\xB6\xE8\xA1\x8C", "\xE4\xB8\xA6\xE8\xA1\x8C",
                               "\xE4\xB8\xA6\xE5\x88\x97", "\xEB\xB3\x91\xEB\xA0\xAC"})
      if (ifind(note, w) != std::string_view::npos) return t.substr(0, open);
    return seg;
  }

  // `s` cut at each ", " between two arrows when every arrow in it is glued to what
  // stands on both its sides (clause): the pairs; `s` whole otherwise.
  static std::vector<std::string_view> glued_pairs(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t len = 0, arrows = 0, from = 0;
    bool arrow_since_cut = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (is_arrow_at(s, i, &len)) {
        if (i == 0 || i + len >= s.size() || is_space(s[i - 1]) || is_space(s[i + len])) return {s};
        ++arrows;
        arrow_since_cut = true;
        i += len - 1;
      } else if (s[i] == ',' && i + 1 < s.size() && s[i + 1] == ' ' && arrow_since_cut) {
        out.push_back(s.substr(from, i - from));
        from = i + 2;
        arrow_since_cut = false;
      }
    }
    if (arrows < 2 || !arrow_since_cut) return {s};
    out.push_back(s.substr(from));
    return out;
  }

  // The part of a chain segment next to an arrow: after the last ':' or '(' on the
  // left of the arrow, before the first ':', '(' or ',' + word on its right.
  static std::string_view near_arrow_left(std::string_view seg) {
    seg = without_parallel_note(seg);
    const std::size_t cut = seg.find_last_of(":(");
    return cut == std::string_view::npos ? seg : seg.substr(cut + 1);
  }
  static std::string_view near_arrow_right(std::string_view seg) {
    const std::size_t cut = seg.find_first_of(":(");
    return cut == std::string_view::npos ? seg : seg.substr(0, cut);
  }

  // The label a dependency line opens with, before its colon (`**US6 (P2)**`), or empty.
  static std::string_view label_of(std::string_view line) {
    std::size_t colon = line.find(':');
    if (const std::size_t wide = line.find("\xEF\xBC\x9A"); wide < colon) colon = wide;  // ：
    return colon == std::string_view::npos || colon > 80 ? std::string_view() : line.substr(0, colon);
  }

  // `label`: the line's label, for a clause after its first ("**US6**: The DO is
  // independent. Task runner integration depends on US2": US6 waits for US2).
  void clause(std::string_view s, const Statement& st, std::string_view label = {}) {
    const std::string words = clip(trim(std::string_view(st.text)), 120);
    // `T004→T005, T006→T007` (akiojin/unity-mcp-server): arrows glued to their IDs, with a
    // comma and a space between them, are pairs, each an order of its own, not one chain
    // (`T001 → T002, T003 → T004`, whose list binds tighter than its spaced arrows).
    if (const std::vector<std::string_view> pairs = glued_pairs(s); pairs.size() > 1) {
      for (std::string_view p : pairs) clause(p, st, label);
      return;
    }
    // Chains: `T001 → T002 → T003`.
    std::vector<std::string_view> segments;
    std::size_t start = 0, len = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (is_arrow_at(s, i, &len)) {
        segments.push_back(s.substr(start, i - start));
        start = i + len;
        i = start - 1;
      }
    if (!segments.empty()) {
      segments.push_back(s.substr(start));
      // An aside that is a statement about what stands before it: `T003 (needs T002) →
      // T004` is "T003 needs T002", and T004 follows T003 alone.
      std::vector<std::string> link_part(segments.size());
      for (std::size_t k = 0; k < segments.size(); ++k) {
        const std::string_view seg = segments[k];
        const std::size_t open = seg.find('('), close = open == std::string_view::npos ? open : seg.find(')', open);
        std::size_t key_len = 0;
        bool left_first = true;
        if (close == std::string_view::npos || find_key(seg.substr(open + 1, close - open - 1), &key_len, &left_first) != 0) {
          link_part[k] = seg;
          continue;
        }
        clause(std::string(near_arrow_left(seg.substr(0, open))) + " " + std::string(seg.substr(open + 1, close - open - 1)), st);
        link_part[k] = std::string(seg.substr(0, open)) + std::string(seg.substr(close + 1));
      }
      // `Developer A: US1 → US3`: the order one person takes, not a dependency (an aside
      // or a key on it still is: `Developer C: US3 → US4 (needs US1)`).
      // `Delivery in priority order: US1 → US2 → US3`: what to deliver first, likewise.
      const bool staffing = is_staffing_line(st.text) || is_priority_order_line(st.text);
      for (std::size_t k = 1; k < segments.size(); ++k) {
        // (What stands before an aside on the left is not read: `Developer A: US1 (1 week) →
        // US3` is who does what, not an order.)
        const std::string_view near = near_arrow_left(link_part[k - 1]);
        // `T002 → after T001`: the arrow reads "is", and the words say the order; all of
        // them when the key comes first (`T006 (V1_5) → nach T003 (V1_2) + T004 (V1_3)`).
        std::size_t key_len = 0;
        bool left_first = true;
        if (const std::string_view whole = trim(std::string_view(link_part[k])); find_key(whole, &key_len, &left_first) == 0) {
          clause(link_part[k - 1] + " " + std::string(whole), st);
          continue;
        }
        const std::string_view right = near_arrow_right(link_part[k]);
        if (find_key(right, &key_len, &left_first) != std::string_view::npos) {
          clause(std::string(near) + " " + std::string(right), st);
          continue;
        }
        if (staffing) continue;
        Refs a = refs_in(near, st.line, false);
        Refs b = refs_in(right, st.line, true);
        link(a, b, story_or(a, b), st.line, words);
      }
      return;
    }
    // `T011 ∥ T012`: the two may run together.
    std::size_t par = s.find("\xE2\x88\xA5");
    std::size_t plen = 3;
    if (par == std::string_view::npos) { par = s.find("||"); plen = 2; }
    if (par != std::string_view::npos) {
      Refs a = refs_in(s.substr(0, par), st.line, false), b = refs_in(s.substr(par + plen), st.line, false);
      for (int x : a.nodes)
        for (int y : b.nodes) {
          if (g_.is_gate(x) || g_.is_gate(y) || shares_file(x, y)) continue;
          parallel_ok_.insert(key(x, y));
          parallel_ok_.insert(key(y, x));
        }
      return;
    }
    // "T015, T016, T017 can run concurrently", "T007 can run alongside T008 (different
    // files)": as `∥`, each item listed with each other and with what it runs alongside
    // (a range is one item: "Monorepo (T001-T003) and Metrics (T006-T009) can run in
    // parallel" does not run T001 with T002). Only in a clause that states no order
    // ("After T003, T004 and T005 can run in parallel" keeps T003 first), not denied
    // ("T005 and T006 cannot run in parallel"), from what follows its last ':' ("US3
    // (T027-T032): T027 can run in parallel with T028, rest sequential").
    bool relation = false;
    if (std::size_t phrase_len = 0, at = parallel_phrase(s, &phrase_len, &relation); at != std::string_view::npos) {
      std::size_t key_len = 0;
      bool left_first = true;
      std::string_view before = s.substr(0, at);
      // (A key after what comes first, "Phase 2 완료 필요, Phase 3와 병렬 가능", is an order
      // stated too.)
      if (!parallel_denied(s, at) && find_key(s, &key_len, &left_first) == std::string_view::npos &&
          !has_trailing_key(s)) {
        if (const std::size_t colon = before.rfind(':'); colon != std::string_view::npos) before = before.substr(colon + 1);
        const auto tasks_of = [&](std::string_view part) {
          std::vector<int> out;
          for (int x : refs_in(part, st.line, false).nodes)
            if (!g_.is_gate(x)) out.push_back(x);
          return out;
        };
        std::vector<std::vector<int>> items;
        for (std::size_t from = 0, i = 0; i <= before.size(); ++i) {
          const std::size_t sep = i == before.size() ? 0 : item_separator(before, i);
          if (i < before.size() && sep == 0) continue;
          if (auto item = tasks_of(before.substr(from, i - from)); !item.empty()) items.push_back(std::move(item));
          from = i + sep;
          if (sep > 1) i += sep - 1;
        }
        // "T015 can run in parallel once T014 is done": it waits for T014 (what it runs
        // beside, named before the `once`, is said nothing of).
        std::string_view after = aside_cut(s.substr(at + phrase_len));
        std::size_t once = std::string_view::npos;
        for (std::string_view w : {"once ", "as soon as ", "when ", "upon completion of "})
          for (std::size_t k = ifind(after, w); k != std::string_view::npos; k = ifind(after, w, k + 1))
            if ((k == 0 || after[k - 1] == ' ' || after[k - 1] == '(' || after[k - 1] == ',') && k < once) {
              once = k;
              break;
            }
        if (once != std::string_view::npos) {
          const std::string_view first = after.substr(once);
          after = after.substr(0, once);
          const Refs waited = refs_in(first, st.line, false), waiting = refs_in(before, st.line, true);
          link(waited, waiting, story_or(waited, waiting), st.line, words);
        }
        const std::vector<int> with = tasks_of(after);
        const auto together = [&](int x, int y) {
          if (x == y || shares_file(x, y)) return;
          parallel_ok_.insert(key(x, y));
          parallel_ok_.insert(key(y, x));
        };
        // A relation pairs what stands on its left with what stands on its right: "T014+T015,
        // T016+T017 — sequential within, parallel with other modules" runs none of them
        // together, unless it says so ("T022–T026 parallel with each other and with T020").
        const bool among = !relation || ifind(s, "each other") != std::string_view::npos ||
                           ifind(s, "einander") != std::string_view::npos;
        for (std::size_t i = 0; i < items.size(); ++i) {
          for (std::size_t j = i + 1; among && j < items.size(); ++j)
            for (int x : items[i])
              for (int y : items[j]) together(x, y);
          for (int x : items[i])
            for (int y : with) together(x, y);
        }
        return;
      }
    }
    runs_last(s, st.line, words);
    trailing_keys(s, st.line, words);
    // Keyword statements. "X blocks Y", "X before Y", "X unblocks Y", "X is a prerequisite
    // for Y": X first; "X after Y", "X depends on Y", "X requires Y", "X needs Y", "X waits
    // for Y", "X is blocked by Y": Y first. Also in Spanish,
    // Portuguese and French ("T002 depende de T001", "T004 después de T003", "T005 bloquea
    // T006", "T008 dépend de T007", "T010 depois de T009").
    std::size_t best_len = 0;
    bool left_first = true;
    const std::size_t best = find_key(s, &best_len, &left_first);
    if (best == std::string_view::npos) return;
    const std::string_view left = s.substr(0, best), right = aside_cut(s.substr(best + best_len));
    // Read from the words just before the key: "US2 does not depend on US1", "T005 isn't
    // blocked by T003" say there is no order; "T004 can start before T003" permits, it
    // does not order: no edge. "T002 should not start before T001" orders the other way.
    if (!left_first) {
      const std::string_view near = left.substr(left.size() > 16 ? left.size() - 16 : 0);
      for (std::string_view w : {"not ", "n't ", "never ", "no ", "nicht ", "kein", "\xD0\xBD\xD0\xB5 "})  // не
        if (ifind(near, w) != std::string_view::npos) return;
      // "无依赖" (no dependency), "不依赖": the word just before the key denies it.
      if (denied_key(s, best)) return;
    }
    if (left_first) {
      const std::string_view near = left.substr(left.size() > 24 ? left.size() - 24 : 0);
      for (std::string_view w : {"can ", "may ", "could ", "puede ", "pueden ", "pode ", "podem ", "peut ", "peuvent "})
        if (ifind(near, w) != std::string_view::npos && ifind(near, "not ") == std::string_view::npos) return;
      for (std::string_view w : {"not ", "n't ", "never ", "nunca ", "jamais "})
        if (ifind(near, w) != std::string_view::npos) {
          left_first = false;
          break;
        }
    }
    if (left_first) {
      Refs a = refs_in(left, st.line, false), b = refs_in(right, st.line, true);
      if (a.nodes.empty() && !label.empty() && !b.nodes.empty() && negation_at(left) == std::string_view::npos)
        a = refs_in(label, st.line, false);
      link(a, b, story_or(a, b), st.line, words);
    } else {
      Refs a = refs_in(left, st.line, true), b = refs_in(right, st.line, false);
      if (a.nodes.empty() && !label.empty() && !b.nodes.empty() && negation_at(left) == std::string_view::npos)
        a = refs_in(label, st.line, true);
      link(b, a, story_or(b, a), st.line, words);
    }
  }

  // Japanese and Chinese put the key after what comes first: "**User Story 2**: US1 に依存"
  // (depends on US1), "**US5**: US1, US2 完了後に開始" (starts after US1 and US2 are done),
  // "**US3**: … - 建议 US1+US2 完成后开始". What waits is the line's label, before its
  // colon; what it waits for, the words between the key and the colon or the dash, full
  // stop or full-width comma before it (not "、" or ",", which list). "に依存しない" (does
  // not depend on) and "の後続" (what follows) are no keys.
  // In a sentence, Korean and Japanese mark what it is about with a particle:
  // "T013–T016은 공통 목록 기반 T008–T010 완료 후 수행한다" (T013–T016 are done after
  // T008–T010), "T003は T001 の後": what waits is what the particle closest before the key
  // marks, and what it waits for, the words between that particle and the key. A line with
  // neither a label nor such a subject is not read.
  void trailing_keys(std::string_view s, int line, const std::string& words) {
    // (An en dash with no space before it makes a range: "T008–T010 완료 후".)
    static constexpr std::string_view stops[] = {":", "\xEF\xBC\x9A", " - ", " -- ", "\xE2\x80\x94", " \xE2\x80\x93",
                                                 "\xEF\xBC\x8C", "\xE3\x80\x82", "\xEF\xBC\x9B"};
    std::size_t colon = s.find(':');
    if (const std::size_t wide = s.find("\xEF\xBC\x9A"); wide < colon) colon = wide;
    const std::size_t begin = colon == std::string_view::npos ? 0 : colon;
    if (!has_trailing_key(s.substr(begin))) return;
    std::vector<std::pair<std::size_t, std::size_t>> found;  // each key: where, and its length
    for (std::size_t at = begin; at < s.size(); ++at)
      if (const std::size_t len = trailing_key_at(s, at); len > 0) {
        found.emplace_back(at, len);
        at += len - 1;
      }
    std::vector<Refs> firsts;
    std::size_t from = begin;  // what a key's words may reach back to: the colon, or the key before
    for (const auto& [at, len] : found) {
      if (at < from) continue;  // inside a key already read (完了後 is in の完了後's place)
      const Subject subject = particle_subject(s, from, at);
      Refs waiting;
      if (subject.end > 0) waiting = refs_in(s.substr(subject.begin, subject.particle - subject.begin), line, true);
      std::size_t start = waiting.nodes.empty() ? from : subject.end;
      for (std::string_view stop : stops)
        if (const std::size_t p = s.substr(0, at).rfind(stop); p != std::string_view::npos && p >= start)
          start = p + stop.size();
      if (Refs first = refs_in(s.substr(start, at - start), line, false); !first.nodes.empty()) {
        if (!waiting.nodes.empty()) link(first, waiting, story_or(first, waiting), line, words);
        else firsts.push_back(std::move(first));
      }
      from = at + len;
    }
    if (firsts.empty() || colon == std::string_view::npos) return;
    // (Read only now: naming a phase makes its gate.)
    const Refs label = refs_in(s.substr(0, colon), line, true);
    for (const Refs& first : firsts) link(first, label, story_or(first, label), line, words);
  }

  // Where the subject a Korean or Japanese particle marks stands in `s` between `from` and
  // `to`, the last one: IDs, ranges and lists right before 은, 는, 이, 가, は or が (then a
  // space, a mark, or the end). `end` 0: none.
  struct Subject {
    std::size_t begin = 0, particle = 0, end = 0;
  };
  static Subject particle_subject(std::string_view s, std::size_t from, std::size_t to) {
    static constexpr std::string_view particles[] = {"\xEC\x9D\x80", "\xEB\x8A\x94", "\xEC\x9D\xB4", "\xEA\xB0\x80",
                                                     "\xE3\x81\xAF", "\xE3\x81\x8C"};  // 은 는 이 가 は が
    // What may stand in a subject: IDs, and the dashes, tildes, slashes, commas and dots
    // that make ranges and lists (–, ·, 、, ・ too).
    static constexpr std::string_view joins[] = {"\xE2\x80\x93", "\xC2\xB7", "\xE3\x80\x81", "\xE3\x83\xBB"};
    Subject out;
    for (std::size_t i = from + 1; i + 3 <= to; ++i) {
      if (!is_alnum(s[i - 1])) continue;
      bool particle = false;
      for (std::string_view p : particles) particle = particle || s.compare(i, p.size(), p) == 0;
      if (!particle) continue;
      const std::size_t after = i + 3;
      if (after < s.size() && !is_space(s[after]) && !ispunct(static_cast<unsigned char>(s[after]))) continue;
      std::size_t b = i;
      for (;;) {
        if (b > from && (is_alnum(s[b - 1]) || std::string_view("-_./,~ ").find(s[b - 1]) != std::string_view::npos)) {
          --b;
          continue;
        }
        bool joined = false;
        for (std::string_view j : joins)
          if (b >= from + j.size() && s.compare(b - j.size(), j.size(), j) == 0) {
            b -= j.size();
            joined = true;
            break;
          }
        if (!joined) break;
      }
      out = {b, i, after};
    }
    return out;
  }

  // Where a clause says that what it lists may run together, and the phrase's length;
  // npos if it does not. A phrase needs a verb of ability or running before it ("T015,
  // T016 can run concurrently", "T017, T018 e T019 podem executar em paralelo", "T002,
  // T003 können parallel laufen"), except where the phrase says "can" itself: "T003, T004
  // 可并行", "T002、T003 は並列実行可能", "T004, T005 병렬 실행 가능".
  static std::size_t parallel_phrase(std::string_view s, std::size_t* len, bool* relation) {
    static constexpr std::string_view phrases[] = {
        "in parallel", "concurrently", "alongside", "simultaneously", "at the same time",
        "en paralelo", "em paralelo", "en parallèle", "simultáneamente", "simultaneamente", "simultanément",
        "parallel", "gleichzeitig", "параллельно", "одновременно"};
    static constexpr std::string_view leads[] = {"can ", "may ", "run", "pued", "podem", "pode ", "peuv", "peut",
                                                 "könn", "kann ", "lauf", "ejecut", "execut", "exécut",
                                                 "можно", "могут", "может", "выполн", "запуск"};
    // A relation says it without a verb: "T062 (docs) parallel with T061", "2b parallel zu
    // 2c", "T002 параллельно с T003".
    static constexpr std::string_view relations[] = {"parallel with", "parallel to", "parallel zu", "parallel mit",
                                                     "параллельно с"};
    static constexpr std::string_view able[] = {
        "可并行", "可以并行", "可同时", "可並行", "並列実行可", "並行実行可", "並列で実行可", "並行して実行可",
        "並列に実行可", "同時実行可", "並行可", "並列可", "병렬 실행 가능", "병렬로 실행 가능", "병렬 가능", "동시 실행 가능"};
    std::size_t best = std::string_view::npos;
    for (std::string_view p : able)
      if (const std::size_t at = s.find(p); at < best) {
        best = at;
        *len = p.size();
      }
    // (A whole word: "T021-T027 can be partially parallelized" after "T020 first" is not
    // a list that runs together, nor is `параллельности` `параллельно`.)
    *relation = false;
    for (std::string_view p : relations)
      if (const std::size_t at = ifind(s, p); at < best && word_at(s, at, p)) {
        best = at;
        *len = p.size();
        *relation = true;
      }
    for (std::string_view p : phrases) {
      const std::size_t at = ifind(s, p);
      if (at == std::string_view::npos || at >= best || !word_at(s, at, p)) continue;
      const std::string_view lead = s.substr(0, at);
      if (std::none_of(std::begin(leads), std::end(leads), [&](std::string_view w) { return ifind(lead, w) != std::string_view::npos; }))
        continue;
      *len = p.size();
      *relation = false;
      return at;
    }
    return best;
  }

  // "T016 (full gate) runs last", "Phase 5 (T015–T016) runs last to validate …", "**US6
  // (P1)**: 最后执行": what the clause names waits for every task written before it in its
  // phase and, for a story, for every other story. (The phases before its own it waits
  // for already, and what the document's order puts after it waits for it.)
  void runs_last(std::string_view s, int line, const std::string& words) {
    static constexpr std::string_view phrases[] = {"runs last", "run last", "executes last", "execute last",
                                                   "goes last", "go last", "最后执行", "最后进行", "最後に実行"};
    std::size_t at = std::string_view::npos;
    for (std::string_view p : phrases)
      for (std::size_t k = ifind(s, p); k != std::string_view::npos; k = ifind(s, p, k + 1))
        if ((k == 0 || !is_alnum(s[k - 1])) && (k + p.size() == s.size() || !is_alnum(s[k + p.size()])) && k < at) {
          at = k;
          break;
        }
    if (at == std::string_view::npos) return;
    const std::string_view before = s.substr(0, at);
    const std::string_view near = before.substr(before.size() > 12 ? before.size() - 12 : 0);
    if (ifind(near, "not ") != std::string_view::npos || ifind(near, "n't ") != std::string_view::npos ||
        ifind(near, "never ") != std::string_view::npos)
      return;
    const Refs last = refs_in(before, line, true);
    if (last.target_tasks.empty()) return;
    int first = last.target_tasks.front();
    for (int t : last.target_tasks)
      if (plan_->tasks[static_cast<std::size_t>(t)].line < plan_->tasks[static_cast<std::size_t>(first)].line) first = t;
    const Task& lead = plan_->tasks[static_cast<std::size_t>(first)];
    const auto phase = static_cast<std::size_t>(lead.phase);
    Refs stories, tasks;
    if (plan_->phases[phase].kind == PhaseKind::user_story)
      for (std::size_t q = 0; q < plan_->phases.size(); ++q)
        if (q != phase && !phase_tasks_[q].empty() && plan_->phases[q].kind == PhaseKind::user_story)
          stories.nodes.push_back(phase_gate(static_cast<int>(q)));
    for (int t : phase_tasks_[phase])
      if (plan_->tasks[static_cast<std::size_t>(t)].line < lead.line) tasks.nodes.push_back(t);
    link(stories, last, EdgeRule::story_prose, line, words);
    link(tasks, last, EdgeRule::statement, line, words);
  }

  // Whether the words just before a parallel phrase deny it: "cannot run in parallel",
  // "no pueden ejecutarse en paralelo", "não podem", "ne peuvent pas", "nicht parallel",
  // "不可并行".
  static bool parallel_denied(std::string_view s, std::size_t at) {
    if (at >= 3 && (s.substr(at - 3, 3) == "不" || s.substr(at - 3, 3) == "非")) return true;
    for (std::string_view w : {"not ", "n't ", "cannot", "never", "no ", "não ", "pas ", "nicht ", "kein", "не ", "нельзя"}) {
      // Within a few words before it (Cyrillic letters take two bytes).
      const std::size_t reach = static_cast<unsigned char>(w[0]) >= 0x80 ? 48 : 24;
      const std::string_view near = s.substr(at > reach ? at - reach : 0, at > reach ? reach : at);
      for (std::size_t k = ifind(near, w); k != std::string_view::npos; k = ifind(near, w, k + 1))
        // (Of the same words: "T002 (no shared state) and T003 can run in parallel" is not denied.)
        if ((k == 0 || !is_alpha(near[k - 1]) || w == "n't ") && near.find_first_of("),;:", k) == std::string_view::npos)
          return true;
    }
    return false;
  }

  // The length of a separator of listed items at `s[i]` (`,`, `+`, `&`, `/`, " and ",
  // " y ", " e ", " et ", " und ", and the parser's CJK ones: `、`, `，`, `与`, `と`, `과` …);
  // 0 if there is none.
  static std::size_t item_separator(std::string_view s, std::size_t i) {
    if (s[i] == ',' || s[i] == '+' || s[i] == '&' || s[i] == '/') return 1;
    for (std::string_view w : {" and ", " und ", " et ", " y ", " e ", " и "})
      if (istarts_with(s.substr(i), w)) return w.size();
    return cjk_list_separator(s.substr(i));
  }

  // Whether the word `w`, found at `s[at]`, stands alone there: a word of a script with
  // spaces (Latin, Cyrillic) is not the start or end of a longer one (`после` is not the
  // start of `последний`, "last"); a word of Chinese or Japanese needs no spaces.
  static bool word_at(std::string_view s, std::size_t at, std::string_view w) {
    const bool cyrillic = static_cast<unsigned char>(w[0]) == 0xD0 || static_cast<unsigned char>(w[0]) == 0xD1;
    const auto in_word = [&](char c) { return is_alnum(c) || (cyrillic && static_cast<unsigned char>(c) >= 0x80); };
    return (at == 0 || !in_word(s[at - 1])) && (at + w.size() >= s.size() || !in_word(s[at + w.size()]));
  }

  // The first keyword of an ordering statement in `s`, where it is (npos if none), its
  // length, and whether what stands on its left comes first ("X before Y").
  static std::size_t find_key(std::string_view s, std::size_t* best_len, bool* left_first) {
    static constexpr std::pair<std::string_view, bool> keys[] = {
        {"blocks on", false}, {"blocked on", false}, {"blocks", true}, {"before", true}, {"can start after", false}, {"starts after", false},
        {"after", false}, {"depends on", false}, {"depend on", false}, {"requires", false}, {"waits for", false},
        {"blocked by", false}, {"waits on", false}, {"wait for", false}, {"needs", false}, {"unblocks", true},
        {"is a prerequisite for", true}, {"is a prerequisite of", true},
        {"bloquea", true}, {"bloqueia", true}, {"bloque", true}, {"antes de", true}, {"avant", true},
        {"depende de", false}, {"depende", false}, {"después de", false}, {"despues de", false},
        {"depois de", false}, {"após", false}, {"après", false}, {"dépend de", false},
        {"dépend", false}, {"requiere", false}, {"requer", false}, {"nécessite", false},
        // The plural ("US3 e US3-b dependem do Coordinator (US1)"): what each side names.
        {"dependem de", false}, {"dependem", false}, {"dependen de", false}, {"dependen", false},
        {"dépendent de", false}, {"dépendent", false}, {"requieren", false}, {"requerem", false},
        {"nécessitent", false},
        // German: "**US2**: startet nach US1", "T006 → nach T003", "T004 hängt von T002 ab".
        {"abhängig von", false}, {"hängt von", false}, {"nach abschluss von", false}, {"nach", false},
        {"benötigt", false}, {"erfordert", false}, {"wartet auf", false}, {"blockiert durch", false},
        {"blockiert", true},
        // Russian (both cases: ifind folds ASCII only): "US3 зависит от US1", "идёт после T002".
        {"зависит от", false}, {"Зависит от", false}, {"после", false}, {"После", false},
        {"требует", false}, {"Требует", false}, {"блокирует", true}, {"Блокирует", true},
        // "US1 завершить перед US2" (finish US1 before US2), "… до начала US1-US3".
        {"перед", true}, {"Перед", true}, {"до начала", true}, {"До начала", true},
        // Chinese puts the key first too: "**US3**: 依赖 US1, US2".
        {"\xE4\xBE\x9D\xE8\xB5\x96", false}, {"\xE4\xBE\x9D\xE8\xB3\xB4", false}};
    std::size_t best = std::string_view::npos;
    for (auto [k, lf] : keys) {
      const std::size_t at = ifind(s, k);
      if (at == std::string_view::npos || !word_at(s, at, k)) continue;
      if (at < best) {
        best = at;
        *best_len = k.size();
        *left_first = lf;
      }
    }
    return best;
  }

  // The side after a key up to a dash that starts a clause of its own: "Depends on Setup
  // — can overlap with US2" is about Setup alone. A dash between IDs (`T001 - T003`) is a
  // range, and one before a capital goes on naming ("US1 — US2").
  static std::string_view aside_cut(std::string_view s) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      if (s[i] != ' ') continue;
      std::size_t n = 0;  // `—`, `--`, and `â€”` (a file saved once in the wrong encoding: FAIR-DM 011)
      if (!detail::is_dash_at(s, i + 1, &n)) continue;
      if (n == 1 && s.compare(i + 1, 2, "--") == 0) n = 2;
      std::size_t j = i + 1 + n;
      if (j >= s.size() || s[j] != ' ') continue;
      while (j < s.size() && s[j] == ' ') ++j;
      // A word in lower case, or one not in ASCII (`— 后端可与 US1 并行`, "the backend can
      // run beside US1"; `— à faire`): IDs are ASCII, so what follows is prose.
      if (j < s.size() && ((s[j] >= 'a' && s[j] <= 'z') || static_cast<unsigned char>(s[j]) >= 0xC3))
        return s.substr(0, i);
    }
    return s;
  }

  EdgeRule story_or(const Refs& a, const Refs& b) const {
    const bool gate = std::any_of(a.nodes.begin(), a.nodes.end(), [&](int n) { return g_.is_gate(n); }) ||
                      std::any_of(b.nodes.begin(), b.nodes.end(), [&](int n) { return g_.is_gate(n); });
    return gate ? EdgeRule::story_prose : EdgeRule::statement;
  }

  static std::uint64_t key(int a, int b) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
  }

  bool shares_file(int a, int b) const {
    for (const PathRef& x : plan_->tasks[static_cast<std::size_t>(a)].paths)
      for (const PathRef& y : plan_->tasks[static_cast<std::size_t>(b)].paths)
        if (paths_overlap(x.path, y.path)) return true;
    return false;
  }

 public:
  // Equal, or one is a folder (ends in '/', or a glob's folder) that holds the other.
  static bool paths_overlap(std::string_view a, std::string_view b) {
    a = lock_root(a);
    b = lock_root(b);
    if (a == b) return true;
    if (!a.empty() && a.back() == '/' && starts_with(b, a)) return true;
    if (!b.empty() && b.back() == '/' && starts_with(a, b)) return true;
    return false;
  }


 private:
  // --- implicit rules -----------------------------------------------------------------

  void implicit_edges() {
    const auto& phases = plan_->phases;
    // Rules 1 and 2: which phases each phase waits for.
    int last_plain = -1;              // the last non-story phase
    std::vector<int> story_run;       // consecutive story phases since then
    for (int p = 0; p < static_cast<int>(phases.size()); ++p) {
      const Phase& ph = phases[static_cast<std::size_t>(p)];
      const bool story = ph.kind == PhaseKind::user_story;
      std::vector<int> waits;
      EdgeRule rule = EdgeRule::phase_order;
      if (story) {
        rule = EdgeRule::story_phase;
        // A story written as several phases (`Phase 1: Domain Layer (User Story 1)`, `Phase
        // 2: Application Layer (User Story 1)`): its phases run in order.
        int same = -1;
        for (int q : story_run)
          if (const Phase& other = phases[static_cast<std::size_t>(q)];
              ph.story > 0 && other.story == ph.story &&
              (other.story_label == ph.story_label || other.story_label.empty() || ph.story_label.empty()))
            same = q;
        if (!options_.stories_parallel && !story_run.empty()) waits.push_back(story_run.back());
        else if (same >= 0) waits.push_back(same);
        else if (last_plain >= 0) waits.push_back(last_plain);
        story_run.push_back(p);
      } else {
        if (!story_run.empty()) {
          if (options_.stories_parallel) waits = story_run;
          else waits.push_back(story_run.back());  // in sequence, the last story covers the rest
        } else if (last_plain >= 0) {
          waits.push_back(last_plain);
        }
        story_run.clear();
        last_plain = p;
      }
      for (int q : waits) {
        const Phase& prev = phases[static_cast<std::size_t>(q)];
        const int gate = phase_gate(q);
        const bool one_story = story && prev.kind == PhaseKind::user_story && prev.story == ph.story;
        const std::string why = one_story && options_.stories_parallel
                                    ? "a story's phases run in order: after \"" + clip(prev.title, 60) + "\""
                                : story && options_.stories_parallel
                                    ? "user stories wait for \"" + clip(prev.title, 60) + "\", not for each other"
                                    : "phases run in order: after \"" + clip(prev.title, 60) + "\"";
        for (int t : phase_tasks_[static_cast<std::size_t>(p)]) edge(gate, t, {rule, ph.line, why});
      }
    }
    // Rules 3 and 4, inside each phase.
    for (std::size_t p = 0; p < phases.size(); ++p) {
      int prev_group = -1;
      // The groups a group that says nothing waits for: the one before it, and those
      // after the last such group that said what they wait for instead (declares_order).
      std::vector<int> open;
      for (int t : phase_tasks_[p]) {
        const int g = plan_->tasks[static_cast<std::size_t>(t)].group;
        if (g == prev_group) continue;
        if (prev_group >= 0 && !declares_order(g)) {
          const Group& gr = plan_->groups[static_cast<std::size_t>(g)];
          for (int q : open) {
            const int gate = group_gate(q);
            const std::string why = "after \"" + clip(plan_->groups[static_cast<std::size_t>(q)].title, 60) + "\"";
            for (int u : group_tasks_[static_cast<std::size_t>(g)]) edge(gate, u, {EdgeRule::group_order, gr.line, why});
          }
          open.clear();
        }
        open.push_back(g);
        prev_group = g;
        sequence_group(g);
      }
    }
  }

  // An item over subtasks that says what it waits for (`- [ ] 6. Frontend` over
  // `_Dependencies: 7.1-7.7_`) waits for that, not for the item before it.
  bool declares_order(int g) const {
    const Group& gr = plan_->groups[static_cast<std::size_t>(g)];
    if (gr.item_number.empty()) return false;
    return std::any_of(gr.depends_on.begin(), gr.depends_on.end(), [&](const DepRef& r) { return !expand(r).empty(); });
  }

  void sequence_group(int g) {
    if (declares_every_order_) return;
    const auto& tasks = group_tasks_[static_cast<std::size_t>(g)];
    int last_serial = -1;
    std::vector<int> since;  // [P] tasks after last_serial
    std::vector<int> carry;  // what a `∥` kept the last serial task from waiting for
    // What each task of the group waits for by this rule: a task allowed to run with one
    // before it still waits for what that one waits for (`T002 ∥ T003` after T001: T003
    // after T001, not first).
    std::unordered_map<int, std::vector<int>> waited;
    for (int t : tasks) {
      const Task& task = plan_->tasks[static_cast<std::size_t>(t)];
      if (task.parallel) {
        // After the serial task before it; one said to run beside that task (`T011
        // parallel to T010`) waits for what that one waits for instead, and so on back.
        std::vector<int> look, after;
        if (last_serial >= 0) look.push_back(last_serial);
        std::unordered_set<int> seen;
        for (std::size_t i = 0; i < look.size(); ++i) {
          const int u = look[i];
          if (!seen.insert(u).second) continue;
          if (parallel_ok_.count(key(u, t))) {
            if (const auto w = waited.find(u); w != waited.end()) look.insert(look.end(), w->second.begin(), w->second.end());
            continue;
          }
          edge(u, t, {EdgeRule::parallel_run, task.line, "[P] task after " + plan_->tasks[static_cast<std::size_t>(u)].id});
          after.push_back(u);
        }
        if (!after.empty()) waited[t] = std::move(after);
        since.push_back(t);
        continue;
      }
      // Everything before it in the group: the last serial task and the [P] tasks since
      // (which follow that one), plus whatever a `∥` cut out of that chain.
      std::vector<int> before = carry;
      if (last_serial >= 0) before.push_back(last_serial);
      before.insert(before.end(), since.begin(), since.end());
      std::vector<int> cut, look = before;
      std::unordered_set<int> seen;
      for (std::size_t i = 0; i < look.size(); ++i) {
        const int u = look[i];
        if (!seen.insert(u).second) continue;
        if (parallel_ok_.count(key(u, t))) {
          cut.push_back(u);
          if (const auto w = waited.find(u); w != waited.end()) look.insert(look.end(), w->second.begin(), w->second.end());
          continue;
        }
        edge(u, t, {EdgeRule::sequential, task.line, "after " + plan_->tasks[static_cast<std::size_t>(u)].id});
      }
      waited[t] = std::move(before);
      carry = std::move(cut);
      since.clear();
      last_serial = t;
    }
  }

  // --- finishing ----------------------------------------------------------------------

  void finish_adjacency() {
    const std::size_t n = static_cast<std::size_t>(g_.tasks_) + g_.gate_names_.size();
    g_.succ_.assign(n, {});
    g_.pred_.assign(n, {});
    for (const Edge& e : g_.edges_) {
      g_.succ_[static_cast<std::size_t>(e.from)].push_back(e.to);
      g_.pred_[static_cast<std::size_t>(e.to)].push_back(e.from);
    }
  }

  // A task the file marks otherwise (`[~]`: begun, deferred) is not done, so what names
  // it explicitly will not run (the scheduler holds it): said where the waiting starts.
  void held_by_marks() {
    const int n = g_.tasks_ + static_cast<int>(g_.gate_names_.size());
    g_.set_aside_.assign(static_cast<std::size_t>(n), -1);
    for (int t = 0; t < g_.tasks_; ++t)
      if (plan_->tasks[static_cast<std::size_t>(t)].state == TaskState::other) g_.set_aside_[static_cast<std::size_t>(t)] = t;
    // A phase's or a group's gate stands for its tasks (the edges from each into it).
    for (const Edge& e : g_.edges_)
      if (!g_.is_gate(e.from) && g_.is_gate(e.to) && g_.set_aside_[static_cast<std::size_t>(e.from)] >= 0 &&
          g_.set_aside_[static_cast<std::size_t>(e.to)] < 0 &&
          (e.reason.rule == EdgeRule::phase_order || e.reason.rule == EdgeRule::group_order))
        g_.set_aside_[static_cast<std::size_t>(e.to)] = e.from;
    for (const Edge& e : g_.edges_) {
      const int held = g_.set_aside_[static_cast<std::size_t>(e.from)];
      if (held < 0 || !is_written(e.reason.rule)) continue;
      const Task& a = plan_->tasks[static_cast<std::size_t>(held)];
      const bool gate = g_.is_gate(e.to);
      const Task* b = gate ? nullptr : &plan_->tasks[static_cast<std::size_t>(e.to)];
      if (b && b->state == TaskState::other) continue;  // set aside itself: not run either way
      // Set aside by its box (`[~]`), or by its words (`[DEFERRED]`, `- SKIPPED`, struck through).
      const bool words = a.form != TaskForm::checkbox || a.mark == ' ';
      const bool row = a.form == TaskForm::status_row;  // its Status cell says so (`In Progress`)
      const std::string how = row     ? "marks neither done nor pending in its Status cell"
                              : words ? "sets aside (deferred, skipped or struck through)"
                                      : "marks [" + std::string(1, a.mark) + "]";
      warn(gate ? e.reason.line : b->line, "held-by-mark",
           (gate ? node_name(e.to) : b->id) + " waits for " + (g_.is_gate(e.from) ? node_name(e.from) : a.id) + " (" + e.reason.words + ")" +
               (g_.is_gate(e.from) ? ", whose " + a.id + " the file " : ", which the file ") + how +
               ": neither done nor pending, so it and what follows it will not run until " + a.id +
               (row ? "'s Status says done (or Todo, to run it)"
                    : " is marked [X] (or " + std::string(words ? "taken back into the plan" : "[ ]") + " to run it)"));
    }
  }

  std::string node_name(int v) const {
    if (g_.is_gate(v)) return "\"" + clip(g_.gate_name(v), 60) + "\"";
    const Task& t = plan_->tasks[static_cast<std::size_t>(v)];
    return t.id + " (line " + std::to_string(t.line) + ")";
  }

  // An order the document implies (one task after another, a [P] run after what
  // precedes it) gives way to an explicit dependency that contradicts it, however long
  // the loop they make together (`T001 (depends on T003)`, then T002, then T003): on
  // each cycle that holds both, the implied edge into the task depended on is dropped,
  // so that task moves up, and the rest keeps its order. Said as a note. Else prose on it
  // gives way (drop_prose). A cycle of explicit dependencies or phase rules alone is an error.
  Result<void> find_cycle() {
    for (;;) {
      std::vector<const Edge*> cycle = cycle_edges();
      if (cycle.empty()) return {};
      const Edge* drop = nullptr;
      const Edge* because = nullptr;
      const std::size_t k = cycle.size();
      // An explicit dependency beats the document's order: first the order inside a
      // phase, then prose (the weakest reading), then the order of the phases.
      bool prose_dropped = false;
      for (int tier = 0; tier < 2 && !drop; ++tier) {
        if (tier == 1 && (prose_dropped = drop_prose(cycle))) break;
        for (std::size_t i = 0; i < k && !drop; ++i) {
          if (cycle[i]->reason.rule != EdgeRule::task_ref && cycle[i]->reason.rule != EdgeRule::heading_ref) continue;
          // Walk back from the explicit edge to the nearest implied one.
          for (std::size_t j = 1; j < k; ++j) {
            const Edge* e = cycle[(i + k - j) % k];
            if (implied(*e) && (tier == 1 || !phase_edge(*e))) {  // a sub-heading's order is the document's too
              drop = e;
              because = cycle[i];
              break;
            }
          }
        }
      }
      if (prose_dropped) continue;
      if (!drop) return cycle_error(cycle);
      const std::string a = g_.is_gate(drop->from) ? node_name(drop->from)
                                                    : plan_->tasks[static_cast<std::size_t>(drop->from)].id;
      const Task& b = plan_->tasks[static_cast<std::size_t>(drop->to)];
      // Across phases it is said aloud: the task leaves the phase it was written in.
      g_.diagnostics_.push_back(Diagnostic{
          phase_edge(*drop) ? Severity::warning : Severity::info, b.line, "explicit-order",
          b.id + " would wait for " + a + " by document order, but " + node_name(because->to) + " waits for " +
              node_name(because->from) + " (" + because->reason.words + ") and " + a + " waits for it in turn: " +
              b.id + " no longer waits for " + a});
      // It moves up to just before what waits for it: it still waits for what the task
      // (or the group) it followed waited for by the document's order.
      const int from = drop->from, to = drop->to;
      g_.edges_.erase(g_.edges_.begin() + (drop - g_.edges_.data()));
      finish_adjacency();
      inherit_.emplace_back(from, to);
      inherit_order();
    }
  }

  // Whether an edge is an order the document implies (rules 1 to 4): one task after
  // another, a [P] run after what precedes it, a group's tasks after the group before it,
  // a phase's after the phase before it (`_Depends on: 4.1_` on 3.2 moves 4.1 up).
  bool implied(const Edge& e) const {
    const EdgeRule r = e.reason.rule;
    return r == EdgeRule::sequential || r == EdgeRule::parallel_run ||
           (r == EdgeRule::group_order && g_.is_gate(e.from) && !g_.is_gate(e.to)) || phase_edge(e);
  }

  // A task's wait for the phase before its own (rules 1 and 2).
  bool phase_edge(const Edge& e) const {
    return (e.reason.rule == EdgeRule::phase_order || e.reason.rule == EdgeRule::story_phase) && g_.is_gate(e.from) &&
           !g_.is_gate(e.to);
  }

  // Each pair (a, b) of inherit_: b no longer waits for a by the document's order (an
  // explicit dependency says a waits for b), so b waits for what a waited for by that
  // order instead (for a group's gate, what the group's tasks waited for from the groups
  // before it), unless that contradicts an explicit dependency too, and so on back. Edges
  // once dropped stay dropped (seen_). Needs the adjacency; keeps it.
  void inherit_order() {
    if (inherit_.empty()) return;
    std::unordered_map<std::uint64_t, std::size_t> at;  // an edge's index, by key(from, to)
    at.reserve(g_.edges_.size());
    for (std::size_t i = 0; i < g_.edges_.size(); ++i) at.emplace(key(g_.edges_[i].from, g_.edges_[i].to), i);
    for (std::size_t k = 0; k < inherit_.size(); ++k) {
      const auto [a, b] = inherit_[k];
      std::vector<std::size_t> before;  // the implied edges into a (or into its group's tasks)
      const auto implied_into = [&](int v, bool gates_only) {
        for (int x : g_.pred_[static_cast<std::size_t>(v)])
          if (const auto it = at.find(key(x, v)); it != at.end() && implied(g_.edges_[it->second]) && (!gates_only || g_.is_gate(x)))
            before.push_back(it->second);
      };
      if (!g_.is_gate(a)) {
        implied_into(a, false);
      } else {
        for (int u : g_.pred_[static_cast<std::size_t>(a)])
          if (!g_.is_gate(u)) implied_into(u, true);
      }
      for (const std::size_t i : before) {
        const int x = g_.edges_[i].from;
        if (x == b) continue;
        const std::size_t n = g_.edges_.size();
        inheriting_ = true;
        edge(x, b, g_.edges_[i].reason);
        inheriting_ = false;
        if (g_.edges_.size() == n) continue;
        at.emplace(key(x, b), n);
        g_.succ_[static_cast<std::size_t>(x)].push_back(b);
        g_.pred_[static_cast<std::size_t>(b)].push_back(x);
      }
    }
    inherit_.clear();
  }

  // Prose (a line of a dependency section, a story's) read as an order that the file's
  // structure or its tasks' own references contradict: on a cycle with no implied order to
  // give way, the line is not followed, with a warning. Which line: one that puts a task
  // after a later one (then what it says backwards goes), else the first (all it says
  // goes). A cycle without prose is the file's, and an error.
  bool drop_prose(const std::vector<const Edge*>& cycle) {
    const auto prose = [](const Edge* e) { return e->reason.rule == EdgeRule::statement || e->reason.rule == EdgeRule::story_prose; };
    const auto backwards = [&](const Edge* e) {
      return !g_.is_gate(e->from) && !g_.is_gate(e->to) &&
             plan_->tasks[static_cast<std::size_t>(e->to)].line < plan_->tasks[static_cast<std::size_t>(e->from)].line;
    };
    const Edge* pick = nullptr;
    for (const Edge* e : cycle)
      if (prose(e) && (!pick || (backwards(e) && !backwards(pick)))) pick = e;
    if (!pick) return false;
    const int line = pick->reason.line;
    const EdgeRule rule = pick->reason.rule;
    std::string why;
    for (const Edge* e : cycle)
      if (e != pick)
        why += "; " + node_name(e->to) + " waits for " + node_name(e->from) + " (" + to_string(e->reason.rule) +
               (e->reason.line ? ", line " + std::to_string(e->reason.line) : "") + ")";
    warn(line, "prose-not-followed",
         "not followed: \"" + clip(pick->reason.words, 100) + "\" reads as " + node_name(pick->to) + " after " +
             node_name(pick->from) + ", which would make a cycle" + why);
    // What the line says backwards goes (`T001 changes types that T002 consumes; running
    // T002 before T001 …` keeps T002 after T001); with nothing backwards, all it says.
    const bool back = backwards(pick);
    std::erase_if(g_.edges_, [&](const Edge& e) { return e.reason.rule == rule && e.reason.line == line && (!back || backwards(&e)); });
    finish_adjacency();
    return true;
  }

  // The edges of one cycle, starting at the first node on one (in document order); empty
  // when there is none.
  std::vector<const Edge*> cycle_edges() const {
    using G = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    const int n = g_.node_count();
    G bg(static_cast<std::size_t>(n));
    for (const Edge& e : g_.edges_) boost::add_edge(static_cast<std::size_t>(e.from), static_cast<std::size_t>(e.to), bg);
    std::vector<int> comp(static_cast<std::size_t>(n));
    const int count = static_cast<int>(boost::strong_components(
        bg, boost::make_iterator_property_map(comp.begin(), boost::get(boost::vertex_index, bg))));
    if (count == n) return {};
    std::vector<int> size(static_cast<std::size_t>(count), 0);
    for (int c : comp) ++size[static_cast<std::size_t>(c)];
    // The first node (in document order) on a cycle, and one cycle through it.
    int start = -1;
    for (int v = 0; v < n && start < 0; ++v)
      if (size[static_cast<std::size_t>(comp[static_cast<std::size_t>(v)])] > 1) start = v;
    const int c = comp[static_cast<std::size_t>(start)];
    std::vector<int> parent(static_cast<std::size_t>(n), -1);
    std::vector<const Edge*> via(static_cast<std::size_t>(n), nullptr);
    std::vector<std::vector<const Edge*>> out(static_cast<std::size_t>(n));
    for (const Edge& e : g_.edges_) out[static_cast<std::size_t>(e.from)].push_back(&e);
    std::queue<int> q;
    q.push(start);
    parent[static_cast<std::size_t>(start)] = start;
    const Edge* closing = nullptr;
    while (!q.empty() && !closing) {
      const int v = q.front();
      q.pop();
      for (const Edge* e : out[static_cast<std::size_t>(v)]) {
        if (comp[static_cast<std::size_t>(e->to)] != c) continue;
        if (e->to == start) { closing = e; break; }
        if (parent[static_cast<std::size_t>(e->to)] >= 0) continue;
        parent[static_cast<std::size_t>(e->to)] = v;
        via[static_cast<std::size_t>(e->to)] = e;
        q.push(e->to);
      }
    }
    std::vector<const Edge*> cycle{closing};
    for (int v = closing->from; v != start; v = parent[static_cast<std::size_t>(v)]) cycle.push_back(via[static_cast<std::size_t>(v)]);
    std::reverse(cycle.begin(), cycle.end());
    return cycle;
  }

  Result<void> cycle_error(const std::vector<const Edge*>& cycle) const {
    const int start = cycle.front()->from;
    std::string msg = "dependency cycle: ";
    for (const Edge* e : cycle) {
      msg += node_name(e->from) + " -> ";
    }
    msg += node_name(start) + "; because";
    for (const Edge* e : cycle)
      msg += " " + node_name(e->to) + " waits for " + node_name(e->from) + " (" + to_string(e->reason.rule) +
             (e->reason.line ? ", line " + std::to_string(e->reason.line) : "") + ": " + e->reason.words + ");";
    msg.pop_back();
    int line = 0;
    for (const Edge* e : cycle)
      if (!g_.is_gate(e->to)) { line = plan_->tasks[static_cast<std::size_t>(e->to)].line; break; }
    return make_error(Errc::cycle, msg, line);
  }

  // Kahn's algorithm; among ready nodes the earliest in the document (tasks before gates
  // that follow them) comes first.
  void topological_order() {
    const int n = g_.node_count();
    std::vector<int> indeg(static_cast<std::size_t>(n));
    for (int v = 0; v < n; ++v) indeg[static_cast<std::size_t>(v)] = static_cast<int>(g_.pred_[static_cast<std::size_t>(v)].size());
    std::priority_queue<int, std::vector<int>, std::greater<>> ready;
    for (int v = 0; v < n; ++v)
      if (indeg[static_cast<std::size_t>(v)] == 0) ready.push(v);
    g_.topo_.reserve(static_cast<std::size_t>(n));
    while (!ready.empty()) {
      const int v = ready.top();
      ready.pop();
      g_.topo_.push_back(v);
      for (int w : g_.succ_[static_cast<std::size_t>(v)])
        if (--indeg[static_cast<std::size_t>(w)] == 0) ready.push(w);
    }
  }

  void lock_conflicts() {
    // (lock root, task) pairs sorted, so equal paths are neighbours and a folder's
    // contents follow it.
    std::vector<std::pair<std::string_view, int>> all;
    for (int i = 0; i < g_.tasks_; ++i)
      for (const PathRef& p : plan_->tasks[static_cast<std::size_t>(i)].paths) all.emplace_back(lock_root(p.path), i);
    std::sort(all.begin(), all.end());
    std::vector<int> tasks, inside;
    const auto unique = [](std::vector<int>& v) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
    };
    for (std::size_t i = 0; i < all.size();) {
      const std::string_view root = all[i].first;
      const bool folder = !root.empty() && root.back() == '/';
      std::size_t same = i, j = i;
      while (same < all.size() && all[same].first == root) ++same;
      // A folder holds what is inside it: every root it prefixes (they follow it).
      j = same;
      if (folder)
        while (j < all.size() && starts_with(all[j].first, root)) ++j;
      tasks.clear();
      inside.clear();
      for (std::size_t k = i; k < same; ++k) tasks.push_back(all[k].second);
      unique(tasks);
      for (std::size_t k = same; k < j; ++k)
        if (!std::binary_search(tasks.begin(), tasks.end(), all[k].second)) inside.push_back(all[k].second);
      unique(inside);
      if (tasks.size() > 1 || (!tasks.empty() && !inside.empty())) add_conflict(root, tasks, inside);
      i = same;
    }
    std::sort(g_.conflicts_.begin(), g_.conflicts_.end(), [](const LockConflict& x, const LockConflict& y) {
      const auto first = [](const LockConflict& c) { return c.inside.empty() ? c.tasks.front() : std::min(c.tasks.front(), c.inside.front()); };
      return std::pair(first(x), std::string_view(x.path)) < std::pair(first(y), std::string_view(y.path));
    });
  }

  // One group, and one warning per phase in which two of its [P] tasks exclude each
  // other (the plan says they may run together; the shared file says they may not).
  void add_conflict(std::string_view root, const std::vector<int>& tasks, const std::vector<int>& inside) {
    LockConflict c{std::string(root), tasks, inside, 0};
    std::map<int, std::vector<int>> parallel_by_phase;
    std::map<int, int> own_by_phase;  // [P] tasks naming the path itself
    for (const auto* list : {&tasks, &inside})
      for (int t : *list) {
        const Task& task = plan_->tasks[static_cast<std::size_t>(t)];
        if (!task.parallel) continue;
        ++c.parallel;
        parallel_by_phase[task.phase].push_back(t);
        if (list == &tasks) ++own_by_phase[task.phase];
      }
    for (auto& [phase, ps] : parallel_by_phase) std::sort(ps.begin(), ps.end());
    for (const auto& entry : parallel_by_phase) {
      // Not a structured binding: clang 14 cannot capture those in the lambda below.
      const auto& ps = entry.second;
      if (own_by_phase[entry.first] == 0 || ps.size() < 2) continue;
      const auto id = [&](std::size_t k) { return plan_->tasks[static_cast<std::size_t>(ps[k])].id; };
      std::string message;
      if (ps.size() == 2) {
        message = id(0) + " and " + id(1) + " are both [P] but both touch " + c.path + ": they will run one after the other";
      } else {
        // A few IDs and the count: the warning stays one line however many share the file.
        static constexpr std::size_t kShown = 4;
        for (std::size_t k = 0; k < ps.size() && k < kShown; ++k) message += (k ? ", " : "") + id(k);
        if (ps.size() > kShown) message += ps.size() > kShown + 1 ? " … " + id(ps.size() - 1) : ", " + id(ps.size() - 1);
        message += " (" + std::to_string(ps.size()) + " [P] tasks) all touch " + c.path + ": they will run one at a time";
      }
      warn(plan_->tasks[static_cast<std::size_t>(ps[1])].line, "parallel-shared-file", std::move(message));
    }
    g_.conflicts_.push_back(std::move(c));
  }

  TaskGraph g_;
  const Plan* plan_ = nullptr;
  GraphOptions options_;
  std::unordered_map<std::string, std::vector<int>> by_id_;
  std::unordered_set<std::string> item_numbers_;  // Group::item_number, where no task has it as ID
  bool declares_every_order_ = false;
  std::vector<int> unstated_;  // tasks warned of as order-unstated, if nothing else orders them
  std::vector<std::string> shapes_;
  bool numbers_ = false;  // some tasks are named by number (`### Task 3: …`): "Task 3" refers to them
  std::vector<std::vector<int>> phase_tasks_, group_tasks_;
  std::map<int, int> phase_gate_, group_gate_;
  std::unordered_set<std::uint64_t> seen_;
  std::unordered_set<std::uint64_t> parallel_ok_;
  std::vector<std::pair<int, int>> inherit_;  // (a, b): b gave up waiting for a (inherit_order)
  bool inheriting_ = false;
};

bool LockConflict::excludes(int a, int b) const {
  const bool a_own = std::binary_search(tasks.begin(), tasks.end(), a);
  const bool b_own = std::binary_search(tasks.begin(), tasks.end(), b);
  return a != b && (a_own || b_own) && (a_own || std::binary_search(inside.begin(), inside.end(), a)) &&
         (b_own || std::binary_search(inside.begin(), inside.end(), b));
}

Result<TaskGraph> build_graph(Plan plan, const GraphOptions& options) {
  return GraphBuilder(std::move(plan), options).build();
}

// --- queries ---------------------------------------------------------------------------

std::vector<const Edge*> TaskGraph::edges_into(int node) const {
  std::vector<const Edge*> out;
  for (const Edge& e : edges_)
    if (e.to == node) out.push_back(&e);
  return out;
}

std::vector<int> TaskGraph::task_predecessors(int task) const {
  std::vector<int> out;
  std::vector<int> stack(pred_[static_cast<std::size_t>(task)].begin(), pred_[static_cast<std::size_t>(task)].end());
  std::unordered_set<int> seen;
  while (!stack.empty()) {
    const int v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second) continue;
    if (is_gate(v)) {
      for (int u : pred_[static_cast<std::size_t>(v)]) stack.push_back(u);
    } else {
      out.push_back(v);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<int>> TaskGraph::waves() const {
  std::vector<int> depth(succ_.size(), 0);
  std::vector<std::vector<int>> out;
  for (int v : topo_) {
    int d = 0;
    for (int u : pred_[static_cast<std::size_t>(v)]) d = std::max(d, depth[static_cast<std::size_t>(u)]);
    if (is_gate(v)) {
      depth[static_cast<std::size_t>(v)] = d;
      continue;
    }
    depth[static_cast<std::size_t>(v)] = d + 1;
    if (out.size() < static_cast<std::size_t>(d + 1)) out.resize(static_cast<std::size_t>(d + 1));
    out[static_cast<std::size_t>(d)].push_back(v);
  }
  for (auto& w : out) std::sort(w.begin(), w.end());
  return out;
}

// A task the plan already marks done (or otherwise not pending) counts as finished at
// time 0: whatever it waited for no longer holds anything up through it.
static bool finished_in_plan(const TaskGraph& g, int v) {
  return !g.is_gate(v) && g.plan().tasks[static_cast<std::size_t>(v)].state != TaskState::pending;
}

CriticalPath TaskGraph::critical_path(std::span<const double> durations) const {
  std::vector<double> finish(succ_.size(), 0);
  std::vector<int> from(succ_.size(), -1);
  for (int v : topo_) {
    if (finished_in_plan(*this, v)) continue;
    double start = 0;
    for (int u : pred_[static_cast<std::size_t>(v)])
      if (from[static_cast<std::size_t>(v)] < 0 || finish[static_cast<std::size_t>(u)] > start) {
        start = finish[static_cast<std::size_t>(u)];
        from[static_cast<std::size_t>(v)] = u;
      }
    finish[static_cast<std::size_t>(v)] = start + (is_gate(v) ? 0 : durations[static_cast<std::size_t>(v)]);
  }
  CriticalPath cp;
  int end = -1;
  for (int v = 0; v < static_cast<int>(succ_.size()); ++v)
    if (end < 0 || finish[static_cast<std::size_t>(v)] > finish[static_cast<std::size_t>(end)]) end = v;
  if (end < 0) return cp;
  cp.length = finish[static_cast<std::size_t>(end)];
  for (int v = end; v >= 0; v = from[static_cast<std::size_t>(v)])
    if (!is_gate(v) && !finished_in_plan(*this, v)) cp.tasks.push_back(v);
  std::reverse(cp.tasks.begin(), cp.tasks.end());
  return cp;
}

std::vector<double> TaskGraph::remaining_length(std::span<const double> durations) const {
  std::vector<double> rem(succ_.size(), 0);
  for (auto it = topo_.rbegin(); it != topo_.rend(); ++it) {
    const int v = *it;
    if (finished_in_plan(*this, v)) continue;
    double best = 0;
    for (int w : succ_[static_cast<std::size_t>(v)]) best = std::max(best, rem[static_cast<std::size_t>(w)]);
    rem[static_cast<std::size_t>(v)] = best + (is_gate(v) ? 0 : durations[static_cast<std::size_t>(v)]);
  }
  return rem;
}

double TaskGraph::makespan_lower_bound(std::span<const double> durations, int workers) const {
  double work = 0;
  for (int i = 0; i < tasks_; ++i)
    if (!finished_in_plan(*this, i)) work += durations[static_cast<std::size_t>(i)];
  return std::max(critical_path(durations).length, workers > 0 ? work / workers : work);
}

const char* to_string(EdgeRule r) noexcept {
  switch (r) {
    case EdgeRule::phase_order: return "phase-order";
    case EdgeRule::story_phase: return "story-phase";
    case EdgeRule::group_order: return "group-order";
    case EdgeRule::sequential: return "sequential";
    case EdgeRule::parallel_run: return "parallel-run";
    case EdgeRule::task_ref: return "task-reference";
    case EdgeRule::heading_ref: return "heading-reference";
    case EdgeRule::statement: return "statement";
    case EdgeRule::story_prose: return "story-prose";
  }
  return "?";
}

FLOW_END_NAMESPACE
}  // namespace flow
