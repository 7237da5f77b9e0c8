// SPDX-License-Identifier: MIT
// Replay and commit, squash, and worktree reset in process with libgit2 (see
// git_native.hpp for when). Every object it writes is one the git CLI would have written:
// the same trees, the same message, the same identities. The replay and commit change
// nothing else (no ref, no index, no work tree), so a kill at any moment leaves at most
// an unreachable object, which git's gc removes; the squash and the reset touch only the
// attempt's own worktree (its index, files and branch), as git would. The index entry of
// tasks.md in the main work tree is written under index.lock, as git writes it, and
// renamed into place, so a kill leaves the old index or the new one, and at worst a lock
// the next run knows for its own and removes (IndexLock).
#include "runtime/git_native.hpp"

#include "support/test_hook.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string_view>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if FLOW_HAVE_LIBGIT2
#include <git2.h>

#include <dlfcn.h>
#endif

namespace flow::detail {

namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// In the git directory, beside index.lock: its twin while flow holds it (IndexLock), and
// the new index libgit2 writes (with libgit2's own lock on that).
constexpr const char* kIndexHeld = "flow-index.held";
constexpr const char* kIndexWork = "flow-index.new";

}  // namespace

std::string release_killed_index_lock(std::string git_dir) {
  if (!git_dir.empty() && git_dir.back() != '/') git_dir += '/';
  const std::string held = git_dir + kIndexHeld, lock = git_dir + "index.lock", work = git_dir + kIndexWork;
  std::string said;
  struct stat twin {}, st {};
  if (::lstat(held.c_str(), &twin) == 0) {
    // One file under both names: the lock is the one a dead run made. Another file under
    // the lock's name is someone else's, and stays.
    if (::lstat(lock.c_str(), &st) == 0 && st.st_dev == twin.st_dev && st.st_ino == twin.st_ino &&
        ::unlink(lock.c_str()) == 0)
      said = "removed " + lock + ", which a killed run held";
    ::unlink(held.c_str());
  }
  ::unlink(work.c_str());
  ::unlink((work + ".lock").c_str());
  return said;
}

// libgit2 1.5 keeps the entries of version 2 and the extensions TREE and REUC (and NAME,
// which git never writes), and drops every other extension (index.c: read_extension,
// write_index); version 3 and 4 indexes, and the null checksum of index.skipHash, are
// left to git as well. Entries are walked to find the extensions: an end-of-entries
// (EOIE) extension, which would say where they start, is one libgit2 drops anyway. The
// format: git's Documentation/gitformat-index.txt.
std::string index_cli_needed(std::string_view d) {
  constexpr std::size_t header = 12, checksum = 20, fixed = 62;  // an entry's stat, ID and flags
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  if (d.size() < header + checksum || d.compare(0, 4, "DIRC") != 0) return "the index is not one git wrote";
  if (const std::uint32_t v = be32(p + 4); v != 2) return "the index is version " + std::to_string(v);
  if (d.find_first_not_of('\0', d.size() - checksum) == std::string::npos) return "the index has no checksum (index.skipHash)";
  const std::size_t end = d.size() - checksum;
  std::size_t at = header;
  for (std::uint32_t n = be32(p + 8); n > 0; --n) {
    if (end - at < fixed + 1) return "the index is cut short";
    std::size_t len = (std::size_t{p[at + 60]} << 8 | p[at + 61]) & 0xfff;
    if (len == 0xfff) {  // a longer name: up to its NUL
      const std::size_t nul = d.find('\0', at + fixed);
      if (nul == std::string::npos || nul >= end) return "the index is cut short";
      len = nul - at - fixed;
    }
    const std::size_t size = (fixed + len + 8) & ~std::size_t{7};  // NUL-padded to 8 bytes
    if (end - at < size) return "the index is cut short";
    at += size;
  }
  while (end - at >= 8) {
    const std::string sig(d.substr(at, 4));
    if (sig != "TREE" && sig != "REUC") return "the index has the extension " + sig;
    const std::size_t size = be32(p + at + 4);
    if (end - at - 8 < size) return "the index is cut short";
    at += 8 + size;
  }
  if (at != end) return "the index is not one git wrote";
  return {};
}


#if FLOW_HAVE_LIBGIT2

