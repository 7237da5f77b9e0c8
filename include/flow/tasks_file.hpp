// SPDX-License-Identifier: MIT
// Reading a tasks.md from disk and replacing it atomically with new marks.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/tasks_md.hpp>

#include <cstddef>
#include <span>
#include <string>

namespace flow {
FLOW_BEGIN_NAMESPACE

/// The most read_file() reads unless told otherwise: 64 MiB. A tasks.md (or a config) is
/// a few hundred KiB at most; `/dev/zero` or a log given by mistake is not read to the end.
inline constexpr std::size_t kMaxReadBytes = std::size_t{64} << 20;

/// Reads a whole file of at most `max_bytes`. Errc::io with the OS's reason on failure,
/// and for a larger file (or an endless one, such as /dev/zero), saying the limit.
[[nodiscard]] FLOW_API Result<std::string> read_file(const std::string& path, std::size_t max_bytes = kMaxReadBytes);

/// Writes `data` to `path` atomically: a temporary file in the same directory, fsync,
/// the old file's mode kept, rename over `path`, fsync of the directory. A symlink is
/// followed (its target is replaced; the link stays a link). A file with no write
/// permission (chmod 444) is refused with Errc::io, even for root. On any failure (a
/// full disk, say) `path` is left exactly as it was and the temporary is removed.
[[nodiscard]] FLOW_API Result<void> write_file_atomic(const std::string& path, std::string_view data);

/// Sets task marks in the file at `path`. `original` is the text the caller parsed
/// (and `changes` refer to). If the file still holds `original`, exactly the mark bytes
/// change; if it was edited meanwhile, the changes are rebased onto the new text by
/// (ID, line text), or nothing is written and Errc::conflict names the task whose line
/// is no longer what it was. Returns the text now in the file.
/// Thread safety: one writer per file; flow's run lock ensures it.
[[nodiscard]] FLOW_API Result<std::string> update_marks_in_file(const std::string& path,
                                                                std::string_view original,
                                                                std::span<const MarkChange> changes);

FLOW_END_NAMESPACE
}  // namespace flow
