// Writes the seed corpus of pipeline_fuzz from the current fixtures: the passing code base, every
// mutant of fixtures/mutants/*.json and every variant of fixtures/variants.json (with their edits
// applied by the catalogue tests' own code), and the passing code base under each example config.
// One file per case, in the format of fuzz/pipeline_input.h.
//
// usage: pipeline_fuzz_seeds OUT_DIR   (regular files already in OUT_DIR are removed first)
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <utility>

#include "fixture_support.h"
#include "pipeline_input.h"
#include "v15check/source.h"

namespace fs = std::filesystem;

namespace {

std::string file_name(const std::string& kind, const std::string& name) {
  std::string out = kind + "-";
  for (char c : name)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

// A fixture tree (paths relative to its root) as one fuzz input; `config` is the text of a
// .v15check.json, or empty to use the tree's own (if any).
std::string to_input(const std::map<std::string, std::string>& files, std::string config = {}) {
  std::array<std::string, v15::fuzz::kPartCount> parts;
  auto text = [&](const std::string& path) {
    auto it = files.find(path);
    return it == files.end() ? std::string() : it->second;
  };
  for (v15::Role role : v15::kAllRoles)
    parts[static_cast<std::size_t>(role)] = text(std::string(v15::default_role_path(role)));
  unsigned char wrangler = 0;
  for (std::size_t i = 0; i < v15::fuzz::kWranglerFileNames.size(); ++i) {
    if (files.count(v15::fuzz::kWranglerFileNames[i])) {
      parts[v15::fuzz::kWranglerPart] = text(v15::fuzz::kWranglerFileNames[i]);
      wrangler = static_cast<unsigned char>(i);
      break;
    }
  }
  parts[v15::fuzz::kConfigPart] = config.empty() ? text(v15::kConfigFileName) : std::move(config);
  if (wrangler != 0) parts[v15::fuzz::kOptionsPart] = std::string(1, static_cast<char>(wrangler));
  return v15::fuzz::join_input(parts);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pipeline_fuzz_seeds OUT_DIR\n";
    return 2;
  }
  const fs::path out_dir = argv[1];
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "pipeline_fuzz_seeds: cannot create " << out_dir << ": " << ec.message() << "\n";
    return 2;
  }
  for (const auto& e : fs::directory_iterator(out_dir))
    if (e.is_regular_file()) fs::remove(e.path());

  int written = 0, failed = 0;
  auto write = [&](const std::string& name, const std::string& input) {
    std::ofstream out(out_dir / name, std::ios::binary | std::ios::trunc);
    out << input;
    out.close();
    if (!out) {
      std::cerr << "pipeline_fuzz_seeds: cannot write " << (out_dir / name) << "\n";
      ++failed;
      return;
    }
    ++written;
  };

  const auto pass = v15::testing::load_tree(v15::testing::fixtures_dir() / "v15-pass");
  write("pass", to_input(pass));

  const v15::testing::Catalogue catalogue = v15::testing::load_catalogue();
  if (!catalogue.error.empty()) {
    std::cerr << "pipeline_fuzz_seeds: fixtures/" << catalogue.error << "\n";
    return 1;
  }
  for (const auto& [kind, cases] :
       {std::pair{"mutant", &catalogue.mutants}, std::pair{"variant", &catalogue.variants}}) {
    for (const auto& c : *cases) {
      auto files = pass;
      if (std::string err = v15::testing::apply(files, c.edits); !err.empty()) {
        std::cerr << "pipeline_fuzz_seeds: " << kind << " " << c.name << ": " << err << "\n";
        ++failed;
        continue;
      }
      write(file_name(kind, c.name), to_input(files));
    }
  }

  const fs::path configs = v15::testing::source_dir() / "examples" / "config";
  for (const auto& e : fs::directory_iterator(configs)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    write(file_name("config", e.path().stem().string()),
          to_input(pass, v15::testing::read_file(e.path())));
  }

  std::cout << "pipeline_fuzz_seeds: " << written << " seeds in " << out_dir.string() << "\n";
  return failed == 0 ? 0 : 1;
}
