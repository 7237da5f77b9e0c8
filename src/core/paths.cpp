// SPDX-License-Identifier: MIT
// Finding the file paths a task names: backticks, markdown links and bare tokens,
// with line suffixes stripped, braces expanded and paths confined to the repository.
#include <flow/tasks_md.hpp>

#include "core/locks.hpp"
#include "core/tasks_md_internal.hpp"
#include "support/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <unordered_set>

namespace flow::detail {

namespace {

constexpr std::string_view kExtensions[] = {
    "adoc", "astro", "bash", "bat", "bib", "c", "cc", "cfg", "cjs", "clj", "cmake", "cmd", "conf",
    "cpp", "cs", "cshtml", "csproj", "css", "csv", "cts", "cxx", "dart", "db", "dockerfile", "ejs",
    "env", "erl", "ex", "exs", "fs", "fsx", "gemspec", "gif", "go", "gql", "gradle", "graphql", "h",
    "hbs", "hcl", "hh", "hpp", "hs", "htm", "html", "ico", "ini", "ipynb", "j2", "java", "jinja",
    "jl", "jpeg", "jpg", "js", "json", "jsonc", "jsonl", "jsx", "kt", "kts", "less", "lock", "log",
    "lua", "m", "make", "md", "mdx", "mjs", "mm", "mod", "mts", "nix", "php", "pl", "plist", "pm",
    "png", "prisma", "properties", "proto", "ps1", "pug", "py", "pyi", "r", "rake", "razor", "rb",
    "rs", "rst", "sass", "scala", "scss", "sh", "sln", "snap", "sql", "sum", "svelte", "svg",
    "swift", "tex", "tf", "tfvars", "tmpl", "toml", "tpl", "ts", "tsx", "txt", "vue", "wasm", "xml",
    "yaml", "yml", "zig", "zsh"};

constexpr std::string_view kNames[] = {
    "Dockerfile", "Makefile", "Gemfile", "Procfile", "Jenkinsfile", "Rakefile", "Vagrantfile",
    "LICENSE", "CODEOWNERS", "Brewfile", "Justfile", "Caddyfile", "Containerfile", "Pipfile"};

// Extensions of at most 8 bytes, packed little-endian into one integer each: the lookup
// compares integers, not strings.
constexpr std::uint64_t pack(std::string_view s) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = s.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// An open-addressed table of them (a quarter full): one multiply, one or two probes.
constexpr std::size_t kExtSlots = 512;
constexpr std::size_t ext_slot(std::uint64_t packed) noexcept {
  return static_cast<std::size_t>((packed * 0x9E3779B97F4A7C15ull) >> 55);  // 9 bits
}
constexpr auto kExtensionTable = [] {
  std::array<std::uint64_t, kExtSlots> table{};
  for (auto e : kExtensions) {
    if (e.size() > 8) continue;
    std::size_t i = ext_slot(pack(e));
    while (table[i] != 0) i = (i + 1) % kExtSlots;
    table[i] = pack(e);
  }
  return table;
}();

bool known_extension(std::string_view ext) {
  if (ext.empty() || ext.size() > 10) return false;
  std::array<char, 10> low{};
  for (std::size_t i = 0; i < ext.size(); ++i) low[i] = to_lower(ext[i]);
  const std::string_view l(low.data(), ext.size());
  if (l.size() > 8) return std::find(std::begin(kExtensions), std::end(kExtensions), l) != std::end(kExtensions);
  const std::uint64_t key = pack(l);
  for (std::size_t i = ext_slot(key);; i = (i + 1) % kExtSlots) {
    if (kExtensionTable[i] == key) return true;
    if (kExtensionTable[i] == 0) return false;
  }
}

// `.env`, `.gitignore`, `.eslintrc.json`: a file. `.xlsx`, `.ts`: an extension in prose.
bool is_dotfile(std::string_view name) {
  if (name.size() < 2 || name[0] != '.') return false;
  const std::string_view rest = name.substr(1);
  if (!std::all_of(rest.begin(), rest.end(), [](char c) {
        return is_lower(c) || is_digit(c) || c == '-' || c == '_' || c == '.';
      }))
    return false;
  static constexpr std::string_view prefixes[] = {
      "env", "git", "editorconfig", "eslint", "prettier", "npm", "nvm", "docker", "github", "vscode",
      "flow", "specify", "claude", "husky", "cargo", "babel", "stylelint", "terraform", "python-version",
      "node-version", "tool-versions", "pre-commit", "golangci", "clang", "swift", "rubocop", "yarn"};
  for (auto p : prefixes)
    if (starts_with(rest, p)) return true;
  return rest.ends_with("rc") || rest.ends_with("ignore");
}

enum : std::uint8_t { kStop = 1, kSlash = 2, kDot = 4, kWord = 8, kSuffix = 16 };
constexpr auto kClass = [] {
  std::array<std::uint8_t, 256> t{};
  t[' '] = t['\t'] = t['`'] = kStop;
  t['/'] = t['\\'] = kSlash;
  t['.'] = kDot;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = kWord;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kWord;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = kWord;
  t['*'] = t['{'] = t['_'] = t['-'] = kWord;
  t[':'] = t['#'] = kSuffix;  // `file.py:12`, `file.py#L3`
  return t;
}();

// Where the first CJK punctuation mark in `t` is (U+3000–U+303F: `、。「」`; U+30FB: `・`;
// the full-width forms U+FF01–U+FF0F, U+FF1A–U+FF20, U+FF5B–U+FF65: `（）：，；？！`), or npos.
std::size_t cjk_punctuation(std::string_view t) noexcept {
  for (std::size_t k = t.find_first_of("\xE3\xEF"); k != std::string_view::npos && k + 2 < t.size();
       k = t.find_first_of("\xE3\xEF", k + 1)) {
    const auto b1 = static_cast<unsigned char>(t[k + 1]), b2 = static_cast<unsigned char>(t[k + 2]);
    if (t[k] == '\xE3' && ((b1 == 0x80 && b2 >= 0x80 && b2 <= 0xBF) || (b1 == 0x83 && b2 == 0xBB))) return k;
    const unsigned cp = 0xFF00u | ((b1 & 0x03u) << 6) | (b2 & 0x3Fu);  // EF BC/BD xx: U+FF00–U+FF7F
    if (t[k] == '\xEF' && (b1 == 0xBC || b1 == 0xBD) && b2 >= 0x80 && b2 <= 0xBF &&
        ((cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF5B && cp <= 0xFF65)))
      return k;
  }
  return std::string_view::npos;
}

// The length of the CJK letter (kana, ideograph, Hangul) at `t[k]`, or 0.
std::size_t cjk_letter(std::string_view t, std::size_t k) noexcept {
  if (k + 3 > t.size()) return 0;
  const auto b0 = static_cast<unsigned char>(t[k]), b1 = static_cast<unsigned char>(t[k + 1]),
             b2 = static_cast<unsigned char>(t[k + 2]);
  if ((b0 & 0xF0) != 0xE0 || (b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80) return 0;
  const unsigned cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
  const bool letter = (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x9FFF) ||
                      (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF);
  return letter ? 3 : 0;
}

// Chinese, Japanese and Korean glue their words to a path: `创建grid_trading/tests/
// conftest.py和pytest.ini`, `app/database.py에서`, `在src/components目录下`. In the token
// `t`: how many bytes of such letters lead it before an ASCII letter or digit (`创建`), to
// be skipped; else where the path ends: at the first such letter after an ASCII letter,
// digit, '_' or '/' that ASCII follows, or after a letter, digit or '_' when a file's
// extension comes before it or no '/' or '.' comes after it (`README中文.md`, `docs/设计.md`
// and a list `A/B/相关` are left whole). {0, npos}: none.
std::pair<std::size_t, std::size_t> cjk_glue(std::string_view t) noexcept {
  const auto word = [](char c) { return is_alnum(c) || c == '_'; };
  std::size_t k = 0;
  while (const std::size_t n = cjk_letter(t, k)) k += n;
  if (k > 0) return {k < t.size() && word(t[k]) ? k : 0, std::string_view::npos};
  for (k = 1; k + 2 < t.size(); ++k) {
    if (!(word(t[k - 1]) || t[k - 1] == '/') || cjk_letter(t, k) == 0) continue;
    const std::string_view before = t.substr(0, k), rest = t.substr(k);
    const std::size_t slash = before.rfind('/'), dot = before.rfind('.');
    const bool extension = dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash) &&
                           dot + 1 < before.size();
    std::size_t run = 0;
    while (const std::size_t n = cjk_letter(rest, run)) run += n;
    // `app并注册到listing_…`, `src/qeel/core/ディレクトリと__init__.py`: words on both sides.
    const bool between = run < rest.size() && word(rest[run]);
    if (between || (t[k - 1] != '/' && (extension || rest.find_first_of("/.") == std::string_view::npos)))
      return {0, k};
    return {0, std::string_view::npos};
  }
  return {0, std::string_view::npos};
}

// Whether `s` is a host name: lower-case labels joined by dots, the last a common top-level
// domain (`ghcr.io`, `mcr.microsoft.com`; not `docs.v2` nor `app.module`).
bool on_host(std::string_view s) noexcept {
  const std::size_t dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  for (const char c : s)
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '.')) return false;
  static constexpr std::string_view tlds[] = {"io", "com", "org", "net", "dev", "ai", "cloud", "gov", "edu"};
  return std::find(std::begin(tlds), std::end(tlds), s.substr(dot + 1)) != std::end(tlds);
}

