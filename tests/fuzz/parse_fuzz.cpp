// SPDX-License-Identifier: MIT
// libFuzzer entry point for the tasks.md parser and the write-back.
// Build: cmake -DCMAKE_CXX_COMPILER=clang++ -DFLOW_BUILD_FUZZERS=ON; run: ./parse_fuzz corpus/
#include <flow/tasks_md.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const flow::Plan plan = flow::parse_tasks_md(text);
  std::vector<flow::MarkChange> changes;
  for (const flow::Task& t : plan.tasks) {
    if (t.mark_offset == flow::Task::npos) continue;
    if (t.mark_offset >= size || text[t.mark_offset - 1] != '[') std::abort();
    changes.push_back({t.line, t.id, t.state != flow::TaskState::done});
  }
  auto out = flow::set_marks(text, plan, changes);
  if (out && out->size() != size) std::abort();
  return 0;
}
