// --trace when redirected: a graph trace format owns stdout (a document `dot` and `mmdc` read
// as is), the report goes only to -o, the exit status still follows the checks; hops are shown
// as suppressed or differing rather than missing; DOT labels never overlap once rendered.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "cli_support.h"
#include "fixture_support.h"
#include "v15check/trace.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

const char* const kDo = "src/agents/chat-session-agent.ts";
const char* const kFiveMinutes = "BRIDGE_TIMEOUT_MS = 5 * 60 * 1000";
const char* const kTenMinutes = "BRIDGE_TIMEOUT_MS = 10 * 60 * 1000";

std::map<std::string, std::string> ten_minute_bridge() {
  auto files = pass_tree();
  EXPECT_EQ(v15::testing::apply(files, {{kDo, kFiveMinutes, kTenMinutes, {}, false}}), "");
  return files;
}

std::vector<Hop> trace_of(const std::map<std::string, std::string>& files,
                          const Config& config = Config{}) {
  static const Registry registry = default_registry();
  MemoryReader reader(files, "fixture");
  Project project(load_sources(reader, config.paths), config);
  return build_trace(project, run_checks(registry, project, Selection{}));
}

const Hop* hop_with(const std::vector<Hop>& hops, std::string_view id) {
  for (const Hop& h : hops)
    if (std::find(h.check_ids.begin(), h.check_ids.end(), id) != h.check_ids.end()) return &h;
  return nullptr;
}

// -- hop states ---------------------------------------------------------------------------------

