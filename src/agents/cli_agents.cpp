// SPDX-License-Identifier: MIT
// The adapters of the coding-agent CLIs besides Claude Code: Codex, Gemini CLI, Qwen
// Code, opencode, Copilot CLI, Cursor, Amp and Aider, and the registry make_agent.
// Each runs headless and unattended in the attempt's directory with stdin never an
// open pipe (Codex blocks on one); flags and exit codes are from AGENTS.md.
#include <flow/agent.hpp>

#include "agents/parsers.hpp"
#include "support/json.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flow {
FLOW_BEGIN_NAMESPACE

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A TOML basic string, for Codex's `-c key=value`: a JSON string is one (the same
// escapes, \uXXXX for control characters, valid UTF-8).
std::string toml_string(std::string_view s) { return detail::json_string(s); }

// How a CLI takes the prompt.
enum class PromptVia {
  stdin_file,  // stdin reads flow's prompt file
  argument,    // the text as an argument (flow's prompt starts with "# Task", never a dash)
  file_flag,   // a flag naming the file (Aider's --message-file)
};

struct Spec {
  std::string_view name;
  std::string_view program;       // the usual command
  std::string_view install;       // how to get it
  bool claude_stream = false;     // Claude-compatible stream-json
  bool has_terminal_event = true; // success needs its terminal event
  bool trusts_terminal_event = false;  // its terminal event outranks the exit code
};

class CliAgent : public AgentAdapter {
 public:
  CliAgent(Spec spec, AgentSettings s) : spec_(spec), s_(std::move(s)) {
    if (s_.program.empty()) s_.program = std::string(spec_.program);
  }

  std::string name() const override { return std::string(spec_.name); }

  std::unique_ptr<StreamParser> parser() const override { return make_stream_parser(spec_.name); }

  std::optional<std::string> preflight() const override {
    if (!find_program(s_.program))
      return "the agent " + std::string(spec_.name) + " is not installed: '" + s_.program + "' is not on PATH (" +
             std::string(spec_.install) + "; or set agents." + std::string(spec_.name) + ".program)";
    return std::nullopt;
  }

  std::optional<FailureClass> classify(const Completion& c, const AgentReport& r, std::string_view output) const override {
    if (c.stalled) return FailureClass::stalled;
    if (c.timed_out) return FailureClass::timeout;
    if (c.signal != 0) return FailureClass::crash;
    const bool ended_well = r.finished && !r.is_error;
    if (ended_well && (c.exit_code == 0 || spec_.trusts_terminal_event)) return std::nullopt;
    if (!spec_.has_terminal_event && !r.is_error && c.exit_code == 0)
      return match_silent_failure(output);  // Aider exits 0 after API errors
    if (r.failure) return r.failure;
    if (auto sig = match_failure_signature(output)) return sig;
    if (auto code = exit_code_class(spec_.name, c.exit_code)) return code;
    // Exit 0 with no terminal event: it stopped before its work was done.
    return r.finished ? FailureClass::unknown : FailureClass::crash;
  }

  AgentLaunch prepare(const AgentRequest& r) const override {
    AgentLaunch l;
    l.argv.push_back(s_.program);
    build(r, l);
    l.argv.insert(l.argv.end(), s_.extra_args.begin(), s_.extra_args.end());
    last(r, l);
    l.env.insert(l.env.end(), s_.env.begin(), s_.env.end());
    return l;
  }

 protected:
  virtual void build(const AgentRequest& r, AgentLaunch& l) const = 0;
  // What must come after the user's extra arguments (a positional prompt).
  virtual void last(const AgentRequest&, AgentLaunch&) const {}

  // The prompt with the appended instructions, for CLIs that have no flag for them:
  // written beside flow's prompt file, which stays as flow wrote it.
  std::string prompt_file(const AgentRequest& r) const {
    if (s_.append_instructions.empty()) return r.prompt_file;
    const std::string path = r.prompt_file + "." + std::string(spec_.name) + ".md";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << read_all(r.prompt_file) << "\n\n## Additional instructions\n\n" << s_.append_instructions << "\n";
    return out ? path : r.prompt_file;
  }
  std::string prompt_text(const AgentRequest& r) const { return read_all(prompt_file(r)); }

