// SPDX-License-Identifier: MIT
// The atomic file update against a real file system.
#include <flow/tasks_file.hpp>

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
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto w = write_file_atomic(path, std::string(1 << 20, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == Errc::io);
  CHECK(test::slurp(path) == original);
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);
}
