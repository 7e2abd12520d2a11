// Every output format against a table of hostile strings (controls, escape sequences, bidi and
// zero-width characters, broken UTF-8, workflow-command, Mermaid and DOT injections) planted in
// every field a check, the config or a path can fill: none reaches a human-readable output raw,
// the lines stay the lines of a harmless run, and the machine formats still parse.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "utf8_support.h"
#include "v15check/report.h"
#include "v15check/trace.h"
#include "xml_check.h"

namespace v15::testing {
namespace {

struct Hostile {
  std::string name, text;
};

std::string hex_name(const char* prefix, unsigned value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%04X", prefix, value);
  return buf;
}

const std::vector<Hostile>& hostile_table() {
  static const std::vector<Hostile> table = [] {
    std::vector<Hostile> t;
    for (unsigned c = 0; c < 0x20; ++c)
      t.push_back({hex_name("C0 U+", c), std::string(1, char(c))});
    t.push_back({"DEL", "\x7f"});
    for (char32_t cp : {0x80, 0x85, 0x8D, 0x90, 0x9B, 0x9D, 0x9F})
      t.push_back({hex_name("C1 U+", cp), utf8(cp)});
    t.push_back({"CSI colour", "\x1b[31mred\x1b[0m"});
    t.push_back({"clear screen", "\x1b[2J\x1b[H"});
    t.push_back({"OSC title", "\x1b]0;pwned\x07"});
    t.push_back({"OSC 8 link", "\x1b]8;;https://evil.invalid/\x1b\\click\x1b]8;;\x1b\\"});
    t.push_back({"C1 CSI sequence", utf8(0x9B) + "31m"});
    for (char32_t cp : {0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066,
                        0x2067, 0x2068, 0x2069})
      t.push_back({hex_name("bidi U+", cp), "abc" + utf8(cp) + "def"});
    for (char32_t cp : {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF})
      t.push_back({hex_name("zero-width U+", cp), "ad" + utf8(cp) + "min"});
    for (char32_t cp : {0x2028, 0x2029}) t.push_back({hex_name("separator U+", cp), utf8(cp)});
    t.push_back({"overlong 2", "\xc0\xaf"});
    t.push_back({"overlong 3", "\xe0\x80\xaf"});
    t.push_back({"overlong 4", "\xf0\x80\x80\xaf"});
    t.push_back({"overlong NUL", "\xc0\x80"});
    t.push_back({"truncated 3 at end", "x\xe2\x80"});
    t.push_back({"truncated 4 before ASCII", "\xf0\x9f\x98z"});
    t.push_back({"lone lead byte", "\xc3"});
    t.push_back({"stray continuation", "\x80\xbf"});
    t.push_back({"high surrogate", "\xed\xa0\x80"});
    t.push_back({"low surrogate", "\xed\xbf\xbf"});
    t.push_back({"surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80"});
    t.push_back({"above U+10FFFF", "\xf4\x90\x80\x80"});
    t.push_back({"0xFF 0xFE", "\xff\xfe"});
    t.push_back({"noncharacters", "\xef\xbf\xbe\xef\xbf\xbf"});
    t.push_back({"workflow command", "::error::injected"});
    t.push_back({"workflow command on a new line", "\n::error file=a.ts,line=1::injected"});
    t.push_back({"workflow command after CR", "\r::warning::x"});
    t.push_back({"stop-commands", "\n::stop-commands::tok"});
    t.push_back({"encoded newline", "%0A::error::x %0D %25"});
    t.push_back({"DOT attribute break", "\"]; evil [label=\"x"});
    t.push_back({"DOT edge", "\" -> \"evil"});
    t.push_back({"DOT escString", "\\N \\G \\l \\"});
    t.push_back({"Mermaid arrow", "-->"});
    t.push_back({"Mermaid message", "x\nBrowser-->>Worker: injected"});
    t.push_back({"Mermaid click", "\nclick Browser call alert(1)"});
    t.push_back({"Mermaid link", "; link Browser: x @ https://evil.invalid"});
    t.push_back({"Mermaid directive", "%%{init: {'theme':'dark'}}%%"});
    t.push_back({"Mermaid entity", "#59; #35;"});
    t.push_back({"HTML", "<script>alert(1)</script><br/>"});
    t.push_back({"CDATA end", "]]>"});
    t.push_back({"XML entity", "&amp; &#0; &#x1b;"});
    t.push_back({"quotes", "\"q\" 'a' `b`"});
    return t;
  }();
  return table;
}

// What no human-readable output may carry: invalid UTF-8, C0 controls (a newline only where the
// format's own lines are), DEL, C1, bidi, zero-width and separator characters, the noncharacters
// U+FFFE/U+FFFF. Empty when clean.
std::string unsafe_in(std::string_view s, bool allow_newline) {
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    auto at = [&](std::string what) { return what + " at byte " + std::to_string(i); };
    if (n == 0 || i + n > s.size()) return at("invalid UTF-8");
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return at("invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n - 1] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return at("invalid UTF-8");
    if (cp == '\n' && allow_newline) {
      i += n;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return at("control character");
    if (cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
        cp == 0x2060 || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0xFFFE ||
        cp == 0xFFFF)
      return at(hex_name("invisible U+", cp));
    i += n;
  }
  return {};
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

Check make_check(std::string id, Group group, std::string title) {
  Check c;
  c.id = std::move(id);
  c.group = group;
  c.title = std::move(title);
  c.expected = "an expectation";
  return c;
}

// Results and directive findings with `h` in every field that input can fill.
struct Planted {
  Check pass_check = make_check("route.chat-endpoint", Group::Routes, "route exists");
  Check fail_check = make_check("do.chat-dispatch", Group::DurableObject, "dispatch");
  Check inline_check = make_check("do.chat-user-guard", Group::DurableObject, "guard");
  Check disabled_check = make_check("jwt.expiry", Group::Jwt, "expiry");
  std::vector<Result> results;
  ReportOptions options;
  explicit Planted(const std::string& h) {
    std::string path = "src/<" + h + ">.ts";
    auto evidence = [&](int line, std::string note) {
      Evidence e;
      e.location = {path, line, 0};
      e.note = std::move(note);
      return std::vector<Evidence>{e};
    };
    Outcome fail =
        Outcome::fail({path, 42, 3}, "found <" + h + ">", evidence(7, "evidence <" + h + ">"));
    Outcome suppressed = Outcome::fail({path, 9, 0}, "found <" + h + ">");
    suppressed.status = Status::Suppressed;
    suppressed.suppression_reason = "reason <" + h + ">";
    suppressed.suppressed_at = {path, 8, 0};
    Outcome disabled;
    disabled.status = Status::Suppressed;
    disabled.location = {path, 0, 0};
    disabled.suppression_reason = "config reason <" + h + ">";
    results = {{&pass_check, Outcome::pass({path, 3, 0}, "ok <" + h + ">", evidence(4, h))},
               {&fail_check, fail},
               {&inline_check, suppressed},
               {&disabled_check, disabled}};
    options.verbose = true;
    options.root = "/tmp/<" + h + ">";
    options.revision = "rev<" + h + ">";
    auto finding = [&](FindingSeverity severity, std::string_view rule, int line,
                       std::string message) {
      Finding f;
      f.severity = severity;
      f.rule = std::string(rule);
      f.location = {path, line, 0};
      f.message = std::move(message);
      return f;
    };
    options.findings.push_back(finding(FindingSeverity::Error, kInvalidDirectiveRule, 4,
                                       "unknown check ID \"<" + h + ">\""));
    options.findings.push_back(
        finding(FindingSeverity::Warning, kUnusedDirectiveRule, 6, "unused <" + h + ">"));
  }
  std::string render(Format f) const {
    std::ostringstream out;
    write_report(out, f, results, options);
    return out.str();
  }
};

std::vector<Hop> planted_hops(const std::string& h) {
  std::vector<Hop> hops;
  Hop found;
  found.from = std::string(kBrowser);
  found.to = std::string(kWorker);
  found.label = "POST <" + h + ">";
  found.location = {"src/<" + h + ">.ts", 3, 0};
  found.found = true;
  found.check_ids = {"route.chat-endpoint"};
  hops.push_back(found);
  Hop missing = found;
  missing.from = std::string(kAgentDo);
  missing.to = std::string(kAgentDo);
  missing.found = false;
  missing.failed_ids = {"do.chat-dispatch"};
  hops.push_back(missing);
  Hop error = found;
  error.to = std::string(kBrowser);
  error.from = std::string(kAgentDo);
  error.error_path = true;
  error.location = {};
  hops.push_back(error);
  return hops;
}

std::string render_trace(const std::vector<Hop>& hops, TraceFormat f) {
  std::ostringstream out;
  write_trace(out, hops, f, false, false);
  return out.str();
}

const std::string kHarmless = "harmless";

TEST(HostileText, TextReportShowsEveryStringEscapedOnItsOwnLine) {
  std::size_t lines = lines_of(Planted(kHarmless).render(Format::Text)).size();
  for (const Hostile& h : hostile_table()) {
    std::string out = Planted(h.text).render(Format::Text);
    EXPECT_EQ(unsafe_in(out, true), "") << h.name;
    EXPECT_EQ(lines_of(out).size(), lines) << h.name << "\n" << out;
    EXPECT_NE(out.find("  Found: found <" + sanitize(h.text) + ">\n"), std::string::npos) << h.name;
    EXPECT_NE(out.find("  Reason: reason <" + sanitize(h.text) + ">\n"), std::string::npos)
        << h.name;
  }
}

TEST(HostileText, GithubCommandsStayOneCommandPerLine) {
  std::size_t lines = lines_of(Planted(kHarmless).render(Format::Github)).size();
  for (const Hostile& h : hostile_table()) {
    std::string out = Planted(h.text).render(Format::Github);
    EXPECT_EQ(unsafe_in(out, true), "") << h.name;
    auto ls = lines_of(out);
    EXPECT_EQ(ls.size(), lines) << h.name << "\n" << out;
    for (const std::string& l : ls) {
      bool command = l.rfind("::error ", 0) == 0 || l.rfind("::notice ", 0) == 0 ||
                     l.rfind("::warning ", 0) == 0;
      EXPECT_TRUE(command || l.rfind("v15check: ", 0) == 0) << h.name << ": " << l;
      if (!command) continue;
      // the properties end at the first `::`; only file, line and title are there
      std::size_t space = l.find(' '), end = l.find("::", 2);
      ASSERT_NE(end, std::string::npos) << l;
      std::istringstream props(l.substr(space + 1, end - space - 1));
      for (std::string p; std::getline(props, p, ',');) {
        std::string key = p.substr(0, p.find('='));
        EXPECT_TRUE(key == "file" || key == "line" || key == "title") << h.name << ": " << l;
        EXPECT_EQ(p.find(':'), std::string::npos) << h.name << ": " << l;
      }
      // workflow-command data: no raw CR/LF (checked above) and every % is an escape we wrote
      for (std::size_t i = l.find('%'); i != std::string::npos; i = l.find('%', i + 1)) {
        std::string code = l.substr(i, 3);
        EXPECT_TRUE(code == "%25" || code == "%0A" || code == "%0D" || code == "%3A" ||
                    code == "%2C")
            << h.name << ": " << l;
      }
    }
  }
}

TEST(HostileText, JsonAndSarifParseBackWithTheData) {
  for (const Hostile& h : hostile_table()) {
    Planted p(h.text);
    std::string json = p.render(Format::Json);
    EXPECT_EQ(unsafe_in(json, true), "") << h.name;  // invisible characters as \uXXXX
    nlohmann::json doc;
    ASSERT_NO_THROW(doc = nlohmann::json::parse(json)) << h.name;
    // the value is kept as data: exact when it is valid UTF-8, else with U+FFFD per bad byte
    EXPECT_EQ(doc.at("checks").at(1).at("found").get<std::string>(),
              valid_utf8("found <" + h.text + ">"))
        << h.name;
    EXPECT_EQ(doc.at("checks").at(1).at("location").at("path").get<std::string>(),
              valid_utf8("src/<" + h.text + ">.ts"))
        << h.name;

    std::string sarif = p.render(Format::Sarif);
    EXPECT_EQ(unsafe_in(sarif, true), "") << h.name;
    nlohmann::json s;
    ASSERT_NO_THROW(s = nlohmann::json::parse(sarif)) << h.name;
    std::string message =
        s.at("runs").at(0).at("results").at(0).at("message").at("text").get<std::string>();
    EXPECT_NE(message.find("found <" + sanitize(h.text) + ">"), std::string::npos) << h.name;
  }
}

TEST(HostileText, JunitIsWellFormedXml) {
  bool xmllint = run_program({"sh", "-c", "command -v xmllint"}).exit_code == 0;
  for (const Hostile& h : hostile_table()) {
    std::string xml = Planted(h.text).render(Format::Junit);
    EXPECT_EQ(xml_problem(xml), "") << h.name << "\n" << xml;
    EXPECT_EQ(unsafe_in(xml, true), "") << h.name;
    if (xmllint) {
      RunOptions input;
      input.input = xml;
      EXPECT_EQ(run_program({"xmllint", "--noout", "-"}, input).exit_code, 0) << h.name;
    }
  }
}

TEST(HostileText, TraceFormatsKeepTheirLinesAndSyntax) {
  std::vector<Hop> harmless = planted_hops(kHarmless);
  for (const Hostile& h : hostile_table()) {
    std::vector<Hop> hops = planted_hops(h.text);
    for (TraceFormat f : {TraceFormat::Text, TraceFormat::Mermaid, TraceFormat::Dot}) {
      std::string out = render_trace(hops, f);
      EXPECT_EQ(unsafe_in(out, true), "") << h.name << " format " << static_cast<int>(f);
      EXPECT_EQ(lines_of(out).size(), lines_of(render_trace(harmless, f)).size()) << h.name << "\n"
                                                                                  << out;
    }
    for (const std::string& l : lines_of(render_trace(hops, TraceFormat::Mermaid))) {
      auto colon = l.find(": ");
      if (colon == std::string::npos) continue;
      std::string text = l.substr(colon + 2);
      for (std::size_t i = 0; i < text.size(); ++i) {  // every '#' opens an entity we wrote
        if (text[i] != '#') continue;
        std::size_t end = text.find(';', i);
        ASSERT_NE(end, std::string::npos) << h.name << ": " << l;
        for (std::size_t k = i + 1; k < end; ++k)
          EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(text[k]))) << h.name << ": " << l;
        i = end;
      }
      for (std::string_view bad : {">", "<", "\"", "%", "`", "{", "}", "&"})
        EXPECT_EQ(text.find(bad), std::string::npos) << h.name << ": " << l;
    }
    for (const std::string& l : lines_of(render_trace(hops, TraceFormat::Dot))) {
      std::size_t quotes = 0;  // quotes balance once escaped characters are skipped
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (l[i] == '\\') {
          ++i;
          continue;
        }
        if (l[i] == '"') ++quotes;
      }
      EXPECT_EQ(quotes % 2, 0u) << h.name << ": " << l;
    }
  }
}

bool charset_warning(const std::string& err) {
  return err.find("UTF8") != std::string::npos || err.find("UTF-8") != std::string::npos ||
         err.find("Latin") != std::string::npos;
}

TEST(HostileText, GraphvizReadsEveryTraceWithoutComplaint) {
  if (run_program({"sh", "-c", "command -v dot"}).exit_code != 0)
    GTEST_SKIP() << "graphviz `dot` is not installed";
  TempDir dir;
  // one graph holding every hostile string, then the strings one by one where it fails
  std::vector<Hop> all;
  for (const Hostile& h : hostile_table())
    for (Hop& hop : planted_hops(h.text)) all.push_back(std::move(hop));
  write_text(dir / "all.dot", render_trace(all, TraceFormat::Dot));
  ProcessOutput r = run_program({"dot", "-Tsvg", (dir / "all.dot").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // graphviz warns "Invalid 2-byte UTF8 found in input … treated as Latin-1" on invalid UTF-8;
  // other warnings (fonts) depend on the machine
  EXPECT_FALSE(charset_warning(r.err)) << r.err;
  EXPECT_NE(r.out.find("<svg"), std::string::npos);
  if (r.exit_code == 0 && !charset_warning(r.err)) return;
  for (const Hostile& h : hostile_table()) {
    write_text(dir / "one.dot", render_trace(planted_hops(h.text), TraceFormat::Dot));
    ProcessOutput one = run_program({"dot", "-Tsvg", (dir / "one.dot").string()});
    EXPECT_EQ(one.exit_code, 0) << h.name << ": " << one.err;
    EXPECT_FALSE(charset_warning(one.err)) << h.name << ": " << one.err;
  }
}

}  // namespace
}  // namespace v15::testing
