// SPDX-License-Identifier: MIT
// The dashboard's page, compiled into the binary (no CDN: it works offline). The text is
// in src/serve/page/; CMake turns it into assets.cpp.
#pragma once

#include <string_view>

namespace flow::serve::assets {

extern const std::string_view index_html;
extern const std::string_view app_js;
extern const std::string_view app_css;

}  // namespace flow::serve::assets
