// --trace: the hops follow the check outcomes, and the three formats keep their syntax whatever
// text the checked code contributes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "cli_support.h"
#include "fixture_support.h"
#include "v15check/trace.h"

namespace v15::testing {
namespace {

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

const Registry& registry() {
  static const Registry r = default_registry();
  return r;
}

std::vector<Hop> trace_of(const std::map<std::string, std::string>& files,
                          const Config& config = Config{}) {
  MemoryReader reader(files, "fixture");
  Project project(load_sources(reader, config.paths), config);
  return build_trace(project, run_checks(registry(), project, Selection{}));
}

std::vector<Hop> mutant_trace(const std::string& name) {
  Catalogue c = load_catalogue();
  for (const Case& m : c.mutants) {
    if (m.name != name) continue;
    auto files = pass_tree();
    std::string err = apply(files, m.edits);
    EXPECT_EQ(err, "");
    return trace_of(files);
  }
  ADD_FAILURE() << "no mutant " << name;
  return {};
}

std::string render(const std::vector<Hop>& hops, TraceFormat f, bool ascii = false) {
  std::ostringstream out;
  write_trace(out, hops, f, ascii, false);
  return out.str();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

const Hop* hop_with(const std::vector<Hop>& hops, std::string_view id) {
  for (const Hop& h : hops)
    if (std::find(h.check_ids.begin(), h.check_ids.end(), id) != h.check_ids.end()) return &h;
  return nullptr;
}

bool is_participant(const std::string& p) {
  return p == kBrowser || p == kWorker || p == kAgentDo || p == kContainer;
}

// -- building ----------------------------------------------------------------------------------

TEST(FlowTrace, PassingFixtureFindsEveryHop) {
  auto hops = trace_of(pass_tree());
  ASSERT_GE(hops.size(), 18u);
  for (const Hop& h : hops) {
    EXPECT_TRUE(h.found) << h.label;
    EXPECT_TRUE(h.failed_ids.empty()) << h.label;
    EXPECT_TRUE(is_participant(h.from) && is_participant(h.to)) << h.label;
    EXPECT_TRUE(h.location.known()) << h.label;
    EXPECT_FALSE(h.label.empty());
  }
  // the order of the flow: browser in, container out and back, browser answered
  EXPECT_EQ(hops.front().from, kBrowser);
  EXPECT_EQ(hops.front().location.path, "src/index.ts");
  auto first_error =
      std::find_if(hops.begin(), hops.end(), [](const Hop& h) { return h.error_path; });
  ASSERT_NE(first_error, hops.begin());
  EXPECT_EQ(std::prev(first_error)->to, kBrowser);
  EXPECT_TRUE(std::all_of(first_error, hops.end(), [](const Hop& h) { return h.error_path; }));
}

TEST(FlowTrace, HopsLocateTheirConstructs) {
  auto hops = trace_of(pass_tree());
  const Hop* start = hop_with(hops, "do.env-stream-jwt");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->from, kAgentDo);
  EXPECT_EQ(start->to, kContainer);
  EXPECT_NE(start->label.find("/opt/claude-agent/claude-agent.js"), std::string::npos)
      << start->label;
  const Hop* install = hop_with(hops, "docker.agent-sync");
  ASSERT_NE(install, nullptr);
  EXPECT_EQ(install->location.path, "Dockerfile");
  const Hop* post = hop_with(hops, "agent.callback-post");
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(post->to, kWorker);
  EXPECT_EQ(post->location.path, "src/sandbox-scripts/claude-agent.js");
}

TEST(FlowTrace, MutantShowsTheBrokenHopWithItsChecks) {
  auto hops = mutant_trace("route-stream-absent");
  const Hop* route = hop_with(hops, "route.stream-endpoint");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->found);
  EXPECT_EQ(route->failed_ids, std::vector<std::string>{"route.stream-endpoint"});
  EXPECT_EQ(route->location.path, "src/index.ts");
  // a hop is missing exactly when a check behind it fails
  for (const Hop& h : hops) EXPECT_EQ(h.found, h.failed_ids.empty()) << h.label;
  const Hop* chat = hop_with(hops, "route.chat-endpoint");
  ASSERT_NE(chat, nullptr);
  EXPECT_TRUE(chat->found);

