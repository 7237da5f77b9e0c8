// SPDX-License-Identifier: MIT
#include "platform/spare_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>

namespace flow::detail {

namespace {

// 0, or the errno of the write that failed.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) data.remove_prefix(static_cast<std::size_t>(n));
    else if (n == 0) return EIO;
    else if (errno != EINTR) return errno;
  }
  return 0;
}

std::string_view parent_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view(".") : slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

// Whether the folder of `path` was missing and is made now: one deleted under the run
// (`git clean -fdx` takes `.flow/`) is made again, so the run's files still land.
bool made_parent(const std::string& path, int err) {
  if (err != ENOENT) return false;
  std::error_code ec;
  return std::filesystem::create_directories(std::string(parent_of(path)), ec) && !ec;
}

}  // namespace

void SpareFiles::aim(const std::string& dir, std::size_t keep, mode_t mode) {
  if (dir != dir_ || mode != mode_) {
    drop();
    dir_ = dir;
    mode_ = mode;
    works_ = true;
  }
  keep_ = keep;
  while (spares_.size() > keep_) {
    ::close(spares_.back());
    spares_.pop_back();
  }
}

void SpareFiles::refill() {
#ifdef O_TMPFILE
  while (works_ && !dir_.empty() && spares_.size() < keep_) {
    const int fd = ::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode_);
    if (fd < 0) {
      // Not supported there (EOPNOTSUPP, EISDIR on old kernels): never again for this
      // directory. A full disk or too many open files: later, maybe.
      if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) works_ = false;
      return;
    }
    spares_.push_back(fd);
  }
#endif
}

int SpareFiles::create(const std::string& path, std::string_view data, bool replace) {
  if (works_ && !spares_.empty() && parent_of(path) == dir_) {
    const int fd = spares_.back();
    spares_.pop_back();
    if (const int err = write_all(fd, data); err != 0) {
      ::close(fd);
      errno = err;
      return -1;
    }
    char proc[40];
    std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (::linkat(AT_FDCWD, proc, AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) return fd;
    if (made_parent(path, errno) && ::linkat(AT_FDCWD, proc, AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) return fd;
    const int err = errno;
    ::close(fd);
    if (err == EEXIST && !replace) {
      errno = EEXIST;
      return -1;
    }
    // No /proc, or a filesystem that links no unnamed file: created as usual from now on.
    if (err != EEXIST) works_ = false;
  }
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replace ? O_TRUNC : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode_);
  if (fd < 0 && made_parent(path, errno)) fd = ::open(path.c_str(), flags, mode_);
  if (fd < 0) return -1;
  if (const int err = write_all(fd, data); err != 0) {
    ::close(fd);
    if (!replace) ::unlink(path.c_str());  // made here: nothing half-written is left under the name
    errno = err;
    return -1;
  }
  return fd;
}

int SpareFiles::write_file(const std::string& path, std::string_view data, bool replace) {
  const int fd = create(path, data, replace);
  if (fd < 0) return errno;
  if (::close(fd) != 0 && errno != EINTR) return errno;
  return 0;
}

void SpareFiles::drop() {
  for (const int fd : spares_) ::close(fd);
  spares_.clear();
}

}  // namespace flow::detail
