// `v15check history` and `v15check blame` against the built binary on the planted history:
// the JSON contract, the text timeline, blame, exit codes, --stats, and the HTML page rendered
// in headless Chromium (skipped when it is not installed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "history_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class CliHistory : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (git_available()) planted_ = new PlantedHistory();
  }
  static void TearDownTestSuite() {
    delete planted_;
    planted_ = nullptr;
  }
  void SetUp() override {
    if (!git_available()) GTEST_SKIP() << "git is not installed";
    ASSERT_TRUE(planted_->error.empty()) << planted_->error;
  }
  static ProcessOutput in_repo(const std::vector<std::string>& args) {
    return run_cli(args, {.cwd = planted_->repo});
  }
  static json parse(const ProcessOutput& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  static inline PlantedHistory* planted_ = nullptr;
};

TEST_F(CliHistory, JsonFollowsTheContract) {
  json doc = parse(in_repo({"history", "--format", "json"}));
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["range"], "HEAD");
  ASSERT_EQ(doc["commits"].size(), planted_->shas.size());
  for (std::size_t i = 0; i < planted_->shas.size(); ++i) {
    EXPECT_EQ(doc["commits"][i]["sha"], planted_->shas[i]);
    EXPECT_TRUE(std::regex_match(doc["commits"][i]["date"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)")));
  }
  EXPECT_EQ(doc["commits"][3]["subject"], "Lengthen the bridge timeout");
  EXPECT_EQ(doc["checks"].size(), default_registry().checks().size());
  // the flips at commit 3 are exactly the DO mutant's checks, PASS -> FAIL, with Found texts
  std::set<std::string> at3;
  for (const json& f : doc["flips"]) {
    if (f["sha"] != planted_->shas[3]) continue;
    EXPECT_EQ(f["from"], "PASS");
    EXPECT_EQ(f["to"], "FAIL");
    EXPECT_FALSE(f["found"].get<std::string>().empty());
    EXPECT_EQ(f["subject"], "Lengthen the bridge timeout");
    at3.insert(f["id"]);
  }
  EXPECT_EQ(at3, planted_->do_mutant.fail);
  // flips are in commit order
  std::vector<std::size_t> order;
  for (const json& f : doc["flips"])
    order.push_back(std::find(planted_->shas.begin(), planted_->shas.end(), f["sha"]) -
                    planted_->shas.begin());
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  for (const std::string& id : planted_->do_mutant.fail) EXPECT_EQ(doc["final"][id], "FAIL");
  EXPECT_EQ(doc["final"][PlantedHistory::kDisabled], "PASS");
  ASSERT_EQ(doc["renames"].size(), 1u);
  EXPECT_EQ(doc["renames"][0]["to"], PlantedHistory::kMovedJwtPath);
}

TEST_F(CliHistory, ARangeAndASelection) {
  std::string range = planted_->shas[2] + "..HEAD";
  json doc = parse(in_repo({"history", range, "--format", "json", "--group", "jwt"}));
  EXPECT_EQ(doc["commits"].size(), planted_->shas.size() - 3);
  for (const json& c : doc["checks"]) EXPECT_EQ(c["id"].get<std::string>().rfind("jwt.", 0), 0u);
  std::set<std::string> flipped;
  for (const json& f : doc["flips"]) flipped.insert(f["id"]);
  EXPECT_EQ(flipped, std::set<std::string>({"jwt.expiry"}));
}

TEST_F(CliHistory, TextIsTheTimelineOfFlips) {
  ProcessOutput r = in_repo({"history"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string short3 = planted_->shas[3].substr(0, 7);
  EXPECT_NE(r.out.find(short3 + " "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("do.chat-bridge-timeout  PASS -> FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("jwt.sign  ABSENT -> PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("jwt file renamed: src/utils/jwt.ts -> src/lib/jwt.ts"), std::string::npos);
  EXPECT_NE(r.out.find("Found: "), std::string::npos);
  // the unrelated commit has no entry
  EXPECT_EQ(r.out.find("Describe the release"), std::string::npos) << r.out;
}

TEST_F(CliHistory, StatsShowTheCacheAndTheMemo) {
  ProcessOutput r = in_repo({"history", "--stats", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.err, m,
                        std::regex(R"((\d+) commits, (\d+) file versions read, (\d+) parsed, )"
                                   R"((\d+) check runs, (\d+) memo hits)")))
      << r.err;
  EXPECT_EQ(std::stoul(m[1]), 9u);
  EXPECT_EQ(std::stoul(m[3]), 7u);  // each TS/JS version (a blob at a path) parsed once
  EXPECT_LT(std::stoul(m[4]), 9u * default_registry().checks().size());
  EXPECT_GT(std::stoul(m[5]), 0u);
  EXPECT_NE(r.err.find("peak RSS"), std::string::npos);
}

TEST_F(CliHistory, BlameJsonNamesTheIntroducingCommits) {
  json doc = parse(in_repo({"blame", "--format", "json"}));
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["rev"], planted_->shas.back());
  std::set<std::string> blamed;
  for (const json& b : doc["blame"]) {
    std::string id = b["id"];
    blamed.insert(id);
    std::size_t at = planted_->do_mutant.fail.count(id) ? 7 : 6;
    EXPECT_EQ(b["sha"], planted_->shas[at]) << id;
    EXPECT_EQ(b["from"], "PASS");
    EXPECT_EQ(b["before"], "");
    EXPECT_FALSE(b["after"].get<std::string>().empty());
    EXPECT_EQ(b["current"], b["after"]);
  }
  std::set<std::string> expected = planted_->do_mutant.fail;
  for (const std::string& id : planted_->agent_mutant.fail)
    if (id != PlantedHistory::kDisabled) expected.insert(id);
  EXPECT_EQ(blamed, expected);
}

TEST_F(CliHistory, BlameAtAnEarlierRevisionAndOfAPassingCheck) {
  json doc = parse(in_repo(
      {"blame", "--rev", planted_->shas[6], "--format", "json", PlantedHistory::kDisabled}));
  ASSERT_EQ(doc["blame"].size(), 1u);
  EXPECT_EQ(doc["rev"], planted_->shas[6]);
  EXPECT_EQ(doc["blame"][0]["sha"], planted_->shas[6]);
  json passing = parse(in_repo({"blame", "--format", "json", "jwt.sign"}));
  ASSERT_EQ(passing["blame"].size(), 1u);
  EXPECT_TRUE(passing["blame"][0]["sha"].is_null());
  EXPECT_TRUE(passing["blame"][0]["from"].is_null());
  ProcessOutput text = in_repo({"blame", "jwt.sign", "do.chat-bridge-timeout"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("jwt.sign: passes at"), std::string::npos) << text.out;
  EXPECT_NE(
      text.out.find("do.chat-bridge-timeout: PASS -> FAIL at " + planted_->shas[7].substr(0, 7)),
      std::string::npos)
      << text.out;
}

TEST_F(CliHistory, UsageAndGitErrorsExitTwo) {
  EXPECT_EQ(in_repo({"history", "no-such-rev"}).exit_code, 2);
  EXPECT_EQ(in_repo({"history", "--check", "no.such-check"}).exit_code, 2);
  EXPECT_EQ(in_repo({"history", "--format", "sarif"}).exit_code, 2);
  EXPECT_EQ(in_repo({"history", "--", "--all"}).exit_code, 2);
  EXPECT_EQ(in_repo({"blame", "--rev", "no-such-rev"}).exit_code, 2);
  EXPECT_EQ(in_repo({"blame", "no.such-check"}).exit_code, 2);
  TempDir plain;
  ProcessOutput r = run_cli({"history"}, {.cwd = plain.path()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("v15check: error:"), std::string::npos) << r.err;
}

TEST_F(CliHistory, ABadConfigAtARevisionIsAnError) {
  TempDir dir;
  fs::path repo = dir / "r";
  fs::create_directories(repo);
  ASSERT_EQ(git(repo, {"init", "-q"}).exit_code, 0);
  write_tree(repo, load_tree(fixtures_dir() / "v15-pass"));
  write_text(repo / ".v15check.json", R"({"disabel": []})");
  ASSERT_EQ(git(repo, {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(git(repo, {"commit", "-q", "-m", "typo"}).exit_code, 0);
  ProcessOutput r = run_cli({"history"}, {.cwd = repo});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".v15check.json"), std::string::npos) << r.err;
}

// The page in a real browser: one SVG row per check, one cell per commit in every row, and a
// screenshot that is a PNG.
TEST_F(CliHistory, HtmlRendersInHeadlessChromium) {
  TempDir out;
  fs::path page = out / "history.html";
  ProcessOutput r = in_repo({"history", "--format", "html", "-o", page.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  if (run_program({"sh", "-c", "command -v chromium"}).exit_code != 0)
    GTEST_SKIP() << "chromium is not installed";
  std::vector<std::string> base = {"chromium", "--headless", "--disable-gpu", "--no-first-run",
                                   "--user-data-dir=" + (out / "profile").string()};
  if (::geteuid() == 0) base.push_back("--no-sandbox");
  std::vector<std::string> dump = base;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + page.string());
  ProcessOutput dom = run_program(dump, {.timeout_ms = 60000});
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  std::size_t checks = default_registry().checks().size();
  std::regex row(R"re(<g class="row" data-check="([^"]+)">)re");
  std::size_t rows = 0;
  for (auto it = std::sregex_iterator(dom.out.begin(), dom.out.end(), row);
       it != std::sregex_iterator(); ++it)
    ++rows;
  EXPECT_EQ(rows, checks);
  std::regex cell(R"re(<rect class="cell [a-z]+" data-commit="(\d+)")re");
  std::map<std::string, std::size_t> per_commit;
  for (auto it = std::sregex_iterator(dom.out.begin(), dom.out.end(), cell);
       it != std::sregex_iterator(); ++it)
    ++per_commit[(*it)[1]];
  EXPECT_EQ(per_commit.size(), planted_->shas.size());
  for (const auto& [commit, n] : per_commit) EXPECT_EQ(n, checks) << "commit " << commit;

  fs::path shot = out / "history.png";
  std::vector<std::string> screenshot = base;
  screenshot.push_back("--screenshot=" + shot.string());
  screenshot.push_back("--window-size=1200,1600");
  screenshot.push_back("file://" + page.string());
  ProcessOutput s = run_program(screenshot, {.timeout_ms = 60000});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::string png = read_file(shot);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(CliHistory, HtmlEscapesTextFromTheRepository) {
  TempDir dir;
  fs::path repo = dir / "r";
  fs::create_directories(repo);
  ASSERT_EQ(git(repo, {"init", "-q"}).exit_code, 0);
  write_tree(repo, load_tree(fixtures_dir() / "v15-pass"));
  ASSERT_EQ(git(repo, {"add", "-A"}).exit_code, 0);
  ASSERT_EQ(git(repo, {"commit", "-q", "-m", "<script>alert(1)</script> & \"q\""}).exit_code, 0);
  ProcessOutput r = run_cli(
      {"history", "--format", "html", "--commit-url", "https://example.test/c/{sha}?a=1&b=\"2\""},
      {.cwd = repo});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("<script>"), std::string::npos);
  EXPECT_NE(r.out.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"),
            std::string::npos);
  EXPECT_NE(r.out.find("https://example.test/c/"), std::string::npos);
  EXPECT_NE(r.out.find("?a=1&amp;b=&quot;2&quot;"), std::string::npos);
  EXPECT_EQ(r.out.find("http://"), r.out.find("http://www.w3.org/2000/svg"));
}

}  // namespace
}  // namespace v15::testing
