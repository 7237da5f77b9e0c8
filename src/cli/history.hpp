// SPDX-License-Identifier: MIT
// Durations from earlier runs: the journal's task-finished lines, for the estimator.
#pragma once

#include <flow/estimate.hpp>
#include <flow/plan.hpp>

#include <string>
#include <vector>

namespace flow::cli {

/// The succeeded attempts that `<workdir>/.flow/implementation.log` records ("seconds"
/// of task-finished lines), for the tasks of `plan` (by ID: their phase kind, labels and
/// files come from the plan as it is now). Empty without a journal.
[[nodiscard]] std::vector<HistoryEntry> read_history(const std::string& workdir, const Plan& plan);

/// Estimates for every task of `plan` from that history (the default without it).
[[nodiscard]] std::vector<Estimate> history_estimates(const std::string& workdir, const Plan& plan, int* samples = nullptr);

}  // namespace flow::cli
