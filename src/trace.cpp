// --trace: the flow's hops, judged by the checks behind them, in three output formats.
#include "v15check/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>

#include "v15check/facts/flow_legs.h"
#include "v15check/facts/image_files.h"
#include "v15check/facts/worker_routes.h"
#include "v15check/report.h"

namespace v15 {

namespace {

struct HopSpec {
  std::string_view from, to;
  std::function<std::string(const Project&)> label;
  std::vector<std::string> ids;  // the first one with a result gives the location
  // A location from the model, preferred over the checks' (a construct several checks share).
  std::function<Location(const Project&)> fact_location;
  bool error_path = false;
};

std::function<std::string(const Project&)> text(std::string s) {
  return [s = std::move(s)](const Project&) { return s; };
}

std::string start_process_label(const Project& p) {
  const StartProcessEnv& env = p.start_process_env();
  if (env.command_text) return "startProcess " + cap(*env.command_text);
  return "startProcess (command not found)";
}

std::string install_label(const Project& p) {
  const std::string& script = p.start_process_env().script_path;
  return fmt::format("image installs {}", script.empty() ? "the agent script" : cap(script));
}

// The Dockerfile line that puts the startProcess script into the image, as docker.agent-sync
// finds it (the image fact, with COPY --from followed).
Location install_location(const Project& p) {
  const dockerfile::Dockerfile* d = p.docker();
  const std::string& script = p.start_process_env().script_path;
  if (!d) return {};
  facts::Image image(*d);
  facts::AgentInstall install = facts::agent_install(
      image, *d, facts::normal_path(script.empty() ? p.config().agent_image_path : script),
      facts::context_path(p.source(Role::Agent).path));
  if (!install.write) return {};
  return {p.source(Role::Dockerfile).path, install.write->line, 0};
}

std::string callback_label(const Project& p) {
  std::string target = "VF_CALLBACK_URL";
  const StartProcessEnv& env = p.start_process_env();
  const FileModel* m = p.file(Role::DurableObject);
  if (const EnvEntry* e = env.entry("VF_CALLBACK_URL"); e && m && !e->value.null())
    if (auto v = m->fold_string(e->value)) target = cap(*v);
  return fmt::format("POST {} with Bearer VF_STREAM_JWT, NDJSON body", target);
}

const std::vector<HopSpec>& hop_specs() {
  static const std::vector<HopSpec> specs = {
      {kBrowser, kWorker, text("POST /api/v15/chat"), {"route.chat-endpoint"}, nullptr},
      {kWorker,
       kWorker,
       text("authenticate the user, forward their userId"),
       {"route.chat-forwards-user"},
       nullptr},
      {kWorker,
       kAgentDo,
       [](const Project& p) {
         return fmt::format("{}.idFromName(sessionId) stub fetch POST /chat",
                            cap(p.config().do_binding));
       },
       {"route.chat-do-stub"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("fetch() routes POST /chat to handleChatHttp()"),
       {"do.fetch-chat"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("handleChatHttp(): body fields, userId guard, executionId"),
       {"do.chat-body-fields", "do.chat-user-guard", "do.chat-execution-id"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("bridge registered in httpBridges (TransformStream, deferred, timeout)"),
       {"do.chat-bridge-register", "do.chat-bridge-stream", "do.chat-bridge-timeout"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("dispatchContainer() fire-and-forget with .catch()"),
       {"do.chat-dispatch", "do.dispatch-get-sandbox", "do.dispatch-sign-jwt"},
       nullptr},
      {kAgentDo,
       kContainer,
       start_process_label,
       {"do.env-callback-url", "do.env-stream-jwt"},
       [](const Project& p) { return p.start_process_env().location; }},
      {kContainer, kContainer, install_label, {"docker.agent-sync"}, install_location},
      {kContainer,
       kContainer,
       text("agent reads VF_CALLBACK_URL and VF_STREAM_JWT"),
       {"agent.env-read", "docker.env-names"},
       nullptr},
      {kContainer, kWorker, callback_label, {"agent.callback-post", "agent.ndjson"}, nullptr},
      {kWorker, kWorker, text("route POST /internal/stream"), {"route.stream-endpoint"}, nullptr},
      {kWorker,
       kAgentDo,
       text("forward the request with its Authorization header to the DO"),
       {"route.stream-forwards-jwt"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("fetch() routes POST /internal/stream to handleContainerStream()"),
       {"do.fetch-stream"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("verifyExecutionToken(), 401 when it fails"),
       {"do.stream-verify-jwt", "jwt.verify"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("bridge lookup httpBridges.get(payload.executionId)"),
       {"do.stream-bridge-lookup", "do.stream-404"},
       nullptr},
      {kAgentDo,
       kAgentDo,
       text("each NDJSON line written to the bridge writer"),
       {"do.stream-line-split"},
       nullptr},
      {kAgentDo,
       kBrowser,
       text("streamed response (application/x-ndjson)"),
       {"do.chat-ndjson-response"},
       nullptr},
      // what the browser and the container see when a step fails
      {kAgentDo,
       kBrowser,
       text("bridge timeout: error line, bridge settled and removed"),
       {"error.bridge-timeout"},
       [](const Project& p) { return p.bridge_timeout().location; },
       true},
      {kAgentDo,
       kBrowser,
       text("dispatch failure or missing session: error line, writer closed"),
       {"error.dispatch-throws", "error.session-not-found"},
       nullptr,
       true},
      {kAgentDo,
       kContainer,
       text("invalid JWT: 401 reaches the agent, which stops"),
       {"error.invalid-jwt"},
       nullptr,
       true},
      {kAgentDo,
       kBrowser,
       text("browser gone: every writer call is caught"),
       {"error.browser-disconnect"},
       nullptr,
       true},
  };
  return specs;
}

const Result* result_for(const std::vector<Result>& results, std::string_view id) {
  for (const Result& r : results)
    if (r.check && r.check->id == id) return &r;
  return nullptr;
}

// The legs beside the HTTP bridge that the flow's facts know (WebSocket, approval and init
// routes): each Worker → DO request, each container-facing DO branch and each request of the
// agent, missing when nothing serves it or its flow check fails there.
Hop leg_hop(std::string from, std::string to, std::string label, Location at, const char* id,
            bool ok) {
  Hop h;
  h.from = std::move(from);
  h.to = std::move(to);
  h.label = cap(label, kMessageMax);
  h.location = std::move(at);
  h.location.path = cap(h.location.path, kMessageMax);
  h.check_ids = {id};
  h.found = ok;
  if (!ok) h.failed_ids = {id};
  h.state = ok ? HopState::Found : HopState::Missing;
  return h;
}

std::string request_text(const facts::PathRequest& r) {
  return fmt::format("{} {}{}", r.method.empty() ? "any method" : r.method, cap(r.path, 120),
                     r.websocket ? " (WebSocket upgrade)" : "");
}

std::vector<Hop> other_legs(const Project& project, const std::vector<Result>& results) {
  std::vector<Hop> out;
  const Result* parity = result_for(results, "flow.route-parity");
  if (!parity) return out;
  CheckContext ctx(project, *parity->check);
  auto legs = facts::flow_legs(ctx);
  if (!legs) return out;
  auto bridge_path = [](const std::string& path) {
    return path == "/chat" || path == facts::kStreamPath;
  };
  for (const facts::PathRequest& r : legs->do_requests) {
    if (r.path.empty() || bridge_path(r.path)) continue;
    bool served = std::any_of(legs->do_branches.begin(), legs->do_branches.end(),
                              [&](const facts::ServedRoute& b) { return facts::serves(b, r); });
    out.push_back(leg_hop(std::string(kWorker), std::string(kAgentDo),
                          fmt::format("forward {} to the DO{}", request_text(r),
                                      served ? "" : ": no fetch() branch serves it"),
                          r.location, "flow.route-parity", served));
  }
  const Result* auth = result_for(results, "flow.container-auth");
  for (const facts::ServedRoute& b : legs->do_branches) {
    if (!auth || b.path.rfind("/internal/", 0) != 0 || b.path == facts::kStreamPath) continue;
    const Location& failed = auth->outcome.location;
    bool here = auth->outcome.status == Status::Fail && failed.path == b.location.path &&
                failed.line >= static_cast<int>(b.anchor.line()) &&
                failed.line <= static_cast<int>(b.anchor.end_line());
    out.push_back(leg_hop(std::string(kAgentDo), std::string(kAgentDo),
                          fmt::format("fetch() serves {} {}: execution token verified",
                                      b.method.empty() ? "any method" : b.method, cap(b.path, 120)),
                          b.location, "flow.container-auth", !here));
  }
  for (const facts::PathRequest& r : legs->agent_requests) {
    if (r.path.empty() || r.path == facts::kStreamPath) continue;
    bool served = std::any_of(legs->worker_routes.begin(), legs->worker_routes.end(),
                              [&](const facts::ServedRoute& w) { return facts::serves(w, r); });
    out.push_back(
        leg_hop(std::string(kContainer), std::string(kWorker),
                fmt::format("{}{}", request_text(r), served ? "" : ": no Worker route serves it"),
                r.location, "flow.route-parity", served));
  }
  return out;
}

// -- text ---------------------------------------------------------------------------------------

// Display width of UTF-8 text in code points (the labels hold no wide characters of our own).
std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string pad(std::string s, std::size_t w) {
  std::size_t have = width(s);
  if (have < w) s.append(w - have, ' ');
  return s;
}

std::string where(const Location& l) {
  if (!l.known()) return l.path.empty() ? "-" : l.path;
  return fmt::format("{}:{}", l.path, l.line);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::vector<std::string> missing_ids(const Hop& h) {
  return h.failed_ids.empty() ? h.check_ids : h.failed_ids;
}

// `found` decides between the two sides; `state` says which of them (a hop put together by
// hand with only `found` set reads as found or missing).
HopState state_of(const Hop& h) {
  if (h.found) return h.state == HopState::Suppressed ? HopState::Suppressed : HopState::Found;
  return h.state == HopState::Differs ? HopState::Differs : HopState::Missing;
}

// The check IDs a hop's note names: the failed ones, or the suppressed ones.
std::vector<std::string> noted_ids(const Hop& h) {
  return state_of(h) == HopState::Suppressed ? h.suppressed_ids : missing_ids(h);
}

// "MISSING: id, id" and the like, for the notes of the three formats; empty for a found hop.
std::string state_note(const Hop& h) {
  HopState st = state_of(h);
  if (st == HopState::Found) return {};
  std::vector<std::string> ids = noted_ids(h);
  std::string name(hop_state_name(st));
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name + ": " + (ids.empty() ? std::string("no check") : join(ids, ", "));
}

void write_text_trace(std::ostream& out, const std::vector<Hop>& hops, bool ascii, bool color) {
  const std::string arrow = ascii ? " -> " : " → ";
  auto mark_of = [&](HopState st) -> std::string {
    switch (st) {
      case HopState::Found:
        return ascii ? "[ok]" : "✓";
      case HopState::Suppressed:
        return ascii ? "[SUPPRESSED]" : "⊘";
      case HopState::Differs:
        return ascii ? "[DIFFERS]" : "≠";
      case HopState::Missing:
        break;
    }
    return ascii ? "[MISSING]" : "✗";
  };
  auto colour_of = [](HopState st) {
    return st == HopState::Found ? "32" : st == HopState::Missing ? "31;1" : "33";
  };
  auto paint = [&](const std::string& s, const char* code) {
    return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  };
  std::size_t found = 0, w_mark = 0, w_who = 0, w_label = 0, w_where = 0;
  std::size_t suppressed = 0, differs = 0;
  for (HopState st : {HopState::Found, HopState::Suppressed, HopState::Differs, HopState::Missing})
    w_mark = std::max(w_mark, width(mark_of(st)));
  std::vector<std::string> who, label, at;
  for (const Hop& h : hops) {
    found += h.found ? 1 : 0;
    suppressed += state_of(h) == HopState::Suppressed ? 1 : 0;
    differs += state_of(h) == HopState::Differs ? 1 : 0;
    who.push_back(sanitize(h.from) + arrow + sanitize(h.to));
    label.push_back(sanitize(h.label));
    at.push_back(sanitize(where(h.location)));
    w_who = std::max(w_who, width(who.back()));
    w_label = std::max(w_label, width(label.back()));
    w_where = std::max(w_where, width(at.back()));
  }
  std::size_t w_num = std::to_string(hops.size()).size();
  std::string also;
  if (suppressed) also += fmt::format(", {} suppressed", suppressed);
  if (differs) also += fmt::format(", {} differ{}", differs, differs == 1 ? "s" : "");
  out << fmt::format("V1.5 flow trace: {}/{} hops found{}\n", found, hops.size(), also);
  bool in_errors = false;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const Hop& h = hops[i];
    if (h.error_path && !in_errors) {
      in_errors = true;
      out << "error paths:\n";
    }
    HopState st = state_of(h);
    std::string mark = pad(mark_of(st), w_mark);
    std::string line = fmt::format("{:>{}}  {}  {}  {}  ", i + 1, w_num, paint(mark, colour_of(st)),
                                   pad(who[i], w_who), pad(label[i], w_label));
    if (st == HopState::Found) {
      line += at[i];
    } else {
      std::vector<std::string> ids = noted_ids(h);
      for (auto& id : ids) id = sanitize(id);
      std::string what = ids.empty() ? std::string("(no check)") : join(ids, ", ");
      if (st != HopState::Missing) what = std::string(hop_state_name(st)) + ": " + what;
      line += pad(at[i], w_where) + "  " + paint(what, st == HopState::Missing ? "31" : "33");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

// -- mermaid ------------------------------------------------------------------------------------

std::string mermaid_participant(std::string_view p) {
  // participants are ours, but keep the identifier syntax safe regardless
  std::string out;
  for (char c : p) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out.empty() ? "_" : out;
}

void write_mermaid(std::ostream& out, const std::vector<Hop>& hops) {
  out << "sequenceDiagram\n";
  for (std::string_view p : {kBrowser, kWorker, kAgentDo, kContainer})
    out << "    participant " << mermaid_participant(p) << "\n";
  bool in_errors = false;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const Hop& h = hops[i];
    if (h.error_path && !in_errors) {
      in_errors = true;
      out << "    opt error paths\n";
    }
    std::string indent = in_errors ? "        " : "    ";
    std::string from = mermaid_participant(h.from), to = mermaid_participant(h.to);
    // solid for the request path, dotted for answers and error paths; a cross only where the code
    // is missing: a hop that differs or is suppressed exists
    std::string arrow = state_of(h) == HopState::Missing   ? "-x"
                        : h.to == kBrowser || h.error_path ? "-->>"
                                                           : "->>";
    std::string msg = fmt::format("{}. {} ({})", i + 1, h.label, where(h.location));
    out << indent << from << arrow << to << ": " << mermaid_escape(msg) << "\n";
    if (std::string note = state_note(h); !note.empty()) {
      std::string over = from == to ? from : from + "," + to;
      out << indent << "Note over " << over << ": " << mermaid_escape(note) << "\n";
    }
  }
  if (in_errors) out << "    end\n";
}

// -- dot ----------------------------------------------------------------------------------------

// Graphviz draws the self-loops of one node inside each other and stacks their labels over the
// node, across the loops: with a dozen steps in the Durable Object the picture is unreadable. A
// step within one participant is therefore a node of its own (a note joined to the participant
// by an undirected edge), which dot places clear of the rest; a hop between two participants
// stays a labelled edge.
void write_dot(std::ostream& out, const std::vector<Hop>& hops) {
  out << "digraph v15_flow {\n";
  out << "  graph [rankdir=LR, label=\"V1.5 HTTP streaming flow\", labelloc=t, "
         "fontname=Helvetica];\n";
  out << "  node [shape=box, style=rounded, fontname=Helvetica];\n";
  out << "  edge [fontname=Helvetica, fontsize=10];\n";
  for (std::string_view p : {kBrowser, kWorker, kAgentDo, kContainer})
    out << "  \"" << dot_escape(p) << "\";\n";
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const Hop& h = hops[i];
    std::string label =
        dot_escape(fmt::format("{}. {}", i + 1, h.label)) + "\\n" + dot_escape(where(h.location));
    if (std::string note = state_note(h); !note.empty()) label += "\\n" + dot_escape(note);
    std::string look;
    switch (state_of(h)) {
      case HopState::Found:
        look = h.error_path ? ", style=dotted" : "";
        break;
      case HopState::Suppressed:
        look = ", color=gray40, fontcolor=gray40, style=dotted";
        break;
      case HopState::Differs:
        look = ", color=darkorange3, fontcolor=darkorange3, style=dashed";
        break;
      case HopState::Missing:
        look = ", color=red, fontcolor=red, style=dashed";
        break;
    }
    std::string from = fmt::format("\"{}\"", dot_escape(h.from));
    if (h.from != h.to) {
      out << "  " << from << " -> \"" << dot_escape(h.to) << "\" [label=\"" << label << "\"" << look
          << "];\n";
      continue;
    }
    std::string step = fmt::format("\"step {}\"", i + 1);
    std::string node_look = look.empty() ? "" : look.substr(0, look.find(", style="));
    out << "  " << step << " [shape=note, style=\"\", fontsize=10, label=\"" << label << "\""
        << node_look << "];\n";
    out << "  " << from << " -> " << step << " [dir=none" << look << "];\n";
  }
  out << "}\n";
}

}  // namespace

std::string_view hop_state_name(HopState s) {
  switch (s) {
    case HopState::Found:
      return "found";
    case HopState::Suppressed:
      return "suppressed";
    case HopState::Differs:
      return "differs";
    case HopState::Missing:
      break;
  }
  return "missing";
}

std::optional<TraceFormat> trace_format_from_name(std::string_view name) {
  std::string n = ascii_lower(name);
  if (n == "text") return TraceFormat::Text;
  if (n == "mermaid") return TraceFormat::Mermaid;
  if (n == "dot" || n == "graphviz") return TraceFormat::Dot;
  return std::nullopt;
}

std::vector<Hop> build_trace(const Project& project, const std::vector<Result>& results) {
  std::vector<Hop> hops;
  for (const HopSpec& spec : hop_specs()) {
    Hop h;
    h.from = std::string(spec.from);
    h.to = std::string(spec.to);
    // whatever a label quotes, a hop stays one bounded line
    h.label = cap(spec.label(project), kMessageMax);
    h.error_path = spec.error_path;
    Location fact = spec.fact_location ? spec.fact_location(project) : Location{};
    Location first_checked, first_failed;
    bool any_result = false, all_failures_differ = true;
    for (const std::string& id : spec.ids) {
      const Result* r = result_for(results, id);
      if (!r) continue;
      any_result = true;
      h.check_ids.push_back(id);
      if (!first_checked.known() && r->outcome.location.known())
        first_checked = r->outcome.location;
      if (r->outcome.status == Status::Suppressed) h.suppressed_ids.push_back(id);
      // a baselined FAIL is accepted, not fixed: the hop is still missing
      if (r->outcome.status == Status::Fail || r->outcome.status == Status::Baselined) {
        h.failed_ids.push_back(id);
        all_failures_differ = all_failures_differ && r->outcome.differs;
        if (!first_failed.known()) first_failed = r->outcome.location;
      }
    }
    h.found = any_result ? h.failed_ids.empty() : fact.known();
    h.state = h.found ? (h.suppressed_ids.empty() ? HopState::Found : HopState::Suppressed)
              : !h.failed_ids.empty() && all_failures_differ ? HopState::Differs
                                                             : HopState::Missing;
    // a missing hop points at what is wrong; a found one at the construct
    h.location = !h.found && first_failed.known() ? first_failed
                 : fact.known()                   ? fact
                                                  : first_checked;
    h.location.path = cap(h.location.path, kMessageMax);
    hops.push_back(std::move(h));
  }
  // the other legs go before the browser's answer, which the error path follows
  auto at = std::find_if(hops.begin(), hops.end(), [](const Hop& h) { return h.error_path; });
  if (at != hops.begin() && std::prev(at)->to == kBrowser) --at;
  std::vector<Hop> legs = other_legs(project, results);
  hops.insert(at, std::make_move_iterator(legs.begin()), std::make_move_iterator(legs.end()));
  return hops;
}

void write_trace(std::ostream& out, const std::vector<Hop>& hops, TraceFormat format, bool ascii,
                 bool color) {
  switch (format) {
    case TraceFormat::Text:
      write_text_trace(out, hops, ascii, color);
      return;
    case TraceFormat::Mermaid:
      write_mermaid(out, hops);
      return;
    case TraceFormat::Dot:
      write_dot(out, hops);
      return;
  }
}

bool locale_is_utf8(const char* lc_all, const char* lc_ctype, const char* lang) {
  // POSIX precedence: the first non-empty of LC_ALL, LC_CTYPE, LANG decides
  for (const char* v : {lc_all, lc_ctype, lang}) {
    if (!v || !*v) continue;
    std::string l = ascii_lower(v);
    return l.find("utf-8") != std::string::npos || l.find("utf8") != std::string::npos;
  }
  return false;
}

bool locale_is_utf8() {
  return locale_is_utf8(std::getenv("LC_ALL"), std::getenv("LC_CTYPE"), std::getenv("LANG"));
}

std::string mermaid_escape(std::string_view text) {
  // The report's policy first (no control, bidi or zero-width character, no invalid UTF-8), then
  // Mermaid's syntax: it ends a message at `;` or a newline, reads `#…;` as an entity and `%%`
  // as a comment; `<`/`>` could form arrows or HTML. Each becomes a numeric entity, which
  // Mermaid renders back.
  std::string s = sanitize(text);
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '#':
      case ';':
      case '%':
      case '<':
      case '>':
      case '"':
      case '&':
      case '{':
      case '}':
      case '`':
        out += fmt::format("#{};", static_cast<int>(static_cast<unsigned char>(ch)));
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string dot_escape(std::string_view text) {
  // The report's policy first (so graphviz never sees invalid UTF-8, which makes it fall back
  // to Latin-1), then DOT's quoting: inside a quoted string only `"` and `\` are special (`\`
  // also starts escString codes such as \N, \G, \l, so the policy's own escapes are quoted too).
  std::string s = sanitize(text);
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace v15
