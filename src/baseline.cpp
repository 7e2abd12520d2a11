#include "v15check/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "v15check/model.h"
#include "v15check/report.h"
#include "v15check/text.h"

namespace v15 {

namespace {

using json = nlohmann::ordered_json;

// 1-based line of byte `offset` in `text`.
int line_at(const std::string& text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(
                 text.begin(),
                 text.begin() + static_cast<std::ptrdiff_t>(std::min(offset, text.size())), '\n'));
}

bool is_fingerprint(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

class EntryReader {
 public:
  EntryReader(std::string origin, std::string where) : origin_(std::move(origin)), where_(where) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw BaselineError(fmt::format("{}: {}: {}", origin_, where_, what));
  }
  std::string string(const json& j, const char* key, bool required) const {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required) fail(fmt::format("missing \"{}\"", key));
      return {};
    }
    if (!it->is_string()) fail(fmt::format("\"{}\" must be a string", key));
    return it->get<std::string>();
  }

 private:
  std::string origin_, where_;
};

}  // namespace

Baseline parse_baseline(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {
    std::size_t byte = 0;
    if (const auto* pe = dynamic_cast<const json::parse_error*>(&e)) byte = pe->byte;
    std::string what = e.what();
    auto at = what.find("syntax error");
    throw BaselineError(fmt::format("{}:{}: invalid JSON: {}", origin,
                                    line_at(text, byte == 0 ? 0 : byte - 1),
                                    at == std::string::npos ? what : what.substr(at)));
  }
  EntryReader top(origin, "/");
  if (!doc.is_object()) top.fail("expected an object with \"version\" and \"entries\"");
  for (const auto& [key, _] : doc.items())
    if (key != "$schema" && key != "version" && key != "entries")
      top.fail(fmt::format("unknown key \"{}\" (expected $schema, version, entries)", key));
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<long long>() != kBaselineVersion)
    top.fail(fmt::format("\"version\" must be {} (this v15check reads baseline version {})",
                         kBaselineVersion, kBaselineVersion));
  auto entries = doc.find("entries");
  if (entries == doc.end() || !entries->is_array()) top.fail("\"entries\" must be an array");

  Baseline b;
  b.origin = origin;
  std::size_t search_from = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const json& item = (*entries)[i];
    EntryReader r(origin, fmt::format("/entries/{}", i));
    if (!item.is_object()) r.fail("expected an object with id, fingerprint and reason");
    for (const auto& [key, _] : item.items())
      if (key != "id" && key != "fingerprint" && key != "location" && key != "found" &&
          key != "reason")
        r.fail(fmt::format("unknown key \"{}\" (expected id, fingerprint, location, found, reason)",
                           key));
    BaselineEntry e;
    e.id = r.string(item, "id", true);
    if (e.id.empty()) r.fail("\"id\" is empty");
    e.fingerprint = r.string(item, "fingerprint", true);
    if (!is_fingerprint(e.fingerprint))
      r.fail(fmt::format("\"fingerprint\" must be 32 lowercase hex digits, found \"{}\"",
                         cap(e.fingerprint, 40)));
    e.found = r.string(item, "found", false);
    e.reason = r.string(item, "reason", false);
    if (auto loc = item.find("location"); loc != item.end()) {
      if (!loc->is_object()) r.fail("\"location\" must be an object {path, line}");
      e.location.path = r.string(*loc, "path", false);
      auto line = loc->find("line");
      if (line != loc->end()) {
        if (!line->is_number_integer() || line->get<long long>() < 0 ||
            line->get<long long>() > 1'000'000'000)
          r.fail("\"location.line\" must be a line number");
        e.location.line = static_cast<int>(line->get<long long>());
      }
    }
    // entries are in file order: the entry's line is where its fingerprint is written next
    auto at = text.find(e.fingerprint, search_from);
    if (at != std::string::npos) {
      e.line = line_at(text, at);
      search_from = at + e.fingerprint.size();
    }
    b.entries.push_back(std::move(e));
  }
  return b;
}

