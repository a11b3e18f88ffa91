// The PartiQL lexer: DynamoDB's statement text as tokens, comments dropped.
#include "aws/dynamodb/partiql_lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <optional>
#include <set>

#include "aws/dynamodb/partiql.h"

namespace nimbus::aws::dynamodb::partiql {

namespace {

bool identStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool identPart(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

// A number's exponent or scale that does not fit in 32 bits is refused before any range check,
// with nothing after the colon, as DynamoDB's parser refuses it.
bool numberFitsParser(std::string_view text) {
  auto e = text.find_first_of("eE");
  long long fraction = 0;
  if (auto dot = text.find('.'); dot != std::string_view::npos) {
    fraction = static_cast<long long>((e == std::string_view::npos ? text.size() : e) - dot - 1);
  }
  long long exponent = 0;
  if (e != std::string_view::npos) {
    size_t i = e + 1;
    bool negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
    for (; i < text.size(); ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > INT32_MAX + 1LL) return false;
    }
    if (negative) exponent = -exponent;
    if (exponent > INT32_MAX || exponent < INT32_MIN) return false;
  }
  long long scale = fraction - exponent;
  return scale <= INT32_MAX && scale >= INT32_MIN;
}

}  // namespace

std::string upperCase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// SQL-92's reserved words and PartiQL's own, as AWS lists them for QLDB's PartiQL.
bool isReserved(std::string_view word) {
  static const std::set<std::string, std::less<>> kWords = [] {
    constexpr std::string_view kList =
        "ABSOLUTE ACTION ADD ALL ALLOCATE ALTER AND ANY ARE AS ASC ASSERTION AT AUTHORIZATION "
        "AVG BAG BEGIN BETWEEN BIT BIT_LENGTH BLOB BOOL BOOLEAN BOTH BY CASCADE CASCADED CASE "
        "CAST CATALOG CHAR CHARACTER CHARACTER_LENGTH CHAR_LENGTH CHECK CLOB CLOSE COALESCE "
        "COLLATE COLLATION COLUMN COMMIT CONNECT CONNECTION CONSTRAINT CONSTRAINTS CONTINUE "
        "CONVERT CORRESPONDING COUNT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME "
        "CURRENT_TIMESTAMP CURRENT_USER CURSOR DATE DATE_ADD DATE_DIFF DAY DEALLOCATE DEC "
        "DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DELETE DESC DESCRIBE DESCRIPTOR DIAGNOSTICS "
        "DISCONNECT DISTINCT DOMAIN DOUBLE DROP ELSE END END-EXEC ESCAPE EXCEPT EXCEPTION EXEC "
        "EXECUTE EXISTS EXTERNAL EXTRACT FALSE FETCH FIRST FLOAT FOR FOREIGN FOUND FROM FULL GET "
        "GLOBAL GO GOTO GRANT GROUP HAVING HOUR IDENTITY IMMEDIATE IN INDEX INDICATOR INITIALLY "
        "INNER INPUT INSENSITIVE INSERT INT INTEGER INTERSECT INTERVAL INTO IS ISOLATION JOIN "
        "KEY LANGUAGE LAST LEADING LEFT LEVEL LIKE LIMIT LIST LOCAL LOWER MATCH MAX MIN MINUTE "
        "MISSING MODULE MONTH NAMES NATIONAL NATURAL NCHAR NEXT NO NOT NULL NULLIF NUMERIC "
        "OCTET_LENGTH OF ON ONLY OPEN OPTION OR ORDER OUTER OUTPUT OVERLAPS PAD PARTIAL PIVOT "
        "POSITION PRECISION PREPARE PRESERVE PRIMARY PRIOR PRIVILEGES PROCEDURE PUBLIC READ REAL "
        "REFERENCES RELATIVE REMOVE RESTRICT REVOKE RIGHT ROLLBACK ROWS SCHEMA SCROLL SECOND "
        "SECTION SELECT SESSION SESSION_USER SET SEXP SIZE SMALLINT SOME SPACE SQL SQLCODE "
        "SQLERROR SQLSTATE STRING STRUCT SUBSTRING SUM SYMBOL SYSTEM_USER TABLE TEMPORARY THEN "
        "TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TO TRAILING TRANSACTION TRANSLATE "
        "TRANSLATION TRIM TRUE TUPLE UNION UNIQUE UNKNOWN UNPIVOT UPDATE UPPER USAGE USER USING "
        "VALUE VALUES VARCHAR VARYING VIEW WHEN WHENEVER WHERE WITH WORK WRITE YEAR ZONE ";
    std::set<std::string, std::less<>> words;
    size_t start = 0;
    while (start < kList.size()) {
      size_t end = kList.find(' ', start);
      if (end == std::string_view::npos) end = kList.size();
      if (end > start) words.emplace(kList.substr(start, end - start));
      start = end + 1;
    }
    return words;
  }();
  return kWords.count(upperCase(word)) > 0;
}

std::string lowerCase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<std::vector<Token>> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto quoted = [&](char quote) -> std::optional<std::string> {
    std::string text;
    ++i;
    while (i < s.size()) {
      if (s[i] == quote) {
        if (i + 1 < s.size() && s[i + 1] == quote) {
          text.push_back(quote);
          i += 2;
          continue;
        }
        ++i;
        return text;
      }
      text.push_back(s[i++]);
    }
    return std::nullopt;
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      auto end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return malformed("");
      i = end + 2;
      continue;
    }
    if (c == '\'' || c == '"') {
      auto text = quoted(c);
      if (!text) return malformed("");
      out.push_back({c == '\'' ? Token::Kind::kString : Token::Kind::kQuoted, std::move(*text)});
      continue;
    }
    if (digit(c) || (c == '.' && i + 1 < s.size() && digit(s[i + 1]))) {
      size_t start = i;
      while (i < s.size() && digit(s[i])) ++i;
      if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && digit(s[i])) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && digit(s[j])) {
          while (j < s.size() && digit(s[j])) ++j;
          i = j;
        }
      }
      std::string_view text = s.substr(start, i - start);
      if (!numberFitsParser(text)) return malformed("");
      out.push_back({Token::Kind::kNumber, std::string(text)});
      continue;
    }
    if (identStart(c)) {
      size_t start = i;
      while (i < s.size() && identPart(s[i])) ++i;
      out.push_back({Token::Kind::kIdent, std::string(s.substr(start, i - start))});
      continue;
    }
    if (c == '?') {
      out.push_back({Token::Kind::kParam, "?"});
      ++i;
      continue;
    }
    static constexpr std::array<std::string_view, 7> kTwo = {
        "<<", ">>", "<>", "<=", ">=", "!=", "||"};
    bool matched = false;
    for (auto two : kTwo) {
      if (s.substr(i, 2) == two) {
        out.push_back({Token::Kind::kPunct, std::string(two)});
        i += 2;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (std::string_view("()[]{},.:*+-/%=<>;").find(c) != std::string_view::npos) {
      out.push_back({Token::Kind::kPunct, std::string(1, c)});
      ++i;
      continue;
    }
    return malformed("");  // `#`, backquoted Ion, stray bytes.
  }
  out.push_back({Token::Kind::kEnd, ""});
  return out;
}

}  // namespace nimbus::aws::dynamodb::partiql
