// SPDX-License-Identifier: MIT
// The atomic file update against a real file system.
#include <flow/tasks_file.hpp>

#include "platform/marks_file.hpp"

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace flow;
namespace fs = std::filesystem;

namespace {

void put(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

}  // namespace

TEST_CASE("update_marks_in_file writes the mark, keeps the mode and leaves no temporary") {
  test::TempDir dir;
  const std::string path = dir.path + "/tasks.md";
  const std::string text = "\xEF\xBB\xBF# T\r\n- [ ] T001 a  \r\n- [ ] T002 b";
  put(path, text);
  ::chmod(path.c_str(), 0640);
  std::vector<MarkChange> c{{2, "T001", true}};
  auto r = update_marks_in_file(path, text, c);
  REQUIRE(r);
  CHECK(test::slurp(path) == "\xEF\xBB\xBF# T\r\n- [X] T001 a  \r\n- [ ] T002 b");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("a concurrent edit is rebased, or refused without writing") {
  test::TempDir dir;
  const std::string path = dir.path + "/tasks.md";
  const std::string original = "- [ ] T001 a\n- [ ] T002 b\n";
  std::vector<MarkChange> c{{2, "T002", true}};

  put(path, "Intro line\n" + original);
  auto r = update_marks_in_file(path, original, c);
  REQUIRE(r);
  CHECK(test::slurp(path) == "Intro line\n- [ ] T001 a\n- [X] T002 b\n");

  const std::string edited = "- [ ] T001 a\n- [ ] T002 rewritten by the user\n";
  put(path, edited);
  auto e = update_marks_in_file(path, original, c);
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Errc::conflict);
  CHECK(test::slurp(path) == edited);
}

TEST_CASE("I/O failures are errors that name the file") {
  auto r = read_file("/nonexistent/dir/tasks.md");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::io);
  CHECK(r.error().message.find("/nonexistent/dir/tasks.md") != std::string::npos);
  auto w = write_file_atomic("/nonexistent/dir/tasks.md", "x");
  REQUIRE_FALSE(w);
  CHECK(w.error().code == Errc::io);
}

TEST_CASE("a write that fails midway (a full disk) leaves the file untouched and no temporary") {
  // RLIMIT_FSIZE makes write() fail with EFBIG past the limit, as ENOSPC would on a
  // full disk, and works without privileges or a special file system.
  test::TempDir dir;
  const std::string path = dir.path + "/tasks.md";
  const std::string original = "- [ ] T001 a\n";
  put(path, original);
  Result<void> w;
  test::with_file_size_limit(4096, [&] { w = write_file_atomic(path, std::string(1 << 20, 'x')); });
  REQUIRE_FALSE(w);
  CHECK(w.error().code == Errc::io);
  CHECK(test::slurp(path) == original);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("marks on flow's own text are set without a parse; an edit is parsed once and kept") {
  test::TempDir dir;
  const std::string path = dir.path + "/tasks.md";
  std::string text = "# Tasks\n";
  for (int i = 1; i <= 400; ++i) text += "- [ ] T" + std::to_string(1000 + i) + " Task " + std::to_string(i) + "\n";
  put(path, text);
  const Plan plan = parse_tasks_md(text);
  detail::MarksFile file(path, text, plan);
  // 200 batches of two marks, as a run sets them: no parse, one rewrite each.
  for (int b = 0; b < 200; ++b) {
    const std::vector<MarkChange> c{{2 + 2 * b, plan.tasks[static_cast<std::size_t>(2 * b)].id, true},
                                    {3 + 2 * b, plan.tasks[static_cast<std::size_t>(2 * b + 1)].id, true}};
    REQUIRE(file.set(text, plan, c));
  }
  CHECK(file.parses() == 0);
  CHECK(file.writes() == 200);
  std::string want = text;
  for (std::size_t at = want.find("- [ ]"); at != std::string::npos; at = want.find("- [ ]", at)) want[at + 3] = 'X';
  CHECK(test::slurp(path) == want);
  CHECK(file.text() == want);
  CHECK(file.plan().tasks.back().state == TaskState::done);

  // Marks already there: nothing to write.
  const std::vector<MarkChange> again{{2, plan.tasks[0].id, true}};
  REQUIRE(file.set(text, plan, again));
  CHECK(file.writes() == 200);

  // The user adds a line at the top and a task at the end: parsed once, the edit kept,
  // the mark found on its moved line, the plan flow keeps the parse of the new text.
  std::string edited = "Intro\n" + want + "- [ ] T2000 Added by hand\n";
  edited[edited.find("- [X] T1400") + 3] = ' ';  // and clears a mark
  put(path, edited);
  const std::vector<MarkChange> undo{{401, "T1400", false}};  // line 401 in the run's plan
  const std::vector<MarkChange> redo{{401, "T1400", true}};
  REQUIRE(file.set(text, plan, redo));
  CHECK(file.parses() == 1);
  CHECK(test::slurp(path) == "Intro\n" + want + "- [ ] T2000 Added by hand\n");
  const Plan reparsed = parse_tasks_md(file.text());
  REQUIRE(reparsed.tasks.size() == file.plan().tasks.size());
  for (std::size_t i = 0; i < reparsed.tasks.size(); ++i) CHECK(reparsed.tasks[i].state == file.plan().tasks[i].state);
  REQUIRE(file.set(text, plan, undo));
  CHECK(file.parses() == 1);  // its own text again: no parse
  CHECK(test::slurp(path).find("- [ ] T1400 Task 400\n") != std::string::npos);

  // A task whose line the user changed: refused, nothing written.
  std::string renamed = test::slurp(path);
  renamed.replace(renamed.find("Task 7\n"), 7, "Task seven\n");
  put(path, renamed);
  const std::vector<MarkChange> seventh{{8, "T1007", false}};
  auto refused = file.set(text, plan, seventh);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::conflict);
  CHECK(test::slurp(path) == renamed);
}

TEST_CASE("after a failed write, the next marks read the file again") {
  test::TempDir dir;
  const std::string path = dir.path + "/tasks.md";
  const std::string text = "- [ ] T001 a\n- [ ] T002 b\n";
  put(path, text);
  const Plan plan = parse_tasks_md(text);
  detail::MarksFile file(path, text, plan);
  ::chmod(path.c_str(), 0444);  // refused by write_file_atomic, whoever runs the test
  const std::vector<MarkChange> first{{1, "T001", true}};
  REQUIRE_FALSE(file.set(text, plan, first));
  ::chmod(path.c_str(), 0644);
  CHECK(test::slurp(path) == text);
  const std::vector<MarkChange> second{{2, "T002", true}};
  REQUIRE(file.set(text, plan, second));
  CHECK(file.parses() == 1);  // what it held was not what the file held
  CHECK(test::slurp(path) == "- [ ] T001 a\n- [X] T002 b\n");
}
