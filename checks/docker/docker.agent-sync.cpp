// docker.agent-sync: the image runs the same claude-agent.js as the source tree, at the path the
// DO's startProcess command starts.
#include <fmt/format.h>

#include <algorithm>

#include "docker.h"
#include "v15check/analysis/found_text.h"
#include "v15check/analysis/line_diff.h"
#include "v15check/facts/image_files.h"

namespace v15 {

namespace {

namespace df = dockerfile;
using analysis::diff_lines;
using analysis::LineDiff;
using analysis::lines_of;
using analysis::normalise_newlines;
using facts::agent_install;
using facts::AgentInstall;
using facts::base_name;
using facts::context_path;
using facts::ends_with_path;
using facts::Image;
using facts::ImageWrite;
using facts::normal_path;

// The Dockerfile, or a FAIL for a missing file or a parse error in it.
Expected<const df::Dockerfile*> dockerfile_or_fail(const CheckContext& ctx) {
  const df::Dockerfile* d = ctx.project().docker();
  if (!d) return ctx.fail_in(Role::Dockerfile, ctx.project().unavailable(Role::Dockerfile));
  for (const df::Diagnostic& diag : d->diagnostics) {
    if (diag.severity != df::Severity::error) continue;
    return Outcome::fail(ctx.project().location(Role::Dockerfile, diag.line),
                         fmt::format("the Dockerfile cannot be read reliably: {} (line {})",
                                     diag.message, diag.line));
  }
  return d;
}

// How many lines at the end of `lines` are blank (empty or whitespace only).
std::size_t trailing_blank_lines(const std::vector<std::string_view>& lines) {
  std::size_t n = 0;
  while (n < lines.size() &&
         lines[lines.size() - 1 - n].find_first_not_of(" \t\r") == std::string_view::npos)
    ++n;
  return n;
}

// The first character a shell would expand in an unquoted heredoc body, as a body line index.
std::optional<std::size_t> expanded_line(const df::Heredoc& h, bool shell) {
  auto lines = lines_of(h.body);
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find_first_of(shell ? "$`\\" : "$") != std::string_view::npos) return i;
  return std::nullopt;
}

Outcome compare_heredoc(const CheckContext& ctx, const ImageWrite& w, const std::string& image_path,
                        const std::string& via, const std::vector<Evidence>& base_ev) {
  const Project& p = ctx.project();
  const SourceFile& agent = p.source(Role::Agent);
  const df::Heredoc& h = *w.heredoc;
  std::string dpath = p.source(Role::Dockerfile).path;
  std::vector<Evidence> ev = base_ev;
  ev.push_back({p.location(Role::Dockerfile, h.line), "heredoc writing the agent"});
  if (h.append)
    return Outcome::fail(
        p.location(Role::Dockerfile, h.line),
        fmt::format("the heredoc at {}:{} appends (>>) to {}{}, so the file is not "
                    "exactly its body",
                    dpath, h.line, cap(image_path), via),
        ev);
  bool shell = w.instruction && w.instruction->keyword == "RUN";
  if (!h.quoted)
    if (auto i = expanded_line(h, shell))
      return Outcome::fail(
          p.location(Role::Dockerfile, h.line_of(*i)),
          fmt::format("the heredoc delimiter {} at {}:{} is unquoted, so the build expands {} in "
                      "the body (first at {}:{}) and the image's script differs from {}; quote "
                      "it: <<'{}'",
                      h.delimiter, dpath, h.line, shell ? "$, ` and \\" : "$", dpath, h.line_of(*i),
                      agent.path, h.delimiter),
          ev);
  std::string source = normalise_newlines(agent.text);
  auto a = lines_of(h.body);
  auto b = lines_of(source);
  // blank lines at the very end of either text are a note, not a difference
  std::size_t a_blank = trailing_blank_lines(a), b_blank = trailing_blank_lines(b);
  a.resize(a.size() - a_blank);
  b.resize(b.size() - b_blank);
  std::string note;
  if (a_blank != b_blank)
    note = fmt::format(" (note: the {} ends with {} blank line{}, the {} with {})",
                       a_blank > b_blank ? "heredoc" : "agent file", std::max(a_blank, b_blank),
                       std::max(a_blank, b_blank) == 1 ? "" : "s",
                       a_blank > b_blank ? "agent file" : "heredoc", std::min(a_blank, b_blank));
  LineDiff d = diff_lines(a, b);
  if (d.equal)
    return Outcome::pass(
        p.location(Role::Dockerfile, h.line),
        fmt::format("the heredoc at {}:{} writes {}{}, identical to {} ({} lines){}", dpath, h.line,
                    cap(image_path), via, agent.path, b.size(), note),
        ev);
  std::string dline = d.first < a.size()
                          ? fmt::format("{}:{}", dpath, h.line_of(d.first))
                          : fmt::format("{}:{} (end of the heredoc)", dpath, h.end_line);
  std::string aline = d.first < b.size()
                          ? fmt::format("{}:{}", agent.path, d.first + 1)
                          : fmt::format("{}:{} (end of file)", agent.path, b.size() + 1);
  std::string hunk = fmt::format("{}", fmt::join(d.hunk, " | "));
  if (d.hunk_more) hunk += fmt::format(" | … ({} more)", d.hunk_more);
  int at = d.first < a.size() ? h.line_of(d.first) : h.end_line;
  ev.push_back({p.location(Role::Dockerfile, at), "first differing line in the heredoc"});
  Location agent_at{agent.path, static_cast<int>(d.first + 1), 0};
  ev.push_back(Evidence{agent_at, "first differing line in the agent"});
  return Outcome::fail(
      p.location(Role::Dockerfile, at),
      fmt::format("the heredoc at {}:{} ({}{}) differs from {}: first at {} vs {}; "
                  "{} {}; first hunk (- Dockerfile, + agent): {}",
                  dpath, h.line, cap(image_path), via, agent.path, dline, aline, d.differing,
                  d.differing == 1 ? "line differs" : "lines differ", hunk),
      ev);
}

// Where the Dockerfile puts the agent instead (for a FAIL's Found), and the line doing it.
std::pair<std::string, int> agent_elsewhere(const CheckContext& ctx, const Image& image,
                                            const std::string& agent_path) {
  const Project& p = ctx.project();
  const df::Dockerfile& d = *p.docker();
  std::string source = normalise_newlines(p.source(Role::Agent).text);
  for (const auto& [path, w] : image.heredoc_writes(image.final_stage())) {
    if (w.heredoc->body == source || base_name(path) == base_name(agent_path))
      return {fmt::format("the Dockerfile writes the agent to {} ({}:{})", path,
                          p.source(Role::Dockerfile).path, w.line),
              w.line};
  }
  for (const df::Copy& c : d.copies()) {
    if (c.instruction->stage != image.final_stage()) continue;
    if (auto dest = image.destination_of(c, agent_path))
      return {fmt::format("the Dockerfile copies {} to {} ({}:{})", agent_path, *dest,
                          p.source(Role::Dockerfile).path, c.line),
              c.line};
  }
  return {fmt::format("the Dockerfile neither writes the agent with a heredoc nor COPYs {}",
                      agent_path),
          1};
}

Outcome run(const CheckContext& ctx) {
  const Project& p = ctx.project();
  auto dockerfile = dockerfile_or_fail(ctx);
  if (!dockerfile) return dockerfile.failure();
  const df::Dockerfile* d = *dockerfile;
  const SourceFile& agent = p.source(Role::Agent);
  if (!agent.ok()) return ctx.fail_in(Role::Agent, p.unavailable(Role::Agent));
  const StartProcessEnv& spe = p.start_process_env();
  std::string script, runs;
  std::vector<Evidence> ev;
  if (spe.script_path.empty()) {
    // without the DO file or a readable startProcess command, the configured image path stands
    // for the script it runs, and the comparison still runs
    std::string why =
        spe.call.null() ? spe.problem
        : spe.command_text
            ? fmt::format("its command `{}` names no .js script", cap(*spe.command_text))
            : fmt::format("its command `{}` is not a constant", snippet(spe.command, 60));
    script = normal_path(ctx.config().agent_image_path);
    runs = fmt::format(
        "the configured agentImagePath {} stands for the script startProcess runs "
        "({})",
        cap(script), why);
    if (spe.location.known()) ev.push_back({spe.location, "startProcess command"});
  } else {
    script = normal_path(spe.script_path);
    runs = fmt::format("startProcess runs {} ({})", cap(script), analysis::file_line(spe.location));
    ev.push_back({spe.location, "startProcess command"});
  }
  std::string agent_path = context_path(agent.path);
  Image image(*d);
  AgentInstall install = agent_install(image, *d, script, agent_path);
  const std::string& target = install.target;
  std::string via;
  for (const auto& [from, line] : install.hops) {
    ev.push_back({p.location(Role::Dockerfile, line), "COPY --from"});
    via += fmt::format(", copied from stage {} at line {}", from, line);
  }
  if (!install.external_from.empty()) {
    ev.push_back({p.location(Role::Dockerfile, install.external_line), "COPY --from"});
    return Outcome::fail(p.location(Role::Dockerfile, install.external_line),
                         fmt::format("{}:{} copies {} from image {}, which this tool cannot "
                                     "compare with {}",
                                     p.source(Role::Dockerfile).path, install.external_line,
                                     cap(target), install.external_from, agent.path),
                         ev);
  }
  const std::optional<ImageWrite>& w = install.write;
  if (!w) {
    auto [elsewhere, line] = agent_elsewhere(ctx, image, agent_path);
    return Outcome::fail(
        p.location(Role::Dockerfile, line),
        spe.script_path.empty()
            ? fmt::format("nothing in the image's final stage writes {}; {}; {}", cap(target), runs,
                          elsewhere)
            : fmt::format("nothing in the image's final stage writes {}, the "
                          "script startProcess runs ({}); {}",
                          cap(target), analysis::file_line(spe.location), elsewhere),
        ev);
  }
  if (w->kind == ImageWrite::Kind::Heredoc) {
    Outcome o = compare_heredoc(ctx, *w, target, via, ev);
    // the configured path is named either way: it is an assumption, not what the DO says
    if (o.passed() || spe.script_path.empty()) o.found += "; " + runs;
    return o;
  }
  ev.push_back({p.location(Role::Dockerfile, w->line), "COPY of the agent"});
  if (!w->from.empty() || w->source != agent_path)
    return Outcome::fail(p.location(Role::Dockerfile, w->line),
                         fmt::format("{}:{} copies {} to {}{}, not the agent file {}; {}",
                                     p.source(Role::Dockerfile).path, w->line, w->source,
                                     cap(target), via, agent_path, runs),
                         ev);
  return Outcome::pass(
      p.location(Role::Dockerfile, w->line),
      fmt::format("{} {} copies {} to {}{} (in sync by construction); {}", w->instruction->keyword,
                  analysis::file_line(p.location(Role::Dockerfile, w->line)), agent_path,
                  cap(target), via, runs),
      ev);
}

}  // namespace

Check docker_agent_sync_check() {
  return {.id = "docker.agent-sync",
          .group = Group::Docker,
          .title = "image's claude-agent.js matches the source file",
          .expected =
              "a RUN heredoc whose body equals the agent file (line endings normalised), or a "
              "COPY/ADD of the agent file, at the path the DO's startProcess command runs",
          .role = Role::Dockerfile,
          .passes_when =
              "the last instruction of the final stage that writes the startProcess "
              "script path is a quoted heredoc identical to the agent file (CRLF = LF, "
              "<<- tabs stripped, blank lines at the very end a note), or a COPY/ADD of the "
              "agent file from the build context (also through COPY --from another stage); "
              "without the DO file or a readable startProcess command the path is "
              "agentImagePath",
          .fails_when =
              "a heredoc line differs (Found gives the first differing line in both files, "
              "the count and the first hunk); the heredoc or COPY targets another path; "
              "nothing writes the script; an unquoted delimiter that expands $ or `; a "
              "Dockerfile parse error",
          .config_keys = {"agentImagePath", "roles.dockerfile", "roles.agent", "roles.do"},
          .run = run};
}

}  // namespace v15