// A file extension no file is named by alone (`md` of `.md`): unlike `.env` or `.npmrc`.
bool is_extension_only(std::string_view ext) noexcept {
  static constexpr std::string_view kinds[] = {"md", "json", "ts", "tsx", "js", "jsx", "py", "rs", "go", "cs", "csproj",
                                               "sh", "yaml", "yml", "toml", "html", "css", "txt", "java", "kt", "rb",
                                               "php", "c", "cpp", "h", "hpp", "sql", "xml", "dart", "swift", "vue", "svelte"};
  return std::find(std::begin(kinds), std::end(kinds), ext) != std::end(kinds);
}

// "in", "at", "In", "At", "to", "into", "under": a word after which a bare directory
// names where the file before it goes. Most words are ruled out by their length; the
// two-letter ones are compared as one integer each.
bool is_in_word(std::string_view t) noexcept {
  const auto two = [](char a, char b) {
    return static_cast<unsigned>(static_cast<unsigned char>(a)) << 8 | static_cast<unsigned char>(b);
  };
  switch (t.size()) {
    case 2: {
      const unsigned v = two(t[0], t[1]);
      return v == two('i', 'n') || v == two('a', 't') || v == two('I', 'n') || v == two('A', 't') ||
             v == two('t', 'o');
    }
    case 4: return t == "into";
    case 5: return t == "under";
    default: return false;
  }
}

// "interface", "component", "model": what a file is, written between its name and the
// folder it goes in ("Create IFoo.cs interface in src/Core/Interfaces/").
bool is_kind_word(std::string_view t) noexcept {
  if (t.size() < 3 || t.size() > 11) return false;
  static constexpr std::string_view kinds[] = {"interface", "class", "component", "module", "file", "model", "service",
                                               "enum", "struct", "record", "type", "hook", "page", "controller",
                                               "helper", "script", "test", "tests", "view", "template", "schema",
                                               "entity", "dto", "partial", "stub", "base", "abstract", "static",
                                               "new", "empty", "config", "fixture", "fixtures", "migration",
                                               // German puts the verb last: "`X.sql` erstellen in `db/`"
                                               "erstellen", "anlegen", "schreiben", "ergänzen", "erweitern",
                                               "definieren", "einfügen", "ablegen", "hinzufügen"};
  return std::find(std::begin(kinds), std::end(kinds), t) != std::end(kinds);
}

// A word that joins the names of a list: "a.js and b.js in src/", "`A.java` und `B.java`".
bool is_list_word(std::string_view t) noexcept {
  return t == "and" || t == "or" || t == "&" || t == "und" || t == "oder" || t == "y" || t == "e" || t == "et" ||
         t == "ou" || t == "o";
}

// Top folders of real trees: "apps/web", "test/demo" are folders even in two plain words.
bool is_known_top(std::string_view top) {
  static constexpr std::string_view kTops[] = {
      "api", "app", "apps", "assets", "backend", "build", "client", "cmd", "config", "docs", "examples",
      "frontend", "include", "internal", "lib", "libs", "modules", "packages", "pkg", "plugins", "public",
      "scripts", "server", "services", "spec", "specs", "src", "test", "tests", "tools", "web"};
  if (top.size() > 16) return false;
  std::array<char, 16> low{};
  for (std::size_t i = 0; i < top.size(); ++i) low[i] = to_lower(top[i]);
  return std::find(std::begin(kTops), std::end(kTops), std::string_view(low.data(), top.size())) != std::end(kTops);
}

// "Railway/Render", "try/catch", "edit/delete": up to three words joined by slashes, with
// no known top folder. A folder named that way has a known top, more segments, or a
// name no word has (`__specification__/config`).
bool slashed_words(std::string_view t) {
  if (t.empty() || t[0] == '/') return false;  // a route: absolute, so flagged and never locked
  std::size_t segments = 1;
  for (const char c : t) {
    if (c == '/') ++segments;
    else if (!is_alpha(c)) return false;
  }
  return segments <= 3 && !is_known_top(t.substr(0, t.find('/')));
}

// `pcrov/polyline`, `lodash/fp`: vendor/package, read as a package where the line speaks
// of a package manager.
bool package_shaped(std::string_view t) {
  const std::size_t slash = t.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size() || t.find('/', slash + 1) != std::string_view::npos ||
      !is_alnum(t[0]))  // `.github/flutter-version` is a file
    return false;
  if (!std::all_of(t.begin(), t.end(), [](char c) { return is_lower(c) || is_digit(c) || c == '-' || c == '_' || c == '.' || c == '/'; }))
    return false;
  const std::string_view name = t.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  return !is_known_top(t.substr(0, slash)) && (dot == std::string_view::npos || !known_extension(name.substr(dot + 1)));
}

