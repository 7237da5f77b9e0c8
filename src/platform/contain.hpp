// SPDX-License-Identifier: MIT
// What holds an attempt's processes (see Started::container): a cgroup v2 directory, or
// "tag:<token>" for the processes whose environment carries FLOW_PROCESS_TAG=<token>, or
// "slurm:<job id>", a Slurm job (make_slurm_runner), which stopping cancels.
// The process runner creates them; a resumed run stops what a killed run left in them.
// Internal.
#pragma once

#include <string>

namespace flow::detail {

/// Kills (SIGKILL) every process in `container` that is not in process group
/// `except_pgid` (0: none excepted); how many there were. A Slurm job is cancelled
/// (scancel) if it was still pending or running (counted as 1).
int stop_container(const std::string& container, long except_pgid = 0);

/// Removes a cgroup once it is empty (waiting at most `wait_ms` for the killed to go);
/// whether it is gone. A tag needs no removal.
bool remove_container(const std::string& container, int wait_ms = 0);

}  // namespace flow::detail
