#include "v15check/report.h"

#include <fmt/format.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "v15check/baseline.h"
#include "v15check/config.h"

namespace v15 {

Counts count(const std::vector<Result>& results) {
  Counts c;
  for (const auto& r : results) {
    switch (r.outcome.status) {
      case Status::Pass:
        ++c.passed;
        break;
      case Status::Fail:
        ++c.failed;
        break;
      case Status::Suppressed:
        ++c.suppressed;
        break;
      case Status::Baselined:
        ++c.baselined;
        break;
    }
  }
  return c;
}

int exit_status(const std::vector<Result>& results) { return count(results).failed > 0 ? 1 : 0; }

int exit_status(const std::vector<Result>& results, const std::vector<Finding>& findings) {
  return count(results).failed > 0 || count_errors(findings) > 0 ? 1 : 0;
}

std::optional<Format> format_from_name(std::string_view name) {
  if (name == "text") return Format::Text;
  if (name == "json") return Format::Json;
  if (name == "sarif") return Format::Sarif;
  if (name == "junit") return Format::Junit;
  if (name == "github") return Format::Github;
  if (name == "compact") return Format::Compact;
  return std::nullopt;
}

namespace {

std::string where(const Location& l) {
  if (l.path.empty()) return "?";
  return l.line > 0 ? fmt::format("{}:{}", sanitize(l.path), l.line) : sanitize(l.path);
}

constexpr std::string_view kDirectiveForm =
    "// v15check-disable-next-line <id>[, <id>…] -- <reason>";

bool inline_suppressed(const Outcome& o) {
  return o.status == Status::Suppressed && o.suppressed_at.known();
}

// What a warning finding is about, for titles.
}  // namespace

std::string summary_line(const std::vector<Result>& results, const std::vector<Finding>& findings) {
  Counts c = count(results);
  int errors = count_errors(findings);
  int warnings = static_cast<int>(findings.size()) - errors;
  std::string line = fmt::format("{} checks, {} passed, {} failed", c.total(), c.passed, c.failed);
  if (c.suppressed) line += fmt::format(", {} suppressed", c.suppressed);
  if (c.baselined) line += fmt::format(", {} baselined", c.baselined);
  if (errors) line += fmt::format(", {} directive error{}", errors, errors == 1 ? "" : "s");
  if (warnings) line += fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s");
  return line;
}

// -- text -----------------------------------------------------------------------------------------

namespace {

// A Found text past this many columns that lists items ("a; b; c") is written one item per line.
constexpr std::size_t kFoundWidth = 100;

// `found` (already sanitized) after "  Found: ": as it is when it fits the width or is no
// list; otherwise broken after each "; " that is outside brackets and quotes, every item on a
// line of its own under the first, so a long list reads (and diffs) item by item.
std::string found_lines(const std::string& found) {
  constexpr std::string_view kLabel = "  Found: ";
  if (kLabel.size() + found.size() <= kFoundWidth) return found;
  std::vector<std::string> items;
  std::string item;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < found.size(); ++i) {
    char c = found[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '`') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ';' && depth == 0 && i + 1 < found.size() && found[i + 1] == ' ') {
      items.push_back(std::move(item) + ";");
      item.clear();
      ++i;
      continue;
    }
    item += c;
  }
  items.push_back(std::move(item));
  if (items.size() == 1) return found;
  std::string separator(kLabel.size() + 1, ' ');
  separator.front() = '\n';
  return fmt::format("{}", fmt::join(items, separator));
}

}  // namespace

