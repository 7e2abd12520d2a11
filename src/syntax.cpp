#include "v15check/syntax.h"

#include <malloc.h>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
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

TSFieldId field_id(Language language, std::string_view name) {
  struct Tables {
    FieldIds typescript{grammar(Language::TypeScript)};
    FieldIds tsx{grammar(Language::Tsx)};
    FieldIds javascript{grammar(Language::JavaScript)};
  };
  static const Tables t;
  switch (language) {
    case Language::TypeScript:
      return t.typescript.find(name);
    case Language::Tsx:
      return t.tsx.find(name);
    case Language::JavaScript:
      break;
  }
  return t.javascript.find(name);
}
}  // namespace

namespace {
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
  const std::vector<std::string_view>& names() const { return names_; }

 private:
  std::vector<std::string_view> names_;
};

const std::vector<std::string_view>& symbol_names(Language language) {
  switch (language) {
    case Language::TypeScript: {
      static const SymbolNames typescript(grammar(Language::TypeScript));
      return typescript.names();
    }
    case Language::Tsx: {
      static const SymbolNames tsx(grammar(Language::Tsx));
      return tsx.names();
    }
    case Language::JavaScript:
      break;
  }
  static const SymbolNames javascript(grammar(Language::JavaScript));
  return javascript.names();
}
}  // namespace

TSSymbol symbol_for_kind(Language language, std::string_view kind) {
  // ts_language_symbol_for_name scans every symbol of the grammar; the checks ask for a few dozen
  // kinds, so each answer is kept (per thread, per grammar) rather than tabulating all names.
  thread_local std::array<std::vector<std::pair<std::string, TSSymbol>>, 3> known;
  auto& cache = known[static_cast<std::size_t>(language)];
  for (const auto& [name, symbol] : cache)
    if (name == kind) return symbol;
  TSSymbol symbol = ts_language_symbol_for_name(grammar(language), kind.data(),
                                                static_cast<uint32_t>(kind.size()), true);
  if (symbol == static_cast<TSSymbol>(-1)) symbol = 0;  // ERROR is not an indexed kind
  cache.emplace_back(std::string(kind), symbol);
  return symbol;
}

// -- name checks ---------------------------------------------------------------------------------

namespace {
constexpr std::array kLanguages = {Language::TypeScript, Language::Tsx, Language::JavaScript};

bool any_grammar_has_kind(std::string_view kind) {
  if (kind == "ERROR") return true;  // tree-sitter's error node, not in the symbol table by name
  for (Language l : kLanguages)
    for (bool named : {true, false})
      if (ts_language_symbol_for_name(grammar(l), kind.data(), static_cast<uint32_t>(kind.size()),
                                      named) != 0)
        return true;
  return false;
}

bool any_grammar_has_field(std::string_view name) {
  for (Language l : kLanguages)
    if (field_id(l, name) != 0) return true;
  return false;
}

// The names already found valid, by address and size: the callers pass string literals, so a hit
// is two compares. Direct-mapped; a collision only costs another lookup in the grammars.
class ValidNames {
 public:
  template <typename Valid>
  bool check(std::string_view name, Valid&& valid) {
    Slot& s =
        slots_[(reinterpret_cast<std::uintptr_t>(name.data()) >> 3 ^ name.size()) % slots_.size()];
    if (s.data == name.data() && s.size == name.size()) return true;
    if (!valid(name)) return false;
    s = Slot{name.data(), name.size()};
    return true;
  }

 private:
  struct Slot {
    const char* data = nullptr;
    std::size_t size = 0;
  };
  std::array<Slot, 256> slots_{};
};
}  // namespace

void require_kind(std::string_view kind) {
  thread_local ValidNames known;
  if (!known.check(kind, any_grammar_has_kind))
    throw std::logic_error("unknown node kind '" + std::string(kind) + "'");
}

void require_field(std::string_view name) {
  thread_local ValidNames known;
  if (!known.check(name, any_grammar_has_field))
    throw std::logic_error("unknown field '" + std::string(name) + "'");
}

// -- the flat table ------------------------------------------------------------------------------

SyntaxTable::SyntaxTable(const TSTree* tree, std::string_view source, Language language)
    : tree_(tree),
      source_(source),
      language_(language),
      grammar_(v15::grammar(language)),
      names_(&symbol_names(language)) {
  v15_syntax_rows flat{nullptr, 0, 0};
  bool ok = v15_flatten(tree, &flat);
  owned_.reset(flat.rows);
  if (!ok) throw std::bad_alloc();
  rows_ = flat.rows;
  size_ = flat.size;
  Row* rows = flat.rows;

  // Children lists: each parent's slots are reserved by its count, then filled in pre-order,
  // which is document order among siblings.
  uint32_t all = 0;
  for (uint32_t i = 0; i < size_; ++i) {
    Row& r = rows[i];
    r.first_child = all;
    all += r.child_count;
    r.child_count = 0;
  }
  children_.resize(all);
  for (uint32_t i = 1; i < size_; ++i) {
    Row& p = rows[rows[i].parent];
    children_[p.first_child + p.child_count++] = i;
  }

  line_starts_.push_back(0);
  for (const char *at = source_.data(), *end = at + source_.size();
       (at = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at))));)
    line_starts_.push_back(static_cast<uint32_t>(++at - source_.data()));
}

