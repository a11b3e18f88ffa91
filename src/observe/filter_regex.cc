#include "observe/filter_regex.h"

#include <bitset>
#include <charconv>
#include <optional>
#include <vector>

#include "observe/filter_syntax.h"

namespace nimbus::observe {

using filter::contains;
using filter::invalid;
using filter::invalidCharacters;
using filter::isAlnum;
using filter::kInvalidPattern;

namespace {

// ---- Regular expressions ------------------------------------------------------------------

constexpr std::string_view kRegexSymbols = ":_#=@/;,-";
constexpr std::string_view kRegexOperators = "^$?[]{}|\\*+.";

// The longest run of characters that every match of `body` contains, or "" when none is certain
// (a top-level `|`). std::regex is slow (about a microsecond a line); checking this run first
// skips it for most lines, and gives the SQL prefilter something to look for.
std::string longestCertainRun(std::string_view body) {
  std::string best, run;
  auto endRun = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    char literal;
    if (c == '|') return "";
    if (c == '\\' && i + 1 < body.size() && !isAlnum(body[i + 1])) {
      literal = body[++i];  // `\.`, `\*`: the character itself.
    } else if (isAlnum(c) || kRegexSymbols.find(c) != std::string_view::npos) {
      literal = c;
    } else {
      if (c == '[') {  // A class: skip it whole, escapes included.
        while (++i < body.size() && body[i] != ']') {
          if (body[i] == '\\') ++i;
        }
      } else if (c == '{') {
        i = std::min(body.find('}', i), body.size());
      } else if (c == '\\' && i + 1 < body.size()) {  // `\d`, `\xNN`, `\uNNNN`, `\cX`.
        char kind = body[++i];
        i += kind == 'x' ? 2 : kind == 'u' ? 4 : kind == 'c' ? 1 : 0;
      }
      endRun();
      continue;
    }
    char next = i + 1 < body.size() ? body[i + 1] : '\0';
    if (next == '?' || next == '*' || next == '{') {  // This character may be absent.
      endRun();
      continue;
    }
    run += literal;
    if (next == '+') endRun();  // "ab+c" holds "ab", and not always "abc".
  }
  endRun();
  return best;
}

// One step of a regex: a character set repeated min..max times, or a zero-width assertion.
struct RegexAtom {
  enum class Kind { kSet, kStart, kEnd, kWordBoundary, kNotWordBoundary };
  Kind kind = Kind::kSet;
  std::bitset<256> set;
  size_t min = 1;
  size_t max = 1;
};

using RegexBranch = std::vector<RegexAtom>;

bool isRegexWordChar(unsigned char c) {
  return isAlnum(static_cast<char>(c)) || c == '_';
}

// Reads the CloudWatch regex subset into alternatives of atoms. Without groups there is nothing
// to nest, so a flat list per `|` branch is the whole program.
class RegexCompiler {
 public:
  explicit RegexCompiler(std::string_view body) : body_(body) {}

  std::optional<std::vector<RegexBranch>> compile() {
    std::vector<RegexBranch> branches(1);
    while (pos_ < body_.size()) {
      char c = body_[pos_++];
      if (c == '|') {
        branches.emplace_back();
        continue;
      }
      RegexAtom atom;
      if (c == '^' || c == '$') {
        atom.kind = c == '^' ? RegexAtom::Kind::kStart : RegexAtom::Kind::kEnd;
      } else if (c == '.') {
        atom.set.set();
        atom.set.reset('\n');
        atom.set.reset('\r');
      } else if (c == '[') {
        if (!readClass(atom.set)) return std::nullopt;
      } else if (c == '\\') {
        if (!readEscape(atom)) return std::nullopt;
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        return std::nullopt;  // A quantifier with nothing to repeat.
      } else {
        atom.set.set(static_cast<unsigned char>(c));
      }
      if (!readQuantifier(atom)) return std::nullopt;
      branches.back().push_back(atom);
    }
    return branches;
  }

 private:
  bool readQuantifier(RegexAtom& atom) {
    if (pos_ == body_.size()) return true;
    char c = body_[pos_];
    if (c != '*' && c != '+' && c != '?' && c != '{') return true;
    if (atom.kind != RegexAtom::Kind::kSet) return false;  // `^*`
    ++pos_;
    if (c == '*') {
      atom.min = 0, atom.max = SIZE_MAX;
    } else if (c == '+') {
      atom.min = 1, atom.max = SIZE_MAX;
    } else if (c == '?') {
      atom.min = 0, atom.max = 1;
    } else {  // {m}, {m,}, {m,n}
      std::optional<size_t> min = readCount();
      if (!min) return false;
      atom.min = atom.max = *min;
      if (pos_ < body_.size() && body_[pos_] == ',') {
        ++pos_;
        atom.max = SIZE_MAX;
        if (pos_ < body_.size() && body_[pos_] != '}') {
          std::optional<size_t> max = readCount();
          if (!max || *max < *min) return false;
          atom.max = *max;
        }
      }
      if (pos_ == body_.size() || body_[pos_++] != '}') return false;
    }
    // A lazy `*?` finds a match exactly when the greedy form does, and only existence counts.
    if (pos_ < body_.size() && body_[pos_] == '?') ++pos_;
    if (pos_ < body_.size() &&
        (body_[pos_] == '*' || body_[pos_] == '+' || body_[pos_] == '?' || body_[pos_] == '{')) {
      return false;  // `a**`
    }
    return true;
  }

