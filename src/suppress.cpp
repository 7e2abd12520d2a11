#include "v15check/suppress.h"

#include "v15check/baseline.h"
#include "v15check/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>

namespace v15 {

namespace {

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool same_place(const Location& a, const Location& b) {
  return a.path == b.path && a.line == b.line;
}

}  // namespace

std::optional<Directive> parse_directive(std::string_view comment, Location where, int end_line) {
  std::string_view body = trim(comment);
  if (body.starts_with("//")) {
    body.remove_prefix(2);
  } else if (body.starts_with("/*")) {
    body.remove_prefix(2);
    if (body.ends_with("*/")) body.remove_suffix(2);
  } else if (body.starts_with("#")) {
    body.remove_prefix(1);
  } else {
    return std::nullopt;
  }
  body = trim(body);
  if (!body.starts_with(kDirectiveKeyword)) return std::nullopt;
  body.remove_prefix(kDirectiveKeyword.size());
  // `v15check-disable-next-lines` is another word, not this directive.
  if (!body.empty() && body.front() != ' ' && body.front() != '\t') return std::nullopt;

  Directive d;
  d.location = std::move(where);
  d.target_line = end_line + 1;
  std::string_view ids = body, reason;
  bool has_separator = false;
  if (auto sep = body.find("--"); sep != std::string_view::npos) {
    ids = body.substr(0, sep);
    reason = trim(body.substr(sep + 2));
    has_separator = true;
  }
  std::string token;
  auto flush = [&] {
    if (!token.empty()) d.ids.push_back(std::move(token));
    token.clear();
  };
  for (char c : ids) {
    if (c == ',' || c == ' ' || c == '\t')
      flush();
    else
      token += c;
  }
  flush();
  d.reason = std::string(reason);
  std::string usage = fmt::format("{} <id>[, <id>…] -- <reason>", kDirectiveKeyword);
  if (d.ids.empty())
    d.problem = fmt::format("the directive names no check ID (write: {})", usage);
  else if (!has_separator || d.reason.empty())
    d.problem =
        fmt::format("the directive has no reason: say why after \" -- \" (write: {})", usage);
  return d;
}

std::optional<std::string> misspelled_directive(std::string_view comment) {
  std::string_view body = trim(comment);
  if (body.starts_with("//") || body.starts_with("/*"))
    body.remove_prefix(2);
  else if (body.starts_with("#"))
    body.remove_prefix(1);
  else
    return std::nullopt;
  while (!body.empty() && (body.front() == '*' || body.front() == ' ' || body.front() == '\t'))
    body.remove_prefix(1);  // `/** … */`
  std::string_view word = body.substr(0, body.find_first_of(" \t\r\n"));
  if (word.ends_with("*/")) word.remove_suffix(2);
  constexpr std::string_view kTool = "v15check";
  if (word.size() <= kTool.size() || word == kDirectiveKeyword) return std::nullopt;
  for (std::size_t i = 0; i < kTool.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(word[i])) != kTool[i]) return std::nullopt;
  char next = word[kTool.size()];
  // `v15check-…`, `v15check:…`, `v15check_…`: a directive meant; `v15checks` is prose
  if (next != '-' && next != ':' && next != '_') return std::nullopt;
  return std::string(word);
}

namespace {

bool mentions_tool(std::string_view text) {
  for (std::size_t i = 0; i + 8 <= text.size(); ++i) {
    std::size_t k = 0;
    while (k < 8 && std::tolower(static_cast<unsigned char>(text[i + k])) == "v15check"[k]) ++k;
    if (k == 8) return true;
  }
  return false;
}

// Calls `visit(text, location, end_line)` for every comment of the role files that mentions
// the tool: TS/JS comments from the syntax tree, Dockerfile `#` lines outside heredoc bodies.
template <typename Visit>
void for_each_tool_comment(const Project& project, Visit visit) {
  for (Role role : {Role::Worker, Role::DurableObject, Role::Jwt, Role::Agent}) {
    const FileModel* m = project.file(role);
    if (!m) continue;
    for (const Node& c : m->nodes("comment")) {
      std::string_view text = c.text();
      if (mentions_tool(text)) visit(text, m->location(c), c.end_line());
    }
  }
  const SourceFile& docker = project.source(Role::Dockerfile);
  if (docker.ok()) {
    // Lines inside heredoc bodies are file content, not Dockerfile comments.
    std::vector<std::pair<int, int>> bodies;
    if (const auto* df = project.docker())
      for (const auto& ins : df->instructions)
        for (const auto& h : ins.heredocs) bodies.emplace_back(h.body_line, h.end_line);
    auto in_body = [&](int line) {
      return std::any_of(bodies.begin(), bodies.end(),
                         [&](const auto& b) { return line >= b.first && line <= b.second; });
    };
    std::string_view text = docker.text;
    int line = 0;
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      ++line;
      std::string_view l = trim(text.substr(start, end - start));
      if (l.starts_with("#") && mentions_tool(l) && !in_body(line))
        visit(l, Location{docker.path, line, 0}, line);
      start = end + 1;
    }
  }
}

}  // namespace

