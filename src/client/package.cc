#include "client/package.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "client/dev_dependencies.h"
#include "client/glob.h"
#include "client/zip_writer.h"
#include "core/base64.h"
#include "core/file_text.h"
#include "core/hash.h"

namespace nimbus::client {

namespace fs = std::filesystem;

const std::vector<std::string>& defaultExcludes() {
  // The Serverless Framework's defaultExcludes (lib/plugins/package/lib/package-service.js),
  // and .nimbus, where nimbus keeps its data beside serverless.yml.
  static const std::vector<std::string> globs = {
      ".git/**",
      ".gitignore",
      ".DS_Store",
      "npm-debug.log",
      "yarn-*.log",
      ".serverless/**",
      ".serverless_plugins/**",
      ".nimbus/**",
  };
  return globs;
}

namespace {

struct DirId {
  dev_t dev;
  ino_t ino;
  bool operator<(const DirId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
};

void walk(const fs::path& dir, const std::string& prefix, std::set<DirId>& ancestors,
          std::vector<ServiceFile>& out) {
  std::error_code ec;
  std::vector<fs::path> children;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    children.push_back(it->path());
  }
  for (const auto& child : children) {
    std::string path = prefix + child.filename().string();
    struct stat st;
    if (::stat(child.c_str(), &st) != 0) {
      // A dangling symlink: listed, as the Framework's globbing lists it, so that packaging it
      // fails with its name unless a pattern leaves it out.
      out.push_back({path, child, false});
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      DirId id{st.st_dev, st.st_ino};
      if (!ancestors.insert(id).second) continue;  // A symlink back up the tree.
      walk(child, path + "/", ancestors, out);
      ancestors.erase(id);
    } else if (S_ISREG(st.st_mode)) {
      out.push_back({path, child, (st.st_mode & S_IXUSR) != 0});
    }
  }
}

// lodash's union: the first occurrence of each glob keeps its place.
void appendUnique(std::vector<std::string>& out, std::set<std::string>& seen,
                  const std::vector<std::string>& globs) {
  for (const auto& glob : globs) {
    if (seen.insert(glob).second) out.push_back(glob);
  }
}

std::string inverted(const std::string& exclude) {
  return exclude.rfind('!', 0) == 0 ? exclude.substr(1) : "!" + exclude;
}

std::string humanSize(size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} kB", bytes / 1024.0);
  return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024.0));
}

class Packager {
 public:
  Packager(const config::ProjectConfig& project, PackageResult& result,
           std::filesystem::path buildOutput)
      : project_(project), result_(result), buildOutput_(std::move(buildOutput)) {}

  std::shared_ptr<const Artifact> servicePackage() {
    if (service_ || serviceFailed_) return service_;
    const auto& package = project_.package;
    if (!package.artifact.empty()) {
      service_ = artifact(package.artifact, package.artifactWhere, "package.artifact");
    } else {
      service_ = zip(nullptr);
    }
    serviceFailed_ = service_ == nullptr;
    return service_;
  }

  std::shared_ptr<const Artifact> functionPackage(const config::FunctionConfig& f) {
    const auto& own = f.package;
    std::string key = "functions." + f.key + ".package";
    if (!own.artifact.empty()) return artifact(own.artifact, own.artifactWhere, key + ".artifact");
    if (own.individually || project_.package.individually) {
      // The service's artifact stands for every function not individually packaged itself.
      if (!project_.package.artifact.empty() && !own.individually) return servicePackage();
      return zip(&f);
    }
    bool ownGlobs = !own.patterns.empty() || !own.include.empty() || !own.exclude.empty();
    if (ownGlobs && !warnedFunctionGlobs_) {
      warnedFunctionGlobs_ = true;
      result_.warnings.push_back(fmt::format(
          "{}:{}: {}: package patterns of a function apply only when package.individually is "
          "true (for the service or the function); they are ignored and the service package "
          "is used, as the Serverless Framework does",
          f.where.file, own.where.line, key));
    }
    return servicePackage();
  }

 private:
  std::shared_ptr<const Artifact> artifact(const std::string& path,
                                           const config::SourceLocation& where,
                                           const std::string& key) {
    fs::path file = fs::path(path).is_absolute() ? fs::path(path) : project_.serviceDir / path;
    std::error_code ec;
    auto bytes = fs::is_regular_file(file, ec) ? readFileText(file) : std::nullopt;
    if (!bytes) {
      result_.errors.push_back(
          {where, key,
           fmt::format("cannot read the artifact {}: {}", path,
                       fs::exists(file, ec) ? "not a readable file" : "no such file")});
      return nullptr;
    }
    auto a = std::make_shared<Artifact>();
    a->codeSha256 = codeSha256(*bytes);
    a->origin = fmt::format("artifact {}, {}", path, humanSize(bytes->size()));
    a->zip = std::move(*bytes);
    return a;
  }

