// 4. Container Agent (agent): the script the sandbox runs reads its env, POSTs NDJSON back to the
// Worker with the execution token, skips betas for OAuth tokens and ends the stream when done.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "v15check/check.h"

namespace v15 {

namespace {

constexpr std::string_view kCallbackUrl = "VF_CALLBACK_URL";
constexpr std::string_view kStreamJwt = "VF_STREAM_JWT";
constexpr std::string_view kOauthPrefix = "sk-ant-oat";

// A code excerpt for Found: `x`, or the excerpt as is when it has backticks of its own.
std::string code(const Node& n, std::size_t max = 60) {
  std::string s = snippet(n, max);
  return s.find('`') == std::string::npos ? "`" + s + "`" : s;
}

// The callback request, or a FAIL naming why there is none.
const CallbackRequest* callback(const CheckContext& ctx, Outcome& failure,
                                const FileModel** model) {
  const FileModel* m = ctx.file(Role::Agent, failure);
  *model = m;
  if (!m) return nullptr;
  const CallbackRequest& r = ctx.project().callback_request();
  if (!r.found()) {
    failure = Outcome::fail(m->location(m->root()), r.problem + ctx.parse_note(*m));
    return nullptr;
  }
  return &r;
}

std::string api_name(const CallbackRequest& r) {
  return r.api == CallbackRequest::Api::Fetch
             ? "fetch()"
             : fmt::format("{}()", snippet(r.call.field("function"), 40));
}

// -- agent.env-read -------------------------------------------------------------------------------

Outcome agent_env_read(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = ctx.file(Role::Agent, failure);
  if (!m) return failure;
  const AgentEnv& env = ctx.project().agent_env();
  std::vector<std::string> missing, found;
  std::vector<Evidence> ev;
  for (std::string_view name : {kCallbackUrl, kStreamJwt}) {
    const EnvRead* r = env.first(name);
    if (!r) {
      missing.push_back(fmt::format("process.env.{}", name));
      continue;
    }
    found.push_back(fmt::format("{} (line {})", name, r->location.line));
    ev.push_back({r->location, fmt::format("reads {}", name)});
  }
  if (missing.empty())
    return Outcome::pass(ev.front().location, fmt::format("reads {}", fmt::join(found, ", ")), ev);
  std::string text = fmt::format("no read of {}", fmt::join(missing, " or "));
  if (!found.empty()) text += fmt::format(" (reads {})", fmt::join(found, ", "));
  return Outcome::fail(ev.empty() ? m->location(m->root()) : ev.front().location,
                       text + ctx.parse_note(*m), ev);
}

// -- agent.callback-post --------------------------------------------------------------------------

Outcome agent_callback_post(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const CallbackRequest* r = callback(ctx, failure, &m);
  if (!r) return failure;
  const AgentEnv& env = ctx.project().agent_env();
  std::string api = api_name(*r);
  Location at = r->location;
  std::vector<std::string> problems;
  if (!r->url_from_callback) {
    const EnvRead* read = env.first(kCallbackUrl);
    problems.push_back(fmt::format("its URL {} does not derive from process.env.{}{}",
                                   code(r->url, 60), kCallbackUrl,
                                   read ? fmt::format(" (read at line {})", read->location.line)
                                        : std::string(", which is never read")));
  }
  if (!r->method || *r->method != "POST") {
    if (r->method_node.null())
      problems.push_back("no method is given, so it is a GET");
    else
      problems.push_back(
          fmt::format("method is {}", r->method ? "'" + *r->method + "'"
                                                : code(r->method_node, 40) + " (not a constant)"));
    if (!r->method_node.null()) at = m->location(r->method_node);
  }
  if (r->authorization.null()) {
    problems.push_back("no Authorization header");
  } else {
    if (!r->auth_bearer) {
      problems.push_back(fmt::format("Authorization is {}, without the `Bearer ` prefix",
                                     code(r->authorization, 50)));
      at = m->location(r->authorization);
    }
    if (!r->auth_from_jwt) {
      problems.push_back(fmt::format("Authorization {} does not derive from process.env.{}",
                                     code(r->authorization, 50), kStreamJwt));
      at = m->location(r->authorization);
    }
  }
  std::vector<Evidence> ev = {{r->location, "callback request"}};
  if (!r->authorization.null())
    ev.push_back({m->location(r->authorization), "Authorization header"});
  if (!problems.empty()) {
    Node err = m->error_within(r->call);
    std::string note = err.null()
                           ? std::string{}
                           : fmt::format(" (a parse error at line {} inside it)", err.line());
    return Outcome::fail(
        at,
        fmt::format("{} at line {}: {}{}", api, r->location.line, fmt::join(problems, "; "), note),
        ev);
  }
  return Outcome::pass(
      r->location,
      fmt::format("{} POST to the VF_CALLBACK_URL value (line {}) with Authorization "
                  "{} (line {})",
                  api, r->location.line, code(r->authorization, 50), r->authorization.line()),
      ev);
}

// -- agent.ndjson ---------------------------------------------------------------------------------

enum class Payload { Other, Json, Ndjson };

bool is_json_stringify(const FileModel& m, const Node& expr, int depth = 0) {
  if (depth > 4) return false;
  Node e = FileModel::strip_await(expr);
  if (e.is("call_expression"))
    return FileModel::callee_name(e) == "stringify" &&
           FileModel::last_name(FileModel::callee_object(e)) == "JSON";
  if (e.is("identifier")) {
    Origin o = m.trace(e);
    return o.path.empty() && !(o.expr == e) && is_json_stringify(m, o.expr, depth + 1);
  }
  return false;
}

// The literal text after a template's last substitution.
std::string template_tail(const FileModel& m, const Node& t) {
  std::string tail;
  for (uint32_t i = 0; i < t.child_count(); ++i) {
    Node c = t.child(i);
    if (c.is("template_substitution"))
      tail.clear();
    else if (c.is("string_fragment"))
      tail += c.text();
    else if (c.is("escape_sequence")) {
      std::string_view e = c.text();
      tail += e == "\\n" ? std::string("\n") : std::string(e);
    }
  }
  (void)m;
  return tail;
}

Payload classify(const FileModel& m, const Node& expr, int depth, Node* json_node) {
  if (depth > 6 || expr.null()) return Payload::Other;
  Node e = FileModel::strip_await(expr);
  // encoder.encode(x), Buffer.from(x), new TextEncoder().encode(x)
  if (e.is("call_expression") &&
      (FileModel::callee_name(e) == "encode" || FileModel::callee_name(e) == "from")) {
    auto args = FileModel::arguments(e);
    return args.empty() ? Payload::Other : classify(m, args[0], depth + 1, json_node);
  }
  if (is_json_stringify(m, e)) {
    *json_node = e;
    return Payload::Json;
  }
  // a same-file helper that builds the line: `toLine(event)` returning JSON + '\n'
  if (e.is("call_expression")) {
    const Function* f = m.function_at(FileModel::strip(e.field("function")));
    if (!f) f = m.callee_function(e);
    if (!f || f->body.null()) return Payload::Other;
    if (!f->body.is("statement_block")) return classify(m, f->body, depth + 1, json_node);
    Payload best = Payload::Other;
    for (const Node& ret : m.nodes_in("return_statement", f->body)) {
      if (m.enclosing_function(ret) != f) continue;
      Payload p = classify(m, ret.named_child(0), depth + 1, json_node);
      if (p == Payload::Ndjson) return p;
      if (p == Payload::Json) best = p;
    }
    return best;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+") {
    auto tail = m.fold_string(e.field("right"));
    if (tail && !tail->empty() && tail->back() == '\n') {
      Node left = FileModel::strip(e.field("left"));
      Node j;
      if (is_json_stringify(m, left) || classify(m, left, depth + 1, &j) != Payload::Other) {
        *json_node = e;
        return Payload::Ndjson;
      }
    }
    if (is_json_stringify(m, e.field("left"))) {
      *json_node = e;
      return Payload::Json;  // JSON plus something that is not a newline
    }
    return Payload::Other;
  }
  if (e.is("template_string")) {
    bool has_json = false;
    for (const Node& c : e.named_children())
      if (c.is("template_substitution") && is_json_stringify(m, c.named_child(0))) has_json = true;
    if (!has_json) return Payload::Other;
    *json_node = e;
    std::string tail = template_tail(m, e);
    return !tail.empty() && tail.back() == '\n' ? Payload::Ndjson : Payload::Json;
  }
  if (e.is("identifier")) {
    Payload best = Payload::Other;
    for (const Origin& o : m.trace_all(e)) {
      if (!o.path.empty()) continue;
      Node x = FileModel::strip_await(o.expr);
      if (!(x == e)) {
        Payload p = classify(m, x, depth + 1, json_node);
        if (p == Payload::Ndjson) return p;
        if (p == Payload::Json) best = p;
        continue;
      }
      // a parameter: what the calls of its function pass
      const Binding* b = o.binding;
      if (!b || b->kind != BindingKind::Param || !b->path.empty()) continue;
      for (const Function& f : m.functions()) {
        auto params = f.parameters();
        for (std::size_t i = 0; i < params.size(); ++i) {
          if (!params[i].contains(b->name_node)) continue;
          for (const Node& call : calls_of(m, f)) {
            auto args = FileModel::arguments(call);
            if (i >= args.size()) continue;
            Payload p = classify(m, args[i], depth + 1, json_node);
            if (p == Payload::Ndjson) return p;
            if (p == Payload::Json) best = p;
          }
        }
      }
    }
    return best;
  }
  return Payload::Other;
}

// A following statement that writes just "\n" on the stream: `req.write(json); req.write('\n')`.
bool newline_follows(const FileModel& m, const CallbackRequest& r, const Node& write) {
  Node stmt = write;
  while (!stmt.null() && !stmt.is("expression_statement")) stmt = stmt.parent();
  if (stmt.null()) return false;
  Node next = stmt.next_named_sibling();
  if (!next.is("expression_statement")) return false;
  for (const Node& call : m.nodes_in("call_expression", next)) {
    std::string_view name = FileModel::callee_name(call);
    if ((name != "write" && name != "enqueue") || !r.is_stream(m, FileModel::callee_object(call)))
      continue;
    auto args = FileModel::arguments(call);
    Node a = args.empty() ? Node{} : FileModel::strip(args[0]);
    if (a.is("call_expression") && FileModel::callee_name(a) == "encode") {
      auto inner = FileModel::arguments(a);
      a = inner.empty() ? Node{} : inner[0];
    }
    if (!a.null() && m.fold_string(a) == std::string("\n")) return true;
  }
  return false;
}

Outcome agent_ndjson(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const CallbackRequest* r = callback(ctx, failure, &m);
  if (!r) return failure;
  if (r->stream_origins.empty())
    return Outcome::fail(r->location,
                         fmt::format("cannot find the stream the {} at line {} sends (for fetch: a "
                                     "body from a TransformStream/ReadableStream this file writes)",
                                     api_name(*r), r->location.line));
  std::vector<Node> writes;
  for (const Node& call : m->nodes("call_expression")) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "write" && name != "enqueue") continue;
    if (r->is_stream(*m, FileModel::callee_object(call))) writes.push_back(call);
  }
  if (writes.empty())
    return Outcome::fail(r->location,
                         fmt::format("nothing is written to the callback stream of the "
                                     "{} at line {}{}",
                                     api_name(*r), r->location.line, ctx.parse_note(*m)));
  Node ndjson, bare;
  for (const Node& w : writes) {
    auto args = FileModel::arguments(w);
    if (args.empty()) continue;
    Node payload;
    Payload p = classify(*m, args[0], 0, &payload);
    if (p == Payload::Ndjson && ndjson.null()) ndjson = w;
    if (p == Payload::Json && bare.null() && !newline_follows(*m, *r, w)) bare = w;
  }
  if (!bare.null())
    return Outcome::fail(m->location(bare),
                         fmt::format("{} (line {}) writes JSON without a trailing '\\n', so "
                                     "events run together on the stream",
                                     code(bare, 70), bare.line()));
  if (ndjson.null()) {
    std::vector<std::string> list;
    for (std::size_t i = 0; i < writes.size() && i < 3; ++i)
      list.push_back(fmt::format("{} (line {})", code(writes[i], 50), writes[i].line()));
    return Outcome::fail(m->location(writes.front()),
                         fmt::format("no write of JSON.stringify(event) + '\\n' on the callback "
                                     "stream; writes found: {}",
                                     fmt::join(list, ", ")));
  }
  return Outcome::pass(
      m->location(ndjson),
      fmt::format("{} (line {}) on the callback stream", code(ndjson, 70), ndjson.line()),
      {{m->location(ndjson), "NDJSON write"}, {r->location, "callback request"}});
}

