// A small Dockerfile parser: instructions, line continuations, parser directives, exec (JSON)
// form, flags, ENV/ARG pairs, COPY/ADD sources and BuildKit heredocs with the file each heredoc
// is written to. It follows BuildKit's reading of a Dockerfile, so that "which lines are a
// heredoc body" matches what `docker build` does. Everything is owned (std::string): the parsed
// result does not refer to the source buffer. Line numbers are 1-based.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v15::dockerfile {

struct Heredoc {
  std::string delimiter;  // EOF for <<EOF, <<-EOF, <<'EOF', <<"EOF", << EOF
  // The body is not expanded: part of the delimiter is quoted. RUN follows the shell (quotes or a
  // backslash), COPY/ADD follow BuildKit (quote characters only).
  bool quoted = false;
  bool strip_tabs = false;  // <<-EOF: leading tabs (not spaces) stripped from body and terminator
  // Body lines after tab stripping, '\r' of CRLF files removed, each line ending in '\n' (so
  // the body is empty or ends with '\n').
  std::string body;
  int line = 0;            // line holding the `<<` operator
  int body_line = 0;       // line of the first body line
  int end_line = 0;        // line of the terminator (last line of the file when unterminated)
  bool terminated = true;  // false: the file ended before the terminator (see diagnostics)
  // File the build writes this body to, when decidable from the instruction alone:
  // `cat > /p <<EOF`, `cat <<EOF > /p`, `cat >> /p <<EOF`, `cat <<EOF | tee /p`, `tee [-a] /p`,
  // `COPY <<EOF /dest` (a destination ending in '/' gets the delimiter as file name). Empty when
  // not decidable (another command, variables in the path, a relative path after `cd`, ...).
  // Relative paths are reported as written (they are relative to the stage's WORKDIR).
  std::string target;
  bool append = false;  // written with `>>` or `tee -a`: the file is not exactly the body

  // Dockerfile line of the body line with 0-based index `body_index`.
  int line_of(std::size_t body_index) const { return body_line + static_cast<int>(body_index); }
};

struct Instruction {
  std::string keyword;  // upper-cased: RUN, COPY, ENV, ...
  // Argument text after the keyword and its flags, continuation lines joined (escape character
  // and newline removed, comment and blank lines inside the continuation dropped), trimmed;
  // heredoc bodies are not part of it.
  std::string arguments;
  int line = 0;            // first line
  int end_line = 0;        // last line, including continuations and heredoc terminators
  int stage = -1;          // 0-based build stage (counted by FROM); -1 before the first FROM
  bool exec_form = false;  // arguments are a JSON array of strings
  std::vector<std::string> exec_args;  // the decoded array when exec_form
  // Leading --name[=value] flags of FROM, RUN, COPY, ADD and HEALTHCHECK, name without the
  // dashes, value unquoted ("" for a bare --link).
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<Heredoc> heredocs;  // in the order their bodies follow the instruction
  // (offset into `arguments`, line) at each physical line's start, ascending by offset.
  std::vector<std::pair<std::size_t, int>> argument_lines;

  // Value of the last --name flag, nullopt when absent.
  std::optional<std::string> flag(std::string_view name) const;
  // Dockerfile line holding the character at `offset` in `arguments`.
  int line_at(std::size_t offset) const;
};

enum class Severity { error, warning };

struct Diagnostic {
  int line = 0;
  std::string message;
  Severity severity = Severity::error;
};

// One COPY or ADD. Heredoc sources are not listed here (see written_files); an instruction whose
// only sources are heredocs has no Copy.
struct Copy {
  std::vector<std::string> sources;  // unquoted, as written (not expanded, globs kept)
  std::string destination;
  std::string from;  // --from value: another stage or image instead of the build context
  int line = 0;
  const Instruction* instruction = nullptr;  // points into the Dockerfile it came from
};

// ENV or ARG name with its value unquoted (escapes applied) but variables not expanded.
struct EnvPair {
  std::string name;
  std::string value;
  int line = 0;
  bool has_value = true;  // false for `ARG NAME` without a default
};

struct Dockerfile {
  char escape = '\\';
  std::vector<std::pair<std::string, std::string>> directives;  // key lower-cased: escape, ...
  std::vector<Instruction> instructions;
  std::vector<Diagnostic> diagnostics;  // sorted by line

  struct WrittenFile {
    std::string path;
    bool append = false;
    int line = 0;  // line holding the `<<` operator
    const Heredoc* heredoc = nullptr;
    const Instruction* instruction = nullptr;
  };

  // The accessors compute their lists from `instructions` on each call; their pointers point into
  // this object and are valid while it lives unmodified.
  std::vector<Copy> copies() const;                // COPY and ADD, shell and exec form
  std::vector<EnvPair> env() const;                // ENV K=V ... and legacy ENV K V
  std::vector<EnvPair> args() const;               // ARG K[=V] ...
  std::vector<WrittenFile> written_files() const;  // every heredoc with a target
  bool has_errors() const;                         // a diagnostic of Severity::error
};

// Never throws for any input, never loops forever; problems become diagnostics.
Dockerfile parse(std::string_view text);

}  // namespace v15::dockerfile
