// SPDX-License-Identifier: MIT
// The shell's view of the option table: completions for bash, zsh and fish, and the man
// page, all generated from the same table that parses the arguments, so none can drift.
#include "cli/commands.hpp"
#include "cli/options.hpp"

#include <flow/version.hpp>

#include <fmt/core.h>

#include <string>
#include <vector>

namespace flow::cli {

namespace {

std::vector<const Option*> options_of(const Command& c) {
  std::vector<const Option*> out;
  for (const auto* list : {&c.options, &common_options()})
    for (const Option& o : *list) out.push_back(&o);
  return out;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string joined(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// The subcommands a completion offers: the table's, and help and version.
std::vector<std::pair<std::string, std::string>> subcommands() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Command* c : all_commands()) out.emplace_back(c->name, c->summary);
  out.emplace_back("help", "a command's options");
  out.emplace_back("version", "print flow's version");
  return out;
}

std::string command_words() {
  std::vector<std::string> names;
  for (const auto& [name, _] : subcommands()) names.push_back(name);
  return joined(names);
}

// ---- bash -------------------------------------------------------------------------------

std::string bash_value_case(const Command& c) {
  std::string out;
  for (const Option* o : options_of(c)) {
    if (o->value.empty() || o->optional_value) continue;  // an optional value: complete as after a switch
    std::string pattern = "--" + o->name;
    if (o->short_name) pattern += fmt::format("|-{}", o->short_name);
    std::string action = "return 0";  // a free value: nothing to offer
    if (!o->choices.empty()) action = fmt::format("COMPREPLY=($(compgen -W '{}' -- \"$cur\")); return 0", joined(o->choices));
    else if (o->complete == "dir") action = "COMPREPLY=($(compgen -d -- \"$cur\")); return 0";
    else if (o->complete == "file") action = "COMPREPLY=($(compgen -f -- \"$cur\")); return 0";
    out += fmt::format("        {}) {} ;;\n", pattern, action);
  }
  return out;
}

std::string bash() {
  std::string cases;
  for (const Command* c : all_commands()) {
    std::vector<std::string> flags;
    for (const Option* o : options_of(*c)) {
      flags.push_back("--" + o->name);
      if (o->short_name) flags.push_back(fmt::format("-{}", o->short_name));
    }
    cases += fmt::format(
        "    {})\n"
        "      case \"$prev\" in\n{}"
        "      esac\n"
        "      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '{}' -- \"$cur\")); return 0; fi\n"
        "      COMPREPLY=($(compgen -f -X '!*.md' -- \"$cur\") $(compgen -d -- \"$cur\")) ;;\n",
        c->name, bash_value_case(*c), joined(flags));
  }
  return fmt::format(
      "# bash completion for flow {version}; generated from its option table by `flow completion bash`.\n"
      "# Load it with: source <(flow completion bash)\n"
      "_flow() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
      "  # --opt=value: bash splits at '=', so the option is the word before it.\n"
      "  if [[ $cur == = ]]; then prev=${{COMP_WORDS[COMP_CWORD-1]}}; cur=; fi\n"
      "  if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${{COMP_WORDS[COMP_CWORD-2]}}; fi\n"
      "  COMPREPLY=()\n"
      "  if [[ $COMP_CWORD -eq 1 ]]; then COMPREPLY=($(compgen -W '{commands}' -- \"$cur\")); return 0; fi\n"
      "  compopt -o filenames 2>/dev/null || true\n"
      "  case ${{COMP_WORDS[1]}} in\n"
      "    help) COMPREPLY=($(compgen -W '{commands}' -- \"$cur\")) ;;\n"
      "{cases}"
      "  esac\n"
      "}}\n"
      "complete -F _flow flow\n",
      fmt::arg("version", FLOW_VERSION_STRING), fmt::arg("commands", command_words()), fmt::arg("cases", cases));
}

// ---- zsh --------------------------------------------------------------------------------

// Text inside a zsh _arguments description or a single-quoted word.
std::string zsh_text(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\'') out += "'\\''";
    else if (ch == '[' || ch == ']' || ch == ':' || ch == '\\') out += std::string("\\") + ch;
    else out += ch;
  }
  return out;
}

std::string zsh_spec(const Option& o) {
  const std::string help = zsh_text(first_line(o.help));
  std::string action;
  if (!o.value.empty()) {
    std::string what = ":" + zsh_text(o.value) + ":";
    if (!o.choices.empty()) what += "(" + joined(o.choices) + ")";
    else if (o.complete == "dir") what += "_files -/";
    else if (o.complete == "file") what += "_files";
    action = what;
  }
  const char* repeat = o.repeatable ? "*" : "";
  // An optional value is only ever in the same word (--opt=V): `=-` and `::` in zsh.
  const std::string eq = o.value.empty() ? "" : o.optional_value ? "=-" : "=";
  if (o.optional_value) action = ":" + action;
  if (o.short_name) {
    const std::string plus = o.value.empty() ? "" : "+";
    return fmt::format("    '{r}(-{s} --{l})'{{-{s}{p},--{l}{e}}}'[{h}]{a}' \\\n", fmt::arg("r", repeat),
                       fmt::arg("s", o.short_name), fmt::arg("l", o.name), fmt::arg("p", plus), fmt::arg("e", eq),
                       fmt::arg("h", help), fmt::arg("a", action));
  }
  return fmt::format("    '{}--{}{}[{}]{}' \\\n", repeat, o.name, eq, help, action);
}

