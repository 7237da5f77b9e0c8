// SPDX-License-Identifier: MIT
// The facts resolve_paths() needs about where a tasks.md sits: the runtime side of it.
#include <flow/run.hpp>

#include <filesystem>

namespace fs = std::filesystem;

namespace flow {
FLOW_BEGIN_NAMESPACE

PathContext path_context(const std::string& tasks_path, const std::string& workdir) {
  std::error_code ec;
  const fs::path root = fs::absolute(workdir, ec).lexically_normal();
  PathContext c;
  c.root = root.string();
  while (c.root.size() > 1 && c.root.back() == '/') c.root.pop_back();
  const fs::path dir = fs::absolute(tasks_path, ec).lexically_normal().parent_path();
  const fs::path rel = dir.lexically_relative(root);
  // tasks.md outside the work directory has no feature folder in it.
  if (!rel.empty() && *rel.begin() != ".." && rel != ".") c.feature_dir = rel.generic_string();
  c.exists = [root](std::string_view p) {
    std::error_code e;
    return fs::exists(root / fs::path(std::string(p)), e);
  };
  return c;
}

FLOW_END_NAMESPACE
}  // namespace flow
