// SPDX-License-Identifier: MIT
// Secrets masked in output files and quoted failure lines.
#include "runtime/secrets.hpp"

#include <flow/tasks_file.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <vector>

#include <unistd.h>

namespace flow::detail {

namespace {

// The values of this process's environment variables whose names say they hold a
// secret (…_API_KEY, …TOKEN, …SECRET…, …PASSWORD…, …CREDENTIAL…), 8 bytes or longer,
// longest first: masked wherever they appear, whatever their shape (a 17-character key
// is below every shape's length). Read on each call: environ is small.
std::vector<std::string> secret_values() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos || kv.size() - eq - 1 < 8) continue;
    std::string name(kv.substr(0, eq));
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    bool secret = false;
    for (const char* w : {"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"})
      secret = secret || name.find(w) != std::string::npos;
    if (secret) out.emplace_back(kv.substr(eq + 1));
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

// Replaces every occurrence of each of `values` in `text` with "[redacted]"; whether any was.
bool mask_values(std::string& text, const std::vector<std::string>& values) {
  bool masked = false;
  for (const std::string& v : values)
    for (std::size_t at = text.find(v); at != std::string::npos; at = text.find(v, at + 10)) {
      text.replace(at, v.size(), "[redacted]");
      masked = true;
    }
  return masked;
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  // Built once: std::regex is slow to construct, and a failure is at most 4 KiB.
  static const std::regex bearer(R"((bearer\s+)[A-Za-z0-9._~+/=-]+)", std::regex::icase);
  static const std::regex assigned(
      R"(((?:api[_-]?key|access[_-]?key|token|secret|password|passwd|authorization|auth)["']?\s*[:=]\s*["']?)[^\s"',;()\[\]{}<>]+)",
      std::regex::icase);
  static const std::regex shaped(
      R"(\b(?:sk-[A-Za-z0-9_-]{16,}|ghp_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|xox[baprs]-[A-Za-z0-9-]{10,}))");
  std::string out(text);
  mask_values(out, secret_values());
  out = std::regex_replace(out, bearer, "$1[redacted]");
  out = std::regex_replace(out, assigned, "$1[redacted]");
  return std::regex_replace(out, shaped, "[redacted]");
}

void redact_secret_values_in_file(const std::string& path) {
  const std::vector<std::string> values = secret_values();
  if (values.empty()) return;
  auto text = read_file(path);
  if (!text || !mask_values(*text, values)) return;
  (void)write_file_atomic(path, *text);  // best effort: a log that cannot be rewritten stays as it is
}

}  // namespace flow::detail
