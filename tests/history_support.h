// A small git history with planted flips, built from the passing fixture and two mutants of the
// catalogue, shared by the history engine and CLI tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {

// The planted history, oldest first:
//   0 the flow without src/utils/jwt.ts        (checks of the JWT file: ABSENT)
//   1 the JWT helper added                     (ABSENT -> PASS)
//   2 an unrelated file                        (no flip)
//   3 the DO mutant applied                    (PASS -> FAIL for its checks)
//   4 the DO mutant reverted                   (FAIL -> PASS)
//   5 src/utils/jwt.ts renamed to src/lib/jwt.ts, config untouched (followed: no flip)
//   6 the agent mutant applied                 (PASS -> FAIL)
//   7 the DO mutant applied again              (PASS -> FAIL: blame names this one)
//   8 a .v15check.json disabling one of the agent mutant's checks (FAIL -> PASS, suppressed)
struct PlantedHistory {
  static constexpr const char* kDoMutant = "do-chat-bridge-timeout-20min";
  static constexpr const char* kAgentMutant = "agent-put-instead-of-post";
  static constexpr const char* kDisabled = "agent.callback-post";
  static constexpr const char* kJwtPath = "src/utils/jwt.ts";
  static constexpr const char* kMovedJwtPath = "src/lib/jwt.ts";

  TempDir dir;
  std::filesystem::path repo;
  std::vector<std::string> shas;
  Case do_mutant, agent_mutant;
  std::string error;  // why the history could not be built

  PlantedHistory() : repo(dir / "repo") { build(); }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

 private:
  bool find_mutant(const Catalogue& cat, const std::string& name, Case& out) {
    for (const Case& c : cat.mutants)
      if (c.name == name) {
        out = c;
        return true;
      }
    error = "mutant " + name + " is not in the catalogue";
    return false;
  }

  bool commit(const std::string& message) {
    ProcessOutput add = git(repo, {"add", "-A"});
    ProcessOutput c = git(repo, {"commit", "-q", "-m", message});
    if (add.exit_code != 0 || c.exit_code != 0) {
      error = "git commit failed: " + add.err + c.err;
      return false;
    }
    shas.push_back(trim(git(repo, {"rev-parse", "HEAD"}).out));
    return true;
  }

  // Writes the files `edits` change, as they are after applying them to `base`.
  bool write_edited(const std::map<std::string, std::string>& base, const std::vector<Edit>& edits,
                    const std::map<std::string, std::string>& renamed = {}) {
    std::map<std::string, std::string> files = base;
    if (std::string bad = apply(files, edits); !bad.empty()) {
      error = bad;
      return false;
    }
    for (const Edit& e : edits) {
      auto where = renamed.count(e.file) ? renamed.at(e.file) : e.file;
      write_text(repo / where, files.at(e.file));
    }
    return true;
  }

  void build() {
    Catalogue cat = load_catalogue();
    if (!cat.error.empty()) {
      error = cat.error;
      return;
    }
    if (!find_mutant(cat, kDoMutant, do_mutant) || !find_mutant(cat, kAgentMutant, agent_mutant))
      return;
    std::map<std::string, std::string> pass = load_tree(fixtures_dir() / "v15-pass");
    std::filesystem::create_directories(repo);
    if (git(repo, {"init", "-q"}).exit_code != 0) {
      error = "git init failed";
      return;
    }
    std::map<std::string, std::string> without_jwt = pass;
    without_jwt.erase(kJwtPath);
    write_tree(repo, without_jwt);
    if (!commit("Start the flow without the JWT helper")) return;
    write_text(repo / kJwtPath, pass.at(kJwtPath));
    if (!commit("Add the JWT helper")) return;
    write_text(repo / "NOTES.md", "release notes\n");
    if (!commit("Describe the release")) return;
    if (!write_edited(pass, do_mutant.edits) || !commit("Lengthen the bridge timeout")) return;
    for (const Edit& e : do_mutant.edits) write_text(repo / e.file, pass.at(e.file));
    if (!commit("Restore the bridge timeout")) return;
    std::filesystem::create_directories(repo / "src/lib");
    if (git(repo, {"mv", kJwtPath, kMovedJwtPath}).exit_code != 0) {
      error = "git mv failed";
      return;
    }
    if (!commit("Move the JWT helper")) return;
    if (!write_edited(pass, agent_mutant.edits) || !commit("Post the stream with PUT")) return;
    if (!write_edited(pass, do_mutant.edits) || !commit("Lengthen the bridge timeout again"))
      return;
    write_text(repo / ".v15check.json",
               std::string(R"({"disable": [{"id": ")") + kDisabled +
                   R"(", "reason": "the container posts with PUT until the proxy is fixed"}]})");
    commit("Accept PUT for the stream callback");
  }
};

}  // namespace v15::testing
