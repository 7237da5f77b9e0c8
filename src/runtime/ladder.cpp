// SPDX-License-Identifier: MIT
// The recovery ladder in the loop: strategies, instructions and hints into prompts; who
// waits for a person; notification hooks.
#include "runtime/ladder.hpp"

#include "support/text.hpp"

#include <flow/tasks_file.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

namespace flow::detail {

namespace {

constexpr std::size_t kMaxFailureLines = 40;
constexpr std::size_t kMaxFailureBytes = 4096;
constexpr double kNotifyTimeout = 30;  // seconds: a hook that hangs must not hold the run up

std::string first_line(std::string_view s) {
  while (!s.empty() && (s.front() == '\n' || s.front() == ' ')) s.remove_prefix(1);
  return std::string(s.substr(0, s.find('\n')));
}

// The values of this process's environment variables whose names say they hold a
// secret (…_API_KEY, …TOKEN, …SECRET…, …PASSWORD…, …CREDENTIAL…), 8 bytes or longer,
// longest first: masked wherever they appear, whatever their shape (a 17-character key
// is below every shape's length). Read on each call: a failure is rare, environ small.
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

std::string bounded_failure(std::string_view failure) {
  // The last lines say the most (the final error, the failing test).
  while (!failure.empty() && failure.back() == '\n') failure.remove_suffix(1);
  std::size_t from = failure.size();
  for (std::size_t lines = 0; from > 0 && lines < kMaxFailureLines; ++lines) {
    const std::size_t nl = failure.rfind('\n', from - 1);
    from = nl == std::string_view::npos ? 0 : nl;
  }
  std::string_view tail = failure.substr(from);
  if (!tail.empty() && tail.front() == '\n') tail.remove_prefix(1);
  std::string out;
  if (tail.size() > kMaxFailureBytes) {
    std::size_t cut = tail.size() - kMaxFailureBytes;
    while (cut < tail.size() && (static_cast<unsigned char>(tail[cut]) & 0xC0) == 0x80) ++cut;
    tail.remove_prefix(cut);
    out = "\xE2\x80\xA6";
  }
  out += std::string(tail) + "\n";
  return redact_secrets(out);
}

void Ladder::decided(int t, const Decision& d) {
  State& s = tasks_[t];
  if (!d.strategy.empty()) s.strategy = d.strategy;
  if (!d.instruction.empty()) s.instruction = d.instruction;
}

void Ladder::add_hint(int t, std::string hint) {
  if (!hint.empty()) tasks_[t].hints.push_back(std::move(hint));
}

Guidance Ladder::guidance(int t, int attempt, std::string_view previous_failure) const {
  Guidance g;
  const auto it = tasks_.find(t);
  if (it == tasks_.end()) return g;
  const State& s = it->second;
  std::vector<std::string> parts;
  if (s.strategy == "alternative" && attempt > 1) {
    parts.push_back("alternative");
    g.text += "\n## The previous approach failed: take a different one\n\n";
    const std::string what = first_line(bounded_failure(previous_failure));
    if (!what.empty()) g.text += "Attempt " + std::to_string(attempt - 1) + " failed: " + what + " (its output is quoted above).\n";
    g.text +=
        "Do not repeat that approach: choose a different way to do this task (another "
        "design, algorithm or library, another order of the steps), and say in your final message what you changed.\n";
  } else if (s.strategy == "simplified") {
    parts.push_back("simplified");
    g.text +=
        "\n## Simplify\n\nEarlier attempts at this task failed. This time, write the smallest version that satisfies "
        "the task as written and its tests: no extras, no generalisation, no refactoring beyond what it needs. A later "
        "task or a person can extend it.\n";
  }
  if (!s.instruction.empty()) {
    parts.push_back("instruction");
    g.text += "\n## Instructions for this attempt\n\n" + s.instruction + "\n";
  }
  if (!s.hints.empty()) {
    parts.push_back("hint");
    g.text += "\n## A hint from a person who looked at the earlier attempts\n\n";
    for (const std::string& h : s.hints) g.text += h + "\n\n";
  }
  g.label = join(parts, "+");
  return g;
}

void Ladder::set_needs_attention(int t, bool on) { tasks_[t].attention = on; }

bool Ladder::needs_attention(int t) const {
  const auto it = tasks_.find(t);
  return it != tasks_.end() && it->second.attention;
}

Notifier::Notifier(const std::map<std::string, std::vector<std::string>>& hooks, RunCommands commands, RunLog& log,
                   std::string workdir, std::string run_dir)
    : hooks_(hooks), commands_(std::move(commands)), log_(log), workdir_(std::move(workdir)), run_dir_(std::move(run_dir)) {
  commands_.timeout = commands_.timeout > 0 ? std::min(commands_.timeout, kNotifyTimeout) : kNotifyTimeout;
}

void Notifier::fire(const std::string& event, int t, const std::string& task_id, std::vector<std::string> env) {
  const auto it = hooks_.find(event);
  if (it == hooks_.end() || it->second.empty()) return;
  env.push_back("FLOW_EVENT=" + event);
  run_hook(commands_, log_, workdir_, run_dir_, event, it->second, t, task_id, std::move(env));
}

}  // namespace flow::detail
