// SPDX-License-Identifier: MIT
// Names of the run's controls, as the journal and the dashboard write them.
#include <flow/run.hpp>

namespace flow {
FLOW_BEGIN_NAMESPACE

const char* to_string(ControlRequest::Action action) noexcept {
  switch (action) {
    case ControlRequest::Action::pause: return "pause";
    case ControlRequest::Action::resume: return "resume";
    case ControlRequest::Action::cancel: return "cancel";
    case ControlRequest::Action::retry: return "retry";
    case ControlRequest::Action::skip: return "skip";
  }
  return "?";
}

FLOW_END_NAMESPACE
}  // namespace flow
