// The history and blame views for a person: the timeline of flips, and per failing check the
// commit that introduced its FAIL. Every value from the repository goes through sanitize().
#include <fmt/format.h>

#include "v15check/history.h"
#include "v15check/text.h"

namespace v15::history {

namespace {

std::string commit_line(const Commit& c) {
  return fmt::format("{} {} {}: {}", c.short_sha(), sanitize(c.date.substr(0, 10)),
                     sanitize(c.author), sanitize(c.subject));
}

std::string found_line(const std::string& found) {
  return found.empty() ? std::string{} : fmt::format("      Found: {}\n", sanitize(found));
}

}  // namespace

void write_history_text(std::ostream& out, const Timeline& t) {
  std::vector<Flip> all = flips(t);
  out << fmt::format("History of {}: {} commits, {} checks, {} flips\n", sanitize(t.range),
                     t.commits.size(), t.checks.size(), all.size());
  if (t.commits.empty()) return;
  const Commit& first = t.commits.front();
  std::size_t counts[3] = {0, 0, 0};
  for (std::size_t c = 0; c < t.checks.size(); ++c) ++counts[static_cast<int>(t.at(c, 0).state)];
  out << fmt::format("\nStart {}\n  {} PASS, {} FAIL, {} ABSENT (not yet present)\n",
                     commit_line(first), counts[0], counts[1], counts[2]);
  std::size_t next_rename = 0;
  std::size_t shown = 0;
  for (std::size_t i = 1; i < t.commits.size(); ++i) {
    bool header = false;
    auto head = [&] {
      if (!header) out << "\n" << commit_line(t.commits[i]) << "\n";
      header = true;
    };
    for (; next_rename < t.renames.size() && t.renames[next_rename].commit <= i; ++next_rename) {
      if (t.renames[next_rename].commit < i) continue;
      const Rename& r = t.renames[next_rename];
      head();
      out << fmt::format("  {} file renamed: {} -> {} (followed)\n", role_key(r.role),
                         sanitize(r.from), sanitize(r.to));
    }
    for (; shown < all.size() && all[shown].commit == i; ++shown) {
      const Flip& f = all[shown];
      head();
      out << fmt::format("  {}  {} -> {}\n", t.checks[f.check]->id, state_name(f.from),
                         state_name(f.to));
      out << found_line(t.at(f.check, i).found);
    }
  }
  std::size_t last = t.commits.size() - 1;
  std::size_t end[3] = {0, 0, 0};
  for (std::size_t c = 0; c < t.checks.size(); ++c) ++end[static_cast<int>(t.at(c, last).state)];
  out << fmt::format("\nAt {}: {} PASS, {} FAIL, {} ABSENT\n", t.commits[last].short_sha(), end[0],
                     end[1], end[2]);
}

void write_blame_text(std::ostream& out, const Timeline& t, const std::vector<BlameEntry>& all) {
  if (t.commits.empty()) return;
  const Commit& rev = t.commits.back();
  if (all.empty()) out << fmt::format("No check fails at {}.\n", rev.short_sha());
  for (const BlameEntry& e : all) {
    const std::string& id = t.checks[e.check]->id;
    if (!e.introduced) {
      out << fmt::format("{}: {} at {}{}\n", id, e.current == State::Absent ? "ABSENT" : "passes",
                         rev.short_sha(),
                         e.current == State::Absent ? " (a file it reads is not yet present)" : "");
      continue;
    }
    const Commit& c = t.commits[*e.introduced];
    if (!e.from)
      out << fmt::format("{}: FAIL since the first commit {}\n", id, commit_line(c));
    else
      out << fmt::format("{}: {} -> FAIL at {}\n", id, state_name(*e.from), commit_line(c));
    if (e.from)
      out << fmt::format("  Before: {}\n", e.before.empty() ? "PASS" : sanitize(e.before));
    out << fmt::format("  After:  {}\n", sanitize(e.after));
    if (e.now != e.after) out << fmt::format("  Now:    {}\n", sanitize(e.now));
  }
}

}  // namespace v15::history
