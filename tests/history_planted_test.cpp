// The synthetic history (bench/history/make_history.py) against the built binaries: the flips it
// plants are true for the plain `--rev` run, `history` finds exactly them, `blame` names the
// commits that planted what FAILs at HEAD, and the parse floor reads every role file version.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kCommits = 200;

bool python_available() {
  try {
    return run_program({"python3", "--version"}).exit_code == 0;
  } catch (const std::exception&) {
    return false;
  }
}

// One generated history shared by the suite: generating it is the slow part.
struct Generated {
  TempDir dir;
  json manifest;
  std::string error;  // why it could not be generated
  fs::path repo() const { return dir / "repo"; }
};

class HistoryPlanted : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python_available() || !git_available()) return;
    generated_ = std::make_unique<Generated>();
    fs::path script = source_dir() / "bench" / "history" / "make_history.py";
    ProcessOutput r = run_program({"python3", script.string(), "--commits",
                                   std::to_string(kCommits), generated_->dir.path().string()});
    if (r.exit_code != 0) {
      generated_->error = "make_history.py failed: " + r.err;
      return;
    }
    generated_->manifest = json::parse(read_file(generated_->dir / "planted.json"));
  }
  static void TearDownTestSuite() { generated_.reset(); }

  void SetUp() override {
    if (!generated_) GTEST_SKIP() << "python3 or git is not installed";
    ASSERT_TRUE(generated_->error.empty()) << generated_->error;
  }
  static const json& manifest() { return generated_->manifest; }
  static fs::path repo() { return generated_->repo(); }

  // `v15check history`/`blame` exist in this build (they are a separate part of the engine).
  // Without the subcommand, `history --help` prints the main command's help and exits 0.
  // The expected state of every check at every commit, from the manifest's start and flips.
  static std::vector<std::map<std::string, std::string>> expected_states() {
    std::vector<std::map<std::string, std::string>> states;
    std::map<std::string, std::string> now = manifest().at("initial");
    auto flip = manifest().at("flips").begin();
    for (std::size_t k = 0; k < manifest().at("commits").size(); ++k) {
      for (; flip != manifest().at("flips").end() && flip->at("index") == k; ++flip) {
        EXPECT_EQ(now.at(flip->at("id")), flip->at("from")) << flip->dump();
        now[flip->at("id")] = flip->at("to");
      }
      states.push_back(now);
    }
    return states;
  }

 private:
  static inline std::unique_ptr<Generated> generated_;
};

