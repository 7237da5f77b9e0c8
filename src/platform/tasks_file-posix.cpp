// SPDX-License-Identifier: MIT
// Reading tasks.md and replacing it atomically (POSIX: mkstemp, fsync, rename).
#include <flow/tasks_file.hpp>

#include "platform/marks_file.hpp"
#include "support/test_hook.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

Unexpected io_error(const std::string& what, const std::string& path, int err) {
  return make_error(Errc::io, what + " " + path + ": " + std::strerror(err));
}

Result<void> write_all(int fd, std::string_view data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

std::string dir_of(const std::string& path) {
  const std::size_t s = path.rfind('/');
  if (s == std::string::npos) return ".";
  if (s == 0) return "/";
  return path.substr(0, s);
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  std::string out;
  auto too_big = [&] {
    ::close(fd);
    return make_error(Errc::io, path + " is larger than " + std::to_string(max_bytes >> 20) + " MiB (" +
                                    std::to_string(max_bytes) + " bytes), the most flow reads: not read");
  };
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_big();
    out.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[65536];
  for (;;) {
    if (out.size() > max_bytes) return too_big();  // a device or a pipe that does not end
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return io_error("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

namespace {

// write_file_atomic(), and with `expect`: the file must still hold *expect when the new
// text is ready to take its place (checked just before the rename), else nothing changes
// and the result is Errc::conflict.
Result<void> replace_file(const std::string& given, std::string_view data, const std::string* expect) {
  // A symlink is followed: its target is the file that changes, and the link stays.
  std::string path = given;
  if (struct stat lst {}; ::lstat(given.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)) {
    char* real = ::realpath(given.c_str(), nullptr);
    if (real == nullptr) return io_error("cannot follow the link", given, errno);
    path = real;
    std::free(real);
  }
  const std::string dir = dir_of(path);
  const std::size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp = dir + "/." + base + ".flow-XXXXXX";
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  // Root may write anything: the mode is what says the user wants the file left alone.
  if (existed && (st.st_mode & 0222) == 0)
    return make_error(Errc::io, path + " is read-only: flow will not replace it (make it writable with chmod u+w)");
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error("cannot create a temporary file in", dir, errno);

  auto fail = [&](Unexpected e) -> Result<void> {
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  if (existed && ::fchmod(fd, st.st_mode & 07777) != 0) return fail(io_error("cannot set the mode of", tmp, errno));
  // Its owner too, where we may (root rewriting a user's file); elsewhere it is ours anyway.
  if (existed && (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) && ::fchown(fd, st.st_uid, st.st_gid) != 0) {
  }
  if (auto w = write_all(fd, data, tmp); !w) return fail(Unexpected{std::move(w).error()});
  if (::fsync(fd) != 0) return fail(io_error("cannot flush", tmp, errno));
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot close", tmp, err);
  }
  if (expect != nullptr) {
    // The write and its flush take milliseconds: an editor's save in them would be lost
    // by the rename. What is left is the window between this read and the rename.
    detail::test_pause("marks-before-rename");
    auto now = read_file(path);
    if (!now || *now != *expect) {
      ::unlink(tmp.c_str());
      if (!now) return Unexpected{std::move(now).error()};
      return make_error(Errc::conflict, path + " changed while flow wrote its marks: not replaced");
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return io_error("cannot replace", path, err);
  }
  // The rename is durable only once the directory entry is.
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace

Result<void> write_file_atomic(const std::string& given, std::string_view data) {
  return replace_file(given, data, nullptr);
}

Result<std::string> update_marks_in_file(const std::string& path, std::string_view original,
                                         std::span<const MarkChange> changes) {
  const Plan plan = parse_tasks_md(original);
  detail::MarksFile file(path, std::string(original), plan);
  if (auto set = file.set(original, plan, changes); !set) return Unexpected{std::move(set).error()};
  return file.text();
}

FLOW_END_NAMESPACE

namespace detail {
Result<void> write_file_if_unchanged(const std::string& path, std::string_view data, const std::string& expect) {
  return replace_file(path, data, &expect);
}
}  // namespace detail

}  // namespace flow