void write_text(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  auto paint = [&](std::string_view code, std::string_view text) {
    return o.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  };
  if (o.quiet) {
    // Only what fails the run, each block as the full report writes it.
    bool first = true;
    auto block = [&](std::string_view title, std::string_view id, const Location& at,
                     std::string_view expected, const std::string& found) {
      out << (first ? "" : "\n") << paint("1;31", "FAIL:") << " " << title << " [" << id << "]\n";
      out << "  File: " << where(at) << "\n";
      out << "  Expected: " << expected << "\n";
      out << "  Found: " << found_lines(found) << "\n";
      first = false;
    };
    for (const auto& r : results)
      if (r.outcome.status == Status::Fail)
        block(sanitize(r.check->title), r.check->id, r.outcome.location,
              sanitize(r.check->expected), sanitize(r.outcome.found));
    for (const Finding& f : o.findings)
      if (f.severity == FindingSeverity::Error)
        block(finding_title(f), f.rule, f.location, kDirectiveForm, sanitize(f.message));
    return;
  }
  out << paint("1", "V1.5 Integration Test Report") << "\n";
  out << "═════════════════════════════\n\n";
  for (const auto& info : groups()) {
    Counts c;
    bool any = false;
    for (const auto& r : results) {
      if (r.check->group != info.group) continue;
      any = true;
      if (r.outcome.status == Status::Pass)
        ++c.passed;
      else if (r.outcome.status == Status::Fail)
        ++c.failed;
      else if (r.outcome.status == Status::Baselined)
        ++c.baselined;
      else
        ++c.suppressed;
    }
    if (!any) continue;
    // a baselined FAIL is still not a PASS: it counts against the group's tally
    int counted = c.passed + c.failed + c.baselined;
    std::string tally = fmt::format("[{}/{} PASS]", c.passed, counted);
    std::string painted = paint(c.failed ? "31" : c.baselined ? "33" : "32", tally);
    if (c.suppressed) painted += fmt::format(" ({} suppressed)", c.suppressed);
    if (c.baselined) painted += fmt::format(" ({} baselined)", c.baselined);
    out << fmt::format("{:<24}{}\n", std::string(info.title) + ":", painted);
  }
  Counts all = count(results);
  // A malformed suppression directive fails the run like a FAIL does, and is counted with them.
  int failures = all.failed + count_errors(o.findings);
  out << "\n";
  std::string baselined =
      all.baselined ? fmt::format(" ({} BASELINED)", all.baselined) : std::string{};
  if (failures == 0 && all.baselined == 0) {
    out << "Result: " << paint("1;32", "ALL CHECKS PASS ✓") << "\n";
  } else if (failures == 0) {
    // not "ALL CHECKS PASS": accepted FAILs are still FAILs
    out << "Result: " << paint("1;33", "NO NEW FAILURES" + baselined) << "\n";
  } else {
    out << "Result: "
        << paint("1;31", fmt::format("{} FAILURE{} FOUND", failures, failures == 1 ? "" : "S"))
        << baselined << "\n";
  }
  for (const auto& r : results) {
    const Outcome& oc = r.outcome;
    if (oc.status == Status::Fail) {
      out << "\n"
          << paint("1;31", "FAIL:") << " " << sanitize(r.check->title) << " [" << r.check->id
          << "]\n";
      out << "  File: " << where(oc.location) << "\n";
      out << "  Expected: " << sanitize(r.check->expected) << "\n";
      out << "  Found: " << found_lines(sanitize(oc.found)) << "\n";
      if (o.verbose)
        for (const auto& e : oc.evidence)
          out << "    at " << where(e.location) << ": " << sanitize(e.note) << "\n";
    }
  }
  for (const auto& r : results) {
    const Outcome& oc = r.outcome;
    if (oc.status != Status::Baselined) continue;
    out << "\n"
        << paint("1;33", "BASELINED:") << " " << sanitize(r.check->title) << " [" << r.check->id
        << "]\n";
    out << "  File: " << where(oc.location) << "\n";
    if (!oc.baseline_reason.empty()) out << "  Reason: " << sanitize(oc.baseline_reason) << "\n";
    if (o.verbose) out << "  Found: " << sanitize(oc.found) << "\n";
  }
  for (const Finding& f : o.findings) {
    if (f.severity == FindingSeverity::Error) {
      out << "\n"
          << paint("1;31", "FAIL:") << " invalid suppression directive [" << f.rule << "]\n";
      out << "  File: " << where(f.location) << "\n";
      out << "  Expected: " << kDirectiveForm << "\n";
      out << "  Found: " << sanitize(f.message) << "\n";
    } else {
      out << "\n"
          << paint("1;33", "WARNING:") << " " << finding_title(f) << " [" << f.rule << "]\n";
      out << "  File: " << where(f.location) << "\n";
      out << "  Found: " << sanitize(f.message) << "\n";
    }
  }
  if (o.verbose) {
    for (const auto& r : results) {
      const Outcome& oc = r.outcome;
      if (oc.status == Status::Fail || oc.status == Status::Baselined) continue;
      out << "\n"
          << paint(oc.status == Status::Pass ? "32" : "33",
                   std::string(status_name(oc.status)) + ":")
          << " " << sanitize(r.check->title) << " [" << r.check->id << "]\n";
      out << "  File: " << where(oc.location) << "\n";
      if (oc.status == Status::Suppressed) {
        out << "  Reason: " << sanitize(oc.suppression_reason) << "\n";
        out << "  By: "
            << (oc.suppressed_at.known() ? "directive at " + where(oc.suppressed_at)
                                         : std::string("the config's \"disable\" list"))
            << "\n";
      }
      if (!oc.found.empty()) out << "  Found: " << sanitize(oc.found) << "\n";
      for (const auto& e : oc.evidence)
        out << "    at " << where(e.location) << ": " << sanitize(e.note) << "\n";
    }
  }
}

