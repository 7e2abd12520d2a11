// Tree-sitter front end: RAII handles, a small Node view, iterative traversal.
#pragma once

#include <tree_sitter/api.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "v15check/syntax_row.h"

namespace v15 {

enum class Language { TypeScript, Tsx, JavaScript };

// The grammar for a file name, by extension (.ts .mts .cts, .tsx, .js .mjs .cjs .jsx).
std::optional<Language> language_for_path(std::string_view path);
const TSLanguage* grammar(Language language);

class SyntaxTable;

// Throw std::logic_error("unknown node kind 'x'") / ("unknown field 'x'") unless one of the
// grammars (TypeScript, TSX, JavaScript) has a node kind (named or anonymous) / a field of that
// name. The code names kinds and fields as string literals; tree-sitter answers an unknown one
// with "no such node", which a check would read as a quiet PASS. Each distinct string is looked
// up once per thread (cached by its address and size, as literals keep theirs).
void require_kind(std::string_view kind);
void require_field(std::string_view name);

// A view of one syntax node: an index into its tree's flat table. Cheap to copy (two words);
// valid while the tree and the source it was parsed from are alive.
class Node {
 public:
  Node() = default;
  Node(const SyntaxTable* table, uint32_t index) : table_(table), index_(index) {}

  bool null() const { return table_ == nullptr; }
  explicit operator bool() const { return !null(); }
  std::string_view kind() const;
  TSSymbol symbol() const;
  // Throws std::logic_error when no grammar in use has a node kind named `k`: a misspelled kind
  // would otherwise just never match.
  bool is(std::string_view k) const {
    if (!null() && kind() == k) return true;
    require_kind(k);
    return false;
  }
  bool named() const;
  bool has_error() const;
  bool is_error() const;  // an ERROR or a MISSING node

  // Throws std::logic_error when no grammar in use has a field of this name.
  Node field(std::string_view name) const;
  Node child(uint32_t i) const;
  uint32_t child_count() const;
  Node named_child(uint32_t i) const;
  uint32_t named_child_count() const;
  std::vector<Node> named_children() const;
  std::vector<Node> children() const;  // named and anonymous, in order
  // The field name under which child i hangs from this node, or empty.
  std::string_view field_name_of_child(uint32_t i) const;
  Node parent() const;
  Node next_named_sibling() const;

  std::string_view text() const;
  uint32_t start_byte() const;
  uint32_t end_byte() const;
  int line() const;
  int column() const;
  int end_line() const;
  // Whether `other` is this node or one of its descendants.
  bool contains(const Node& other) const;
  uintptr_t id() const;
  std::string_view source() const;
  const SyntaxTable* table() const { return table_; }
  uint32_t index() const { return index_; }

  friend bool operator==(const Node& a, const Node& b) {
    return a.table_ == b.table_ && (a.table_ == nullptr || a.index_ == b.index_);
  }

 private:
  const SyntaxTable* table_ = nullptr;
  uint32_t index_ = 0;
};

// A parsed tree flattened in one cursor walk: a row per node (named and anonymous) in pre-order,
// so a subtree is the index range [i, end), and parent, children, fields and positions are
// array reads. tree-sitter's own node API re-derives these by walking (a parent from the root,
// a field by scanning the production's field map), which costs hundreds of instructions a call.
class SyntaxTable {
 public:
  static constexpr uint32_t kNone = V15_ROW_NONE;
  using Row = v15_syntax_row;
  enum Flag : uint8_t {
    kNamed = V15_ROW_NAMED,
    kHasError = V15_ROW_HAS_ERROR,
    kError = V15_ROW_ERROR
  };

  SyntaxTable(const TSTree* tree, std::string_view source, Language language);
  const Row& row(uint32_t i) const { return rows_[i]; }
  std::size_t size() const { return size_; }
  uint32_t child(uint32_t i, uint32_t k) const { return children_[rows_[i].first_child + k]; }
  // 0-based line and byte column of a byte offset, as tree-sitter counts them ('\n' ends a line)
  uint32_t line_of(uint32_t byte) const;
  uint32_t line_start(uint32_t line) const { return line_starts_[line]; }
  std::string_view kind(uint32_t i) const {
    TSSymbol s = rows_[i].symbol;
    return s < names_->size() ? (*names_)[s] : kind_outside_names(s);
  }
  std::string_view source() const { return source_; }
  Language language() const { return language_; }
  const TSLanguage* grammar() const { return grammar_; }
  // tree-sitter's tree, while its owner keeps it (see Tree::release_syntax_tree), else null.
  const TSTree* tree() const { return tree_; }
  void detach_tree() { tree_ = nullptr; }
  // The row of a tree-sitter node of this tree, or kNone.
  uint32_t find(const TSNode& node) const;

