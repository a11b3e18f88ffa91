#include "aws/dynamodb/streams.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <shared_mutex>

#include "core/dynamodb_names.h"

namespace nimbus::aws::dynamodb {

namespace {

// Reads exactly `digits` decimal digits at `text[at]`.
std::optional<int> digitsAt(std::string_view text, size_t at, size_t digits) {
  if (at + digits > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<StreamArnParts> parseStreamArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:dynamodb:";
  if (arn.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t regionEnd = rest.find(':');
  if (regionEnd == std::string_view::npos) return std::nullopt;
  size_t accountEnd = rest.find(':', regionEnd + 1);
  if (accountEnd == std::string_view::npos) return std::nullopt;
  StreamArnParts parts;
  parts.region = std::string(rest.substr(0, regionEnd));
  parts.account = std::string(rest.substr(regionEnd + 1, accountEnd - regionEnd - 1));
  std::string_view resource = rest.substr(accountEnd + 1);
  constexpr std::string_view kTable = "table/";
  constexpr std::string_view kStream = "/stream/";
  if (resource.substr(0, kTable.size()) != kTable) return std::nullopt;
  resource.remove_prefix(kTable.size());
  size_t stream = resource.find(kStream);
  if (stream == std::string_view::npos || stream == 0) return std::nullopt;
  parts.table = std::string(resource.substr(0, stream));
  parts.label = std::string(resource.substr(stream + kStream.size()));
  if (parts.region.empty() || parts.account.empty() || parts.label.empty() ||
      parts.label.find('/') != std::string::npos) {
    return std::nullopt;
  }
  return parts;
}

ServiceError streamNotFound(std::string_view arn) {
  return ServiceError{"ResourceNotFoundException",
                      fmt::format("Requested resource not found: Stream: {} not found", arn), 400};
}

Result<StreamHandle> resolveStream(const Engine& engine, std::string_view arn) {
  auto parts = parseStreamArn(arn);
  if (!parts) return ServiceError{"ValidationException", "Invalid StreamArn", 400};
  if (parts->region != engine.region() || parts->account != engine.accountId()) {
    return streamNotFound(arn);
  }
  auto table = engine.table(parts->table);
  if (!table) return streamNotFound(arn);
  std::shared_lock lock(table->mutex);
  const auto& def = table->definition;
  if (table->deleted || def.streamLabel.empty()) return streamNotFound(arn);
  if (parts->label != def.streamLabel && parts->label != kProjectStreamLabel) {
    return streamNotFound(arn);
  }
  return StreamHandle{table, def.streamLabel, def.streamArn(engine.region(), engine.accountId())};
}

int64_t labelMillis(std::string_view label) {
  // 2015-05-11T21:21:33.291
  if (label.size() != 23 || label[4] != '-' || label[7] != '-' || label[10] != 'T' ||
      label[13] != ':' || label[16] != ':' || label[19] != '.') {
    return 0;
  }
  auto year = digitsAt(label, 0, 4), month = digitsAt(label, 5, 2), day = digitsAt(label, 8, 2);
  auto hour = digitsAt(label, 11, 2), minute = digitsAt(label, 14, 2);
  auto second = digitsAt(label, 17, 2), millis = digitsAt(label, 20, 3);
  if (!year || !month || !day || !hour || !minute || !second || !millis) return 0;
  struct tm tm {};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + *millis;
}

std::optional<int64_t> parseSequenceNumber(std::string_view text) {
  if (text.size() != 21 || text[0] != '1') return std::nullopt;
  int64_t value = 0;
  for (char c : text.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (INT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::string shardIdOf(const TableDefinition& table) {
  std::string suffix;
  for (char c : table.id) {
    if (suffix.size() == 8) break;
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      suffix.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  suffix.resize(8, '0');
  return fmt::format("shardId-{:020d}-{}", labelMillis(table.streamLabel), suffix);
}

StreamWindow streamWindow(const Table& table) {
  StreamWindow window;
  window.next = table.nextSequence;
  window.open = table.definition.streamEnabled;
  window.first = window.next;
  // The stream's records are the retained records created since its label; those of an
  // earlier stream of the table come before them.
  int64_t since = labelMillis(table.definition.streamLabel);
  auto it = std::lower_bound(table.stream.begin(), table.stream.end(), since,
                             [](const StreamRecord& r, int64_t ms) { return r.createdAtMs < ms; });
  if (it != table.stream.end()) window.first = it->sequence;
  return window;
}

StreamRead readStream(const Table& table, int64_t from, size_t maxRecords, size_t maxBytes) {
  std::shared_lock lock(table.mutex);
  StreamRead read;
  read.window = streamWindow(table);
  from = std::max(from, read.window.first);
  auto it = std::lower_bound(table.stream.begin(), table.stream.end(), from,
                             [](const StreamRecord& r, int64_t s) { return r.sequence < s; });
  size_t bytes = 0;
  for (; it != table.stream.end() && read.records.size() < maxRecords; ++it) {
    if (!read.records.empty() && bytes + it->json.size() > maxBytes) break;
    bytes += it->json.size();
    read.records.push_back(*it);
  }
  return read;
}

}  // namespace nimbus::aws::dynamodb
