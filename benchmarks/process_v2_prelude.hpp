// SPDX-License-Identifier: MIT
// Works around two compile errors of Boost.Process v2 as shipped in Boost 1.81 with
// BOOST_PROCESS_USE_STD_FS (fixed upstream later): config.hpp names boost::optional
// without including it, and environment.hpp calls is_constructible and remove_pointer unqualified.
// Included first by spawn_compare's translation units only.
#pragma once
#include <boost/optional.hpp>
#include <type_traits>
namespace boost::process::v2::environment {
using std::is_constructible;
using std::remove_pointer;
}