  void model(AgentLaunch& l, std::string_view flag) const {
    if (!s_.model.empty()) l.argv.insert(l.argv.end(), {std::string(flag), s_.model});
  }

  Spec spec_;
  AgentSettings s_;
};

// codex exec --json -C DIR --sandbox workspace-write [-m M] [-c developer_instructions=…] -  < prompt
class Codex final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    // --full-auto is rejected since 0.169; exec never asks for approvals.
    l.argv.insert(l.argv.end(), {"exec", "--json", "-C", r.workdir, "--sandbox", "workspace-write", "--skip-git-repo-check"});
    model(l, "-m");
    if (!s_.append_instructions.empty())
      l.argv.insert(l.argv.end(), {"-c", "developer_instructions=" + toml_string(s_.append_instructions)});
    l.stdin_path = r.prompt_file;
  }
  void last(const AgentRequest&, AgentLaunch& l) const override {
    l.argv.push_back("-");  // the prompt from stdin: the file, never an open pipe
  }
};

// gemini --output-format stream-json --approval-mode yolo --skip-trust [-m M]  < prompt
class Gemini final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    // Not on a terminal, it runs headless on what stdin says. --skip-trust: in a folder
    // it has not seen, yolo would silently drop to "default" and wait for approvals.
    l.argv.insert(l.argv.end(), {"--output-format", "stream-json", "--approval-mode", "yolo", "--skip-trust"});
    model(l, "-m");
    l.stdin_path = prompt_file(r);
  }
};

// qwen --output-format stream-json --approval-mode yolo [-m M] [--max-session-turns N]
//      [--append-system-prompt S]  < prompt
class Qwen final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    l.argv.insert(l.argv.end(), {"--output-format", "stream-json", "--approval-mode", "yolo"});
    model(l, "-m");
    if (s_.max_turns > 0) l.argv.insert(l.argv.end(), {"--max-session-turns", std::to_string(s_.max_turns)});
    if (!s_.append_instructions.empty()) l.argv.insert(l.argv.end(), {"--append-system-prompt", s_.append_instructions});
    l.stdin_path = r.prompt_file;
    l.env.push_back("QWEN_CODE_SUPPRESS_YOLO_WARNING=1");
  }
};

// opencode run --format json --dir DIR --auto [-m provider/model]  < prompt
class Opencode final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    // Without --auto, run mode rejects every permission request.
    l.argv.insert(l.argv.end(), {"run", "--format", "json", "--dir", r.workdir, "--auto"});
    model(l, "-m");
    l.stdin_path = prompt_file(r);
    l.env.push_back("OPENCODE_DISABLE_AUTOUPDATE=1");
  }
};

// copilot --output-format json --allow-all-tools -C DIR --no-ask-user --no-auto-update [--model M] -p TEXT
class Copilot final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    l.argv.insert(l.argv.end(), {"--output-format", "json", "--allow-all-tools", "-C", r.workdir, "--no-ask-user",
                                 "--no-auto-update"});
    model(l, "--model");
    l.argv.insert(l.argv.end(), {"-p", prompt_text(r)});
  }
};

// agent -p --output-format stream-json --force --trust --workspace DIR [--model M] TEXT
class Cursor final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    l.argv.insert(l.argv.end(), {"-p", "--output-format", "stream-json", "--force", "--trust", "--workspace", r.workdir});
    model(l, "--model");
  }
  void last(const AgentRequest& r, AgentLaunch& l) const override { l.argv.push_back(prompt_text(r)); }
};

// amp -x TEXT --stream-json --dangerously-allow-all [-m MODE]
class Amp final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    l.argv.insert(l.argv.end(), {"-x", prompt_text(r), "--stream-json", "--dangerously-allow-all", "--no-notifications"});
    model(l, "-m");  // Amp's mode (low … ultra) picks its model
  }
  std::optional<std::string> preflight() const override {
    if (auto missing = CliAgent::preflight()) return missing;
    // With no key, `amp -x` starts an interactive login and waits for ever.
    const bool key_in_env = std::getenv("AMP_API_KEY") && *std::getenv("AMP_API_KEY");
    const bool key_set = std::any_of(s_.env.begin(), s_.env.end(),
                                     [](const std::string& e) { return e.rfind("AMP_API_KEY=", 0) == 0 && e.size() > 12; });
    if (!key_in_env && !key_set)
      return std::string("the agent amp needs AMP_API_KEY (without it, it waits for an interactive login): "
                         "export AMP_API_KEY or set it in agents.amp.env");
    return std::nullopt;
  }
};

