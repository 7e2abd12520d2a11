#include "v15check/syntax.h"

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

Node Node::field(std::string_view name) const {
  if (null()) return {};
  return wrap(ts_node_child_by_field_name(node_, name.data(), static_cast<uint32_t>(name.size())));
}

std::vector<Node> Node::named_children() const {
  std::vector<Node> out;
  uint32_t n = named_child_count();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(named_child(i));
  return out;
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
  TSQuery* q = ts_query_new(grammar(language), pattern.data(), static_cast<uint32_t>(pattern.size()),
                            &offset, &kind);
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