Baseline load_baseline_file(const std::string& path) {
  ReadResult r = read_regular_file(path, path);
  if (r.status != ReadResult::Status::Ok)
    throw BaselineError(fmt::format("cannot use baseline file: {}", r.error));
  return parse_baseline(r.text, path);
}

Baseline baseline_of(const std::vector<Result>& results, std::string origin) {
  Baseline b;
  b.origin = std::move(origin);
  for (const Result& r : results) {
    const Outcome& o = r.outcome;
    if (o.status != Status::Fail && o.status != Status::Baselined) continue;
    b.entries.push_back({r.check->id, fingerprint(r), o.location, o.found,
                         o.status == Status::Baselined ? o.baseline_reason : std::string{}, 0});
  }
  return b;
}

std::string baseline_text(const Baseline& b) {
  json entries = json::array();
  for (const BaselineEntry& e : b.entries) {
    json loc = {{"path", valid_utf8(e.location.path)}, {"line", e.location.line}};
    entries.push_back({{"id", e.id},
                       {"fingerprint", e.fingerprint},
                       {"location", std::move(loc)},
                       {"found", valid_utf8(e.found)},
                       {"reason", valid_utf8(e.reason)}});
  }
  json doc = {{"version", kBaselineVersion}, {"entries", std::move(entries)}};
  return doc.dump(2) + "\n";
}

std::vector<Finding> apply_baseline(const Baseline& b, std::vector<Result>& results,
                                    const Registry& registry) {
  std::vector<bool> used(b.entries.size(), false);
  for (Result& r : results) {
    if (r.outcome.status != Status::Fail) continue;
    std::string fp = fingerprint(r);
    for (std::size_t i = 0; i < b.entries.size(); ++i) {
      const BaselineEntry& e = b.entries[i];
      if (e.id != r.check->id || e.fingerprint != fp) continue;
      used[i] = true;
      r.outcome.status = Status::Baselined;
      r.outcome.baseline_reason = e.reason;
      break;
    }
  }
  std::vector<Finding> unused;
  if (!b.report_unused) return unused;
  for (std::size_t i = 0; i < b.entries.size(); ++i) {
    if (used[i]) continue;
    const BaselineEntry& e = b.entries[i];
    Location at{b.origin, e.line, 0};
    if (!registry.find(e.id)) {
      unused.push_back({FindingSeverity::Warning, std::string(kUnusedBaselineRule), at,
                        fmt::format("baseline entry for {}: no check has this ID", cap(e.id))});
      continue;
    }
    bool ran = std::any_of(results.begin(), results.end(),
                           [&](const Result& r) { return r.check->id == e.id; });
    if (!ran) continue;  // not selected by --check/--group: no evidence either way
    std::string was = e.location.path.empty()
                          ? std::string{}
                          : fmt::format(" (written for {}:{})", e.location.path, e.location.line);
    unused.push_back(
        {FindingSeverity::Warning, std::string(kUnusedBaselineRule), at,
         fmt::format("baseline entry for {} matches no FAIL{}: remove it", e.id, was)});
  }
  return unused;
}

Baseline baseline_at_revision(const git::Request& request, const std::string& rev,
                              const Config& config, const Registry& registry,
                              const Selection& selection) {
  git::Request at = request;
  at.rev = rev;
  at.staged = false;
  at.changed_since.clear();
  git::Session session(at);
  std::unique_ptr<FileReader> reader = session.reader();
  // paths as the run being compared reports them: repository-relative for a git run, else
  // relative to the checked root, so the fingerprints agree
  SourceSet sources =
      load_sources(*reader, config.paths, request.reads_git() ? session.prefix() : std::string{});
  if (const auto& w = sources.wrangler; w && !w->ok())
    throw BaselineError(
        fmt::format("--new-since {}: cannot use wrangler config: {}", rev, w->error));
  Project project(std::move(sources), config);
  Baseline b = baseline_of(run_checks(registry, project, selection), "the FAILs at " + rev);
  b.report_unused = false;
  return b;
}

}  // namespace v15
