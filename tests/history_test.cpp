// The history engine on a planted git history: the exact flips, ABSENT before a file exists,
// renames followed, the per-revision config, the blob cache and the check memo; blame; and each
// check's declared reads held against what its outcome depends on.
#include "v15check/history.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "history_support.h"
#include "v15check/git.h"
#include "v15check/report.h"

namespace v15 {
namespace {

using history::State;
using testing::PlantedHistory;

class HistoryEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::git_available()) return;
    planted_ = new PlantedHistory();
    registry_ = new Registry(default_registry());
    if (!planted_->error.empty()) return;
    history::Options options;
    options.directory = planted_->repo.string();
    timeline_ = new history::Timeline(history::build_timeline(*registry_, options));
  }
  static void TearDownTestSuite() {
    delete timeline_;
    delete registry_;
    delete planted_;
    timeline_ = nullptr;
    registry_ = nullptr;
    planted_ = nullptr;
  }
  void SetUp() override {
    if (!testing::git_available()) GTEST_SKIP() << "git is not installed";
    ASSERT_TRUE(planted_->error.empty()) << planted_->error;
  }
  static std::size_t check_index(const std::string& id) {
    for (std::size_t c = 0; c < timeline_->checks.size(); ++c)
      if (timeline_->checks[c]->id == id) return c;
    ADD_FAILURE() << "no check " << id;
    return 0;
  }
  using FlipKey = std::tuple<std::size_t, std::string, State, State>;
  static std::set<FlipKey> flip_set(const history::Timeline& t) {
    std::set<FlipKey> out;
    for (const auto& f : history::flips(t))
      out.insert({f.commit, t.checks[f.check]->id, f.from, f.to});
    return out;
  }
  // The checks that read the JWT file as their own role: ABSENT while it does not exist.
  static std::set<std::string> jwt_role_checks() {
    std::set<std::string> ids;
    for (const Check& c : registry_->checks())
      if (c.role == Role::Jwt) ids.insert(c.id);
    return ids;
  }
  // ABSENT while the JWT file does not exist: those checks, and the checks that read it and
  // FAIL without it (as the main pipeline judges the passing fixture without the file).
  static std::set<std::string> absent_without_jwt() {
    std::set<std::string> ids = jwt_role_checks();
    auto files = testing::load_tree(testing::fixtures_dir() / "v15-pass");
    files.erase(PlantedHistory::kJwtPath);
    for (const std::string& id : testing::run_all(files).failed) {
      history::Reads reads = history::reads_of(*registry_->find(id));
      if (std::find(reads.roles.begin(), reads.roles.end(), Role::Jwt) != reads.roles.end())
        ids.insert(id);
    }
    return ids;
  }

  static inline PlantedHistory* planted_ = nullptr;
  static inline Registry* registry_ = nullptr;
  static inline history::Timeline* timeline_ = nullptr;
};

TEST_F(HistoryEngine, WalksTheFirstParentTimelineOldestFirst) {
  ASSERT_EQ(timeline_->commits.size(), planted_->shas.size());
  for (std::size_t i = 0; i < planted_->shas.size(); ++i)
    EXPECT_EQ(timeline_->commits[i].sha, planted_->shas[i]);
  EXPECT_EQ(timeline_->commits[3].subject, "Lengthen the bridge timeout");
  EXPECT_EQ(timeline_->checks.size(), registry_->checks().size());
}

TEST_F(HistoryEngine, FindsExactlyThePlantedFlips) {
  std::set<FlipKey> expected;
  for (const std::string& id : absent_without_jwt())
    expected.insert({1, id, State::Absent, State::Pass});
  for (const std::string& id : planted_->do_mutant.fail) {
    expected.insert({3, id, State::Pass, State::Fail});
    expected.insert({4, id, State::Fail, State::Pass});
    expected.insert({7, id, State::Pass, State::Fail});
  }
  for (const std::string& id : planted_->agent_mutant.fail)
    expected.insert({6, id, State::Pass, State::Fail});
  expected.insert({8, PlantedHistory::kDisabled, State::Fail, State::Pass});
  EXPECT_EQ(flip_set(*timeline_), expected);
}

TEST_F(HistoryEngine, AFileNotYetPresentIsAbsentNotAFail) {
  std::set<std::string> jwt = absent_without_jwt();
  ASSERT_GT(jwt.size(), jwt_role_checks().size()) << "a check of another file reads the JWT file";
  for (std::size_t c = 0; c < timeline_->checks.size(); ++c) {
    const history::Verdict& v = timeline_->at(c, 0);
    if (jwt.count(timeline_->checks[c]->id)) {
      EXPECT_EQ(v.state, State::Absent) << timeline_->checks[c]->id;
      EXPECT_NE(v.found.find("src/utils/jwt.ts: not"), std::string::npos) << v.found;
    } else {
      EXPECT_EQ(v.state, State::Pass) << timeline_->checks[c]->id << ": " << v.found;
    }
  }
}

