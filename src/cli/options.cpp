// SPDX-License-Identifier: MIT
// Parsing and help text from the option table (options.hpp).
#include "cli/options.hpp"

#include "cli/commands.hpp"

#include "support/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>

#include <unistd.h>

namespace flow::cli {

namespace {

// The option of `cmd` (its own first, then the common ones) with this long or short name.
const Option* find_option(const Command& cmd, std::string_view name, char short_name) {
  for (const auto* list : {&cmd.options, &common_options()})
    for (const Option& o : *list)
      if (short_name ? o.short_name == short_name : o.name == name) return &o;
  return nullptr;
}

std::vector<std::string> long_names(const Command& cmd) {
  std::vector<std::string> out;
  for (const auto* list : {&cmd.options, &common_options()})
    for (const Option& o : *list) out.push_back("--" + o.name);
  return out;
}

std::string choice_list(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i)
    out += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return out;
}

// Prints a usage error the same way for every command, with the way to its help.
int usage_error(const Command& cmd, const std::string& message) {
  fmt::print(stderr, "flow {}: {}\nRun 'flow help {}' for its options.\n", cmd.name, message, cmd.name);
  return kUsage;
}

// Records one option's use, checking its value against the table. False after
// printing why not.
bool take(const Command& cmd, const Option& o, const std::string& value, Args& args) {
  if (!o.choices.empty() && !(o.optional_value && value.empty()) &&
      std::find(o.choices.begin(), o.choices.end(), value) == o.choices.end()) {
    usage_error(cmd, fmt::format("--{} takes {}, not '{}'", o.name, choice_list(o.choices), value));
    return false;
  }
  if (o.name == "verbose") args.verbosity = Verbosity::verbose;
  if (o.name == "quiet") args.verbosity = Verbosity::quiet;
  if (o.name == "color") args.color = value == "always" ? ColorMode::always : value == "never" ? ColorMode::never : ColorMode::automatic;
  args.given.emplace_back(o.name, value);
  return true;
}

std::string flag_column(const Option& o) {
  std::string s = o.short_name ? fmt::format("-{}, --{}", o.short_name, o.name) : "    --" + o.name;
  if (!o.value.empty()) s += o.optional_value ? " [" + o.value + "]" : " " + o.value;
  return s;
}

void append_options(std::string& out, const std::vector<Option>& options, std::size_t width) {
  for (const Option& o : options) {
    const std::string flag = flag_column(o);
    std::string help = o.help;
    if (!o.choices.empty() && help.find(o.choices.front()) == std::string::npos) help += " (" + choice_list(o.choices) + ")";
    std::size_t pos = 0;
    bool first = true;
    while (pos <= help.size()) {
      const std::size_t nl = std::min(help.find('\n', pos), help.size());
      const std::string line = help.substr(pos, nl - pos);
      if (first && flag.size() + 2 > width)  // a long flag gets its own line
        out += fmt::format("  {}\n  {:{}}{}\n", flag, "", width, line);
      else
        out += fmt::format("  {:{}}{}\n", first ? flag : "", width, line);
      first = false;
      pos = nl + 1;
    }
  }
}

}  // namespace

bool Args::has(std::string_view name) const {
  return std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == name; });
}

const std::string* Args::value(std::string_view name) const {
  for (auto it = given.rbegin(); it != given.rend(); ++it)
    if (it->first == name) return &it->second;
  return nullptr;
}

std::vector<std::string> Args::values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& g : given)
    if (g.first == name) out.push_back(g.second);
  return out;
}

std::string Args::last_of(std::string_view a, std::string_view b) const {
  for (auto it = given.rbegin(); it != given.rend(); ++it)
    if (it->first == a || it->first == b) return it->first;
  return {};
}

const std::vector<Option>& common_options() {
  static const std::vector<Option> options = {
      {"help", 'h', "", "print this help and exit"},
      {"verbose", 'v', "", "say more"},
      {"quiet", 'q', "", "say less: errors, warnings and the result only"},
      {"color", 0, "WHEN", "colour in terminal output: auto (default: on a terminal, unless NO_COLOR\nis set and not empty), always or never",
       {"auto", "always", "never"}},
  };
  return options;
}

