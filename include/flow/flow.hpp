// SPDX-License-Identifier: MIT
// Umbrella header: the whole C++ API of flow.
#pragma once

#include <flow/config.hpp>
#include <flow/error.hpp>
#include <flow/plan.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>
#include <flow/version.hpp>