namespace {

// libgit2 is loaded when a run first needs it (dlopen), not linked: every flow command
// would otherwise pay for loading it and its dependencies at startup, and a machine
// without it keeps the git CLI. The functions used, resolved once.
#define FLOW_LIBGIT2_FUNCTIONS \
  X(git_attr_get) \
  X(git_attr_value) \
  X(git_blob_create_from_buffer) \
  X(git_blob_free) \
  X(git_blob_lookup) \
  X(git_blob_rawcontent) \
  X(git_blob_rawsize) \
  X(git_branch_create) \
  X(git_buf_dispose) \
  X(git_checkout_tree) \
  X(git_cherrypick_commit) \
  X(git_commit_create) \
  X(git_commit_free) \
  X(git_commit_lookup) \
  X(git_commit_tree) \
  X(git_commit_tree_id) \
  X(git_config_foreach) \
  X(git_config_free) \
  X(git_config_get_bool) \
  X(git_config_get_string_buf) \
  X(git_error_last) \
  X(git_graph_descendant_of) \
  X(git_index_add) \
  X(git_index_add_all) \
  X(git_index_entrycount) \
  X(git_index_free) \
  X(git_index_get_byindex) \
  X(git_index_has_conflicts) \
  X(git_index_open) \
  X(git_index_read) \
  X(git_index_remove) \
  X(git_index_update_all) \
  X(git_index_write) \
  X(git_index_write_tree) \
  X(git_index_write_tree_to) \
  X(git_libgit2_init) \
  X(git_message_prettify) \
  X(git_oid_cmp) \
  X(git_oid_equal) \
  X(git_oid_fromstr) \
  X(git_oid_tostr) \
  X(git_reference_free) \
  X(git_reference_name) \
  X(git_reference_name_to_id) \
  X(git_repository_config_snapshot) \
  X(git_repository_free) \
  X(git_repository_hashfile) \
  X(git_repository_index) \
  X(git_repository_item_path) \
  X(git_repository_open_ext) \
  X(git_repository_state) \
  X(git_repository_path) \
  X(git_repository_workdir) \
  X(git_repository_set_head) \
  X(git_signature_free) \
  X(git_signature_now) \
  X(git_tree_create_updated) \
  X(git_tree_entry_bypath) \
  X(git_tree_entry_filemode) \
  X(git_tree_entry_free) \
  X(git_tree_entry_id) \
  X(git_tree_entry_type) \
  X(git_tree_free) \
  X(git_tree_lookup)

struct Api {
#define X(f) decltype(&::f) f = nullptr;
  FLOW_LIBGIT2_FUNCTIONS
#undef X
  std::string error;  // why it could not be loaded; empty when it was
};

const Api& load_api() {
  static const Api api = [] {
    Api a;
    void* lib = ::dlopen(FLOW_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = ::dlerror();
      a.error = std::string("cannot load ") + FLOW_LIBGIT2_SONAME + (e != nullptr ? std::string(": ") + e : std::string());
      return a;
    }
#define X(f)                                                     \
  if (a.error.empty() && (a.f = reinterpret_cast<decltype(&::f)>(::dlsym(lib, #f))) == nullptr) \
    a.error = std::string(FLOW_LIBGIT2_SONAME) + " has no " #f;
    FLOW_LIBGIT2_FUNCTIONS
#undef X
    // It stays loaded for the process's life (its objects may outlive any one run).
    if (a.error.empty() && a.git_libgit2_init() <= 0) a.error = "libgit2 did not start";
    return a;
  }();
  return api;
}

// Calls go through the table; load_api() succeeded before any handle exists.
#define G(f) (load_api().f)

// libgit2's handles, freed by their own functions (members of the table).
template <class T, auto Free>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (p != nullptr) (load_api().*Free)(p);
  }
  T** out() { return &p; }
};
using Repo = Owned<git_repository, &Api::git_repository_free>;
using Config = Owned<git_config, &Api::git_config_free>;
using Commit = Owned<git_commit, &Api::git_commit_free>;
using Tree = Owned<git_tree, &Api::git_tree_free>;
using Index = Owned<git_index, &Api::git_index_free>;
using Blob = Owned<git_blob, &Api::git_blob_free>;
using TreeEntry = Owned<git_tree_entry, &Api::git_tree_entry_free>;
using Signature = Owned<git_signature, &Api::git_signature_free>;
using Ref = Owned<git_reference, &Api::git_reference_free>;

struct Buf {
  git_buf b = GIT_BUF_INIT;
  Buf() = default;
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  ~Buf() { G(git_buf_dispose)(&b); }
};

std::string config_string(git_config* c, const char* key) {
  Buf b;
  if (G(git_config_get_string_buf)(&b.b, c, key) != 0) return {};
  return std::string(b.b.ptr, b.b.size);
}

bool config_true(git_config* c, const char* key) {
  int v = 0;
  return G(git_config_get_bool)(&v, c, key) == 0 && v != 0;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string oid_text(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1];
  G(git_oid_tostr)(hex, sizeof hex, &id);
  return hex;
}

std::string libgit2_error(const char* what) {
  const git_error* e = G(git_error_last)();
  return std::string(what) + (e != nullptr && e->message != nullptr ? std::string(": ") + e->message : std::string());
}

// Is any key "<prefix><name><suffix>" set (e.g. merge.<driver>.driver)? Matched by hand:
// libgit2's regular-expression walk leaks its match data with Debian's pcre2.
bool has_key(git_config* cfg, const char* prefix, std::initializer_list<const char*> suffixes) {
  struct Want {
    std::string_view prefix;
    std::initializer_list<const char*> suffixes;
    bool found = false;
  } want{prefix, suffixes};
  G(git_config_foreach)(cfg, [](const git_config_entry* e, void* p) {
    auto& w = *static_cast<Want*>(p);
    const std::string_view key(e->name);  // lower-cased section and variable names
    if (key.size() <= w.prefix.size() || key.compare(0, w.prefix.size(), w.prefix) != 0) return 0;
    for (const char* suffix : w.suffixes) {
      const std::string_view sx(suffix);
      if (key.size() > w.prefix.size() + sx.size() && key.compare(key.size() - sx.size(), sx.size(), sx) == 0) w.found = true;
    }
    return 0;
  }, &want);
  return want.found;
}

// Is there a hook `name` git would run (core.hooksPath, or the hooks folder)?
bool has_hook(git_repository* repo, git_config* cfg, const std::string& top, const char* name) {
  std::string hooks = config_string(cfg, "core.hookspath");
  if (hooks.empty()) {
    Buf b;
    if (G(git_repository_item_path)(&b.b, repo, GIT_REPOSITORY_ITEM_HOOKS) == 0) hooks.assign(b.b.ptr, b.b.size);
  } else if (hooks.front() != '/') {
    hooks = top + "/" + hooks;
  }
  if (!hooks.empty() && hooks.back() != '/') hooks += '/';
  return !hooks.empty() && ::access((hooks + name).c_str(), X_OK) == 0;
}

// Why the CLI would do something the native path does not, or empty.
std::string cli_needed(git_repository* repo, git_config* cfg, const std::string& top, const std::string& tasks_rel) {
  if (config_true(cfg, "commit.gpgsign")) return "commit.gpgSign is set";
  if (!config_string(cfg, "i18n.commitencoding").empty()) return "i18n.commitEncoding is set";
  for (const char* v : {"GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
                        "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"})
    if (std::getenv(v) != nullptr) return std::string(v) + " is set";
  // The hooks `git commit --no-verify` still runs, or that the ref and index updates of a
  // CLI replay run.
  for (const char* h : {"prepare-commit-msg", "post-commit", "reference-transaction", "post-index-change"})
    if (has_hook(repo, cfg, top, h)) return std::string("a ") + h + " hook";
  // Merge drivers libgit2 does not know (only text, binary and union are built in).
  if (has_key(cfg, "merge.", {".driver"})) return "a merge driver is configured";
  // tasks.md's bytes are written as they are: no conversion may apply to it.
  const std::string autocrlf = config_string(cfg, "core.autocrlf");
  if (!autocrlf.empty() && autocrlf != "false") return "core.autocrlf is set";
  for (const char* attr : {"filter", "text", "eol", "crlf", "ident", "working-tree-encoding"}) {
    const char* value = nullptr;
    if (G(git_attr_get)(&value, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, tasks_rel.c_str(), attr) != 0)
      return libgit2_error("cannot read the attributes of tasks.md");
    if (G(git_attr_value)(value) != GIT_ATTR_VALUE_UNSPECIFIED) return std::string("tasks.md has the attribute ") + attr;
  }
  return {};
}

// Unset, or a boolean false.
bool config_off(git_config* c, const char* key) {
  int v = 0;
  if (G(git_config_get_bool)(&v, c, key) == 0) return v == 0;
  Buf b;
  return G(git_config_get_string_buf)(&b.b, c, key) != 0;
}

// Why `git reset -q <commit> -- tasks.md` in the main work tree could write an index
// that libgit2 would not (git would add an extension libgit2 drops, write another
// version or layout, or look entries up otherwise), or empty. What the index file holds
// now is asked of the file itself (index_cli_needed below).
std::string reset_cli_needed(git_config* cfg) {
  if (config_true(cfg, "core.untrackedcache")) return "core.untrackedCache is set";
  if (!config_off(cfg, "core.fsmonitor")) return "core.fsmonitor is set";
  if (config_true(cfg, "core.splitindex")) return "core.splitIndex is set";
  if (config_true(cfg, "index.sparse")) return "index.sparse is set";
  if (config_true(cfg, "core.sparsecheckout")) return "core.sparseCheckout is set";
  if (config_true(cfg, "feature.manyfiles")) return "feature.manyFiles is set";
  if (const std::string v = config_string(cfg, "index.version"); !v.empty() && v != "2") return "index.version is set";
  if (config_true(cfg, "index.skiphash")) return "index.skipHash is set";
  // They make git add EOIE and IEOT, which libgit2 drops.
  if (!config_string(cfg, "index.threads").empty()) return "index.threads is set";
  if (config_true(cfg, "index.recordendofindexentries")) return "index.recordEndOfIndexEntries is set";
  if (config_true(cfg, "index.recordoffsettable")) return "index.recordOffsetTable is set";
  if (has_key(cfg, "extensions.", {""})) return "an extensions.* setting";
  // Entries looked up or files created otherwise than libgit2's index does here.
  if (config_true(cfg, "core.ignorecase")) return "core.ignoreCase is set";
  if (config_true(cfg, "core.precomposeunicode")) return "core.precomposeUnicode is set";
  if (!config_string(cfg, "core.sharedrepository").empty()) return "core.sharedRepository is set";
  return {};
}

// Does git's record of a file (`e`) still describe it (`st`) exactly? Where it does not,
// git's reset refreshes it (or finds the file changed); either way git's path.
bool same_stat(const git_index_entry& e, const struct stat& st) {
  const std::uint32_t mode = S_ISLNK(st.st_mode) ? 0120000u
                             : S_ISREG(st.st_mode) ? ((st.st_mode & S_IXUSR) != 0 ? 0100755u : 0100644u)
                                                   : 0u;
  return e.mode == mode && e.ctime.seconds == static_cast<std::int32_t>(st.st_ctim.tv_sec) &&
         e.ctime.nanoseconds == static_cast<std::uint32_t>(st.st_ctim.tv_nsec) &&
         e.mtime.seconds == static_cast<std::int32_t>(st.st_mtim.tv_sec) &&
         e.mtime.nanoseconds == static_cast<std::uint32_t>(st.st_mtim.tv_nsec) &&
         e.dev == static_cast<std::uint32_t>(st.st_dev) && e.ino == static_cast<std::uint32_t>(st.st_ino) &&
         e.uid == static_cast<std::uint32_t>(st.st_uid) && e.gid == static_cast<std::uint32_t>(st.st_gid) &&
         e.file_size == static_cast<std::uint32_t>(st.st_size);
}

// A file's whole bytes; nullopt when it cannot be read.
std::optional<std::string> slurp(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

bool write_all(int fd, const std::string& data) {
  for (std::size_t at = 0; at < data.size();) {
    const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<std::size_t>(n);
  }
  return true;
}

// index.lock taken as git takes it, exclusively (link() fails when the name is there, as
// git's O_EXCL does), but made as a second name of a file of flow's own, flow-index.held:
// a run killed while it holds the lock leaves one file under both names, by which the
// next run knows the lock for a dead run's (release_killed_index_lock). The new index is
// written to flow-index.new, renamed over the index, and only then the lock goes, then
// its twin: a kill at any moment leaves the old index or the new one, and nothing the
// next run cannot tell for its own.
struct IndexLock {
  std::string path, held, work;
  int error = 0;  // why it was not taken
  bool locked = false;
  explicit IndexLock(const std::string& git_dir)
      : path(git_dir + "index.lock"), held(git_dir + kIndexHeld), work(git_dir + kIndexWork) {
    const int fd = ::open(held.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      error = errno;
      return;
    }
    ::close(fd);
    if (::link(held.c_str(), path.c_str()) != 0) {
      error = errno;
      ::unlink(held.c_str());
      return;
    }
    locked = true;
  }
  IndexLock(const IndexLock&) = delete;
  IndexLock& operator=(const IndexLock&) = delete;
  ~IndexLock() {
    if (!locked) return;
    ::unlink(work.c_str());  // gone already when it became the index
    ::unlink(path.c_str());
    ::unlink(held.c_str());
  }
};

// Who git would name: its environment first, then author.* or committer.*, then user.*
// unless flow supplies the identity (it does when the configuration lacks one: its
// `-c user.name=… -c user.email=…` take user.*'s place).
std::string who(git_config* cfg, const char* role, const char* field, const std::string& fallback) {
  std::string upper(role);
  for (char& ch : upper) ch = static_cast<char>(ch - 'a' + 'A');
  if (std::string v = env(("GIT_" + upper + "_" + (std::strcmp(field, "name") == 0 ? "NAME" : "EMAIL")).c_str()); !v.empty())
    return v;
  if (std::string v = config_string(cfg, (std::string(role) + "." + field).c_str()); !v.empty()) return v;
  if (!fallback.empty()) return fallback;
  return config_string(cfg, (std::string("user.") + field).c_str());
}

}  // namespace

struct NativeGit::State {
  Repo repo;
  std::string tasks_rel;
  std::string author_name, author_email, committer_name, committer_email;
  bool filters = false;  // filter drivers (Git LFS, clean commands) are configured: add stays with git
  bool checkout_hook = false;  // a post-checkout hook, which `git checkout` runs
  std::string reset_why_not;   // why tasks.md's index entry is set by git, from the configuration
};

NativeGit::NativeGit(std::unique_ptr<State> s) : s_(std::move(s)) {}
NativeGit::~NativeGit() = default;

std::unique_ptr<NativeGit> NativeGit::open(const std::string& top, const std::string& tasks_rel, const std::string& name,
                                           const std::string& email, std::string& why_not) {
  if (const char* v = std::getenv("FLOW_GIT_NATIVE"); v != nullptr && std::strcmp(v, "0") == 0) {
    why_not = "FLOW_GIT_NATIVE=0";
    return nullptr;
  }
  if (const Api& api = load_api(); !api.error.empty()) {
    why_not = api.error;
    return nullptr;
  }
  auto s = std::make_unique<State>();
  s->tasks_rel = tasks_rel;
  // A repository libgit2 cannot open as git would (SHA-256 objects, an extension it does
  // not know, another owner) stays with the CLI.
  if (G(git_repository_open_ext)(s->repo.out(), top.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    why_not = libgit2_error("libgit2 cannot open the repository");
    return nullptr;
  }
  Config cfg;
  if (G(git_repository_config_snapshot)(cfg.out(), s->repo.p) != 0) {
    why_not = libgit2_error("cannot read git's configuration");
    return nullptr;
  }
  if (why_not = cli_needed(s->repo.p, cfg.p, top, tasks_rel); !why_not.empty()) return nullptr;
  // libgit2 applies only its built-in filters (text, eol, ident): files added with a
  // configured driver's filter would differ. Replay and commit do not filter.
  s->filters = has_key(cfg.p, "filter.", {".clean", ".process", ".smudge"});
  s->checkout_hook = has_hook(s->repo.p, cfg.p, top, "post-checkout");
  // A file's text is hashed (set_index_entry) as git would hash it only without them.
  s->reset_why_not = s->filters ? "filter drivers are configured" : reset_cli_needed(cfg.p);
  s->author_name = who(cfg.p, "author", "name", name);
  s->author_email = who(cfg.p, "author", "email", email);
  s->committer_name = who(cfg.p, "committer", "name", name);
  s->committer_email = who(cfg.p, "committer", "email", email);
  if (s->author_name.empty() || s->author_email.empty() || s->committer_name.empty() || s->committer_email.empty()) {
    why_not = "git's configuration names nobody to commit as";
    return nullptr;
  }
  return std::unique_ptr<NativeGit>(new NativeGit(std::move(s)));
}

std::optional<NativeGit::Merged> NativeGit::merge(const std::string& onto_ref, const std::string& work) {
  git_repository* repo = s_->repo.p;
  git_oid head_id, tree_id;
  Commit head;
  if (G(git_reference_name_to_id)(&head_id, repo, onto_ref.c_str()) != 0 || G(git_commit_lookup)(head.out(), repo, &head_id) != 0)
    return std::nullopt;
  if (work.empty()) {
    tree_id = *G(git_commit_tree_id)(head.p);
  } else {
    git_oid work_id;
    Commit w;
    Index merged;
    if (G(git_oid_fromstr)(&work_id, work.c_str()) != 0 || G(git_commit_lookup)(w.out(), repo, &work_id) != 0) return std::nullopt;
    // A three-way merge of the trees with the work's parent as the base: cherry-pick.
    git_merge_options opts{};  // GIT_MERGE_OPTIONS_INIT, spelt out (clang warns of its missing fields)
    opts.version = GIT_MERGE_OPTIONS_VERSION;
    opts.flags = GIT_MERGE_FIND_RENAMES;
    if (G(git_cherrypick_commit)(merged.out(), repo, w.p, head.p, 0, &opts) != 0) return std::nullopt;
    if (G(git_index_has_conflicts)(merged.p) != 0) return std::nullopt;
    if (G(git_index_write_tree_to)(&tree_id, merged.p, repo) != 0) return std::nullopt;
  }
  Merged m{oid_text(head_id), Result<std::string>(std::string()), oid_text(tree_id)};
  Tree tree;
  TreeEntry entry;
  Blob blob;
  if (G(git_tree_lookup)(tree.out(), repo, &tree_id) != 0) return std::nullopt;
  if (G(git_tree_entry_bypath)(entry.out(), tree.p, s_->tasks_rel.c_str()) != 0) {
    m.tasks_text = make_error(Errc::io, s_->tasks_rel + " is not on the branch");
  } else if (G(git_tree_entry_type)(entry.p) != GIT_OBJECT_BLOB ||
             G(git_blob_lookup)(blob.out(), repo, G(git_tree_entry_id)(entry.p)) != 0) {
    return std::nullopt;
  } else {
    m.tasks_text = std::string(static_cast<const char*>(G(git_blob_rawcontent)(blob.p)),
                               static_cast<std::size_t>(G(git_blob_rawsize)(blob.p)));
  }
  return m;
}

bool NativeGit::reuse(const std::string& worktree, const std::string& branch, const std::string& base) const {
  if (s_->filters || s_->checkout_hook) return false;
  Repo repo;
  Commit commit;
  Ref ref;
  git_oid id;
  if (G(git_repository_open_ext)(repo.out(), worktree.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0 ||
      G(git_oid_fromstr)(&id, base.c_str()) != 0 || G(git_commit_lookup)(commit.out(), repo.p, &id) != 0)
    return false;
  // `checkout --force -B branch base`, then `clean -fdx`: the files, index and HEAD of a
  // fresh worktree at base, what the last attempt left (ignored files too) removed.
  git_checkout_options opts{};  // GIT_CHECKOUT_OPTIONS_INIT, spelt out
  opts.version = GIT_CHECKOUT_OPTIONS_VERSION;
  opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED | GIT_CHECKOUT_REMOVE_IGNORED;
  if (G(git_branch_create)(ref.out(), repo.p, branch.c_str(), commit.p, 1) != 0 ||
      G(git_checkout_tree)(repo.p, reinterpret_cast<const git_object*>(commit.p), &opts) != 0 ||
      G(git_repository_set_head)(repo.p, G(git_reference_name)(ref.p)) != 0)
    return false;
  return true;
}

std::optional<NativeGit::Squashed> NativeGit::squash(const std::string& worktree, const std::string& base,
                                                     const std::string& message, const std::string& protected_path) const {
  if (s_->filters) return std::nullopt;
  // A handle of its own: this runs on the workspace's worker while the loop integrates.
  Repo repo;
  Index index;
  Commit base_commit;
  Tree base_tree, tree;
  git_oid base_id, tree_id;
  if (G(git_repository_open_ext)(repo.out(), worktree.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0 ||
      G(git_oid_fromstr)(&base_id, base.c_str()) != 0 || G(git_commit_lookup)(base_commit.out(), repo.p, &base_id) != 0 ||
      G(git_commit_tree)(base_tree.out(), base_commit.p) != 0 || G(git_repository_index)(index.out(), repo.p) != 0)
    return std::nullopt;
  // HEAD moved off the base by the agent (GitRepo::squash says why that matters).
  git_oid head_id;
  if (G(git_reference_name_to_id)(&head_id, repo.p, "HEAD") != 0) return std::nullopt;
  if (G(git_oid_equal)(&head_id, &base_id) == 0) {
    const int d = G(git_graph_descendant_of)(repo.p, &head_id, &base_id);
    if (d < 0) return std::nullopt;
    if (d == 0) {
      Squashed moved;
      moved.moved_off_base = true;
      return moved;
    }
  }
  // `git add --all`: deletions (update_all), then new and changed files (add_all), the
  // ignore rules applied as git applies them.
  // A merge, rebase or cherry-pick left unfinished, or conflicts in the index: git's way
  // (GitRepo::squash) says what, and takes none of it.
  if (G(git_repository_state)(repo.p) != GIT_REPOSITORY_STATE_NONE) return std::nullopt;
  if (G(git_index_read)(index.p, 1) != 0 || G(git_index_has_conflicts)(index.p) != 0) return std::nullopt;
  if (G(git_index_update_all)(index.p, nullptr, nullptr, nullptr) != 0 ||
      G(git_index_add_all)(index.p, nullptr, GIT_INDEX_ADD_DEFAULT, nullptr, nullptr) != 0 || G(git_index_write)(index.p) != 0 ||
      G(git_index_write_tree)(&tree_id, index.p) != 0 || G(git_tree_lookup)(tree.out(), repo.p, &tree_id) != 0)
    return std::nullopt;
  if (G(git_oid_equal)(&tree_id, G(git_commit_tree_id)(base_commit.p)) != 0) return Squashed{};  // nothing changed
  // A link to another repository (a submodule, or a repository the agent made inside the
  // work): git's way (GitRepo::squash) tells a new one from one the base had.
  for (std::size_t k = 0, n = G(git_index_entrycount)(index.p); k < n; ++k)
    if (const git_index_entry* e = G(git_index_get_byindex)(index.p, k); e != nullptr && e->mode == GIT_FILEMODE_COMMIT)
      return std::nullopt;
  // Did it change the protected file? Then git puts it back (checkout of one path).
  TreeEntry before, after;
  const bool had = G(git_tree_entry_bypath)(before.out(), base_tree.p, protected_path.c_str()) == 0;
  const bool has = G(git_tree_entry_bypath)(after.out(), tree.p, protected_path.c_str()) == 0;
  if (had != has || (had && (G(git_oid_cmp)(G(git_tree_entry_id)(before.p), G(git_tree_entry_id)(after.p)) != 0 ||
                             G(git_tree_entry_filemode)(before.p) != G(git_tree_entry_filemode)(after.p))))
    return std::nullopt;
  // As `git commit-tree -m`: the message as given, and a newline.
  const std::string text = message + "\n";
  Signature author, committer;
  if (G(git_signature_now)(author.out(), s_->author_name.c_str(), s_->author_email.c_str()) != 0 ||
      G(git_signature_now)(committer.out(), s_->committer_name.c_str(), s_->committer_email.c_str()) != 0)
    return std::nullopt;
  const git_commit* parents[] = {base_commit.p};
  git_oid id;
  if (G(git_commit_create)(&id, repo.p, nullptr, author.p, committer.p, nullptr, text.c_str(), tree.p, 1, parents) != 0)
    return std::nullopt;
  return Squashed{oid_text(id)};
}

Result<std::string> NativeGit::commit(const Merged& m, const std::string* tasks_text, const std::string& message) {
  git_repository* repo = s_->repo.p;
  git_oid tree_id, head_id;
  if (G(git_oid_fromstr)(&tree_id, m.tree.c_str()) != 0 || G(git_oid_fromstr)(&head_id, m.head.c_str()) != 0)
    return make_error(Errc::io, "not an object ID");
  if (tasks_text != nullptr) {
    Tree base;
    TreeEntry entry;
    git_oid blob_id;
    if (G(git_tree_lookup)(base.out(), repo, &tree_id) != 0 ||
        G(git_tree_entry_bypath)(entry.out(), base.p, s_->tasks_rel.c_str()) != 0 ||
        G(git_blob_create_from_buffer)(&blob_id, repo, tasks_text->data(), tasks_text->size()) != 0)
      return make_error(Errc::io, libgit2_error("cannot write tasks.md's new text"));
    git_tree_update up{};
    up.action = GIT_TREE_UPDATE_UPSERT;
    up.id = blob_id;
    up.filemode = G(git_tree_entry_filemode)(entry.p);  // its mode as it was
    up.path = s_->tasks_rel.c_str();
    if (G(git_tree_create_updated)(&tree_id, repo, base.p, 1, &up) != 0)
      return make_error(Errc::io, libgit2_error("cannot write the tree with tasks.md's mark"));
  }
  Commit head;
  Tree tree;
  if (G(git_commit_lookup)(head.out(), repo, &head_id) != 0 || G(git_tree_lookup)(tree.out(), repo, &tree_id) != 0)
    return make_error(Errc::io, libgit2_error("cannot read the branch's head"));
  if (G(git_oid_equal)(&tree_id, G(git_commit_tree_id)(head.p)) != 0) return std::string();  // nothing to commit
  Buf text;
  if (G(git_message_prettify)(&text.b, message.c_str(), 0, '#') != 0) return make_error(Errc::io, libgit2_error("bad message"));
  Signature author, committer;
  if (G(git_signature_now)(author.out(), s_->author_name.c_str(), s_->author_email.c_str()) != 0 ||
      G(git_signature_now)(committer.out(), s_->committer_name.c_str(), s_->committer_email.c_str()) != 0)
    return make_error(Errc::io, libgit2_error("cannot name the commit's author"));
  const git_commit* parents[] = {head.p};
  git_oid id;
  if (G(git_commit_create)(&id, repo, nullptr, author.p, committer.p, nullptr, text.b.ptr, tree.p, 1, parents) != 0)
    return make_error(Errc::io, libgit2_error("cannot write the task's commit"));
  return oid_text(id);
}

bool NativeGit::set_index_entry(const std::string& commit, std::string& why_not) const {
  if (!s_->reset_why_not.empty()) {
    why_not = s_->reset_why_not;
    return false;
  }
  git_repository* repo = s_->repo.p;
  const std::string& path = s_->tasks_rel;
  git_oid commit_id;
  Commit c;
  Tree tree;
  TreeEntry te;
  if (G(git_oid_fromstr)(&commit_id, commit.c_str()) != 0 || G(git_commit_lookup)(c.out(), repo, &commit_id) != 0 ||
      G(git_commit_tree)(tree.out(), c.p) != 0) {
    why_not = libgit2_error("cannot read the task's commit");
    return false;
  }
  const bool in_commit = G(git_tree_entry_bypath)(te.out(), tree.p, path.c_str()) == 0;
  if (in_commit && G(git_tree_entry_type)(te.p) != GIT_OBJECT_BLOB) {
    why_not = "tasks.md is not a file in the commit";
    return false;
  }
  const char* workdir = G(git_repository_workdir)(repo);
  if (workdir == nullptr) {
    why_not = "no work tree";
    return false;
  }
  const std::string top = workdir;  // ends in '/'
  const std::string git_dir = G(git_repository_path)(repo);  // ends in '/'
  const std::string index_path = git_dir + "index";
  // Taken first, as git takes it, and held until the new index is in place: nothing
  // that respects it changes the index meanwhile. Held by someone else: git's way, which
  // waits for nothing either and says why it could not. What a killed run left goes
  // first: under the integration lock no live run holds it.
  (void)release_killed_index_lock(git_dir);
  IndexLock lock(git_dir);
  if (!lock.locked) {
    why_not = "cannot create " + lock.path + ": " + std::strerror(lock.error);
    return false;
  }
  test_pause("index-locked");
  std::optional<std::string> bytes;
  struct stat index_st {};
  if (const int fd = ::open(index_path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    if (::fstat(fd, &index_st) == 0) bytes = slurp(fd);
    ::close(fd);
  }
  if (!bytes) {
    why_not = "cannot read the index";
    return false;
  }
  if (why_not = index_cli_needed(*bytes); !why_not.empty()) return false;
  // libgit2 reads a copy of it and writes the new index over that (through a lock of its
  // own, flow-index.new.lock), which then becomes the index.
  Index index;
  const int work_fd = ::open(lock.work.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  const bool copied = work_fd >= 0 && write_all(work_fd, *bytes);
  const int copy_error = copied ? 0 : errno;
  if (work_fd >= 0) ::close(work_fd);
  if (!copied) {
    why_not = "cannot write " + lock.work + ": " + std::strerror(copy_error != 0 ? copy_error : EIO);
    return false;
  }
  if (G(git_index_open)(index.out(), lock.work.c_str()) != 0) {
    why_not = libgit2_error("cannot read the index");
    return false;
  }
  // git's reset refreshes every entry after setting this one: an entry whose stat data
  // no longer matches its file would be refreshed (or found changed), and one as new as
  // the index (racily clean) is compared by content, and, changed, written with its size
  // cleared. Only where the refresh would change nothing is the index the same.
  const git_index_entry* old = nullptr;
  for (std::size_t i = 0, n = G(git_index_entrycount)(index.p); i < n; ++i) {
    const git_index_entry* e = G(git_index_get_byindex)(index.p, i);
    if (GIT_INDEX_ENTRY_STAGE(e) != 0) {
      why_not = "the index has conflicts";
      return false;
    }
    if ((e->flags & GIT_INDEX_ENTRY_VALID) != 0 || (e->mode & 0170000u) == 0160000u) {
      why_not = std::string(e->path) + " is assumed unchanged or a submodule";
      return false;
    }
    if (path == e->path) {
      old = e;
      continue;
    }
    struct stat st {};
    if (::lstat((top + e->path).c_str(), &st) != 0 || !same_stat(*e, st)) {
      why_not = std::string(e->path) + " has changed since git last looked at it";
      return false;
    }
    if (e->mtime.seconds >= static_cast<std::int32_t>(index_st.st_mtim.tv_sec)) {
      git_oid now;
      if (S_ISLNK(st.st_mode) || G(git_repository_hashfile)(&now, repo, e->path, GIT_OBJECT_BLOB, nullptr) != 0 ||
          G(git_oid_equal)(&now, &e->id) == 0) {
        why_not = std::string(e->path) + " is racily clean";
        return false;
      }
    }
  }
  if (in_commit) {
    const git_oid* blob = G(git_tree_entry_id)(te.p);
    const auto mode = static_cast<std::uint32_t>(G(git_tree_entry_filemode)(te.p));
    if (old != nullptr && old->mode == mode && G(git_oid_equal)(&old->id, blob) != 0) {
      why_not = "the index has the commit's tasks.md already";
      return false;
    }
    // The file as it is holds the commit's text: git's refresh records its stat data.
    git_oid now;
    if (G(git_repository_hashfile)(&now, repo, (top + path).c_str(), GIT_OBJECT_BLOB, path.c_str()) == 0 &&
        G(git_oid_equal)(&now, blob) != 0) {
      why_not = "tasks.md holds the commit's text already";
      return false;
    }
    // No stat data, as git's make_cache_entry() leaves it: the file is not up to date
    // (git compares it by content) until flow replaces it.
    git_index_entry e{};
    e.mode = mode;
    e.id = *blob;
    e.path = path.c_str();
    if (G(git_index_add)(index.p, &e) != 0) {
      why_not = libgit2_error("cannot set tasks.md's index entry");
      return false;
    }
  } else if (old == nullptr) {
    why_not = "tasks.md is in neither the commit nor the index";
    return false;
  } else if (G(git_index_remove)(index.p, path.c_str(), 0) != 0) {
    why_not = libgit2_error("cannot remove tasks.md's index entry");
    return false;
  }
  if (G(git_index_write)(index.p) != 0) {
    why_not = libgit2_error("cannot write the index");
    return false;
  }
  if (::rename(lock.work.c_str(), index_path.c_str()) != 0) {
    why_not = "cannot rename " + lock.work + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

#else  // built without libgit2: the CLI does it all

struct NativeGit::State {};
NativeGit::NativeGit(std::unique_ptr<State> s) : s_(std::move(s)) {}
NativeGit::~NativeGit() = default;
std::unique_ptr<NativeGit> NativeGit::open(const std::string&, const std::string&, const std::string&, const std::string&,
                                           std::string& why_not) {
  why_not = "flow was built without libgit2";
  return nullptr;
}
std::optional<NativeGit::Merged> NativeGit::merge(const std::string&, const std::string&) { return std::nullopt; }
bool NativeGit::reuse(const std::string&, const std::string&, const std::string&) const { return false; }
std::optional<NativeGit::Squashed> NativeGit::squash(const std::string&, const std::string&, const std::string&,
                                                     const std::string&) const {
  return std::nullopt;
}
Result<std::string> NativeGit::commit(const Merged&, const std::string*, const std::string&) {
  return make_error(Errc::io, "flow was built without libgit2");
}
bool NativeGit::set_index_entry(const std::string&, std::string& why_not) const {
  why_not = "flow was built without libgit2";
  return false;
}

#endif

}  // namespace flow::detail
