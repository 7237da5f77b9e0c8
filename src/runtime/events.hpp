// SPDX-License-Identifier: MIT
// The events file's format (docs/events.md, schema flow-event/1), written in one place for
// `flow run --events` and the C ABI's events option. Internal.
#pragma once

#include <flow/config.hpp>
#include <flow/plan.hpp>
#include <flow/run.hpp>

#include <string>

namespace flow::detail {

/// One line of the events file for `e` (no newline); `task` is e.task's task, or null.
/// Exported (not public): flow::c calls it, and links a shared flow::flow when
/// BUILD_SHARED_LIBS is on.
FLOW_API std::string event_line(const RunEvent& e, const Task* task);

}  // namespace flow::detail
