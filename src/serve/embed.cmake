# SPDX-License-Identifier: MIT
# Writes OUT, a C++ file that holds the page's files as string constants.
#   cmake -DDIR=<src/serve/page> -DOUT=<assets.cpp> -P embed.cmake
set(out "// Generated from src/serve/page/ by src/serve/embed.cmake: do not edit.\n#include \"serve/assets.hpp\"\n\nnamespace flow::serve::assets {\n")
foreach(pair "index.html:index_html" "app.js:app_js" "app.css:app_css")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 file)
  list(GET pair 1 name)
  file(READ "${DIR}/${file}" text)
  if(text MATCHES "\\)flow_asset\"")
    message(FATAL_ERROR "${file} contains the raw string's end marker")
  endif()
  string(APPEND out "extern const std::string_view ${name};\nconst std::string_view ${name} = R\"flow_asset(${text})flow_asset\";\n")
endforeach()
string(APPEND out "\n}  // namespace flow::serve::assets\n")
file(WRITE "${OUT}.tmp" "${out}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
