// SPDX-License-Identifier: MIT
// Files made ahead (platform/spare_files.hpp): what create() promises, with spares and
// without them, on a full disk, and that an unused spare leaves nothing behind.
#include "platform/spare_files.hpp"

#include "unit/support.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using flow::detail::SpareFiles;
namespace test = flow::test;

namespace {

int entries(const std::string& dir) {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Whether this directory's filesystem makes unnamed files (tmpfs and ext4 do; some do not).
bool has_tmpfile(const std::string& dir) {
  SpareFiles s;
  s.aim(dir, 1, 0644);
  s.refill();
  return s.ready() == 1;
}

}  // namespace

TEST_CASE("a spare becomes a named file with its content; the directory shows nothing before") {
  test::TempDir dir;
  SpareFiles s;
  s.aim(dir.path, 3, 0600);
  s.refill();
  if (!has_tmpfile(dir.path)) {
    CHECK(s.ready() == 0);  // refused: created as usual below
  } else {
    CHECK(s.ready() == 3);
  }
  CHECK(entries(dir.path) == 0);  // spares have no names
  const std::string path = dir.path + "/T001.prompt.md";
  REQUIRE(s.write_file(path, "the prompt\n") == 0);
  CHECK(test::slurp(path) == "the prompt\n");
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((st.st_mode & 0777) == (0600 & ~mask));  // the mode asked for, under the umask
  if (has_tmpfile(dir.path)) CHECK(s.ready() == 2);
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("create keeps an existing file unless told to replace it, with or without a spare") {
  test::TempDir dir;
  for (const std::size_t keep : {std::size_t{0}, std::size_t{2}}) {
    CAPTURE(keep);
    SpareFiles s;
    s.aim(dir.path, keep, 0644);
    s.refill();
    const std::string path = dir.path + "/files-" + std::to_string(keep);
    REQUIRE(s.write_file(path, "a\nb\n") == 0);
    // Not replacing: EEXIST, and the file is as it was (a spare is not linked over it).
    CHECK(s.write_file(path, "other\n") == EEXIST);
    CHECK(test::slurp(path) == "a\nb\n");
    s.refill();
    // Replacing: the new content, whole (a shorter one leaves nothing of the old).
    CHECK(s.write_file(path, "c\n", true) == 0);
    CHECK(test::slurp(path) == "c\n");
    // The descriptor create() returns writes at the end of what was given.
    const int fd = s.create(dir.path + "/log-" + std::to_string(keep), "start\n", true);
    REQUIRE(fd >= 0);
    CHECK(::write(fd, "more\n", 5) == 5);
    ::close(fd);
    CHECK(test::slurp(dir.path + "/log-" + std::to_string(keep)) == "start\nmore\n");
  }
}

TEST_CASE("a file in another directory than the spares' is created as usual") {
  test::TempDir dir;
  fs::create_directories(dir.path + "/a");
  fs::create_directories(dir.path + "/b");
  SpareFiles s;
  s.aim(dir.path + "/a", 2, 0644);
  s.refill();
  const std::size_t ready = s.ready();
  REQUIRE(s.write_file(dir.path + "/b/x", "x") == 0);
  CHECK(test::slurp(dir.path + "/b/x") == "x");
  CHECK(s.ready() == ready);  // no spare spent on it
  CHECK(entries(dir.path + "/a") == 0);
}

TEST_CASE("a full disk: the write fails with its errno and no file is left under the name") {
  // A write past the file size limit fails as one on a full disk does (EFBIG for
  // ENOSPC); both ways, from a spare and by open(2).
  test::TempDir dir;
  for (const std::size_t keep : {std::size_t{0}, std::size_t{1}}) {
    CAPTURE(keep);
    SpareFiles s;
    s.aim(dir.path, keep, 0644);
    s.refill();
    const std::string path = dir.path + "/big-" + std::to_string(keep);
    int err = 0;
    test::with_file_size_limit(4096, [&] { err = s.write_file(path, std::string(1 << 16, 'x')); });
    CHECK(err == EFBIG);
    CHECK_FALSE(fs::exists(path));
  }
  CHECK(entries(dir.path) == 0);
}

TEST_CASE("spares never named leave nothing behind, and a new directory drops the old one's") {
  test::TempDir dir;
  fs::create_directories(dir.path + "/a");
  fs::create_directories(dir.path + "/b");
  {
    SpareFiles s;
    s.aim(dir.path + "/a", 4, 0644);
    s.refill();
    s.aim(dir.path + "/b", 2, 0644);
    CHECK(s.ready() == 0);  // the first directory's spares are gone
    s.refill();
    CHECK(s.ready() <= 2);
    // Fewer to keep: the extra ones are dropped at once.
    s.aim(dir.path + "/b", 1, 0644);
    CHECK(s.ready() <= 1);
  }
  CHECK(entries(dir.path + "/a") == 0);
  CHECK(entries(dir.path + "/b") == 0);
}
