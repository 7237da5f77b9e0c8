// SPDX-License-Identifier: MIT
// The Mermaid flowchart reader: nodes, shapes, links, groups, and what is not a statement.
#include "core/mermaid.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace flow::detail;

namespace {

// A line read back as text: `A&B>C` for "A & B --> C", with `.` for dotted, `=` for both
// ways, `-` for a headless line, `~` for invisible; labels in brackets; `;` between statements.
std::string read(std::string_view line) {
  std::string out;
  for (const MermaidStatement& st : mermaid_line(line)) {
    if (!out.empty()) out += ";";
    if (st.subgraph) out += "subgraph ";
    for (std::size_t k = 0; k < st.groups.size(); ++k) {
      if (k > 0) {
        switch (st.links[k - 1]) {
          case MermaidLink::arrow: out += ">"; break;
          case MermaidLink::dotted: out += "."; break;
          case MermaidLink::both_ways: out += "="; break;
          case MermaidLink::line: out += "-"; break;
          case MermaidLink::invisible: out += "~"; break;
        }
      }
      for (std::size_t n = 0; n < st.groups[k].size(); ++n) {
        if (n > 0) out += "&";
        out += st.groups[k][n].id;
        if (!st.groups[k][n].label.empty()) out += "[" + std::string(st.groups[k][n].label) + "]";
      }
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("mermaid") {
  TEST_CASE("arrows of every length and weight, with text on them or after them") {
    CHECK(read("T001 --> T002") == "T001>T002");
    CHECK(read("T001-->T002") == "T001>T002");
    CHECK(read("T001 ---> T002") == "T001>T002");
    CHECK(read("T001 ==> T002") == "T001>T002");
    CHECK(read("T001 -->|needs the schema| T002") == "T001>T002");
    CHECK(read("T001 -- needs the schema --> T002") == "T001>T002");
    CHECK(read("T001 == needs it ==> T002") == "T001>T002");
    CHECK(read("T001 --> T002 --> T003") == "T001>T002>T003");
  }

  TEST_CASE("links that are not one-way arrows") {
    CHECK(read("T001 -.-> T002") == "T001.T002");
    CHECK(read("T001 -. optional .-> T002") == "T001.T002");
    CHECK(read("T001 <--> T002") == "T001=T002");
    CHECK(read("T001 --- T002") == "T001-T002");
    CHECK(read("T001 --o T002") == "T001-T002");
    CHECK(read("T001 --x T002") == "T001-T002");
    CHECK(read("T001 ~~~ T002") == "T001~T002");
  }

  TEST_CASE("shapes give labels; classes and ampersands") {
    CHECK(read("T001[\"T001: Add openai to pyproject.toml ✓\"]:::completed") == "T001[T001: Add openai to pyproject.toml ✓]");
    CHECK(read("Setup[Phase 1: Setup] --> Foundation([Phase 2: Foundation])") ==
          "Setup[Phase 1: Setup]>Foundation[Phase 2: Foundation]");
    CHECK(read("A{{Gate (T010)}} --> B[(db)] --> C>flag] --> D{choice}") == "A[Gate (T010)]>B[db]>C[flag]>D[choice]");
    CHECK(read("A[\"a ] in quotes\"] --> B") == "A[a ] in quotes]>B");
    CHECK(read("T010 & T003 --> T011 & T013 & T016") == "T010&T003>T011&T013&T016");
    CHECK(read("T1.2 --> US-1 --> 播放") == "T1.2>US-1>播放");
  }

  TEST_CASE("statements on one line, comments, subgraphs, and lines that only style") {
    CHECK(read("A --> B; B --> C") == "A>B;B>C");
    CHECK(read("A --> B %% B needs A") == "A>B");
    CHECK(read("%% T001 --> T002").empty());
    CHECK(read("subgraph P3[\"Phase 3: US1\"]") == "subgraph P3[Phase 3: US1]");
    CHECK(read("subgraph Setup") == "subgraph Setup");
    for (std::string_view l : {"end", "classDef done fill:#4CAF50", "class T001,T002 done", "style T001 fill:#f9f",
                               "linkStyle 0 stroke:#f00", "click T001 \"https://x\"", "direction LR", "graph TD",
                               "flowchart LR"})
      CHECK_MESSAGE(read(l).empty(), l);
  }

  TEST_CASE("text that stops being Mermaid keeps what came before") {
    CHECK(read("T001 --> T002 then T003") == "T001>T002");
    CHECK(read("T001 -->") == "T001");
    CHECK(read("T001[unclosed --> T002").empty());
    CHECK(read("Phase 1 --> Phase 2") == "Phase");
    CHECK(read("").empty());
  }
}
