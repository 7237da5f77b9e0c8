// SPDX-License-Identifier: MIT
// Export macros, the versioned inline namespace and the debug assertion.
#pragma once

#include <flow/version.hpp>

#if defined(_WIN32) && defined(FLOW_SHARED)
#  ifdef FLOW_BUILDING
#    define FLOW_API __declspec(dllexport)
#  else
#    define FLOW_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && defined(FLOW_SHARED)
#  define FLOW_API __attribute__((visibility("default")))
#else
#  define FLOW_API
#endif

// The C++ API lives in flow::v1 (inline), so a future v2 can coexist in one process.
#define FLOW_BEGIN_NAMESPACE inline namespace v1 {
#define FLOW_END_NAMESPACE }

#ifndef FLOW_ASSERT
#  ifdef NDEBUG
#    define FLOW_ASSERT(cond) ((void)0)
#  else
#    include <cassert>
#    define FLOW_ASSERT(cond) assert(cond)
#  endif
#endif
