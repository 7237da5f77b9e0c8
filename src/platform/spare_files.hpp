// SPDX-License-Identifier: MIT
// Files made ahead of need. Creating a file allocates an inode, which on a loaded disk
// takes from 10 µs to over 300 µs (measured on ext4 under a virtual machine), and an
// attempt's files (its prompt, the list of its task's files, its log) are created right
// where the next agent waits to start. A SpareFiles keeps a few unnamed files (Linux's
// O_TMPFILE) made in a directory while nothing waits (refill), and gives a file its
// name and its content when it is needed: a write and a link (about 20 µs). A spare
// that is never named leaves nothing behind: its inode goes with its descriptor, however
// the process ends; and a file appears under its name only once its content is written.
// Where the filesystem has no O_TMPFILE (or /proc is not mounted), files are created as
// usual, and so they are when no spare is left. Not thread-safe. Internal.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flow::detail {

class SpareFiles {
 public:
  SpareFiles() = default;
  ~SpareFiles() { drop(); }
  SpareFiles(const SpareFiles&) = delete;
  SpareFiles& operator=(const SpareFiles&) = delete;

  /// Spares go in `dir` (an existing directory), `keep` of them at a time, with `mode`
  /// (the umask applies, as to any file created). Another directory drops the spares
  /// made for the one before.
  void aim(const std::string& dir, std::size_t keep, mode_t mode);

  /// Makes spares up to the number to keep: the work done ahead, where nothing waits.
  /// Stops at the first failure (a full disk, a filesystem without O_TMPFILE).
  void refill();

  /// Creates `path` holding `data`, from a spare when `path` is in the directory and a
  /// spare is left, else by open(2); returns the descriptor (close-on-exec, open for
  /// writing at the end of `data`), or -1 with errno set. Like open(2) with O_EXCL, it
  /// fails with EEXIST when `path` exists; with `replace`, that file is truncated and
  /// written over instead.
  [[nodiscard]] int create(const std::string& path, std::string_view data, bool replace = false);

  /// create(), closing the descriptor: 0, or the errno of what failed.
  [[nodiscard]] int write_file(const std::string& path, std::string_view data, bool replace = false);

  /// How many spares are ready (for tests).
  [[nodiscard]] std::size_t ready() const { return spares_.size(); }

 private:
  void drop();

  std::string dir_;
  std::size_t keep_ = 0;
  mode_t mode_ = 0644;
  bool works_ = true;  // false once the directory's filesystem refused a spare or its link
  std::vector<int> spares_;
};

}  // namespace flow::detail
