// A whole file read into memory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace nimbus {

// The bytes of the file at `path`, or nullopt when it cannot be opened or read.
std::optional<std::string> readFileText(const std::filesystem::path& path);

}  // namespace nimbus
