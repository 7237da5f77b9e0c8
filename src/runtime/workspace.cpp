// SPDX-License-Identifier: MIT
// The in-place workspace, and the choice of a workspace.
#include "runtime/workspace.hpp"

#include "runtime/git.hpp"
#include "runtime/prompt.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include <sys/stat.h>

namespace flow::detail {

namespace {

// Every attempt in the work directory: nothing to prepare, collect or integrate. What
// it can tell is whether an attempt touched the files its task names.
class InPlaceWorkspace final : public Workspace {
 public:
  explicit InPlaceWorkspace(const WorkspaceContext& c)
      : graph_(c.graph), workdir_(c.workdir), require_changes_(c.options.require_changes) {}

  Isolation kind() const noexcept override { return Isolation::none; }
  bool isolated() const noexcept override { return false; }
  Result<std::string> prepare(int t, int) override {
    if (require_changes_) stamps_[t] = stamp_files(t);
    return workdir_;
  }
  std::string dir(int) const override { return workdir_; }
  // Changed: any file the task names is not as it was before (created, removed, or of
  // another size, modification time or inode); a named directory that exists counts as
  // changed, since what changed inside it is not looked at.
  Result<Work> collect(int t) override {
    Work w;
    const auto before = stamps_.find(t);
    if (before == stamps_.end()) return w;
    const std::vector<FileStamp> after = stamp_files(t);
    const bool same = after == before->second;
    const bool any_dir = std::any_of(after.begin(), after.end(), [](const FileStamp& s) { return s.exists && s.directory; });
    stamps_.erase(before);
    w.changed = !same || any_dir;
    return w;
  }
  std::optional<Error> integrate(int, const Work&, const TaskMark&, Landing&) override { return std::nullopt; }
  void discard(int t, const std::string&, bool) override { stamps_.erase(t); }
  void discard_all(const std::string&) override { stamps_.clear(); }
  std::string branch() const override { return {}; }
  std::string head() const override { return {}; }
  std::string checkpoint() const override { return {}; }
  std::optional<std::string> roll_back(const std::string&) override { return std::nullopt; }
  std::optional<int> run_at(const std::string&, const std::string&, const std::function<int(const std::string&)>&) override {
    return std::nullopt;
  }

 private:
  struct FileStamp {
    bool exists = false, directory = false;
    long long size = 0, mtime_ns = 0;
    unsigned long long inode = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::vector<FileStamp> stamp_files(int t) const {
    std::vector<FileStamp> out;
    for (const std::string& f : files_of(graph_->plan().tasks[static_cast<std::size_t>(t)])) {
      FileStamp s;
      struct stat st {};
      if (!f.empty() && ::stat((workdir_ + "/" + f).c_str(), &st) == 0) {
        s.exists = true;
        s.directory = S_ISDIR(st.st_mode);
        s.size = static_cast<long long>(st.st_size);
        s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
        s.inode = static_cast<unsigned long long>(st.st_ino);
      }
      out.push_back(s);
    }
    return out;
  }
  const std::optional<TaskGraph>& graph_;
  std::string workdir_;
  bool require_changes_;
  std::map<int, std::vector<FileStamp>> stamps_;  // its files before the attempt
};

}  // namespace

std::unique_ptr<Workspace> make_in_place_workspace(const WorkspaceContext& context) {
  // In a repository's top all the same (--isolation none, a dry run): .flow/ is kept out
  // of `git status`, where a `git add -A` would take the journal, prompts and logs.
  std::error_code ec;
  if (const auto repo = GitRepo::open(context.workdir); repo && std::filesystem::equivalent(repo->top(), context.workdir, ec))
    repo->exclude_flow_dir();
  return std::make_unique<InPlaceWorkspace>(context);
}

Result<std::unique_ptr<Workspace>> open_workspace(const WorkspaceContext& c) {
  const Isolation iso = c.options.isolation;
  if (iso == Isolation::none) return make_in_place_workspace(c);
  auto git = open_git_workspace(c, iso == Isolation::git);
  if (!git) return Unexpected{std::move(git).error()};
  if (*git) return std::move(*git);
  return make_in_place_workspace(c);
}

}  // namespace flow::detail
