// SPDX-License-Identifier: MIT
// The journal's readers on text rather than a file, for the fuzzers and tests: what
// `flow status` shows (read_runs) and what a resumed run takes over (the running
// and finished-but-unmarked tasks of a run that did not finish). Internal.
#pragma once

#include <flow/run.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flow::detail {

/// read_runs on the journal's text.
std::vector<JournalRun> read_runs_text(std::string_view journal, const std::string& tasks_path);

/// The last run of `tasks_path` in the journal, if it did not finish: how many tasks it
/// left running and how many finished unmarked.
std::optional<std::pair<std::size_t, std::size_t>> previous_run_text(std::string_view journal, const std::string& tasks_path);

}  // namespace flow::detail
