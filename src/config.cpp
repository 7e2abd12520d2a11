#include "v15check/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "v15check/suggest.h"
#include "v15check/text.h"

namespace v15 {

using json = nlohmann::ordered_json;

Config::Config() {
  for (Role r : kAllRoles) paths[r] = std::string(default_role_path(r));
}

const DisabledCheck* Config::disabled(const std::string& id) const {
  for (const auto& d : disable)
    if (d.id == id) return &d;
  return nullptr;
}

const std::map<std::string, std::string>& config_key_docs() {
  static const std::map<std::string, std::string> docs = {
      {"$schema", "string: the JSON Schema of this file (ignored by v15check)"},
      {"roles", "object: role (worker, do, jwt, agent, dockerfile) → path relative to the root"},
      {"className", "string: the Durable Object class (default ChatSessionAgent)"},
      {"doBinding",
       "string: the Durable Object namespace binding (default: the wrangler config's binding "
       "for className, else CHAT_SESSIONS)"},
      {"sandboxBinding",
       "string: the sandbox container binding (default: the wrangler config's binding for the "
       "container's class, else SANDBOX_CONTAINER)"},
      {"bridgeTimeoutMs", "number: expected bridge timeout in ms (default 300000)"},
      {"oauthPrefix", "string: required OAuth token prefix (default sk-ant-oat01-)"},
      {"pendingQueryPath",
       "string: where the prompt is written (default /tmp/vf-pending-query.json)"},
      {"agentImagePath",
       "string: the agent script's path in the image when the DO's startProcess command is "
       "unavailable (default /opt/claude-agent/claude-agent.js)"},
      {"callbackUrl",
       "string: expected VF_CALLBACK_URL (default https://vaporforge.dev/internal/stream)"},
      {"claudeConfigDir", "string: expected CLAUDE_CONFIG_DIR (default /root/.config/claude)"},
      {"envPrefixes",
       "array of strings: env name prefixes cross-checked by docker.env-names (default [\"VF_\"])"},
      {"envIgnore", "array of strings: env names docker.env-names ignores (default [])"},
      {"helperDepth",
       "integer 0-10: how many same-file helper calls deep \"in method M\" reaches, for every "
       "check (default 3)"},
      {"heartbeatMaxMs",
       "number: the longest heartbeat period of an open HTTP bridge in ms (default 60000)"},
      {"unbufferedHeaders",
       "array of \"Name: value\" strings: headers that keep the edge from buffering a stream "
       "(default [\"Cache-Control: no-transform\", \"Content-Encoding: identity\", "
       "\"Content-Encoding: none\"])"},
      {"authFunctions",
       "array of strings: the functions that authenticate a user (default []: any call whose "
       "null or false result is answered with 401/403)"},
      {"verifierFunctions",
       "array of strings: the execution-token verifiers (default []: the one the JWT file "
       "exports)"},
      {"disable", "array of {id, reason}: checks turned off, each with a required reason"},
      {"baseline",
       "string: a baseline file relative to the root whose FAILs are accepted (default: none)"},
  };
  return docs;
}

namespace {
// A key as a JSON Pointer (RFC 6901) reference token.
std::string pointer_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

struct Pos {
  int line = 0, column = 0;
};

// Where each key and value of a JSON document starts, by JSON pointer. nlohmann's parser does
// not report positions, so this pass walks the (already validated) text once more, iteratively
// (deep nesting cannot overflow the stack), skipping the comments nlohmann accepts.
class PositionIndex {
 public:
  explicit PositionIndex(std::string_view text) : text_(text) { scan(); }
  Pos key(const std::string& pointer) const { return get(keys_, pointer); }
  Pos value(const std::string& pointer) const { return get(values_, pointer); }
  // The first key that occurs twice in one object: its pointer, or empty.
  const std::string& duplicate() const { return duplicate_; }
  Pos duplicate_pos() const { return duplicate_pos_; }