  std::string text = render(hops, TraceFormat::Text);
  bool shown = false;
  for (const auto& l : lines(text))
    if (l.find("route POST /internal/stream") != std::string::npos) {
      shown = true;
      EXPECT_NE(l.find("✗"), std::string::npos) << l;
      EXPECT_NE(l.find("route.stream-endpoint"), std::string::npos) << l;
      EXPECT_NE(l.find("src/index.ts:"), std::string::npos) << l;
    }
  EXPECT_TRUE(shown) << text;
}

TEST(FlowTrace, OtherLegsAreHopsWithTheirStates) {
  // the container's WebSocket leg beside the HTTP bridge, as the flow_legs fact knows it
  auto hops = trace_of(pass_tree());
  auto leg = [](const std::vector<Hop>& hs, std::string_view label) -> const Hop* {
    for (const Hop& h : hs)
      if (h.label.find(label) != std::string::npos) return &h;
    return nullptr;
  };
  const Hop* ws = leg(hops, "forward GET /internal/container-ws to the DO");
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(ws->found);
  EXPECT_EQ(ws->from, kWorker);
  EXPECT_EQ(ws->to, kAgentDo);
  EXPECT_EQ(ws->location.path, "src/index.ts");
  const Hop* verified = leg(hops, "fetch() serves GET /internal/container-ws");
  ASSERT_NE(verified, nullptr);
  EXPECT_EQ(verified->check_ids, std::vector<std::string>{"flow.container-auth"});
  EXPECT_FALSE(ws->error_path);

  // renamed on the DO's side only: the Worker's leg is missing, and says why
  auto renamed = mutant_trace("flow-parity-do-container-ws-renamed");
  const Hop* broken = leg(renamed, "forward GET /internal/container-ws to the DO");
  ASSERT_NE(broken, nullptr);
  EXPECT_FALSE(broken->found);
  EXPECT_EQ(broken->state, HopState::Missing);
  EXPECT_EQ(broken->failed_ids, std::vector<std::string>{"flow.route-parity"});
  EXPECT_NE(broken->label.find("no fetch() branch serves it"), std::string::npos) << broken->label;
  for (const Hop& h : renamed) EXPECT_EQ(h.found, h.failed_ids.empty()) << h.label;
}

TEST(FlowTrace, ErrorPathMutantMarksTheErrorHop) {
  auto hops = mutant_trace("error-timeout-no-settle");
  const Hop* h = hop_with(hops, "error.bridge-timeout");
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->error_path);
  EXPECT_FALSE(h->found);
  EXPECT_EQ(h->location.path, "src/agents/chat-session-agent.ts");
  std::size_t missing =
      std::count_if(hops.begin(), hops.end(), [](const Hop& x) { return !x.found; });
  EXPECT_EQ(missing, 1u);
}

TEST(FlowTrace, MissingFileBreaksEveryHopThatReadsIt) {
  auto files = pass_tree();
  files.erase("src/agents/chat-session-agent.ts");
  auto hops = trace_of(files);
  const Hop* lookup = hop_with(hops, "do.stream-bridge-lookup");
  ASSERT_NE(lookup, nullptr);
  EXPECT_FALSE(lookup->found);
  const Hop* browser = hop_with(hops, "route.chat-endpoint");
  ASSERT_NE(browser, nullptr);
  EXPECT_TRUE(browser->found);
}

// -- formats ------------------------------------------------------------------------------------

TEST(FlowTraceText, OneAlignedLinePerHop) {
  auto hops = mutant_trace("route-stream-absent");
  auto out = lines(render(hops, TraceFormat::Text));
  ASSERT_FALSE(out.empty());
  EXPECT_NE(out[0].find("hops found"), std::string::npos);
  std::size_t hop_lines = 0, label_column = std::string::npos;
  for (const auto& l : out) {
    if (l.find("✓") == std::string::npos && l.find("✗") == std::string::npos) continue;
    ++hop_lines;
    // the label column starts at the same display column on every line
    std::size_t col = 0, bytes = 0;
    std::size_t pos = l.find("  ", l.find(" → ") + 4);
    while (pos < l.size() && l[pos] == ' ') ++pos;
    for (; bytes < pos; ++bytes)
      if ((static_cast<unsigned char>(l[bytes]) & 0xC0) != 0x80) ++col;
    if (label_column == std::string::npos) label_column = col;
    EXPECT_EQ(col, label_column) << l;
  }
  EXPECT_EQ(hop_lines, hops.size());
}

