#include "v15check/syntax.h"

#include <array>
#include <cstring>
#include <unordered_map>

extern "C" {
const TSLanguage* tree_sitter_typescript();
const TSLanguage* tree_sitter_tsx();
const TSLanguage* tree_sitter_javascript();
}

namespace v15 {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

std::optional<Language> language_for_path(std::string_view path) {
  for (std::string_view ext : {".ts", ".mts", ".cts"})
    if (ends_with(path, ext)) return Language::TypeScript;
  if (ends_with(path, ".tsx")) return Language::Tsx;
  for (std::string_view ext : {".js", ".mjs", ".cjs", ".jsx"})
    if (ends_with(path, ext)) return Language::JavaScript;
  return std::nullopt;
}

const TSLanguage* grammar(Language language) {
  switch (language) {
    case Language::TypeScript:
      return tree_sitter_typescript();
    case Language::Tsx:
      return tree_sitter_tsx();
    case Language::JavaScript:
      return tree_sitter_javascript();
  }
  return nullptr;
}

namespace {
// tree-sitter looks field names up by a linear scan with strncmp; the checks ask for fields
// constantly, so each grammar's name → id table is built once and hashed.
class FieldIds {
 public:
  explicit FieldIds(const TSLanguage* language) {
    uint32_t n = ts_language_field_count(language);
    for (TSFieldId id = 1; id <= n; ++id)
      if (const char* name = ts_language_field_name_for_id(language, id)) {
        std::string_view v(name);
        auto& bucket = by_length_[v.size() % by_length_.size()];
        bool seen = false;
        for (const auto& e : bucket) seen = seen || e.first == v;
        if (!seen) bucket.emplace_back(v, id);  // the first id of a name, as emplace kept it
      }
  }
  // Bucketed by length, then a short linear compare: cheaper than hashing the name per call.
  TSFieldId find(std::string_view name) const {
    for (const auto& e : by_length_[name.size() % by_length_.size()])
      if (e.first == name) return e.second;
    return 0;
  }

 private:
  std::array<std::vector<std::pair<std::string_view, TSFieldId>>, 32> by_length_;
};

TSFieldId field_id(const TSLanguage* language, std::string_view name) {
  static const FieldIds typescript(grammar(Language::TypeScript));
  static const FieldIds tsx(grammar(Language::Tsx));
  static const FieldIds javascript(grammar(Language::JavaScript));
  if (language == grammar(Language::TypeScript)) return typescript.find(name);
  if (language == grammar(Language::Tsx)) return tsx.find(name);
  if (language == grammar(Language::JavaScript)) return javascript.find(name);
  return ts_language_field_id_for_name(language, name.data(), static_cast<uint32_t>(name.size()));
}
}  // namespace

Node Node::field(std::string_view name) const {
  if (null()) return {};
  TSFieldId id = field_id(ts_node_language(node_), name);
  if (id == 0) return {};
  return wrap(ts_node_child_by_field_id(node_, id));
}

namespace {
// Children by cursor: linear, where ts_node_named_child(i) in a loop is quadratic.
template <typename Keep>
std::vector<Node> collect_children(const Node& n, Keep keep) {
  std::vector<Node> out;
  if (n.null()) return out;
  TSTreeCursor cursor = ts_tree_cursor_new(n.raw());
  if (ts_tree_cursor_goto_first_child(&cursor)) {
    do {
      TSNode c = ts_tree_cursor_current_node(&cursor);
      if (keep(c)) out.push_back(n.at(c));
    } while (ts_tree_cursor_goto_next_sibling(&cursor));
  }
  ts_tree_cursor_delete(&cursor);
  return out;
}

// Symbol names with their lengths, per grammar, so kind() needs no strlen.
class SymbolNames {
 public:
  explicit SymbolNames(const TSLanguage* language) {
    uint32_t n = ts_language_symbol_count(language);
    names_.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      const char* name = ts_language_symbol_name(language, static_cast<TSSymbol>(i));
      names_.emplace_back(name ? name : "");
    }
  }
  std::string_view operator[](TSSymbol s) const {
    return s < names_.size() ? names_[s] : std::string_view{};
  }

 private:
  std::vector<std::string_view> names_;
};

std::string_view symbol_name(const TSLanguage* language, TSSymbol symbol) {
  // one guard and no grammar() calls per kind(): it runs for nearly every node the checks see
  struct Grammars {
    const TSLanguage* typescript = grammar(Language::TypeScript);
    const TSLanguage* tsx = grammar(Language::Tsx);
    const TSLanguage* javascript = grammar(Language::JavaScript);
    SymbolNames typescript_names{typescript}, tsx_names{tsx}, javascript_names{javascript};
  };
  static const Grammars g;
  if (language == g.typescript) return g.typescript_names[symbol];
  if (language == g.tsx) return g.tsx_names[symbol];
  if (language == g.javascript) return g.javascript_names[symbol];
  return ts_language_symbol_name(language, symbol);
}
}  // namespace