 private:
  static Pos get(const std::map<std::string, Pos>& m, const std::string& p) {
    auto it = m.find(p);
    return it == m.end() ? Pos{} : it->second;
  }
  char peek() const { return i_ < text_.size() ? text_[i_] : '\0'; }
  void advance() {
    if (i_ >= text_.size()) return;
    unsigned char c = static_cast<unsigned char>(text_[i_++]);
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++col_;  // columns count characters, not UTF-8 continuation bytes
    }
  }
  Pos here() const { return {line_, col_}; }
  void skip_space() {
    while (i_ < text_.size()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '/') {
        while (i_ < text_.size() && peek() != '\n') advance();
      } else if (c == '/' && i_ + 1 < text_.size() && text_[i_ + 1] == '*') {
        advance();
        advance();
        while (i_ < text_.size() &&
               !(peek() == '*' && i_ + 1 < text_.size() && text_[i_ + 1] == '/'))
          advance();
        advance();
        advance();
      } else {
        return;
      }
    }
  }
  std::string scan_string() {  // at the opening quote; returns the decoded string
    std::size_t start = i_;
    advance();
    while (i_ < text_.size() && peek() != '"') {
      if (peek() == '\\') advance();
      advance();
    }
    advance();
    try {
      return json::parse(text_.substr(start, i_ - start)).get<std::string>();
    } catch (const json::exception&) {
      return {};
    }
  }
  void scan_scalar() {
    if (peek() == '"') {
      scan_string();
      return;
    }
    while (i_ < text_.size()) {
      char c = peek();
      if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
          c == '/')
        return;
      advance();
    }
  }

  // Positions are recorded this deep (config keys are at most 3 levels deep); deeper nesting is
  // only scanned, so a hostile file cannot make the pointers grow quadratically.
  static constexpr std::size_t kMaxTrackedDepth = 16;
  static std::size_t depth_of(const std::string& pointer) {
    return static_cast<std::size_t>(std::count(pointer.begin(), pointer.end(), '/'));
  }

  struct Frame {
    bool object = false;
    std::string pointer;
    std::size_t index = 0;
    std::vector<std::string> seen;
  };

  void scan() {
    std::vector<Frame> stack;
    std::string pointer;  // of the value about to be read
    bool expect_value = true;
    while (true) {
      skip_space();
      if (i_ >= text_.size()) return;
      if (expect_value) {
        if (stack.size() <= kMaxTrackedDepth) values_.emplace(pointer, here());
        char c = peek();
        if (c == '{' || c == '[') {
          stack.push_back({c == '{', pointer, 0, {}});
          advance();
          expect_value = false;
          if (!open_member(stack.back(), pointer)) continue;
          expect_value = true;
          continue;
        }
        scan_scalar();
        expect_value = false;
        continue;
      }
      if (stack.empty()) return;
      char c = peek();
      if (c == ',') {
        advance();
        expect_value = open_member(stack.back(), pointer);
        continue;
      }
      if (c == '}' || c == ']') {
        advance();
        stack.pop_back();
        continue;
      }
      advance();  // not reached for valid JSON; keep moving
    }
  }

  // After `{`, `[` or `,`: reads an object key (and its colon) or notes the next array index.
  // Returns true when a value follows, false at the closing bracket.
  bool open_member(Frame& f, std::string& pointer) {
    skip_space();
    if (peek() == '}' || peek() == ']') return false;
    bool tracked = f.pointer.size() < 4096 && depth_of(f.pointer) < kMaxTrackedDepth;
    if (!f.object) {
      pointer = tracked ? f.pointer + "/" + std::to_string(f.index) : f.pointer;
      ++f.index;
      return true;
    }
    Pos at = here();
    std::string key = scan_string();
    if (!tracked) {  // deeper than any config key: keep scanning, stop recording
      pointer = f.pointer;
      skip_space();
      if (peek() == ':') advance();
      return true;
    }
    pointer = f.pointer + "/" + pointer_key(key);
    if (std::find(f.seen.begin(), f.seen.end(), key) != f.seen.end()) {
      if (duplicate_.empty()) {
        duplicate_ = pointer;
        duplicate_pos_ = at;
      }
    } else {
      f.seen.push_back(key);
      keys_.emplace(pointer, at);
    }
    skip_space();
    if (peek() == ':') advance();
    return true;
  }

  std::string_view text_;
  std::size_t i_ = 0;
  int line_ = 1, col_ = 1;
  std::map<std::string, Pos> keys_, values_;
  std::string duplicate_;
  Pos duplicate_pos_;
};