TEST(FlowTraceText, AsciiFallback) {
  auto hops = mutant_trace("route-stream-absent");
  std::string out = render(hops, TraceFormat::Text, true);
  EXPECT_NE(out.find("[ok]"), std::string::npos);
  EXPECT_NE(out.find("[MISSING]"), std::string::npos);
  EXPECT_NE(out.find(" -> "), std::string::npos);
  for (unsigned char c : out) EXPECT_LT(c, 0x80) << out;
}

TEST(FlowTraceText, LocaleDecidesTheFallback) {
  EXPECT_TRUE(locale_is_utf8(nullptr, nullptr, "en_US.UTF-8"));
  EXPECT_TRUE(locale_is_utf8("C.utf8", nullptr, nullptr));
  EXPECT_FALSE(locale_is_utf8("C", nullptr, "en_US.UTF-8"));  // LC_ALL wins
  EXPECT_FALSE(locale_is_utf8(nullptr, "POSIX", "en_US.UTF-8"));
  EXPECT_TRUE(locale_is_utf8("", "", "de_DE.UTF-8"));  // empty values do not count
  EXPECT_FALSE(locale_is_utf8(nullptr, nullptr, nullptr));
}

TEST(FlowTraceMermaid, SequenceDiagramWithFailures) {
  auto hops = mutant_trace("route-stream-absent");
  auto out = lines(render(hops, TraceFormat::Mermaid));
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0], "sequenceDiagram");
  for (std::string_view p : {kBrowser, kWorker, kAgentDo, kContainer})
    EXPECT_NE(std::find(out.begin(), out.end(), "    participant " + std::string(p)), out.end())
        << p;
  std::size_t messages = 0, crosses = 0, notes = 0;
  for (const auto& l : out) {
    if (l.find(": ") != std::string::npos && l.find("Note over") == std::string::npos) ++messages;
    if (l.find("Worker-xWorker: ") != std::string::npos) ++crosses;
    if (l.find("Note over Worker: MISSING: route.stream-endpoint") != std::string::npos) ++notes;
  }
  EXPECT_EQ(messages, hops.size());
  EXPECT_EQ(crosses, 1u);
  EXPECT_EQ(notes, 1u);
  EXPECT_NE(std::find(out.begin(), out.end(), "    opt error paths"), out.end());
  EXPECT_EQ(out.back(), "    end");
}

TEST(FlowTraceDot, DigraphWithRedDashedMissingEdges) {
  auto hops = mutant_trace("route-stream-absent");
  std::string out = render(hops, TraceFormat::Dot);
  EXPECT_EQ(out.rfind("digraph v15_flow {\n", 0), 0u);
  EXPECT_EQ(out.substr(out.size() - 2), "}\n");
  std::size_t edges = 0, red = 0, route = 0;
  auto all = lines(out);
  for (const auto& l : all) {
    if (l.find("\" -> \"") == std::string::npos) continue;
    ++edges;
    if (l.find("color=red") != std::string::npos) {
      ++red;
      EXPECT_NE(l.find("style=dashed"), std::string::npos) << l;
      // a step within one participant carries its label on its own note node
      std::string labelled = l;
      if (auto step = l.find("-> \"step "); step != std::string::npos) {
        std::string node = "  " + l.substr(step + 3, l.find('"', step + 4) - step - 2) + " [";
        auto it = std::find_if(all.begin(), all.end(),
                               [&](const std::string& x) { return x.rfind(node, 0) == 0; });
        ASSERT_NE(it, all.end()) << node;
        labelled = *it;
        EXPECT_NE(labelled.find("color=red"), std::string::npos) << labelled;
      }
      EXPECT_NE(labelled.find("MISSING: "), std::string::npos) << labelled;
      if (labelled.find("MISSING: route.stream-endpoint") != std::string::npos) ++route;
    }
  }
  EXPECT_EQ(edges, hops.size());
  EXPECT_EQ(red, static_cast<std::size_t>(std::count_if(hops.begin(), hops.end(),
                                                        [](const Hop& h) { return !h.found; })));
  EXPECT_EQ(route, 1u);
}

// -- hostile text -------------------------------------------------------------------------------

std::vector<Hop> hostile_hops() {
  const std::string evil =
      "POST /api\";-->>x\nNote over Browser: pwned %% #1; <b>{}</b> \\N \\\" end";
  std::vector<Hop> hops;
  Hop a;
  a.from = std::string(kBrowser);
  a.to = std::string(kWorker);
  a.label = evil;
  a.location = {"src/we\"ird;-->>\n.ts", 3, 0};
  a.found = true;
  a.check_ids = {"route.chat-endpoint"};
  hops.push_back(a);
  Hop b = a;
  b.from = std::string(kWorker);
  b.to = std::string(kAgentDo);
  b.found = false;
  b.failed_ids = {"route.chat-do-stub"};
  hops.push_back(b);
  Hop c = a;
  c.from = std::string(kAgentDo);
  c.to = std::string(kBrowser);
  c.error_path = true;
  hops.push_back(c);
  return hops;
}