TEST(FlowTraceStates, AnotherValueDiffersItIsNotMissing) {
  auto hops = trace_of(ten_minute_bridge());
  const Hop* bridge = hop_with(hops, "do.chat-bridge-timeout");
  ASSERT_NE(bridge, nullptr);
  EXPECT_FALSE(bridge->found);
  EXPECT_EQ(bridge->state, HopState::Differs);
  for (const Hop& h : hops) {
    if (&h != bridge) {
      EXPECT_EQ(h.state, HopState::Found) << h.label;
    }
  }

  std::ostringstream text;
  write_trace(text, hops, TraceFormat::Text, true, false);
  EXPECT_NE(text.str().find("[DIFFERS]"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("differs: do.chat-bridge-timeout"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("[MISSING]"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find(", 1 differs"), std::string::npos) << text.str();
  std::ostringstream mermaid;
  write_trace(mermaid, hops, TraceFormat::Mermaid, false, false);
  EXPECT_NE(mermaid.str().find("Note over ChatSessionAgent: DIFFERS: do.chat-bridge-timeout"),
            std::string::npos)
      << mermaid.str();
  EXPECT_EQ(mermaid.str().find("MISSING"), std::string::npos);
}

TEST(FlowTraceStates, MissingCodeIsStillMissing) {
  // the Durable Object file is gone: its hops are missing, not different
  auto files = ten_minute_bridge();
  files.erase(kDo);
  auto hops = trace_of(files);
  const Hop* bridge = hop_with(hops, "do.chat-bridge-timeout");
  ASSERT_NE(bridge, nullptr);
  EXPECT_EQ(bridge->state, HopState::Missing);
  const Hop* browser = hop_with(hops, "route.chat-endpoint");
  ASSERT_NE(browser, nullptr);
  EXPECT_EQ(browser->state, HopState::Found);
}

TEST(FlowTraceStates, ASuppressedFailShowsAsSuppressed) {
  Config config;
  config.disable.push_back({"do.chat-bridge-timeout", "product wants 10 minutes", 0, 0});
  auto hops = trace_of(ten_minute_bridge(), config);
  const Hop* bridge = hop_with(hops, "do.chat-bridge-timeout");
  ASSERT_NE(bridge, nullptr);
  EXPECT_TRUE(bridge->found);
  EXPECT_EQ(bridge->state, HopState::Suppressed);
  EXPECT_EQ(bridge->suppressed_ids, std::vector<std::string>{"do.chat-bridge-timeout"});
  std::ostringstream text, dot;
  write_trace(text, hops, TraceFormat::Text, true, false);
  EXPECT_NE(text.str().find("[SUPPRESSED]"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("suppressed: do.chat-bridge-timeout"), std::string::npos);
  write_trace(dot, hops, TraceFormat::Dot, false, false);
  EXPECT_NE(dot.str().find("SUPPRESSED: do.chat-bridge-timeout"), std::string::npos) << dot.str();
}

// -- redirected output --------------------------------------------------------------------------

TEST(CliTraceRedirect, DotOnStdoutIsAGraphvizDocument) {
  std::string root = (fixtures_dir() / "v15-pass").string();
  ProcessOutput r = run_cli({root, "--trace", "--trace-format", "dot"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("digraph v15_flow {\n", 0), 0u) << r.out;
  ASSERT_GE(r.out.size(), 2u);
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n") << r.out;  // nothing after the graph
  EXPECT_EQ(r.out.find("Result:"), std::string::npos);
  // the summary goes to stderr, so a redirected run still says how it went
  const std::string n = std::to_string(default_registry().checks().size());
  EXPECT_NE(r.err.find(n + " checks, " + n + " passed, 0 failed"), std::string::npos) << r.err;
  if (!on_path("dot")) GTEST_SKIP() << "graphviz `dot` is not on PATH";
  TempDir dir;
  write_text(dir / "flow.dot", r.out);
  ProcessOutput svg = run_program({"dot", "-Tsvg", (dir / "flow.dot").string()});
  EXPECT_EQ(svg.exit_code, 0) << svg.err;
  EXPECT_NE(svg.out.find("<svg"), std::string::npos);
  EXPECT_EQ(svg.err, "");  // no syntax warning either
}

TEST(CliTraceRedirect, MermaidOnStdoutHoldsOnlyTheDiagramAndTheExitStatusFollowsTheChecks) {
  TempDir dir;
  write_tree(dir.path(), ten_minute_bridge());
  ProcessOutput r = run_cli({dir.path().string(), "--trace-format", "mermaid"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the FAIL still fails the run
  EXPECT_EQ(r.out.rfind("sequenceDiagram\n", 0), 0u) << r.out;
  // the diagram ends the output: its closing `end`, then nothing
  ASSERT_GE(r.out.size(), 8u);
  EXPECT_EQ(r.out.substr(r.out.size() - 8), "    end\n") << r.out;
  EXPECT_EQ(r.out.find("FAIL:"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 failed"), std::string::npos) << r.err;
}

TEST(CliTraceRedirect, TheReportGoesToOutputWhenAsked) {
  TempDir dir;
  write_tree(dir.path(), ten_minute_bridge());
  fs::path report = dir / "report.json";
  ProcessOutput r = run_cli(
      {dir.path().string(), "--trace-format", "dot", "--format", "json", "-o", report.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.rfind("digraph", 0), 0u) << r.out;
  std::string json = read_file(report);
  EXPECT_NE(json.find("\"do.chat-bridge-timeout\""), std::string::npos) << json;
  // a machine report without -o would have to share stdout with the graph: refused
  ProcessOutput clash = run_cli({dir.path().string(), "--trace-format", "dot", "--format", "json"});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_EQ(clash.out, "");
  EXPECT_NE(clash.err.find("v15check: error: --trace-format dot writes the graph to stdout"),
            std::string::npos)
      << clash.err;
}

TEST(CliTraceRedirect, TheTextTraceStillPrecedesTheReport) {
  std::string root = (fixtures_dir() / "v15-pass").string();
  ProcessOutput r = run_cli({root, "--trace", "--ascii", "--color", "never"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.out.find("V1.5 flow trace:"), r.out.find("Result:"));
}

// -- rendered labels ----------------------------------------------------------------------------

struct TextBox {
  double left, right, top, bottom;
  std::string text;
};

// The <text> elements of a Graphviz SVG with an estimate of their extent: Helvetica averages
// above 0.5 em per character, so 0.45 em under-estimates the width and only a real overlap counts.
std::vector<TextBox> text_boxes(const std::string& svg) {
  static const std::regex element(
      R"re(<text text-anchor="(start|middle|end)" x="([-0-9.]+)" y="([-0-9.]+)"[^>]*font-size="([0-9.]+)"[^>]*>([^<]*)</text>)re");
  std::vector<TextBox> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), element);
       it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    double x = std::stod(m[2]), y = std::stod(m[3]), size = std::stod(m[4]);
    std::string text = m[5];
    std::size_t chars = 0;
    for (char c : text)
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    double w = 0.45 * size * static_cast<double>(chars);
    double left = m[1] == "start" ? x : m[1] == "middle" ? x - w / 2 : x - w;
    out.push_back({left, left + w, y - 0.7 * size, y + 0.1 * size, text});
  }
  return out;
}

bool overlaps(const TextBox& a, const TextBox& b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

void expect_no_overlap(const std::string& name, const std::string& dot_source) {
  TempDir dir;
  write_text(dir / "flow.dot", dot_source);
  ProcessOutput svg = run_program({"dot", "-Tsvg", (dir / "flow.dot").string()});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  auto boxes = text_boxes(svg.out);
  ASSERT_GT(boxes.size(), 20u) << name << svg.out;
  for (std::size_t i = 0; i < boxes.size(); ++i)
    for (std::size_t k = i + 1; k < boxes.size(); ++k) {
      EXPECT_FALSE(overlaps(boxes[i], boxes[k]))
          << name << ": \"" << boxes[i].text << "\" overlaps \"" << boxes[k].text << "\"";
    }
}

TEST(CliTraceRedirect, RenderedLabelsDoNotOverlap) {
  if (!on_path("dot")) GTEST_SKIP() << "graphviz `dot` is not on PATH";
  std::ostringstream pass, differs;
  write_trace(pass, trace_of(pass_tree()), TraceFormat::Dot, false, false);
  write_trace(differs, trace_of(ten_minute_bridge()), TraceFormat::Dot, false, false);
  expect_no_overlap("fixture", pass.str());
  expect_no_overlap("ten-minute bridge", differs.str());
}

TEST(CliTraceRedirect, TheOverlapCheckSeesOverlappingText) {
  // the measure itself: two labels drawn at one place overlap, two lines of one label do not
  const std::string svg =
      R"(<text text-anchor="middle" x="100" y="-50" font-family="Helvetica" font-size="10.00">)"
      R"(4. fetch() routes POST /chat</text>)"
      "\n"
      R"(<text text-anchor="middle" x="104" y="-47" font-family="Helvetica" font-size="10.00">)"
      R"(5. handleChatHttp()</text>)"
      "\n"
      R"(<text text-anchor="middle" x="100" y="-36" font-family="Helvetica" font-size="10.00">)"
      R"(src/agents/chat-session-agent.ts:120</text>)";
  auto boxes = text_boxes(svg);
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_TRUE(overlaps(boxes[0], boxes[1]));
  EXPECT_FALSE(overlaps(boxes[0], boxes[2]));
}

TEST(CliTraceRedirect, NoStepIsASelfLoop) {
  // graphviz stacks the self-loop labels of a node over the node, across its loops
  std::ostringstream dot;
  write_trace(dot, trace_of(pass_tree()), TraceFormat::Dot, false, false);
  static const std::regex edge(R"re(^  "([^"]+)" -> "([^"]+)")re");
  std::istringstream lines(dot.str());
  std::size_t edges = 0;
  for (std::string l; std::getline(lines, l);) {
    std::smatch m;
    if (!std::regex_search(l, m, edge)) continue;
    ++edges;
    EXPECT_NE(m[1].str(), m[2].str()) << l;
  }
  EXPECT_EQ(edges, trace_of(pass_tree()).size());
}

}  // namespace
}  // namespace v15::testing
