// SPDX-License-Identifier: MIT
// libFuzzer entry point for .flow/config.yaml (src/settings.cpp): any text gives
// settings or an error, never a crash or an exception.
#include <flow/settings.hpp>

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto settings = flow::parse_settings(text, "config.yaml");
  if (settings) (void)flow::configured_gates(*settings);
  return 0;
}