// " (did you mean X?)" when a candidate is close to `word`.
std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  auto best = nearest(word, candidates);
  return best ? fmt::format(" (did you mean \"{}\"?)", *best) : std::string{};
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& origin) : origin_(origin), pos_(text) {}

  [[noreturn]] void fail_at(Pos p, const std::string& what) const {
    if (p.line > 0) throw ConfigError(fmt::format("{}:{}:{}: {}", origin_, p.line, p.column, what));
    throw ConfigError(fmt::format("{}: {}", origin_, what));
  }
  [[noreturn]] void fail_value(const std::string& ptr, const std::string& what) const {
    fail_at(pos_.value(ptr), fmt::format("{}: {}", ptr.empty() ? "/" : ptr, what));
  }
  [[noreturn]] void fail_key(const std::string& ptr, const std::string& what) const {
    fail_at(pos_.key(ptr), fmt::format("{}: {}", ptr, what));
  }
  const PositionIndex& positions() const { return pos_; }
  Pos value_pos(const std::string& ptr) const { return pos_.value(ptr); }

  std::string string(const json& j, const std::string& ptr) const {
    if (!j.is_string()) fail_value(ptr, "expected a string, found " + describe(j));
    return j.get<std::string>();
  }
  std::string nonempty_string(const json& j, const std::string& ptr) const {
    std::string s = string(j, ptr);
    if (s.empty()) fail_value(ptr, "expected a non-empty string");
    return s;
  }
  std::vector<std::string> strings(const json& j, const std::string& ptr) const {
    if (!j.is_array()) fail_value(ptr, "expected an array of strings, found " + describe(j));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < j.size(); ++i)
      out.push_back(nonempty_string(j[i], fmt::format("{}/{}", ptr, i)));
    return out;
  }
  static std::string describe(const json& j) {
    if (j.is_structured()) return j.type_name();  // dump() of deep input would recurse
    std::string v = j.dump();
    if (v.size() > 40) v = v.substr(0, 37) + "...";
    return fmt::format("{} {}", j.type_name(), v);
  }

 private:
  std::string origin_;
  PositionIndex pos_;
};

}  // namespace

namespace {

// JSON with comments as editors write it (VS Code's jsonc, tsconfig): a comma after the last
// member of an object or array is allowed. nlohmann does not accept one, so each such comma is
// replaced by a space before parsing; offsets stay the same, so every other error keeps its
// line:column. A comma that follows no value (`[,]`, `[1,,]`, `{,}`) is left for the parser
// to reject.
std::string without_trailing_commas(const std::string& text) {
  std::string out = text;
  char last = '\0';  // the last character outside whitespace and comments
  std::size_t pending = std::string::npos;
  for (std::size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      while (i < out.size() && out[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < out.size() && out[i + 1] == '*') {
      auto end = out.find("*/", i + 2);
      if (end == std::string::npos) break;  // an unclosed comment: the parser names it
      i = end + 1;
      continue;
    }
    if ((c == '}' || c == ']') && pending != std::string::npos) out[pending] = ' ';
    pending = std::string::npos;
    if (c == ',' && last != ',' && last != '[' && last != '{' && last != ':' && last != '\0')
      pending = i;
    if (c == '"') {
      for (++i; i < out.size() && out[i] != '"'; ++i)
        if (out[i] == '\\') ++i;
    }
    last = c;
  }
  return out;
}

}  // namespace

// Where nlohmann's parser stops on a document that is valid JSON text but has no value it can
// hold (a number past double's range): the DOM parser reports those without a position, a SAX
// pass names the byte where the value starts.
struct StopPosition : nlohmann::json_sax<json> {
  std::size_t byte = 0;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception&) override {
    // `position` is the token's last byte (1-based): name its first
    byte = position + 1 > last_token.size() ? position + 1 - last_token.size() : position;
    return false;
  }
};