std::vector<Directive> collect_directives(const Project& project) {
  std::vector<Directive> out;
  for_each_tool_comment(project, [&](std::string_view text, Location where, int end_line) {
    if (text.find(kDirectiveKeyword) == std::string_view::npos) return;
    if (auto d = parse_directive(text, std::move(where), end_line)) out.push_back(std::move(*d));
  });
  return out;
}

void apply_inline_suppressions(const Project& project, std::vector<Result>& results) {
  bool any_fail = std::any_of(results.begin(), results.end(),
                              [](const Result& r) { return r.outcome.status == Status::Fail; });
  if (!any_fail) return;
  std::vector<Directive> directives = collect_directives(project);
  for (Result& r : results) {
    Outcome& o = r.outcome;
    if (o.status != Status::Fail || !o.location.known()) continue;
    for (const Directive& d : directives) {
      if (!d.valid() || d.location.path != o.location.path || d.target_line != o.location.line)
        continue;
      if (std::find(d.ids.begin(), d.ids.end(), r.check->id) == d.ids.end()) continue;
      o.status = Status::Suppressed;
      o.suppression_reason = d.reason;
      o.suppressed_at = d.location;
      break;
    }
  }
}

Outcome disabled_outcome(const Project& project, const Check& check, const DisabledCheck& entry) {
  Outcome o;
  o.status = Status::Suppressed;
  o.location = {project.source(check.role).path, 0, 0};
  o.found = "disabled in the config; the check did not run";
  o.suppression_reason = entry.reason;
  return o;
}

std::vector<Finding> directive_findings(const Project& project, const Registry& registry,
                                        const std::vector<Result>& results) {
  std::vector<Finding> out;
  for (const Directive& d : collect_directives(project)) {
    if (!d.valid()) {
      out.push_back(
          {FindingSeverity::Error, std::string(kInvalidDirectiveRule), d.location, d.problem});
      continue;
    }
    for (const std::string& id : d.ids) {
      if (!registry.find(id)) {
        out.push_back(
            {FindingSeverity::Error, std::string(kInvalidDirectiveRule), d.location,
             fmt::format("unknown check ID \"{}\" in the directive (see --list-checks)", cap(id))});
        continue;
      }
      auto it = std::find_if(results.begin(), results.end(),
                             [&](const Result& r) { return r.check->id == id; });
      if (it == results.end()) continue;  // not selected in this run
      const Outcome& o = it->outcome;
      if (o.status == Status::Suppressed && !o.suppressed_at.known()) continue;  // config-disabled
      if (o.status == Status::Suppressed && same_place(o.suppressed_at, d.location)) continue;
      out.push_back(
          {FindingSeverity::Warning, std::string(kUnusedDirectiveRule), d.location,
           fmt::format("unused suppression: {} did not fail on line {}", id, d.target_line)});
    }
  }
  for_each_tool_comment(project, [&](std::string_view text, Location where, int) {
    if (auto word = misspelled_directive(text))
      out.push_back({FindingSeverity::Warning, std::string(kUnknownDirectiveRule), std::move(where),
                     fmt::format("unknown directive \"{}\" suppresses nothing (did you mean "
                                 "\"{}\"?)",
                                 cap(*word, 60), kDirectiveKeyword)});
  });
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.location.path, a.location.line) < std::tie(b.location.path, b.location.line);
  });
  return out;
}

std::string_view finding_title(const Finding& f) {
  if (f.severity == FindingSeverity::Error) return "invalid suppression directive";
  if (f.rule == kUnknownDirectiveRule) return "unknown suppression directive";
  if (f.rule == kUnusedBaselineRule) return "unused baseline entry";
  return "unused suppression directive";
}

int count_errors(const std::vector<Finding>& findings) {
  return static_cast<int>(std::count_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.severity == FindingSeverity::Error;
  }));
}

}  // namespace v15
