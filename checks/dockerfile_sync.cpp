// 5. Dockerfile Sync (dockerfile): the image runs the same claude-agent.js as the source tree, at
// the path startProcess starts, and the env names the DO sets are the ones the agent reads.
#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "v15check/check.h"

namespace v15 {

namespace {

namespace df = dockerfile;

std::string where(const Location& l) { return fmt::format("{}:{}", l.path, l.line); }

// Items joined by "; ": the first kListMax, then how many more there are, so a Found line lists
// what matters without growing with the input.
constexpr std::size_t kListMax = 12;
std::string listed(const std::vector<std::string>& items) {
  if (items.size() <= kListMax) return fmt::format("{}", fmt::join(items, "; "));
  return fmt::format("{}; … and {} more", fmt::join(items.begin(), items.begin() + kListMax, "; "),
                     items.size() - kListMax);
}

// -- paths ----------------------------------------------------------------------------------------

// Lexically normal, '/'-separated, no trailing '/' (except the root).
std::string normal_path(const std::string& p) {
  if (p.empty()) return p;
  std::string out = std::filesystem::path(p).lexically_normal().generic_string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out == ".") out.clear();
  return out;
}

std::string join_path(const std::string& dir, const std::string& rel) {
  if (rel.empty()) return normal_path(dir);
  if (rel.front() == '/' || dir.empty()) return normal_path(rel);
  return normal_path(dir + "/" + rel);
}

std::string base_name(const std::string& p) {
  auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// Whether absolute image path `path` is `rel` below some directory (a relative script path).
bool ends_with_path(const std::string& path, const std::string& rel) {
  return path.size() > rel.size() && path.compare(path.size() - rel.size(), rel.size(), rel) == 0 &&
         path[path.size() - rel.size() - 1] == '/';
}

bool has_glob(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

// A COPY source from the build context: relative to the context root, whatever its spelling.
std::string context_path(std::string p) {
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  return normal_path(p);
}

// -- the image's files ----------------------------------------------------------------------------

// The instruction that last puts a file at an image path.
struct ImageWrite {
  enum class Kind { Heredoc, Copy };
  Kind kind = Kind::Heredoc;
  const df::Heredoc* heredoc = nullptr;
  const df::Instruction* instruction = nullptr;
  std::string source;  // Copy: the path copied (context-relative, or absolute in `from`)
  std::string from;    // Copy: --from stage or image
  int line = 0;
};

class Image {
 public:
  explicit Image(const df::Dockerfile& d) : d_(d) {
    std::string workdir = "/";
    int stage = -2;
    for (const df::Instruction& ins : d.instructions) {
      if (ins.stage != stage) {
        stage = ins.stage;
        workdir = "/";
      }
      if (ins.keyword == "FROM") {
        std::vector<std::string> words;
        std::string w;
        for (char c : ins.arguments + " ") {
          if (c == ' ' || c == '\t') {
            if (!w.empty()) words.push_back(w);
            w.clear();
          } else {
            w += c;
          }
        }
        if (!words.empty()) {
          // FROM <stage> continues that stage's working directory
          auto parent = stage_names_.find(ascii_lower(words.front()));
          if (parent != stage_names_.end()) workdir = final_workdir_[parent->second];
        }
        if (words.size() >= 3 && ascii_lower(words[words.size() - 2]) == "as")
          stage_names_[ascii_lower(words.back())] = ins.stage;
      } else if (ins.keyword == "WORKDIR") {
        std::string dir = ins.arguments;
        if (dir.size() >= 2 && (dir.front() == '"' || dir.front() == '\'') &&
            dir.back() == dir.front())
          dir = dir.substr(1, dir.size() - 2);
        workdir = join_path(workdir, dir);
      }
      workdir_[&ins] = workdir;
      final_workdir_[ins.stage] = workdir;
      final_stage_ = std::max(final_stage_, ins.stage);
    }
  }

  int final_stage() const { return final_stage_; }

  // The stage index an --from value names, if it is a stage of this file.
  std::optional<int> stage_named(const std::string& from) const {
    auto it = stage_names_.find(ascii_lower(from));
    if (it != stage_names_.end()) return it->second;
    if (!from.empty() && from.size() < 6 &&
        std::all_of(from.begin(), from.end(),
                    [](unsigned char c) { return std::isdigit(c) != 0; })) {
      int n = std::stoi(from);
      if (n <= final_stage_) return n;
    }
    return std::nullopt;
  }

  std::string workdir(const df::Instruction& ins) const {
    auto it = workdir_.find(&ins);
    return it == workdir_.end() ? "/" : it->second;
  }

  // Every heredoc with a target in `stage`, its path resolved.
  std::vector<std::pair<std::string, ImageWrite>> heredoc_writes(int stage) const {
    std::vector<std::pair<std::string, ImageWrite>> out;
    for (const auto& wf : d_.written_files()) {
      if (wf.instruction->stage != stage) continue;
      ImageWrite w;
      w.kind = ImageWrite::Kind::Heredoc;
      w.heredoc = wf.heredoc;
      w.instruction = wf.instruction;
      w.line = wf.line;
      out.emplace_back(join_path(workdir(*wf.instruction), wf.path), w);
    }
    return out;
  }

  // The last instruction of `stage` that writes `path`. `wanted` (a context path) lets a
  // directory or glob COPY count when it brings that file to `path`.
  std::optional<ImageWrite> last_write(int stage, const std::string& path,
                                       const std::string& wanted) const {
    std::optional<ImageWrite> last;
    auto later = [&](const ImageWrite& w) {
      if (!last || w.line >= last->line) last = w;
    };
    for (const auto& [p, w] : heredoc_writes(stage))
      if (p == path) later(w);
    for (const df::Copy& c : d_.copies()) {
      if (c.instruction->stage != stage) continue;
      if (auto src = copy_source(c, path, wanted)) {
        ImageWrite w;
        w.kind = ImageWrite::Kind::Copy;
        w.instruction = c.instruction;
        w.source = *src;
        w.from = c.from;
        w.line = c.line;
        later(w);
      }
    }
    return last;
  }

  // Where COPY/ADD `c` puts context file `file`, if it copies it.
  std::optional<std::string> destination_of(const df::Copy& c, const std::string& file) const {
    if (!c.from.empty()) return std::nullopt;
    std::string dest = join_path(workdir(*c.instruction), c.destination);
    bool dir_dest = !c.destination.empty() && c.destination.back() == '/';
    for (const std::string& raw : c.sources) {
      if (raw.find("://") != std::string::npos) continue;
      std::string s = context_path(raw);
      bool multi = c.sources.size() > 1 || has_glob(s);
      if (s == file) return multi || dir_dest ? join_path(dest, base_name(file)) : dest;
      if (has_glob(s) && fnmatch(s.c_str(), file.c_str(), FNM_PATHNAME) == 0)
        return join_path(dest, base_name(file));
      if (s.empty() || file.rfind(s + "/", 0) == 0)  // a directory: its contents go to dest
        return join_path(dest, s.empty() ? file : file.substr(s.size() + 1));
    }
    return std::nullopt;
  }

 private:
  // The source COPY `c` writes to `path` with: a file source (whatever it is), or a directory /
  // glob source when it brings `wanted` there.
  std::optional<std::string> copy_source(const df::Copy& c, const std::string& path,
                                         const std::string& wanted) const {
    std::string dest = join_path(workdir(*c.instruction), c.destination);
    bool dir_dest = !c.destination.empty() && c.destination.back() == '/';
    bool multi = c.sources.size() > 1;
    for (const std::string& raw : c.sources) {
      if (raw.find("://") != std::string::npos) continue;
      std::string s = c.from.empty() ? context_path(raw) : normal_path("/" + raw);
      if (!has_glob(s)) {
        if (!(multi || dir_dest) && dest == path) return s;
        if ((multi || dir_dest) && join_path(dest, base_name(s)) == path) return s;
      }
    }
    if (!c.from.empty()) {
      // a directory copied from another stage: /opt/app → /opt/app/...
      for (const std::string& raw : c.sources) {
        std::string s = normal_path("/" + raw);
        if (path.rfind(dest + "/", 0) == 0) return join_path(s, path.substr(dest.size() + 1));
      }
      return std::nullopt;
    }
    if (auto d = destination_of(c, wanted); d && *d == path) return wanted;
    return std::nullopt;
  }

  const df::Dockerfile& d_;
  std::map<std::string, int> stage_names_;
  std::map<const df::Instruction*, std::string> workdir_;
  std::map<int, std::string> final_workdir_;
  int final_stage_ = -1;
};

// -- line diff ------------------------------------------------------------------------------------

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

struct LineDiff {
  bool equal = true;
  std::size_t first = 0;      // 0-based index of the first differing line (same in both)
  std::size_t differing = 0;  // changed lines: per hunk, the larger of its removals and additions
  std::vector<std::string> hunk;  // the first hunk: "-line" (Dockerfile) / "+line" (agent)
  std::size_t hunk_more = 0;      // lines of the first hunk left out of `hunk`
};

std::string shorten(std::string_view line, std::size_t max = 60) {
  std::size_t b = 0, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
  std::string out(line.substr(b, e - b));
  if (out.size() > max) {
    out.resize(max);
    out += "…";
  }
  return out;
}

LineDiff diff_lines(const std::vector<std::string_view>& a,
                    const std::vector<std::string_view>& b) {
  LineDiff d;
  std::size_t p = 0;
  while (p < a.size() && p < b.size() && a[p] == b[p]) ++p;
  if (p == a.size() && p == b.size()) return d;
  d.equal = false;
  d.first = p;
  std::size_t s = 0;
  while (s < a.size() - p && s < b.size() - p && a[a.size() - 1 - s] == b[b.size() - 1 - s]) ++s;
  std::size_t n = a.size() - p - s, m = b.size() - p - s;
  // edit script over the middle: 0 equal, 1 removal (a), 2 addition (b)
  std::vector<std::pair<int, std::string_view>> ops;
  constexpr std::size_t kMaxCells = 4'000'000;
  if (n * m > kMaxCells || n == 0 || m == 0) {
    for (std::size_t i = 0; i < n; ++i) ops.emplace_back(1, a[p + i]);
    for (std::size_t j = 0; j < m; ++j) ops.emplace_back(2, b[p + j]);
  } else {
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](std::size_t i, std::size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        at(i, j) =
            a[p + i] == b[p + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[p + i] == b[p + j]) {
        ops.emplace_back(0, a[p + i]);
        ++i, ++j;
      } else if (j == m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
        ops.emplace_back(1, a[p + i++]);
      } else {
        ops.emplace_back(2, b[p + j++]);
      }
    }
  }
  constexpr std::size_t kHunkLines = 10;
  bool first_hunk = true, in_hunk = false;
  std::size_t removed = 0, added = 0;
  auto close_hunk = [&] {
    if (!in_hunk) return;
    d.differing += std::max(removed, added);
    removed = added = 0;
    in_hunk = false;
    first_hunk = false;
  };
  for (const auto& [op, line] : ops) {
    if (op == 0) {
      close_hunk();
      continue;
    }
    in_hunk = true;
    (op == 1 ? removed : added)++;
    if (!first_hunk) continue;
    if (d.hunk.size() < kHunkLines)
      d.hunk.push_back((op == 1 ? "-" : "+") + shorten(line));
    else
      ++d.hunk_more;
  }
  close_hunk();
  return d;
}

std::string normalise_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  // `cat > f <<EOF` always ends the file with a newline; a source without one is the same script
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// -- docker.agent-sync ----------------------------------------------------------------------------

// The Dockerfile, or a FAIL for a missing file or a parse error in it.
const df::Dockerfile* dockerfile_or_fail(const CheckContext& ctx, Outcome& failure) {
  const df::Dockerfile* d = ctx.project().docker();
  if (!d) {
    failure = ctx.fail_in(Role::Dockerfile, ctx.project().unavailable(Role::Dockerfile));
    return nullptr;
  }
  for (const df::Diagnostic& diag : d->diagnostics) {
    if (diag.severity != df::Severity::error) continue;
    failure = Outcome::fail(ctx.project().location(Role::Dockerfile, diag.line),
                            fmt::format("the Dockerfile cannot be read reliably: {} (line {})",
                                        diag.message, diag.line));
    return nullptr;
  }
  return d;
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
  LineDiff d = diff_lines(a, b);
  if (d.equal)
    return Outcome::pass(p.location(Role::Dockerfile, h.line),
                         fmt::format("the heredoc at {}:{} writes {}{}, identical to {} ({} lines)",
                                     dpath, h.line, cap(image_path), via, agent.path, b.size()),
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

Outcome docker_agent_sync(const CheckContext& ctx) {
  const Project& p = ctx.project();
  Outcome failure;
  const df::Dockerfile* d = dockerfile_or_fail(ctx, failure);
  if (!d) return failure;
  const SourceFile& agent = p.source(Role::Agent);
  if (!agent.ok()) return ctx.fail_in(Role::Agent, p.unavailable(Role::Agent));
  const StartProcessEnv& spe = p.start_process_env();
  if (spe.script_path.empty()) {
    std::string why =
        spe.call.null() ? spe.problem
        : spe.command_text
            ? fmt::format("its command `{}` names no .js script", cap(*spe.command_text))
            : fmt::format("its command `{}` is not a constant", snippet(spe.command, 60));
    Location at = spe.location.known() ? spe.location : p.location(Role::DurableObject, 1);
    return Outcome::fail(at, fmt::format("cannot determine the script startProcess runs: {}", why));
  }
  std::string script = normal_path(spe.script_path);
  std::string agent_path = context_path(agent.path);
  std::string runs = fmt::format("startProcess runs {} ({})", cap(script), where(spe.location));
  std::vector<Evidence> ev = {{spe.location, "startProcess command"}};
  Image image(*d);
  // a relative script (cwd unknown) matches an image path that ends with it
  std::string target = script;
  if (!script.empty() && script.front() != '/') {
    std::string found;
    for (const auto& [path, w] : image.heredoc_writes(image.final_stage()))
      if (ends_with_path(path, script)) found = path;
    for (const df::Copy& c : d->copies())
      if (c.instruction->stage == image.final_stage())
        if (auto dest = image.destination_of(c, agent_path))
          if (ends_with_path(*dest, script)) found = *dest;
    if (!found.empty()) target = found;
  }
  int stage = image.final_stage();
  std::string path = target, via;
  std::optional<ImageWrite> w;
  for (int hop = 0; hop < 4; ++hop) {
    w = image.last_write(stage, path, agent_path);
    if (!w || w->kind != ImageWrite::Kind::Copy || w->from.empty()) break;
    auto from_stage = image.stage_named(w->from);
    if (!from_stage) {
      ev.push_back({p.location(Role::Dockerfile, w->line), "COPY --from"});
      return Outcome::fail(
          p.location(Role::Dockerfile, w->line),
          fmt::format("{}:{} copies {} from image {}, which this tool cannot "
                      "compare with {}",
                      p.source(Role::Dockerfile).path, w->line, cap(target), w->from, agent.path),
          ev);
    }
    ev.push_back({p.location(Role::Dockerfile, w->line), "COPY --from"});
    via += fmt::format(", copied from stage {} at line {}", w->from, w->line);
    stage = *from_stage;
    path = w->source;
  }
  if (!w) {
    auto [elsewhere, line] = agent_elsewhere(ctx, image, agent_path);
    return Outcome::fail(p.location(Role::Dockerfile, line),
                         fmt::format("nothing in the image's final stage writes {}, the script "
                                     "startProcess runs ({}); {}",
                                     cap(target), where(spe.location), elsewhere),
                         ev);
  }
  if (w->kind == ImageWrite::Kind::Heredoc) {
    Outcome o = compare_heredoc(ctx, *w, target, via, ev);
    if (o.passed()) o.found += "; " + runs;
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
                  where(p.location(Role::Dockerfile, w->line)), agent_path, cap(target), via, runs),
      ev);
}

// -- docker.env-names -----------------------------------------------------------------------------

bool prefixed(const Config& c, std::string_view name) {
  if (std::find(c.env_ignore.begin(), c.env_ignore.end(), name) != c.env_ignore.end()) return false;
  return std::any_of(c.env_prefixes.begin(), c.env_prefixes.end(),
                     [&](const std::string& p) { return name.rfind(p, 0) == 0; });
}

Outcome docker_env_names(const CheckContext& ctx) {
  const Project& p = ctx.project();
  const Config& cfg = ctx.config();
  Outcome failure;
  const FileModel* agent = ctx.file(Role::Agent, failure);
  if (!agent) return failure;
  Node err = agent->first_error();
  if (!err.null())
    return Outcome::fail(agent->location(err),
                         fmt::format("a parse error at line {} in {} may hide env reads",
                                     err.line(), agent->path()));
  const StartProcessEnv& spe = p.start_process_env();
  if (!spe.found()) {
    if (!p.file(Role::DurableObject)) return ctx.fail_in(Role::DurableObject, spe.problem);
    Location at = spe.location.known() ? spe.location : p.location(Role::DurableObject, 1);
    return Outcome::fail(at, fmt::format("cannot read the startProcess env: {}", spe.problem));
  }
  const AgentEnv& env = p.agent_env();
  std::vector<std::string> problems, notes;
  std::vector<Evidence> ev = {{spe.location, "startProcess env"}};
  Location first_problem;
  std::string spreads;
  for (const Node& s : spe.spreads) spreads += (spreads.empty() ? "" : ", ") + snippet(s, 40);
  std::string spread_note =
      spreads.empty()
          ? std::string{}
          : fmt::format(" (the env also spreads {}, which this tool cannot see into)", spreads);
  // set by the DO, never read
  std::set<std::string> seen;
  for (const EnvEntry& e : spe.entries) {
    if (!prefixed(cfg, e.key) || !seen.insert(e.key).second) continue;
    if (env.has(e.key)) continue;
    problems.push_back(fmt::format("{}: set by startProcess env ({}), never read by the agent ({})",
                                   cap(e.key), where(e.location), agent->path()));
    if (!first_problem.known()) first_problem = e.location;
  }
  // required by the agent, never set
  std::set<std::string> reported;
  for (const EnvRead& r : env.reads) {
    if (!prefixed(cfg, r.name) || spe.entry(r.name)) continue;
    if (!reported.insert(r.name).second) continue;
    const EnvRead* req = env.first_required(r.name);
    if (!req) {
      notes.push_back(fmt::format("{} read {} ({}), not set by startProcess env", cap(r.name),
                                  r.has_default ? "with a default" : "only behind a presence test",
                                  where(r.location)));
      continue;
    }
    std::string docker_env;
    if (const df::Dockerfile* d = p.docker())
      for (const df::EnvPair& pair : d->env())
        if (pair.name == r.name)
          docker_env = fmt::format(
              "; the Dockerfile's ENV {} ({}:{}) does not reach the agent: "
              "startProcess env replaces the container's",
              cap(r.name), p.source(Role::Dockerfile).path, pair.line);
    problems.push_back(fmt::format(
        "{}: read by the agent ({}) without a default, never set by "
        "startProcess env ({}){}{}",
        cap(r.name), where(req->location), where(spe.location), docker_env, spread_note));
    ev.push_back({req->location, fmt::format("reads {}", cap(r.name))});
    if (!first_problem.known()) first_problem = req->location;
  }
  // required reads of conditionally set keys are worth a note
  for (const EnvEntry& e : spe.entries) {
    if (!prefixed(cfg, e.key) || !e.conditional) continue;
    if (const EnvRead* req = env.first_required(e.key))
      notes.push_back(fmt::format("{} is set only when `{}` ({}) but read without a default ({})",
                                  cap(e.key), snippet(e.condition, 30), where(e.location),
                                  where(req->location)));
  }
  if (!env.dynamic_reads.empty())
    notes.push_back(
        fmt::format("the agent also reads process.env[…] at line {}, which this tool "
                    "cannot name",
                    env.dynamic_reads.front().line()));
  std::string note_text = notes.empty() ? std::string{} : fmt::format("; notes: {}", listed(notes));
  if (!problems.empty())
    return Outcome::fail(first_problem, fmt::format("{}{}", listed(problems), note_text), ev);
  std::size_t set = seen.size();
  return Outcome::pass(
      spe.location,
      fmt::format("the {} {} keys startProcess env sets ({}) are read by the agent, "
                  "and every one it requires is set{}",
                  set, cap(fmt::format("{}", fmt::join(cfg.env_prefixes, "/"))),
                  where(spe.location), note_text),
      ev);
}

}  // namespace

void register_docker_checks(Registry& r) {
  r.add(
      {.id = "docker.agent-sync",
       .group = Group::Docker,
       .title = "image's claude-agent.js matches the source file",
       .expected = "a RUN heredoc whose body equals the agent file (line endings normalised), or a "
                   "COPY/ADD of the agent file, at the path the DO's startProcess command runs",
       .role = Role::Dockerfile,
       .passes_when = "the last instruction of the final stage that writes the startProcess "
                      "script path is a quoted heredoc identical to the agent file (CRLF = LF, "
                      "<<- tabs stripped), or a COPY/ADD of the agent file from the build context "
                      "(also through COPY --from another stage)",
       .fails_when = "a heredoc line differs (Found gives the first differing line in both files, "
                     "the count and the first hunk); the heredoc or COPY targets another path; "
                     "nothing writes the script; an unquoted delimiter that expands $ or `; a "
                     "Dockerfile parse error; the startProcess script cannot be determined",
       .config_keys = {"roles.dockerfile", "roles.agent", "roles.do"},
       .run = docker_agent_sync});
  r.add({.id = "docker.env-names",
         .group = Group::Docker,
         .title = "env var names match between DO startProcess env and agent",
         .expected =
             "every VF_* key the startProcess env sets is read by the agent, and every VF_* "
             "name the agent requires (no default) is set by that env",
         .role = Role::Dockerfile,
         .passes_when =
             "the prefixed keys of the startProcess env and the agent's process.env reads "
             "match; names the agent reads with a ||/?? default or only behind a "
             "presence test may be unset (listed as notes). Dockerfile ENV does not count: "
             "startProcess env replaces the container's",
         .fails_when = "a VF_ key set but never read; a VF_ name read without a default but never "
                       "set (also when only a Dockerfile ENV sets it)",
         .config_keys = {"envPrefixes", "envIgnore", "roles.agent", "roles.do"},
         .run = docker_env_names});
}

}  // namespace v15