std::optional<Args> parse_args(const Command& cmd, const std::vector<std::string>& argv, int& exit) {
  Args args;
  args.command = cmd.name;
  exit = kUsage;
  bool options_done = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options_done || a == "-" || a.empty() || a[0] != '-') {
      args.operands.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a[1] == '-') {  // --name, --name=value, --name value
      const std::size_t eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      const Option* o = find_option(cmd, name, 0);
      if (!o) {
        const std::string guess = closest("--" + name, long_names(cmd));
        usage_error(cmd, "unknown option --" + name + (guess.empty() ? "" : "; did you mean " + guess + "?"));
        return std::nullopt;
      }
      std::string value;
      if (o->value.empty()) {
        if (eq != std::string::npos) {
          usage_error(cmd, "--" + name + " takes no value");
          return std::nullopt;
        }
      } else if (eq != std::string::npos) {
        value = a.substr(eq + 1);
      } else if (o->optional_value) {
        if (i + 1 < argv.size() && o->optional_value(argv[i + 1])) value = argv[++i];
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        usage_error(cmd, "--" + name + " needs a value (" + o->value + ")");
        return std::nullopt;
      }
      if (!take(cmd, *o, value, args)) return std::nullopt;
      continue;
    }
    // -j3, -j 3, -vq: switches cluster; an option with a value takes the rest of the word
    // or the next argument.
    for (std::size_t k = 1; k < a.size(); ++k) {
      const Option* o = find_option(cmd, "", a[k]);
      if (!o) {
        usage_error(cmd, fmt::format("unknown option -{}", a[k]));
        return std::nullopt;
      }
      if (o->value.empty()) {
        if (!take(cmd, *o, "", args)) return std::nullopt;
        continue;
      }
      std::string value;
      if (k + 1 < a.size()) value = a.substr(k + 1);
      else if (o->optional_value) {
        if (i + 1 < argv.size() && o->optional_value(argv[i + 1])) value = argv[++i];
      } else if (i + 1 < argv.size()) value = argv[++i];
      else {
        usage_error(cmd, fmt::format("-{} (--{}) needs a value ({})", a[k], o->name, o->value));
        return std::nullopt;
      }
      if (!take(cmd, *o, value, args)) return std::nullopt;
      break;
    }
  }
  if (args.has("help")) {
    fmt::print("{}", help_text(cmd));
    exit = kOk;
    return std::nullopt;
  }
  if (args.operands.size() > cmd.max_operands) {
    usage_error(cmd, cmd.max_operands == 0 ? "takes no operand, not '" + args.operands.front() + "'" : "more than one file given");
    return std::nullopt;
  }
  exit = kOk;
  return args;
}

std::string help_text(const Command& cmd) {
  std::string out = fmt::format("usage: flow {} [options]{}{}\n\n", cmd.name, cmd.operands.empty() ? "" : " ", cmd.operands);
  if (!cmd.about.empty()) out += cmd.about + "\n";
  constexpr std::size_t kWidth = 24;
  out += "options:\n";
  append_options(out, cmd.options, kWidth);
  out += "common options:\n";
  append_options(out, common_options(), kWidth);
  if (!cmd.footer.empty()) out += "\n" + cmd.footer;
  return out;
}

std::string overview_text() {
  std::string out = "usage: flow <command> [options] [<tasks.md>]\n\ncommands:\n";
  for (const Command* c : all_commands()) out += fmt::format("  {:<12}{}\n", c->name, c->summary);
  out += "\nWith no <tasks.md>, run, plan, status, check and serve use the current Spec-Kit feature's.\n"
         "Run 'flow help <command>' (or 'flow <command> --help') for a command's options.\n";
  return out;
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::string::npos;
  for (const std::string& c : candidates)
    if (const std::size_t d = detail::edit_distance(word, c); d < best_d) {
      best_d = d;
      best = c;
    }
  // A typo: a third of the word at most (and at least 2 edits allowed), never a word
  // that shares almost nothing with it.
  return best_d <= std::max<std::size_t>(2, word.size() / 3) && best_d < word.size() ? best : std::string();
}

bool use_color(ColorMode mode, int fd) {
  if (mode != ColorMode::automatic) return mode == ColorMode::always;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  return ::isatty(fd) && term && std::string_view(term) != "dumb";
}

}  // namespace flow::cli
