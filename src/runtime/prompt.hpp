// SPDX-License-Identifier: MIT
// What an attempt's agent is told: its prompt file, and the files its task names as the
// agent, gates and hooks get them (FLOW_TASK_FILES, FLOW_TASK_FILES_FILE). Internal.
#pragma once

#include <flow/plan.hpp>

#include "core/done_context.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

class SpareFiles;

/// The run's side of a prompt: what every task's prompt is written from.
struct PromptContext {
  std::string_view plan_text;                      ///< the text the plan was parsed from (task spans)
  std::string tasks_path;                          ///< tasks.md, absolute
  std::string workdir;                             ///< the repository (its constitution)
  const DoneLog* done = nullptr;                   ///< what finished so far in this run
  std::string journal_path;                        ///< where every finished task's outcome is
  std::string_view guidance;                       ///< the recovery ladder's sections (runtime/ladder.hpp), verbatim
  const std::vector<std::string>* docs = nullptr;  ///< feature_docs(), kept by the caller; probed per prompt when null
  SpareFiles* spares = nullptr;                    ///< files made ahead in the prompt's directory, if any
};

/// The feature's documents a prompt points to, those that exist: spec.md, plan.md,
/// data-model.md, research.md, quickstart.md and contracts/ beside tasks.md, and the
/// repository's constitution. Eight lookups: a run keeps the answer for a while.
[[nodiscard]] std::vector<std::string> feature_docs(const std::string& tasks_path, const std::string& workdir);

/// The files a task names, as every consumer hands them out (the prompt, the
/// environment): relative to the repository, never absolute, never outside it.
[[nodiscard]] std::vector<std::string> files_of(const Task& task);
/// files_of(task), one a line.
[[nodiscard]] std::string task_files(const Task& task);

/// Writes the prompt of `task`'s attempt `attempt` to `path`: the task and its body, the
/// feature's documents, the files it names, what is done so far that concerns it (task
/// `index` of the graph), the previous failure on a retry, and the rules (`dir`: where
/// the attempt works). False (with why in `error`) when the prompt did not reach the
/// disk whole.
bool write_prompt(const std::string& path, const PromptContext& ctx, const Task& task, int index, int attempt,
                  const std::string& previous_failure, const std::string& dir, std::string* error = nullptr);

/// The files a task names, for its agent, gates and hooks: always in the file
/// `files_path` (one a line, written once), and in FLOW_TASK_FILES too unless the list is
/// long. When that file could not be written, `write_error` (if given) gets why.
/// `spares`: files made ahead in its directory, if any.
[[nodiscard]] std::vector<std::string> task_files_env(const Task& task, const std::string& files_path,
                                                      std::string* write_error = nullptr, SpareFiles* spares = nullptr);

}  // namespace flow::detail