bool mentions_packages(std::string_view s) {
  for (std::string_view w : {"composer", "package", "npm ", "yarn ", "pnpm ", "pip ", "cargo ", "gem ", "go get", "require"})
    if (ifind(s, w) != std::string_view::npos) return true;
  return false;
}

// "see", "per", "cf.": what follows is cited for reference ("per data-model.md",
// "SEE MONITORING.md setup instructions", "selon `data-model.md`").
bool is_cite_word(std::string_view t) {
  // "参考：quickstart.md", "详见 plan.md", "参照: spec.md" (reference, see): the word may end
  // a run of Chinese or Japanese with no space before it.
  for (std::string_view w : {"\xE5\x8F\x82\xE8\x80\x83", "\xE5\x8F\x83\xE8\x80\x83",   // 参考 參考
                             "\xE5\x8F\x82\xE8\xA7\x81", "\xE5\x8F\x83\xE8\xA6\x8B",   // 参见 參見
                             "\xE5\x8F\x82\xE7\x85\xA7", "\xE8\xAF\xA6\xE8\xA7\x81",   // 参照 详见
                             "\xE8\xA9\xB3\xE8\xA6\x8B"})                             // 詳見
    if (t.ends_with(w)) return true;
  while (!t.empty() && (t.front() == '(' || t.front() == '[' || t.front() == '*' || t.front() == '_')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ':' || t.back() == ',')) t.remove_suffix(1);
  if (t.size() < 2 || t.size() > 8) return false;
  for (std::string_view w : {"see", "per", "cf.", "cf", "selon", "voir", "según", "segun", "conforme", "ver", "vide"})
    if (t.size() == w.size() && istarts_with(t, w)) return true;
  return false;
}

// "(research.md §8)", "`data-model.md` §3.1": a section of the document before `s[at]`
// is cited. Only feature documents are taken as cited this way: "Update `SPECIFICATION.md`
// §6.3" edits the project's own.
bool section_follows(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return s.compare(at, 2, "\xC2\xA7") == 0;
}

// A document a task cites rather than edits: Markdown and other prose, or a feature
// document (`contracts/…`).
bool is_document(std::string_view p) {
  const std::size_t dot = p.rfind('.');
  const std::string_view ext = dot == std::string_view::npos || p.find('/', dot) != std::string_view::npos ? std::string_view() : p.substr(dot + 1);
  return ext == "md" || ext == "mdx" || ext == "rst" || ext == "adoc" || is_feature_doc(p);
}

// Whether the words just before `s[at]` say the task leaves what follows as it is: "sin
// modificar `x.tsx`", "no se toca `services/api/`", "do NOT touch", "without modifying
// the", "NÃO alterar", "sans modifier". Such a file is no file the task touches: locking
// it would only keep tasks apart that do not meet.
bool untouched_before(std::string_view s, std::size_t at) {
  // Most paths follow a word of no such phrase: only a letter before them is looked at.
  std::size_t end = at;
  while (end > 0 && (is_space(s[end - 1]) || s[end - 1] == '*' || s[end - 1] == '_' || s[end - 1] == ':')) --end;
  if (end == 0 || !is_alpha(s[end - 1])) return false;
  // Every phrase ends with a verb or an article of few letters: the last word says whether
  // to look further (`in`, `to`, `Create` before most paths do not).
  std::size_t word = end;
  while (word > 0 && is_alpha(s[word - 1])) --word;
  static constexpr std::string_view kLast[] = {
      "modificar", "tocar", "cambiar", "alterar", "toca", "tocan", "modifica", "modifican", "modify", "touch",
      "edit", "change", "modifying", "touching", "changing", "editing", "modifier", "toucher", "em",
      "the", "any", "el", "la", "los", "las", "o", "a", "os", "as", "le", "les"};
  const std::string_view last = s.substr(word, end - word);
  if (std::none_of(std::begin(kLast), std::end(kLast),
                   [&](std::string_view w) { return w.size() == last.size() && istarts_with(last, w); }))
    return false;
  const std::size_t n = std::min<std::size_t>(end, 48);
  std::array<char, 48> buf{};
  for (std::size_t k = 0; k < n; ++k) {
    char c = s[end - n + k];
    if (is_upper(c)) c = static_cast<char>(c + 32);
    else if (c == '\x83' && k > 0 && buf[k - 1] == '\xC3') c = '\xA3';  // Ã → ã
    buf[k] = c;
  }
  std::string_view t(buf.data(), n);
  // An article or a determiner between: "without modifying the `x`", "sin modificar el `x`".
  for (std::string_view a : {" the", " any", " el", " la", " los", " las", " o", " a", " os", " as", " le", " les"})
    if (t.ends_with(a)) {
      t.remove_suffix(a.size());
      while (!t.empty() && is_space(t.back())) t.remove_suffix(1);
      break;
    }
  static constexpr std::string_view kPhrases[] = {
      "sin modificar", "sin tocar", "sin cambiar", "sin alterar", "no se toca", "no se tocan", "no se modifica",
      "no se modifican", "no tocar", "no modificar", "do not modify", "do not touch", "do not edit",
      "do not change", "don't modify", "don't touch", "don't edit", "don't change", "dont touch",
      "without modifying", "without touching", "without changing", "without editing", "must not modify",
      "must not touch", "must not change", "must not edit", "sem modificar", "sem alterar", "sem tocar", "n\xC3\xA3o modificar", "n\xC3\xA3o alterar", "n\xC3\xA3o tocar",
      "n\xC3\xA3o mexer em", "sans modifier", "sans toucher", "ne pas modifier", "ne pas toucher"};
  for (std::string_view p : kPhrases)
    if (t.ends_with(p) && (t.size() == p.size() || !is_alnum(t[t.size() - p.size() - 1]))) return true;
  return false;
}

// Whether the text from a file left alone (`s[from]`) to `s[at]` goes on with the list
// of them: "no se toca `a/` ni `b/`", "do not touch `a` or `b`". Not past a comma or an
// "and" ("do not touch `a`, `b` gets the fix"): a file kept there is only a lock too many.
bool untouched_list_goes_on(std::string_view s, std::size_t from, std::size_t at) {
  const std::string_view between = trim(s.substr(from, at - from));
  return between == "ni" || between == "nor" || between == "nem" || between == "or" || between == "o" ||
         between == "ou";
}

enum class Source { backtick, link, bare, bare_after_in };

// Whether a token is cited for reference: after "see", "per" … (then no document it
// names is a file the task touches), or before a section sign (then no feature document).
enum class Cited { no, word, section };

