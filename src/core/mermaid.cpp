// SPDX-License-Identifier: MIT
#include "core/mermaid.hpp"

#include "support/text.hpp"

namespace flow::detail {

namespace {

bool id_char(char c) { return is_alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }

void skip_spaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i])) ++i;
}

// The shape after a node's ID, `[…]`, `(…)`, `{…}`, `>…]` and their doubled forms
// (`([…])`, `[[…]]`, `{{…}}`, `[(…)]`): its text. `i` moves past it; false if it is not
// closed on the line. Quoted text may hold any bracket.
bool shape(std::string_view s, std::size_t& i, std::string_view& label) {
  const char open = s[i];
  const char close = open == '(' ? ')' : open == '{' ? '}' : ']';
  int depth = 0;
  bool quoted = false;
  for (std::size_t j = i; j < s.size(); ++j) {
    const char c = s[j];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
    } else if (c == open && open != '>') {
      ++depth;
    } else if (c == close && (open == '>' || --depth == 0)) {
      // The inner brackets of a doubled shape and the quotes come off in pairs:
      // `{{Gate (T010)}}` is "Gate (T010)".
      std::string_view t = trim(s.substr(i + 1, j - i - 1));
      while (t.size() >= 2) {
        const char a = t.front(), z = t.back();
        if (!((a == '[' && z == ']') || (a == '(' && z == ')') || (a == '{' && z == '}') || (a == '"' && z == '"') ||
              ((a == '/' || a == '\\') && (z == '/' || z == '\\'))))
          break;
        t = trim(t.substr(1, t.size() - 2));
      }
      label = t;
      i = j + 1;
      return true;
    }
  }
  return false;
}

// The node at s[i]: `ID`, `ID[label]`, `ID:::class`, `ID@{ shape: rect }`.
bool node(std::string_view s, std::size_t& i, MermaidNode& out) {
  const std::size_t b = i;
  while (i < s.size()) {
    // `US-1`, `T1.2`: a dash or a dot between two characters of a name belongs to it.
    if (id_char(s[i]) || ((s[i] == '-' || s[i] == '.') && i > b && i + 1 < s.size() && id_char(s[i + 1]))) {
      ++i;
      continue;
    }
    break;
  }
  if (i == b) return false;
  out = {s.substr(b, i - b), {}};
  if (i < s.size() && (s[i] == '[' || s[i] == '(' || s[i] == '{' || s[i] == '>') && !shape(s, i, out.label)) return false;
  if (s.compare(i, 2, "@{") == 0) {
    const std::size_t e = s.find('}', i);
    if (e == std::string_view::npos) return false;
    i = e + 1;
  }
  if (s.compare(i, 3, ":::") == 0)
    for (i += 3; i < s.size() && (id_char(s[i]) || s[i] == '-');) ++i;
  return true;
}

bool link_char(char c) { return c == '-' || c == '=' || c == '.' || c == '~'; }

// The link at s[i]: `-->`, `---`, `==>`, `-.->`, `~~~`, `<-->`, `--o`, `--x`,
// `-- text -->`, `-. text .->`, `== text ==>`, then perhaps `|text|`.
bool link(std::string_view s, std::size_t& i, MermaidLink& out) {
  std::size_t j = i;
  const bool back = j < s.size() && s[j] == '<';
  if (back) ++j;
  const std::size_t run = j;
  while (j < s.size() && link_char(s[j])) ++j;
  if (j - run < 2) return false;
  std::string_view body = s.substr(run, j - run);
  bool head = false;
  const auto end_mark = [&](std::size_t k) {
    return k < s.size() && (s[k] == 'o' || s[k] == 'x') && (k + 1 == s.size() || !id_char(s[k + 1]));
  };
  if (j < s.size() && s[j] == '>') {
    head = true;
    ++j;
  } else if (end_mark(j)) {
    ++j;
  } else if (j < s.size() && is_space(s[j]) && (body == "--" || body == "==" || body == "-.")) {
    // Text on the link: it ends at the next run of two or more link characters.
    std::size_t k = j;
    for (; k < s.size(); ++k)
      if (link_char(s[k]) && k + 1 < s.size() && link_char(s[k + 1]) && k > j) break;
    if (k >= s.size()) return false;
    std::size_t e = k;
    while (e < s.size() && link_char(s[e])) ++e;
    const std::string_view closing = s.substr(k, e - k);
    if (e < s.size() && s[e] == '>') {
      head = true;
      ++e;
    } else if (end_mark(e)) {
      ++e;
    }
    body = closing.find('.') != std::string_view::npos || body == "-." ? std::string_view("-.-") : closing;
    j = e;
  }
  std::size_t k = j;
  skip_spaces(s, k);
  if (k < s.size() && s[k] == '|') {
    const std::size_t e = s.find('|', k + 1);
    if (e == std::string_view::npos) return false;
    j = e + 1;
  }
  i = j;
  if (body.find('~') != std::string_view::npos) out = MermaidLink::invisible;
  else if (!head) out = MermaidLink::line;
  else if (back) out = MermaidLink::both_ways;
  else if (body.find('.') != std::string_view::npos) out = MermaidLink::dotted;
  else out = MermaidLink::arrow;
  return true;
}

MermaidStatement statement(std::string_view s) {
  MermaidStatement st;
  std::size_t i = 0;
  skip_spaces(s, i);
  std::size_t w = i;
  while (w < s.size() && is_alpha(s[w])) ++w;
  const std::string_view word = s.substr(i, w - i);
  if (word == "subgraph") {
    st.subgraph = true;
    i = w;
    skip_spaces(s, i);
    MermaidNode n;
    if (node(s, i, n)) st.groups.push_back({n});
    return st;
  }
  for (std::string_view skip : {"end", "classDef", "class", "style", "linkStyle", "click", "direction", "graph",
                                "flowchart", "accTitle", "accDescr"})
    if (word == skip && (w == s.size() || !id_char(s[w]))) return st;
  while (true) {
    std::vector<MermaidNode> group;
    while (true) {
      MermaidNode n;
      if (!node(s, i, n)) break;
      group.push_back(n);
      skip_spaces(s, i);
      if (i < s.size() && s[i] == '&') {
        ++i;
        skip_spaces(s, i);
        continue;
      }
      break;
    }
    if (group.empty()) {
      if (!st.links.empty()) st.links.pop_back();  // a link to nothing joins nothing
      return st;
    }
    st.groups.push_back(std::move(group));
    skip_spaces(s, i);
    MermaidLink l{};
    if (!link(s, i, l)) return st;
    st.links.push_back(l);
    skip_spaces(s, i);
  }
}

}  // namespace

std::vector<MermaidStatement> mermaid_line(std::string_view line) {
  std::vector<MermaidStatement> out;
  if (const std::size_t c = line.find("%%"); c != std::string_view::npos) line = line.substr(0, c);
  std::size_t b = 0;
  bool quoted = false;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i < line.size() && line[i] == '"') quoted = !quoted;
    if (i < line.size() && (quoted || line[i] != ';')) continue;
    if (const std::string_view part = trim(line.substr(b, i - b)); !part.empty()) {
      MermaidStatement st = statement(part);
      if (!st.groups.empty()) out.push_back(std::move(st));
    }
    b = i + 1;
  }
  return out;
}

}  // namespace flow::detail