// -- agent.oauth-betas ----------------------------------------------------------------------------

bool names_betas(std::string_view name) {
  return ascii_lower(name).find("beta") != std::string::npos;
}

// Whether a node sets a betas value: an assignment to / declaration of a *beta* name or `.betas`
// member, a `betas` key in an object literal, or a value that lands in one.
bool sets_betas(const FileModel& m, const Node& within) {
  for (const Node& a : m.nodes_in("assignment_expression", within))
    if (names_betas(FileModel::last_name(a.field("left")))) return true;
  for (const Node& d : m.nodes_in("variable_declarator", within))
    if (d.field("name").is("identifier") && names_betas(d.field("name").text())) return true;
  for (const Node& p : m.nodes_in("pair", within))
    if (names_betas(m.key_name(p.field("key")))) return true;
  for (const Node& p : m.nodes_in("shorthand_property_identifier", within))
    if (names_betas(p.text())) return true;
  return false;
}

// The construct a test decides: the if / ternary whose condition holds it (through !, &&, ||,
// parentheses), also through a const holding the test's result.
std::vector<Node> decided_by(const FileModel& m, const Node& test, int depth = 0) {
  std::vector<Node> out;
  if (depth > 3) return out;
  Node cur = test;
  for (;;) {
    Node p = cur.parent();
    std::string_view k = p.kind();
    if (k == "parenthesized_expression" || k == "unary_expression" ||
        (k == "binary_expression" &&
         (p.field("operator").kind() == "&&" || p.field("operator").kind() == "||" ||
          p.field("operator").kind() == "===" || p.field("operator").kind() == "!=="))) {
      if (k == "binary_expression" && p.field("operator").kind() == "&&" &&
          p.field("left") == cur) {
        out.push_back(p);  // `isOauth && …` / `!isOauth && { betas }`
      }
      cur = p;
      continue;
    }
    if ((k == "if_statement" || k == "ternary_expression") && p.field("condition") == cur)
      out.push_back(p);
    if (k == "variable_declarator" && p.field("value") == cur) {
      // const isOauth = token.startsWith(…); then its uses
      const Binding* b = m.resolve(p.field("name").text(), p.field("name").end_byte());
      if (b)
        for (const Node& id : m.nodes("identifier"))
          if (!(id == b->name_node) && m.resolve(id) == b)
            for (const Node& d : decided_by(m, id, depth + 1)) out.push_back(d);
    }
    break;
  }
  return out;
}