// Japanese puts the citing word after the document: "`DESIGN.md` のトークンに準拠" (per
// DESIGN.md's tokens), "`docs/api.md` を参照" (see docs/api.md), "… に従って" (following),
// "… に基づき" (based on), "§5 の判定ルールどおり" (as §5's rules say), up to the next
// punctuation.
bool cited_after(std::string_view s, std::size_t end) {
  std::string_view rest = s.substr(std::min(end, s.size()));
  rest = rest.substr(0, std::min<std::size_t>(rest.size(), 64));
  for (std::string_view stop : {"`", "(", ")", "\n", "\xE3\x80\x81", "\xE3\x80\x82", "\xEF\xBC\x8C", "\xEF\xBC\x88",
                                "\xEF\xBC\x89", "\xEF\xBC\x9B"})  // 、。，（）；
    if (const std::size_t at = rest.find(stop); at != std::string_view::npos) rest = rest.substr(0, at);
  for (std::string_view w : {"\xE3\x81\xAB\xE6\xBA\x96\xE6\x8B\xA0",    // に準拠
                             "\xE5\x8F\x82\xE7\x85\xA7",                    // 参照
                             "\xE3\x81\xAB\xE5\xBE\x93",                    // に従
                             "\xE3\x81\xAB\xE5\x9F\xBA\xE3\x81\xA5",     // に基づ
                             "\xE3\x81\xA9\xE3\x81\x8A\xE3\x82\x8A",     // どおり (as in)
                             "\xE9\x80\x9A\xE3\x82\x8A"})                // 通り
    if (rest.find(w) != std::string_view::npos) return true;
  return false;
}

// Whether `s[end]` is inside an open parenthesis (ASCII or full-width), looking back at
// most 256 bytes.
bool in_parenthesis(std::string_view s, std::size_t end) {
  int depth = 0;
  for (std::size_t i = std::min(end, s.size()), n = 0; i > 0 && n < 256; --i, ++n) {
    const char c = s[i - 1];
    if (c == ')' || (c == '\x89' && i >= 3 && s.compare(i - 3, 3, "\xEF\xBC\x89") == 0)) ++depth;
    if (c == '(' || (c == '\x88' && i >= 3 && s.compare(i - 3, 3, "\xEF\xBC\x88") == 0)) {
      if (depth == 0) return true;
      --depth;
    }
  }
  return false;
}

// A section of a document cited in an aside (`（… — `docs/terrain.md` §2）`, "(see
// ARCHITECTURE.md §4)") is read, not edited, whatever the document.
// So is a document followed by the name of one of its parts (`(plan.md R3)`,
// `（spec.md FR-004）`, `(research.md D2.1)`): a capital or a few, maybe a dash, a number.
bool part_follows(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  std::size_t i = at;
  while (i < s.size() && is_upper(s[i]) && i - at < 4) ++i;
  if (i == at) return false;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t digits = i;
  while (i < s.size() && (is_digit(s[i]) || (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1])))) ++i;
  return i > digits && (i == s.size() || !is_alnum(s[i]));
}

Cited cited_at(bool cite_word, std::string_view s, std::size_t end) {
  if (cite_word || cited_after(s, end)) return Cited::word;
  if (section_follows(s, end)) return in_parenthesis(s, end) ? Cited::word : Cited::section;
  return part_follows(s, end) && in_parenthesis(s, end) ? Cited::word : Cited::no;
}

// Strips punctuation around a token, a `:12-40` or `#L12` suffix and a trailing ellipsis.
// `suffix`: whether the token may hold a ':' or '#' (callers that classified its bytes
// already know it has none).
std::string_view strip_token(std::string_view t, Source src, bool suffix = true) {
  for (;;) {
    const std::size_t before = t.size();
    // A leading '*' is a bold marker in prose, but a glob in a code span (`*.constants.ts`).
    while (!t.empty() && (t.front() == '(' || t.front() == '"' || t.front() == '\'' ||
                          t.front() == '<' || t.front() == '[' || (t.front() == '*' && src != Source::backtick)))
      t.remove_prefix(1);
    while (!t.empty() && (t.back() == ')' || t.back() == ',' || t.back() == ';' || t.back() == ':' ||
                          t.back() == '.' || t.back() == '"' || t.back() == '\'' || t.back() == '>' ||
                          t.back() == '!' || t.back() == ']' || (t.back() == '*' && src != Source::backtick) ||
                          (t.back() == '?' && src != Source::backtick)))
      t.remove_suffix(1);
    if (t.size() >= 3 && t.substr(t.size() - 3) == "\xE2\x80\xA6") t.remove_suffix(3);  // …
    if (t.size() == before) break;
  }
  if (!suffix) return t;
  const bool colon = !t.empty() && std::memchr(t.data(), ':', t.size()) != nullptr;
  // `app/pdf_builder.py::build_pdf`, `tests/test_x.py::TestA::test_b`: a symbol or a test
  // in the file (`std::vector` has no file before it).
  if (const std::size_t c = colon ? t.find("::") : std::string_view::npos; c != std::string_view::npos && c > 0) {
    const std::string_view file = t.substr(0, c);
    const std::size_t slash = file.rfind('/'), dot = file.rfind('.');
    if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash) && dot + 1 < file.size()) return file;
    return {};  // `Illuminate\Support\Facades::Route`, `crate::store`: a name, no file
  }
  // `trials.tsx:160-178`, `file.py:12`, `stress.py:L254-261`, `seeder.py:L7,L17,L216`
  // (most tokens have no ':': memchr answers first)
  if (std::size_t c = colon ? t.rfind(':') : std::string_view::npos;
      c != std::string_view::npos && c + 1 < t.size()) {
    bool digits = true;
    for (std::size_t i = c + 1; i < t.size(); ++i)
      if (!is_digit(t[i]) && t[i] != '-' && t[i] != ',' && !(t[i] == 'L' && i + 1 < t.size() && is_digit(t[i + 1]))) {
        digits = false;
        break;
      }
    if (digits) t = t.substr(0, c);
  }
  if (!t.empty() && std::memchr(t.data(), '#', t.size()))
    if (std::size_t h = t.find("#L"); h != std::string_view::npos && h > 0) t = t.substr(0, h);
  return t;
}

// Whether a token without a path separator may be one of kNames once stripped.
bool maybe_named(std::string_view tok, bool suffix) {
  if (tok.size() < 7) return false;
  const std::string_view t = strip_token(tok, Source::bare, suffix);
  return t.size() >= 7 && std::find(std::begin(kNames), std::end(kNames), t) != std::end(kNames);
}

// `{a,b}` groups multiply out; at most 64 results.
void expand_braces(const std::string& p, std::vector<std::string>& out) {
  const std::size_t open = p.find('{');
  const std::size_t close = open == std::string::npos ? std::string::npos : p.find('}', open);
  if (open == std::string::npos || close == std::string::npos || out.size() >= 64) {
    if (out.size() < 64) out.push_back(p);
    return;
  }
  const std::string head = p.substr(0, open), tail = p.substr(close + 1);
  std::size_t s = open + 1;
  for (;;) {
    std::size_t comma = p.find(',', s);
    if (comma == std::string::npos || comma > close) comma = close;
    expand_braces(head + p.substr(s, comma - s) + tail, out);
    if (comma == close) break;
    s = comma + 1;
  }
}

// What a byte can do in a path token (consider()'s single pass).
enum : std::uint16_t {
  kLower = 1, kUpper = 2, kSep = 4, kDotC = 8, kBad = 16, kOpen = 32, kClose = 64,
  kComma = 128, kColon = 256, kGlob = 512, kBackslash = 1024,
};
constexpr auto kPathClass = [] {
  std::array<std::uint16_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = kLower;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = kUpper;
  t['/'] = kSep;
  t['\\'] = kSep | kBackslash;
  t['.'] = kDotC;
  // Shell and prose punctuation never appears in a path flow accepts.
  for (char c : std::string_view(" \t=<>|$\"';!`%^+&")) t[static_cast<unsigned char>(c)] = kBad;
  t['{'] = kOpen;
  t['}'] = kClose;
  t[','] = kComma;
  t[':'] = kColon;
  t['*'] = t['?'] = t['['] = kGlob;
  return t;
}();