TEST(FlowTraceMermaid, HostileTextCannotBreakTheSyntax) {
  auto hops = hostile_hops();
  auto out = lines(render(hops, TraceFormat::Mermaid));
  // header + 4 participants + 3 messages + 1 note + opt/end: nothing split a line
  EXPECT_EQ(out.size(), 1u + 4 + 3 + 1 + 2) << render(hops, TraceFormat::Mermaid);
  for (const auto& l : out) {
    auto colon = l.find(": ");
    if (colon == std::string::npos) continue;
    std::string text = l.substr(colon + 2);
    // every ';' and '#' belongs to an entity we wrote, and no arrow or comment survives
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '#') continue;
      std::size_t end = text.find(';', i);
      ASSERT_NE(end, std::string::npos) << text;
      for (std::size_t k = i + 1; k < end; ++k)
        EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(text[k]))) << text;
      i = end;
    }
    EXPECT_EQ(text.find(">>"), std::string::npos) << text;
    EXPECT_EQ(text.find("%%"), std::string::npos) << text;
    EXPECT_EQ(text.find('"'), std::string::npos) << text;
    EXPECT_EQ(text.find('<'), std::string::npos) << text;
  }
  EXPECT_EQ(mermaid_escape("a;b#c"), "a#59;b#35;c");
  EXPECT_EQ(mermaid_escape("x\ny\rz"), "x\\ny\\rz");  // the report's escapes, on one line
}

TEST(FlowTraceDot, HostileTextStaysInsideTheQuotes) {
  auto hops = hostile_hops();
  std::string out = render(hops, TraceFormat::Dot);
  auto ls = lines(out);
  EXPECT_EQ(ls.size(), 4u + 4 + hops.size() + 1) << out;  // header, nodes, edges, }
  for (const auto& l : ls) {
    // quotes balance once escaped quotes are removed
    std::size_t quotes = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\\') {
        ++i;
        continue;
      }
      if (l[i] == '"') ++quotes;
    }
    EXPECT_EQ(quotes % 2, 0u) << l;
  }
  EXPECT_EQ(dot_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\\\nd");  // \n, its backslash quoted
}

// Text the checked code contributes (the startProcess command, the callback URL) reaches the
// labels; it must not change the structure of either diagram.
std::vector<Hop> hostile_source_trace() {
  auto files = pass_tree();
  Edit cmd;
  cmd.file = "src/agents/chat-session-agent.ts";
  cmd.find = "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js', {";
  cmd.replace =
      "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js; echo \"-->>\\nNote "
      "over Browser: x #1; %% \\\\N\"', {";
  Edit url;
  url.file = "src/agents/chat-session-agent.ts";
  url.find = "VF_CALLBACK_URL: 'https://vaporforge.dev/internal/stream',";
  url.replace = "VF_CALLBACK_URL: 'https://vaporforge.dev/internal/stream\"];\\n}-->>',";
  EXPECT_EQ(apply(files, {cmd, url}), "");
  return trace_of(files);
}

TEST(FlowTrace, HostileSourceTextIsEscapedInEveryFormat) {
  auto hops = hostile_source_trace();
  bool reached = false;
  for (const Hop& h : hops) reached = reached || h.label.find("-->>\n") != std::string::npos;
  ASSERT_TRUE(reached) << "the hostile command should reach a label";
  std::size_t missing =
      std::count_if(hops.begin(), hops.end(), [](const Hop& h) { return !h.found; });
  auto mm = lines(render(hops, TraceFormat::Mermaid));
  EXPECT_EQ(mm.size(), 1 + 4 + hops.size() + missing + 2);  // nothing split a line
  for (const auto& l : mm) {
    auto colon = l.find(": ");
    if (colon != std::string::npos) {
      EXPECT_EQ(l.find(">>", colon), std::string::npos) << l;
    }
  }
  auto dot = lines(render(hops, TraceFormat::Dot));
  std::size_t steps =
      std::count_if(hops.begin(), hops.end(), [](const Hop& h) { return h.from == h.to; });
  EXPECT_EQ(dot.size(), 4 + 4 + hops.size() + steps + 1);  // a step adds its note node
  auto text = lines(render(hops, TraceFormat::Text));
  EXPECT_EQ(text.size(), 1 + hops.size() + 1);  // title, hops, "error paths:"
}

