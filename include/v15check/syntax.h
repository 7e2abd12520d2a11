// Tree-sitter front end: RAII handles, a small Node view, iterative traversal.
#pragma once

#include <tree_sitter/api.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace v15 {

enum class Language { TypeScript, Tsx, JavaScript };

// The grammar for a file name, by extension (.ts .mts .cts, .tsx, .js .mjs .cjs .jsx).
std::optional<Language> language_for_path(std::string_view path);
const TSLanguage* grammar(Language language);

// Parents of a tree's nodes, recorded during the model's one walk: tree-sitter finds a parent by
// descending from the root, which costs thousands of instructions per call on wide trees.
class ParentIndex {
 public:
  void add(const TSNode& child, const TSNode& parent) { parents_.emplace(child.id, parent); }
  const TSNode* find(const TSNode& child) const {
    auto it = parents_.find(child.id);
    return it == parents_.end() ? nullptr : &it->second;
  }
  void reserve(std::size_t n) { parents_.reserve(n); }

 private:
  std::unordered_map<const void*, TSNode> parents_;
};

// A view of one syntax node plus the source buffer it indexes. Cheap to copy; valid while
// the tree and the source it was parsed from are alive.
class Node {
 public:
  Node() = default;
  Node(TSNode node, std::string_view source, const ParentIndex* parents = nullptr)
      : node_(node), source_(source), parents_(parents) {}

  bool null() const { return ts_node_is_null(node_); }
  explicit operator bool() const { return !null(); }
  std::string_view kind() const;
  TSSymbol symbol() const { return null() ? 0 : ts_node_symbol(node_); }
  bool is(std::string_view k) const { return !null() && kind() == k; }
  bool named() const { return ts_node_is_named(node_); }
  bool has_error() const { return !null() && ts_node_has_error(node_); }
  bool is_error() const {
    return !null() && (ts_node_is_error(node_) || ts_node_is_missing(node_));
  }

  Node field(std::string_view name) const;
  Node child(uint32_t i) const { return wrap(ts_node_child(node_, i)); }
  uint32_t child_count() const { return null() ? 0 : ts_node_child_count(node_); }
  Node named_child(uint32_t i) const { return wrap(ts_node_named_child(node_, i)); }
  uint32_t named_child_count() const { return null() ? 0 : ts_node_named_child_count(node_); }
  std::vector<Node> named_children() const;
  std::vector<Node> children() const;  // named and anonymous, in order
  // The field name under which child i hangs from this node, or empty.
  std::string_view field_name_of_child(uint32_t i) const;
  Node parent() const;
  Node next_named_sibling() const { return wrap(ts_node_next_named_sibling(node_)); }

  std::string_view text() const;
  uint32_t start_byte() const { return ts_node_start_byte(node_); }
  uint32_t end_byte() const { return ts_node_end_byte(node_); }
  int line() const { return static_cast<int>(ts_node_start_point(node_).row) + 1; }
  int column() const { return static_cast<int>(ts_node_start_point(node_).column) + 1; }
  int end_line() const { return static_cast<int>(ts_node_end_point(node_).row) + 1; }
  bool contains(const Node& other) const {
    return !null() && !other.null() && start_byte() <= other.start_byte() &&
           other.end_byte() <= end_byte();
  }
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(node_.id); }
  const TSNode& raw() const { return node_; }
  // Another node of the same tree, sharing this view's source and parent index.
  Node at(TSNode n) const { return wrap(n); }
  std::string_view source() const { return source_; }

  friend bool operator==(const Node& a, const Node& b) { return ts_node_eq(a.node_, b.node_); }

 private:
  Node wrap(TSNode n) const { return Node(n, source_, parents_); }
  TSNode node_{};
  std::string_view source_;
  const ParentIndex* parents_ = nullptr;
};

struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};
struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};
struct QueryDeleter {
  void operator()(TSQuery* q) const { ts_query_delete(q); }
};
struct QueryCursorDeleter {
  void operator()(TSQueryCursor* c) const { ts_query_cursor_delete(c); }
};

// A parsed file. The source buffer is borrowed and must outlive the tree.
class Tree {
 public:
  Tree() = default;
  Tree(TSTree* tree, std::string_view source, Language language)
      : tree_(tree),
        source_(source),
        language_(language),
        parents_(std::make_unique<ParentIndex>()) {}
  bool valid() const { return tree_ != nullptr; }
  Node root() const {
    return tree_ ? Node(ts_tree_root_node(tree_.get()), source_, parents_.get()) : Node{};
  }
  // Filled by whoever walks the whole tree once (the model); nodes derived from root() use it.
  ParentIndex& parents() { return *parents_; }
  std::string_view source() const { return source_; }
  Language language() const { return language_; }

 private:
  std::unique_ptr<TSTree, TreeDeleter> tree_;
  std::string_view source_;
  Language language_ = Language::TypeScript;
  std::unique_ptr<ParentIndex> parents_;
};

class Parser {
 public:
  Parser();
  // Parses `source` (borrowed) as `language`. Returns an invalid tree only if tree-sitter gives
  // up (it does not for any input within the size caps; recovery yields ERROR nodes instead).
  Tree parse(std::string_view source, Language language);

 private:
  std::unique_ptr<TSParser, ParserDeleter> parser_;
};

// The public symbol of a named node kind in a grammar (0 when the grammar has no such kind).
TSSymbol symbol_for_kind(Language language, std::string_view kind);

// The first ERROR or MISSING node in document order, if the tree has any.
Node first_error(const Node& root);

// A compiled tree-sitter query. Compiling against the TypeScript grammar is expensive
// (tens of milliseconds for a handful of patterns): compile once, reuse.
class Query {
 public:
  // On a syntax error in `pattern`, valid() is false and error() says where.
  Query(Language language, std::string_view pattern);
  bool valid() const { return query_ != nullptr; }
  const std::string& error() const { return error_; }
  const TSQuery* raw() const { return query_.get(); }
  std::string_view capture_name(uint32_t index) const;

 private:
  std::unique_ptr<TSQuery, QueryDeleter> query_;
  std::string error_;
};

struct QueryCapture {
  std::string_view name;
  Node node;
};

class QueryCursor {
 public:
  QueryCursor();
  // Every capture of every match of `query` under `node`, in document order.
  std::vector<QueryCapture> captures(const Query& query, const Node& node);

 private:
  std::unique_ptr<TSQueryCursor, QueryCursorDeleter> cursor_;
};

// Pre-order traversal with a tree cursor: no recursion, so nesting depth is bounded only by
// memory. `visit(node, depth)` returns false to skip the node's children.
template <typename Visit>
void walk(const Node& root, Visit&& visit) {
  if (root.null()) return;
  TSTreeCursor cursor = ts_tree_cursor_new(root.raw());
  struct CursorGuard {
    TSTreeCursor* c;
    ~CursorGuard() { ts_tree_cursor_delete(c); }
  } guard{&cursor};
  uint32_t depth = 0;
  for (;;) {
    Node node = root.at(ts_tree_cursor_current_node(&cursor));
    bool descend = visit(node, depth);
    if (descend && ts_tree_cursor_goto_first_child(&cursor)) {
      ++depth;
      continue;
    }
    for (;;) {
      if (depth == 0) return;
      if (ts_tree_cursor_goto_next_sibling(&cursor)) break;
      ts_tree_cursor_goto_parent(&cursor);
      --depth;
    }
  }
}

}  // namespace v15
