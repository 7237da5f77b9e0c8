// SPDX-License-Identifier: MIT
// What looks like a secret, masked: in the output files of the processes a run starts
// (agents, gates, hooks, checks) and in the failure lines it quotes. Internal.
#pragma once

#include <string>
#include <string_view>

namespace flow::detail {

/// `text` with what looks like a secret replaced by "[redacted]": the values of flow's
/// own secret-named environment variables (ANTHROPIC_API_KEY, GH_TOKEN …), values of KEY=,
/// token:, password= …, Bearer tokens, and keys shaped like sk-…, ghp_…, AKIA…, AIza….
[[nodiscard]] std::string redact_secrets(std::string_view text);
/// The file at `path` (a process's output) with the values of flow's secret-named
/// environment variables masked, rewritten atomically only if it holds one.
void redact_secret_values_in_file(const std::string& path);

}  // namespace flow::detail
