// SPDX-License-Identifier: MIT
// An attempt's prompt and its task's file list.
#include "runtime/prompt.hpp"

#include "platform/spare_files.hpp"
#include "support/text.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string_view>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace flow::detail {

namespace {

// Writes `data` to a new file at `path` (`replace`: over one that is there; else one
// that is there is kept): 0, or the errno of what failed. From the run's spare files
// where it has them (platform/spare_files.hpp); else with plain system calls, one each.
int put(SpareFiles* spares, const std::string& path, std::string_view data, bool replace) {
  if (spares) return spares->write_file(path, data, replace);
  SpareFiles none;
  none.aim({}, 0, 0666);
  return none.write_file(path, data, replace);
}

}  // namespace

std::vector<std::string> files_of(const Task& task) {
  std::vector<std::string> out;
  for (const PathRef& p : task.paths)
    if (!p.absolute) out.push_back(p.path);  // resolve_paths() made the rest relative or dropped them
  return out;
}

std::string task_files(const Task& task) {
  std::string out;
  for (const std::string& f : files_of(task)) out += f + "\n";
  return out;
}

namespace {

// What the agent is told of the work finished in this run: not all of it (that list
// grows with the run, and every line is paid for in input tokens on every task), but
// what this task waits for, what touched its files and its story's recent work, within
// a cap, and where the rest is.
void write_done_so_far(std::ostream& p, const PromptContext& ctx, const Task& tk, int index) {
  if (!ctx.done || ctx.done->finished() == 0) return;
  const DoneSelection s = ctx.done->select(index);
  const std::string scope = tk.story > 0 ? "User story " + std::to_string(tk.story)
                                         : ctx.done->graph().plan().phases[static_cast<std::size_t>(tk.phase)].title;
  p << "\n## Done so far in this run\n\n";
  p << s.finished << " task" << (s.finished == 1 ? "" : "s") << " finished in this run; " << s.story_done << " of "
    << s.story_total << " in " << (scope.empty() ? std::string("this task's section") : scope) << ".\n";
  for (const std::string& gate : s.gates) p << "Everything in " << gate << " is finished.\n";
  const char* heading = nullptr;
  for (const auto& item : s.shown) {
    const char* h = item.reason == DoneReason::prerequisite ? "What this task waits for"
                    : item.reason == DoneReason::same_file  ? "Earlier tasks that named its files"
                                                            : "Recent work in the same section";
    if (h != heading) p << "\n" << (heading = h) << ":\n\n";
    p << "- " << *item.line << "\n";
  }
  if (s.others > 0)
    p << "\n" << (s.shown.empty() ? "All " : "") << s.others << (s.shown.empty() ? "" : " other") << " finished task"
      << (s.others == 1 ? " is" : "s are") << " not listed: they are marked done in " << ctx.tasks_path
      << ", and each one's outcome is in the journal " << ctx.journal_path << ".\n";
}

}  // namespace

std::vector<std::string> feature_docs(const std::string& tasks_path, const std::string& workdir) {
  const fs::path feature = fs::path(tasks_path).parent_path();
  std::vector<std::string> docs;
  std::error_code ec;
  for (const char* name : {"spec.md", "plan.md", "data-model.md", "research.md", "quickstart.md"})
    if (fs::exists(feature / name, ec)) docs.push_back((feature / name).string());
  if (fs::is_directory(feature / "contracts", ec))
    for (const auto& e : fs::directory_iterator(feature / "contracts", ec)) docs.push_back(e.path().string());
  for (const char* c : {".specify/memory/constitution.md", "memory/constitution.md"})
    if (fs::exists(fs::path(workdir) / c, ec)) docs.push_back((fs::path(workdir) / c).string());
  return docs;
}

