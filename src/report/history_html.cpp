// The history as one self-contained HTML page: a checks × commits heat map (inline SVG, one row
// per check, one cell per commit, each cell a link to its commit with the Found text on hover)
// and the flips table. No script, no external resource: it opens offline. Every value from the
// repository is sanitized and then HTML-escaped (Found texts quote untrusted code).
#include <fmt/format.h>

#include <algorithm>

#include "v15check/history.h"
#include "v15check/text.h"

namespace v15::history {

namespace {

std::string html(std::string_view text) { return markup_escape(text); }

std::string_view css_class(State s) {
  switch (s) {
    case State::Pass:
      return "pass";
    case State::Fail:
      return "fail";
    case State::Absent:
      return "absent";
  }
  return "absent";
}

// Where a cell links: the commit's row in the page, or the --commit-url template's address.
std::string commit_href(const std::string& commit_url, std::size_t index, const Commit& c) {
  if (commit_url.empty()) return fmt::format("#commit-{}", index);
  std::string url = commit_url;
  constexpr std::string_view kSlot = "{sha}";
  for (auto at = url.find(kSlot); at != std::string::npos; at = url.find(kSlot, at + c.sha.size()))
    url.replace(at, kSlot.size(), c.sha);
  return html(url);
}

constexpr int kLabelWidth = 260, kRowHeight = 14, kHeaderHeight = 18;

const char* kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1f2328}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
.map{overflow-x:auto;border:1px solid #d0d7de;padding:4px}
svg text{font:11px ui-monospace,monospace;fill:#1f2328}
rect.pass{fill:#2da44e}rect.fail{fill:#cf222e}rect.absent{fill:#d0d7de}rect.suppressed{fill:#8fd19e}
a:hover rect{stroke:#000;stroke-width:1}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:2px 6px;text-align:left;vertical-align:top}
td.found{font-family:ui-monospace,monospace;white-space:pre-wrap;max-width:60em}
.PASS{color:#1a7f37}.FAIL{color:#cf222e}.ABSENT{color:#57606a}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
)";

}  // namespace

void write_history_html(std::ostream& out, const Timeline& t, const std::string& commit_url) {
  std::vector<Flip> all = flips(t);
  std::size_t n = t.commits.size();
  int cell = n <= 40 ? 14 : n <= 200 ? 6 : 4;
  int width = kLabelWidth + static_cast<int>(n) * cell + 4;
  int height = kHeaderHeight + static_cast<int>(t.checks.size()) * kRowHeight + 4;

  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out << "<title>v15check history: " << html(t.range) << "</title>\n<style>" << kStyle
      << "</style>\n</head>\n<body>\n";
  out << "<h1>v15check history: " << html(t.range) << "</h1>\n";
  out << fmt::format("<p>{} commits (oldest first), {} checks, {} flips.</p>\n", n, t.checks.size(),
                     all.size());
  out << "<p class=\"legend\"><span style=\"background:#2da44e\"></span>PASS"
         "<span style=\"background:#8fd19e\"></span>PASS (suppressed)"
         "<span style=\"background:#cf222e\"></span>FAIL"
         "<span style=\"background:#d0d7de\"></span>ABSENT (not yet present)</p>\n";

  out << "<div class=\"map\">\n";
  out << fmt::format(
      "<svg id=\"heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"checks by commits\">\n",
      width, height, width, height);
  for (std::size_t c = 0; c < t.checks.size(); ++c) {
    int y = kHeaderHeight + static_cast<int>(c) * kRowHeight;
    const std::string& id = t.checks[c]->id;
    out << fmt::format("<g class=\"row\" data-check=\"{}\">\n<text x=\"0\" y=\"{}\">{}</text>\n",
                       html(id), y + kRowHeight - 3, html(id));
    // cells of a run of commits with the same verdict share one <title> (the hover text)
    for (std::size_t i = 0; i < n;) {
      std::size_t end = i + 1;
      while (end < n && t.cell[c][end] == t.cell[c][i]) ++end;
      const Verdict& v = t.at(c, i);
      std::string span = end - i == 1 ? t.commits[i].short_sha()
                                      : fmt::format("{}..{}", t.commits[i].short_sha(),
                                                    t.commits[end - 1].short_sha());
      out << fmt::format("<g><title>{} {}{} at {}{}{}</title>\n", html(id), state_name(v.state),
                         v.suppressed ? " (suppressed)" : "", span,
                         v.found.empty() ? "" : "\nFound: ", html(v.found));
      std::string_view cls = v.suppressed ? "suppressed" : css_class(v.state);
      for (std::size_t k = i; k < end; ++k)
        out << fmt::format(
            "<a href=\"{}\"><rect class=\"cell {}\" data-commit=\"{}\" x=\"{}\" y=\"{}\" "
            "width=\"{}\" height=\"{}\"/></a>\n",
            commit_href(commit_url, k, t.commits[k]), cls, k,
            kLabelWidth + static_cast<int>(k) * cell, y + 1, std::max(cell - 1, 1), kRowHeight - 2);
      out << "</g>\n";
      i = end;
    }
    out << "</g>\n";
  }
  out << "</svg>\n</div>\n";

  out << "<h2>Flips</h2>\n";
  if (all.empty()) {
    out << "<p>No check changed state.</p>\n";
  } else {
    out << "<table id=\"flips\">\n<tr><th>Commit</th><th>Date</th><th>Author</th><th>Subject</th>"
           "<th>Check</th><th>Change</th><th>Found</th></tr>\n";
    for (const Flip& f : all) {
      const Commit& cm = t.commits[f.commit];
      out << fmt::format(
          "<tr class=\"flip\"><td><a href=\"{}\"><code>{}</code></a></td><td>{}</td><td>{}</td>"
          "<td>{}</td><td><code>{}</code></td><td><span class=\"{}\">{}</span> &#8594; "
          "<span class=\"{}\">{}</span></td><td class=\"found\">{}</td></tr>\n",
          commit_href(commit_url, f.commit, cm), cm.short_sha(), html(cm.date), html(cm.author),
          html(cm.subject), html(t.checks[f.check]->id), state_name(f.from), state_name(f.from),
          state_name(f.to), state_name(f.to), html(t.at(f.check, f.commit).found));
    }
    out << "</table>\n";
  }

  out << "<h2>Commits</h2>\n<table id=\"commits\">\n"
         "<tr><th>#</th><th>Commit</th><th>Date</th><th>Author</th><th>Subject</th></tr>\n";
  for (std::size_t i = 0; i < n; ++i) {
    const Commit& cm = t.commits[i];
    out << fmt::format(
        "<tr id=\"commit-{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        i, i + 1, cm.sha, html(cm.date), html(cm.author), html(cm.subject));
  }
  out << "</table>\n</body>\n</html>\n";
}

}  // namespace v15::history
