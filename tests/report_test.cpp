// Reporters on hostile input: text copied from checked code (ANSI escapes, newlines, `::`,
// `]]>`, quotes, invalid UTF-8, XML-forbidden characters) must not break any format's syntax.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "fixture_support.h"
#include "v15check/report.h"
#include "xml_check.h"

namespace v15::testing {
namespace {

const std::string kHostile =
    "evil\x1b[31mRED\x1b[0m\n::error file=x.ts,line=1::injected\r\n%0A ]]> <b>&amp;\"q\" 'a' "
    "\xff\xfe bad \xef\xbf\xbf \x01\x02\x7f \xc2\x9b csi \xe2\x80\xae rtl, a:b";

Check make_check(std::string id, Group group, std::string title, std::string expected) {
  Check c;
  c.id = std::move(id);
  c.group = group;
  c.title = std::move(title);
  c.expected = std::move(expected);
  c.passes_when = "p";
  c.fails_when = "f";
  return c;
}

Finding make_finding(FindingSeverity severity, std::string_view rule, int line,
                     std::string message) {
  Finding f;
  f.severity = severity;
  f.rule = std::string(rule);
  f.location = {"src/b.ts", line, 0};
  f.message = std::move(message);
  return f;
}

struct Fixture {
  Check pass_check, fail_check, suppressed_check, disabled_check;
  std::vector<Result> results;
  ReportOptions options;
  Fixture() {
    pass_check = make_check("route.chat-endpoint", Group::Routes, "route exists", "a route");
    fail_check = make_check("do.chat-dispatch", Group::DurableObject, "dispatch is fire-and-forget",
                            "a .catch");
    suppressed_check = fail_check;
    suppressed_check.id = "do.chat-user-guard";
    disabled_check = fail_check;
    disabled_check.id = "jwt.expiry";
    disabled_check.group = Group::Jwt;
    Evidence evidence;
    evidence.location = {"src/a.ts", 7, 0};
    evidence.note = "evidence " + kHostile;
    Outcome fail = Outcome::fail({"src/we ird#?%.ts", 42, 3}, kHostile, {evidence});
    Outcome suppressed = Outcome::fail({"src/a.ts", 9, 0}, "found");
    suppressed.status = Status::Suppressed;
    suppressed.suppression_reason = "reason " + kHostile;
    suppressed.suppressed_at = {"src/a.ts", 8, 0};
    Outcome disabled;
    disabled.status = Status::Suppressed;
    disabled.location = {"src/utils/jwt.ts", 0, 0};
    disabled.suppression_reason = "off";
    results = {{&pass_check, Outcome::pass({"src/index.ts", 3, 0}, "ok " + kHostile)},
               {&fail_check, fail},
               {&suppressed_check, suppressed},
               {&disabled_check, disabled}};
    options.root = "/tmp/root " + kHostile;
    options.findings.push_back(
        make_finding(FindingSeverity::Error, kInvalidDirectiveRule, 4, "no reason " + kHostile));
    options.findings.push_back(
        make_finding(FindingSeverity::Warning, kUnusedDirectiveRule, 6, "unused " + kHostile));
  }
  std::string render(Format f) const {
    std::ostringstream out;
    write_report(out, f, results, options);
    return out.str();
  }
};

bool has_raw_controls(std::string_view s, bool allow_newline) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && !(allow_newline && c == '\n')) || c == 0x7F) return true;
  }
  return s.find("\xc2\x9b") != std::string_view::npos;
}

TEST(TextReport, FormatIsTheChecklists) {
  Check a = make_check("route.chat-endpoint", Group::Routes, "POST /api/v15/chat route exists",
                       "a handler");
  Check b = a;
  b.id = "route.stream-endpoint";
  b.title = "POST /internal/stream route exists";
  std::vector<Result> results = {{&a, Outcome::pass({"src/index.ts", 3, 0}, "ok")},
                                 {&b, Outcome::fail({"src/index.ts", 12, 0}, "no route")}};
  std::ostringstream out;
  write_text(out, results, ReportOptions{});
  EXPECT_EQ(out.str(),
            "V1.5 Integration Test Report\n"
            "═════════════════════════════\n\n"
            "Route Registration:     [1/2 PASS]\n\n"
            "Result: 1 FAILURE FOUND\n\n"
            "FAIL: POST /internal/stream route exists [route.stream-endpoint]\n"
            "  File: src/index.ts:12\n"
            "  Expected: a handler\n"
            "  Found: no route\n");
}