bool decides_betas(const FileModel& m, const Node& construct) {
  if (construct.is("if_statement")) {
    Node alt = construct.field("alternative");
    return sets_betas(m, construct.field("consequence")) || (!alt.null() && sets_betas(m, alt));
  }
  Node branches[2];
  if (construct.is("ternary_expression")) {
    branches[0] = construct.field("consequence");
    branches[1] = construct.field("alternative");
  } else {
    branches[0] = construct.field("right");
  }
  for (const Node& b : branches)
    if (!b.null() && sets_betas(m, b)) return true;
  // the ternary's value lands in a betas name or key: `const betas = isOauth ? undefined : [..]`
  Node cur = construct;
  while (cur.parent().is("parenthesized_expression")) cur = cur.parent();
  Node p = cur.parent();
  if (p.is("variable_declarator") && names_betas(p.field("name").text())) return true;
  if (p.is("pair") && names_betas(m.key_name(p.field("key")))) return true;
  if (p.is("assignment_expression") && names_betas(FileModel::last_name(p.field("left"))))
    return true;
  return false;
}

// The prefix a test checks: `x.startsWith(P)`, or a regex literal `/^P/.test(x)`.
std::optional<std::string> prefix_test(const FileModel& m, const Node& call, Node* subject) {
  std::string_view name = FileModel::callee_name(call);
  auto args = FileModel::arguments(call);
  if (name == "startsWith" && !args.empty()) {
    *subject = FileModel::callee_object(call);
    return m.fold_string(args[0]);
  }
  if (name == "test" && !args.empty()) {
    Node re = FileModel::callee_object(call);
    if (!re.is("regex")) return std::nullopt;
    std::string pattern(re.field("pattern").text());
    if (pattern.empty() || pattern[0] != '^') return std::nullopt;
    std::string literal;
    for (std::size_t i = 1; i < pattern.size(); ++i) {
      char c = pattern[i];
      if (c == '\\' && i + 1 < pattern.size() && pattern[i + 1] == '-') {
        literal += '-';
        ++i;
      } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
        literal += c;
      } else {
        break;
      }
    }
    *subject = args[0];
    return literal;
  }
  return std::nullopt;
}

