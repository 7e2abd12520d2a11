// The git reader: one `git cat-file --batch` process answering for a revision or the index, and
// the session set-up (revisions resolved, usage errors, changed files).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_support.h"
#include "flow_support.h"
#include "v15check/git.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

class GitRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!git_available()) GTEST_SKIP() << "git is not installed";
    work_ = dir_ / "work";
    fs::create_directories(work_);
    ASSERT_EQ(git(work_, {"init", "-q"}).exit_code, 0);
    write_tree(work_, {{"src/index.ts", "export const a = 1;\n"},
                       {"docs/readme.md", "hello\n"},
                       {"big.ts", std::string(4096, 'x')},
                       {"bin.ts", std::string("a\0b", 3)}});
    fs::create_symlink("../../outside.ts", work_ / "src/out.ts");
    fs::create_symlink("index.ts", work_ / "src/link.ts");
    commit("first");
    first_ = head();
    write_text(work_ / "src/index.ts", "export const a = 2;\n");
    commit("second");
    second_ = head();
  }
  void commit(const std::string& message) {
    ASSERT_EQ(git(work_, {"add", "-A"}).exit_code, 0);
    ProcessOutput c = git(work_, {"commit", "-q", "-m", message});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  std::string head() {
    std::string out = git(work_, {"rev-parse", "HEAD"}).out;
    return out.substr(0, out.find('\n'));
  }
  TempDir dir_;
  fs::path work_;
  std::string first_, second_;
};

TEST_F(GitRepo, RevisionReaderReadsBlobsAtARevision) {
  auto batch = std::make_shared<git::Batch>(git::Repo::at_directory(work_.string()));
  git::RevisionReader at_first(batch, first_ + ":", "first");
  git::RevisionReader at_second(batch, second_ + ":", "second");
  EXPECT_EQ(at_first.read("src/index.ts").text, "export const a = 1;\n");
  EXPECT_EQ(at_second.read("src/index.ts").text, "export const a = 2;\n");
  EXPECT_EQ(at_first.read("src/link.ts").text,
            "export const a = 1;\n");  // in-tree symlink followed
  EXPECT_EQ(at_first.read("./src/../src/index.ts").text, "export const a = 1;\n");

  ReadResult missing = at_first.read("src/nope.ts");
  EXPECT_EQ(missing.status, ReadResult::Status::Missing);
  EXPECT_NE(missing.error.find("src/nope.ts: not found"), std::string::npos) << missing.error;
  ReadResult tree = at_first.read("src");
  EXPECT_EQ(tree.status, ReadResult::Status::Refused);
  EXPECT_NE(tree.error.find("not a regular file"), std::string::npos);
  ReadResult out = at_first.read("src/out.ts");
  EXPECT_EQ(out.status, ReadResult::Status::Refused);
  EXPECT_NE(out.error.find("outside the repository"), std::string::npos) << out.error;
  ReadResult binary = at_first.read("bin.ts");
  EXPECT_EQ(binary.status, ReadResult::Status::Refused);
  EXPECT_NE(binary.error.find("binary"), std::string::npos);
  git::RevisionReader capped(batch, first_ + ":", "first", 1024);
  ReadResult big = capped.read("big.ts");
  EXPECT_EQ(big.status, ReadResult::Status::Refused);
  EXPECT_NE(big.error.find("4096 bytes"), std::string::npos) << big.error;
  // The process is still in step after refusals and misses.
  EXPECT_EQ(capped.read("src/index.ts").text, "export const a = 1;\n");
  EXPECT_EQ(at_first.read("bad\npath").status, ReadResult::Status::Missing);
}

TEST_F(GitRepo, IndexReaderSeesStagedContent) {
  write_text(work_ / "src/index.ts", "export const a = 3;\n");
  ASSERT_EQ(git(work_, {"add", "src/index.ts"}).exit_code, 0);
  write_text(work_ / "src/index.ts", "export const a = 4;\n");  // unstaged on top
  auto batch = std::make_shared<git::Batch>(git::Repo::at_directory(work_.string()));
  git::RevisionReader index(batch, ":", "the index");
  EXPECT_EQ(index.read("src/index.ts").text, "export const a = 3;\n");
}