TEST(TextReport, HostileTextStaysOnItsLine) {
  Fixture f;
  std::string text = f.render(Format::Text);
  EXPECT_FALSE(has_raw_controls(text, true));
  EXPECT_EQ(text.find("\n::"), std::string::npos);
  EXPECT_NE(text.find("ChatSessionAgent DO:    [0/1 PASS] (1 suppressed)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("JWT Utils:              [0/0 PASS] (1 suppressed)"), std::string::npos)
      << text;
  // One FAIL check and one directive error.
  EXPECT_NE(text.find("Result: 2 FAILURES FOUND"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL: invalid suppression directive [v15check/invalid-directive]"),
            std::string::npos);
  EXPECT_NE(text.find("WARNING: unused suppression directive [v15check/unused-directive]"),
            std::string::npos);
  f.options.verbose = true;
  text = f.render(Format::Text);
  EXPECT_NE(text.find("SUPPRESSED: dispatch is fire-and-forget [do.chat-user-guard]"),
            std::string::npos);
  EXPECT_NE(text.find("By: directive at src/a.ts:8"), std::string::npos);
  EXPECT_NE(text.find("By: the config's \"disable\" list"), std::string::npos);
  EXPECT_FALSE(has_raw_controls(text, true));
}

TEST(JsonReport, ParsesBackWithEveryField) {
  Fixture f;
  f.options.source = "revision";
  f.options.revision = "HEAD~1";
  f.options.commit = "0123456789abcdef0123456789abcdef01234567";
  auto doc = nlohmann::json::parse(f.render(Format::Json));
  EXPECT_EQ(doc.at("schemaVersion"), kJsonSchemaVersion);
  EXPECT_EQ(doc.at("source"), "revision");
  EXPECT_EQ(doc.at("revision"), "HEAD~1");
  EXPECT_EQ(doc.at("commit"), f.options.commit);
  EXPECT_EQ(doc.at("summary").at("failed"), 1);
  EXPECT_EQ(doc.at("summary").at("suppressed"), 2);
  EXPECT_EQ(doc.at("summary").at("directiveErrors"), 1);
  EXPECT_EQ(doc.at("summary").at("warnings"), 1);
  const auto& checks = doc.at("checks");
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_EQ(checks[1].at("status"), "FAIL");
  std::string found = checks[1].at("found");
  EXPECT_NE(found.find("\x1b[31m"), std::string::npos);      // kept as data, escaped by JSON
  EXPECT_NE(found.find("\xEF\xBF\xBD"), std::string::npos);  // invalid bytes replaced
  EXPECT_EQ(checks[2].at("suppression").at("kind"), "inline");
  EXPECT_EQ(checks[2].at("suppression").at("location").at("line"), 8);
  EXPECT_EQ(checks[3].at("suppression").at("kind"), "config");
  EXPECT_EQ(doc.at("directives").size(), 2u);
  EXPECT_EQ(doc.at("directives")[0].at("severity"), "error");
}

TEST(JsonReport, SchemaDocumentNamesTheFields) {
  auto schema = nlohmann::json::parse(read_file(source_dir() / "docs" / "report.schema.json"));
  EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema.at("properties").at("schemaVersion").at("const"), kJsonSchemaVersion);
  Fixture f;
  auto doc = nlohmann::json::parse(f.render(Format::Json));
  for (const auto& [key, _] : doc.items())
    EXPECT_TRUE(schema.at("properties").contains(key)) << key << " is not documented";
  for (const auto& req : schema.at("required"))
    EXPECT_TRUE(doc.contains(req.get<std::string>())) << req;
  const auto& check_props = schema.at("$defs").at("check").at("properties");
  for (const auto& c : doc.at("checks"))
    for (const auto& [key, _] : c.items()) EXPECT_TRUE(check_props.contains(key)) << key;
}

TEST(SarifReport, ParsesBackAndCarriesWhatCodeScanningNeeds) {
  Fixture f;
  f.options.root_uri = file_uri("/tmp/my root");
  auto doc = nlohmann::json::parse(f.render(Format::Sarif));
  EXPECT_EQ(doc.at("version"), "2.1.0");
  EXPECT_NE(doc.at("$schema").get<std::string>().find("sarif-schema-2.1.0"), std::string::npos);
  const auto& run = doc.at("runs").at(0);
  const auto& driver = run.at("tool").at("driver");
  EXPECT_EQ(driver.at("name"), "v15check");
  EXPECT_FALSE(driver.at("version").get<std::string>().empty());
  // no address is invented: informationUri appears only when the build or the caller sets one
  EXPECT_EQ(driver.contains("informationUri"), !f.options.information_uri.empty());
  {
    auto with = f;
    with.options.information_uri = "https://example.invalid/v15check";
    auto d = nlohmann::json::parse(with.render(Format::Sarif));
    EXPECT_EQ(d.at("runs").at(0).at("tool").at("driver").at("informationUri"),
              "https://example.invalid/v15check");
  }
  const auto& rules = driver.at("rules");
  std::vector<std::string> rule_ids;
  for (const auto& r : rules) {
    rule_ids.push_back(r.at("id"));
    EXPECT_FALSE(r.at("shortDescription").at("text").get<std::string>().empty());
    EXPECT_FALSE(r.at("fullDescription").at("text").get<std::string>().empty());
    EXPECT_FALSE(r.at("help").at("text").get<std::string>().empty());
  }
  EXPECT_EQ(rules[0].at("shortDescription").at("text"), "route exists");
  EXPECT_EQ(run.at("originalUriBaseIds").at("%SRCROOT%").at("uri"), "file:///tmp/my%20root/");
  const auto& results = run.at("results");
  // the FAIL, the inline-suppressed FAIL, the two directive findings; the disabled check is a
  // rule configuration override instead.
  ASSERT_EQ(results.size(), 4u);
  for (const auto& r : results) {
    int index = r.at("ruleIndex");
    ASSERT_LT(static_cast<std::size_t>(index), rule_ids.size());
    EXPECT_EQ(rule_ids[static_cast<std::size_t>(index)], r.at("ruleId"));
    const auto& loc = r.at("locations").at(0).at("physicalLocation");
    EXPECT_EQ(loc.at("artifactLocation").at("uriBaseId"), "%SRCROOT%");
    EXPECT_GE(loc.at("region").at("startLine").get<int>(), 1);
    EXPECT_FALSE(r.at("partialFingerprints").at("v15check/v1").get<std::string>().empty());
    EXPECT_FALSE(has_raw_controls(r.at("message").at("text").get<std::string>(), false));
  }
  EXPECT_EQ(results[0].at("ruleId"), "do.chat-dispatch");
  EXPECT_EQ(results[0].at("level"), "error");
  EXPECT_EQ(results[0].at("locations")[0].at("physicalLocation").at("artifactLocation").at("uri"),
            "src/we%20ird%23%3F%25.ts");
  EXPECT_EQ(results[0].at("locations")[0].at("physicalLocation").at("region").at("startLine"), 42);
  EXPECT_EQ(results[1].at("suppressions")[0].at("kind"), "inSource");
  EXPECT_EQ(results[2].at("level"), "error");
  EXPECT_EQ(results[3].at("level"), "warning");
  const auto& overrides = run.at("invocations")[0].at("ruleConfigurationOverrides");
  ASSERT_EQ(overrides.size(), 1u);
  EXPECT_EQ(overrides[0].at("descriptor").at("id"), "jwt.expiry");
  EXPECT_EQ(overrides[0].at("configuration").at("enabled"), false);
}

TEST(SarifReport, FingerprintIgnoresLineNumbers) {
  Check c = make_check("do.x", Group::DurableObject, "t", "e");
  Result a{&c, Outcome::fail({"src/a.ts", 10, 0}, "timeout 600000 ms (line 219) at src/a.ts:219")};
  Result b{&c, Outcome::fail({"src/a.ts", 30, 0}, "timeout 600000 ms (line 239) at src/a.ts:239")};
  Result other_value{
      &c, Outcome::fail({"src/a.ts", 10, 0}, "timeout 900000 ms (line 219) at src/a.ts:219")};
  Result other_path{
      &c, Outcome::fail({"src/b.ts", 10, 0}, "timeout 600000 ms (line 219) at src/a.ts:219")};
  EXPECT_EQ(fingerprint(a), fingerprint(b));
  EXPECT_NE(fingerprint(a), fingerprint(other_value));
  EXPECT_NE(fingerprint(a), fingerprint(other_path));
  EXPECT_EQ(fingerprint(a).size(), 32u);
}

TEST(JunitReport, WellFormedOnHostileInput) {
  Fixture f;
  std::string xml = f.render(Format::Junit);
  EXPECT_EQ(xml_problem(xml), "") << xml;
  EXPECT_NE(xml.find("<testsuite name=\"ChatSessionAgent DO\" tests=\"2\" failures=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"ChatSessionAgent DO\" name=\"do.chat-dispatch dispatch is "
                     "fire-and-forget\""),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message="), std::string::npos);
  EXPECT_NE(xml.find("type=\"do.chat-dispatch\""), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"suppressed at src/a.ts:8"), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"disabled in the config: off\"/>"), std::string::npos);
  EXPECT_NE(xml.find("]]]]><![CDATA[>"), std::string::npos);  // the `]]>` of the Found text, split
  EXPECT_NE(xml.find("Suppression directives"), std::string::npos);
}

TEST(JunitReport, XmllintAgreesWhenInstalled) {
  if (run_program({"sh", "-c", "command -v xmllint"}).exit_code != 0)
    GTEST_SKIP() << "xmllint is not installed (Debian: libxml2-utils); the built-in check ran";
  Fixture f;
  RunOptions input;
  input.input = f.render(Format::Junit);
  ProcessOutput r = run_program({"xmllint", "--noout", "-"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Undoes the workflow-command escaping of a message.
std::string gh_unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      std::string code(s.substr(i, 3));
      if (code == "%25")
        out += '%';
      else if (code == "%0D")
        out += '\r';
      else if (code == "%0A")
        out += '\n';
      else if (code == "%3A")
        out += ':';
      else if (code == "%2C")
        out += ',';
      else {
        out += s[i];
        continue;
      }
      i += 2;
      continue;
    }
    out += s[i];
  }
  return out;
}

TEST(GithubReport, OneCommandPerLineAndNothingInjected) {
  Fixture f;
  std::string out = f.render(Format::Github);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  std::istringstream lines(out);
  std::string line;
  int errors = 0, notices = 0, warnings = 0;
  while (std::getline(lines, line)) {
    EXPECT_FALSE(has_raw_controls(line, false)) << line;
    if (line.rfind("::error ", 0) == 0)
      ++errors;
    else if (line.rfind("::notice ", 0) == 0)
      ++notices;
    else if (line.rfind("::warning ", 0) == 0)
      ++warnings;
    else
      EXPECT_EQ(line.rfind("v15check: ", 0), 0u) << "unexpected line: " << line;
    if (line.rfind("::", 0) != 0) continue;
    // properties: exactly the ones we wrote, no `::` inside them
    auto sep = line.find("::", 2);
    ASSERT_NE(sep, std::string::npos);
    std::string props = line.substr(line.find(' ') + 1, sep - line.find(' ') - 1);
    std::istringstream ps(props);
    std::string prop;
    while (std::getline(ps, prop, ',')) {
      std::string key = prop.substr(0, prop.find('='));
      EXPECT_TRUE(key == "file" || key == "line" || key == "title") << prop;
    }
  }
  EXPECT_EQ(errors, 2);  // the FAIL and the directive error
  EXPECT_EQ(notices, 2);
  EXPECT_EQ(warnings, 1);
  // The FAIL's message decodes back to the Expected and the sanitised Found lines.
  std::string first = out.substr(0, out.find('\n'));
  std::string message = gh_unescape(first.substr(first.find("::", 2) + 2));
  EXPECT_EQ(message, "Expected: a .catch\nFound: " + sanitize(kHostile));
  EXPECT_NE(first.find("file=src/we ird#?%25.ts,line=42,title=v15check do.chat-dispatch%3A "),
            std::string::npos)
      << first;
}

}  // namespace
}  // namespace v15::testing
