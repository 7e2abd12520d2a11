#include "v15check/model.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

namespace v15 {

namespace {

constexpr int kMaxTraceDepth = 24;
constexpr std::size_t kMaxFoldedLength = 64 * 1024;
constexpr std::size_t kMaxFoldMemoBytes = 32 * 1024 * 1024;
constexpr std::size_t kMaxPatternDepth = 256;

bool is_scope_kind(std::string_view k) {
  return k == "program" || k == "statement_block" || k == "for_statement" ||
         k == "for_in_statement" || k == "catch_clause" || k == "switch_body" ||
         k == "class_body" || is_function_kind(k);
}

std::string unquote_string_node(const Node& n) {
  // string: quote, (string_fragment | escape_sequence)*, quote
  std::string out;
  for (uint32_t i = 0; i < n.child_count(); ++i) {
    Node c = n.child(i);
    if (c.is("string_fragment")) {
      out += c.text();
    } else if (c.is("escape_sequence")) {
      std::string_view e = c.text();
      if (e.size() < 2) continue;
      switch (e[1]) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case '0':
          out += '\0';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
        case 'u': {
          std::string hex;
          for (char ch : e.substr(2))
            if (std::isxdigit(static_cast<unsigned char>(ch))) hex += ch;
          unsigned long cp = hex.empty() ? 0 : std::strtoul(hex.c_str(), nullptr, 16);
          // UTF-8 encode
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        case '\n':
          break;  // line continuation
        default:
          out += e.substr(1);
      }
    }
  }
  return out;
}

std::optional<double> parse_number(std::string_view t) {
  std::string s;
  for (char c : t)
    if (c != '_') s += c;
  if (!s.empty() && s.back() == 'n') s.pop_back();  // BigInt
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    v = static_cast<double>(std::strtoull(s.c_str() + 2, &end, 16));
  else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
    v = static_cast<double>(std::strtoull(s.c_str() + 2, &end, 2));
  else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
    v = static_cast<double>(std::strtoull(s.c_str() + 2, &end, 8));
  else
    v = std::strtod(s.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return v;
}

std::string number_to_js_string(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e21)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

bool is_function_kind(std::string_view k) {
  return k == "function_declaration" || k == "function_expression" || k == "arrow_function" ||
         k == "method_definition" || k == "generator_function_declaration" ||
         k == "generator_function" || k == "function";
}

bool is_loop_kind(std::string_view k) {
  return k == "for_statement" || k == "for_in_statement" || k == "while_statement" ||
         k == "do_statement";
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string format_number(double v) { return number_to_js_string(v); }

std::string describe_ms(double ms) {
  std::string base = format_number(ms) + " ms";
  if (ms >= 60000 && std::fmod(ms, 60000) == 0)
    return fmt::format("{} ({} min)", base, format_number(ms / 60000));
  if (ms >= 1000 && std::fmod(ms, 1000) == 0)
    return fmt::format("{} ({} s)", base, format_number(ms / 1000));
  return base;
}

// ---------------------------------------------------------------------------------------------

bool Region::contains(const Node& n) const {
  for (const Node& p : parts)
    if (p.contains(n)) return true;
  return false;
}

bool PromiseUse::has(std::string_view method) const {
  for (const auto& c : chain)
    if (c.method == method) return true;
  return false;
}

std::vector<Node> Function::parameters() const {
  if (!param.null()) return {param};
  std::vector<Node> out;
  for (const Node& c : params.named_children())
    if (!c.is("comment")) out.push_back(c);
  return out;
}

std::string Function::parameter_name(std::size_t i) const {
  auto ps = parameters();
  if (i >= ps.size()) return {};
  Node p = ps[i];
  if (p.is("required_parameter") || p.is("optional_parameter")) p = p.field("pattern");
  if (p.is("assignment_pattern")) p = p.field("left");
  if (p.is("identifier")) return std::string(p.text());
  return {};
}

// ---------------------------------------------------------------------------------------------

FileModel::FileModel(const SourceFile& source, Tree tree, int helper_depth)
    : source_(source), tree_(std::move(tree)), helper_depth_(helper_depth) {
  first_error_ = v15::first_error(tree_.root());
  index();
}

Location FileModel::location(const Node& n) const {
  if (n.null()) return {source_.path, 1, 1};
  return {source_.path, n.line(), n.column()};
}

Node FileModel::error_within(const Node& n) const {
  if (n.null() || !n.has_error()) return {};
  return v15::first_error(n);
}

std::span<const Node> FileModel::nodes(std::string_view kind) const {
  TSSymbol symbol = symbol_for_kind(tree_.language(), kind);
  if (symbol == 0) require_kind(kind);  // a kind of another of the grammars is simply absent here
  if (symbol == 0 || symbol >= by_symbol_.size()) return {};
  return by_symbol_[symbol];
}

std::vector<Node> FileModel::nodes_in(std::string_view kind, const Node& within) const {
  std::vector<Node> out;
  if (within.null()) return out;
  // rows are in pre-order: a subtree is a contiguous index range
  auto all = nodes(kind);
  auto lo = std::lower_bound(all.begin(), all.end(), within.index(),
                             [](const Node& n, uint32_t i) { return n.index() < i; });
  for (auto it = lo; it != all.end() && within.contains(*it); ++it) out.push_back(*it);
  return out;
}

std::vector<Node> FileModel::nodes_in(std::string_view kind, const Region& within) const {
  std::vector<Node> out;
  for (const Node& part : within.outermost()) {
    auto found = nodes_in(kind, part);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

const std::vector<Node>& Region::outermost() const {
  if (outermost_of_ == parts.size() + 1) return outermost_;
  // Parts may nest (a helper defined inside the method): a part inside an earlier one is
  // skipped. Parts are subtrees, so they nest or are apart: ordered by start row, a part is
  // nested when it ends within the extent of the parts that start before it.
  std::vector<std::size_t> order(parts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (parts[a].index() != parts[b].index()) return parts[a].index() < parts[b].index();
    return a < b;
  });
  std::vector<char> nested(parts.size(), 0);
  // The open parts, outermost first: a stack of (end row, position in the region).
  std::vector<std::pair<uint32_t, std::size_t>> open;
  for (std::size_t i : order) {
    const Node& p = parts[i];
    uint32_t end = p.table()->row(p.index()).end;
    while (!open.empty() && open.back().first <= p.index()) open.pop_back();
    // Inside an open part that comes earlier in the region: skipped, as before. Inside only
    // later ones (a helper listed before the method that holds it): kept, and the later one
    // is found nested in it when its turn comes, as the region's order wants.
    for (const auto& [open_end, pos] : open)
      if (pos < i && end <= open_end) {
        nested[i] = 1;
        break;
      }
    open.emplace_back(end, i);
  }
  outermost_.clear();
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!nested[i]) outermost_.push_back(parts[i]);
  outermost_of_ = parts.size() + 1;
  return outermost_;
}

std::vector<Node> FileModel::find(std::string_view kind, const Region& within,
                                  const Matcher& m) const {
  std::vector<Node> out;
  for (const Node& n : nodes_in(kind, within))
    if (m(*this, n)) out.push_back(n);
  return out;
}

std::vector<Node> FileModel::find(std::string_view kind, const Node& within,
                                  const Matcher& m) const {
  std::vector<Node> out;
  for (const Node& n : nodes_in(kind, within))
    if (m(*this, n)) out.push_back(n);
  return out;
}

// -- the one walk ---------------------------------------------------------------------------------

namespace {
Node enclosing_scope(const Node& n, bool function_only) {
  for (Node p = n.parent(); !p.null(); p = p.parent()) {
    std::string_view k = p.kind();
    if (function_only ? (is_function_kind(k) || k == "program") : is_scope_kind(k)) return p;
  }
  return {};
}

std::string_view declaration_keyword(const Node& decl) {
  // lexical_declaration: first child token is `const` or `let`; variable_declaration: `var`.
  if (decl.is("variable_declaration")) return "var";
  Node first = decl.child(0);
  return first.null() ? std::string_view{} : first.kind();
}
}  // namespace

namespace {
// What the one walk collects a named node for, by grammar symbol: a table per grammar built
// from the symbol names once, so the walk compares no strings.
enum class Collect : uint8_t { None, Declarator, Function, Class, Import, Export, Assignment };
static_assert(static_cast<int>(Collect::Assignment) == 6);

const std::vector<Collect>& collect_table(Language language) {
  auto build = [](Language l) {
    const TSLanguage* g = grammar(l);
    std::vector<Collect> t(ts_language_symbol_count(g), Collect::None);
    for (uint32_t i = 0; i < t.size(); ++i) {
      const char* name = ts_language_symbol_name(g, static_cast<TSSymbol>(i));
      std::string_view k = name ? name : "";
      t[i] = k == "variable_declarator" ? Collect::Declarator
             : is_function_kind(k)      ? Collect::Function
             : k == "class_declaration" || k == "abstract_class_declaration" || k == "class"
                 ? Collect::Class
             : k == "import_statement"      ? Collect::Import
             : k == "export_statement"      ? Collect::Export
             : k == "assignment_expression" ? Collect::Assignment
                                            : Collect::None;
    }
    return t;
  };
  static const std::vector<Collect> typescript = build(Language::TypeScript);
  static const std::vector<Collect> tsx = build(Language::Tsx);
  static const std::vector<Collect> javascript = build(Language::JavaScript);
  return language == Language::TypeScript ? typescript
         : language == Language::Tsx      ? tsx
                                          : javascript;
}
}  // namespace

void FileModel::index() {
  std::array<std::vector<Node>, 7> collected;  // by Collect
  const Node root = tree_.root();
  if (root.null()) return;
  const SyntaxTable& table = *root.table();
  const std::vector<Collect>& collect = collect_table(tree_.language());
  // The rows are the tree in pre-order, so a loop over them is the walk.
  std::vector<uint32_t> per_symbol;
  for (uint32_t i = 0; i < table.size(); ++i) {
    const SyntaxTable::Row& r = table.row(i);
    if (!(r.flags & SyntaxTable::kNamed)) continue;
    if (r.symbol >= per_symbol.size()) per_symbol.resize(r.symbol + 1u, 0);
    ++per_symbol[r.symbol];
  }
  by_symbol_.resize(per_symbol.size());
  for (std::size_t s = 0; s < per_symbol.size(); ++s) by_symbol_[s].reserve(per_symbol[s]);
  for (uint32_t i = 0; i < table.size(); ++i) {
    const SyntaxTable::Row& r = table.row(i);
    if (!(r.flags & SyntaxTable::kNamed)) continue;
    Node n(&table, i);
    by_symbol_[r.symbol].push_back(n);
    Collect c = r.symbol < collect.size() ? collect[r.symbol] : Collect::None;
    if (c != Collect::None) collected[static_cast<std::size_t>(c)].push_back(n);
  }
  auto& declarators = collected[static_cast<std::size_t>(Collect::Declarator)];
  auto& functions = collected[static_cast<std::size_t>(Collect::Function)];
  auto& classes = collected[static_cast<std::size_t>(Collect::Class)];
  auto& imports = collected[static_cast<std::size_t>(Collect::Import)];
  auto& exports = collected[static_cast<std::size_t>(Collect::Export)];
  auto& assignments = collected[static_cast<std::size_t>(Collect::Assignment)];

  // Exports first: functions and classes need to know whether they are exported.
  for (const Node& e : exports) {
    Node decl = e.field("declaration");
    if (!decl.null()) {
      Node name = decl.field("name");
      if (!name.null()) exported_names_.emplace_back(name.text());
      if (decl.is("lexical_declaration") || decl.is("variable_declaration"))
        for (const Node& d : decl.named_children())
          if (d.is("variable_declarator") && d.field("name").is("identifier"))
            exported_names_.emplace_back(d.field("name").text());
    }
    for (const Node& c : e.named_children()) {
      if (!c.is("export_clause")) continue;
      for (const Node& s : c.named_children()) {
        if (!s.is("export_specifier")) continue;
        Node local = s.field("name");
        if (!local.null()) exported_names_.emplace_back(local.text());
      }
    }
  }

  for (const Node& d : declarators) {
    Node decl = d.parent();
    std::string_view kw = declaration_keyword(decl);
    BindingKind kind = kw == "const" ? BindingKind::Const
                       : kw == "let" ? BindingKind::Let
                                     : BindingKind::Var;
    Node scope = enclosing_scope(d, kind == BindingKind::Var);
    index_binding_pattern(d.field("name"), kind, d, d.field("value"), scope, {});
  }

  for (const Node& f : functions) index_function(f);
  function_by_row_.assign(table.size(), 0);
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    const Function& f = functions_[i];
    function_by_row_[f.node.index()] = static_cast<uint32_t>(i + 1);
    if (f.name.empty() || f.is_method()) continue;
    // module level: the declaring statement sits directly in the program (or an export)
    Node p = f.node.parent();
    if (p.is("variable_declarator")) p = p.parent().parent();
    if (p.is("export_statement")) p = p.parent();
    if (p.is("program")) module_function_by_name_.emplace(f.name, i);
  }

  for (const Node& c : classes) {
    ClassInfo info;
    info.node = c;
    Node name = c.field("name");
    info.name = name.null() ? std::string{} : std::string(name.text());
    if (info.name.empty() && c.parent().is("variable_declarator"))
      info.name = std::string(c.parent().field("name").text());
    info.exported = c.parent().is("export_statement") || is_exported(info.name);
    for (std::size_t i = 0; i < functions_.size(); ++i) {
      const Function& fn = functions_[i];
      if (!fn.class_name.empty() && fn.class_name == info.name && c.contains(fn.node)) {
        info.methods.push_back(i);
        info.method_by_name.emplace(fn.name, i);
      }
    }
    if (!name.null()) {
      Binding b;
      b.name = info.name;
      b.kind = BindingKind::Class;
      b.name_node = name;
      b.declarator = c;
      b.scope = enclosing_scope(c, false);
      bindings_.push_back(std::move(b));
    }
    classes_.push_back(std::move(info));
  }

  for (const Node& imp : imports) {
    Node src = imp.field("source");
    std::string module = src.is("string") ? unquote_string_node(src) : std::string{};
    for (const Node& clause : imp.named_children()) {
      if (!clause.is("import_clause")) continue;
      for (const Node& c : clause.named_children()) {
        auto add = [&](const Node& local, std::string imported, const Node& decl) {
          Binding b;
          b.name = std::string(local.text());
          b.kind = BindingKind::Import;
          b.name_node = local;
          b.declarator = decl;
          b.scope = tree_.root();
          b.import_source = module;
          b.imported_name = std::move(imported);
          bindings_.push_back(std::move(b));
        };
        if (c.is("identifier")) {
          add(c, "default", c);
        } else if (c.is("namespace_import")) {
          Node id = c.named_child(0);
          if (!id.null()) add(id, "*", c);
        } else if (c.is("named_imports")) {
          for (const Node& s : c.named_children()) {
            if (!s.is("import_specifier")) continue;
            Node name = s.field("name"), alias = s.field("alias");
            add(alias.null() ? name : alias, std::string(name.text()), s);
          }
        }
      }
    }
  }

  // CommonJS requires are bindings with an import source too.
  for (Binding& b : bindings_) {
    if (b.kind != BindingKind::Const && b.kind != BindingKind::Let && b.kind != BindingKind::Var)
      continue;
    Node init = strip(b.init);
    if (init.is("call_expression") && callee_name(init) == "require") {
      auto args = arguments(init);
      if (!args.empty()) {
        auto s = fold_string(args[0]);
        if (s) b.import_source = *s;
        b.imported_name = b.path.empty() ? "*" : b.path.front();
      }
    }
  }

  for (std::size_t i = 0; i < bindings_.size(); ++i)
    bindings_by_name_[bindings_[i].name].push_back(i);

  for (const Node& a : assignments) {
    Node left = a.field("left");
    if (!left.is("identifier")) continue;
    const Binding* b = resolve(left);
    if (b) const_cast<Binding*>(b)->assignments.push_back(a.field("right"));
  }
}

void FileModel::index_binding_pattern(const Node& pattern, BindingKind kind, const Node& declarator,
                                      const Node& init, const Node& scope,
                                      std::vector<std::string> path) {
  // each level of destructuring adds a step to the path and a level of recursion; deeper than
  // this is no binding a check follows
  if (pattern.null() || path.size() > kMaxPatternDepth) return;
  std::string_view k = pattern.kind();
  auto add = [&](const Node& id, Node default_value, std::vector<std::string> p) {
    Binding b;
    b.name = std::string(id.text());
    b.kind = kind;
    b.name_node = id;
    b.declarator = declarator;
    b.init = init;
    b.path = std::move(p);
    b.scope = scope;
    if (kind == BindingKind::Param && b.path.empty() && !default_value.null())
      b.init = default_value;
    bindings_.push_back(std::move(b));
  };
  if (k == "identifier" || k == "shorthand_property_identifier_pattern") {
    if (k == "shorthand_property_identifier_pattern") path.emplace_back(pattern.text());
    add(pattern, Node{}, path);
  } else if (k == "object_pattern") {
    for (const Node& c : pattern.named_children()) {
      if (c.is("shorthand_property_identifier_pattern")) {
        auto p = path;
        p.emplace_back(c.text());
        add(c, Node{}, p);
      } else if (c.is("pair_pattern")) {
        auto p = path;
        p.push_back(key_name(c.field("key")));
        index_binding_pattern(c.field("value"), kind, declarator, init, scope, p);
      } else if (c.is("object_assignment_pattern")) {
        Node left = c.field("left");
        auto p = path;
        if (left.is("shorthand_property_identifier_pattern") || left.is("identifier")) {
          p.emplace_back(left.text());
          add(left, c.field("right"), p);
        } else {
          index_binding_pattern(left, kind, declarator, init, scope, p);
        }
      } else if (c.is("rest_pattern")) {
        Node id = c.named_child(0);
        if (id.is("identifier")) add(id, Node{}, path);
      }
    }
  } else if (k == "array_pattern") {
    std::size_t i = 0;
    for (const Node& c : pattern.named_children()) {
      auto p = path;
      p.push_back(std::to_string(i++));
      if (c.is("assignment_pattern"))
        index_binding_pattern(c.field("left"), kind, declarator, init, scope, p);
      else
        index_binding_pattern(c, kind, declarator, init, scope, p);
    }
  } else if (k == "assignment_pattern") {
    Node left = pattern.field("left");
    if (left.is("identifier"))
      add(left, pattern.field("right"), path);
    else
      index_binding_pattern(left, kind, declarator, init, scope, path);
  } else if (k == "required_parameter" || k == "optional_parameter") {
    Node inner = pattern.field("pattern");
    Node value = pattern.field("value");
    if (inner.is("identifier") && !value.null()) {
      Binding b;
      b.name = std::string(inner.text());
      b.kind = kind;
      b.name_node = inner;
      b.declarator = declarator;
      b.init = value;
      b.scope = scope;
      bindings_.push_back(std::move(b));
    } else {
      index_binding_pattern(inner, kind, declarator, init, scope, path);
    }
  } else if (k == "rest_pattern") {
    Node id = pattern.named_child(0);
    if (id.is("identifier")) add(id, Node{}, path);
  }
}

void FileModel::index_function(const Node& n) {
  Function fn;
  fn.node = n;
  fn.body = n.field("body");
  fn.params = n.field("parameters");
  if (fn.params.null()) fn.param = n.field("parameter");
  Node name = n.field("name");
  Node parent = n.parent();
  if (n.is("method_definition")) {
    fn.name = key_name(name);
    for (Node p = parent; !p.null(); p = p.parent()) {
      if (p.is("class_body")) {
        Node cls = p.parent();
        Node cname = cls.field("name");
        if (!cname.null())
          fn.class_name = std::string(cname.text());
        else if (cls.parent().is("variable_declarator"))
          fn.class_name = std::string(cls.parent().field("name").text());
        break;
      }
      if (p.is("object")) break;  // a method of an object literal
    }
  } else if (!name.null()) {
    fn.name = std::string(name.text());
  } else if (parent.is("variable_declarator")) {
    fn.name = std::string(parent.field("name").text());
  } else if (parent.is("public_field_definition") || parent.is("field_definition")) {
    Node key = parent.field("name");
    if (key.null()) key = parent.field("property");
    fn.name = key_name(key);
    Node cls = parent.parent().parent();
    Node cname = cls.field("name");
    if (!cname.null()) fn.class_name = std::string(cname.text());
  } else if (parent.is("pair")) {
    fn.name = key_name(parent.field("key"));
  } else if (parent.is("assignment_expression")) {
    fn.name = std::string(last_name(parent.field("left")));
  }
  Node stmt = n.is("function_declaration") ? parent : parent.parent();
  fn.exported = stmt.is("export_statement") || (parent.is("export_statement")) ||
                (!fn.name.empty() && fn.class_name.empty() && is_exported(fn.name));
  // Parameters are bindings scoped to the function.
  if (!fn.param.null()) {
    Binding b;
    b.name = std::string(fn.param.text());
    b.kind = BindingKind::Param;
    b.name_node = fn.param;
    b.declarator = fn.param;
    b.scope = n;
    bindings_.push_back(std::move(b));
  }
  for (const Node& p : fn.params.named_children())
    index_binding_pattern(p, BindingKind::Param, p, Node{}, n, {});
  if (n.is("function_declaration") || n.is("generator_function_declaration")) {
    if (!name.null()) {
      Binding b;
      b.name = fn.name;
      b.kind = BindingKind::Function;
      b.name_node = name;
      b.declarator = n;
      b.init = n;
      b.scope = enclosing_scope(n, false);
      bindings_.push_back(std::move(b));
    }
  }
  functions_.push_back(std::move(fn));
}

// -- lookups --------------------------------------------------------------------------------------

const ClassInfo* FileModel::class_named(std::string_view name) const {
  for (const auto& c : classes_)
    if (c.name == name) return &c;
  return nullptr;
}

const Function* FileModel::method(std::string_view class_name, std::string_view name) const {
  const ClassInfo* c = class_named(class_name);
  if (!c) return nullptr;
  auto it = c->method_by_name.find(std::string(name));
  return it == c->method_by_name.end() ? nullptr : &functions_[it->second];
}

const Function* FileModel::function(std::string_view name) const {
  auto it = module_function_by_name_.find(std::string(name));
  return it == module_function_by_name_.end() ? nullptr : &functions_[it->second];
}

const Function* FileModel::enclosing_function(const Node& n) const {
  // the nearest ancestor that is a function node
  if (n.null() || n.table() != tree_.root().table() || function_by_row_.empty()) return nullptr;
  if (enclosing_memo_.empty()) enclosing_memo_.assign(function_by_row_.size(), 0);
  // Walk up to the first row whose answer is known or whose parent is a function, then write
  // the answer on every row passed: each row is walked over once per file, not once per query.
  std::vector<uint32_t> path;
  uint32_t answer = 1;
  for (Node x = n;;) {
    if (uint32_t known = enclosing_memo_[x.index()]) {
      answer = known;
      break;
    }
    path.push_back(x.index());
    Node p = x.parent();
    if (p.null()) break;
    if (uint32_t f = function_by_row_[p.index()]) {
      answer = f + 1;
      break;
    }
    x = p;
  }
  for (uint32_t row : path) enclosing_memo_[row] = answer;
  return answer > 1 ? &functions_[answer - 2] : nullptr;
}

const Function* FileModel::callee_function(const Node& call) const {
  if (call.null() || call.table() != tree_.root().table()) return nullptr;
  if (callee_known_.empty()) {
    callee_known_.assign(function_by_row_.size(), 0);
    callee_memo_.assign(function_by_row_.size(), nullptr);
  }
  if (!callee_known_[call.index()]) {
    callee_memo_[call.index()] = compute_callee_function(call);
    callee_known_[call.index()] = 1;
  }
  return callee_memo_[call.index()];
}

const Function* FileModel::compute_callee_function(const Node& call) const {
  Node callee = strip(call.field("function"));
  if (callee.is("member_expression")) {
    Node obj = strip(callee.field("object"));
    if (!obj.is("this")) return nullptr;
    const Function* encl = enclosing_function(call);
    // inside nested arrows the class is that of the outermost method
    std::string cls;
    for (const Function* f = encl; f; f = enclosing_function(f->node)) {
      if (!f->class_name.empty()) {
        cls = f->class_name;
        break;
      }
    }
    if (cls.empty()) return nullptr;
    return method(cls, callee.field("property").text());
  }
  if (callee.is("identifier")) {
    const Binding* b = resolve(callee);
    if (b && b->kind == BindingKind::Import) return nullptr;
    // the function the name is bound to where it is called (a nested helper too), else the
    // module-level function of that name
    if (const Function* f = function_at(callee)) return f;
    return function(callee.text());
  }
  return nullptr;
}

const std::vector<Node>& FileModel::calls_of(const Function& f) const {
  if (!calls_of_) {
    calls_of_.emplace();
    for (const Node& call : nodes("call_expression"))
      if (const Function* callee = callee_function(call)) (*calls_of_)[callee].push_back(call);
  }
  static const std::vector<Node> none;
  auto it = calls_of_->find(&f);
  return it == calls_of_->end() ? none : it->second;
}

const Function* FileModel::function_at(const Node& expr) const {
  Node e = strip(expr);
  if (is_function_kind(e.kind())) {
    if (e.table() != tree_.root().table() || e.index() >= function_by_row_.size()) return nullptr;
    uint32_t f = function_by_row_[e.index()];
    return f ? &functions_[f - 1] : nullptr;
  }
  if (e.is("identifier")) {
    const Binding* b = resolve(e);
    if (!b) return nullptr;
    Node target = b->kind == BindingKind::Function ? b->declarator : strip(b->init);
    if (target.null() || !b->path.empty()) return nullptr;
    if (target.table() != tree_.root().table() || target.index() >= function_by_row_.size())
      return nullptr;
    uint32_t f = function_by_row_[target.index()];
    return f ? &functions_[f - 1] : nullptr;
  }
  return nullptr;
}

Region FileModel::region(const Function& fn, bool with_helpers) const {
  auto& memo = region_memo_[with_helpers ? 1 : 0];
  auto it = memo.find(&fn);
  if (it != memo.end()) return it->second;
  Region r;
  r.function = &fn;
  Node main = fn.body.null() ? fn.node : fn.body;
  r.parts.push_back(main);
  if (!with_helpers) return r;
  add_helpers(
      r, [&](const Function& helper) { return &helper != &fn && !helper.body.contains(main); });
  memo.emplace(&fn, r);
  return r;
}

void FileModel::add_helpers(Region& r, const std::function<bool(const Function&)>& wanted) const {
  // The bodies of the same-file functions called in r's first part, then of those they call, up
  // to helper_depth_ levels; each once, unless the region holds it already: inside the first
  // part, or inside a helper added before. Every part is scanned once, so the cost is linear.
  const Node main = r.parts.front();
  std::unordered_set<const Function*> added;
  std::vector<Node> level{main};
  for (int depth = 0; depth < helper_depth_ && !level.empty(); ++depth) {
    std::vector<Node> next;
    for (const Node& part : level) {
      for (const Node& call : nodes_in("call_expression", part)) {
        const Function* helper = callee_function(call);
        if (!helper || helper->body.null() || added.count(helper) || !wanted(*helper)) continue;
        if (main.contains(helper->body)) continue;
        bool inside_added = false;
        for (const Function* f = enclosing_function(helper->node); f && !inside_added;
             f = enclosing_function(f->node))
          inside_added = added.count(f) > 0 && f->body.contains(helper->body);
        if (inside_added) continue;
        added.insert(helper);
        r.parts.push_back(helper->body);
        next.push_back(helper->body);
      }
    }
    level = std::move(next);
  }
}

const Binding* FileModel::resolve(std::string_view name, uint32_t at_byte) const {
  auto it = bindings_by_name_.find(name);
  if (it == bindings_by_name_.end()) return nullptr;
  const Binding* best = nullptr;
  for (std::size_t i : it->second) {
    const Binding& b = bindings_[i];
    Node s = b.scope.null() ? tree_.root() : b.scope;
    if (s.start_byte() > at_byte || at_byte > s.end_byte()) continue;
    if (!best) {
      best = &b;
      continue;
    }
    Node bs = best->scope.null() ? tree_.root() : best->scope;
    uint32_t bsize = bs.end_byte() - bs.start_byte(), ssize = s.end_byte() - s.start_byte();
    if (ssize < bsize || (ssize == bsize && b.name_node.start_byte() <= at_byte &&
                          b.name_node.start_byte() > best->name_node.start_byte()))
      best = &b;
  }
  return best;
}

const Binding* FileModel::resolve(const Node& identifier) const {
  if (identifier.null()) return nullptr;
  return resolve(identifier.text(), identifier.start_byte());
}

const Binding* FileModel::import_of(std::string_view local_name) const {
  const Binding* b = resolve(local_name, 0);
  if (b && !b->import_source.empty()) return b;
  auto it = bindings_by_name_.find(local_name);
  if (it == bindings_by_name_.end()) return nullptr;
  for (std::size_t i : it->second)
    if (!bindings_[i].import_source.empty()) return &bindings_[i];
  return nullptr;
}

bool FileModel::is_exported(std::string_view name) const {
  return std::find(exported_names_.begin(), exported_names_.end(), name) != exported_names_.end();
}

// -- expressions ----------------------------------------------------------------------------------

Node FileModel::strip(Node e) {
  while (!e.null()) {
    std::string_view k = e.kind();
    if (k == "parenthesized_expression" || k == "as_expression" || k == "satisfies_expression" ||
        k == "non_null_expression" || k == "type_assertion") {
      Node inner = k == "parenthesized_expression" ? e.named_child(0) : e.named_child(0);
      if (k == "type_assertion") inner = e.named_child(1);
      if (inner.null()) break;
      e = inner;
    } else {
      break;
    }
  }
  return e;
}

Node FileModel::strip_await(Node e) {
  e = strip(e);
  while (e.is("await_expression")) e = strip(e.named_child(0));
  return e;
}

std::vector<Node> FileModel::arguments(const Node& call) {
  std::vector<Node> out;
  Node args = call.field("arguments");
  if (args.is("template_string")) {
    out.push_back(args);
    return out;
  }
  for (const Node& a : args.named_children())
    if (!a.is("comment")) out.push_back(a);
  return out;
}

// `await x.get<T>(…)` parses with the await inside the callee (the grammar's generic-call
// ambiguity), so callees are read through await.
std::string_view FileModel::callee_name(const Node& call) {
  Node callee =
      strip_await(call.is("new_expression") ? call.field("constructor") : call.field("function"));
  return last_name(callee);
}

Node FileModel::callee_object(const Node& call) {
  Node callee = strip_await(call.field("function"));
  if (callee.is("member_expression")) return strip(callee.field("object"));
  return {};
}

std::string_view FileModel::last_name(const Node& expr) {
  Node e = strip(expr);
  if (e.is("identifier") || e.is("property_identifier") || e.is("type_identifier") ||
      e.is("shorthand_property_identifier") || e.is("private_property_identifier"))
    return e.text();
  if (e.is("member_expression")) return e.field("property").text();
  if (e.is("this")) return "this";
  if (e.is("subscript_expression")) {
    Node idx = e.field("index");
    if (idx.is("string") && idx.named_child_count() == 1) return idx.named_child(0).text();
  }
  return {};
}

std::string FileModel::key_name(const Node& key) const {
  if (key.null()) return {};
  if (key.is("string")) return unquote_string_node(key);
  if (key.is("computed_property_name")) {
    auto s = fold_string(key.named_child(0));
    return s ? *s : std::string(key.text());
  }
  if (key.is("number")) {
    auto v = parse_number(key.text());
    return v ? number_to_js_string(*v) : std::string(key.text());
  }
  return std::string(key.text());
}

Node FileModel::property(const Node& object, std::string_view key) const {
  Node o = strip(object);
  if (!o.is("object")) return {};
  Node found;
  for (const Node& c : o.named_children()) {
    if (c.is("pair") && key_name(c.field("key")) == key)
      found = c.field("value");
    else if (c.is("shorthand_property_identifier") && c.text() == key)
      found = c;
  }
  return found;  // the last one wins, as in JavaScript
}

// -- constant folding -----------------------------------------------------------------------------

std::optional<Constant> FileModel::fold(const Node& expr) const { return fold_depth(expr, 0); }

std::optional<double> FileModel::fold_number(const Node& expr) const {
  auto c = fold(expr);
  if (!c) return std::nullopt;
  if (c->is_number()) return c->number();
  return std::nullopt;
}

std::optional<std::string> FileModel::fold_string(const Node& expr) const {
  auto c = fold(expr);
  if (!c) return std::nullopt;
  if (c->is_string()) return c->string();
  return std::nullopt;
}

std::optional<Constant> FileModel::fold_depth(const Node& expr, int depth) const {
  if (depth > kMaxTraceDepth) {
    fold_cut_ = true;
    return std::nullopt;
  }
  Node e = strip(expr);
  if (e.null()) return std::nullopt;
  // Values the fold composes (a template with substitutions, `+`) are kept once per node:
  // without that, a chain of consts each interpolating the previous one k times folds in k^depth
  // steps. A literal is not kept: it costs its length either way, and the source bounds it.
  bool composed = e.is("binary_expression");
  if (e.is("template_string"))
    for (uint32_t i = 0; i < e.child_count() && !composed; ++i)
      composed = e.child(i).is("template_substitution");
  if (!composed || e.table() != tree_.root().table()) return fold_node(e, depth);
  if (auto it = fold_memo_.find(e.index()); it != fold_memo_.end()) return it->second;
  const bool outer_cut = fold_cut_;
  fold_cut_ = false;
  std::optional<Constant> folded = fold_node(e, depth);
  // A composed string past the limit, or past what the memo may hold, does not fold: no check
  // compares against megabytes of built text, and building it would be the cost.
  if (folded && folded->is_string()) {
    std::size_t size = folded->string().size();
    if (size > kMaxFoldedLength || fold_memo_bytes_ + size > kMaxFoldMemoBytes)
      folded.reset();
    else if (!fold_cut_)
      fold_memo_bytes_ += size;
  }
  if (!fold_cut_) fold_memo_.emplace(e.index(), folded);
  fold_cut_ = fold_cut_ || outer_cut;
  return folded;
}

std::optional<Constant> FileModel::fold_node(const Node& e, int depth) const {
  std::string_view k = e.kind();
  if (k == "number") {
    auto v = parse_number(e.text());
    if (v) return Constant{*v};
    return std::nullopt;
  }
  if (k == "string") return Constant{unquote_string_node(e)};
  if (k == "template_string") {
    std::string out;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("string_fragment")) {
        out += c.text();
      } else if (c.is("escape_sequence")) {
        // reuse the string unescaper on a single escape
        std::string_view t = c.text();
        if (t.size() >= 2 && t[1] == 'n')
          out += '\n';
        else if (t.size() >= 2 && t[1] == 't')
          out += '\t';
        else if (t.size() >= 2 && t[1] == 'r')
          out += '\r';
        else if (t.size() >= 2)
          out += t.substr(1);
      } else if (c.is("template_substitution")) {
        auto v = fold_depth(c.named_child(0), depth + 1);
        if (!v) return std::nullopt;
        out += v->is_string() ? v->string() : number_to_js_string(v->number());
      }
    }
    return Constant{out};
  }
  if (k == "unary_expression") {
    auto op = e.field("operator").text();
    auto v = fold_depth(e.field("argument"), depth + 1);
    if (!v || !v->is_number()) return std::nullopt;
    if (op == "-") return Constant{-v->number()};
    if (op == "+") return v;
    return std::nullopt;
  }
  if (k == "binary_expression") {
    std::string_view op = e.field("operator").kind();
    auto l = fold_depth(e.field("left"), depth + 1);
    if (!l) return std::nullopt;
    auto r = fold_depth(e.field("right"), depth + 1);
    if (!r) return std::nullopt;
    if (op == "+") {
      if (l->is_number() && r->is_number()) return Constant{l->number() + r->number()};
      auto s = [](const Constant& c) {
        return c.is_string() ? c.string() : number_to_js_string(c.number());
      };
      return Constant{s(*l) + s(*r)};
    }
    if (!l->is_number() || !r->is_number()) return std::nullopt;
    double a = l->number(), b = r->number();
    if (op == "-") return Constant{a - b};
    if (op == "*") return Constant{a * b};
    if (op == "/") return b == 0 ? std::nullopt : std::optional<Constant>(Constant{a / b});
    if (op == "%")
      return b == 0 ? std::nullopt : std::optional<Constant>(Constant{std::fmod(a, b)});
    if (op == "**") return Constant{std::pow(a, b)};
    return std::nullopt;
  }
  if (k == "identifier" || k == "shorthand_property_identifier") {  // `{ X }` is `{ X: X }`
    const Binding* b = resolve(e);
    if (!b || b->init.null()) return std::nullopt;
    if (b->kind != BindingKind::Const) return std::nullopt;
    if (!b->path.empty()) {
      // `const { A } = CONSTANTS` where CONSTANTS is an object literal
      Node obj = strip(b->init);
      for (const auto& key : b->path) {
        if (obj.is("identifier")) {
          const Binding* ob = resolve(obj);
          if (!ob || ob->kind != BindingKind::Const || !ob->path.empty()) return std::nullopt;
          obj = strip(ob->init);
        }
        obj = strip(property(obj, key));
        if (obj.null()) return std::nullopt;
      }
      return fold_depth(obj, depth + 1);
    }
    return fold_depth(b->init, depth + 1);
  }
  if (k == "member_expression" || k == "subscript_expression") {
    // CONFIG.TIMEOUT where CONFIG is a const object literal
    std::string key;
    if (k == "member_expression") {
      key = std::string(e.field("property").text());
    } else {
      auto idx = fold_depth(e.field("index"), depth + 1);
      if (!idx || !idx->is_string()) return std::nullopt;
      key = idx->string();
    }
    Node obj = strip(e.field("object"));
    if (obj.is("identifier")) {
      const Binding* ob = resolve(obj);
      if (!ob || ob->kind != BindingKind::Const || !ob->path.empty() || ob->init.null())
        return std::nullopt;
      obj = strip(ob->init);
    } else if (obj.is("member_expression")) {
      // nested: A.B.C — fold A.B to an object literal node first
      Origin o = trace_depth(obj, depth + 1);
      obj = strip(o.expr);
      for (const auto& p : o.path) {
        obj = strip(property(obj, p));
        if (obj.null()) return std::nullopt;
      }
    }
    Node v = property(obj, key);
    if (v.null() || v.is("shorthand_property_identifier")) {
      if (v.is("shorthand_property_identifier")) {
        const Binding* sb = resolve(v.text(), v.start_byte());
        if (sb && sb->kind == BindingKind::Const) return fold_depth(sb->init, depth + 1);
      }
      return std::nullopt;
    }
    return fold_depth(v, depth + 1);
  }
  return std::nullopt;
}

std::optional<std::string> FileModel::pattern(const Node& expr) const {
  return pattern_depth(expr, 0);
}

std::optional<std::string> FileModel::pattern_depth(const Node& expr, int depth) const {
  Node e = strip(expr);
  // `a + b + …` nests one level per operand, and a const can name itself in its initialiser
  if (e.null() || depth > kMaxTraceDepth) return std::nullopt;
  if (auto s = fold_string(e)) return s;
  auto name_of = [&](const Node& sub) -> std::string {
    Node s = strip(sub);
    if (auto v = fold(s)) return v->is_string() ? v->string() : number_to_js_string(v->number());
    std::string_view n = last_name(s);
    return fmt::format("{{{}}}", n.empty() ? s.text() : n);
  };
  if (e.is("template_string")) {
    std::string out;
    for (uint32_t i = 0; i < e.child_count(); ++i) {
      Node c = e.child(i);
      if (c.is("string_fragment"))
        out += c.text();
      else if (c.is("template_substitution"))
        out += name_of(c.named_child(0));
    }
    return out;
  }
  if (e.is("binary_expression") && e.field("operator").kind() == "+") {
    auto l = pattern_depth(e.field("left"), depth + 1);
    auto r = pattern_depth(e.field("right"), depth + 1);
    std::string ls = l ? *l : name_of(e.field("left"));
    std::string rs = r ? *r : name_of(e.field("right"));
    return ls + rs;
  }
  if (e.is("identifier")) {
    const Binding* b = resolve(e);
    if (b && b->kind == BindingKind::Const && b->path.empty() && !b->init.null()) {
      Node init = strip(b->init);
      if (init.is("template_string") || init.is("binary_expression"))
        return pattern_depth(init, depth + 1);
    }
  }
  return std::nullopt;
}

// -- value flow -----------------------------------------------------------------------------------

Origin FileModel::trace(const Node& expr) const {
  if (expr.null() || expr.table() != tree_.root().table()) return trace_depth(expr, 0);
  auto it = trace_memo_.find(expr.index());
  if (it == trace_memo_.end()) it = trace_memo_.emplace(expr.index(), trace_depth(expr, 0)).first;
  return it->second;
}

Origin FileModel::trace_depth(const Node& expr, int depth) const {
  Node e = strip_await(expr);
  Origin o{e, {}, nullptr};
  if (depth > kMaxTraceDepth || e.null()) return o;
  if (e.is("identifier") || e.is("shorthand_property_identifier")) {
    const Binding* b = resolve(e.text(), e.start_byte());
    if (!b) return o;
    Node value = b->init;
    if (value.null() && b->assignments.size() == 1) value = b->assignments.front();
    if (value.null() || b->kind == BindingKind::Function || b->kind == BindingKind::Class ||
        b->kind == BindingKind::Import) {
      o.binding = b;
      o.path = b->kind == BindingKind::Param ? b->path : std::vector<std::string>{};
      if (b->kind == BindingKind::Param && !b->path.empty()) o.expr = b->declarator;
      return o;
    }
    if (b->kind == BindingKind::Param && b->path.empty()) {
      // a parameter's default is one possible value; the parameter itself is the origin
      o.binding = b;
      return o;
    }
    Origin inner = trace_depth(value, depth + 1);
    inner.path.insert(inner.path.end(), b->path.begin(), b->path.end());
    if (!inner.binding) inner.binding = b;
    return into_elements(std::move(inner), depth);
  }
  if (e.is("member_expression")) {
    Node prop = e.field("property");
    Origin inner = trace_depth(e.field("object"), depth + 1);
    inner.path.emplace_back(prop.text());
    return into_elements(std::move(inner), depth);
  }
  if (e.is("subscript_expression")) {
    auto key = fold(e.field("index"));
    if (key) {
      Origin inner = trace_depth(e.field("object"), depth + 1);
      inner.path.push_back(key->is_string() ? key->string() : number_to_js_string(key->number()));
      return into_elements(std::move(inner), depth);
    }
  }
  return o;
}

Origin FileModel::into_elements(Origin o, int depth) const {
  // `const [a, b] = await Promise.all([x, y])` and `[x, y][1]`: an index into an array literal
  // (or the awaited Promise.all of one) is that element, as awaited.
  while (!o.path.empty() && depth <= kMaxTraceDepth) {
    Node arr = strip_await(o.expr);
    if (arr.is("call_expression") && callee_name(arr) == "all" &&
        last_name(callee_object(arr)) == "Promise") {
      auto args = arguments(arr);
      arr = args.size() == 1 ? strip(args[0]) : Node{};
    }
    if (!arr.is("array")) break;
    const std::string& key = o.path.front();
    if (key.empty() || key.size() > 6 ||
        !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
      break;
    std::size_t index = std::stoul(key);
    std::vector<Node> elements;
    bool spread = false;
    for (const Node& c : arr.named_children()) {
      if (c.is("comment")) continue;
      spread = spread || c.is("spread_element");
      elements.push_back(c);
    }
    if (spread || index >= elements.size()) break;  // a spread shifts the positions
    Origin inner = trace_depth(elements[index], ++depth);
    inner.path.insert(inner.path.end(), o.path.begin() + 1, o.path.end());
    if (!inner.binding) inner.binding = o.binding;
    o = std::move(inner);
  }
  return o;
}

std::vector<Origin> FileModel::trace_all(const Node& expr) const {
  std::vector<Origin> out;
  out.push_back(trace(expr));
  Node e = strip_await(expr);
  if (e.is("identifier")) {
    const Binding* b = resolve(e);
    if (b && b->kind != BindingKind::Const) {
      for (const Node& a : b->assignments) {
        Origin o = trace(a);
        o.path.insert(o.path.end(), b->path.begin(), b->path.end());
        out.push_back(o);
      }
    }
  }
  return out;
}

bool FileModel::derives_from(const Node& expr, const Matcher& m) const {
  if (expr.null()) return false;
  std::vector<std::pair<Node, int>> work{{expr, 0}};
  std::vector<uintptr_t> seen;
  while (!work.empty()) {
    auto [n, depth] = work.back();
    work.pop_back();
    if (n.null() || depth > kMaxTraceDepth) continue;
    if (std::find(seen.begin(), seen.end(), n.id()) != seen.end()) continue;
    seen.push_back(n.id());
    if (m(*this, n)) return true;
    Node s = strip_await(n);
    if (s.is("identifier") || s.is("member_expression") || s.is("shorthand_property_identifier") ||
        s.is("subscript_expression")) {
      for (const Origin& o : trace_all(s)) {
        if (!(o.expr == s)) work.push_back({o.expr, depth + 1});
        if (o.binding && !o.binding->init.null()) work.push_back({o.binding->init, depth + 1});
      }
      if (s.is("member_expression")) work.push_back({s.field("object"), depth + 1});
      continue;
    }
    if (is_function_kind(s.kind())) continue;  // a function value does not carry its body's data
    for (const Node& c : s.named_children()) work.push_back({c, depth});
  }
  return false;
}

std::optional<std::string> FileModel::env_name(const Node& expr) const {
  Origin o = trace(expr);
  Node base = strip(o.expr);
  const auto& p = o.path;
  auto env_param = [&](const Node& n) {
    const Binding* b = resolve(n);
    return n.is("identifier") && n.text() == "env" && (!b || b->kind == BindingKind::Param);
  };
  if (p.size() >= 2 && p[p.size() - 2] == "env" && (base.is("this") || base.is("identifier")))
    return p.back();
  if (p.size() == 1 && env_param(base)) return p.back();
  // destructured parameter: fetch(request, { SESSIONS_KV })
  if (!o.binding || o.binding->kind != BindingKind::Param || p.empty()) return std::nullopt;
  return std::nullopt;
}

std::optional<std::string> FileModel::process_env_name(const Node& expr) const {
  Origin o = trace(expr);
  Node base = strip(o.expr);
  const auto& p = o.path;
  if (base.is("identifier") && base.text() == "process" && p.size() == 2 && p[0] == "env")
    return p[1];
  return std::nullopt;
}

PromiseUse FileModel::promise_use(const Node& call) const {
  PromiseUse use;
  Node cur = call;
  for (;;) {
    Node parent = cur.parent();
    while (parent.is("parenthesized_expression") || parent.is("as_expression") ||
           parent.is("non_null_expression")) {
      cur = parent;
      parent = cur.parent();
    }
    if (parent.is("member_expression") && parent.field("object") == cur) {
      Node outer = parent.parent();
      std::string_view prop = parent.field("property").text();
      if (outer.is("call_expression") && outer.field("function") == parent &&
          (prop == "then" || prop == "catch" || prop == "finally")) {
        use.chain.push_back({std::string(prop), outer, arguments(outer)});
        cur = outer;
        continue;
      }
    }
    break;
  }
  use.outer = cur;
  Node parent = cur.parent();
  while (parent.is("parenthesized_expression")) parent = parent.parent();
  std::string_view k = parent.kind();
  use.awaited = k == "await_expression" || call.field("function").is("await_expression");
  use.returned = k == "return_statement" || (k == "arrow_function" && parent.field("body") == cur);
  use.assigned = k == "variable_declarator" || k == "assignment_expression" || k == "pair";
  use.discarded = k == "expression_statement" ||
                  (k == "unary_expression" && parent.field("operator").text() == "void");
  return use;
}

ControlContext FileModel::context(const Node& n, const Node& stop) const {
  ControlContext ctx;
  Node child = n;
  for (Node p = n.parent(); !p.null(); child = p, p = p.parent()) {
    if (!stop.null() && p == stop) break;
    std::string_view k = p.kind();
    if (k == "try_statement" && p.field("body") == child && ctx.try_statement.null())
      ctx.try_statement = p;
    else if (k == "catch_clause" && ctx.catch_clause.null())
      ctx.catch_clause = p;
    else if (k == "finally_clause" && ctx.finally_clause.null())
      ctx.finally_clause = p;
    else if (is_loop_kind(k) && ctx.loop.null() && p.field("body") == child)
      ctx.loop = p;
    else if (k == "if_statement" && !(p.field("condition") == child))
      ctx.conditions.push_back(p);
    else if (k == "ternary_expression" && !(p.field("condition") == child))
      ctx.conditions.push_back(p);
    else if (k == "binary_expression" && p.field("right") == child &&
             (p.field("operator").kind() == "&&" || p.field("operator").kind() == "||" ||
              p.field("operator").kind() == "??"))
      ctx.conditions.push_back(p);
    else if (k == "switch_case")
      ctx.conditions.push_back(p);
    if (stop.null() && is_function_kind(k)) break;
  }
  return ctx;
}

// -- matchers -------------------------------------------------------------------------------------

namespace match {
Matcher call(std::string callee_last_name) {
  return [name = std::move(callee_last_name)](const FileModel&, const Node& n) {
    Node s = FileModel::strip_await(n);
    return s.is("call_expression") && FileModel::callee_name(s) == name;
  };
}
Matcher new_expr(std::string constructor_name) {
  return [name = std::move(constructor_name)](const FileModel&, const Node& n) {
    Node s = FileModel::strip_await(n);
    return s.is("new_expression") && FileModel::callee_name(s) == name;
  };
}
}  // namespace match

}  // namespace v15

namespace v15 {

Region FileModel::region(const Node& n, bool with_helpers) const {
  Region r;
  r.function = nullptr;
  if (n.null()) return r;
  r.parts.push_back(n);
  if (!with_helpers) return r;
  add_helpers(r, [&](const Function& helper) { return !helper.node.contains(n); });
  return r;
}

const Route* FileModel::route(std::string_view method, std::string_view path) const {
  for (const Route& r : routes())
    if (r.path == path && r.method == method) return &r;
  return nullptr;
}

std::optional<int> FileModel::response_status(const Node& expr) const {
  return response_status_depth(expr, 0);
}

std::optional<int> FileModel::response_status_depth(const Node& expr, int depth) const {
  Node e = strip_await(expr);
  if (e.is("identifier")) {
    Origin o = trace(e);
    if (o.path.empty() && !(o.expr == e)) e = strip_await(o.expr);
  }
  auto status_from_init = [&](const Node& init) -> std::optional<int> {
    Node obj = strip(init);
    if (obj.is("identifier")) obj = strip(trace(obj).expr);
    Node st = property(obj, "status");
    if (st.null()) return std::nullopt;
    auto v = fold_number(st);
    if (v) return static_cast<int>(*v);
    return std::nullopt;
  };
  if (e.is("new_expression") && callee_name(e) == "Response") {
    auto args = arguments(e);
    if (args.size() >= 2) {
      auto s = status_from_init(args[1]);
      if (s) return s;
      return strip(args[1]).is("object") ? std::optional<int>(200) : std::nullopt;
    }
    return 200;
  }
  if (e.is("call_expression")) {
    auto args = arguments(e);
    std::string_view name = callee_name(e);
    Node obj = callee_object(e);
    if (last_name(obj) == "Response" && (name == "json" || name == "error" || name == "redirect")) {
      if (name == "error") return 500;
      if (args.size() >= 2) {
        if (auto s = status_from_init(args[1])) return s;
        if (auto v = fold_number(args[1])) return static_cast<int>(*v);
      }
      return name == "redirect" ? 302 : 200;
    }
    // helpers and framework responses: the status is a literal argument, or an init object
    for (const Node& a : args) {
      if (auto v = fold_number(a); v && *v >= 100 && *v <= 599) return static_cast<int>(*v);
      if (auto s = status_from_init(a)) return s;
    }
    // a same-file helper that returns a Response with a fixed status, also through further
    // helpers (`unauthorized()` returning `json({…}, 401)`), a few calls deep
    const Function* f = depth < kMaxHelperDepth ? callee_function(e) : nullptr;
    if (f && f->body.is("statement_block")) {
      for (const Node& ret : nodes_in("return_statement", f->body)) {
        if (enclosing_function(ret) != f) continue;
        Node v = ret.named_child(0);
        if (!v.null())
          if (auto s = response_status_depth(v, depth + 1)) return s;
      }
    } else if (f && !f->body.null()) {
      if (auto s = response_status_depth(f->body, depth + 1)) return s;
    }
    if (name == "json" || name == "text" || name == "html" || name == "body") return 200;
  }
  return std::nullopt;
}

std::vector<FileModel::StubFetch> FileModel::stub_fetches(const Region& within,
                                                          std::string_view binding) const {
  std::vector<StubFetch> out;
  for (const Node& call : nodes_in("call_expression", within)) {
    if (callee_name(call) != "fetch") continue;
    Node obj = callee_object(call);
    if (obj.null()) continue;
    Node get = strip_await(trace(obj).expr);
    if (!get.is("call_expression") || callee_name(get) != "get") continue;
    auto ns = env_name(callee_object(get));
    if (!ns || (!binding.empty() && *ns != binding)) continue;
    auto args = arguments(get);
    out.push_back({call, get, args.empty() ? Node{} : args[0]});
  }
  return out;
}

}  // namespace v15