uint32_t SyntaxTable::line_of(uint32_t byte) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), byte);
  return static_cast<uint32_t>(it - line_starts_.begin()) - 1;
}

std::string_view SyntaxTable::kind_outside_names(TSSymbol s) {
  return s == static_cast<TSSymbol>(-1) ? std::string_view("ERROR") : std::string_view{};
}

uint32_t SyntaxTable::find(const TSNode& node) const {
  if (ts_node_is_null(node) || size_ == 0) return kNone;
  uint32_t b = ts_node_start_byte(node), e = ts_node_end_byte(node);
  TSSymbol s = ts_node_symbol(node);
  // descend through the children that span the node's range
  for (uint32_t i = 0;;) {
    const Row& r = rows_[i];
    if (r.start_byte == b && r.end_byte == e && r.symbol == s) return i;
    uint32_t next = kNone;
    for (uint32_t k = 0; k < r.child_count; ++k) {
      const Row& c = rows_[child(i, k)];
      if (c.start_byte <= b && e <= c.end_byte) {
        next = child(i, k);
        break;
      }
    }
    if (next == kNone) return kNone;
    i = next;
  }
}

// -- Node -----------------------------------------------------------------------------------------

bool Node::has_error() const {
  return !null() && (table_->row(index_).flags & SyntaxTable::kHasError);
}
bool Node::is_error() const { return !null() && (table_->row(index_).flags & SyntaxTable::kError); }

Node Node::field(std::string_view name) const {
  if (null()) {
    require_field(name);
    return {};
  }
  TSFieldId id = field_id(table_->language(), name);
  if (id == 0) {
    require_field(name);  // a field of another of the grammars is simply absent here
    return {};
  }
  const SyntaxTable::Row& r = table_->row(index_);
  for (uint32_t k = 0; k < r.child_count; ++k) {
    uint32_t c = table_->child(index_, k);
    if (table_->row(c).field == id) return Node(table_, c);
  }
  return {};
}

Node Node::child(uint32_t i) const {
  if (null() || i >= table_->row(index_).child_count) return {};
  return Node(table_, table_->child(index_, i));
}
Node Node::named_child(uint32_t i) const {
  if (null() || i >= table_->row(index_).named_count) return {};
  const SyntaxTable::Row& r = table_->row(index_);
  for (uint32_t k = 0; k < r.child_count; ++k) {
    uint32_t c = table_->child(index_, k);
    if ((table_->row(c).flags & SyntaxTable::kNamed) && i-- == 0) return Node(table_, c);
  }
  return {};
}

std::vector<Node> Node::named_children() const {
  std::vector<Node> out;
  if (null()) return out;
  const SyntaxTable::Row& r = table_->row(index_);
  out.reserve(r.named_count);
  for (uint32_t k = 0; k < r.child_count; ++k) {
    uint32_t c = table_->child(index_, k);
    if (table_->row(c).flags & SyntaxTable::kNamed) out.emplace_back(table_, c);
  }
  return out;
}

std::vector<Node> Node::children() const {
  std::vector<Node> out;
  uint32_t n = child_count();
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) out.emplace_back(table_, table_->child(index_, k));
  return out;
}

std::string_view Node::field_name_of_child(uint32_t i) const {
  Node c = child(i);
  if (c.null()) return {};
  TSFieldId id = table_->row(c.index_).field;
  if (id == 0) return {};
  const char* name = ts_language_field_name_for_id(table_->grammar(), id);
  return name ? std::string_view(name) : std::string_view{};
}

Node Node::next_named_sibling() const {
  if (null()) return {};
  const SyntaxTable::Row& r = table_->row(index_);
  if (r.parent == SyntaxTable::kNone) return {};
  for (uint32_t i = r.end, end = table_->row(r.parent).end; i < end; i = table_->row(i).end)
    if (table_->row(i).flags & SyntaxTable::kNamed) return Node(table_, i);
  return {};
}

std::string_view Node::text() const {
  if (null()) return {};
  std::string_view src = table_->source();
  uint32_t b = start_byte(), e = end_byte();
  if (b > src.size() || e > src.size() || e < b) return {};
  return src.substr(b, e - b);
}

