// The tokens of a PartiQL statement, as partiql_parser.cc reads them. Internal to the dynamodb
// module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nimbus::aws::dynamodb::partiql {

struct Token {
  enum class Kind : uint8_t { kIdent, kQuoted, kString, kNumber, kParam, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // Identifiers as written; quoted names and strings unescaped.
};

// The statement's tokens, ending with a kEnd token. `--` and `/* */` comments are dropped.
// Text the lexer cannot read (an unterminated string, name or comment, a `#`, an Ion literal, a
// number whose exponent or scale does not fit in 32 bits) is refused as DynamoDB refuses it:
// "Statement wasn't well formed, can't be processed: " with nothing after the colon.
Result<std::vector<Token>> lex(std::string_view text);

// Whether a bare identifier is a reserved word, which PartiQL refuses as a name (`WHERE pad =
// 'x'` is a syntax error, `WHERE "pad" = 'x'` is fine): SQL-92's reserved words and PartiQL's
// own, as AWS publishes them for PartiQL.
bool isReserved(std::string_view word);

std::string upperCase(std::string_view s);
std::string lowerCase(std::string_view s);

}  // namespace nimbus::aws::dynamodb::partiql