TEST(HistoryDeletion, ARoleFileDeletedAfterItExistedIsAFailNotAbsent) {
  if (!testing::git_available()) GTEST_SKIP() << "git is not installed";
  testing::TempDir dir;
  std::filesystem::path repo = dir / "repo";
  std::filesystem::create_directories(repo);
  ASSERT_EQ(testing::git(repo, {"init", "-q"}).exit_code, 0);
  testing::write_tree(repo, testing::load_tree(testing::fixtures_dir() / "v15-pass"));
  ASSERT_EQ(testing::git(repo, {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(testing::git(repo, {"commit", "-q", "-m", "The flow"}).exit_code, 0);
  ASSERT_EQ(testing::git(repo, {"rm", "-q", PlantedHistory::kJwtPath}).exit_code, 0);
  ASSERT_EQ(testing::git(repo, {"commit", "-q", "-m", "Drop the JWT helper"}).exit_code, 0);

  Registry registry = default_registry();
  history::Options options;
  options.directory = repo.string();
  history::Timeline t = history::build_timeline(registry, options);
  ASSERT_EQ(t.commits.size(), 2u);
  std::size_t jwt_checks = 0;
  for (std::size_t c = 0; c < t.checks.size(); ++c) {
    EXPECT_EQ(t.at(c, 0).state, State::Pass) << t.checks[c]->id;
    EXPECT_NE(t.at(c, 1).state, State::Absent) << t.checks[c]->id << ": " << t.at(c, 1).found;
    if (t.checks[c]->role != Role::Jwt) continue;
    ++jwt_checks;
    EXPECT_EQ(t.at(c, 1).state, State::Fail) << t.checks[c]->id;
  }
  EXPECT_GT(jwt_checks, 0u);
}

TEST(HistoryWrangler, AChangeToTheWranglerConfigAloneFlipsTheChecksThatReadIt) {
  if (!testing::git_available()) GTEST_SKIP() << "git is not installed";
  testing::TempDir dir;
  std::filesystem::path repo = dir / "repo";
  std::filesystem::create_directories(repo);
  ASSERT_EQ(testing::git(repo, {"init", "-q"}).exit_code, 0);
  auto files = testing::load_tree(testing::fixtures_dir() / "v15-pass");
  testing::write_tree(repo, files);
  ASSERT_EQ(testing::git(repo, {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(testing::git(repo, {"commit", "-q", "-m", "The flow"}).exit_code, 0);
  // the deployment renames the sandbox binding; the DO still reads env.SANDBOX_CONTAINER
  std::string& wrangler = files.at("wrangler.jsonc");
  const std::string from = "\"name\": \"SANDBOX_CONTAINER\"";
  ASSERT_NE(wrangler.find(from), std::string::npos);
  wrangler.replace(wrangler.find(from), from.size(), "\"name\": \"Sandbox\"");
  testing::write_tree(repo, {{"wrangler.jsonc", wrangler}});
  ASSERT_EQ(testing::git(repo, {"commit", "-q", "-am", "Rename the binding"}).exit_code, 0);

  Registry registry = default_registry();
  history::Options options;
  options.directory = repo.string();
  history::Timeline t = history::build_timeline(registry, options);
  ASSERT_EQ(t.commits.size(), 2u);
  std::set<std::string> flipped;
  for (std::size_t c = 0; c < t.checks.size(); ++c)
    if (t.at(c, 0).state != t.at(c, 1).state) flipped.insert(t.checks[c]->id);
  EXPECT_EQ(flipped, std::set<std::string>{"do.dispatch-get-sandbox"});
}

TEST_F(HistoryEngine, FollowsARenamedRoleFile) {
  ASSERT_EQ(timeline_->renames.size(), 1u);
  const history::Rename& r = timeline_->renames[0];
  EXPECT_EQ(r.commit, 5u);
  EXPECT_EQ(r.role, Role::Jwt);
  EXPECT_EQ(r.from, PlantedHistory::kJwtPath);
  EXPECT_EQ(r.to, PlantedHistory::kMovedJwtPath);
  // after the move the JWT checks still PASS (no flip to ABSENT), and point at the new path
  std::size_t sign = check_index("jwt.sign");
  EXPECT_EQ(timeline_->at(sign, 5).state, State::Pass);
  EXPECT_EQ(timeline_->at(sign, 8).state, State::Pass);
}

TEST_F(HistoryEngine, TheConfigOfEachRevisionApplies) {
  std::size_t disabled = check_index(PlantedHistory::kDisabled);
  EXPECT_EQ(timeline_->at(disabled, 7).state, State::Fail);
  EXPECT_EQ(timeline_->at(disabled, 8).state, State::Pass);
  EXPECT_TRUE(timeline_->at(disabled, 8).suppressed);
  // --config overrides every revision's file: no flip at the last commit
  testing::TempDir cfg;
  testing::write_text(cfg / "empty.json", "{}");
  history::Options options;
  options.directory = planted_->repo.string();
  options.config_path = (cfg / "empty.json").string();
  options.selection.ids = {PlantedHistory::kDisabled};
  history::Timeline t = history::build_timeline(*registry_, options);
  ASSERT_EQ(t.checks.size(), 1u);
  EXPECT_EQ(t.at(0, 8).state, State::Fail);
}

TEST_F(HistoryEngine, EachFileVersionIsParsedOnceAndChecksRunOncePerCombination) {
  const history::Stats& s = timeline_->stats;
  EXPECT_EQ(s.commits, 9u);
  // TS/JS versions (a blob at a path): Worker 1, DO 2 (the revert brings back the first),
  // JWT 2 (one blob at two paths), agent 2
  EXPECT_EQ(s.files_parsed, 7u);
  std::size_t cells = s.commits * timeline_->checks.size();
  EXPECT_EQ(s.check_runs + s.memo_hits + jwt_role_checks().size(), cells);
  EXPECT_LT(s.check_runs, cells / 2) << "the memo should spare most runs";
  // the commit that adds only an unrelated file and the revert to an earlier version run no
  // check at all
  EXPECT_EQ(s.projects, s.commits - 2);
  EXPECT_GT(s.peak_rss_kib, 0);
}

// The config file added by the last commit only disables one check: that check alone runs again.
TEST_F(HistoryEngine, ADisableEntryRerunsOnlyItsCheck) {
  history::Options options;
  options.directory = planted_->repo.string();
  options.range = planted_->shas[7];
  history::Timeline before = history::build_timeline(*registry_, options);
  EXPECT_EQ(timeline_->stats.check_runs, before.stats.check_runs + 1);
}

TEST_F(HistoryEngine, ResultsDoNotDependOnTheNumberOfThreads) {
  history::Options options;
  options.directory = planted_->repo.string();
  options.threads = 1;
  history::Timeline one = history::build_timeline(*registry_, options);
  std::ostringstream a, b;
  history::write_history_json(a, one);
  history::write_history_json(b, *timeline_);
  EXPECT_EQ(a.str(), b.str());
}

TEST_F(HistoryEngine, BlameNamesTheLatestIntroducingCommit) {
  std::vector<std::size_t> all;
  for (std::size_t c = 0; c < timeline_->checks.size(); ++c) all.push_back(c);
  std::set<std::string> failing;
  for (const auto& e : history::blame(*timeline_, all)) {
    if (e.current != State::Fail) {
      EXPECT_FALSE(e.introduced);
      continue;
    }
    const std::string& id = timeline_->checks[e.check]->id;
    failing.insert(id);
    ASSERT_TRUE(e.introduced) << id;
    if (planted_->do_mutant.fail.count(id)) {
      EXPECT_EQ(*e.introduced, 7u) << id;  // FAIL, PASS, FAIL: the latest
      EXPECT_EQ(e.from, State::Pass);
      EXPECT_EQ(e.before, "");
      EXPECT_FALSE(e.after.empty());
    } else {
      EXPECT_EQ(*e.introduced, 6u) << id;
    }
  }
  std::set<std::string> expected = planted_->do_mutant.fail;
  for (const std::string& id : planted_->agent_mutant.fail)
    if (id != PlantedHistory::kDisabled) expected.insert(id);
  EXPECT_EQ(failing, expected);
}

// blame() on a hand-made timeline: a check failing since the first commit, one that went
// ABSENT -> FAIL, one that passes.
TEST(HistoryBlame, SinceTheFirstCommitFromAbsentAndPassing) {
  Registry registry = default_registry();
  history::Timeline t;
  t.commits = {{std::string(40, 'a'), "d", "A", "one"},
               {std::string(40, 'b'), "d", "A", "two"},
               {std::string(40, 'c'), "d", "A", "three"}};
  t.checks = {&registry.checks()[0], &registry.checks()[1], &registry.checks()[2]};
  t.verdicts = {{{State::Fail, false, "f1"}, {State::Fail, false, "f2"}},
                {{State::Absent, false, "x: not yet present"}, {State::Fail, false, "g"}},
                {{State::Pass, false, ""}}};
  t.cell = {{0, 0, 1}, {0, 1, 1}, {0, 0, 0}};
  auto entries = history::blame(t, {0, 1, 2});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].introduced, 0u);
  EXPECT_FALSE(entries[0].from);
  EXPECT_EQ(entries[0].after, "f1");
  EXPECT_EQ(entries[0].now, "f2");
  EXPECT_EQ(entries[1].introduced, 1u);
  EXPECT_EQ(entries[1].from, State::Absent);
  EXPECT_EQ(entries[1].before, "x: not yet present");
  EXPECT_FALSE(entries[2].introduced);
  EXPECT_EQ(entries[2].current, State::Pass);
}

// The memo is only sound if a check's outcome depends on no file outside its declared reads:
// taking away any other file (or the wrangler config) must leave its outcome unchanged, and a
// mutant of the catalogue may only fail checks that read the files it edits.
TEST(HistoryReads, ACheckDependsOnNoFileOutsideItsDeclaredReads) {
  Registry registry = default_registry();
  std::map<std::string, std::string> pass =
      testing::load_tree(testing::fixtures_dir() / "v15-pass");
  testing::RunOutcome base = testing::run_all(pass);
  Config defaults;
  auto outcome_of = [](const testing::RunOutcome& run, const std::string& id) {
    for (const Result& r : run.results)
      if (r.check->id == id) return std::make_pair(r.outcome.status, r.outcome.found);
    return std::make_pair(Status::Fail, std::string("not run"));
  };
  for (Role role : kAllRoles) {
    std::map<std::string, std::string> without = pass;
    ASSERT_EQ(without.erase(defaults.path(role)), 1u) << defaults.path(role);
    testing::RunOutcome run = testing::run_all(without);
    for (const Check& c : registry.checks()) {
      history::Reads reads = history::reads_of(c);
      if (std::find(reads.roles.begin(), reads.roles.end(), role) != reads.roles.end()) continue;
      EXPECT_EQ(outcome_of(run, c.id), outcome_of(base, c.id))
          << c.id << " changes without " << role_key(role);
    }
  }
  std::map<std::string, std::string> no_wrangler = pass;
  ASSERT_EQ(no_wrangler.erase("wrangler.jsonc"), 1u);
  testing::RunOutcome run = testing::run_all(no_wrangler);
  for (const Check& c : registry.checks()) {
    if (history::reads_of(c).wrangler) continue;
    EXPECT_EQ(outcome_of(run, c.id), outcome_of(base, c.id)) << c.id << " reads wrangler";
  }

  testing::Catalogue cat = testing::load_catalogue();
  ASSERT_TRUE(cat.error.empty()) << cat.error;
  for (const testing::Case& m : cat.mutants)
    for (const std::string& id : m.fail) {
      const Check* c = registry.find(id);
      ASSERT_NE(c, nullptr) << id;
      history::Reads reads = history::reads_of(*c);
      bool touches = std::any_of(m.edits.begin(), m.edits.end(), [&](const testing::Edit& e) {
        if (e.file == "wrangler.jsonc") return reads.wrangler;
        return std::any_of(reads.roles.begin(), reads.roles.end(),
                           [&](Role r) { return defaults.path(r) == e.file; });
      });
      EXPECT_TRUE(touches) << m.name << " fails " << id << " without touching a file it reads";
    }
}

}  // namespace
}  // namespace v15

namespace v15 {
namespace {

// The history reads its blobs a window of requests at a time: answers come back in order, past
// the window's size, with names that cannot be asked for left Missing.
TEST(GitBatchGetAll, AnswersInOrderAcrossWindows) {
  if (!testing::git_available()) GTEST_SKIP() << "git is not installed";
  testing::TempDir dir;
  ASSERT_EQ(testing::git(dir.path(), {"init", "-q"}).exit_code, 0);
  std::map<std::string, std::string> files;
  // 150 names of about 60 bytes: the requests span two windows
  for (int i = 0; i < 150; ++i)
    files[fmt::format("a-directory-with-a-long-name/f{:03}.txt", i)] = fmt::format("file {}\n", i);
  testing::write_tree(dir.path(), files);
  ASSERT_EQ(testing::git(dir.path(), {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(testing::git(dir.path(), {"commit", "-q", "-m", "files"}).exit_code, 0);
  std::vector<std::string> names;
  for (const auto& [path, text] : files) names.push_back("HEAD:" + path);
  names.insert(names.begin() + 70, "HEAD:no-such-file");
  names.insert(names.begin() + 10, "HEAD:bad\nname");
  git::Batch batch(git::Repo::at_directory(dir.path().string()));
  std::vector<git::Batch::Object> got = batch.get_all(names);
  ASSERT_EQ(got.size(), names.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == 10 || i == 71) {
      EXPECT_EQ(got[i].kind, git::Batch::Object::Kind::Missing) << names[i];
      continue;
    }
    EXPECT_EQ(got[i].content, fmt::format("file {}\n", next++)) << names[i];
  }
  EXPECT_EQ(batch.get("HEAD:a-directory-with-a-long-name/f000.txt").content,
            "file 0\n");  // still in step afterwards
}

}  // namespace
}  // namespace v15