 private:
  static std::string_view kind_outside_names(TSSymbol s);
  struct Free {
    void operator()(Row* p) const { std::free(p); }
  };
  const TSTree* tree_;
  std::unique_ptr<Row, Free> owned_;
  const Row* rows_ = nullptr;
  uint32_t size_ = 0;
  std::vector<uint32_t> children_;
  std::vector<uint32_t> line_starts_;  // byte offset of each line
  std::string_view source_;
  Language language_;
  const TSLanguage* grammar_;
  const std::vector<std::string_view>* names_;
};

// The hot accessors, inline: the checks call them for nearly every node they look at.
inline std::string_view Node::kind() const {
  return null() ? std::string_view{} : table_->kind(index_);
}
inline TSSymbol Node::symbol() const { return null() ? 0 : table_->row(index_).symbol; }
inline bool Node::named() const {
  return !null() && (table_->row(index_).flags & SyntaxTable::kNamed);
}
inline Node Node::parent() const {
  if (null()) return {};
  uint32_t p = table_->row(index_).parent;
  return p == SyntaxTable::kNone ? Node{} : Node(table_, p);
}
inline uint32_t Node::start_byte() const { return null() ? 0 : table_->row(index_).start_byte; }
inline uint32_t Node::end_byte() const { return null() ? 0 : table_->row(index_).end_byte; }
inline uint32_t Node::child_count() const { return null() ? 0 : table_->row(index_).child_count; }
inline uint32_t Node::named_child_count() const {
  return null() ? 0 : table_->row(index_).named_count;
}
inline bool Node::contains(const Node& other) const {
  return !null() && other.table_ == table_ && index_ <= other.index_ &&
         other.index_ < table_->row(index_).end;
}

struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};
struct ParserDeleter {
  void operator()(TSParser* p) const { ts_parser_delete(p); }
};

// A parsed file and its flat table. The source buffer is borrowed and must outlive the tree.
class Tree {
 public:
  Tree() = default;
  Tree(TSTree* tree, std::string_view source, Language language)
      : tree_(tree),
        table_(tree ? std::make_unique<SyntaxTable>(tree, source, language) : nullptr),
        source_(source),
        language_(language) {}
  bool valid() const { return table_ != nullptr; }
  Node root() const { return table_ ? Node(table_.get(), 0) : Node{}; }
  // tree-sitter's tree: null after release_syntax_tree().
  const TSTree* raw() const { return tree_.get(); }
  // Frees tree-sitter's own tree once the flat table holds what the model reads, so the next
  // parse reuses its memory.
  void release_syntax_tree();
  std::string_view source() const { return source_; }
  Language language() const { return language_; }

 private:
  std::unique_ptr<TSTree, TreeDeleter> tree_;
  std::unique_ptr<SyntaxTable> table_;  // on the heap: nodes keep pointing at it across moves
  std::string_view source_;
  Language language_ = Language::TypeScript;
};

class Parser {
 public:
  // What tree-sitter may hold at once while it parses one file. Its parse stack keeps a 224-byte
  // entry per open node and its tree a heap node per inner node, so a file within the size cap
  // can still need gigabytes: 8 MiB of `((((x))))` or of one array of numbers needs 1.4–1.7 GiB.
  // A parse that outgrows the budget is abandoned (and its file refused), which bounds the whole
  // run's peak memory and time for any shape of input.
  static constexpr std::size_t kMemoryBudget = std::size_t{400} << 20;

  explicit Parser(std::size_t memory_budget = kMemoryBudget);
  // Parses `source` (borrowed) as `language`. Returns an invalid tree when the parse outgrew the
  // memory budget (see over_budget) or tree-sitter gave up (it does not for any input within the
  // size caps; recovery yields ERROR nodes instead).
  Tree parse(std::string_view source, Language language);
  // Whether the last parse was abandoned because it needed more than the memory budget.
  bool over_budget() const { return over_budget_; }
  std::size_t memory_budget() const { return memory_budget_; }

 private:
  std::unique_ptr<TSParser, ParserDeleter> parser_;
  std::size_t memory_budget_;
  bool over_budget_ = false;
};

// The public symbol of a named node kind in a grammar (0 when the grammar has no such kind).
TSSymbol symbol_for_kind(Language language, std::string_view kind);

// The first ERROR or MISSING node in document order, if the tree has any.
Node first_error(const Node& root);

// Pre-order traversal over the flat table: no recursion, so nesting depth is bounded only by
// memory. `visit(node, depth)` returns false to skip the node's children.
template <typename Visit>
void walk(const Node& root, Visit&& visit) {
  if (root.null()) return;
  const SyntaxTable& t = *root.table();
  std::vector<uint32_t> open;  // the ends of the ancestors of the current row
  for (uint32_t i = root.index(), end = t.row(i).end; i < end;) {
    while (!open.empty() && i >= open.back()) open.pop_back();
    bool descend = visit(Node(&t, i), static_cast<uint32_t>(open.size()));
    if (descend) {
      open.push_back(t.row(i).end);
      ++i;
    } else {
      i = t.row(i).end;
    }
  }
}

}  // namespace v15
