// do.env-callback-url: env sets `VF_CALLBACK_URL` to the stream callback
#include <fmt/format.h>

#include <optional>

#include "v15check/analysis/found_values.h"
#include "v15check/check.h"
#include "v15check/facts/dispatch_env.h"

#include "dispatch.h"

namespace v15 {

namespace {

using analysis::code_snippet;
using facts::dispatch_env;
using facts::entries_for;
using facts::entry_name;
using facts::missing_key;

// A URL built from constants and env bindings: `${this.env.WORKER_BASE_URL}/internal/stream`.
struct UrlPart {
  std::string text;                // constant text
  std::optional<std::string> env;  // or an env binding
};

std::optional<std::vector<UrlPart>> url_parts(const FileModel& m, const Function& fn,
                                              const Node& expr, int depth = 0) {
  if (depth > 8) return std::nullopt;
  Node e = FileModel::strip_await(m.caller_value(expr, fn));
  if (e.null()) return std::nullopt;
  if (auto v = m.fold_string(e)) return std::vector<UrlPart>{{*v, std::nullopt}};
  if (auto env = m.env_name(e)) return std::vector<UrlPart>{{{}, *env}};
  auto concat = [](std::vector<UrlPart> a, const std::vector<UrlPart>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  if (e.is("template_string")) {
    std::vector<UrlPart> out;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("string_fragment")) {
        out.push_back({std::string(c.text()), std::nullopt});
      } else if (c.is("template_substitution")) {
        auto inner = url_parts(m, fn, c.named_child(0), depth + 1);
        if (!inner) return std::nullopt;
        out = concat(out, *inner);
      } else if (c.is("escape_sequence")) {
        return std::nullopt;
      }
    }
    return out;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+") {
    auto l = url_parts(m, fn, e.field("left"), depth + 1);
    auto r = url_parts(m, fn, e.field("right"), depth + 1);
    if (!l || !r) return std::nullopt;
    return concat(*l, *r);
  }
  if (e.is("identifier") || e.is("shorthand_property_identifier")) {
    Origin o = m.trace(e);
    if (!o.path.empty() || o.expr == e) return std::nullopt;
    return url_parts(m, fn, o.expr, depth + 1);
  }
  // new URL('/internal/stream', base).href / .toString()
  Node u = e;
  if (u.is("member_expression") && u.field("property").text() == "href")
    u = FileModel::strip(u.field("object"));
  if (u.is("call_expression") && FileModel::callee_name(u) == "toString")
    u = FileModel::strip(FileModel::callee_object(u));
  if (u.is("new_expression") && FileModel::callee_name(u) == "URL") {
    auto args = FileModel::arguments(u);
    if (args.size() != 2) return std::nullopt;
    auto path = m.fold_string(args[0]);
    auto base = url_parts(m, fn, args[1], depth + 1);
    if (!path || path->empty() || path->front() != '/' || !base) return std::nullopt;
    // an absolute path replaces the base's path: keep only a constant base's origin
    if (!base->empty() && !base->back().env) {
      std::string& text = base->back().text;
      auto scheme = text.find("://");
      auto slash = text.find('/', scheme == std::string::npos ? 0 : scheme + 3);
      if (slash != std::string::npos) text.erase(slash);
    }
    base->push_back({*path, std::nullopt});
    return base;
  }
  return std::nullopt;
}

std::string url_path(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

Outcome env_callback_url(const CheckContext& ctx) {
  auto d = dispatch_env(ctx);
  if (!d) return d.failure();
  const MethodScope* s = &d->scope;
  const StartProcessEnv* env = d->env;
  const FileModel& m = *s->model;
  const Function& fn = *s->function;
  const std::string& want = ctx.config().callback_url;
  const WranglerVars* vars = ctx.project().wrangler();
  auto entries = entries_for(*env, "VF_CALLBACK_URL");
  if (entries.empty()) return missing_key(*env, "VF_CALLBACK_URL");
  std::string pass_text;
  for (const EnvEntry* e : entries) {
    auto parts = url_parts(m, fn, e->source);
    if (!parts)
      return Outcome::fail(e->location,
                           fmt::format("{} is {}, neither a constant nor an env binding plus a "
                                       "constant path; expected {}",
                                       entry_name(*e), code_snippet(e->value, 60), cap(want)));
    std::string shape, value, unresolved, resolved_from, after_env;
    bool has_env = false;
    for (const auto& p : *parts) {
      if (p.env) {
        has_env = true;
        after_env.clear();
        shape += "${" + *p.env + "}";
        const std::string* var = nullptr;
        if (vars) {
          auto it = vars->vars.find(*p.env);
          if (it != vars->vars.end()) var = &it->second;
        }
        if (var) {
          value += *var;
          resolved_from +=
              fmt::format("{}{} = \"{}\"", resolved_from.empty() ? "" : ", ", *p.env, *var);
        } else if (unresolved.empty()) {
          unresolved = *p.env;
        }
      } else {
        shape += p.text;
        value += p.text;
        after_env += p.text;
      }
    }
    if (!has_env) {
      if (value != want) {
        Outcome o = ctx.differs(
            e->location,
            fmt::format("{} is '{}'; expected {}", entry_name(*e), cap(value), cap(want)),
            "callbackUrl");
        if (!value.empty())
          o.config_mismatch = ConfigMismatch{"callbackUrl", Constant{value}, e->location};
        return o;
      }
      pass_text = fmt::format("{} is '{}'", entry_name(*e), cap(value));
      continue;
    }
    std::string vars_name = vars ? vars->path : "wrangler config";
    if (unresolved.empty()) {
      if (value != want)
        return ctx.differs(
            e->location,
            fmt::format("{} is `{}`, which resolves to {} with {} from {} vars; "
                        "expected {}",
                        entry_name(*e), shape, cap(value), resolved_from, vars_name, cap(want)),
            "callbackUrl");
      pass_text = fmt::format("{} is `{}` = {} ({} from {} vars)", entry_name(*e), shape,
                              cap(value), resolved_from, vars_name);
      continue;
    }
    std::string why = !vars ? "no wrangler config found"
                      : !vars->error.empty()
                          ? fmt::format("{} could not be read: {}", vars->path, vars->error)
                          : fmt::format("{} has no var {}", vars->path, unresolved);
    std::string path = url_path(want);
    if (after_env.empty())
      return Outcome::fail(
          e->location,
          fmt::format(
              "{} is `{}`, which cannot be resolved ({}) and has no constant path to check; "
              "expected {}, or a var {} in the wrangler config",
              entry_name(*e), shape, why, cap(want), unresolved));
    if (after_env != path)
      return ctx.differs(
          e->location,
          fmt::format("{} is `{}`: after the env binding {} ({}) it ends in '{}'; "
                      "expected the path {} of {}",
                      entry_name(*e), shape, unresolved, why, after_env, path, cap(want)),
          "callbackUrl");
    pass_text = fmt::format(
        "{} is `{}`: built from the env binding {}, which cannot be resolved ({}), "
        "plus the path {}",
        entry_name(*e), shape, unresolved, why, path);
  }
  return Outcome::pass(entries.back()->location, pass_text);
}

}  // namespace

Check do_env_callback_url_check() {
  return {
      .id = "do.env-callback-url",
      .group = Group::DurableObject,
      .title = "env sets `VF_CALLBACK_URL` to the stream callback",
      .expected = "VF_CALLBACK_URL: https://vaporforge.dev/internal/stream (config callbackUrl)",
      .role = Role::DurableObject,
      .passes_when =
          "the value folds to callbackUrl; or env binding + constant path resolved through "
          "wrangler vars equals it; or, when the binding cannot be resolved, the constant "
          "path is callbackUrl's path",
      .fails_when =
          "another path or origin (including a wrangler var with another origin); missing",
      .config_keys = {"callbackUrl", "roles.do"},
      .run = env_callback_url};
}

}  // namespace v15
