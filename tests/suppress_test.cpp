// Suppression directives and config-disabled checks: parsing, matching, and the findings about
// the directives themselves (no reason, unknown ID, unused).
#include <gtest/gtest.h>

#include <algorithm>

#include "flow_support.h"
#include "v15check/report.h"
#include "v15check/suppress.h"

namespace v15::testing {
namespace {

std::optional<Directive> parse(std::string_view comment, int line = 10) {
  return parse_directive(comment, {"src/x.ts", line, 1}, line);
}

TEST(Directive, LineCommentWithIdsAndReason) {
  auto d = parse("// v15check-disable-next-line do.chat-dispatch, jwt.expiry -- legacy path");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->valid()) << d->problem;
  EXPECT_EQ(d->ids, (std::vector<std::string>{"do.chat-dispatch", "jwt.expiry"}));
  EXPECT_EQ(d->reason, "legacy path");
  EXPECT_EQ(d->target_line, 11);
}

TEST(Directive, BlockAndHashComments) {
  auto block = parse_directive("/* v15check-disable-next-line a.b -- why */", {"f", 3, 1}, 4);
  ASSERT_TRUE(block);
  EXPECT_TRUE(block->valid());
  EXPECT_EQ(block->reason, "why");
  EXPECT_EQ(block->target_line, 5);  // after the comment's last line
  auto hash = parse("# v15check-disable-next-line docker.agent-sync -- image built elsewhere");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->ids, std::vector<std::string>{"docker.agent-sync"});
}

TEST(Directive, SpaceSeparatedIds) {
  auto d = parse("//v15check-disable-next-line a.b c.d --x");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ids.size(), 2u);
  EXPECT_EQ(d->reason, "x");
}

TEST(Directive, ReasonIsRequired) {
  for (auto text : {"// v15check-disable-next-line a.b", "// v15check-disable-next-line a.b --",
                    "// v15check-disable-next-line a.b --   "}) {
    auto d = parse(text);
    ASSERT_TRUE(d) << text;
    EXPECT_FALSE(d->valid()) << text;
    EXPECT_NE(d->problem.find("no reason"), std::string::npos) << d->problem;
  }
  auto no_ids = parse("// v15check-disable-next-line -- because");
  ASSERT_TRUE(no_ids);
  EXPECT_FALSE(no_ids->valid());
  EXPECT_NE(no_ids->problem.find("no check ID"), std::string::npos);
}

TEST(Directive, OtherCommentsAreNotDirectives) {
  EXPECT_FALSE(parse("// see v15check-disable-next-line docs"));
  EXPECT_FALSE(parse("// v15check-disable-next-lines a.b -- x"));
  EXPECT_FALSE(parse("/** JSDoc */"));
  EXPECT_FALSE(parse("v15check-disable-next-line a.b -- not a comment"));
}

class Suppression : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!suppressible_fail()) GTEST_SKIP() << "no mutant yields a FAIL in a TS file";
    fail_ = *suppressible_fail();
  }
  // The failing tree with `comment` inserted above the FAIL's line.
  std::map<std::string, std::string> with_comment(const std::string& comment) const {
    auto files = fail_.files;
    files[fail_.location.path] =
        insert_line(files[fail_.location.path], fail_.location.line, comment);
    return files;
  }
  struct Run {
    std::vector<Result> results;
    std::vector<Finding> findings;
    const Result* get(const std::string& id) const {
      for (const auto& r : results)
        if (r.check->id == id) return &r;
      return nullptr;
    }
  };
  Run run(const std::map<std::string, std::string>& files, const Config& config = {}) const {
    static const Registry registry = default_registry();
    MemoryReader reader(files, "fixture");
    Project project(load_sources(reader, config.paths), config);
    Run r;
    r.results = run_checks(registry, project, Selection{});
    r.findings = directive_findings(project, registry, r.results);
    return r;
  }
  FailingTree fail_;
};

TEST_F(Suppression, DirectiveOnThePreviousLineSuppressesTheFail) {
  Run r = run(with_comment("// v15check-disable-next-line " + fail_.id + " -- tracked in #42"));
  const Result* res = r.get(fail_.id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->outcome.status, Status::Suppressed);
  EXPECT_EQ(res->outcome.suppression_reason, "tracked in #42");
  EXPECT_EQ(res->outcome.suppressed_at.path, fail_.location.path);
  EXPECT_EQ(res->outcome.suppressed_at.line, fail_.location.line);
  EXPECT_EQ(count_errors(r.findings), 0);
  for (const auto& f : r.findings)
    EXPECT_NE(f.message.find(fail_.id), 0u) << "the used directive is not reported: " << f.message;
  EXPECT_EQ(count(r.results).suppressed, 1);
}

