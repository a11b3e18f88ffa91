// Finding a program as a shell would: the first executable of that name in PATH.
#pragma once

#include <string>

namespace nimbus {

// The full path of the first executable regular file named `name` in PATH (or
// /usr/local/bin:/usr/bin:/bin without one), or "" when there is none.
std::string findInPath(const std::string& name);

}  // namespace nimbus