constexpr std::size_t kNone = std::string_view::npos;

// A markdown escape (a backslash before ASCII punctuation: `\_config.yml`,
// `\.eslintrc.json`) is undone; other backslashes are Windows separators.
bool is_escapable(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

std::string unescape(std::string_view t) {
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size() && is_escapable(t[i + 1])) ++i;
    out += t[i];
  }
  return out;
}

bool consider_unescaped(std::string_view t, Source src, std::vector<PathRef>& out,
                        std::vector<std::string>& rejected, PathIndex* index, bool suffix, Cited cited);

// Returns true if it added a path to `out`. `escaped`: whether markdown escapes may
// still be in the token.
bool consider(std::string_view raw, Source src, std::vector<PathRef>& out,
              std::vector<std::string>& rejected, PathIndex* index, bool suffix = true, Cited cited = Cited::no,
              bool escaped = true) {
  const std::string_view t = strip_token(raw, src, suffix);
  if (t.size() < 2 || t.size() > 400) return false;
  if (t.front() == '@' || t.front() == '-' || t.front() == '#' || t.front() == '$') return false;

  // One branch-free pass: which kinds of bytes there are, and whether a separator is
  // followed by another or by a dot (then normalize_path() has work to do).
  unsigned seen = 0;
  bool unclean = t.front() == '.';  // "./x", "../x", "." …
  bool after_sep = false;
  for (const char ch : t) {
    const unsigned k = kPathClass[static_cast<unsigned char>(ch)];
    seen |= k;
    unclean |= after_sep & ((k & (kSep | kDotC)) != 0);  // no branch per byte
    after_sep = (k & kSep) != 0;
  }
  if ((seen & kBackslash) && escaped) return consider_unescaped(t, src, out, rejected, index, suffix, cited);
  if (seen & kBad) return false;
  if ((seen & kColon) && t.find("://") != std::string_view::npos) return false;
  // `ghcr.io/acme/tool`, `mcr.microsoft.com/devcontainers/base`, `github.com/org/mod`: an
  // image or a module on a host, not a file.
  if (const std::size_t slash = t.find('/'); slash != std::string_view::npos && on_host(t.substr(0, slash))) return false;
  if (seen & (kOpen | kClose | kComma)) {
    // Braces balance, and a comma only lists alternatives inside them. A group with no
    // comma lists none (the shell leaves `{x}` as it is): `{tenantId}/…`,
    // `apps/{app-name}/src/` are templates with a placeholder, not files.
    int depth = 0;
    bool listed = true;  // every group closed so far held a comma
    bool comma = false;  // the group open now holds one
    for (const char ch : t) {
      if (ch == '{') {
        ++depth;
        comma = false;
      } else if (ch == '}') {
        --depth;
        listed = listed && comma;
      } else if (ch == ',') {
        if (depth == 0) return false;
        comma = true;
      }
    }
    if (depth != 0 || !listed) return false;
  }
  // The last separator, and the last dot after it.
  std::size_t last_sep = kNone, last_dot = kNone;
  for (std::size_t i = t.size(); i-- > 0;) {
    const unsigned k = kPathClass[static_cast<unsigned char>(t[i])];
    if (k & kSep) {
      last_sep = i;
      break;
    }
    if ((k & kDotC) && last_dot == kNone) last_dot = i;
  }
  if (seen & kOpen) unclean = true;  // an expansion may produce "//" or "/./"
  const bool slash = (seen & kSep) != 0;
  const bool has_lower = (seen & kLower) != 0;
  if ((seen & (kLower | kUpper)) == 0) return false;
  const std::string_view last = last_sep == kNone ? t : t.substr(last_sep + 1);
  std::string_view ext;
  if (last_dot != kNone && last_dot + 1 < t.size()) ext = t.substr(last_dot + 1);
  // Most words in prose are not paths: a path has a '.', '/' or '\\', or is a known name.
  const bool named = ext.empty() && last.size() >= 7 && is_upper(last[0]) &&
                     std::find(std::begin(kNames), std::end(kNames), last) != std::end(kNames);
  if ((seen & (kSep | kDotC)) == 0 && !named) return false;
  const bool dotfile = last.size() > 1 && last[0] == '.' && is_dotfile(last);
  // `actions/checkout@v6`: a versioned package or action, not a file (`logo@2x.png` is one).
  if (const std::size_t at = last.find('@');
      at != std::string_view::npos && at + 1 < last.size() && (last[at + 1] == 'v' || is_digit(last[at + 1])) &&
      !known_extension(ext))
    return false;

  bool ok = false;
  switch (src) {
    case Source::backtick:
    case Source::link:
      ok = (slash && has_lower) || known_extension(ext) || named || dotfile;
      break;
    case Source::bare:
    case Source::bare_after_in:
      if (slash) {
        ok = t.back() == '/' || known_extension(ext) ||
             (src == Source::bare_after_in && has_lower && !slashed_words(t));
      } else {
        ok = known_extension(ext) || named || dotfile;
        // "Next.js", "Node.js": a product name, not a file.
        if (ok && ext == "js" && is_upper(last[0])) ok = false;
      }
      break;
  }
  // `console.log` is a call the task speaks of ("no console.log left"), not a log file.
  if (!ok || (!slash && last == "console.log")) return false;

  std::string p(t);
  if (seen & kBackslash) std::replace(p.begin(), p.end(), '\\', '/');
  // A formatter turns `__tests__` into bold markers: `src/**tests**/x.ts`.
  if (seen & kGlob) {
    for (std::size_t b = p.find("/**"); b != std::string::npos; b = p.find("/**", b + 1)) {
      const std::size_t e = p.find("**/", b + 3);
      if (e == std::string::npos) break;
      const std::string_view inner(p.data() + b + 3, e - b - 3);
      if (inner.empty() || !std::all_of(inner.begin(), inner.end(), [](char c) { return is_alnum(c) || c == '-'; })) continue;
      p.replace(e, 2, "__");
      p.replace(b + 1, 2, "__");
    }
  }
  // A Windows drive letter or a home directory (`~/src/app/x.py`, `C:/src/app/x.py`) is
  // outside the repository unless it passes through the repository's folder, which only
  // resolve_paths() knows: kept as an absolute path (`~user/…` names no folder flow can read).
  const bool drive = p.size() > 2 && is_alpha(p[0]) && p[1] == ':' && p[2] == '/';
  if (p[0] == '~' && p.size() > 1 && p[1] != '/') {
    rejected.push_back(p);
    return false;
  }

  bool added = false;
  auto add = [&](std::string e) {
    const bool absolute = e[0] == '/' || e[0] == '~' || drive;
    if (unclean && (e[0] == '~' || drive || !normalize_path(e))) {
      rejected.push_back(std::string(t));
      return;
    }
    if (e.empty() || e == "/") return;
    if (cited == Cited::word ? is_document(e) : cited == Cited::section && is_feature_doc(e)) return;
    const bool glob = (seen & kGlob) && glob_at(e) != std::string_view::npos;
    // A few paths: a scan. Many: the index, brought up to date with `out` first.
    constexpr std::size_t kIndexFrom = 32;
    if (index && out.size() >= kIndexFrom) {
      for (; index->indexed < out.size(); ++index->indexed) index->paths.insert(out[index->indexed].path);
      if (!index->paths.insert(e).second) return;
      ++index->indexed;
    } else if (std::any_of(out.begin(), out.end(), [&](const PathRef& r) { return r.path == e; })) {
      return;
    }
    const bool doc = !absolute && is_feature_doc(e);
    out.push_back(PathRef{std::move(e), absolute, glob, doc});
    added = true;
  };
  if (!(seen & kOpen)) {
    add(std::move(p));
  } else {
    std::vector<std::string> expanded;
    expand_braces(p, expanded);
    for (std::string& e : expanded) add(std::move(e));
  }
  return added;
}

