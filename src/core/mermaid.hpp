// SPDX-License-Identifier: MIT
// Reads the statements of a Mermaid flowchart (```mermaid, `graph TD`) that a dependency
// section draws its order with. Internal; pure.
#pragma once

#include <string_view>
#include <vector>

namespace flow::detail {

/// How a Mermaid link joins two nodes. Only `arrow` (`-->`, `==>`, `-- text -->`,
/// `-->|text|`, longer forms too) says that one comes before the other.
enum class MermaidLink {
  arrow,       ///< solid or thick, one way: `A --> B`, `A ==> B`
  dotted,      ///< `A -.-> B`: a weaker relation the author chose to draw apart
  both_ways,   ///< `A <--> B`
  line,        ///< no head: `A --- B`, `A === B`, `A --o B`, `A --x B`
  invisible,   ///< `A ~~~ B`: layout only
};

/// A node as one statement writes it: `T001`, `T001["T001: Add config"]`, `US1([Story 1])`.
struct MermaidNode {
  std::string_view id;
  std::string_view label;  ///< the text of its shape, without brackets and quotes; may be empty
};

/// One statement: groups of nodes (`A & B` is one group) joined by links.
/// `subgraph P3["Phase 3"]` is a statement of one group, with `subgraph` set.
struct MermaidStatement {
  std::vector<std::vector<MermaidNode>> groups;
  std::vector<MermaidLink> links;  ///< links[k] joins groups[k] and groups[k + 1]
  bool subgraph = false;
};

/// The statements of one line of a flowchart: split at `;`, without its `%%` comment, and
/// without the lines that only style or lay out (`classDef`, `style`, `click`, `end` …).
/// A statement that stops being Mermaid part way keeps what came before.
std::vector<MermaidStatement> mermaid_line(std::string_view line);

}  // namespace flow::detail
