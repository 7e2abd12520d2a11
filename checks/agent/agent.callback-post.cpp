// agent.callback-post: the agent POSTs to the callback URL with `Authorization: Bearer <jwt>`.
#include <fmt/format.h>

#include "agent.h"
#include "v15check/analysis/found_text.h"
#include "v15check/facts/agent_stream.h"

namespace v15 {

namespace {

Outcome run(const CheckContext& ctx) {
  auto callback = facts::callback_request(ctx);
  if (!callback) return callback.failure();
  const FileModel* m = callback->model;
  const CallbackRequest* r = callback->request;
  const AgentEnv& env = ctx.project().agent_env();
  std::string api = facts::api_name(*r);
  Location at = r->location;
  std::vector<std::string> problems;
  if (!r->url_from_callback) {
    const EnvRead* read = env.first(facts::kCallbackUrl);
    problems.push_back(fmt::format("its URL {} does not derive from process.env.{}{}",
                                   analysis::code_excerpt(r->url, 60), facts::kCallbackUrl,
                                   read ? fmt::format(" (read at line {})", read->location.line)
                                        : std::string(", which is never read")));
  }
  if (!r->method || *r->method != "POST") {
    if (r->method_node.null())
      problems.push_back("no method is given, so it is a GET");
    else
      problems.push_back(fmt::format(
          "method is {}", r->method
                              ? "'" + *r->method + "'"
                              : analysis::code_excerpt(r->method_node, 40) + " (not a constant)"));
    if (!r->method_node.null()) at = m->location(r->method_node);
  }
  if (r->authorization.null()) {
    problems.push_back("no Authorization header");
  } else {
    if (!r->auth_bearer) {
      problems.push_back(fmt::format("Authorization is {}, without the `Bearer ` prefix",
                                     analysis::code_excerpt(r->authorization, 50)));
      at = m->location(r->authorization);
    }
    if (!r->auth_from_jwt) {
      problems.push_back(fmt::format("Authorization {} does not derive from process.env.{}",
                                     analysis::code_excerpt(r->authorization, 50),
                                     facts::kStreamJwt));
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
                  api, r->location.line, analysis::code_excerpt(r->authorization, 50),
                  r->authorization.line()),
      ev);
}

}  // namespace

Check agent_callback_post_check() {
  return {.id = "agent.callback-post",
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
          .fails_when =
              "no request; hard-coded URL; PUT or no method; no Authorization header; the "
              "bare token without `Bearer `",
          .config_keys = {"roles.agent"},
          .run = run};
}

}  // namespace v15
