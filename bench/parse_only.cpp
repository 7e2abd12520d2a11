// A whole-process baseline for timings: bare tree-sitter parsing with the same grammars, and
// nothing else (no flat table, no model).
//   v15check_parse FILE...                    parse the given files
//   v15check_parse --history REPO [RANGE]     the floor of `v15check history`: parse once each
//                                             distinct version of the four TS/JS role files
//                                             over the first-parent RANGE (default HEAD)
#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/syntax.h"

namespace {

constexpr std::array<v15::Role, 4> kParsedRoles = {v15::Role::Worker, v15::Role::DurableObject,
                                                   v15::Role::Jwt, v15::Role::Agent};

// Parses `text` once with the grammar its path names; returns the root's named child count.
std::size_t parse_once(TSParser* parser, const std::string& path, const std::string& text) {
  auto lang = v15::language_for_path(path);
  ts_parser_set_language(parser, v15::grammar(lang ? *lang : v15::Language::JavaScript));
  TSTree* tree =
      ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
  std::size_t nodes = ts_node_named_child_count(ts_tree_root_node(tree));
  ts_tree_delete(tree);
  return nodes;
}

int parse_files(int argc, char** argv) {
  TSParser* parser = ts_parser_new();
  std::size_t nodes = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[i] << "\n";
      ts_parser_delete(parser);
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    nodes += parse_once(parser, argv[i], ss.str());
  }
  ts_parser_delete(parser);
  std::printf("%zu top-level nodes\n", nodes);
  return 0;
}

struct TreeEntry {
  std::string mode, oid;
};

// Reads tree objects through the run's one `git cat-file --batch`, each distinct tree once: from
// one commit to the next most subtrees keep their object id, so a role path is found by walking
// a handful of cached trees rather than asking git per commit and file.
class TreeWalker {
 public:
  explicit TreeWalker(v15::git::Batch& batch) : batch_(batch) {}

  // The entry at a '/'-separated path below the tree `root`, or an empty entry when absent.
  TreeEntry find(const std::string& root, std::string_view path) {
    TreeEntry at{"40000", root};
    while (!path.empty()) {
      if (at.mode != "40000") return {};
      auto slash = path.find('/');
      std::string name(path.substr(0, slash));
      path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
      const auto& entries = tree(at.oid);
      auto it = entries.find(name);
      if (it == entries.end()) return {};
      at = it->second;
    }
    return at;
  }

 private:
  const std::map<std::string, TreeEntry>& tree(const std::string& oid) {
    auto cached = trees_.find(oid);
    if (cached != trees_.end()) return cached->second;
    v15::git::Batch::Object o = batch_.get(oid, std::size_t{64} << 20);
    if (o.kind != v15::git::Batch::Object::Kind::Found || o.type != "tree" || o.too_big)
      throw v15::git::GitError("cannot read tree " + oid);
    // "<mode> <name>\0<binary id>" repeated; the id is as long as the hex id is half.
    const std::size_t id_bytes = oid.size() / 2;
    std::map<std::string, TreeEntry> entries;
    const std::string& raw = o.content;
    std::size_t pos = 0;
    while (pos < raw.size()) {
      auto space = raw.find(' ', pos);
      auto nul = raw.find('\0', pos);
      if (space == std::string::npos || nul == std::string::npos || space > nul ||
          nul + 1 + id_bytes > raw.size())
        throw v15::git::GitError("malformed tree " + oid);
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (std::size_t i = 0; i < id_bytes; ++i) {
        auto byte = static_cast<unsigned char>(raw[nul + 1 + i]);
        hex += kHex[byte >> 4];
        hex += kHex[byte & 15];
      }
      entries[raw.substr(space + 1, nul - space - 1)] = {raw.substr(pos, space - pos),
                                                         std::move(hex)};
      pos = nul + 1 + id_bytes;
    }
    return trees_.emplace(oid, std::move(entries)).first->second;
  }

  v15::git::Batch& batch_;
  std::map<std::string, std::map<std::string, TreeEntry>> trees_;
};

int parse_history(const std::string& repo_dir, const std::string& range) {
  const auto repo = v15::git::Repo::at_directory(repo_dir);
  std::vector<std::pair<std::string, std::string>> commits;  // commit, root tree
  {
    std::istringstream lines(
        repo.run({"log", "--first-parent", "--reverse", "--format=%H %T", range, "--"}));
    std::string commit, tree;
    while (lines >> commit >> tree) commits.emplace_back(commit, tree);
  }
  v15::git::Batch batch(repo);
  TreeWalker walker(batch);
  std::map<std::string, v15::Config> configs;       // config blob id → parsed config
  std::map<std::string, std::string> blob_to_path;  // distinct role versions → a path naming it
  for (const auto& [commit, tree] : commits) {
    v15::Config config;
    TreeEntry config_entry = walker.find(tree, v15::kConfigFileName);
    if (!config_entry.oid.empty()) {
      auto known = configs.find(config_entry.oid);
      if (known == configs.end()) {
        v15::git::Batch::Object o = batch.get(config_entry.oid);
        std::string origin = commit.substr(0, 12) + ":" + v15::kConfigFileName;
        known = configs.emplace(config_entry.oid, v15::parse_config(o.content, origin)).first;
      }
      config = known->second;
    }
    for (v15::Role role : kParsedRoles) {
      const std::string path = config.path(role);
      TreeEntry entry = walker.find(tree, path);
      if (entry.mode == "120000") {  // a symlink: let git resolve it, as the checks' reader does
        v15::git::Batch::Object o = batch.get(commit + ":" + path, 0);
        if (o.kind == v15::git::Batch::Object::Kind::Found && o.type == "blob")
          entry = {"100644", o.oid};
      }
      if (!entry.oid.empty() && entry.mode != "40000") blob_to_path.emplace(entry.oid, path);
    }
  }
  TSParser* parser = ts_parser_new();
  std::size_t bytes = 0, nodes = 0;
  for (const auto& [oid, path] : blob_to_path) {
    v15::git::Batch::Object o = batch.get(oid);
    bytes += o.content.size();
    nodes += parse_once(parser, path, o.content);
  }
  ts_parser_delete(parser);
  std::printf(
      "%zu commits, %zu distinct versions of the TS/JS role files, %zu bytes parsed, %zu "
      "top-level nodes\n",
      commits.size(), blob_to_path.size(), bytes, nodes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--history") {
    if (argc < 3 || argc > 4) {
      std::cerr << "usage: v15check_parse --history REPO [RANGE]\n";
      return 2;
    }
    try {
      return parse_history(argv[2], argc == 4 ? argv[3] : "HEAD");
    } catch (const std::exception& e) {
      std::cerr << "v15check_parse: " << e.what() << "\n";
      return 2;
    }
  }
  return parse_files(argc, argv);
}