Outcome agent_oauth_betas(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = ctx.file(Role::Agent, failure);
  if (!m) return failure;
  Node weak_test;  // a prefix test too short to tell OAuth tokens from API keys
  std::string weak_prefix;
  Node undecided;
  for (const Node& call : m->nodes("call_expression")) {
    Node subject;
    auto prefix = prefix_test(*m, call, &subject);
    if (!prefix) continue;
    if (prefix->rfind(kOauthPrefix, 0) != 0) {
      if (std::string(kOauthPrefix).rfind(*prefix, 0) == 0 && prefix->size() >= 3 &&
          weak_test.null()) {
        weak_test = call;
        weak_prefix = *prefix;
      }
      continue;
    }
    for (const Node& construct : decided_by(*m, call)) {
      if (!decides_betas(*m, construct)) continue;
      return Outcome::pass(
          m->location(call),
          fmt::format("{} (line {}) decides betas ({} at line {})", code(call, 60), call.line(),
                      construct.is("if_statement") ? "if" : "conditional", construct.line()),
          {{m->location(call), "prefix test"}, {m->location(construct), "betas choice"}});
    }
    if (undecided.null()) undecided = call;
  }
  if (!undecided.null())
    return Outcome::fail(m->location(undecided),
                         fmt::format("{} (line {}) tests the prefix, but no betas value or key "
                                     "depends on it",
                                     code(undecided, 60), undecided.line()));
  // say what decides betas instead
  std::string instead;
  Location instead_at = m->location(m->root());
  for (const Node& a : m->nodes("assignment_expression")) {
    if (!names_betas(FileModel::last_name(a.field("left")))) continue;
    ControlContext c = m->context(a);
    if (c.conditions.empty()) continue;
    Node cond = c.conditions.front();
    Node test = FileModel::strip(cond.is("if_statement") ? cond.field("condition") : cond);
    instead = fmt::format("; betas are set at line {} under {} (line {})", a.line(), code(test, 50),
                          test.line());
    instead_at = m->location(test);
    break;
  }
  if (instead.empty()) {
    for (const Node& p : m->nodes("pair"))
      if (names_betas(m->key_name(p.field("key")))) {
        instead = fmt::format("; betas are set unconditionally at line {}", p.line());
        break;
      }
  }
  if (!weak_test.null())
    return Outcome::fail(
        m->location(weak_test),
        fmt::format("{} (line {}) tests the prefix '{}', which API keys share; "
                    "expected '{}' or longer",
                    code(weak_test, 60), weak_test.line(), weak_prefix, kOauthPrefix));
  return Outcome::fail(instead_at, fmt::format("no startsWith('{}') test on the OAuth token{}{}",
                                               kOauthPrefix, instead, ctx.parse_note(*m)));
}

