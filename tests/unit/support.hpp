// SPDX-License-Identifier: MIT
// Helpers shared by the unit tests: test data, the corpus, temp dirs, plan rendering.
#pragma once

#include <flow/graph.hpp>
#include <flow/plan.hpp>

#include <functional>
#include <string>
#include <vector>

namespace flow::test {

/// Absolute path of a file under tests/data.
std::string data_path(const std::string& rel);
/// Reads a file whole; fails the test if it cannot.
std::string slurp(const std::string& path);
/// Every corpus file (tests/data/corpus/*.md), sorted by name.
std::vector<std::string> corpus_files();
/// The tasks that a corpus file's real cycle must name (the file contradicts itself as
/// CommonMark reads it), or an empty list for a file that must plan.
/// A fresh empty directory under the system temp dir, removed by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};
/// Runs `f` with files limited to `bytes` (RLIMIT_FSIZE, SIGXFSZ ignored): a write past
/// the limit fails with EFBIG, as one on a full disk fails with ENOSPC, with no privilege
/// or special filesystem. The limit is lifted when `f` returns or throws.
void with_file_size_limit(unsigned long bytes, const std::function<void()>& f);
/// A stable, readable rendering of the parsed tasks, one line each, for golden files.
std::string render_tasks(const Plan& plan);
/// The task list alone, one line a task in document order, in the form of the golden
/// task lists under tests/data/golden-tasks:
/// `L<line> <ID> <pending|done|other> <checkbox|heading|bold-item|unnumbered>[ P][ <story>]`.
std::string render_task_list(const Plan& plan);
/// Checks invariants every Plan must hold for `text` (spans, marks, indices).
void check_invariants(const std::string& text, const Plan& plan);
/// The graph of `text`; fails the test (with the message) if it does not build.
TaskGraph graph_of(const std::string& text, GraphOptions options = {});
/// The index of the task with ID `id`; fails the test if there is none.
int index_of(const TaskGraph& g, const std::string& id);

}  // namespace flow::test