  std::shared_ptr<const Artifact> zip(const config::FunctionConfig* f) {
    if (!listed_) {
      files_ = listServiceFiles(project_.serviceDir);
      if (project_.package.excludeDevDependencies) {
        devExcludes_ = devDependencyExcludes(project_.serviceDir);
      }
      listed_ = true;
    }
    const auto& package = f ? f->package : project_.package;
    std::string key = f ? "functions." + f->key + ".package" : "package";
    config::SourceLocation where =
        package.where.line > 0
            ? package.where
            : (f ? f->where : config::SourceLocation{project_.configFile.filename(), 0, 0});
    std::string problem;
    auto patterns = packagePatterns(project_, f, devExcludes_);
    // A bundle holds the dependencies it needs, and the plugins package only the built code and
    // the files the patterns add, not the project's node_modules.
    if (!buildOutput_.empty()) patterns.push_back("!node_modules/**");
    auto selected = selectFiles(files_, patterns, &problem);
    if (!problem.empty()) {
      result_.errors.push_back({where, key, problem});
      return nullptr;
    }
    if (selected.empty()) {
      result_.errors.push_back({where, key,
                                "no file matches the include / exclude patterns, so there is "
                                "nothing to package"});
      return nullptr;
    }
    if (!buildOutput_.empty()) {
      std::map<std::string, ServiceFile> byPath;
      for (auto& file : selected) byPath[file.path] = std::move(file);
      for (auto& file : listServiceFiles(buildOutput_)) byPath[file.path] = std::move(file);
      selected.clear();
      for (auto& [path, file] : byPath) selected.push_back(std::move(file));
    }
    std::vector<ZipEntry> entries;
    entries.reserve(selected.size());
    for (auto& file : selected) entries.push_back({file.path, file.source, file.executable});
    auto zipped = writeZip(entries);
    if (!zipped.ok) {
      result_.failures.push_back(fmt::format(
          "cannot package {}: {}", f ? "function " + f->key : "the service", zipped.error));
      return nullptr;
    }
    auto a = std::make_shared<Artifact>();
    a->codeSha256 = codeSha256(zipped.bytes);
    a->origin = fmt::format("{} package, {} file{}, {}", f ? "function" : "service", entries.size(),
                            entries.size() == 1 ? "" : "s", humanSize(zipped.bytes.size()));
    a->zip = std::move(zipped.bytes);
    return a;
  }

  const config::ProjectConfig& project_;
  PackageResult& result_;
  std::filesystem::path buildOutput_;
  bool listed_ = false;
  std::vector<ServiceFile> files_;
  std::vector<std::string> devExcludes_;
  std::shared_ptr<const Artifact> service_;
  bool serviceFailed_ = false;
  bool warnedFunctionGlobs_ = false;
};

}  // namespace

std::vector<ServiceFile> listServiceFiles(const fs::path& dir) {
  std::vector<ServiceFile> files;
  std::set<DirId> ancestors;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) ancestors.insert({st.st_dev, st.st_ino});
  walk(dir, "", ancestors, files);
  std::sort(files.begin(), files.end(),
            [](const ServiceFile& a, const ServiceFile& b) { return a.path < b.path; });
  return files;
}

std::vector<std::string> packagePatterns(const config::ProjectConfig& project,
                                         const config::FunctionConfig* function,
                                         const std::vector<std::string>& devDependencyExcludes) {
  std::set<std::string> seen;
  std::vector<std::string> excludes;
  appendUnique(excludes, seen, defaultExcludes());
  appendUnique(excludes, seen, {project.configFile.filename().string()});
  appendUnique(excludes, seen, project.package.exclude);
  if (project.useDotenv) appendUnique(excludes, seen, {".env*"});
  if (function) appendUnique(excludes, seen, function->package.exclude);
  // The dev-dependency excludes join the union too, but are applied last.
  std::set<std::string> devSet(devDependencyExcludes.begin(), devDependencyExcludes.end());
  appendUnique(excludes, seen, devDependencyExcludes);

  std::vector<std::string> patterns;
  for (const auto& exclude : excludes) {
    if (devSet.count(exclude) == 0) patterns.push_back(inverted(exclude));
  }
  std::set<std::string> includeSeen;
  std::vector<std::string> includes;
  appendUnique(includes, includeSeen, project.package.include);
  appendUnique(includes, includeSeen, project.package.patterns);
  if (function) {
    appendUnique(includes, includeSeen, function->package.include);
    appendUnique(includes, includeSeen, function->package.patterns);
  }
  patterns.insert(patterns.end(), includes.begin(), includes.end());
  for (const auto& exclude : devDependencyExcludes) patterns.push_back(inverted(exclude));
  return patterns;
}

std::vector<ServiceFile> selectFiles(const std::vector<ServiceFile>& files,
                                     const std::vector<std::string>& patterns,
                                     std::string* problem) {
  std::vector<char> included(files.size(), 1);
  for (const auto& pattern : patterns) {
    bool exclude = !pattern.empty() && pattern[0] == '!';
    std::string why;
    auto glob = Glob::compile(exclude ? std::string_view(pattern).substr(1) : pattern, &why);
    if (!glob) {
      if (problem) *problem = fmt::format("'{}': {}", pattern, why);
      return {};
    }
    for (size_t i = 0; i < files.size(); ++i) {
      if (glob->matches(files[i].path)) included[i] = exclude ? 0 : 1;
    }
  }
  std::vector<ServiceFile> selected;
  for (size_t i = 0; i < files.size(); ++i) {
    if (included[i]) selected.push_back(files[i]);
  }
  return selected;
}

std::string codeSha256(const std::string& zip) {
  return base64Encode(sha256(zip));
}

PackageResult packageFunctions(const config::ProjectConfig& project,
                               const std::vector<std::string>& functionKeys,
                               const std::filesystem::path& buildOutput) {
  PackageResult result;
  Packager packager(project, result, buildOutput);
  for (const auto& f : project.functions) {
    if (!functionKeys.empty() &&
        std::find(functionKeys.begin(), functionKeys.end(), f.key) == functionKeys.end()) {
      continue;
    }
    if (auto artifact = packager.functionPackage(f)) result.artifacts[f.key] = artifact;
  }
  return result;
}

}  // namespace nimbus::client
