#include "config/dotenv.h"

#include <cctype>

#include "config/text.h"

namespace nimbus::config {

namespace {

bool isKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}
bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string replaceAll(const std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  size_t start = 0;
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, start)) {
    out.append(s, start, at - start);
    out.append(to);
    start = at + from.size();
  }
  out.append(s, start, std::string::npos);
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parseDotenv(std::string_view input) {
  std::string text = replaceAll(replaceAll(std::string(input), "\r\n", "\n"), "\r", "\n");
  std::vector<std::pair<std::string, std::string>> result;
  size_t i = 0;
  const size_t n = text.size();
  auto skipLine = [&] {
    while (i < n && text[i] != '\n') ++i;
    if (i < n) ++i;
  };
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= n) break;
    if (text.compare(i, 6, "export") == 0 && i + 6 < n && isBlank(text[i + 6])) {
      i += 6;
      while (i < n && isBlank(text[i])) ++i;
    }
    size_t keyStart = i;
    while (i < n && isKeyChar(text[i])) ++i;
    std::string key = text.substr(keyStart, i - keyStart);
    if (key.empty()) {
      skipLine();
      continue;
    }
    while (i < n && isBlank(text[i])) ++i;
    if (i < n && text[i] == '=') {
      ++i;
    } else if (i + 1 < n && text[i] == ':' && isBlank(text[i + 1])) {
      ++i;
    } else {
      skipLine();
      continue;
    }
    while (i < n && isBlank(text[i])) ++i;
    std::string value;
    bool done = false;
    if (i < n && (text[i] == '\'' || text[i] == '"' || text[i] == '`')) {
      char quote = text[i];
      size_t close = i + 1;
      while (close < n && text[close] != quote) {
        if (text[close] == '\\' && close + 1 < n && text[close + 1] == quote) ++close;
        ++close;
      }
      if (close < n) {
        // Only blanks and a comment may follow the closing quote on its line.
        size_t after = close + 1;
        while (after < n && isBlank(text[after])) ++after;
        if (after >= n || text[after] == '\n' || text[after] == '#') {
          value = text.substr(i + 1, close - i - 1);
          if (quote == '"') {
            value = replaceAll(replaceAll(value, "\\n", "\n"), "\\r", "\r");
          }
          i = after;
          done = true;
        }
      }
    }
    if (!done) {
      size_t start = i;
      while (i < n && text[i] != '\n' && text[i] != '#') ++i;
      value = trim(std::string_view(text).substr(start, i - start));
    }
    skipLine();
    bool replaced = false;
    for (auto& entry : result) {
      if (entry.first == key) {
        entry.second = value;
        replaced = true;
      }
    }
    if (!replaced) result.emplace_back(std::move(key), std::move(value));
  }
  return result;
}

namespace {

class Expander {
 public:
  Expander(std::map<std::string, std::string>& values,
           const std::function<std::optional<std::string>(const std::string&)>& processEnv)
      : values_(values), processEnv_(processEnv) {}

  std::string expand(const std::string& value, int depth) {
    // dotenv-expand recurses without a limit (A=$A overflows its stack); stop somewhere.
    if (depth > 10) return value;
    std::string out;
    size_t i = 0;
    while (i < value.size()) {
      char c = value[i];
      if (c == '\\' && i + 1 < value.size() && value[i + 1] == '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (c != '$') {
        out += c;
        ++i;
        continue;
      }
      size_t j = i + 1;
      bool braced = j < value.size() && value[j] == '{';
      if (braced) ++j;
      size_t nameStart = j;
      while (j < value.size() && isNameChar(value[j])) ++j;
      std::string name = value.substr(nameStart, j - nameStart);
      std::optional<std::string> fallback;
      if (braced) {
        if (value.compare(j, 2, ":-") == 0) {
          size_t close = value.find('}', j + 2);
          if (close == std::string::npos) close = value.size();
          fallback = value.substr(j + 2, close - j - 2);
          j = close;
        }
        if (j < value.size() && value[j] == '}') ++j;
      }
      if (name.empty() && !braced) {
        out += '$';
        ++i;
        continue;
      }
      out += expand(lookup(name, fallback), depth + 1);
      i = j;
    }
    return out;
  }

 private:
  std::string lookup(const std::string& name, const std::optional<std::string>& fallback) {
    if (auto fromProcess = processEnv_(name)) return *fromProcess;
    if (auto it = values_.find(name); it != values_.end() && !it->second.empty()) {
      return it->second;
    }
    return fallback.value_or("");
  }

  std::map<std::string, std::string>& values_;
  const std::function<std::optional<std::string>(const std::string&)>& processEnv_;
};

}  // namespace

std::map<std::string, std::string> expandDotenv(
    const std::vector<std::pair<std::string, std::string>>& parsed,
    const std::function<std::optional<std::string>(const std::string&)>& processEnv) {
  std::map<std::string, std::string> values(parsed.begin(), parsed.end());
  Expander expander(values, processEnv);
  // In file order, so that a value sees the already expanded values of the lines above it.
  for (const auto& [key, raw] : parsed) {
    auto fromProcess = processEnv(key);
    values[key] = expander.expand(fromProcess ? *fromProcess : values[key], 0);
  }
  return values;
}

}  // namespace nimbus::config