std::string_view Node::kind() const {
  if (null()) return {};
  return symbol_name(ts_node_language(node_), ts_node_symbol(node_));
}

TSSymbol symbol_for_kind(Language language, std::string_view kind) {
  class Symbols {
   public:
    explicit Symbols(const TSLanguage* l) {
      uint32_t n = ts_language_symbol_count(l);
      for (uint32_t i = 0; i < n; ++i) {
        TSSymbol s = static_cast<TSSymbol>(i);
        if (ts_language_symbol_type(l, s) != TSSymbolTypeRegular) continue;
        const char* name = ts_language_symbol_name(l, s);
        if (!name || ids_.count(name)) continue;
        ids_.emplace(name, ts_language_symbol_for_name(
                               l, name, static_cast<uint32_t>(std::strlen(name)), true));
      }
    }
    TSSymbol find(std::string_view k) const {
      auto it = ids_.find(k);
      return it == ids_.end() ? 0 : it->second;
    }

   private:
    std::unordered_map<std::string_view, TSSymbol> ids_;
  };
  // each table is built on first use: a run over .ts and .js files never builds the tsx one
  switch (language) {
    case Language::TypeScript: {
      static const Symbols typescript(grammar(Language::TypeScript));
      return typescript.find(kind);
    }
    case Language::Tsx: {
      static const Symbols tsx(grammar(Language::Tsx));
      return tsx.find(kind);
    }
    case Language::JavaScript: {
      static const Symbols javascript(grammar(Language::JavaScript));
      return javascript.find(kind);
    }
  }
  return 0;
}

Node Node::parent() const {
  if (null()) return {};
  if (parents_)
    if (const TSNode* p = parents_->find(node_)) return wrap(*p);
  return wrap(ts_node_parent(node_));
}

std::vector<Node> Node::named_children() const {
  return collect_children(*this, [](const TSNode& c) { return ts_node_is_named(c); });
}

std::vector<Node> Node::children() const {
  return collect_children(*this, [](const TSNode&) { return true; });
}

std::string_view Node::field_name_of_child(uint32_t i) const {
  if (null()) return {};
  const char* name = ts_node_field_name_for_child(node_, i);
  return name ? std::string_view(name) : std::string_view{};
}

std::string_view Node::text() const {
  if (null()) return {};
  uint32_t b = start_byte(), e = end_byte();
  if (b > source_.size() || e > source_.size() || e < b) return {};
  return source_.substr(b, e - b);
}

Parser::Parser() : parser_(ts_parser_new()) {}

Tree Parser::parse(std::string_view source, Language language) {
  if (!ts_parser_set_language(parser_.get(), grammar(language))) return {};
  TSTree* tree = ts_parser_parse_string(parser_.get(), nullptr, source.data(),
                                        static_cast<uint32_t>(source.size()));
  ts_parser_reset(parser_.get());
  return Tree(tree, source, language);
}

Node first_error(const Node& root) {
  Node found;
  if (!root.has_error()) return found;
  walk(root, [&](const Node& n, uint32_t) {
    if (!found.null()) return false;
    if (n.is_error()) {
      found = n;
      return false;
    }
    return n.has_error();
  });
  return found;
}

Query::Query(Language language, std::string_view pattern) {
  uint32_t offset = 0;
  TSQueryError kind = TSQueryErrorNone;
  TSQuery* q = ts_query_new(grammar(language), pattern.data(),
                            static_cast<uint32_t>(pattern.size()), &offset, &kind);
  if (q == nullptr) {
    error_ = "query error " + std::to_string(static_cast<int>(kind)) + " at byte " +
             std::to_string(offset);
    return;
  }
  query_.reset(q);
}

std::string_view Query::capture_name(uint32_t index) const {
  uint32_t length = 0;
  const char* name = ts_query_capture_name_for_id(query_.get(), index, &length);
  return name ? std::string_view(name, length) : std::string_view{};
}

QueryCursor::QueryCursor() : cursor_(ts_query_cursor_new()) {}

std::vector<QueryCapture> QueryCursor::captures(const Query& query, const Node& node) {
  std::vector<QueryCapture> out;
  if (!query.valid() || node.null()) return out;
  ts_query_cursor_exec(cursor_.get(), query.raw(), node.raw());
  TSQueryMatch match;
  uint32_t index = 0;
  while (ts_query_cursor_next_capture(cursor_.get(), &match, &index)) {
    const TSQueryCapture& c = match.captures[index];
    out.push_back({query.capture_name(c.index), Node(c.node, node.source())});
  }
  return out;
}

}  // namespace v15