std::string zsh() {
  std::string described, cases;
  for (const auto& [name, summary] : subcommands()) described += fmt::format("    '{}:{}'\n", name, zsh_text(summary));
  for (const Command* c : all_commands()) {
    std::string specs;
    for (const Option* o : options_of(*c)) specs += zsh_spec(*o);
    cases += fmt::format("    {})\n      _arguments -s -S \\\n{}    '*:tasks.md:_files -g \"*.md\"' ;;\n", c->name, specs);
  }
  return fmt::format(
      "#compdef flow\n"
      "# zsh completion for flow {version}; generated from its option table by `flow completion zsh`.\n"
      "# Install it as _flow in a folder of $fpath, or load it with: source <(flow completion zsh)\n"
      "_flow() {{\n"
      "  local -a commands\n"
      "  commands=(\n{described}  )\n"
      "  if (( CURRENT == 2 )); then _describe -t commands 'flow command' commands; return; fi\n"
      "  local cmd=$words[2]\n"
      "  shift words; (( CURRENT-- ))\n"
      "  case $cmd in\n"
      "    help) _describe -t commands 'flow command' commands ;;\n"
      "{cases}"
      "  esac\n"
      "}}\n"
      "if [[ $funcstack[1] == _flow ]]; then _flow \"$@\"; else compdef _flow flow; fi\n",
      fmt::arg("version", FLOW_VERSION_STRING), fmt::arg("described", described), fmt::arg("cases", cases));
}

// ---- fish -------------------------------------------------------------------------------

std::string fish_text(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '\'' ? std::string("\\'") : ch == '\\' ? std::string("\\\\") : std::string(1, ch);
  return out;
}

std::string fish() {
  std::string out = fmt::format(
      "# fish completion for flow {}; generated from its option table by `flow completion fish`.\n"
      "# Install it as flow.fish in ~/.config/fish/completions, or: flow completion fish | source\n"
      "complete -c flow -f\n",
      FLOW_VERSION_STRING);
  for (const auto& [name, summary] : subcommands())
    out += fmt::format("complete -c flow -n __fish_use_subcommand -a {} -d '{}'\n", name, fish_text(summary));
  out += fmt::format("complete -c flow -n '__fish_seen_subcommand_from help' -a '{}'\n", command_words());
  for (const Command* c : all_commands()) {
    const std::string when = "'__fish_seen_subcommand_from " + c->name + "'";
    out += fmt::format("complete -c flow -n {} -k -a '(__fish_complete_suffix .md)'\n", when);
    for (const Option* o : options_of(*c)) {
      std::string line = "complete -c flow -n " + when;
      if (o->short_name) line += fmt::format(" -s {}", o->short_name);
      line += " -l " + o->name;
      if (!o->choices.empty()) line += " -x -a '" + joined(o->choices) + "'";
      else if (o->complete == "dir") line += " -x -a '(__fish_complete_directories)'";
      else if (o->complete == "file") line += " -r -F";
      else if (!o->value.empty() && !o->optional_value) line += " -x";
      out += line + " -d '" + fish_text(first_line(o->help)) + "'\n";
    }
  }
  return out;
}

// ---- man --------------------------------------------------------------------------------