// -- agent.close-stream ---------------------------------------------------------------------------

// Whether `n` runs only when something failed: inside a catch clause, an error event handler
// (`.on('error', fn)`) or a `.catch(fn)` / second `.then` argument.
bool on_error_path(const FileModel& m, const Node& n) {
  for (const Function* f = m.enclosing_function(n); f; f = m.enclosing_function(f->node)) {
    Node arg = f->node;
    while (arg.parent().is("parenthesized_expression")) arg = arg.parent();
    Node args = arg.parent();
    if (!args.is("arguments")) continue;
    Node call = args.parent();
    std::string_view name = FileModel::callee_name(call);
    auto a = FileModel::arguments(call);
    if (name == "catch") return true;
    if (name == "then" && a.size() > 1 && a[1] == arg) return true;
    if ((name == "on" || name == "once" || name == "addEventListener") && !a.empty()) {
      auto ev = m.fold_string(a[0]);
      if (ev && (*ev == "error" || *ev == "abort")) return true;
    }
  }
  ControlContext c = m.context(n);
  return c.in_catch() && !c.in_finally();
}

// A completion continuation: the close sits in a `.then(fn)` / `.finally(fn)` callback.
bool in_completion_callback(const FileModel& m, const Node& n) {
  for (const Function* f = m.enclosing_function(n); f; f = m.enclosing_function(f->node)) {
    Node arg = f->node;
    while (arg.parent().is("parenthesized_expression")) arg = arg.parent();
    Node args = arg.parent();
    if (!args.is("arguments")) continue;
    Node call = args.parent();
    std::string_view name = FileModel::callee_name(call);
    auto a = FileModel::arguments(call);
    if ((name == "then" && !a.empty() && a[0] == arg) || name == "finally") return true;
    if ((name == "on" || name == "once") && !a.empty()) {
      auto ev = m.fold_string(a[0]);
      if (ev && (*ev == "end" || *ev == "finish" || *ev == "close" || *ev == "exit")) return true;
    }
  }
  return false;
}

