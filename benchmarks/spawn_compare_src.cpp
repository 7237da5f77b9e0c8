// SPDX-License-Identifier: MIT
// Boost.Process v2's compiled part, for spawn_compare only.
#include "process_v2_prelude.hpp"

#include <boost/process/v2/src.hpp>