// `\.eslintrc.json`, `\_config.yml`: the token without its markdown escapes (a token
// with none is considered as it is).
[[gnu::noinline]] bool consider_unescaped(std::string_view t, Source src, std::vector<PathRef>& out,
                                          std::vector<std::string>& rejected, PathIndex* index, bool suffix,
                                          Cited cited) {
  bool any = false;
  for (std::size_t i = 0; i + 1 < t.size() && !any; ++i) any = t[i] == '\\' && is_escapable(t[i + 1]);
  if (!any) return consider(t, src, out, rejected, index, suffix, cited, false);
  const std::string u = unescape(t);
  return consider(u, src, out, rejected, index, suffix, cited, false);
}

}  // namespace

bool is_feature_doc(std::string_view p) {
  if (p.size() < 7) return false;
  if (p[0] == 'c') return starts_with(p, "contracts/") || starts_with(p, "checklists/");
  if (!p.ends_with(".md")) return false;
  switch (p.size()) {
    case 7: return p == "spec.md" || p == "plan.md";
    case 8: return p == "tasks.md";
    case 11: return p == "research.md";
    case 13: return p == "data-model.md" || p == "quickstart.md";
    default: return false;
  }
}

bool normalize_path(std::string& path) {
  // Already normal: no "//", no "." or ".." segment, no leading "./".
  bool clean = !starts_with(path, "./") && path != "." && path != "..";
  for (std::size_t i = 0; clean && i + 1 < path.size(); ++i) {
    if (path[i] != '/') continue;
    if (path[i + 1] == '/') clean = false;
    else if (path[i + 1] == '.' && (i + 2 == path.size() || path[i + 2] == '/' ||
                                    (path[i + 2] == '.' && (i + 3 == path.size() || path[i + 3] == '/'))))
      clean = false;
  }
  if (clean && !starts_with(path, "../")) return true;
  const bool absolute = !path.empty() && path[0] == '/';
  const bool dir = !path.empty() && path.back() == '/';
  std::vector<std::string_view> parts;
  std::string_view s(path);
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    std::string_view seg = s.substr(i, j - i);
    if (seg.empty() || seg == ".") {
      // skip
    } else if (seg == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  if (absolute) out = "/";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  if (dir && !parts.empty()) out += '/';
  path = std::move(out);
  return true;
}

void find_paths(std::string_view s, std::vector<PathRef>& out, std::vector<std::string>& rejected, PathIndex* index) {
  // "styles.js in src/", "a.js and b.js in src/": each file's path takes the folder, and
  // the folder goes; the index follows the changes.
  auto join_folder = [&](std::size_t first) {
    const std::string folder = std::move(out.back().path);
    for (std::size_t file = first; file + 1 < out.size(); ++file) {
      std::string joined = folder + out[file].path;
      if (index && file < index->indexed) {
        index->paths.erase(out[file].path);
        index->paths.insert(joined);
      }
      out[file].path = std::move(joined);
    }
    if (index && out.size() <= index->indexed) {
      index->paths.erase(folder);
      index->indexed = out.size() - 1;
    }
    out.pop_back();
  };
  std::size_t i = 0;
  bool after_in = false;
  bool after_at = false;  // the word before was "at": a bare file name then is its place
  bool cite = false;  // the word before was "see", "per" …
  // Where the last file the text leaves as it is ends, for a list that goes on with others.
  std::size_t untouched_end = std::string_view::npos;
  const auto untouched = [&](std::size_t at) {
    return (untouched_end != std::string_view::npos && untouched_end <= at && untouched_list_goes_on(s, untouched_end, at)) ||
           untouched_before(s, at);
  };
  int packages = -1;  // whether `s` speaks of a package manager; asked at the first package-shaped span
  const auto package_context = [&] {
    if (packages < 0) packages = mentions_packages(s) ? 1 : 0;
    return packages == 1;
  };
  // The first of the bare file names just before "in" (`a.js`, `a.js and b.js`, `a.js, b.js`).
  std::size_t file_before_in = static_cast<std::size_t>(-1);
  bool run_open = false;  // the last word was such a file, or a word listing them ("and")
  int kind_words = 0;  // words saying what those files are, since them ("IFoo.cs interface in …")
  // After a token that added `out[before…]`: a bare file name starts or goes on with the run.
  const auto note_file = [&](bool added, std::size_t before) {
    const bool bare = added && out.size() == before + 1 && out.back().path.find('/') == std::string::npos;
    if (!bare) file_before_in = static_cast<std::size_t>(-1);
    else if (file_before_in == static_cast<std::size_t>(-1) || !run_open) file_before_in = before;
    run_open = bare;
    kind_words = 0;
  };
  while (i < s.size()) {
    const char c = s[i];
    if (is_space(c)) { ++i; continue; }
    if (c == '`') {
      const std::size_t close = s.find('`', i + 1);
      if (close == std::string_view::npos) { ++i; continue; }
      const std::size_t before = out.size();
      const std::string_view code = s.substr(i + 1, close - i - 1);
      if (untouched(i)) {
        untouched_end = close + 1;
        i = close + 1;
        after_in = after_at = cite = false;
        file_before_in = static_cast<std::size_t>(-1);
        continue;
      }
      const bool added = !(package_shaped(code) && package_context()) &&
                         consider(code, Source::backtick, out, rejected, index, true, cited_at(cite, s, close + 1));
      if (added && after_at && out.size() == before + 1 && out.back().path.find('/') == std::string::npos)
        out.back().placed = true;
      if (added && after_in && out.back().path.ends_with('/') && file_before_in != static_cast<std::size_t>(-1) &&
          file_before_in < before && out.size() == before + 1)
        join_folder(file_before_in);
      note_file(added, before);
      i = close + 1;
      after_in = after_at = false;
      cite = false;
      continue;
    }
    if (c == '[') {
      const std::size_t close = s.find(']', i + 1);
      if (close != std::string_view::npos && close + 1 < s.size() && s[close + 1] == '(') {
        const std::size_t end = s.find(')', close + 2);
        if (end != std::string_view::npos) {
          std::string_view text = s.substr(i + 1, close - i - 1);
          std::string_view target = s.substr(close + 2, end - close - 2);
          if (std::size_t h = target.find('#'); h != std::string_view::npos) target = target.substr(0, h);
          if (!text.empty() && text.front() == '`' && text.back() == '`' && text.size() > 2)
            text = text.substr(1, text.size() - 2);
          const std::size_t before = out.size() + rejected.size();
          const Cited cited = cited_at(cite, s, end + 1);
          consider(text, Source::link, out, rejected, index, true, cited);
          // The target is relative to tasks.md's folder, which the parser does not know;
          // use it only when the text is not a path and the target does not climb.
          if (out.size() + rejected.size() == before && !starts_with(target, "../") &&
              target.find("://") == std::string_view::npos)
            consider(target, Source::link, out, rejected, index, true, cited);
          i = end + 1;
          after_in = after_at = false;
          cite = false;
          continue;
        }
      }
    }
    // One pass over the token: where it ends, and whether it can be a path at all (a
    // '/' or '\\', or a '.' with more after it: "file.py", not "done.").
    std::size_t e = i;
    unsigned seen = 0;
    for (std::uint8_t k; e < s.size() && !((k = kClass[static_cast<unsigned char>(s[e])]) & kStop); ++e) seen |= k;
    // CJK punctuation ends a word as a space does (`参考：quickstart.md`, `に記録（plan.md）`):
    // the text around a path in Chinese or Japanese has no spaces.
    if (const std::size_t p = cjk_punctuation(s.substr(i, e - i)); p != std::string_view::npos) {
      if (p == 0) {
        i += 3;
        continue;
      }
      e = i + p;
      seen = 0;
      for (std::size_t k = i; k < e; ++k) seen |= kClass[static_cast<unsigned char>(s[k])];
    }
    if (const auto [lead, end] = cjk_glue(s.substr(i, e - i)); lead > 0 || end != std::string_view::npos) {
      if (lead > 0) {
        i += lead;
        continue;
      }
      e = i + end;
      seen = 0;
      for (std::size_t k = i; k < e; ++k) seen |= kClass[static_cast<unsigned char>(s[k])];
    }
    const std::string_view tok = s.substr(i, e - i);
    bool pathy = (seen & kSlash) != 0;
    if (!pathy && (seen & kDot)) {
      for (std::size_t d = tok.find('.') + 1; d < tok.size() && !pathy; ++d)
        pathy = (kClass[static_cast<unsigned char>(tok[d])] & kWord) != 0;
    }
    // A token with no '/' and no '.' before a word character can only be a known name
    // (`Makefile`); most capitalized words are not, and are answered here.
    // "missing/`<= 0`": a word glued to a code span, not a folder.
    const bool glued = e < s.size() && s[e] == '`' && tok.back() == '/';
    if ((!pathy && (!is_upper(tok.front()) || !maybe_named(tok, (seen & kSuffix) != 0))) || glued) {
      after_in = is_in_word(tok);
      after_at = tok == "at" || tok == "At";
      cite = is_cite_word(tok);
      if (is_list_word(tok)) {
        // "a.js and b.js in src/": the run goes on.
      } else if (!after_in && !(is_kind_word(tok) && ++kind_words <= 2)) {
        file_before_in = static_cast<std::size_t>(-1);
        run_open = false;
      } else {
        run_open = false;
      }
      i = e;
      continue;
    }
    // "folder with .md files", "the .tsx extension", "regenerates .md from .json": a kind
    // of file, not one (`.env file`, `.gitignore` are ones).
    if (tok.size() > 1 && tok[0] == '.' && (seen & kSlash) == 0 && tok.find('.', 1) == std::string_view::npos) {
      std::size_t w = e;
      while (w < s.size() && is_space(s[w])) ++w;
      std::size_t we = w;
      while (we < s.size() && is_alpha(s[we])) ++we;
      const std::string_view next = s.substr(w, we - w);
      std::string_view ext = tok.substr(1);
      while (!ext.empty() && !is_alnum(ext.back())) ext.remove_suffix(1);  // `.json,`
      if (next == "files" || next == "extension" || next == "extensions" || is_extension_only(ext)) {
        after_in = after_at = cite = false;
        file_before_in = static_cast<std::size_t>(-1);
        i = e;
        continue;
      }
    }
    if (untouched(i)) {
      untouched_end = e;
      after_in = after_at = cite = false;
      file_before_in = static_cast<std::size_t>(-1);
      i = e;
      continue;
    }
    const std::size_t before = out.size();
    const bool added = consider(tok, after_in ? Source::bare_after_in : Source::bare, out, rejected, index,
                                (seen & kSuffix) != 0, cited_at(cite, s, e));
    if (added && after_at && out.size() == before + 1 && out.back().path.find('/') == std::string::npos)
      out.back().placed = true;
    after_at = false;
    cite = false;
    // "Create styles.js in src/components/": one file, `src/components/styles.js`.
    if (added && after_in && out.size() == before + 1 && out.back().path.ends_with('/') &&
        file_before_in != static_cast<std::size_t>(-1) && file_before_in < before) {
      join_folder(file_before_in);
      file_before_in = static_cast<std::size_t>(-1);
    }
    const bool is_in = is_in_word(tok);
    if (!is_in) note_file(added, before);
    after_in = is_in;
    i = e;
  }
}

}  // namespace flow::detail