TEST(FlowTraceDot, GraphvizAcceptsTheOutput) {
  if (!on_path("dot")) GTEST_SKIP() << "graphviz `dot` is not on PATH";
  TempDir dir;
  for (const auto& [name, hops] : std::vector<std::pair<std::string, std::vector<Hop>>>{
           {"fixture", trace_of(pass_tree())},
           {"mutant", mutant_trace("route-stream-absent")},
           {"hostile", hostile_hops()},
           {"hostile-source", hostile_source_trace()}}) {
    write_text(dir / (name + ".dot"), render(hops, TraceFormat::Dot));
    ProcessOutput r = run_program({"dot", "-Tsvg", (dir / (name + ".dot")).string()});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("<svg"), std::string::npos) << name;
  }
}

// Mermaid's own parser, when a directory with node_modules/mermaid is named by
// V15CHECK_MERMAID_DIR (it is not a build dependency).
TEST(FlowTraceMermaid, MermaidParserAcceptsTheOutput) {
  const char* mm = std::getenv("V15CHECK_MERMAID_DIR");
  if (!mm || !*mm || !on_path("node"))
    GTEST_SKIP() << "set V15CHECK_MERMAID_DIR to a directory with node_modules/mermaid to run";
  TempDir dir;
  for (const auto& [name, hops] : std::vector<std::pair<std::string, std::vector<Hop>>>{
           {"fixture", trace_of(pass_tree())},
           {"mutant", mutant_trace("route-stream-absent")},
           {"hostile", hostile_hops()},
           {"hostile-source", hostile_source_trace()}}) {
    write_text(dir / (name + ".mmd"), render(hops, TraceFormat::Mermaid));
    const std::string script =
        "import mermaid from 'mermaid'; import fs from 'fs';"
        "const r = await mermaid.parse(fs.readFileSync(process.argv[1], 'utf8'));"
        "if (!r || r.diagramType !== 'sequence') process.exit(3);";
    RunOptions opts;
    opts.cwd = mm;
    ProcessOutput r = run_program(
        {"node", "--input-type=module", "-e", script, (dir / (name + ".mmd")).string()}, opts);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err << r.out;
  }
}

// -- CLI ----------------------------------------------------------------------------------------

TEST(FlowTraceCli, TracePrecedesTheReportAndKeepsTheExitStatus) {
  std::string root = (fixtures_dir() / "v15-pass").string();
  ProcessOutput ok = run_cli({root, "--trace", "--ascii"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto trace_at = ok.out.find("V1.5 flow trace:");
  auto report_at = ok.out.find("Result:");
  ASSERT_NE(trace_at, std::string::npos) << ok.out;
  ASSERT_NE(report_at, std::string::npos) << ok.out;
  EXPECT_LT(trace_at, report_at);
  EXPECT_EQ(ok.out.find("✓ "), std::string::npos);  // --ascii: no UTF-8 marks in the trace

  ProcessOutput mm = run_cli({root, "--trace-format", "mermaid"});
  EXPECT_EQ(mm.exit_code, 0);
  EXPECT_EQ(mm.out.rfind("sequenceDiagram\n", 0), 0u) << mm.out;

  ProcessOutput bad = run_cli({root, "--trace-format", "svg"});
  EXPECT_EQ(bad.exit_code, 2);

  TempDir dir;
  auto files = pass_tree();
  files.erase("src/utils/jwt.ts");
  write_tree(dir.path(), files);
  ProcessOutput fail = run_cli({dir.path().string(), "--trace", "--trace-format", "dot"});
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_NE(fail.out.find("color=red"), std::string::npos) << fail.out;
}

TEST(FlowTraceCli, NonUtf8LocaleFallsBackToAscii) {
  std::string root = (fixtures_dir() / "v15-pass").string();
  RunOptions opts;
  opts.env = {{"LC_ALL", "C"}};
  ProcessOutput r = run_cli({root, "--trace", "--check", "route.chat-endpoint"}, opts);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("[ok]"), std::string::npos) << r.out;
  // the trace judges every hop even when the report is narrowed
  std::size_t n = trace_of(pass_tree()).size();
  EXPECT_NE(r.out.find(fmt::format("{0}/{0} hops found", n)), std::string::npos) << r.out;
}

}  // namespace
}  // namespace v15::testing