// aider --message-file F --yes-always --no-auto-commits --no-pretty --no-check-update
//       --analytics-disable [--model M] [--read INSTRUCTIONS]
class Aider final : public CliAgent {
 public:
  using CliAgent::CliAgent;
  void build(const AgentRequest& r, AgentLaunch& l) const override {
    // flow commits the attempt's work itself.
    l.argv.insert(l.argv.end(), {"--message-file", r.prompt_file, "--yes-always", "--no-auto-commits", "--no-pretty",
                                 "--no-check-update", "--analytics-disable", "--no-stream"});
    model(l, "--model");
    if (!s_.append_instructions.empty()) {
      const std::string path = r.prompt_file + ".aider-rules.md";
      std::ofstream(path, std::ios::binary | std::ios::trunc) << s_.append_instructions << "\n";
      l.argv.insert(l.argv.end(), {"--read", path});
    }
  }
};

constexpr Spec kCodex{"codex", "codex", "npm install -g @openai/codex", false, true, true};
constexpr Spec kGemini{"gemini", "gemini", "npm install -g @google/gemini-cli"};
constexpr Spec kQwen{"qwen", "qwen", "npm install -g @qwen-code/qwen-code", true};
constexpr Spec kOpencode{"opencode", "opencode", "npm install -g opencode-ai", false, false};
constexpr Spec kCopilot{"copilot", "copilot", "npm install -g @github/copilot"};
constexpr Spec kCursor{"cursor", "agent", "curl https://cursor.com/install -fsS | bash", true};
constexpr Spec kAmp{"amp", "amp", "npm install -g @ampcode/cli", true};
constexpr Spec kAider{"aider", "aider", "pip install aider-chat", false, false};

}  // namespace

const std::vector<std::string>& agent_names() {
  static const std::vector<std::string> names = {"claude", "codex", "gemini", "qwen", "opencode",
                                                 "copilot", "cursor", "amp", "aider"};
  return names;
}

std::unique_ptr<AgentAdapter> make_agent(std::string_view name, const AgentSettings& s) {
  if (name == "claude") {
    ClaudeOptions o;
    if (!s.program.empty()) o.program = s.program;
    o.model = s.model;
    if (s.max_turns > 0) o.max_turns = s.max_turns;
    if (!s.permission_mode.empty()) o.permission_mode = s.permission_mode;
    o.append_system_prompt = s.append_instructions;
    o.extra_args = s.extra_args;
    o.env = s.env;
    return make_claude_agent(std::move(o));
  }
  if (name == "codex") return std::make_unique<Codex>(kCodex, s);
  if (name == "gemini") return std::make_unique<Gemini>(kGemini, s);
  if (name == "qwen") return std::make_unique<Qwen>(kQwen, s);
  if (name == "opencode") return std::make_unique<Opencode>(kOpencode, s);
  if (name == "copilot") return std::make_unique<Copilot>(kCopilot, s);
  if (name == "cursor") return std::make_unique<Cursor>(kCursor, s);
  if (name == "amp") return std::make_unique<Amp>(kAmp, s);
  if (name == "aider") return std::make_unique<Aider>(kAider, s);
  return nullptr;
}

std::unique_ptr<StreamParser> make_stream_parser(std::string_view name) {
  if (name == "claude" || name == "qwen" || name == "amp" || name == "cursor") return make_claude_stream_parser();
  if (name == "codex") return detail::make_codex_parser();
  if (name == "gemini") return detail::make_gemini_parser();
  if (name == "opencode") return detail::make_opencode_parser();
  if (name == "copilot") return detail::make_copilot_parser();
  if (name == "aider") return detail::make_aider_parser();
  return nullptr;
}

FLOW_END_NAMESPACE
}  // namespace flow