namespace flow {
FLOW_BEGIN_NAMESPACE

using detail::clip;
using detail::starts_with;

// An absolute path whose last name has no file's extension and is no dotfile.
static bool route_like(std::string_view p) {
  using detail::known_extension, detail::is_dotfile;
  if (p.empty() || p[0] != '/') return false;  // `~/…`, `C:/…`: no route
  while (!p.empty() && (p.back() == '/' || p.back() == '*')) p.remove_suffix(1);
  const std::string_view last = p.substr(p.rfind('/') + 1);
  const std::size_t dot = last.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : last.substr(dot + 1);
  return !known_extension(ext) && !(last.size() > 1 && last[0] == '.' && is_dotfile(last));
}

// The part of an absolute path `p` after a folder named `name`, the repository's
// (`/Users/ann/github/acme/src/a.py` → `src/a.py` in a clone named acme): a plan written
// on its author's machine names the files of the same repository. Of several such folders
// the first whose remainder starts with a name that exists in the repository, else the
// first; empty if none.
static std::string_view under_folder_named(std::string_view p, std::string_view name, const PathContext& ctx) {
  std::string_view first;
  for (std::size_t at = p.find(name); at != std::string_view::npos; at = p.find(name, at + 1)) {
    const std::size_t end = at + name.size();
    if (at == 0 || p[at - 1] != '/' || end + 1 >= p.size() || p[end] != '/') continue;
    const std::string_view rest = p.substr(end + 1);
    if (first.empty()) first = rest;
    if (ctx.exists && ctx.exists(rest.substr(0, rest.find('/')))) return rest;
  }
  return first;
}

// `/packages/db/package.json`, `/templates/plan-template.md`: a file's path written from
// the repository's root with a leading '/', when its first name is one the repository has
// and no system's top folder (`/etc/hosts`, `/tmp/x.log` stay outside). A route
// (`/api/users`) is none.
static bool rooted_in_repo(std::string_view p, const PathContext& ctx) {
  if (p.size() < 2 || p[0] != '/' || !ctx.exists || route_like(p)) return false;
  const std::string_view first = p.substr(1, p.find('/', 1) == std::string_view::npos ? std::string_view::npos : p.find('/', 1) - 1);
  static constexpr std::string_view kSystem[] = {"Applications", "Library", "System", "Users", "Volumes", "boot", "dev",
                                                 "etc", "home", "media", "mnt", "nix", "opt", "private", "proc", "root",
                                                 "run", "srv", "sys", "tmp", "usr", "var", "workspace", "workspaces"};
  return std::find(std::begin(kSystem), std::end(kSystem), first) == std::end(kSystem) && ctx.exists(first);
}

// Whether `rest` is a path below a folder that never leaves it: no `.` or `..` segment.
static bool plain_below(std::string_view rest) {
  for (std::size_t at = 0; at <= rest.size();) {
    const std::size_t end = std::min(rest.find('/', at), rest.size());
    const std::string_view seg = rest.substr(at, end - at);
    if (seg.empty() || seg == "." || seg == "..") return false;
    at = end + 1;
  }
  return !rest.empty();
}

// `/workspaces/vscode-bridge/packages/ext/src/manifest.json` in a repository cloned as
// `wormhole`: the plan was written in its author's checkout, named otherwise. A folder two
// or more names deep (not a system's: `/usr/…`, `/etc/…`, `/var/…`) is that checkout when
// files below it, in folders, are files of the repository (`packages/ext/src/manifest.json`
// exists): two of them, or one in a plan that writes no file of its own by a relative
// path (one such file may be a coincidence: `/home/ann/upstream/src/lib.rs`, the file a
// task ports from another repository). Then every path under it is the repository's, the
// files to be created too. `unresolved` are the plan's absolute paths no other rule places.
static std::vector<std::string> author_checkouts(const std::vector<std::string_view>& unresolved, bool relative_paths,
                                                 const PathContext& ctx) {
  static constexpr std::string_view kSystem[] = {"usr", "etc", "proc", "sys", "dev", "bin", "sbin", "lib", "lib64", "boot",
                                                 "tmp", "var", "nix", "run", "snap", "System", "Library", "Applications",
                                                 "private"};
  std::vector<std::pair<std::string, int>> seen;  // a checkout and the files of it that exist
  if (!ctx.exists) return {};
  for (std::string_view p : unresolved) {
    int names = 0;
    for (std::size_t at = p.find('/'); at != std::string_view::npos; at = p.find('/', at + 1)) {
      const std::string_view prefix = p.substr(0, at);
      if (!prefix.empty() && prefix.back() != '/' && prefix.back() != ':') ++names;  // `/a/b`, `~/a`, `C:/a`
      if (names == 1) {
        const std::string_view first = prefix.substr(prefix.find_first_not_of('/'));
        if (std::find(std::begin(kSystem), std::end(kSystem), first) != std::end(kSystem)) break;
      }
      const std::string_view rest = p.substr(at + 1);
      if (names < 2 || rest.find('/') == std::string_view::npos || !plain_below(rest) || !ctx.exists(rest)) continue;
      const auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == prefix; });
      if (it == seen.end()) seen.emplace_back(prefix, 1);
      else ++it->second;
      break;
    }
  }
  std::vector<std::string> found;
  for (auto& [prefix, files] : seen)
    if (files >= 2 || !relative_paths) found.push_back(std::move(prefix));
  return found;
}