// Text for roff: backslashes escaped, hyphens as minus signs where they are options, and
// no line starting with a control character.
std::string roff(const std::string& s) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (line_start && (ch == '.' || ch == '\'')) out += "\\&";
    const auto byte = static_cast<unsigned char>(ch);
    if (byte >= 0xC0) {  // a UTF-8 sequence: groff reads it as \[uXXXX] whatever its input encoding
      const std::size_t n = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
      unsigned cp = byte & (0xFFu >> (n + 1));
      for (std::size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
      out += fmt::format("\\[u{:04X}]", cp);
      i += n - 1;
    } else if (ch == '\\') out += "\\e";
    else if (ch == '-' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-' || s[i - 1] == '(' || s[i - 1] == '\n')) out += "\\-";
    else out += ch;
    line_start = ch == '\n';
  }
  return out;
}

std::string man_options(const std::vector<const Option*>& options) {
  std::string out;
  for (const Option* o : options) {
    out += ".TP\n";
    if (o->short_name) out += fmt::format("\\fB\\-{}\\fR, ", o->short_name);
    out += fmt::format("\\fB\\-\\-{}\\fR", roff(o->name));
    if (!o->value.empty()) {
      const std::string value = fmt::format("\\fI{}\\fR", roff(o->value));
      out += o->optional_value ? " [" + value + "]" : " " + value;
    }
    out += "\n" + roff(o->help);
    if (!o->choices.empty() && o->help.find(o->choices.front()) == std::string::npos)
      out += " (" + roff(joined(o->choices, ", ")) + ")";
    out += "\n";
  }
  return out;
}

std::string man() {
  std::string out = fmt::format(
      ".\\\" flow(1), generated from the option table by `flow completion man`; edit src/cli/, not this.\n"
      ".TH FLOW 1 \"\" \"flow {}\" \"User Commands\"\n"
      ".SH NAME\n"
      "flow \\- run a Spec\\-Kit tasks.md with AI coding agents, in parallel where the plan allows\n"
      ".SH SYNOPSIS\n"
      ".B flow\n"
      ".I command\n"
      "[\\fIoptions\\fR] [\\fItasks.md\\fR]\n"
      ".br\n"
      ".B flow help\n"
      "[\\fIcommand\\fR]\n"
      ".SH DESCRIPTION\n"
      "flow reads a Spec\\-Kit tasks.md, works out which tasks may run together, and runs them with\n"
      "coding agents, marking each [X] when it succeeds. With no \\fItasks.md\\fR, run, plan, status\n"
      "and check use the current Spec\\-Kit feature's. Options may come before or after the file;\n"
      "\\fB\\-\\-opt value\\fR, \\fB\\-\\-opt=value\\fR, \\fB\\-j3\\fR and \\fB\\-j 3\\fR are the same, switches\n"
      "combine (\\fB\\-vq\\fR), and \\fB\\-\\-\\fR ends the options.\n"
      ".SH COMMANDS\n",
      FLOW_VERSION_STRING);
  for (const Command* c : all_commands()) {
    out += fmt::format(".SS \"flow {} [options]{}{}\"\n", c->name, c->operands.empty() ? "" : " ", roff(c->operands));
    out += roff(c->about);
    if (!c->options.empty()) {
      std::vector<const Option*> own;
      for (const Option& o : c->options) own.push_back(&o);
      out += man_options(own);
    }
    if (!c->footer.empty()) out += ".PP\n" + roff(c->footer);
  }
  std::vector<const Option*> common;
  for (const Option& o : common_options()) common.push_back(&o);
  out += ".SH COMMON OPTIONS\nEvery command takes these.\n" + man_options(common);
  out += ".SH ENVIRONMENT\n"
         ".TP\n.B NO_COLOR\n"
         "When set and not empty, no colour (no\\-color.org), unless \\fB\\-\\-color=always\\fR says otherwise.\n"
         ".TP\n.B SPECIFY_FEATURE\\fR, \\fBSPECIFY_FEATURE_DIRECTORY\\fR, \\fBSPECIFY_INIT_DIR\n"
         "Which Spec\\-Kit feature's tasks.md a command uses when given none.\n"
         ".SH EXIT STATUS\n"
         "0: done; 1: the work is not done (a task failed, was blocked or could not run; nothing to\n"
         "roll back); 2: a usage or configuration error, or a tasks.md every command refuses;\n"
         "130: interrupted.\n"
         ".SH FILES\n"
         ".TP\n.I .flow/config.yaml\nsettings (docs/config.md)\n"
         ".TP\n.I .flow/implementation.log\nthe journal of every run\n"
         ".SH SEE ALSO\n"
         "\\fBgit\\fR(1); shell completions: \\fBflow completion bash\\fR|\\fBzsh\\fR|\\fBfish\\fR\n";
  return out;
}

int print_completion(const Args& args) {
  if (args.operands.empty()) {
    fmt::print(stderr, "flow completion: which shell? bash, zsh or fish (or man for the man page)\n");
    return kUsage;
  }
  const std::string& what = args.operands.front();
  if (what == "bash") fmt::print("{}", bash());
  else if (what == "zsh") fmt::print("{}", zsh());
  else if (what == "fish") fmt::print("{}", fish());
  else if (what == "man") fmt::print("{}", man());
  else {
    fmt::print(stderr, "flow completion: no completion for '{}': bash, zsh, fish or man\n", what);
    return kUsage;
  }
  return kOk;
}

}  // namespace

const Command& completion_command() {
  static const Command cmd{
      "completion",
      "bash|zsh|fish|man",
      1,
      "print a shell completion script (or the man page)",
      "Prints the completion script for a shell, generated from the same option table that\n"
      "parses flow's arguments: source <(flow completion bash); flow completion zsh > _flow\n"
      "(in $fpath); flow completion fish | source. `flow completion man` prints flow(1) as roff.\n"
      "cmake --install puts all four where the system looks for them.\n",
      {},
      "exit status: 0; 2 no such shell\n",
      print_completion,
  };
  return cmd;
}

}  // namespace flow::cli
