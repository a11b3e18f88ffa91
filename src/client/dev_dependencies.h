// Which node_modules packages only devDependencies need, so that packages leave them out as the
// Serverless Framework does by default (`package.excludeDevDependencies`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nimbus::client {

// The installed packages reachable from the devDependencies of some package.json under
// `serviceDir` (outside node_modules) but from no package.json's dependencies or
// optionalDependencies: the difference of what `npm ls --dev` and `npm ls --prod` list, which the
// Framework runs in each such folder; found here by Node's resolution through node_modules. Returns
// globs relative to `serviceDir`: each such package's folder ("node_modules/jest/**") and its
// executables in the neighbouring .bin
// ("node_modules/.bin/jest"). Packages that are not installed are skipped; nothing here fails.
std::vector<std::string> devDependencyExcludes(const std::filesystem::path& serviceDir);

}  // namespace nimbus::client
