// SPDX-License-Identifier: MIT
// The single source of truth for flow's version; cmake/FlowVersion.cmake parses it.
#pragma once

#define FLOW_VERSION_MAJOR 0
#define FLOW_VERSION_MINOR 1
#define FLOW_VERSION_PATCH 0
#define FLOW_VERSION_NUMBER (FLOW_VERSION_MAJOR * 10000 + FLOW_VERSION_MINOR * 100 + FLOW_VERSION_PATCH)
#define FLOW_VERSION_STRING "0.1.0"
