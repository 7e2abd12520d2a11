#include "v15check/dockerfile.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <iterator>
#include <set>

#include "v15check/text.h"

namespace v15::dockerfile {
namespace {

// ---------------------------------------------------------------------------------------------
// Characters and trimming (ASCII only: the Dockerfile syntax is ASCII, bodies are passed as-is).

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view ltrim(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}
std::string_view rtrim(std::string_view s) {
  std::size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return s.substr(0, n);
}
std::string_view trim(std::string_view s) { return rtrim(ltrim(s)); }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_upper(c);
  return out;
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

// Input text quoted in a message: short (the report's quoting rule, 40 bytes here), so a hostile
// Dockerfile cannot flood a report; every report escapes what it prints.
std::string clip(std::string_view s) { return cap(s, 40); }

std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile words (ENV, ARG, COPY, flags): split on whitespace outside quotes, then unquoted
// with the Dockerfile's escape character, the way BuildKit processes them (minus expansion).

struct Word {
  std::string value;
  bool quoted = false;      // a quote or escape was used
  bool has_quotes = false;  // a quote character was used (an escape alone does not count)
  bool expands = false;     // an unescaped `$` or backtick outside single quotes
};

struct RawWord {
  std::string_view text;
  std::size_t offset = 0;
};

// End of the word starting at `i`: the next whitespace outside quotes.
std::size_t word_end(std::string_view s, std::size_t i, char escape) {
  while (i < s.size() && !is_space(s[i])) {
    const char c = s[i];
    if (c == escape) {
      i = std::min(i + 2, s.size());
    } else if (c == '\'' || c == '"') {
      ++i;
      while (i < s.size() && s[i] != c) {
        i += (c == '"' && s[i] == escape) ? 2 : 1;
      }
      i = std::min(i + 1, s.size());
    } else {
      ++i;
    }
  }
  return i;
}

// `<<`, `<<-` or `3<<` alone: BuildKit lets blanks follow the operator inside one word.
bool is_bare_heredoc_operator(std::string_view w) {
  std::size_t i = 0;
  while (i < w.size() && is_digit(w[i])) ++i;
  if (w.substr(i, 2) != "<<") return false;
  i += 2;
  if (i < w.size() && w[i] == '-') ++i;
  return i == w.size();
}

std::vector<RawWord> split_words(std::string_view s, char escape, bool join_heredoc_operator) {
  std::vector<RawWord> words;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    std::size_t end = word_end(s, i, escape);
    if (join_heredoc_operator && is_bare_heredoc_operator(s.substr(start, end - start))) {
      std::size_t next = end;
      while (next < s.size() && is_blank(s[next])) ++next;
      if (next < s.size() && !is_space(s[next])) end = word_end(s, next, escape);
    }
    words.push_back({s.substr(start, end - start), start});
    i = end;
  }
  return words;
}

Word unquote(std::string_view s, char escape) {
  Word w;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == escape) {
      w.quoted = true;
      if (i + 1 < s.size()) {
        w.value.push_back(s[i + 1]);
        i += 2;
      } else {
        w.value.push_back(c);
        ++i;
      }
    } else if (c == '\'') {
      w.quoted = w.has_quotes = true;
      const std::size_t close = s.find('\'', i + 1);
      const std::size_t stop = close == std::string_view::npos ? s.size() : close;
      w.value.append(s.substr(i + 1, stop - i - 1));
      i = std::min(stop + 1, s.size());
    } else if (c == '"') {
      w.quoted = w.has_quotes = true;
      ++i;
      while (i < s.size() && s[i] != '"') {
        if (s[i] == escape && i + 1 < s.size()) {
          const char next = s[i + 1];
          if (next == '"' || next == '$' || next == escape) {
            w.value.push_back(next);
            i += 2;
            continue;
          }
        }
        if (s[i] == '$' || s[i] == '`') w.expands = true;
        w.value.push_back(s[i]);
        ++i;
      }
      if (i < s.size()) ++i;
    } else {
      if (c == '$' || c == '`') w.expands = true;
      w.value.push_back(c);
      ++i;
    }
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// JSON array of strings (exec form).

bool parse_json_string(std::string_view s, std::size_t& i, std::string& out) {
  ++i;  // opening quote
  auto hex4 = [&](std::size_t at, std::uint32_t& value) {
    if (at + 4 > s.size()) return false;
    value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
      const char c = s[k];
      std::uint32_t digit = 0;
      if (is_digit(c)) {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      value = value * 16 + digit;
    }
    return true;
  };
  auto put_utf8 = [&](std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return false;
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!hex4(i, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low = 0;
          if (i + 1 < s.size() && s[i] == '\\' && s[i + 1] == 'u' && hex4(i + 2, low) &&
              low >= 0xDC00 && low <= 0xDFFF) {
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        put_utf8(cp);
        break;
      }
      default:
        return false;
    }
  }
  return false;
}

std::optional<std::vector<std::string>> parse_json_array(std::string_view s) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  skip_ws();
  if (i >= s.size() || s[i] != '[') return std::nullopt;
  ++i;
  std::vector<std::string> out;
  skip_ws();
  if (i < s.size() && s[i] == ']') {
    ++i;
  } else {
    while (true) {
      skip_ws();
      if (i >= s.size() || s[i] != '"') return std::nullopt;
      std::string value;
      if (!parse_json_string(s, i, value)) return std::nullopt;
      out.push_back(std::move(value));
      skip_ws();
      if (i >= s.size()) return std::nullopt;
      if (s[i] == ',') {
        ++i;
        continue;
      }
      if (s[i] != ']') return std::nullopt;
      ++i;
      break;
    }
  }
  skip_ws();
  if (i != s.size()) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shell tokens of a RUN command line: enough of POSIX sh to find heredoc operators outside
// quotes and arithmetic, and the command and redirections each heredoc belongs to. The Dockerfile
// escape directive does not apply here: the shell's escape is always a backslash.

std::size_t skip_single_quoted(std::string_view s, std::size_t i) {
  const std::size_t close = s.find('\'', i + 1);
  return close == std::string_view::npos ? s.size() : close + 1;
}

std::size_t skip_double_quoted(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
    } else if (s[i] == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return s.size();
}

std::size_t skip_backquoted(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size()) {
    if (s[i] == '\\') {
      i += 2;
    } else if (s[i] == '`') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return s.size();
}

// From an opening `open` at `i` to just past its matching `close`, skipping quoted text. One
// linear pass with a depth counter: `$((1<<2))`, `$(cmd (x))`, `${a:-{}}`.
std::size_t skip_balanced(std::string_view s, std::size_t i, char open, char close) {
  std::size_t depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '\'') {
      i = skip_single_quoted(s, i);
      continue;
    }
    if (c == '"') {
      i = skip_double_quoted(s, i);
      continue;
    }
    if (c == '`') {
      i = skip_backquoted(s, i);
      continue;
    }
    if (c == open) {
      ++depth;
    } else if (c == close) {
      if (depth <= 1) return i + 1;
      --depth;
    }
    ++i;
  }
  return s.size();
}

