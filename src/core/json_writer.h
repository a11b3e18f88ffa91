// A small append-only JSON writer for hot paths: events and responses are built straight into a
// string without a DOM. Callers are responsible for well-formed nesting; commas are automatic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus {

// Appends `s` to `out` as a JSON string literal (with quotes), escaping as RFC 8259 requires.
// Invalid UTF-8 bytes are replaced by U+FFFD so that the output is always valid JSON.
void appendJsonString(std::string& out, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view v);
  JsonWriter& number(int64_t v);
  JsonWriter& number(double v);
  JsonWriter& boolean(bool v);
  JsonWriter& null();
  // Inserts already-serialized JSON as one value.
  JsonWriter& raw(std::string_view json);

  // Shorthands for a key followed by a value.
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, const char* v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, int64_t v) { return key(k).number(v); }
  JsonWriter& field(std::string_view k, int v) { return key(k).number(int64_t{v}); }
  JsonWriter& field(std::string_view k, bool v) { return key(k).boolean(v); }

 private:
  void separate();

  std::string& out_;
  // One entry per open container: true once it holds a value (so the next needs a comma).
  std::vector<bool> hasValue_;
  bool afterKey_ = false;
};

}  // namespace nimbus
