// SPDX-License-Identifier: MIT
// Named pause points for the crash and race tests: with FLOW_TEST_PAUSE=<point> in its
// environment, flow stops at that point (creating the file FLOW_TEST_PAUSE_FILE, if
// set, to say it is there) for 30 s, or FLOW_TEST_PAUSE_MS milliseconds, so that a test
// can kill -9 it, or change a file under it, at an exact moment. Nothing sets these
// outside tests. Internal.
#pragma once

#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

namespace flow::detail {

inline void test_pause(const char* point) {
  const char* want = std::getenv("FLOW_TEST_PAUSE");
  if (want == nullptr || std::strcmp(want, point) != 0) return;
  if (const char* file = std::getenv("FLOW_TEST_PAUSE_FILE"); file != nullptr) {
    const int fd = ::open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) ::close(fd);
  }
  const char* ms = std::getenv("FLOW_TEST_PAUSE_MS");
  const long wait = ms != nullptr ? std::strtol(ms, nullptr, 10) : 30000;
  const long total = wait > 0 && wait <= 60000 ? wait : 30000;
  const timespec ts{static_cast<time_t>(total / 1000), (total % 1000) * 1000000L};
  ::nanosleep(&ts, nullptr);  // a signal ends it early, as sleep() did
}

}  // namespace flow::detail