bool write_prompt(const std::string& path, const PromptContext& ctx, const Task& tk, int index, int attempt,
                  const std::string& previous_failure, const std::string& dir, std::string* error) {
  std::ostringstream p;
  p << "# Task " << tk.id << "\n\nYou are implementing one task of a feature's tasks.md ("
    << ctx.tasks_path << ", line " << tk.line << "):\n\n";
  const std::string_view text(ctx.plan_text);
  // A table's row, under its table's header and separator rows: which cell is which.
  if (tk.form == TaskForm::status_row || (tk.span.offset < text.size() && text[tk.span.offset] == '|')) {
    std::size_t at = tk.span.offset;
    const auto line_before = [&](std::size_t end) {  // the line ending just before `end`
      const std::size_t start = end < 2 ? 0 : text.rfind('\n', end - 2);
      return text.substr(start == std::string_view::npos ? 0 : start + 1, end - 1 - (start == std::string_view::npos ? 0 : start + 1));
    };
    std::vector<std::string_view> rows;  // up to the separator row and the header above it
    while (at > 0 && rows.size() < 200) {
      const std::string_view above = line_before(at);
      if (!starts_with(trim(above), "|")) break;
      rows.push_back(above);
      at -= above.size() + 1;
      if (above.find_first_not_of("|-: \t\r") == std::string_view::npos) {
        if (at > 0) rows.push_back(line_before(at));
        break;
      }
    }
    if (rows.size() >= 2 && rows.back().find_first_not_of("|-: \t\r") != std::string_view::npos &&
        rows[rows.size() - 2].find_first_not_of("|-: \t\r") == std::string_view::npos)
      p << rows.back() << "\n" << rows[rows.size() - 2] << "\n";
  }
  p << text.substr(tk.span.offset, tk.span.length) << "\n";
  if (tk.body_first > 0) {
    std::size_t pos = tk.span.offset + tk.span.length + 1;
    for (int line = tk.line + 1; line <= tk.body_last && pos < text.size(); ++line) {
      const std::size_t nl = text.find('\n', pos);
      const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
      p << text.substr(pos, end - pos) << "\n";
      pos = end + 1;
    }
  }
  std::vector<std::string> probed;
  if (!ctx.docs) probed = feature_docs(ctx.tasks_path, ctx.workdir);
  const std::vector<std::string>& docs = ctx.docs ? *ctx.docs : probed;
  if (!docs.empty()) {
    p << "\n## The feature's documents (read what you need)\n\n";
    for (const auto& d : docs) p << "- " << d << "\n";
  }
  if (const std::vector<std::string> files = files_of(tk); !files.empty()) {
    p << "\n## Files this task names\n\n";
    for (const auto& f : files) p << "- " << f << "\n";
  }
  write_done_so_far(p, ctx, tk, index);
  if (attempt > 1 && !previous_failure.empty())
    p << "\n## The previous attempt failed (attempt " << attempt - 1 << ")\n\n```\n" << previous_failure << "```\n";
  p << ctx.guidance;  // a strategy, an instruction, a person's hint: as data, never run
  p << "\n## Rules\n\n- Do this task only; other tasks are done by others, perhaps at the same time.\n"
    << "- Do not edit " << fs::path(ctx.tasks_path).filename().string() << ": flow marks tasks done itself.\n"
    << "- Work in " << dir << "; touch only the files this task needs.\n";
  const int err = put(ctx.spares, path, p.str(), true);
  if (err != 0 && error) *error = "cannot write the prompt " + path + ": " + std::strerror(err);
  return err == 0;
}

std::vector<std::string> task_files_env(const Task& task, const std::string& path, std::string* write_error,
                                        SpareFiles* spares) {
  // One environment string may not exceed 128 KiB on Linux: the attempt could not start.
  static constexpr std::size_t kMaxInEnvironment = 32 * 1024;
  std::string files = task_files(task);
  std::vector<std::string> env;
  // Written once per task (its attempts, gates and hooks share it): made only if it is
  // not there yet, which the one call both asks and does.
  const int err = put(spares, path, files, false);
  if (err != 0 && err != EEXIST) {
    // Without the file a long list reaches nobody: the caller says so in the journal,
    // and the attempt sees what fits.
    if (write_error) *write_error = std::strerror(err);
    std::error_code ec;
    fs::remove(path, ec);
  } else {
    env.push_back("FLOW_TASK_FILES_FILE=" + path);
  }
  if (files.size() <= kMaxInEnvironment) env.push_back("FLOW_TASK_FILES=" + std::move(files));
  return env;
}

}  // namespace flow::detail
