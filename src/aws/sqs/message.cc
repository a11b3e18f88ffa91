#include "aws/sqs/message.h"

#include <openssl/evp.h>

#include <algorithm>

#include "core/hash.h"

namespace nimbus::aws::sqs {

namespace {

// Incremental MD5 over OpenSSL's EVP interface; the context is freed on every path.
class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  ~Md5() { EVP_MD_CTX_free(ctx_); }

  void add(std::string_view bytes) { EVP_DigestUpdate(ctx_, bytes.data(), bytes.size()); }
  void addLengthPrefixed(std::string_view bytes) {
    auto n = static_cast<uint32_t>(bytes.size());
    unsigned char length[4] = {static_cast<unsigned char>(n >> 24),
                               static_cast<unsigned char>(n >> 16),
                               static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    EVP_DigestUpdate(ctx_, length, sizeof length);
    add(bytes);
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, digest, &size);
    return hexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
  }

 private:
  EVP_MD_CTX* ctx_;
};

void putU32(std::string& out, uint32_t n) {
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
}

void putString(std::string& out, std::string_view s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

void putAttributes(std::string& out, const MessageAttributes& attributes) {
  putU32(out, static_cast<uint32_t>(attributes.size()));
  for (const auto& a : attributes) {
    putString(out, a.name);
    putString(out, a.dataType);
    putString(out, a.value);
  }
}

// Reads the encoding back, refusing anything truncated.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool u32(uint32_t& n) {
    if (in_.size() < 4) return false;
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(in_[i])); };
    n = (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    in_.remove_prefix(4);
    return true;
  }
  bool string(std::string& s) {
    uint32_t n = 0;
    if (!u32(n) || in_.size() < n) return false;
    s.assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool attributes(MessageAttributes& out) {
    uint32_t count = 0;
    if (!u32(count) || count > in_.size()) return false;
    out.resize(count);
    for (auto& a : out) {
      if (!string(a.name) || !string(a.dataType) || !string(a.value)) return false;
    }
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

constexpr char kEncodingVersion = 1;

}  // namespace

std::string md5Hex(std::string_view bytes) {
  Md5 md5;
  md5.add(bytes);
  return md5.hex();
}

std::string md5OfAttributes(const MessageAttributes& attributes) {
  if (attributes.empty()) return {};
  // Callers keep attributes sorted; a sorted copy covers any that do not.
  const MessageAttributes* sorted = &attributes;
  MessageAttributes copy;
  if (!std::is_sorted(attributes.begin(), attributes.end(),
                      [](const auto& a, const auto& b) { return a.name < b.name; })) {
    copy = attributes;
    sortAttributes(copy);
    sorted = &copy;
  }
  Md5 md5;
  for (const auto& a : *sorted) {
    md5.addLengthPrefixed(a.name);
    md5.addLengthPrefixed(a.dataType);
    md5.add(a.binary() ? std::string_view("\x02", 1) : std::string_view("\x01", 1));
    md5.addLengthPrefixed(a.value);
  }
  return md5.hex();
}

bool sortAttributes(MessageAttributes& attributes) {
  std::sort(attributes.begin(), attributes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return std::adjacent_find(attributes.begin(), attributes.end(), [](const auto& a, const auto& b) {
           return a.name == b.name;
         }) == attributes.end();
}

size_t MessageContent::size() const {
  size_t n = body.size();
  for (const auto& a : attributes) n += a.name.size() + a.dataType.size() + a.value.size();
  return n;
}

void MessageContent::computeDigests() {
  md5OfBody = md5Hex(body);
  md5OfAttributes = sqs::md5OfAttributes(attributes);
  md5OfSystemAttributes = sqs::md5OfAttributes(systemAttributes);
}

std::string encodeAttributes(const MessageContent& content) {
  std::string out;
  out.push_back(kEncodingVersion);
  putAttributes(out, content.attributes);
  putAttributes(out, content.systemAttributes);
  putString(out, content.senderId);
  putString(out, content.sequenceNumber);
  putString(out, content.deadLetterSourceArn);
  return out;
}

bool decodeAttributes(std::string_view bytes, MessageContent& content) {
  if (bytes.empty() || bytes.front() != kEncodingVersion) return false;
  Reader r(bytes.substr(1));
  return r.attributes(content.attributes) && r.attributes(content.systemAttributes) &&
         r.string(content.senderId) && r.string(content.sequenceNumber) &&
         r.string(content.deadLetterSourceArn) && r.done();
}

}  // namespace nimbus::aws::sqs
