// v15check.1: the options and the check catalogue as a man page.
#include "v15check/man.h"

#include <fmt/format.h>

#include "v15check/config.h"

namespace v15 {

std::string roff_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out;
}

void write_man_page(std::ostream& out, const std::vector<ManOption>& options,
                    const std::vector<const Check*>& checks, std::string_view version) {
  out << fmt::format(".TH V15CHECK 1 \"\" \"v15check {}\" \"User Commands\"\n",
                     roff_escape(version));
  out << ".SH NAME\n"
         "v15check \\- prove from source that a Cloudflare Workers V1.5 HTTP streaming flow is "
         "wired end to end\n";
  out << ".SH SYNOPSIS\n.B v15check\n[\\fIOPTIONS\\fR] [\\fIROOT\\fR]\n";
  out << ".SH DESCRIPTION\n"
         ".B v15check\n"
         "reads the five files of the flow under ROOT (the Worker \\fBsrc/index.ts\\fR, the "
         "ChatSessionAgent Durable Object \\fBsrc/agents/chat\\-session\\-agent.ts\\fR, "
         "\\fBsrc/utils/jwt.ts\\fR, the container's "
         "\\fBsrc/sandbox\\-scripts/claude\\-agent.js\\fR "
         "and the \\fBDockerfile\\fR), together with the wrangler config, and runs "
      << checks.size()
      << " named checks on their syntax trees. It prints the checklist's report: one "
         "[passed/total PASS] line per group, a Result: line, and a FAIL: block with File:, "
         "Expected: and Found: for every failure.\n";
  out << ".SH OPTIONS\n";
  for (const ManOption& o : options) {
    out << ".TP\n.B " << roff_escape(o.names);
    if (!o.value.empty()) out << " \\fI" << roff_escape(o.value) << "\\fR";
    out << "\n" << roff_escape(o.description) << "\n";
  }
  out << ".SH CHECKS\n"
         "Each check has a stable ID, used in every report format, in \\fB\\-\\-check\\fR, "
         "\\fB\\-\\-explain\\fR, suppressions and the config. "
         "\\fBv15check \\-\\-explain\\fR \\fIID\\fR prints its PASS and FAIL conditions.\n";
  for (const auto& g : groups()) {
    bool any = false;
    for (const Check* c : checks) {
      if (c->group != g.group) continue;
      if (!any) out << ".SS " << roff_escape(g.title) << "\n";
      any = true;
      out << ".TP\n.B " << roff_escape(c->id) << "\n" << roff_escape(c->title) << "\n";
    }
  }
  out << ".SH CONFIGURATION\n"
         "\\fB.v15check.json\\fR at ROOT (or \\fB\\-\\-config\\fR \\fIFILE\\fR), JSON with "
         "comments; every key is optional. A binding name the file does not set is the one the "
         "wrangler config declares for that class.\n";
  for (const auto& [key, doc] : config_key_docs()) {
    if (key == "$schema") continue;
    out << ".TP\n.B " << roff_escape(key) << "\n" << roff_escape(doc) << "\n";
  }
  out << ".SH EXIT STATUS\n"
         ".TP\n.B 0\nevery check passes (suppressed ones included)\n"
         ".TP\n.B 1\nat least one FAIL, or a malformed suppression directive\n"
         ".TP\n.B 2\na usage, config, git or internal error\n";
  out << ".SH FILES\n"
         ".TP\n.B .v15check.json\nthe project's configuration\n"
         ".TP\n.B wrangler.jsonc, wrangler.json, wrangler.toml\n"
         "the Worker's vars and Durable Object bindings\n";
  out << ".SH SEE ALSO\n"
         "The project's README.md, docs/checks.md and docs/config.schema.json.\n";
}

}  // namespace v15
