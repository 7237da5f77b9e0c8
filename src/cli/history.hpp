// SPDX-License-Identifier: MIT
// Durations from earlier runs: the journal's task-finished lines, for the estimator.
#pragma once

#include <flow/estimate.hpp>
#include <flow/plan.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace flow::cli {

/// The succeeded attempts that `<workdir>/.flow/implementation.log` records ("seconds"
/// of task-finished lines), for the tasks of `plan`, read from `tasks_path` as
/// `plan_text`. A task of this file is known by its ID and its line's text (a line that
/// now says something else is another task); a task of another file in the work
/// directory (another feature), by that file as it is now, counts only for its kind of
/// work, labels and size, never by ID. Empty without a journal.
[[nodiscard]] std::vector<HistoryEntry> read_history(const std::string& workdir, const std::string& tasks_path, const Plan& plan,
                                                     std::string_view plan_text);

/// Estimates for every task of `plan` from that history (the default without it).
[[nodiscard]] std::vector<Estimate> history_estimates(const std::string& workdir, const std::string& tasks_path, const Plan& plan,
                                                      std::string_view plan_text, int* samples = nullptr);

}  // namespace flow::cli