// Whether a function writes to the callback stream: directly, or through a function it calls
// (two levels), as `emit(event)` does.
// Which functions write to the callback stream, themselves or through the functions they call
// (two levels down). Each (function, level) is worked out once: helpers that call helpers K
// times each would otherwise be walked K^3 times.
class StreamWriters {
 public:
  StreamWriters(const FileModel& m, const CallbackRequest& r) : m_(m), r_(r) {}

  bool writes(const Function& f, int depth = 0) {
    if (f.body.null()) return false;
    auto key = std::make_pair(&f, depth);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = false;  // a call back into f while it is being worked out adds nothing
    bool found = false;
    for (const Node& c : m_.nodes_in("call_expression", f.body)) {
      std::string_view name = FileModel::callee_name(c);
      if ((name == "write" || name == "enqueue") && r_.is_stream(m_, FileModel::callee_object(c))) {
        found = true;
        break;
      }
      if (depth >= 2) continue;
      const Function* g = m_.function_at(FileModel::strip(c.field("function")));
      if (!g) g = m_.callee_function(c);
      if (g && g != &f && writes(*g, depth + 1)) {
        found = true;
        break;
      }
    }
    memo_[key] = found;
    return found;
  }

  // A call that sends events: a stream write, a call of a function that writes, or a call that
  // hands such a function on (`runAgent(prompt, emit)`).
  bool is_work_call(const Node& c) {
    std::string_view name = FileModel::callee_name(c);
    if ((name == "write" || name == "enqueue") && r_.is_stream(m_, FileModel::callee_object(c)))
      return true;
    const Function* g = m_.function_at(FileModel::strip(c.field("function")));
    if (!g) g = m_.callee_function(c);
    if (g && writes(*g)) return true;
    for (const Node& a : FileModel::arguments(c))
      if (const Function* h = m_.function_at(a); h && writes(*h)) return true;
    return false;
  }

 private:
  const FileModel& m_;
  const CallbackRequest& r_;
  std::map<std::pair<const Function*, int>, bool> memo_;
};

// The agent's work around a close in the same function: the last await, loop or event-sending
// call before it, and the first event-sending call after it.
struct WorkAround {
  Node before;
  Node after;
};

