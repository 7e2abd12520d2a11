// A whole-process baseline for timings: bare tree-sitter parsing of the given files with the same
// grammars, and nothing else (no flat table, no model). `v15check_parse FILE...`
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "v15check/syntax.h"

int main(int argc, char** argv) {
  TSParser* parser = ts_parser_new();
  std::size_t nodes = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[i] << "\n";
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto lang = v15::language_for_path(argv[i]);
    ts_parser_set_language(parser, v15::grammar(lang ? *lang : v15::Language::JavaScript));
    TSTree* tree =
        ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
    nodes += ts_node_named_child_count(ts_tree_root_node(tree));
    ts_tree_delete(tree);
  }
  ts_parser_delete(parser);
  std::printf("%zu top-level nodes\n", nodes);
  return 0;
}