Config parse_config(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& check_ids) {
  // `byte` is 1-based; the message names its line:column, for people.
  auto invalid = [&](std::size_t byte, const std::string& what, std::string_view from) {
    byte = byte == 0 ? 0 : byte - 1;
    int line = 1, col = 1;
    for (std::size_t i = 0; i < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    auto pos = what.find(from);
    return ConfigError(fmt::format("{}:{}:{}: invalid JSON: {}", origin, line, col,
                                   pos == std::string::npos ? what : what.substr(pos)));
  };
  json doc;
  try {
    doc = json::parse(without_trailing_commas(text), nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    throw invalid(e.byte, e.what(), "syntax error");
  } catch (const json::out_of_range& e) {
    StopPosition stop;
    json::sax_parse(without_trailing_commas(text), &stop, json::input_format_t::json, true,
                    /*ignore_comments=*/true);
    throw invalid(stop.byte, e.what(), "number overflow");
  }
  Parser p(text, origin);
  if (!p.positions().duplicate().empty())
    p.fail_at(p.positions().duplicate_pos(),
              fmt::format("{}: duplicate key (a later value would silently win)",
                          p.positions().duplicate()));
  if (!doc.is_object()) p.fail_value("", "expected an object, found " + Parser::describe(doc));

  std::vector<std::string> known_keys;
  for (const auto& [k, _] : config_key_docs()) known_keys.push_back(k);

  Config c;
  for (const auto& [key, value] : doc.items()) {
    std::string where = "/" + pointer_key(key);
    if (key == "$schema") {
      p.string(value, where);
    } else if (key == "roles") {
      if (!value.is_object())
        p.fail_value(where, "expected an object, found " + Parser::describe(value));
      std::vector<std::string> role_names;
      for (Role r : kAllRoles) role_names.emplace_back(role_key(r));
      for (const auto& [rk, rv] : value.items()) {
        std::string w = where + "/" + pointer_key(rk);
        auto role = role_from_key(rk);
        if (!role)
          p.fail_key(w, "unknown role (expected worker, do, jwt, agent or dockerfile)" +
                            suggestion(rk, role_names));
        std::string path = p.nonempty_string(rv, w);
        if (path.front() == '/') p.fail_value(w, "expected a path relative to the root");
        c.paths[*role] = path;
      }
    } else if (key == "className") {
      c.class_name = p.nonempty_string(value, where);
    } else if (key == "doBinding") {
      c.do_binding = p.nonempty_string(value, where);
    } else if (key == "sandboxBinding") {
      c.sandbox_binding = p.nonempty_string(value, where);
    } else if (key == "bridgeTimeoutMs") {
      if (!value.is_number() || value.get<double>() <= 0)
        p.fail_value(where, "expected a positive number, found " + Parser::describe(value));
      c.bridge_timeout_ms = value.get<double>();
    } else if (key == "oauthPrefix") {
      c.oauth_prefix = p.nonempty_string(value, where);
    } else if (key == "pendingQueryPath") {
      c.pending_query_path = p.nonempty_string(value, where);
    } else if (key == "agentImagePath") {
      c.agent_image_path = p.nonempty_string(value, where);
    } else if (key == "callbackUrl") {
      c.callback_url = p.nonempty_string(value, where);
    } else if (key == "claudeConfigDir") {
      c.claude_config_dir = p.nonempty_string(value, where);
    } else if (key == "envPrefixes") {
      c.env_prefixes = p.strings(value, where);
    } else if (key == "envIgnore") {
      c.env_ignore = p.strings(value, where);
    } else if (key == "helperDepth") {
      if (!value.is_number_integer() || value.get<int>() < 0 || value.get<int>() > 10)
        p.fail_value(where, "expected an integer from 0 to 10, found " + Parser::describe(value));
      c.helper_depth = value.get<int>();
    } else if (key == "heartbeatMaxMs") {
      if (!value.is_number() || value.get<double>() <= 0)
        p.fail_value(where, "expected a positive number, found " + Parser::describe(value));
      c.heartbeat_max_ms = value.get<double>();
    } else if (key == "unbufferedHeaders") {
      c.unbuffered_headers = p.strings(value, where);
      for (std::size_t i = 0; i < c.unbuffered_headers.size(); ++i) {
        const std::string& h = c.unbuffered_headers[i];
        auto colon = h.find(':');
        if (colon == std::string::npos || colon == 0 ||
            h.find_first_not_of(" \t", colon + 1) == std::string::npos)
          p.fail_value(fmt::format("{}/{}", where, i),
                       fmt::format("expected \"Name: value\", found \"{}\"", h));
      }
    } else if (key == "authFunctions") {
      c.auth_functions = p.strings(value, where);
    } else if (key == "verifierFunctions") {
      c.verifier_functions = p.strings(value, where);
    } else if (key == "baseline") {
      c.baseline = p.nonempty_string(value, where);
      if (c.baseline.front() == '/') p.fail_value(where, "expected a path relative to the root");
    } else if (key == "disable") {
      if (!value.is_array())
        p.fail_value(where, "expected an array, found " + Parser::describe(value));
      for (std::size_t i = 0; i < value.size(); ++i) {
        std::string w = fmt::format("{}/{}", where, i);
        const json& item = value[i];
        if (!item.is_object())
          p.fail_value(w, "expected {\"id\": \"<check ID>\", \"reason\": \"<why>\"}, found " +
                              Parser::describe(item));
        DisabledCheck d;
        for (const auto& [dk, dv] : item.items()) {
          std::string kw = w + "/" + pointer_key(dk);
          if (dk == "id")
            d.id = p.nonempty_string(dv, kw);
          else if (dk == "reason")
            d.reason = p.string(dv, kw);
          else
            p.fail_key(kw, "unknown key (expected id, reason)" + suggestion(dk, {"id", "reason"}));
        }
        if (d.id.empty()) p.fail_value(w, "missing \"id\"");
        auto blank = d.reason.find_first_not_of(" \t\r\n") == std::string::npos;
        if (blank) p.fail_value(w, "missing \"reason\": say why the check is off");
        Pos at = p.value_pos(w + "/id");
        d.line = at.line;
        d.column = at.column;
        if (!check_ids.empty() &&
            std::find(check_ids.begin(), check_ids.end(), d.id) == check_ids.end())
          p.fail_value(w + "/id", fmt::format("unknown check ID \"{}\"{} (see --list-checks)", d.id,
                                              suggestion(d.id, check_ids)));
        if (c.disabled(d.id))
          p.fail_value(w + "/id", fmt::format("\"{}\" is disabled twice", d.id));
        c.disable.push_back(std::move(d));
      }
    } else {
      p.fail_key(where, fmt::format("unknown key \"{}\"{}", key, suggestion(key, known_keys)));
    }
    if (key != "$schema") c.origins[key] = origin;
  }
  return c;
}

std::string config_value(const Config& config, std::string_view key) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", s);
    return "[" + out + "]";
  };
  if (key == "className") return config.class_name;
  if (key == "doBinding") return config.do_binding;
  if (key == "sandboxBinding") return config.sandbox_binding;
  if (key == "bridgeTimeoutMs") return fmt::format("{}", config.bridge_timeout_ms);
  if (key == "oauthPrefix") return config.oauth_prefix;
  if (key == "pendingQueryPath") return config.pending_query_path;
  if (key == "agentImagePath") return config.agent_image_path;
  if (key == "callbackUrl") return config.callback_url;
  if (key == "claudeConfigDir") return config.claude_config_dir;
  if (key == "envPrefixes") return list(config.env_prefixes);
  if (key == "envIgnore") return list(config.env_ignore);
  if (key == "helperDepth") return fmt::format("{}", config.helper_depth);
  if (key == "heartbeatMaxMs") return fmt::format("{}", config.heartbeat_max_ms);
  if (key == "unbufferedHeaders") return list(config.unbuffered_headers);
  if (key == "authFunctions") return list(config.auth_functions);
  if (key == "verifierFunctions") return list(config.verifier_functions);
  return {};
}

std::string config_note(const Config& config, std::string_view key) {
  auto origin = config.origins.find(std::string(key));
  return fmt::format(
      "(config: {} = {}{})", key, cap(config_value(config, key)),
      origin == config.origins.end() ? std::string{} : ", from " + cap(origin->second));
}

Config load_config_file(const std::string& path, const std::vector<std::string>& check_ids) {
  ReadResult r = read_regular_file(path, path);
  if (r.status != ReadResult::Status::Ok)
    throw ConfigError(fmt::format("cannot use config file: {}", r.error));
  return parse_config(r.text, path, check_ids);
}

}  // namespace v15