bool is_shell_delimiter(char c) {
  return is_space(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' ||
         c == '(' || c == ')';
}

// Expansion `$...` at `i` (s[i] == '$'): appended raw, returns the index after it.
std::size_t lex_dollar(std::string_view s, std::size_t i, Word& w) {
  w.expands = true;
  std::size_t end = i + 1;
  if (end < s.size() && s[end] == '(') {
    end = skip_balanced(s, end, '(', ')');
  } else if (end < s.size() && s[end] == '{') {
    end = skip_balanced(s, end, '{', '}');
  }
  end = std::min(end, s.size());
  w.value.append(s.substr(i, end - i));
  return end;
}

Word lex_shell_word(std::string_view s, std::size_t& i) {
  Word w;
  while (i < s.size() && !is_shell_delimiter(s[i])) {
    const char c = s[i];
    if (c == '\\') {
      w.quoted = true;
      if (i + 1 < s.size()) w.value.push_back(s[i + 1]);
      i = std::min(i + 2, s.size());
    } else if (c == '\'') {
      w.quoted = true;
      const std::size_t end = skip_single_quoted(s, i);
      const std::size_t stop = (end > i + 1 && s[end - 1] == '\'') ? end - 1 : end;
      w.value.append(s.substr(i + 1, stop - i - 1));
      i = end;
    } else if (c == '"') {
      w.quoted = true;
      ++i;
      while (i < s.size() && s[i] != '"') {
        const std::string_view escapable = "$`\"\\";
        if (s[i] == '\\' && i + 1 < s.size() &&
            escapable.find(s[i + 1]) != std::string_view::npos) {
          w.value.push_back(s[i + 1]);
          i += 2;
        } else if (s[i] == '$') {
          i = lex_dollar(s, i, w);
        } else if (s[i] == '`') {
          w.expands = true;
          const std::size_t end = skip_backquoted(s, i);
          w.value.append(s.substr(i, end - i));
          i = end;
        } else {
          w.value.push_back(s[i]);
          ++i;
        }
      }
      if (i < s.size()) ++i;
    } else if (c == '$') {
      i = lex_dollar(s, i, w);
    } else if (c == '`') {
      w.expands = true;
      const std::size_t end = skip_backquoted(s, i);
      w.value.append(s.substr(i, end - i));
      i = end;
    } else {
      w.value.push_back(c);
      ++i;
    }
  }
  return w;
}

struct ShellToken {
  enum class Kind { word, control, redirect };
  Kind kind = Kind::word;
  std::string op;  // control or redirect operator: "&&", "|", ">", "<<-", ...
  int fd = -1;     // redirect: explicit descriptor, -1 when none was written
  Word word;       // word, or the redirect's operand (a heredoc's delimiter)
  std::size_t offset = 0;
};

std::vector<ShellToken> tokenize_shell(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kRedirects = {
      "<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">|", ">&", ">", "&>>", "&>"};
  static constexpr std::array<std::string_view, 11> kControls = {"&&", "||", ";;", ";&", "|&", ";",
                                                                 "&",  "|",  "(",  ")",  "\n"};
  std::vector<ShellToken> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    ShellToken tok;
    tok.offset = start;
    std::size_t digits_end = i;
    while (digits_end < s.size() && is_digit(s[digits_end])) ++digits_end;
    if (digits_end > i && digits_end - i <= 4 && digits_end < s.size() &&
        (s[digits_end] == '<' || s[digits_end] == '>')) {
      tok.fd = 0;
      for (std::size_t k = i; k < digits_end; ++k) tok.fd = tok.fd * 10 + (s[k] - '0');
      i = digits_end;
    }
    const std::string_view rest = s.substr(i);
    if ((rest.starts_with("<(") || rest.starts_with(">(")) && tok.fd < 0) {
      // process substitution: an opaque word
      const std::size_t end = skip_balanced(s, i + 1, '(', ')');
      tok.word.value.assign(s.substr(i, end - i));
      tok.word.expands = true;
      tokens.push_back(std::move(tok));
      i = end;
      continue;
    }
    bool handled = false;
    for (std::string_view op : kRedirects) {
      if (!rest.starts_with(op)) continue;
      tok.kind = ShellToken::Kind::redirect;
      tok.op.assign(op);
      i += op.size();
      while (i < s.size() && is_blank(s[i])) ++i;
      tok.word = lex_shell_word(s, i);
      tokens.push_back(std::move(tok));
      handled = true;
      break;
    }
    if (handled) continue;
    if (tok.fd >= 0) i = start;  // digits not followed by a redirection after all
    if (s.substr(i).starts_with("((")) {
      // arithmetic command (( ... )): an opaque word, so `1<<2` inside is no heredoc
      const std::size_t end = skip_balanced(s, i, '(', ')');
      tok.word.value.assign(s.substr(i, end - i));
      tokens.push_back(std::move(tok));
      i = end;
      continue;
    }
    for (std::string_view op : kControls) {
      if (!s.substr(i).starts_with(op)) continue;
      tok.kind = ShellToken::Kind::control;
      tok.op.assign(op);
      i += op.size();
      tokens.push_back(std::move(tok));
      handled = true;
      break;
    }
    if (handled) continue;
    tok.word = lex_shell_word(s, i);
    if (i == start) ++i;  // cannot happen, but never stall
    tokens.push_back(std::move(tok));
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Heredoc operators of an instruction and the file each one is written to.

struct HeredocSpec {
  std::string delimiter;
  bool quoted = false;
  bool strip_tabs = false;
  std::size_t offset = 0;  // of the operator in the arguments
  std::string target;
  bool append = false;
};

struct SimpleCommand {
  std::vector<const ShellToken*> words;
  std::vector<const ShellToken*> redirects;
  bool pipes_to_next = false;
};

bool is_assignment(const Word& w) {
  const std::size_t eq = w.value.find('=');
  if (eq == std::string::npos || eq == 0 || is_digit(w.value[0])) return false;
  return std::all_of(w.value.begin(), w.value.begin() + static_cast<std::ptrdiff_t>(eq),
                     is_name_char);
}

// Index of the command name in `words` (after VAR=value prefixes), or words.size().
std::size_t command_index(const SimpleCommand& cmd) {
  std::size_t k = 0;
  while (k < cmd.words.size() && is_assignment(cmd.words[k]->word)) ++k;
  return k;
}

std::string command_name(const SimpleCommand& cmd) {
  const std::size_t k = command_index(cmd);
  if (k >= cmd.words.size()) return {};
  const std::string& w = cmd.words[k]->word.value;
  const std::size_t slash = w.rfind('/');
  return slash == std::string::npos ? w : w.substr(slash + 1);
}

struct Target {
  std::string path;
  bool append = false;
};

bool usable_path(const Word& w) { return !w.value.empty() && !w.expands; }

// `tee [-a] FILE...`: the first FILE.
std::optional<Target> tee_target(const SimpleCommand& cmd) {
  Target t;
  bool options = true;
  for (std::size_t k = command_index(cmd) + 1; k < cmd.words.size(); ++k) {
    const Word& w = cmd.words[k]->word;
    if (options && w.value == "--") {
      options = false;
    } else if (options && w.value.size() > 1 && w.value[0] == '-') {
      if (w.value == "--append" || (w.value[1] != '-' && w.value.find('a') != std::string::npos)) {
        t.append = true;
      }
    } else {
      if (!usable_path(w)) return std::nullopt;
      t.path = w.value;
      return t;
    }
  }
  return std::nullopt;
}

// The file a heredoc feeding the standard input of commands[index] ends up in.
std::optional<Target> stdin_target(const std::vector<SimpleCommand>& commands, std::size_t index) {
  const SimpleCommand& cmd = commands[index];
  const std::string name = command_name(cmd);
  if (name == "tee") return tee_target(cmd);
  if (name != "cat") return std::nullopt;
  for (std::size_t k = command_index(cmd) + 1; k < cmd.words.size(); ++k) {
    if (cmd.words[k]->word.value != "-") return std::nullopt;  // options or files: not a copy
  }
  const ShellToken* out = nullptr;
  for (const ShellToken* r : cmd.redirects) {
    const bool stdout_fd = r->fd < 0 || r->fd == 1;
    if ((r->op == ">" || r->op == ">>" || r->op == ">|" || r->op == "&>" || r->op == "&>>") &&
        stdout_fd) {
      out = r;
    }
  }
  if (out != nullptr) {
    if (!usable_path(out->word)) return std::nullopt;
    return Target{out->word.value, out->op == ">>" || out->op == "&>>"};
  }
  if (cmd.pipes_to_next && index + 1 < commands.size() &&
      command_name(commands[index + 1]) == "tee") {
    return tee_target(commands[index + 1]);
  }
  return std::nullopt;
}

bool is_stdin_redirect(const ShellToken& r) {
  return (r.fd < 0 || r.fd == 0) && (r.op == "<" || r.op == "<<" || r.op == "<<-" ||
                                     r.op == "<<<" || r.op == "<>" || r.op == "<&");
}

// A heredoc word as BuildKit sees it: `<<EOF`, `<<-"EOF"`, `<< EOF`, `3<<EOF` (lexed with a
// backslash escape whatever the escape directive says). BuildKit expands a COPY heredoc unless a
// quote character quotes part of the delimiter; a backslash alone does not count.
std::optional<HeredocSpec> heredoc_word(const RawWord& raw) {
  std::string_view w = raw.text;
  std::size_t i = 0;
  while (i < w.size() && is_digit(w[i])) ++i;
  if (w.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  HeredocSpec spec;
  if (i < w.size() && w[i] == '-') {
    spec.strip_tabs = true;
    ++i;
  }
  while (i < w.size() && is_space(w[i])) ++i;
  const std::string_view name = w.substr(i);
  if (name.empty() || name.find('<') != std::string_view::npos) return std::nullopt;
  Word unquoted = unquote(name, '\\');
  if (unquoted.value.empty()) return std::nullopt;
  spec.delimiter = std::move(unquoted.value);
  spec.quoted = unquoted.has_quotes;  // BuildKit's rule; RUN replaces it with the shell's
  spec.offset = raw.offset;
  return spec;
}

struct RunHeredocs {
  std::vector<HeredocSpec> specs;
  std::vector<std::size_t> unread;  // offsets of `<<` the shell sees but BuildKit does not read
};

// BuildKit decides which lines are heredoc bodies: it splits the line into words and takes a word
// that starts with `<<` (blanks after the operator allowed) as a heredoc. The shell tokens decide
// the rest: a word inside `$((...))`, `$(...)` or backquotes is no heredoc, and the command a
// heredoc feeds tells the file it is written to.
RunHeredocs run_heredocs(std::string_view command_line) {
  const std::vector<ShellToken> tokens = tokenize_shell(command_line);
  std::vector<SimpleCommand> commands(1);
  for (const ShellToken& tok : tokens) {
    if (tok.kind == ShellToken::Kind::control) {
      commands.back().pipes_to_next = tok.op == "|" || tok.op == "|&";
      commands.emplace_back();
    } else if (tok.kind == ShellToken::Kind::word) {
      commands.back().words.push_back(&tok);
    } else {
      commands.back().redirects.push_back(&tok);
    }
  }

  struct ShellHeredoc {
    const ShellToken* token;
    std::optional<Target> target;
  };
  std::vector<ShellHeredoc> shell_heredocs;  // ascending by offset
  bool changed_directory = false;
  for (std::size_t c = 0; c < commands.size(); ++c) {
    const SimpleCommand& cmd = commands[c];
    const ShellToken* last_stdin = nullptr;
    for (const ShellToken* r : cmd.redirects) {
      if (is_stdin_redirect(*r)) last_stdin = r;
    }
    for (const ShellToken* r : cmd.redirects) {
      if ((r->op != "<<" && r->op != "<<-") || r->word.value.empty()) continue;
      ShellHeredoc h{r, std::nullopt};
      if (r == last_stdin) {
        h.target = stdin_target(commands, c);
        if (h.target && h.target->path.front() != '/' && changed_directory) h.target.reset();
      }
      shell_heredocs.push_back(std::move(h));
    }
    const std::string name = command_name(cmd);
    if (name == "cd" || name == "pushd" || name == "popd") changed_directory = true;
  }

  RunHeredocs result;
  std::size_t next = 0;  // into shell_heredocs
  for (const RawWord& word : split_words(command_line, '\\', true)) {
    auto spec = heredoc_word(word);
    if (!spec) continue;
    while (next < shell_heredocs.size() && shell_heredocs[next].token->offset < word.offset) {
      result.unread.push_back(shell_heredocs[next].token->offset);
      ++next;
    }
    if (next >= shell_heredocs.size() || shell_heredocs[next].token->offset != word.offset) {
      continue;  // arithmetic or a substitution: not a heredoc operator
    }
    spec->quoted = shell_heredocs[next].token->word.quoted;
    if (const auto& target = shell_heredocs[next].target) {
      spec->target = target->path;
      spec->append = target->append;
    }
    ++next;
    result.specs.push_back(std::move(*spec));
  }
  for (; next < shell_heredocs.size(); ++next) {
    result.unread.push_back(shell_heredocs[next].token->offset);
  }
  return result;
}

std::vector<HeredocSpec> copy_heredocs(std::string_view arguments, char escape) {
  const std::vector<RawWord> words = split_words(arguments, escape, true);
  std::vector<HeredocSpec> specs;
  if (words.size() < 2) return specs;
  const Word dest = unquote(words.back().text, escape);
  const std::size_t source_count = words.size() - 1;
  for (std::size_t k = 0; k < source_count; ++k) {
    auto spec = heredoc_word(words[k]);
    if (!spec) continue;
    if (usable_path(dest)) {
      if (dest.value.back() == '/') {
        spec->target = dest.value + spec->delimiter;
      } else if (source_count == 1) {
        spec->target = dest.value;
      } else {
        spec->target = dest.value + "/" + spec->delimiter;
      }
    }
    specs.push_back(std::move(*spec));
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// ENV and ARG.

void env_pairs(const Instruction& ins, char escape, std::vector<EnvPair>* out,
               std::vector<Diagnostic>* diags) {
  const std::vector<RawWord> words = split_words(ins.arguments, escape, false);
  auto report = [&](int line, std::string message) {
    if (diags != nullptr) diags->push_back({line, std::move(message), Severity::error});
  };
  if (words.empty()) {
    report(ins.line, "ENV requires at least one name=value pair");
    return;
  }
  if (words[0].text.find('=') == std::string_view::npos) {
    // legacy `ENV NAME value with spaces`
    if (words.size() < 2) {
      report(ins.line, "ENV " + clip(words[0].text) + " has no value");
      return;
    }
    if (out != nullptr) {
      const std::string_view value = trim(std::string_view(ins.arguments).substr(words[1].offset));
      out->push_back({std::string(words[0].text), unquote(value, escape).value,
                      ins.line_at(words[0].offset), true});
    }
    return;
  }
  for (const RawWord& w : words) {
    const std::size_t eq = w.text.find('=');
    if (eq == std::string_view::npos) {
      report(ins.line_at(w.offset), "ENV: no '=' in " + clip(w.text) + ", expected name=value");
      continue;
    }
    if (eq == 0) {
      report(ins.line_at(w.offset), "ENV: empty name in " + clip(w.text));
      continue;
    }
    if (out != nullptr) {
      out->push_back({std::string(w.text.substr(0, eq)),
                      unquote(w.text.substr(eq + 1), escape).value, ins.line_at(w.offset), true});
    }
  }
}

void arg_pairs(const Instruction& ins, char escape, std::vector<EnvPair>* out,
               std::vector<Diagnostic>* diags) {
  const std::vector<RawWord> words = split_words(ins.arguments, escape, false);
  if (words.empty() && diags != nullptr) {
    diags->push_back({ins.line, "ARG requires a name", Severity::error});
  }
  for (const RawWord& w : words) {
    const std::size_t eq = w.text.find('=');
    if (eq == 0) {
      if (diags != nullptr) {
        diags->push_back(
            {ins.line_at(w.offset), "ARG: empty name in " + clip(w.text), Severity::error});
      }
      continue;
    }
    if (out == nullptr) continue;
    EnvPair pair;
    pair.name.assign(w.text.substr(0, eq));
    pair.has_value = eq != std::string_view::npos;
    if (pair.has_value) pair.value = unquote(w.text.substr(eq + 1), escape).value;
    pair.line = ins.line_at(w.offset);
    out->push_back(std::move(pair));
  }
}

// ---------------------------------------------------------------------------------------------

bool is_known_instruction(std::string_view k) {
  static constexpr std::array<std::string_view, 18> kKnown = {
      "ADD",    "ARG",   "CMD",         "COPY",  "ENTRYPOINT", "ENV",
      "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
      "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};
  return std::find(kKnown.begin(), kKnown.end(), k) != kKnown.end();
}

bool takes_flags(std::string_view k) {
  return k == "FROM" || k == "RUN" || k == "COPY" || k == "ADD" || k == "HEALTHCHECK";
}

bool takes_exec_form(std::string_view k) {
  return k == "RUN" || k == "CMD" || k == "ENTRYPOINT" || k == "SHELL" || k == "COPY" ||
         k == "ADD" || k == "VOLUME";
}

bool is_copy(std::string_view k) { return k == "COPY" || k == "ADD"; }

struct DirectiveLine {
  std::string key;
  std::string value;
};

// `# key=value` (BuildKit: `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`).
std::optional<DirectiveLine> parse_directive(std::string_view line) {
  line = ltrim(line);
  if (line.empty() || line[0] != '#') return std::nullopt;
  std::size_t i = 1;
  while (i < line.size() && is_space(line[i])) ++i;
  if (i >= line.size() || !is_alpha(line[i])) return std::nullopt;
  const std::size_t key_start = i;
  while (i < line.size() && (is_alpha(line[i]) || is_digit(line[i]))) ++i;
  DirectiveLine d;
  d.key = lower(line.substr(key_start, i - key_start));
  while (i < line.size() && is_space(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') return std::nullopt;
  const std::string_view value = trim(line.substr(i + 1));
  if (value.empty()) return std::nullopt;
  d.value.assign(value);
  return d;
}

// Strips a trailing escape character (optionally followed by blanks): the line continues.
bool trim_continuation(std::string_view line, char escape, std::string_view& content) {
  std::size_t n = line.size();
  while (n > 0 && is_blank(line[n - 1])) --n;
  if (n > 0 && line[n - 1] == escape) {
    content = line.substr(0, n - 1);
    return true;
  }
  content = line;
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lines_(split_lines(text)) {}

  Dockerfile run() {
    bool in_directives = true;
    std::set<std::string> seen;
    while (next_ < lines_.size()) {
      const std::string_view raw = lines_[next_];
      const int line_no = static_cast<int>(next_) + 1;
      if (in_directives) {
        auto d = parse_directive(raw);
        if (d && (d->key == "escape" || d->key == "syntax" || d->key == "check")) {
          directive(line_no, std::move(*d), seen);
          ++next_;
          continue;
        }
        in_directives = false;  // anything else ends the directives, even an unknown one
      }
      const std::string_view t = ltrim(raw);
      if (t.empty() || t[0] == '#') {
        ++next_;
        continue;
      }
      instruction();
    }
    if (df_.instructions.empty()) error(1, "the Dockerfile contains no instructions");
    std::stable_sort(df_.diagnostics.begin(), df_.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) { return a.line < b.line; });
    return std::move(df_);
  }

 private:
  struct Segment {
    std::size_t offset;  // in the joined line
    int line;
  };

  void error(int line, std::string message) {
    df_.diagnostics.push_back({line, std::move(message), Severity::error});
  }
  void warning(int line, std::string message) {
    df_.diagnostics.push_back({line, std::move(message), Severity::warning});
  }

  void directive(int line, DirectiveLine d, std::set<std::string>& seen) {
    if (!seen.insert(d.key).second) {
      error(line, "parser directive '" + d.key + "' given twice; the first one is used");
      return;
    }
    if (d.key == "escape") {
      if (d.value == "\\" || d.value == "`") {
        df_.escape = d.value[0];
      } else {
        error(line, "invalid escape directive '" + clip(d.value) + "': must be \\ or `");
      }
    }
    df_.directives.emplace_back(std::move(d.key), std::move(d.value));
  }

  void instruction() {
    const char escape = df_.escape;
    const int first = static_cast<int>(next_) + 1;
    int last = first;
    std::string joined;
    std::vector<Segment> segments;
    std::string_view content;
    bool continued = trim_continuation(ltrim(lines_[next_]), escape, content);
    segments.push_back({0, first});
    joined.append(content);
    ++next_;
    bool warned_empty = false;
    while (continued) {
      if (next_ >= lines_.size()) {
        error(last, "line continuation at the end of the file");
        break;
      }
      const std::string_view line = lines_[next_];
      const int line_no = static_cast<int>(next_) + 1;
      ++next_;
      const std::string_view t = ltrim(line);
      if (!t.empty() && t[0] == '#') continue;  // Docker drops comment lines in a continuation
      if (t.empty()) {
        if (!warned_empty) {
          warning(line_no, "empty continuation line (the instruction goes on past it)");
          warned_empty = true;
        }
        continue;
      }
      continued = trim_continuation(line, escape, content);
      segments.push_back({joined.size(), line_no});
      joined.append(content);
      last = line_no;
    }

    std::size_t i = 0;
    while (i < joined.size() && is_space(joined[i])) ++i;
    const std::size_t keyword_start = i;
    while (i < joined.size() && !is_space(joined[i])) ++i;
    if (i == keyword_start) return;  // only an escape character and blanks

    Instruction ins;
    ins.keyword = upper(std::string_view(joined).substr(keyword_start, i - keyword_start));
    ins.line = first;
    ins.end_line = last;
    while (i < joined.size() && is_space(joined[i])) ++i;
    const std::string_view rest = rtrim(std::string_view(joined).substr(i));
    std::size_t args_offset = i;
    std::size_t in_rest = 0;
    if (takes_flags(ins.keyword)) in_rest = extract_flags(rest, escape, ins.flags);
    args_offset += in_rest;
    ins.arguments.assign(rest.substr(in_rest));
    for (const Segment& seg : segments) {
      const std::size_t offset = seg.offset <= args_offset ? 0 : seg.offset - args_offset;
      if (!ins.argument_lines.empty() && ins.argument_lines.back().first == offset) {
        ins.argument_lines.back().second = seg.line;
      } else {
        ins.argument_lines.emplace_back(offset, seg.line);
      }
    }

    if (!is_known_instruction(ins.keyword)) {
      error(ins.line, "unknown instruction " + clip(ins.keyword));
    }
    if (takes_exec_form(ins.keyword)) exec_form(ins);
    if ((ins.keyword == "RUN" || is_copy(ins.keyword)) && !ins.exec_form &&
        ins.arguments.find("<<") != std::string::npos) {
      if (ins.keyword == "RUN") {
        RunHeredocs found = run_heredocs(ins.arguments);
        for (std::size_t offset : found.unread) {
          warning(ins.line_at(offset),
                  "'<<' does not start a word: BuildKit reads no heredoc body here");
        }
        read_heredocs(ins, std::move(found.specs));
      } else {
        read_heredocs(ins, copy_heredocs(ins.arguments, escape));
      }
    }
    validate(ins);
    if (ins.keyword == "FROM") ++stage_;
    ins.stage = stage_;
    df_.instructions.push_back(std::move(ins));
  }

  static std::size_t extract_flags(std::string_view rest, char escape,
                                   std::vector<std::pair<std::string, std::string>>& flags) {
    std::size_t i = 0;
    while (true) {
      while (i < rest.size() && is_space(rest[i])) ++i;
      if (!rest.substr(i).starts_with("--")) break;
      const std::size_t end = word_end(rest, i, escape);
      const std::string_view word = rest.substr(i, end - i);
      i = end;
      if (word == "--") break;
      const std::string_view body = word.substr(2);
      const std::size_t eq = body.find('=');
      if (eq == std::string_view::npos) {
        flags.emplace_back(std::string(body), std::string());
      } else {
        flags.emplace_back(std::string(body.substr(0, eq)),
                           unquote(body.substr(eq + 1), escape).value);
      }
    }
    while (i < rest.size() && is_space(rest[i])) ++i;
    return i;
  }

  void exec_form(Instruction& ins) {
    const std::string_view a = ins.arguments;
    if (a.starts_with('[') && a.ends_with(']')) {
      if (auto args = parse_json_array(a)) {
        ins.exec_form = true;
        ins.exec_args = std::move(*args);
        return;
      }
    }
    if (ins.keyword == "SHELL") {
      error(ins.line, "SHELL requires a JSON array of strings, e.g. [\"/bin/sh\", \"-c\"]");
    } else if (a.starts_with("[\"") && a.ends_with(']')) {
      warning(
          ins.line,
          ins.keyword + " looks like a JSON array but is not valid JSON: run as a shell command");
    }
  }

  void read_heredocs(Instruction& ins, std::vector<HeredocSpec> specs) {
    for (HeredocSpec& spec : specs) {
      Heredoc h;
      h.delimiter = std::move(spec.delimiter);
      h.quoted = spec.quoted;
      h.strip_tabs = spec.strip_tabs;
      h.target = std::move(spec.target);
      h.append = spec.append;
      h.line = ins.line_at(spec.offset);
      h.body_line = static_cast<int>(next_) + 1;
      h.terminated = false;
      while (next_ < lines_.size()) {
        std::string_view line = lines_[next_];
        ++next_;
        if (h.strip_tabs) {
          while (!line.empty() && line.front() == '\t') line.remove_prefix(1);
        }
        if (line == h.delimiter) {
          h.terminated = true;
          h.end_line = static_cast<int>(next_);
          break;
        }
        h.body.append(line);
        h.body.push_back('\n');
      }
      if (!h.terminated) {
        h.end_line = std::max(static_cast<int>(lines_.size()), h.line);
        h.body_line = std::min(h.body_line, h.end_line);
        error(h.line, "unterminated heredoc: no line '" + clip(h.delimiter) + "' after line " +
                          std::to_string(h.line));
      }
      ins.end_line = std::max(ins.end_line, h.end_line);
      ins.heredocs.push_back(std::move(h));
    }
  }

  void validate(const Instruction& ins) {
    if (ins.keyword == "ENV") {
      env_pairs(ins, df_.escape, nullptr, &df_.diagnostics);
    } else if (ins.keyword == "ARG") {
      arg_pairs(ins, df_.escape, nullptr, &df_.diagnostics);
    } else if (is_copy(ins.keyword)) {
      const std::size_t count = ins.exec_form ? ins.exec_args.size()
                                              : split_words(ins.arguments, df_.escape, true).size();
      if (count < 2)
        error(ins.line, ins.keyword + " requires at least one source and a destination");
    }
  }

  std::vector<std::string_view> lines_;
  std::size_t next_ = 0;
  int stage_ = -1;
  Dockerfile df_;
};

}  // namespace

std::optional<std::string> Instruction::flag(std::string_view name) const {
  std::optional<std::string> value;
  for (const auto& [key, v] : flags) {
    if (key == name) value = v;
  }
  return value;
}

int Instruction::line_at(std::size_t offset) const {
  const auto after =
      std::upper_bound(argument_lines.begin(), argument_lines.end(), offset,
                       [](std::size_t value, const std::pair<std::size_t, int>& entry) {
                         return value < entry.first;
                       });
  return after == argument_lines.begin() ? line : std::prev(after)->second;
}

std::vector<Copy> Dockerfile::copies() const {
  std::vector<Copy> out;
  for (const Instruction& ins : instructions) {
    if (!is_copy(ins.keyword)) continue;
    Copy copy;
    copy.line = ins.line;
    copy.instruction = &ins;
    copy.from = ins.flag("from").value_or("");
    if (ins.exec_form) {
      if (ins.exec_args.size() < 2) continue;
      copy.sources.assign(ins.exec_args.begin(), ins.exec_args.end() - 1);
      copy.destination = ins.exec_args.back();
    } else {
      const std::vector<RawWord> words = split_words(ins.arguments, escape, true);
      if (words.size() < 2) continue;
      for (std::size_t k = 0; k + 1 < words.size(); ++k) {
        if (heredoc_word(words[k])) continue;
        copy.sources.push_back(unquote(words[k].text, escape).value);
      }
      copy.destination = unquote(words.back().text, escape).value;
    }
    if (!copy.sources.empty()) out.push_back(std::move(copy));
  }
  return out;
}

std::vector<EnvPair> Dockerfile::env() const {
  std::vector<EnvPair> out;
  for (const Instruction& ins : instructions) {
    if (ins.keyword == "ENV") env_pairs(ins, escape, &out, nullptr);
  }
  return out;
}

std::vector<EnvPair> Dockerfile::args() const {
  std::vector<EnvPair> out;
  for (const Instruction& ins : instructions) {
    if (ins.keyword == "ARG") arg_pairs(ins, escape, &out, nullptr);
  }
  return out;
}

std::vector<Dockerfile::WrittenFile> Dockerfile::written_files() const {
  std::vector<WrittenFile> out;
  for (const Instruction& ins : instructions) {
    for (const Heredoc& h : ins.heredocs) {
      if (!h.target.empty()) out.push_back({h.target, h.append, h.line, &h, &ins});
    }
  }
  return out;
}

bool Dockerfile::has_errors() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

Dockerfile parse(std::string_view text) {
  try {
    return Parser(text).run();
  } catch (const std::exception& e) {  // std::bad_alloc on absurd input: still no throw
    Dockerfile df;
    df.diagnostics.push_back({1, std::string("internal parser error: ") + e.what()});
    return df;
  }
}

}  // namespace v15::dockerfile