// -- json -----------------------------------------------------------------------------------------

// The JSON text of a report. nlohmann escapes U+0000–U+001F; the other characters the escaping
// policy shows as escapes (DEL, C1 and bidi controls, zero-width characters, U+2028/U+2029) are
// written as \uXXXX too, so a report shown in a terminal or a diff can neither reorder nor hide
// text. Outside strings a JSON text is ASCII, so the values parse back unchanged.
std::string json_text(const nlohmann::ordered_json& doc) {
  std::string text = doc.dump(2);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = std::max<std::size_t>(1, utf8_length(text, i));
    char32_t cp = utf8_length(text, i) ? code_point_at(text, i, n) : 0;
    if (cp >= 0x7F && escaped_by_sanitize(cp))
      out += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
    else
      out.append(text, i, n);
    i += n;
  }
  return out;
}

namespace {

nlohmann::ordered_json location_json(const Location& l) {
  nlohmann::ordered_json j = {{"path", valid_utf8(l.path)}, {"line", l.line}};
  if (l.column > 0) j["column"] = l.column;
  return j;
}

nlohmann::ordered_json finding_json(const Finding& f) {
  return {{"severity", f.severity == FindingSeverity::Error ? "error" : "warning"},
          {"rule", f.rule},
          {"location", location_json(f.location)},
          {"message", valid_utf8(f.message)}};
}

}  // namespace

void write_json(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  nlohmann::ordered_json doc;
  doc["schemaVersion"] = kJsonSchemaVersion;
  doc["tool"] = {{"name", "v15check"}, {"version", o.tool_version}};
  doc["root"] = valid_utf8(o.root);
  doc["source"] = o.source;
  if (!o.revision.empty()) doc["revision"] = valid_utf8(o.revision);
  if (!o.commit.empty()) doc["commit"] = o.commit;
  if (!o.baseline.empty()) doc["baseline"] = valid_utf8(o.baseline);
  Counts c = count(results);
  int errors = count_errors(o.findings);
  doc["summary"] = {{"passed", c.passed},
                    {"failed", c.failed},
                    {"suppressed", c.suppressed},
                    {"baselined", c.baselined},
                    {"total", c.total()},
                    {"directiveErrors", errors},
                    {"warnings", static_cast<int>(o.findings.size()) - errors}};
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    nlohmann::ordered_json j;
    j["id"] = r.check->id;
    j["group"] = std::string(group_info(r.check->group).key);
    j["title"] = r.check->title;
    j["status"] = std::string(status_name(r.outcome.status));
    j["location"] = location_json(r.outcome.location);
    j["expected"] = r.check->expected;
    j["found"] = valid_utf8(r.outcome.found);
    nlohmann::ordered_json ev = nlohmann::ordered_json::array();
    for (const auto& e : r.outcome.evidence)
      ev.push_back({{"location", location_json(e.location)}, {"note", valid_utf8(e.note)}});
    j["evidence"] = ev;
    if (r.outcome.status == Status::Fail || r.outcome.status == Status::Baselined)
      j["fingerprint"] = fingerprint(r);
    if (r.outcome.status == Status::Baselined)
      j["baseline"] = {{"reason", valid_utf8(r.outcome.baseline_reason)}};
    if (r.outcome.status == Status::Suppressed) {
      j["suppressionReason"] = valid_utf8(r.outcome.suppression_reason);
      nlohmann::ordered_json s = {{"kind", inline_suppressed(r.outcome) ? "inline" : "config"},
                                  {"reason", valid_utf8(r.outcome.suppression_reason)}};
      if (inline_suppressed(r.outcome)) s["location"] = location_json(r.outcome.suppressed_at);
      j["suppression"] = std::move(s);
    }
    checks.push_back(std::move(j));
  }
  doc["checks"] = std::move(checks);
  nlohmann::ordered_json directives = nlohmann::ordered_json::array();
  for (const Finding& f : o.findings) directives.push_back(finding_json(f));
  doc["directives"] = std::move(directives);
  out << json_text(doc) << "\n";
}

