// A whole-process baseline for timings: parse the given files with the same grammars and do
// nothing else. `v15check_parse FILE...`
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "v15check/syntax.h"

int main(int argc, char** argv) {
  v15::Parser parser;
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
    v15::Tree tree = parser.parse(text, lang ? *lang : v15::Language::JavaScript);
    nodes += tree.root().named_child_count();
  }
  std::printf("%zu top-level nodes\n", nodes);
  return 0;
}
