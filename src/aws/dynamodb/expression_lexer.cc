// DynamoDB's expression lexer: see tokenize() in expression_syntax.h.
#include <algorithm>

#include "aws/dynamodb/expression_syntax.h"

namespace nimbus::aws::dynamodb::syntax {

namespace {

bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isWordChar(char c) {
  return isAlpha(c) || isDigit(c) || c == '_';
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// An unexpected character is reported whole, so a multi-byte UTF-8 character is one token.
size_t utf8Length(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF8) return 4;
  return 1;
}

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const char c = text[i];
    if (isSpace(c)) {
      ++i;
      continue;
    }
    const size_t start = i;
    Tok kind = Tok::kOther;
    if (isAlpha(c)) {
      while (i < n && isWordChar(text[i])) ++i;
      kind = Tok::kName;
    } else if (isDigit(c)) {
      while (i < n && isDigit(text[i])) ++i;
      kind = Tok::kNumber;
    } else if ((c == '#' || c == ':') && i + 1 < n && isWordChar(text[i + 1])) {
      ++i;
      while (i < n && isWordChar(text[i])) ++i;
      kind = c == '#' ? Tok::kNameRef : Tok::kValueRef;
    } else {
      ++i;
      const bool nextIs = i < n;
      switch (c) {
        case '=':
          kind = Tok::kEq;
          break;
        case '<':
          if (nextIs && text[i] == '>') {
            ++i;
            kind = Tok::kNe;
          } else if (nextIs && text[i] == '=') {
            ++i;
            kind = Tok::kLe;
          } else {
            kind = Tok::kLt;
          }
          break;
        case '>':
          if (nextIs && text[i] == '=') {
            ++i;
            kind = Tok::kGe;
          } else {
            kind = Tok::kGt;
          }
          break;
        case '(':
          kind = Tok::kLParen;
          break;
        case ')':
          kind = Tok::kRParen;
          break;
        case '[':
          kind = Tok::kLBracket;
          break;
        case ']':
          kind = Tok::kRBracket;
          break;
        case ',':
          kind = Tok::kComma;
          break;
        case '.':
          kind = Tok::kDot;
          break;
        case '+':
          kind = Tok::kPlus;
          break;
        case '-':
          kind = Tok::kMinus;
          break;
        default:
          i = std::min(n, start + utf8Length(static_cast<unsigned char>(c)));
          break;
      }
    }
    tokens.push_back({kind, static_cast<uint32_t>(start), static_cast<uint32_t>(i)});
  }
  tokens.push_back({Tok::kEnd, static_cast<uint32_t>(n), static_cast<uint32_t>(n)});
  return tokens;
}

}  // namespace nimbus::aws::dynamodb::syntax