int Node::line() const {
  return null() ? 0 : static_cast<int>(table_->line_of(table_->row(index_).start_byte)) + 1;
}
int Node::column() const {
  if (null()) return 0;
  uint32_t b = table_->row(index_).start_byte;
  return static_cast<int>(b - table_->line_start(table_->line_of(b))) + 1;
}
int Node::end_line() const {
  return null() ? 0 : static_cast<int>(table_->line_of(table_->row(index_).end_byte)) + 1;
}
uintptr_t Node::id() const {
  return null() ? 0 : reinterpret_cast<uintptr_t>(&table_->row(index_));
}
std::string_view Node::source() const { return null() ? std::string_view{} : table_->source(); }

// -- tree-sitter's memory ------------------------------------------------------------------------

namespace {
// Bytes tree-sitter holds, as allocated and freed by this thread. A parse runs on one thread, so
// the difference across it is that parse's own memory whatever the other lane does. Counted by
// the allocator's usable size, so memory allocated before the hooks were installed (or by plain
// malloc, and freed by tree-sitter) only makes the count lower, never a parse look larger.
thread_local std::int64_t tree_sitter_bytes = 0;

std::int64_t usable(void* p) { return p ? static_cast<std::int64_t>(malloc_usable_size(p)) : 0; }

void* counted_malloc(std::size_t size) {
  void* p = std::malloc(size);
  if (size > 0 && !p) std::abort();  // as tree-sitter's own allocator: it cannot recover
  tree_sitter_bytes += usable(p);
  return p;
}
void* counted_calloc(std::size_t count, std::size_t size) {
  void* p = std::calloc(count, size);
  if (count > 0 && size > 0 && !p) std::abort();
  tree_sitter_bytes += usable(p);
  return p;
}
void* counted_realloc(void* old, std::size_t size) {
  std::int64_t before = usable(old);
  void* p = std::realloc(old, size);
  if (size > 0 && !p) std::abort();
  tree_sitter_bytes += usable(p) - before;
  return p;
}
void counted_free(void* p) {
  tree_sitter_bytes -= usable(p);
  std::free(p);
}

// tree-sitter takes its allocator as process-wide hooks; they are installed once, before the
// first parser allocates anything, and only count.
void count_tree_sitter_memory() {
  static const bool installed = [] {
    ts_set_allocator(counted_malloc, counted_calloc, counted_realloc, counted_free);
    return true;
  }();
  (void)installed;
}

struct ParseBudget {
  std::int64_t start;
  std::int64_t limit;
  std::int64_t peak = 0;
  bool exceeded = false;
};

// tree-sitter asks every hundred parse actions whether to stop.
bool stop_when_over_budget(TSParseState* state) {
  auto* budget = static_cast<ParseBudget*>(state->payload);
  budget->peak = std::max(budget->peak, tree_sitter_bytes - budget->start);
  if (budget->peak > budget->limit) budget->exceeded = true;
  return budget->exceeded;
}

// Memory freed in many small blocks (a parse stack, a tree) stays in the process until the
// allocator hands it back; the flat table and the model are allocated afresh, so without this
// the peak is their sum rather than the larger of them. Only worth its time after a big parse.
constexpr std::int64_t kReturnFreedAbove = std::int64_t{32} << 20;
void return_freed_memory() { malloc_trim(0); }

struct StringInput {
  std::string_view text;
  static const char* read(void* payload, uint32_t byte, TSPoint, uint32_t* bytes_read) {
    std::string_view t = static_cast<StringInput*>(payload)->text;
    if (byte >= t.size()) {
      *bytes_read = 0;
      return "";
    }
    *bytes_read = static_cast<uint32_t>(t.size() - byte);
    return t.data() + byte;
  }
};
}  // namespace

void Tree::release_syntax_tree() {
  if (table_) table_->detach_tree();
  bool big = table_ && table_->size() > (std::size_t{1} << 20);
  tree_.reset();
  if (big) return_freed_memory();
}

Parser::Parser(std::size_t memory_budget) : memory_budget_(memory_budget) {
  count_tree_sitter_memory();
  parser_.reset(ts_parser_new());
}

Tree Parser::parse(std::string_view source, Language language) {
  over_budget_ = false;
  if (!ts_parser_set_language(parser_.get(), grammar(language))) return {};
  StringInput text{source};
  TSInput input{&text, StringInput::read, TSInputEncodingUTF8, nullptr};
  ParseBudget budget{tree_sitter_bytes, static_cast<std::int64_t>(memory_budget_)};
  TSTree* tree = ts_parser_parse_with_options(parser_.get(), nullptr, input,
                                              TSParseOptions{&budget, stop_when_over_budget});
  ts_parser_reset(parser_.get());  // an abandoned parse keeps its stack for a resumption: drop it
  over_budget_ = budget.exceeded;
  if (budget.peak > kReturnFreedAbove) return_freed_memory();
  if (over_budget_ && tree) {
    ts_tree_delete(tree);
    tree = nullptr;
  }
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

}  // namespace v15