TEST_F(Suppression, OtherIdsOnTheDirectiveDoNotSuppress) {
  Run r = run(with_comment("// v15check-disable-next-line jwt.sign -- wrong id"));
  EXPECT_EQ(r.get(fail_.id)->outcome.status, Status::Fail);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].severity, FindingSeverity::Warning);
  EXPECT_EQ(r.findings[0].rule, kUnusedDirectiveRule);
}

TEST_F(Suppression, DirectiveWithoutReasonIsAnErrorAndSuppressesNothing) {
  Run r = run(with_comment("// v15check-disable-next-line " + fail_.id));
  EXPECT_EQ(r.get(fail_.id)->outcome.status, Status::Fail);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].severity, FindingSeverity::Error);
  EXPECT_EQ(r.findings[0].rule, kInvalidDirectiveRule);
  EXPECT_EQ(r.findings[0].location.line, fail_.location.line);
  EXPECT_EQ(exit_status(r.results, r.findings), 1);
}

TEST_F(Suppression, UnknownIdIsAnError) {
  Run r = run(with_comment("// v15check-disable-next-line " + fail_.id + ", no.such-check -- x"));
  EXPECT_EQ(r.get(fail_.id)->outcome.status, Status::Suppressed);
  ASSERT_EQ(count_errors(r.findings), 1);
  EXPECT_NE(r.findings[0].message.find("no.such-check"), std::string::npos);
}

TEST_F(Suppression, UnusedDirectiveOnPassingCodeIsAWarning) {
  auto files = passing_tree();
  files[fail_.location.path] =
      insert_line(files[fail_.location.path], fail_.location.line,
                  "// v15check-disable-next-line " + fail_.id + " -- nothing fails here");
  Run r = run(files);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].severity, FindingSeverity::Warning);
  EXPECT_NE(r.findings[0].message.find("unused suppression"), std::string::npos);
  // A warning alone does not fail the run.
  EXPECT_EQ(exit_status(std::vector<Result>{}, r.findings), 0);
}

TEST_F(Suppression, DirectiveInsideAStringIsNotAComment) {
  // The same text as a statement holding a string: the syntax tree has no comment there.
  Run r = run(with_comment("const note = '// v15check-disable-next-line " + fail_.id + " -- x';"));
  EXPECT_EQ(r.get(fail_.id)->outcome.status, Status::Fail);
  EXPECT_TRUE(r.findings.empty());
}

TEST_F(Suppression, ConfigDisableTurnsTheCheckOff) {
  Config config;
  config.disable.push_back({fail_.id, "owned by another team", 0, 0});
  Run r = run(fail_.files, config);
  const Result* res = r.get(fail_.id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->outcome.status, Status::Suppressed);
  EXPECT_FALSE(res->outcome.suppressed_at.known());
  EXPECT_EQ(res->outcome.suppression_reason, "owned by another team");
  // A directive for a disabled check is neither used nor unused.
  Run both = run(with_comment("// v15check-disable-next-line " + fail_.id + " -- also"), config);
  EXPECT_TRUE(both.findings.empty());
}

TEST(DockerfileDirective, HashCommentsOutsideHeredocsOnly) {
  auto files = passing_tree();
  std::string& docker = files["Dockerfile"];
  // A directive line inside a heredoc body is file content, not a Dockerfile comment.
  auto heredoc = docker.find("<<");
  ASSERT_NE(heredoc, std::string::npos);
  auto body = docker.find('\n', heredoc) + 1;
  docker.insert(body, "# v15check-disable-next-line docker.agent-sync -- in the body\n");
  docker = "# v15check-disable-next-line docker.agent-sync -- top\n" + docker;
  MemoryReader reader(files, "fixture");
  Project project(load_sources(reader, {}), Config{});
  std::vector<Directive> ds = collect_directives(project);
  std::vector<Directive> in_docker;
  std::copy_if(ds.begin(), ds.end(), std::back_inserter(in_docker),
               [](const Directive& d) { return d.location.path == "Dockerfile"; });
  ASSERT_EQ(in_docker.size(), 1u);
  EXPECT_EQ(in_docker[0].location.line, 1);
  EXPECT_EQ(in_docker[0].reason, "top");
}

}  // namespace
}  // namespace v15::testing