  std::optional<size_t> readCount() {
    size_t start = pos_, value = 0;
    while (pos_ < body_.size() && body_[pos_] >= '0' && body_[pos_] <= '9' && pos_ - start < 6) {
      value = value * 10 + static_cast<size_t>(body_[pos_++] - '0');
    }
    if (pos_ == start) return std::nullopt;
    return value;
  }

  static void addClass(char kind, std::bitset<256>& set) {
    std::bitset<256> members;
    for (int c = 0; c < 256; ++c) {
      bool digit = c >= '0' && c <= '9';
      bool word = isRegexWordChar(static_cast<unsigned char>(c));
      bool space = c == ' ' || (c >= '\t' && c <= '\r');
      char lower = static_cast<char>(kind | 0x20);
      bool in = lower == 'd' ? digit : lower == 'w' ? word : space;
      if (kind != lower) in = !in;  // \D, \W, \S
      members[static_cast<size_t>(c)] = in;
    }
    set |= members;
  }

  // After a backslash: a class (\d \w \s and negations), an assertion (\b \B), a control
  // character (\t \n \r \f \v \0), a hex code (\xNN), or a literal operator (\. \* \\ ...).
  // Inside [...] `allowAssertion` is false and \b means backspace, as in ECMAScript.
  bool readEscapedChar(std::bitset<256>& set, RegexAtom* assertion) {
    if (pos_ == body_.size()) return false;
    char c = body_[pos_++];
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        addClass(c, set);
        return true;
      case 'b':
      case 'B':
        if (assertion) {
          assertion->kind =
              c == 'b' ? RegexAtom::Kind::kWordBoundary : RegexAtom::Kind::kNotWordBoundary;
        } else if (c == 'b') {
          set.set('\b');
        } else {
          return false;
        }
        return true;
      case 't':
        set.set('\t');
        return true;
      case 'n':
        set.set('\n');
        return true;
      case 'r':
        set.set('\r');
        return true;
      case 'f':
        set.set('\f');
        return true;
      case 'v':
        set.set('\v');
        return true;
      case '0':
        set.set(0);
        return true;
      case 'x': {
        if (pos_ + 2 > body_.size()) return false;
        unsigned value = 0;
        auto [end, ec] = std::from_chars(body_.data() + pos_, body_.data() + pos_ + 2, value, 16);
        if (ec != std::errc() || end != body_.data() + pos_ + 2) return false;
        pos_ += 2;
        set.set(value);
        return true;
      }
      default:
        if (isAlnum(c)) return false;  // No other letter or digit escapes exist.
        set.set(static_cast<unsigned char>(c));
        return true;
    }
  }

  bool readEscape(RegexAtom& atom) { return readEscapedChar(atom.set, &atom); }

  // `[abc]`, `[a-z]`, `[^0-9]`, `[\d_]`. `[` has been read.
  bool readClass(std::bitset<256>& set) {
    bool negated = pos_ < body_.size() && body_[pos_] == '^';
    if (negated) ++pos_;
    while (true) {
      if (pos_ == body_.size()) return false;
      char c = body_[pos_++];
      if (c == ']') break;
      std::bitset<256> item;
      if (c == '\\') {
        if (!readEscapedChar(item, nullptr)) return false;
      } else {
        item.set(static_cast<unsigned char>(c));
      }
      // A range needs a single character at both ends: `a-z`, not `\d-z`.
      if (item.count() == 1 && pos_ + 1 < body_.size() && body_[pos_] == '-' &&
          body_[pos_ + 1] != ']') {
        ++pos_;
        std::bitset<256> last;
        char e = body_[pos_++];
        if (e == '\\') {
          if (!readEscapedChar(last, nullptr)) return false;
        } else {
          last.set(static_cast<unsigned char>(e));
        }
        if (last.count() != 1) return false;
        size_t from = 0, to = 0;
        while (!item[from]) ++from;
        while (!last[to]) ++to;
        if (from > to) return false;
        for (size_t i = from; i <= to; ++i) item.set(i);
      }
      set |= item;
    }
    if (negated) set.flip();
    return true;
  }

