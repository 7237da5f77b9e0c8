// SPDX-License-Identifier: MIT
// `flow check`: parse a tasks.md and report diagnostics, a summary and what is skipped.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/display_width.hpp"
#include "cli/options.hpp"
#include "support/json.hpp"

using flow::detail::Json;

#include <flow/graph.hpp>
#include <flow/run.hpp>
#include <flow/tasks_file.hpp>
#include <flow/tasks_md.hpp>

#include <fmt/core.h>

#include <map>
#include <utility>

namespace flow::cli {

namespace {

// Diagnostics of exactly this severity, of the parse and of the graph.
std::size_t count(const std::vector<Diagnostic>& a, const std::vector<Diagnostic>& b, Severity s) {
  std::size_t n = 0;
  for (const auto* list : {&a, &b})
    for (const Diagnostic& d : *list) n += d.severity == s;
  return n;
}

void write_refs(Json& j, const std::vector<DepRef>& refs) {
  j.key("depends_on").begin_array();
  for (const DepRef& r : refs)
    j.begin_object().field("first", r.first).field("last", r.last).field("line", r.line)
        .field("origin", to_string(r.origin)).end_object();
  j.end_array();
}

void write_json(Json& j, const std::string& path, const Plan& plan, const std::vector<Diagnostic>& graph_diags) {
  std::size_t done = 0, pending = 0, other = 0;
  for (const Task& t : plan.tasks) {
    if (t.state == TaskState::done) ++done;
    else if (t.state == TaskState::pending) ++pending;
    else ++other;
  }
  j.begin_object();
  j.field("schema", "flow-check/1");
  j.field("file", path);
  j.key("summary").begin_object()
      .field("tasks", plan.tasks.size()).field("done", done).field("pending", pending)
      .field("other", other).field("phases", plan.phases.size())
      .field("errors", count(plan.diagnostics, graph_diags, Severity::error))
      .field("warnings", count(plan.diagnostics, graph_diags, Severity::warning))
      .field("skipped", plan.skipped.size())
      .end_object();
  j.field("lines", plan.line_count).field("crlf", plan.crlf).field("bom", plan.bom);
  j.field("done_mark", std::string(1, plan.done_mark));
  j.key("phases").begin_array();
  for (const Phase& p : plan.phases) {
    j.begin_object().field("title", p.title).field("line", p.line).field("kind", to_string(p.kind))
        .field("number", p.number).field("story", p.story);
    j.key("story_label");
    if (p.story_label.empty()) j.null(); else j.value(p.story_label);
    j.field("priority", p.priority);
    write_refs(j, p.depends_on);
    j.key("depends_on_groups").begin_array();
    for (const auto& g : p.depends_on_groups) j.value(g);
    j.end_array().end_object();
  }
  j.end_array();
  j.key("groups").begin_array();
  for (const Group& g : plan.groups)
  {
    j.begin_object().field("title", g.title).field("line", g.line).field("phase", g.phase);
    write_refs(j, g.depends_on);
    if (!g.item_number.empty()) j.field("item", g.item_number);
    j.end_object();
  }
  j.end_array();
  j.key("tasks").begin_array();
  for (const Task& t : plan.tasks) {
    j.begin_object();
    j.field("id", t.id).field("line", t.line).field("state", to_string(t.state));
    j.key("mark");
    if (t.mark) j.value(std::string(1, t.mark)); else j.null();
    j.field("form", to_string(t.form)).field("parallel", t.parallel);
    j.key("story");
    if (t.story_label.empty()) j.null(); else j.value(t.story_label);
    j.key("other_stories").begin_array();
    for (const auto& s : t.other_stories) j.value(s);
    j.end_array();
    j.field("priority", t.priority);
    j.key("labels").begin_array();
    for (const auto& l : t.labels) j.value(l);
    j.end_array();
    j.field("description", t.description).field("phase", t.phase).field("group", t.group);
    j.key("body").begin_array();
    if (t.body_first) j.value(t.body_first).value(t.body_last);
    j.end_array();
    j.key("paths").begin_array();
    for (const auto& p : t.paths) j.value(p.path);
    j.end_array();
    write_refs(j, t.depends_on);
    j.end_object();
  }
  j.end_array();
  j.key("statements").begin_array();
  for (const Statement& s : plan.statements)
    j.begin_object().field("line", s.line).field("text", s.text).field("section", s.section)
        .field("in_code", s.in_code).field("diagram", s.diagram).field("drawing", s.drawing).end_object();
  j.end_array();
  // The parser's diagnostics, then the dependency graph's (a cycle, a self-dependency).
  for (const auto& [key, list] : {std::pair{"diagnostics", &plan.diagnostics}, std::pair{"graph_diagnostics", &graph_diags}}) {
    j.key(key).begin_array();
    for (const Diagnostic& d : *list)
      j.begin_object().field("line", d.line).field("severity", to_string(d.severity))
          .field("code", d.code).field("message", d.message).end_object();
    j.end_array();
  }
  j.key("skipped").begin_array();
  for (const Skipped& s : plan.skipped)
    j.begin_object().field("line", s.line).field("reason", to_string(s.reason)).field("text", s.text).end_object();
  j.end_array();
  j.end_object();
}

const char* reason_text(SkipReason r) {
  switch (r) {
    case SkipReason::nested: return "nested under a task or list item";
    case SkipReason::no_id: return "checkbox without a task ID";
    case SkipReason::legend: return "legend line ('- [P] …')";
    case SkipReason::in_code: return "inside a code block";
    case SkipReason::in_comment: return "inside an HTML comment or frontmatter";
    case SkipReason::other_mark: return "marked neither done nor pending ([~], [-], [DEFERRED], SKIPPED, struck through, under a Backlog heading …)";
    case SkipReason::section: return "a heading, bold or numbered item with tasks under it: a section, not a task";
    case SkipReason::mirror: return "re-lists tasks declared elsewhere: a mirror, never run and never marked";
    case SkipReason::note: return "a bold note about a task (the bold runs on past the ID, or no task has an ID of its kind)";
    case SkipReason::criterion: return "a requirement or success criterion (FR-, SC-, AC- …) to tick, not a task to run";
    case SkipReason::checklist: return "a checklist of outcomes outside the phases (file without IDs): to tick, not to run";
    case SkipReason::step: return "a step of the Task heading above it: ticked when that task succeeds";
    case SkipReason::progress: return "the progress box of the Task heading it names: ticked when that task succeeds";
  }
  return "?";
}

// "lines 35, 44, 90 …": where the first few are.
std::string first_lines(const std::vector<int>& lines) {
  std::string out = lines.size() == 1 ? "line " : "lines ";
  for (std::size_t i = 0; i < lines.size() && i < 5; ++i) out += (i ? ", " : "") + std::to_string(lines[i]);
  if (lines.size() > 5) out += ", …";
  return out;
}

// The sections and lines skipped (verbose), then the counts.
void print_summary(const std::string& path, const Plan& plan, const std::vector<Diagnostic>& graph_diags, bool verbose) {
  std::size_t done = 0, pending = 0, other = 0, headless = 0;
  std::vector<std::size_t> phase_tasks(plan.phases.size(), 0), group_tasks(plan.groups.size(), 0);
  for (const Task& t : plan.tasks) {
    if ((t.form == TaskForm::heading || t.form == TaskForm::bold_item || t.form == TaskForm::paragraph) && !t.has_marks()) ++headless;
    if (t.state == TaskState::done) ++done;
    else if (t.state == TaskState::pending) ++pending;
    else ++other;
    ++phase_tasks[static_cast<std::size_t>(t.phase)];
    ++group_tasks[static_cast<std::size_t>(t.group)];
  }
  if (verbose) {
    // The sections tasks run in: phases in order, and their groups in order.
    for (std::size_t p = 0; p < plan.phases.size(); ++p) {
      const Phase& ph = plan.phases[p];
      fmt::print("{}:{}: phase \"{}\" ({}): {} task{}\n", path, ph.line, ph.title.empty() ? "(untitled)" : printable(ph.title),
                 to_string(ph.kind), phase_tasks[p], phase_tasks[p] == 1 ? "" : "s");
      for (std::size_t g = 0; g < plan.groups.size(); ++g)
        if (plan.groups[g].phase == static_cast<int>(p) && plan.groups[g].line > 0)
          fmt::print("{}:{}:   group \"{}\": {} task{}\n", path, plan.groups[g].line, printable(plan.groups[g].title), group_tasks[g],
                     group_tasks[g] == 1 ? "" : "s");
    }
    for (const Skipped& s : plan.skipped)
      fmt::print("{}:{}: not executed ({}: {}): {}\n", path, s.line, to_string(s.reason), reason_text(s.reason), printable(s.text));
  }

  std::size_t groups = 0;
  for (const Group& g : plan.groups) groups += g.line > 0;
  fmt::print("{}: {} tasks in {} phases ({} groups): {} done, {} pending", path, plan.tasks.size(),
             plan.phases.size(), groups, done, pending);
  if (other) fmt::print(", {} marked otherwise (not run)", other);
  fmt::print("\n");
  if (headless)
    fmt::print("  {} {} no checkbox: {} state is kept in flow's journal (done also by a Status field, a status table or a closing ✅)\n", headless,
               headless == 1 ? "task has" : "tasks have", headless == 1 ? "its" : "their");
  std::map<SkipReason, std::vector<int>> by_reason;
  for (const Skipped& s : plan.skipped) by_reason[s.reason].push_back(s.line);
  if (!by_reason.empty()) {
    fmt::print("  not executed{}:\n", verbose ? "" : " (--verbose lists every line and the sections)");
    for (const auto& [r, lines] : by_reason)
      fmt::print("    {} {}: {} ({})\n", lines.size(), to_string(r), reason_text(r), first_lines(lines));
  }
  const std::size_t nerr = count(plan.diagnostics, graph_diags, Severity::error);
  const std::size_t nwarn = count(plan.diagnostics, graph_diags, Severity::warning);
  fmt::print("  {} error{}, {} warning{}\n", nerr, nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s");
}

int check_file(const Args& args) {
  std::string path = args.operands.empty() ? std::string() : args.operands.front();
  const bool json = args.has("json"), verbose = args.verbosity == Verbosity::verbose;
  if (path.empty() && !find_feature_tasks("check", path)) return kUsage;
  auto text = read_file(path);
  if (!text) {
    fmt::print(stderr, "flow check: {}\n", text.error().message);
    return kUsage;
  }
  const Plan plan = parse_tasks_md(*text);
  // The graph too: check reports everything plan and run would refuse (a cycle) or
  // ignore (a task that depends on itself).
  // Built on the paths as a run resolves them (`/login`, a route, names no file; an
  // absolute path inside the repository is its relative one), so that what it says of
  // files two [P] tasks share is what a run does; the plan shown keeps them as written.
  // What resolving the paths finds (a file outside the repository) is reported with the
  // graph's diagnostics: the parser's are the file's alone.
  Plan resolved = plan;
  resolved.diagnostics.clear();
  resolve_paths(resolved, path_context(path, default_workdir(path)));
  std::vector<Diagnostic> graph_diags = std::move(resolved.diagnostics);
  if (auto g = build_graph(resolved)) graph_diags.insert(graph_diags.end(), g->diagnostics().begin(), g->diagnostics().end());
  else graph_diags.push_back(Diagnostic{Severity::error, g.error().line, "cycle", g.error().message});
  const bool errors = count(plan.diagnostics, graph_diags, Severity::error) > 0;
  if (json) {
    Json j;
    write_json(j, path, plan, graph_diags);
    fmt::print("{}\n", j.str());
    return errors ? kUsage : kOk;
  }
  for (const std::vector<Diagnostic>* list : {&std::as_const(plan.diagnostics), &std::as_const(graph_diags)})
    for (const Diagnostic& d : *list) {
      if (d.severity == Severity::info && !verbose) continue;
      fmt::print("{}:{}: {}: {} [{}]\n", path, d.line, to_string(d.severity), printable(d.message), d.code);
    }
  if (args.verbosity != Verbosity::quiet) print_summary(path, plan, graph_diags, verbose);
  return errors ? kUsage : kOk;
}

}  // namespace

const Command& check_command() {
  static const Command cmd{
      "check",
      "[<tasks.md>]",
      1,
      "read a tasks.md and report what flow sees",
      "Reads tasks.md and reports diagnostics as 'path:line: severity: message [code]',\n"
      "then a summary. Nothing is written. With -v it also lists the sections (phases,\n"
      "groups) and every line that looks like a task but is not executed, and why.\n",
      {
          {"json", 0, "", "print the parsed plan as one JSON object (schema: docs/check-json.md)"},
      },
      "exit status: 0 no errors (warnings allowed); 2 errors (what plan and run refuse: a\n"
      "cycle, a NUL byte …), a usage or an I/O error\n",
      check_file,
  };
  return cmd;
}

}  // namespace flow::cli