TEST_F(HistoryPlanted, ManifestDescribesAWholeEvolvingHistory) {
  const json& m = manifest();
  ASSERT_EQ(m.at("commits").size(), static_cast<std::size_t>(kCommits));
  ProcessOutput log = git(repo(), {"rev-list", "--first-parent", "--reverse", "HEAD"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::string expected_log;
  for (const auto& c : m.at("commits")) expected_log += c.at("sha").get<std::string>() + "\n";
  EXPECT_EQ(log.out, expected_log);

  std::set<std::string> kinds;
  for (const auto& c : m.at("commits"))
    for (const auto& e : c.at("events")) kinds.insert(e.at("kind"));
  for (const char* kind :
       {"flow", "apply", "revert", "disable", "dockerfile-copy", "move", "merge"})
    EXPECT_TRUE(kinds.count(kind)) << "no '" << kind << "' event in the generated history";
  EXPECT_FALSE(m.at("blame").empty()) << "HEAD should FAIL something to blame";
  // every ID of the catalogue is tracked, and starts "not yet present"
  EXPECT_EQ(m.at("check_ids").size(), default_registry().checks().size());
  for (const auto& [id, state] : m.at("initial").items()) EXPECT_EQ(state, "ABSENT") << id;
}

// The planted expectations are what the plain command says at those revisions: every commit that
// plants or undoes something, the one before it, and the flow's last commit.
TEST_F(HistoryPlanted, PlantedStatesAreTheOnesTheCheckerReports) {
  auto states = expected_states();
  const json& commits = manifest().at("commits");
  std::set<std::size_t> sample = {commits.size() - 1};
  for (std::size_t k = 1; k < commits.size(); ++k) {
    if (commits[k].at("events").empty()) continue;
    sample.insert(k);
    sample.insert(k - 1);
  }
  int checked = 0;
  for (std::size_t k : sample) {
    if (states[k].begin()->second == "ABSENT") continue;  // the flow is not there yet
    const std::string sha = commits[k].at("sha");
    ProcessOutput r = run_cli({"--rev", sha, "--format", "json", "."}, {.cwd = repo()});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << sha << ": " << r.err;
    const json report = json::parse(r.out);
    std::map<std::string, std::string> actual;
    for (const auto& c : report.at("checks")) {
      std::string status = c.at("status");
      actual[c.at("id")] = status == "FAIL" ? "FAIL" : "PASS";  // suppressed counts as PASS
    }
    EXPECT_EQ(actual, states[k]) << "commit " << k << " " << sha << " ("
                                 << commits[k].at("subject").get<std::string>() << ")";
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

using Flip = std::tuple<std::string, std::string, std::string, std::string>;  // sha id from to

TEST_F(HistoryPlanted, HistoryFindsExactlyThePlantedFlips) {
  ProcessOutput r = run_cli({"history", "--format", "json"}, {.cwd = repo()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc.at("version"), 1);

  std::vector<std::string> shas, expected_shas;
  for (const auto& c : doc.at("commits")) shas.push_back(c.at("sha"));
  for (const auto& c : manifest().at("commits")) expected_shas.push_back(c.at("sha"));
  EXPECT_EQ(shas, expected_shas);

  std::set<Flip> found, planted;
  for (const auto& f : doc.at("flips"))
    found.emplace(f.at("sha"), f.at("id"), f.at("from"), f.at("to"));
  for (const auto& f : manifest().at("flips"))
    planted.emplace(f.at("sha"), f.at("id"), f.at("from"), f.at("to"));
  std::vector<Flip> missing, extra;
  std::ranges::set_difference(planted, found, std::back_inserter(missing));
  std::ranges::set_difference(found, planted, std::back_inserter(extra));
  auto show = [](const std::vector<Flip>& flips) {
    std::string s;
    for (const auto& [sha, id, from, to] : flips)
      s += "\n  " + sha.substr(0, 10) + " " + id + " " + from + "->" + to;
    return s;
  };
  EXPECT_TRUE(missing.empty()) << "planted but not found:" << show(missing);
  EXPECT_TRUE(extra.empty()) << "found but not planted:" << show(extra);
  EXPECT_EQ(doc.at("flips").size(), manifest().at("flips").size());
  EXPECT_EQ(doc.at("final"), manifest().at("final"));

  // each flip names its commit as git has it, and a FAIL says what it found
  std::map<std::string, json> commit_by_sha;
  for (const auto& c : manifest().at("commits")) commit_by_sha[c.at("sha")] = c;
  for (const auto& f : doc.at("flips")) {
    auto c = commit_by_sha.find(f.at("sha"));
    if (c == commit_by_sha.end()) continue;  // reported above
    for (const char* field : {"date", "author", "subject"})
      EXPECT_EQ(f.at(field), c->second.at(field)) << f.dump();
    if (f.at("to") == "FAIL") {
      EXPECT_NE(f.at("found"), "") << f.dump();
    }
  }
}

TEST_F(HistoryPlanted, BlameNamesThePlantingCommit) {
  ProcessOutput r = run_cli({"blame", "--format", "json"}, {.cwd = repo()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc.at("version"), 1);
  EXPECT_EQ(doc.at("rev"), manifest().at("commits").back().at("sha"));
  std::map<std::string, std::pair<std::string, std::string>> blamed, planted;  // id → sha, from
  for (const auto& b : doc.at("blame")) {
    blamed[b.at("id")] = {b.at("sha"), b.at("from")};
    EXPECT_NE(b.at("after"), "") << b.dump();
    EXPECT_NE(b.at("current"), "") << b.dump();
  }
  for (const auto& b : manifest().at("blame")) planted[b.at("id")] = {b.at("sha"), b.at("from")};
  EXPECT_EQ(blamed, planted);
}

TEST_F(HistoryPlanted, BlameOfAPassingCheckNamesNoCommit) {
  std::string passing;
  for (const auto& [id, state] : manifest().at("final").items())
    if (state == "PASS") passing = id;
  ASSERT_FALSE(passing.empty());
  ProcessOutput r = run_cli({"blame", "--format", "json", passing}, {.cwd = repo()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json doc = json::parse(r.out);
  ASSERT_EQ(doc.at("blame").size(), 1u) << r.out;
  EXPECT_EQ(doc.at("blame")[0].at("id"), passing);
  EXPECT_TRUE(doc.at("blame")[0].at("sha").is_null()) << r.out;
}

// The floor of `history`: the parse-only baseline reads every distinct version of the four TS/JS
// role files, following the config's role paths and the renames.
TEST_F(HistoryPlanted, ParseFloorReadsEveryRoleFileVersion) {
#ifndef V15CHECK_PARSE_BINARY
  GTEST_SKIP() << "the benchmarks (v15check_parse) are not built";
#else
  ProcessOutput r = run_program({V15CHECK_PARSE_BINARY, "--history", repo().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string versions = std::to_string(manifest().at("role_versions").get<int>());
  EXPECT_NE(r.out.find(std::to_string(kCommits) + " commits, " + versions + " distinct versions"),
            std::string::npos)
      << r.out;
#endif
}

TEST(MakeHistory, SameSeedSameCommits) {
  if (!python_available() || !git_available()) GTEST_SKIP() << "python3 or git is not installed";
  fs::path script = source_dir() / "bench" / "history" / "make_history.py";
  auto head = [&](const fs::path& out, const std::string& seed) {
    ProcessOutput r =
        run_program({"python3", script.string(), "--commits", "60", "--seed", seed, out.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return git(out / "repo", {"rev-parse", "HEAD"}).out;
  };
  TempDir dir;
  std::string first = head(dir / "a", "7");
  EXPECT_EQ(first.size(), 41u);
  EXPECT_EQ(head(dir / "b", "7"), first);
  EXPECT_NE(head(dir / "c", "8"), first);
}

}  // namespace
}  // namespace v15::testing
