#include "v15check/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace v15 {

namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;                             // overlong
  if (n == 3 && c == 0xE0 && b(i + 1) < 0xA0) return 0;         // overlong
  if (n == 3 && c == 0xED && b(i + 1) >= 0xA0) return 0;        // surrogates
  if (n == 4 && (c > 0xF4 || (c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90)))
    return 0;
  return n;
}

}  // namespace

std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (n == 1) {
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
      else out += static_cast<char>(c);
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(s[i + 1]));  // C1 controls
    } else if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9 ||
                (static_cast<unsigned char>(s[i + 2]) >= 0xAA &&
                 static_cast<unsigned char>(s[i + 2]) <= 0xAE))) {
      // line/paragraph separators and bidi overrides: invisible or reordering
      out += fmt::format("\\u20{:02x}", static_cast<unsigned char>(s[i + 2]) - 0x80);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

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
    }
  }
  return c;
}

int exit_status(const std::vector<Result>& results) { return count(results).failed > 0 ? 1 : 0; }

namespace {
std::string where(const Location& l) {
  if (l.path.empty()) return "?";
  return l.line > 0 ? fmt::format("{}:{}", sanitize(l.path), l.line) : sanitize(l.path);
}
}  // namespace

void write_text(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  auto paint = [&](std::string_view code, std::string_view text) {
    return o.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  };
  out << paint("1", "V1.5 Integration Test Report") << "\n";
  out << "═════════════════════════════\n\n";
  for (const auto& info : groups()) {
    Counts c;
    bool any = false;
    for (const auto& r : results) {
      if (r.check->group != info.group) continue;
      any = true;
      if (r.outcome.status == Status::Pass) ++c.passed;
      else if (r.outcome.status == Status::Fail) ++c.failed;
      else ++c.suppressed;
    }
    if (!any) continue;
    int counted = c.passed + c.failed;
    std::string tally = fmt::format("[{}/{} PASS]", c.passed, counted);
    std::string painted = paint(c.failed ? "31" : "32", tally);
    if (c.suppressed) painted += fmt::format(" ({} suppressed)", c.suppressed);
    out << fmt::format("{:<24}{}\n", std::string(info.title) + ":", painted);
  }
  Counts all = count(results);
  out << "\n";
  if (all.failed == 0) {
    out << "Result: " << paint("1;32", "ALL CHECKS PASS ✓") << "\n";
  } else {
    out << "Result: "
        << paint("1;31", fmt::format("{} FAILURE{} FOUND", all.failed, all.failed == 1 ? "" : "S"))
        << "\n";
  }
  for (const auto& r : results) {
    const Outcome& oc = r.outcome;
    if (oc.status == Status::Fail) {
      out << "\n" << paint("1;31", "FAIL:") << " " << sanitize(r.check->title) << " [" << r.check->id
          << "]\n";
      out << "  File: " << where(oc.location) << "\n";
      out << "  Expected: " << sanitize(r.check->expected) << "\n";
      out << "  Found: " << sanitize(oc.found) << "\n";
      if (o.verbose)
        for (const auto& e : oc.evidence)
          out << "    at " << where(e.location) << ": " << sanitize(e.note) << "\n";
    }
  }
  if (o.verbose) {
    for (const auto& r : results) {
      const Outcome& oc = r.outcome;
      if (oc.status == Status::Fail) continue;
      out << "\n" << paint(oc.status == Status::Pass ? "32" : "33", std::string(status_name(oc.status)) + ":")
          << " " << sanitize(r.check->title) << " [" << r.check->id << "]\n";
      out << "  File: " << where(oc.location) << "\n";
      if (oc.status == Status::Suppressed)
        out << "  Reason: " << sanitize(oc.suppression_reason) << "\n";
      if (!oc.found.empty()) out << "  Found: " << sanitize(oc.found) << "\n";
      for (const auto& e : oc.evidence)
        out << "    at " << where(e.location) << ": " << sanitize(e.note) << "\n";
    }
  }
}

namespace {
// JSON strings must be valid UTF-8: replace invalid bytes, keep the rest as is.
std::string valid_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

nlohmann::json location_json(const Location& l) {
  nlohmann::json j = {{"path", valid_utf8(l.path)}, {"line", l.line}};
  if (l.column > 0) j["column"] = l.column;
  return j;
}
}  // namespace

void write_json(std::ostream& out, const std::vector<Result>& results, const ReportOptions& o) {
  nlohmann::json doc;
  doc["schemaVersion"] = 1;
  doc["tool"] = {{"name", "v15check"}, {"version", o.tool_version}};
  doc["root"] = valid_utf8(o.root);
  Counts c = count(results);
  doc["summary"] = {{"passed", c.passed}, {"failed", c.failed}, {"suppressed", c.suppressed},
                    {"total", c.total()}};
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json j;
    j["id"] = r.check->id;
    j["group"] = std::string(group_info(r.check->group).key);
    j["title"] = r.check->title;
    j["status"] = std::string(status_name(r.outcome.status));
    j["location"] = location_json(r.outcome.location);
    j["expected"] = r.check->expected;
    j["found"] = valid_utf8(r.outcome.found);
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& e : r.outcome.evidence)
      ev.push_back({{"location", location_json(e.location)}, {"note", valid_utf8(e.note)}});
    j["evidence"] = ev;
    if (r.outcome.status == Status::Suppressed) j["suppressionReason"] = valid_utf8(r.outcome.suppression_reason);
    checks.push_back(std::move(j));
  }
  doc["checks"] = std::move(checks);
  out << doc.dump(2) << "\n";
}

}  // namespace v15
