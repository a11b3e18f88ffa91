#include "client/dev_dependencies.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

namespace nimbus::client {

namespace fs = std::filesystem;

namespace {

nlohmann::json readPackageJson(const fs::path& dir) {
  std::ifstream in(dir / "package.json", std::ios::binary);
  if (!in) return nlohmann::json();
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  return json.is_object() ? json : nlohmann::json();
}

std::vector<std::string> dependencyNames(const nlohmann::json& manifest,
                                         std::initializer_list<const char*> fields) {
  std::vector<std::string> names;
  for (const char* field : fields) {
    auto it = manifest.find(field);
    if (it == manifest.end() || !it->is_object()) continue;
    for (const auto& [name, version] : it->items()) names.push_back(name);
  }
  return names;
}

// Node's resolution of `name` required from the package in `from`, looking no higher than
// `root` (the folder of the package.json whose tree npm lists).
std::optional<fs::path> resolve(const std::string& name, fs::path from, const fs::path& root) {
  std::error_code ec;
  while (true) {
    if (from.filename() != "node_modules") {
      fs::path candidate = from / "node_modules" / name;
      if (fs::is_directory(candidate, ec)) return candidate;
    }
    if (from == root || !from.has_parent_path() || from.parent_path() == from) return std::nullopt;
    from = from.parent_path();
  }
}

// Every installed package reachable from `names` required by `root`'s package.json, with the
// dependencies and optionalDependencies of each, transitively.
std::set<fs::path> closure(const std::vector<std::string>& names, const fs::path& root) {
  std::set<fs::path> seen;
  std::deque<std::pair<std::string, fs::path>> queue;
  for (const auto& name : names) queue.emplace_back(name, root);
  while (!queue.empty()) {
    auto [name, from] = std::move(queue.front());
    queue.pop_front();
    auto dir = resolve(name, from, root);
    if (!dir || !seen.insert(*dir).second) continue;
    for (auto& next :
         dependencyNames(readPackageJson(*dir), {"dependencies", "optionalDependencies"})) {
      queue.emplace_back(std::move(next), *dir);
    }
  }
  return seen;
}

// Folders holding a package.json, below `dir` and outside node_modules.
void findManifests(const fs::path& dir, std::vector<fs::path>& out, int depth) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "package.json", ec)) out.push_back(dir);
  if (depth > 32) return;
  std::vector<fs::path> children;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name == "node_modules" || name == ".git" || name == ".serverless" || name == ".nimbus") {
      continue;
    }
    std::error_code statError;
    if (it->is_directory(statError) && !it->is_symlink(statError)) children.push_back(it->path());
  }
  std::sort(children.begin(), children.end());
  for (const auto& child : children) findManifests(child, out, depth + 1);
}

std::string relativeText(const fs::path& path, const fs::path& base) {
  return path.lexically_relative(base).generic_string();
}

}  // namespace

std::vector<std::string> devDependencyExcludes(const fs::path& serviceDir) {
  std::vector<fs::path> roots;
  findManifests(serviceDir, roots, 0);
  std::vector<std::string> globs;
  std::set<std::string> emitted;
  auto add = [&](std::string glob) {
    if (emitted.insert(glob).second) globs.push_back(std::move(glob));
  };
  // As the Framework does: `npm ls --dev` and `npm ls --prod` of every package.json go into one
  // list each, and what is only in the first is left out.
  std::set<fs::path> dev, prod;
  for (const auto& root : roots) {
    auto manifest = readPackageJson(root);
    dev.merge(closure(dependencyNames(manifest, {"devDependencies"}), root));
    prod.merge(closure(dependencyNames(manifest, {"dependencies", "optionalDependencies"}), root));
  }
  for (const auto& dir : dev) {
    if (prod.count(dir) != 0) continue;
    std::string rel = relativeText(dir, serviceDir);
    if (rel.empty() || rel.rfind("..", 0) == 0) continue;
    add(rel + "/**");
    // Its executables, linked from the .bin folder of the node_modules that holds it.
    fs::path modules = dir.parent_path();
    if (modules.filename() != "node_modules") modules = modules.parent_path();  // @scope/x
    std::string binDir = relativeText(modules / ".bin", serviceDir);
    auto bin = readPackageJson(dir).value("bin", nlohmann::json());
    if (bin.is_object()) {
      for (const auto& [command, target] : bin.items()) add(binDir + "/" + command);
    } else if (bin.is_string()) {
      add(binDir + "/" + dir.filename().string());
    }
  }
  return globs;
}

}  // namespace nimbus::client