WorkAround work_around(const FileModel& m, StreamWriters& writers, const Node& close) {
  const Function* f = m.enclosing_function(close);
  Node body = f ? f->body : m.root();
  WorkAround w;
  auto own = [&](const Node& n) { return m.enclosing_function(n) == f && !n.contains(close); };
  auto before = [&](const Node& n) {
    if (n.start_byte() >= close.start_byte() || !own(n)) return;
    if (w.before.null() || n.start_byte() > w.before.start_byte()) w.before = n;
  };
  for (const Node& a : m.nodes_in("await_expression", body)) before(a);
  for (std::string_view k :
       {"for_statement", "for_in_statement", "while_statement", "do_statement"})
    for (const Node& l : m.nodes_in(k, body)) before(l);
  for (const Node& c : m.nodes_in("call_expression", body)) {
    if (c == close || !own(c) || !writers.is_work_call(c)) continue;
    if (c.start_byte() < close.start_byte())
      before(c);
    else if (w.after.null())
      w.after = c;
  }
  return w;
}

Outcome agent_close_stream(const CheckContext& ctx) {
  Outcome failure;
  const FileModel* m = nullptr;
  const CallbackRequest* r = callback(ctx, failure, &m);
  if (!r) return failure;
  const char* want = r->api == CallbackRequest::Api::HttpRequest ? "req.end()" : "writer.close()";
  if (r->stream_origins.empty())
    return Outcome::fail(r->location,
                         fmt::format("cannot find the stream the {} at line {} sends, so nothing "
                                     "can close it",
                                     api_name(*r), r->location.line));
  std::vector<Node> closes;
  for (const Node& call : m->nodes("call_expression")) {
    std::string_view name = FileModel::callee_name(call);
    if (name != "end" && name != "close") continue;
    if (r->is_stream(*m, FileModel::callee_object(call))) closes.push_back(call);
  }
  if (closes.empty())
    return Outcome::fail(r->location,
                         fmt::format("the callback stream of the {} at line {} is never ended (no "
                                     "{}), so the Worker never sees the end of the body{}",
                                     api_name(*r), r->location.line, want, ctx.parse_note(*m)));
  Node early, early_work, error_only;
  std::optional<Outcome> after_work;
  // A close with no work before it in its own function may sit in a helper
  // (`function finalizeCallback() { req.end(); }`): then the helper's call sites decide.
  std::vector<std::pair<Node, Node>> work_list;  // (site judged, the close it leads to)
  StreamWriters writers(*m, *r);
  for (const Node& c : closes) work_list.emplace_back(c, c);
  for (std::size_t i = 0; i < work_list.size(); ++i) {
    auto [c, close] = work_list[i];
    bool via_helper = !(c == close);
    ControlContext cc = m->context(c);
    std::vector<Evidence> ev = {{m->location(close), "closes the stream"},
                                {r->location, "callback request"}};
    if (via_helper) ev.push_back({m->location(c), "calls the helper that closes it"});
    std::string what = via_helper
                           ? fmt::format("{} (line {}, which calls {} at line {})", code(c, 50),
                                         c.line(), code(close, 40), close.line())
                           : fmt::format("{} (line {})", code(c, 50), c.line());
    if (cc.in_finally())
      return Outcome::pass(m->location(c), fmt::format("{} in a finally block", what), ev);
    if (on_error_path(*m, c)) {
      if (error_only.null()) error_only = c;
      continue;
    }
    if (in_completion_callback(*m, c))
      return Outcome::pass(m->location(c), fmt::format("{} in a completion callback", what), ev);
    WorkAround work = work_around(*m, writers, c);
    if (work.before.null() && work.after.null() && work_list.size() < 64) {
      if (const Function* helper = m->enclosing_function(c)) {
        bool called = false;
        for (const Node& site : m->calls_of(*helper))
          if (!helper->node.contains(site)) {
            work_list.emplace_back(site, close);
            called = true;
          }
        if (called) continue;
      }
    }
    if (work.before.null() || !work.after.null()) {
      if (early.null()) {
        early = c;
        early_work = work.after;
      }
      continue;
    }
    // a close after the work passes, unless a finally or completion callback says it better
    if (!after_work)
      after_work = Outcome::pass(
          m->location(c),
          fmt::format("{} after the agent's work (line {})", what, work.before.line()), ev);
  }
  if (after_work) return *after_work;
  if (!early.null() && !early_work.null())
    return Outcome::fail(
        m->location(early),
        fmt::format("{} (line {}) ends the callback stream before the agent's "
                    "work: {} (line {}) still sends events",
                    code(early, 50), early.line(), code(early_work, 50), early_work.line()));
  if (!early.null())
    return Outcome::fail(m->location(early),
                         fmt::format("{} (line {}) ends the callback stream before any work (no "
                                     "await, loop or write precedes it in its function)",
                                     code(early, 50), early.line()));
  return Outcome::fail(m->location(error_only),
                       fmt::format("{} (line {}) ends the callback stream only on the error path; "
                                   "a successful run leaves it open",
                                   code(error_only, 50), error_only.line()));
}

}  // namespace

