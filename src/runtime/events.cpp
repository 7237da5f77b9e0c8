// SPDX-License-Identifier: MIT
// The events file's lines (events.hpp).
#include "runtime/events.hpp"

#include "support/json.hpp"

namespace flow::detail {

std::string event_line(const RunEvent& e, const Task* task) {
  Json j;
  j.begin_object().field("schema", "flow-event/1").field("kind", e.kind).field("time", e.time);
  if (task) j.field("task", task->id).field("line", task->line);
  if (e.attempt > 0) j.field("attempt", e.attempt);
  if (!e.detail.empty()) j.field("detail", e.detail);
  j.end_object();
  return j.str();
}

}  // namespace flow::detail
