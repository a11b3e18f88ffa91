// `.env` files as the Serverless Framework v3 reads them with `useDotenv: true`: parsed like the
// `dotenv` package (v16) and expanded like `dotenv-expand` (v10).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::config {

// KEY=value lines, in file order (a repeated key keeps its first position and takes its last
// value). Accepts `export KEY=value` and `KEY: value`; `#` starts a comment outside quotes;
// '...', "..." and `...` values may span lines; in "..." values \n and \r become newline and
// carriage return. Lines that are not assignments are skipped, as dotenv does.
std::vector<std::pair<std::string, std::string>> parseDotenv(std::string_view text);

// Expands $NAME, ${NAME} and ${NAME:-default} in the values (and `\$` to a literal '$').
// A name is looked up in the process environment first (it wins over .env, as with dotenv),
// then among the file's values; an unknown name expands to "".
std::map<std::string, std::string> expandDotenv(
    const std::vector<std::pair<std::string, std::string>>& parsed,
    const std::function<std::optional<std::string>(const std::string&)>& processEnv);

}  // namespace nimbus::config
