// SPDX-License-Identifier: MIT
// libFuzzer entry point for the journal's readers (.flow/implementation.log): what
// `flow status` shows and what a resumed run takes over, from any text.
#include "runtime/journal_read.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The tasks.md the runs must name to count: the one the seeds use, and none.
  for (const char* tasks : {"/repo/specs/tasks.md", ""}) {
    (void)flow::detail::read_runs_text(text, tasks);
    (void)flow::detail::previous_run_text(text, tasks);
  }
  return 0;
}