void register_agent_checks(Registry& r) {
  r.add({.id = "agent.env-read",
         .group = Group::Agent,
         .title = "reads VF_CALLBACK_URL and VF_STREAM_JWT from env",
         .expected = "process.env.VF_CALLBACK_URL and process.env.VF_STREAM_JWT read",
         .role = Role::Agent,
         .passes_when = "both names read from process.env (member, ['X'], destructuring, an alias "
                        "of process.env, or a same-file requireEnv('X') helper)",
         .fails_when = "either name never read; only mentioned in a comment or a string",
         .config_keys = {"roles.agent"},
         .run = agent_env_read});
  r.add({.id = "agent.callback-post",
         .group = Group::Agent,
         .title = "POSTs to the callback URL with Authorization: Bearer {jwt}",
         .expected =
             "fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${jwt}` } }) or "
             "http(s).request with the same, url from VF_CALLBACK_URL, jwt from VF_STREAM_JWT",
         .role = Role::Agent,
         .passes_when =
             "a fetch / http(s).request call with method POST whose URL derives from the "
             "VF_CALLBACK_URL read and whose Authorization header is `Bearer ` + a value "
             "derived from the VF_STREAM_JWT read (through bindings, new URL(…), options "
             "objects in consts, same-file helpers)",
         .fails_when = "no request; hard-coded URL; PUT or no method; no Authorization header; the "
                       "bare token without `Bearer `",
         .config_keys = {"roles.agent"},
         .run = agent_callback_post});
  r.add({.id = "agent.ndjson",
         .group = Group::Agent,
         .title = "streams NDJSON (JSON.stringify(event) + '\\n')",
         .expected =
             "a write/enqueue of JSON.stringify(x) + '\\n' (or `${JSON.stringify(x)}\\n`) on "
             "the callback stream",
         .role = Role::Agent,
         .passes_when = "req.write / writer.write / controller.enqueue on the callback request's "
                        "stream (also through a helper, possibly encoder.encode(…)) of JSON plus a "
                        "trailing newline, and no JSON written without one",
         .fails_when = "JSON.stringify(e) written without '\\n'; nothing written to the stream",
         .config_keys = {"roles.agent"},
         .run = agent_ndjson});
  r.add({.id = "agent.oauth-betas",
         .group = Group::Agent,
         .title = "detects sk-ant-oat prefix to skip betas",
         .expected =
             "a startsWith('sk-ant-oat') test on the OAuth token that decides whether betas "
             "are set",
         .role = Role::Agent,
         .passes_when = "startsWith('sk-ant-oat…') (or /^sk-ant-oat/.test) in the condition of an "
                        "if / ternary (directly or through a const) whose branches set a betas "
                        "value or key",
         .fails_when = "no prefix test; betas decided by another test; a test that decides nothing "
                       "about betas",
         .config_keys = {"roles.agent"},
         .run = agent_oauth_betas});
  r.add(
      {.id = "agent.close-stream",
       .group = Group::Agent,
       .title = "closes the POST stream when the agent completes",
       .expected = ".end() / .close() on the callback request or stream writer on the completion "
                   "path",
       .role = Role::Agent,
       .passes_when = "an end/close on the callback stream in a finally, in a .then/.finally "
                      "continuation, or after the agent's work (an await, loop or event-sending "
                      "call before it and no event-sending call after it in its function) outside "
                      "catch blocks and error handlers",
       .fails_when = "never ended; ended only in catch / on('error'); ended before the calls that "
                     "send events",
       .config_keys = {"roles.agent"},
       .run = agent_close_stream});
}

}  // namespace v15
