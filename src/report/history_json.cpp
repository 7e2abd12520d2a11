// Version 1 of the history and blame JSON (docs/history.schema.json).
#include <nlohmann/json.hpp>

#include "v15check/history.h"
#include "v15check/report.h"
#include "v15check/text.h"

namespace v15::history {

namespace {

using Json = nlohmann::ordered_json;

void commit_fields(Json& j, const Commit& c) {
  j["sha"] = c.sha;
  j["date"] = valid_utf8(c.date);
  j["author"] = valid_utf8(c.author);
  j["subject"] = valid_utf8(c.subject);
}

}  // namespace

void write_history_json(std::ostream& out, const Timeline& t) {
  Json doc;
  doc["version"] = kHistoryJsonVersion;
  doc["range"] = valid_utf8(t.range);
  doc["commits"] = Json::array();
  for (const Commit& c : t.commits) {
    Json j;
    commit_fields(j, c);
    doc["commits"].push_back(std::move(j));
  }
  doc["checks"] = Json::array();
  for (const Check* c : t.checks)
    doc["checks"].push_back({{"id", c->id}, {"title", valid_utf8(c->title)}});
  doc["flips"] = Json::array();
  for (const Flip& f : flips(t)) {
    Json j;
    commit_fields(j, t.commits[f.commit]);
    const Verdict& v = t.at(f.check, f.commit);
    j["id"] = t.checks[f.check]->id;
    j["from"] = state_name(f.from);
    j["to"] = state_name(f.to);
    j["found"] = valid_utf8(v.found);
    if (v.suppressed) j["suppressed"] = true;
    doc["flips"].push_back(std::move(j));
  }
  doc["final"] = Json::object();
  if (!t.commits.empty())
    for (std::size_t c = 0; c < t.checks.size(); ++c)
      doc["final"][t.checks[c]->id] = state_name(t.at(c, t.commits.size() - 1).state);
  if (!t.renames.empty()) {
    doc["renames"] = Json::array();
    for (const Rename& r : t.renames)
      doc["renames"].push_back({{"sha", t.commits[r.commit].sha},
                                {"role", role_key(r.role)},
                                {"from", valid_utf8(r.from)},
                                {"to", valid_utf8(r.to)}});
  }
  out << json_text(doc) << "\n";
}

void write_blame_json(std::ostream& out, const Timeline& t, const std::vector<BlameEntry>& all) {
  Json doc;
  doc["version"] = kHistoryJsonVersion;
  doc["rev"] = t.commits.empty() ? Json(nullptr) : Json(t.commits.back().sha);
  doc["blame"] = Json::array();
  for (const BlameEntry& e : all) {
    Json j;
    j["id"] = t.checks[e.check]->id;
    if (e.introduced) {
      commit_fields(j, t.commits[*e.introduced]);
    } else {
      j["sha"] = nullptr;
      j["date"] = nullptr;
      j["author"] = nullptr;
      j["subject"] = nullptr;
    }
    j["from"] = e.from ? Json(state_name(*e.from)) : Json(nullptr);
    j["before"] = valid_utf8(e.before);
    j["after"] = valid_utf8(e.after);
    j["current"] = valid_utf8(e.now);
    j["state"] = state_name(e.current);
    doc["blame"].push_back(std::move(j));
  }
  out << json_text(doc) << "\n";
}

}  // namespace v15::history