// -- sarif ----------------------------------------------------------------------------------------

namespace {

// A relative URI reference for a '/'-separated path: unreserved characters and '/' kept, every
// other byte percent-encoded (spaces, '%', '#', '?', non-ASCII).
std::string uri_path(std::string_view path) {
  std::string out;
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string pascal_case(std::string_view id) {
  std::string out;
  bool up = true;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

// The Found text with line numbers taken out: `:123`, `line 12`, `lines 3-5`, `lines 3, 7`.
std::string without_line_numbers(std::string_view s) {
  std::string out;
  bool list = false;  // inside "lines 3, 7 and 9"
  for (std::size_t i = 0; i < s.size();) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      char c = s[i];
      if (list && !(c == ',' || c == ' ' || c == '-' || c == 'a' || c == 'n' || c == 'd'))
        list = false;
      out += c;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    std::string_view before = std::string_view(out);
    auto ends = [&](std::string_view w) { return before.ends_with(w); };
    bool line_number = list || ends(":") || ends("line ") || ends("lines ") || ends("line") ||
                       ends("lines") || ends("L");
    if (line_number) {
      out += '#';
      list = true;
    } else {
      out.append(s.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string sarif_text(std::string_view s) { return valid_utf8(sanitize(s)); }

}  // namespace

std::string file_uri(const std::string& absolute_dir) {
  if (absolute_dir.empty() || absolute_dir.front() != '/') return {};
  std::string uri = "file://" + uri_path(absolute_dir);
  if (uri.back() != '/') uri += '/';
  return uri;
}

std::string fingerprint(const Result& r) {
  std::string key =
      r.check->id + '\0' + r.outcome.location.path + '\0' + without_line_numbers(r.outcome.found);
  // Two independent 64-bit FNV-1a passes (different offsets) make a 128-bit key.
  return fmt::format("{:016x}{:016x}", fnv1a(key), fnv1a(key, 0x84222325cbf29ce4ull));
}

void write_sarif(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  using json = nlohmann::ordered_json;
  json rules = json::array();
  std::vector<std::string> rule_ids;
  auto rule_index = [&](const std::string& id) {
    return static_cast<int>(std::find(rule_ids.begin(), rule_ids.end(), id) - rule_ids.begin());
  };
  for (const auto& r : results) {
    const Check& c = *r.check;
    if (std::find(rule_ids.begin(), rule_ids.end(), c.id) != rule_ids.end()) continue;
    rule_ids.push_back(c.id);
    std::string full = c.passes_when.empty() ? c.expected : "PASS when " + c.passes_when;
    std::string help =
        fmt::format("Expected: {}\n\nPASS when: {}\n\nFAIL when: {}", c.expected,
                    c.passes_when.empty() ? c.expected : c.passes_when,
                    c.fails_when.empty() ? "the expectation is not met" : c.fails_when);
    json rule = {{"id", c.id},
                 {"name", pascal_case(c.id)},
                 {"shortDescription", {{"text", sarif_text(c.title)}}},
                 {"fullDescription", {{"text", sarif_text(full)}}},
                 {"help", {{"text", valid_utf8(help)}}},
                 {"defaultConfiguration", {{"level", "error"}}},
                 {"properties",
                  {{"tags", {"v15check", std::string(group_info(c.group).key)}},
                   {"group", std::string(group_info(c.group).title)}}}};
    rules.push_back(std::move(rule));
  }
  rule_ids.emplace_back(kInvalidDirectiveRule);
  rules.push_back({{"id", kInvalidDirectiveRule},
                   {"name", "InvalidDirective"},
                   {"shortDescription", {{"text", "invalid suppression directive"}}},
                   {"fullDescription",
                    {{"text", fmt::format("A suppression directive must name known check IDs and "
                                          "give a reason: {}",
                                          kDirectiveForm)}}},
                   {"help", {{"text", fmt::format("Write: {}", kDirectiveForm)}}},
                   {"defaultConfiguration", {{"level", "error"}}}});
  rule_ids.emplace_back(kUnusedDirectiveRule);
  rules.push_back(
      {{"id", kUnusedDirectiveRule},
       {"name", "UnusedDirective"},
       {"shortDescription", {{"text", "unused suppression directive"}}},
       {"fullDescription",
        {{"text", "A suppression directive whose check ran and did not fail on the next line."}}},
       {"help", {{"text", "Remove the directive: the check it silences passes."}}},
       {"defaultConfiguration", {{"level", "warning"}}}});
  rule_ids.emplace_back(kUnknownDirectiveRule);
  rules.push_back({{"id", kUnknownDirectiveRule},
                   {"name", "UnknownDirective"},
                   {"shortDescription", {{"text", "unknown suppression directive"}}},
                   {"fullDescription",
                    {{"text",
                      "A comment that starts like a suppression directive but is spelt otherwise; "
                      "it suppresses nothing."}}},
                   {"help", {{"text", fmt::format("Write: {}", kDirectiveForm)}}},
                   {"defaultConfiguration", {{"level", "warning"}}}});
  rule_ids.emplace_back(kUnusedBaselineRule);
  rules.push_back(
      {{"id", kUnusedBaselineRule},
       {"name", "UnusedBaselineEntry"},
       {"shortDescription", {{"text", "unused baseline entry"}}},
       {"fullDescription",
        {{"text", "A baseline entry whose check ran and no longer fails the same way."}}},
       {"help", {{"text", "Remove the entry, or write the baseline again (--write-baseline)."}}},
       {"defaultConfiguration", {{"level", "warning"}}}});

  auto physical = [](const Location& l) {
    json region = {{"startLine", std::max(1, l.line)}};
    return json{{"artifactLocation", {{"uri", uri_path(l.path)}, {"uriBaseId", "%SRCROOT%"}}},
                {"region", region}};
  };

  json sarif_results = json::array();
  json overrides = json::array();
  for (const auto& r : results) {
    const Outcome& oc = r.outcome;
    if (oc.status == Status::Pass) continue;
    if (oc.status == Status::Suppressed && !oc.suppressed_at.known()) {
      overrides.push_back(
          {{"descriptor", {{"id", r.check->id}, {"index", rule_index(r.check->id)}}},
           {"configuration",
            {{"enabled", false},
             {"properties", {{"reason", sarif_text(oc.suppression_reason)}}}}}});
      continue;
    }
    json res = {{"ruleId", r.check->id},
                {"ruleIndex", rule_index(r.check->id)},
                {"level", "error"},
                {"message",
                 {{"text", sarif_text(fmt::format("{} — Found: {} — Expected: {}", r.check->title,
                                                  oc.found, r.check->expected))}}},
                {"locations", json::array({{{"physicalLocation", physical(oc.location)}}})},
                {"partialFingerprints", {{"v15check/v1", fingerprint(r)}}}};
    if (!oc.evidence.empty()) {
      json related = json::array();
      int id = 0;
      for (const auto& e : oc.evidence) {
        if (e.location.path.empty()) continue;
        related.push_back({{"id", id++},
                           {"physicalLocation", physical(e.location)},
                           {"message", {{"text", sarif_text(e.note)}}}});
      }
      if (!related.empty()) res["relatedLocations"] = std::move(related);
    }
    if (!o.baseline.empty() && (oc.status == Status::Fail || oc.status == Status::Baselined))
      res["baselineState"] = oc.status == Status::Fail ? "new" : "unchanged";
    if (oc.status == Status::Baselined)
      res["suppressions"] = json::array({{{"kind", "external"},
                                          {"status", "accepted"},
                                          {"justification", sarif_text(oc.baseline_reason)}}});
    if (oc.status == Status::Suppressed)
      res["suppressions"] =
          json::array({{{"kind", "inSource"},
                        {"status", "accepted"},
                        {"justification", sarif_text(oc.suppression_reason)},
                        {"location", {{"physicalLocation", physical(oc.suppressed_at)}}}}});
    sarif_results.push_back(std::move(res));
  }
  for (const Finding& f : o.findings) {
    bool error = f.severity == FindingSeverity::Error;
    std::string key = f.rule + '\0' + f.location.path + '\0' + without_line_numbers(f.message);
    sarif_results.push_back(
        {{"ruleId", f.rule},
         {"ruleIndex", rule_index(f.rule)},
         {"level", error ? "error" : "warning"},
         {"message", {{"text", sarif_text(f.message)}}},
         {"locations", json::array({{{"physicalLocation", physical(f.location)}}})},
         {"partialFingerprints",
          {{"v15check/v1",
            fmt::format("{:016x}{:016x}", fnv1a(key), fnv1a(key, 0x84222325cbf29ce4ull))}}}});
  }

  json invocation = {{"executionSuccessful", true}};
  if (!overrides.empty()) invocation["ruleConfigurationOverrides"] = std::move(overrides);
  json run = {
      {"tool",
       {{"driver",
         {{"name", "v15check"},
          {"version", o.tool_version},
          {"semanticVersion", o.tool_version},
          {"rules", std::move(rules)}}}}},
      {"invocations", json::array({std::move(invocation)})},
  };
  if (!o.information_uri.empty()) run["tool"]["driver"]["informationUri"] = o.information_uri;
  if (!o.root_uri.empty()) run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", o.root_uri}}}};
  run["results"] = std::move(sarif_results);
  run["columnKind"] = "utf16CodeUnits";
  json props = {{"source", o.source}};
  if (!o.revision.empty()) props["revision"] = valid_utf8(o.revision);
  if (!o.commit.empty()) props["commit"] = o.commit;
  run["properties"] = std::move(props);

  json doc = {{"$schema",
               "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
               "sarif-schema-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({std::move(run)})}};
  out << json_text(doc) << "\n";
}

// -- junit ----------------------------------------------------------------------------------------

namespace {

// Text that XML 1.0 can hold: the escaping policy leaves no character XML forbids.
std::string xml_safe(std::string_view s) { return sanitize(s); }

std::string xml_attr(std::string_view s) { return markup_escape(s); }

// A CDATA section of already xml_safe lines; `]]>` inside is split across two sections.
std::string cdata(std::string_view text) {
  std::string out = "<![CDATA[";
  std::size_t start = 0;
  while (true) {
    auto end = text.find("]]>", start);
    if (end == std::string_view::npos) break;
    out.append(text.substr(start, end + 2 - start));
    out += "]]><![CDATA[";
    start = end + 2;
  }
  out.append(text.substr(start));
  out += "]]>";
  return out;
}

}  // namespace

// The shape is the one the Jenkins xUnit plugin's JUnit schema accepts (tests/data/junit.xsd
// holds the subset used): `testsuites` carries no `skipped`, and a `testcase` has no `file` or
// `line` attribute. Where a FAIL is lives in the first line of the failure text,
// `File: path:line`, which GitLab's test report shows as the failure's details.
void write_junit(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  Counts all = count(results);
  int errors = count_errors(o.findings);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << fmt::format("<testsuites name=\"v15check\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
                     all.total() + static_cast<int>(o.findings.size()), all.failed + errors);
  for (const auto& info : groups()) {
    Counts c;
    for (const auto& r : results) {
      if (r.check->group != info.group) continue;
      if (r.outcome.status == Status::Pass)
        ++c.passed;
      else if (r.outcome.status == Status::Fail)
        ++c.failed;
      else if (r.outcome.status == Status::Baselined)
        ++c.baselined;
      else
        ++c.suppressed;
    }
    if (c.total() == 0) continue;
    std::string group = xml_attr(info.title);
    out << fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
        group, c.total(), c.failed, c.suppressed + c.baselined);
    for (const auto& r : results) {
      if (r.check->group != info.group) continue;
      const Outcome& oc = r.outcome;
      std::string attrs = fmt::format("classname=\"{}\" name=\"{}\"", group,
                                      xml_attr(r.check->id + " " + r.check->title));
      if (oc.status == Status::Pass) {
        out << "    <testcase " << attrs << "/>\n";
        continue;
      }
      out << "    <testcase " << attrs << ">\n";
      if (oc.status == Status::Fail) {
        std::string body = fmt::format("File: {}\nExpected: {}\nFound: {}\n", where(oc.location),
                                       xml_safe(r.check->expected), xml_safe(oc.found));
        for (const auto& e : oc.evidence)
          body += fmt::format("  at {}: {}\n", where(e.location), xml_safe(e.note));
        out << fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                           xml_attr(oc.found), xml_attr(r.check->id), cdata(body));
      } else if (oc.status == Status::Baselined) {
        out << fmt::format("      <skipped message=\"{}\"/>\n",
                           xml_attr(fmt::format("baselined: {} Found: {}",
                                                oc.baseline_reason.empty()
                                                    ? std::string("accepted in the baseline.")
                                                    : oc.baseline_reason,
                                                oc.found)));
      } else {
        std::string by = oc.suppressed_at.known()
                             ? fmt::format("suppressed at {}", where(oc.suppressed_at))
                             : std::string("disabled in the config");
        out << fmt::format("      <skipped message=\"{}\"/>\n",
                           xml_attr(fmt::format("{}: {}", by, oc.suppression_reason)));
      }
      out << "    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  if (!o.findings.empty()) {
    out << fmt::format(
        "  <testsuite name=\"Suppression directives\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
        "skipped=\"0\">\n",
        o.findings.size(), errors);
    for (const Finding& f : o.findings) {
      std::string attrs = fmt::format("classname=\"Suppression directives\" name=\"{}\"",
                                      xml_attr(f.rule + " " + where(f.location)));
      if (f.severity == FindingSeverity::Error) {
        out << "    <testcase " << attrs << ">\n";
        out << fmt::format(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_attr(f.message),
            xml_attr(f.rule),
            cdata(fmt::format("File: {}\nExpected: {}\nFound: {}\n", where(f.location),
                              kDirectiveForm, xml_safe(f.message))));
        out << "    </testcase>\n";
      } else {
        out << "    <testcase " << attrs << ">\n";
        out << "      <system-out>"
            << cdata(fmt::format("warning: {}\nFile: {}\n", xml_safe(f.message), where(f.location)))
            << "</system-out>\n";
        out << "    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

// -- github ---------------------------------------------------------------------------------------

namespace {

// Workflow-command escaping. Text is made terminal-safe first (no raw control characters), so
// only the characters the runner itself interprets remain to be encoded.
std::string gh_data(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string gh_property(std::string_view s) {
  std::string out;
  for (char c : gh_data(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

void gh_command(std::ostream& out, std::string_view command, const Location& l,
                std::string_view title, std::string_view message) {
  std::vector<std::string> props;
  if (!l.path.empty()) props.push_back("file=" + gh_property(sanitize(l.path)));
  if (l.line > 0) props.push_back(fmt::format("line={}", l.line));
  props.push_back("title=" + gh_property(sanitize(title)));
  out << "::" << command << " " << fmt::format("{}", fmt::join(props, ","))
      << "::" << gh_data(message) << "\n";
}

}  // namespace

void write_github(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  for (const auto& r : results) {
    const Outcome& oc = r.outcome;
    std::string title = fmt::format("v15check {}: {}", r.check->id, r.check->title);
    if (oc.status == Status::Fail) {
      gh_command(
          out, "error", oc.location, title,
          fmt::format("Expected: {}\nFound: {}", sanitize(r.check->expected), sanitize(oc.found)));
    } else if (oc.status == Status::Baselined && !o.quiet) {
      gh_command(out, "notice", oc.location, title,
                 fmt::format("baselined{}\nFound: {}",
                             oc.baseline_reason.empty() ? std::string{}
                                                        : ": " + sanitize(oc.baseline_reason),
                             sanitize(oc.found)));
    } else if (oc.status == Status::Suppressed && !o.quiet) {
      std::string by = inline_suppressed(oc)
                           ? fmt::format("suppressed at {}", where(oc.suppressed_at))
                           : std::string("disabled in the config");
      gh_command(out, "notice", inline_suppressed(oc) ? oc.location : Location{}, title,
                 fmt::format("{}: {}", by, sanitize(oc.suppression_reason)));
    }
  }
  for (const Finding& f : o.findings) {
    bool error = f.severity == FindingSeverity::Error;
    if (o.quiet && !error) continue;
    gh_command(out, error ? "error" : "warning", f.location,
               fmt::format("v15check {}", finding_title(f)),
               error ? fmt::format("{}\nExpected: {}", sanitize(f.message), kDirectiveForm)
                     : sanitize(f.message));
  }
  if (!o.quiet) out << "v15check: " << summary_line(results, o.findings) << "\n";
}

void write_report(std::ostream& out, Format format, const std::vector<Result>& results,
                  const ReportOptions& options) {
  switch (format) {
    case Format::Text:
      write_text(out, results, options);
      return;
    case Format::Json:
      write_json(out, results, options);
      return;
    case Format::Sarif:
      write_sarif(out, results, options);
      return;
    case Format::Junit:
      write_junit(out, results, options);
      return;
    case Format::Github:
      write_github(out, results, options);
      return;
    case Format::Compact:
      write_compact(out, results, options);
      return;
  }
}

// -- catalogue ------------------------------------------------------------------------------------

namespace {

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

// Markdown table cell: one line, pipes escaped.
std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

nlohmann::ordered_json check_json(const Check& c) {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : c.config_keys) keys.push_back(k);
  return {{"id", c.id},
          {"group", std::string(group_info(c.group).key)},
          {"groupTitle", std::string(group_info(c.group).title)},
          {"title", c.title},
          {"role", std::string(role_key(c.role))},
          {"expected", c.expected},
          {"passesWhen", c.passes_when},
          {"failsWhen", c.fails_when},
          {"configKeys", keys}};
}

}  // namespace

void write_catalogue(std::ostream& out, const std::vector<const Check*>& checks,
                     CatalogueFormat format) {
  if (format == CatalogueFormat::Json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const Check* c : checks) arr.push_back(check_json(*c));
    out << nlohmann::ordered_json{{"schemaVersion", kJsonSchemaVersion}, {"checks", arr}}.dump(2)
        << "\n";
    return;
  }
  if (format == CatalogueFormat::Text) {
    for (const Check* c : checks)
      out << fmt::format("{:<28} {:<20} {}\n", c->id, group_info(c->group).title, c->title);
    return;
  }
  out << "<!-- Generated by `v15check --list-checks --format markdown` (CMake target `docs`).\n"
         "     Do not edit: change the check's registration in checks/*.cpp and regenerate. -->\n"
         "# v15check checks\n\n"
      << fmt::format(
             "{} checks. `v15check --explain ID` prints one of them; the specification is "
             "`CHECKS.md`.\n",
             checks.size());
  for (const auto& info : groups()) {
    bool any = false;
    for (const Check* c : checks) {
      if (c->group != info.group) continue;
      if (!any) {
        out << fmt::format("\n## {} (`{}`)\n\n", info.title, info.key);
        out << "| ID | Title | Expected | PASS when | FAIL when | Config |\n";
        out << "|---|---|---|---|---|---|\n";
        any = true;
      }
      std::string keys;
      for (const auto& k : c->config_keys) keys += (keys.empty() ? "`" : ", `") + k + "`";
      out << fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", c->id, md_cell(c->title),
                         md_cell(c->expected), md_cell(c->passes_when), md_cell(c->fails_when),
                         keys);
    }
  }
}

void write_explain(std::ostream& out, const Check& c) {
  const GroupInfo& g = group_info(c.group);
  out << c.id << ": " << c.title << "\n";
  out << "  Group:      " << g.title << " (" << g.key << ")\n";
  out << "  File:       " << role_key(c.role) << " role (default " << default_role_path(c.role)
      << ")\n";
  out << "  Expected:   " << one_line(c.expected) << "\n";
  if (!c.passes_when.empty()) out << "  PASS when:  " << one_line(c.passes_when) << "\n";
  if (!c.fails_when.empty()) out << "  FAIL when:  " << one_line(c.fails_when) << "\n";
  if (c.config_keys.empty()) {
    out << "  Config:     (none)\n";
  } else {
    for (std::size_t i = 0; i < c.config_keys.size(); ++i) {
      const auto& docs = config_key_docs();
      const std::string& key = c.config_keys[i];
      auto it = docs.find(key.starts_with("roles.") ? std::string("roles") : key);
      out << (i == 0 ? "  Config:     " : "              ") << c.config_keys[i]
          << (it != docs.end() ? " — " + it->second : std::string{}) << "\n";
    }
  }
  out << "  Suppress:   // " << kDirectiveKeyword << " " << c.id << " -- <reason>\n";
  out << "  Disable:    .v15check.json: \"disable\": [{ \"id\": \"" << c.id
      << "\", \"reason\": \"…\" }]\n";
}

void write_explain_json(std::ostream& out, const Check& c) { out << check_json(c).dump(2) << "\n"; }

}  // namespace v15
