// Which node_modules packages only devDependencies need, so that packages leave them out as the
// Serverless Framework does by default (`package.excludeDevDependencies`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nimbus::client {

// For each package.json under `serviceDir` outside node_modules, the installed packages reachable
// from its devDependencies but not from its dependencies and optionalDependencies (the
// difference of `npm ls --dev` and `npm ls --prod`, which the Framework runs), found by Node's
// resolution through the node_modules folders. Returns globs relative to `serviceDir`: each such
// package's folder ("node_modules/jest/**") and its executables in the neighbouring .bin
// ("node_modules/.bin/jest"). Packages that are not installed are skipped; nothing here fails.
std::vector<std::string> devDependencyExcludes(const std::filesystem::path& serviceDir);

}  // namespace nimbus::client