  std::string_view body_;
  size_t pos_ = 0;
};

// Backtracking search of one flat branch, greedy first. A branch's outcome from a given atom
// and text position never depends on how it got there, so positions that failed once are
// remembered when the branch has more than one repeat: `a*a*a*a*b` over a long line of `a`s
// then costs atoms x length x length, not length to the power of the repeats.
class BranchMatcher {
 public:
  BranchMatcher(const RegexBranch& branch, std::string_view text, std::vector<char>* failed)
      : begin_(branch.data()), end_(begin_ + branch.size()), text_(text), failed_(failed) {
    if (failed_) failed_->assign(branch.size() * (text.size() + 1), 0);
  }

  bool matchFrom(size_t pos) const { return matchHere(begin_, pos); }

 private:
  unsigned char at(size_t i) const { return static_cast<unsigned char>(text_[i]); }

  bool matchHere(const RegexAtom* atom, size_t pos) const {
    for (; atom != end_; ++atom) {
      switch (atom->kind) {
        case RegexAtom::Kind::kStart:
          if (pos != 0) return false;
          continue;
        case RegexAtom::Kind::kEnd:
          if (pos != text_.size()) return false;
          continue;
        case RegexAtom::Kind::kWordBoundary:
        case RegexAtom::Kind::kNotWordBoundary: {
          bool before = pos > 0 && isRegexWordChar(at(pos - 1));
          bool after = pos < text_.size() && isRegexWordChar(at(pos));
          if ((before != after) != (atom->kind == RegexAtom::Kind::kWordBoundary)) return false;
          continue;
        }
        case RegexAtom::Kind::kSet:
          break;
      }
      if (atom->min == 1 && atom->max == 1) {  // The common case: one character, no choice.
        if (pos == text_.size() || !atom->set[at(pos)]) return false;
        ++pos;
        continue;
      }
      char* failed =
          failed_ ? &(*failed_)[size_t(atom - begin_) * (text_.size() + 1) + pos] : nullptr;
      if (failed && *failed) return false;
      size_t count = 0;
      while (count < atom->max && pos + count < text_.size() && atom->set[at(pos + count)]) {
        ++count;
      }
      for (size_t taken = count; taken >= atom->min && taken != SIZE_MAX; --taken) {
        if (matchHere(atom + 1, pos + taken)) return true;
      }
      if (failed) *failed = 1;
      return false;
    }
    return true;
  }

  const RegexAtom* begin_;
  const RegexAtom* end_;
  std::string_view text_;
  std::vector<char>* failed_;  // Null: the branch has at most one repeat and needs no memory.
};

}  // namespace

struct RegexProgram {
  std::vector<RegexBranch> branches;
};

Result<FilterRegex> FilterRegex::compile(std::string_view body) {
  if (body.empty()) return invalid(kInvalidPattern);
  bool hasOperator = false;
  for (char c : body) {
    if (isAlnum(c) || kRegexSymbols.find(c) != std::string_view::npos) continue;
    if (kRegexOperators.find(c) != std::string_view::npos) {
      hasOperator = true;
      continue;
    }
    return invalidCharacters(std::string_view(&c, 1));
  }
  FilterRegex regex;
  if (!hasOperator) {
    regex.certain_ = std::string(body);
    return regex;
  }
  std::optional<std::vector<RegexBranch>> branches = RegexCompiler(body).compile();
  if (!branches) return invalid(kInvalidPattern);  // Unbalanced [ or {, a dangling quantifier.
  regex.program_ = std::make_shared<const RegexProgram>(RegexProgram{std::move(*branches)});
  regex.certain_ = longestCertainRun(body);
  return regex;
}

bool FilterRegex::search(std::string_view text) const {
  if (!contains(text, certain_)) return false;
  if (!program_) return true;
  for (const RegexBranch& branch : program_->branches) {
    thread_local std::vector<char> failed;
    size_t repeats = 0;
    for (const RegexAtom& atom : branch) repeats += atom.min != atom.max;
    BranchMatcher matcher(branch, text, repeats > 1 ? &failed : nullptr);
    const RegexAtom* first = branch.empty() ? nullptr : &branch.front();
    bool anchored = first && first->kind == RegexAtom::Kind::kStart;
    bool firstIsCharacter = first && first->kind == RegexAtom::Kind::kSet && first->min > 0;
    for (size_t start = 0; start <= text.size(); ++start) {
      if (firstIsCharacter) {  // Skip ahead to where the first character can match.
        while (start < text.size() && !first->set[static_cast<unsigned char>(text[start])]) {
          ++start;
        }
        if (start == text.size()) break;
      }
      if (matcher.matchFrom(start)) return true;
      if (anchored) break;
    }
  }
  return false;
}

}  // namespace nimbus::observe