TEST_F(GitRepo, SessionResolvesRevisionsAndChangedFiles) {
  git::Request r;
  r.root = work_.string();
  r.rev = "HEAD";
  r.changed_since = "HEAD~1";
  git::Session s(r);
  EXPECT_EQ(s.prefix(), "");
  EXPECT_EQ(s.commit(), second_);
  EXPECT_EQ(s.changed_files(), std::vector<std::string>{"src/index.ts"});
  auto reader = s.reader();
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->read("src/index.ts").text, "export const a = 2;\n");
  EXPECT_NE(reader->describe().find(second_.substr(0, 12)), std::string::npos);
}

TEST_F(GitRepo, SessionInASubdirectoryHasAPrefix) {
  git::Request r;
  r.root = (work_ / "src").string();
  r.rev = "HEAD";
  git::Session s(r);
  EXPECT_EQ(s.prefix(), "src/");
}

TEST_F(GitRepo, WorkingTreeChangesIncludeUntrackedFiles) {
  write_text(work_ / "docs/readme.md", "changed\n");
  write_text(work_ / "src/new.ts", "new\n");
  git::Request r;
  r.root = work_.string();
  r.changed_since = "HEAD";
  git::Session s(r);
  EXPECT_FALSE(s.reader());  // the working tree is checked
  EXPECT_EQ(s.changed_files(), (std::vector<std::string>{"docs/readme.md", "src/new.ts"}));
}

TEST_F(GitRepo, BareRepositoryThroughGitDir) {
  fs::path bare = dir_ / "bare.git";
  ASSERT_EQ(git(dir_.path(), {"clone", "-q", "--bare", work_.string(), bare.string()}).exit_code,
            0);
  git::Request r;
  r.git_dir = bare.string();
  r.rev = first_.substr(0, 10);
  git::Session s(r);
  EXPECT_EQ(s.commit(), first_);
  EXPECT_EQ(s.reader()->read("src/index.ts").text, "export const a = 1;\n");
  git::Request sub = r;
  sub.root = "src";
  EXPECT_EQ(git::Session(sub).prefix(), "src/");
}

TEST_F(GitRepo, UsageErrorsAreGitErrors) {
  auto session = [&](auto edit) {
    git::Request r;
    r.root = work_.string();
    edit(r);
    git::Session s(r);
  };
  EXPECT_THROW(session([](git::Request& r) { r.rev = "no-such-rev"; }), git::GitError);
  EXPECT_THROW(session([](git::Request& r) { r.rev = "--output=/tmp/x"; }), git::GitError);
  EXPECT_THROW(session([](git::Request& r) { r.changed_since = "-p"; }), git::GitError);
  EXPECT_THROW(session([](git::Request& r) {
                 r.rev = "HEAD";
                 r.staged = true;
               }),
               git::GitError);
  EXPECT_THROW(session([&](git::Request& r) {
                 r.git_dir = (work_ / ".git").string();
                 r.changed_since = "HEAD";
               }),
               git::GitError);
  EXPECT_THROW(session([&](git::Request& r) {
                 r.git_dir = (work_ / ".git").string();
                 r.rev = "HEAD";
                 r.root = "../elsewhere";
               }),
               git::GitError);
  TempDir not_a_repo;
  git::Request r;
  r.root = not_a_repo.path().string();
  r.changed_since = "HEAD";
  try {
    git::Session s(r);
    ADD_FAILURE() << "a directory outside any repository must be an error";
  } catch (const git::GitError& e) {
    EXPECT_NE(std::string(e.what()).find("git rev-parse failed"), std::string::npos) << e.what();
  }
}

TEST(GitProcess, MissingProgramIsAnError) {
  EXPECT_THROW(git::run_process({"v15check-no-such-program-xyz"}), git::GitError);
  git::ProcessResult r = git::run_process({"sh", "-c", "printf out; printf err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out");
  EXPECT_EQ(r.err, "err");
}

TEST(GitJoin, NormalisesRepositoryPaths) {
  EXPECT_EQ(git::join("", "src/index.ts"), "src/index.ts");
  EXPECT_EQ(git::join("apps/api/", "./src/../src/index.ts"), "apps/api/src/index.ts");
  EXPECT_EQ(git::join("", "."), "");
}

}  // namespace
}  // namespace v15::testing