void resolve_paths(Plan& plan, const PathContext& ctx) {
  std::string_view root = ctx.root;
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  const std::string_view name = root.substr(root.rfind('/') + 1);
  const auto under_root = [&](std::string_view p) {
    return !root.empty() && p.size() > root.size() + 1 && starts_with(p, root) && p[root.size()] == '/';
  };
  std::vector<std::string_view> unresolved;  // each once: a plan names one file in many tasks
  std::unordered_set<std::string_view> seen;
  for (const Task& t : plan.tasks)
    for (const PathRef& p : t.paths)
      if (p.absolute && seen.insert(p.path).second && !under_root(p.path) &&
          (name.empty() || under_folder_named(p.path, name, ctx).empty()) && !rooted_in_repo(p.path, ctx))
        unresolved.push_back(p.path);
  bool relative_paths = false;  // the plan writes a file of its own by its path from the root
  for (const Task& t : plan.tasks)
    for (const PathRef& p : t.paths) relative_paths = relative_paths || (!p.absolute && p.path.find('/') != std::string::npos);
  const std::vector<std::string> checkouts = author_checkouts(unresolved, relative_paths, ctx);
  const auto in_checkout = [&](std::string_view p) {
    for (const std::string& c : checkouts)
      if (p.size() > c.size() + 1 && starts_with(p, c) && p[c.size()] == '/' && plain_below(p.substr(c.size() + 1)))
        return p.substr(c.size() + 1);
    return std::string_view();
  };
  const std::string feature = ctx.feature_dir.empty() || ctx.feature_dir == "." ? std::string() : ctx.feature_dir + "/";
  bool warned = false;
  for (Task& t : plan.tasks) {
    bool changed = false;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < t.paths.size(); ++i) {
      PathRef& p = t.paths[i];
      if (p.absolute) {
        if (under_root(p.path)) {
          p.path.erase(0, root.size() + 1);
          p.absolute = false;
          changed = true;
        } else if (const std::string_view rest = name.empty() ? std::string_view() : under_folder_named(p.path, name, ctx);
                   !rest.empty()) {
          p.path.erase(0, static_cast<std::size_t>(rest.data() - p.path.data()));
          p.absolute = false;
          changed = true;
        } else if (rooted_in_repo(p.path, ctx)) {
          p.path.erase(0, 1);
          p.absolute = false;
          changed = true;
        } else if (const std::string_view below = in_checkout(p.path); !below.empty()) {
          p.path.erase(0, static_cast<std::size_t>(below.data() - p.path.data()));
          p.absolute = false;
          changed = true;
        } else {
          // `/login`, `/api/*`, `/users/:id`: outside the repository and with no file's
          // extension, a route of the application, not a file: dropped without a word.
          if (!route_like(p.path)) {
            plan.diagnostics.push_back({Severity::warning, t.line, "path-outside-repo",
                                        "path \"" + clip(p.path, 80) + "\" is outside the repository and is not used"});
            warned = true;
          }
          continue;
        }
      } else if (p.feature_doc && !feature.empty() && ctx.exists && ctx.exists(feature + p.path)) {
        p.path.insert(0, feature);
        changed = true;
      }
      if (kept != i) t.paths[kept] = std::move(p);
      ++kept;
    }
    t.paths.resize(kept);
    if (changed) {
      std::vector<PathRef> unique;
      for (PathRef& p : t.paths)
        if (std::none_of(unique.begin(), unique.end(), [&](const PathRef& u) { return u.path == p.path; }))
          unique.push_back(std::move(p));
      t.paths = std::move(unique);
    }
  }
  if (warned)
    std::stable_sort(plan.diagnostics.begin(), plan.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
}

FLOW_END_NAMESPACE
}  // namespace flow
