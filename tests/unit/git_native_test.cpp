// SPDX-License-Identifier: MIT
// Which main indexes libgit2 may write back for tasks.md's entry: the header and the
// extensions of index files put together byte by byte. Which index.lock a killed run
// left and the next one removes: files made as set_index_entry() makes them.
#include "runtime/git_native.hpp"

#include <doctest/doctest.h>

#include "support.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using flow::detail::index_cli_needed;
using flow::detail::release_killed_index_lock;

namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A version 2 entry: stat data, a blob ID, flags with the name's length, the name, and
// NUL padding to a multiple of 8 (at least one NUL).
std::string entry(const std::string& name) {
  std::string e(40, '\x01');          // ctime, mtime, dev, ino, mode, uid, gid, size
  e += std::string(20, '\xab');       // object ID
  const std::uint32_t len = name.size() < 0xfff ? static_cast<std::uint32_t>(name.size()) : 0xfff;
  e += static_cast<char>(len >> 8);
  e += static_cast<char>(len & 0xff);
  e += name;
  e += std::string(8 - (e.size() % 8), '\0');
  return e;
}

std::string extension(const std::string& sig, const std::string& data) { return sig + be32(static_cast<std::uint32_t>(data.size())) + data; }

std::string index(std::uint32_t version, const std::vector<std::string>& names, const std::string& extensions,
                  char checksum = '\x5a', int count = -1) {
  std::string d = "DIRC" + be32(version) + be32(count < 0 ? static_cast<std::uint32_t>(names.size()) : static_cast<std::uint32_t>(count));
  for (const std::string& n : names) d += entry(n);
  return d + extensions + std::string(20, checksum);
}

const std::string tree = extension("TREE", std::string("\0" "2 1\n", 5) + std::string(20, '\x11') + std::string("specs\0" "1 0\n", 10) +
                                               std::string(20, '\x22'));

}  // namespace

TEST_CASE("an index of version 2 with the cache tree and resolve-undo is written back") {
  CHECK(index_cli_needed(index(2, {"README", "specs/tasks.md"}, "")) == "");
  CHECK(index_cli_needed(index(2, {"README", "specs/tasks.md"}, tree)) == "");
  CHECK(index_cli_needed(index(2, {"README"}, tree + extension("REUC", std::string("a\0" "100644\0" "0\0" "0\0", 14) + std::string(20, '\x33')))) == "");
  // Names of 0xfff bytes and more are found by their NUL.
  CHECK(index_cli_needed(index(2, {std::string(5000, 'n'), "z"}, tree)) == "");
  CHECK(index_cli_needed(index(2, {std::string(0xffe, 'n')}, tree)) == "");
  CHECK(index_cli_needed(index(2, {}, "")) == "");
}

TEST_CASE("an index with an extension libgit2 drops, or of another version, stays with git") {
  const std::vector<std::string> names{"README", "specs/tasks.md"};
  CHECK(index_cli_needed(index(2, names, tree + extension("UNTR", std::string(30, '\x07')))) == "the index has the extension UNTR");
  CHECK(index_cli_needed(index(2, names, extension("FSMN", std::string(12, '\x01')) + tree)) == "the index has the extension FSMN");
  CHECK(index_cli_needed(index(2, names, extension("link", std::string(20, '\x01')))) == "the index has the extension link");
  CHECK(index_cli_needed(index(2, names, extension("sdir", ""))) == "the index has the extension sdir");
  CHECK(index_cli_needed(index(2, names, tree + extension("EOIE", std::string(24, '\x01')))) == "the index has the extension EOIE");
  CHECK(index_cli_needed(index(2, names, tree + extension("IEOT", std::string(12, '\x01')))) == "the index has the extension IEOT");
  CHECK(index_cli_needed(index(3, names, tree)) == "the index is version 3");
  CHECK(index_cli_needed(index(4, names, tree)) == "the index is version 4");
  CHECK(index_cli_needed(index(2, names, tree, '\0')) == "the index has no checksum (index.skipHash)");
}

TEST_CASE("an index that is not as git writes it stays with git") {
  CHECK(index_cli_needed("") == "the index is not one git wrote");
  CHECK(index_cli_needed(std::string(40, 'x')) == "the index is not one git wrote");
  CHECK(index_cli_needed(index(2, {"README"}, "", '\x5a', 3)) == "the index is cut short");
  CHECK(index_cli_needed(index(2, {"README"}, "TREE" + be32(1000) + "abc")) == "the index is cut short");
  CHECK(index_cli_needed(index(2, {"README"}, "TRE")) == "the index is not one git wrote");
}

namespace {

void touch(const std::string& path) { std::ofstream(path) << "x"; }
bool exists(const std::string& path) { return std::filesystem::exists(std::filesystem::symlink_status(path)); }

}  // namespace

TEST_CASE("the index.lock a killed run held is removed; any other stays") {
  flow::test::TempDir git;
  const std::string held = git.path + "/flow-index.held", lock = git.path + "/index.lock";
  SUBCASE("one file under both names: the dead run's lock, removed with its twin and its new index") {
    touch(held);
    REQUIRE(::link(held.c_str(), lock.c_str()) == 0);
    touch(git.path + "/flow-index.new");
    touch(git.path + "/flow-index.new.lock");
    CHECK(release_killed_index_lock(git.path) == "removed " + lock + ", which a killed run held");
    CHECK_FALSE(exists(lock));
    CHECK_FALSE(exists(held));
    CHECK_FALSE(exists(git.path + "/flow-index.new"));
    CHECK_FALSE(exists(git.path + "/flow-index.new.lock"));
    // The git directory as libgit2 names it, ending in '/': the same.
    touch(held);
    REQUIRE(::link(held.c_str(), lock.c_str()) == 0);
    CHECK(release_killed_index_lock(git.path + "/") == "removed " + lock + ", which a killed run held");
    CHECK_FALSE(exists(lock));
  }
  SUBCASE("a lock that is another file: someone else's (a git command of the user's), kept") {
    touch(held);
    touch(lock);
    CHECK(release_killed_index_lock(git.path) == "");
    CHECK(exists(lock));
    CHECK_FALSE(exists(held));
  }
  SUBCASE("a lock and no twin: kept") {
    touch(lock);
    CHECK(release_killed_index_lock(git.path) == "");
    CHECK(exists(lock));
  }
  SUBCASE("a twin alone (killed before it became the lock): removed, nothing said") {
    touch(held);
    CHECK(release_killed_index_lock(git.path) == "");
    CHECK_FALSE(exists(held));
  }
  SUBCASE("a symbolic link to the twin is not the twin") {
    touch(held);
    REQUIRE(::symlink(held.c_str(), lock.c_str()) == 0);
    CHECK(release_killed_index_lock(git.path) == "");
    CHECK(exists(lock));
  }
}
