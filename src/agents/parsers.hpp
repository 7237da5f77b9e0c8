// SPDX-License-Identifier: MIT
// The stream parsers of the agent CLIs that have their own event schema. Internal.
#pragma once

#include <flow/agent.hpp>

#include <memory>

namespace flow::detail {

std::unique_ptr<StreamParser> make_codex_parser();
std::unique_ptr<StreamParser> make_gemini_parser();
std::unique_ptr<StreamParser> make_opencode_parser();
std::unique_ptr<StreamParser> make_copilot_parser();
std::unique_ptr<StreamParser> make_aider_parser();

}  // namespace flow::detail
