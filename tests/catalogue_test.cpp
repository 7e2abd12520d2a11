// The catalogue against the fixtures: the passing code base passes everything, each mutant fails
// exactly its IDs, each variant passes everything, and every check ID has a mutant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "fixture_support.h"

namespace v15::testing {
namespace {

const Catalogue& catalogue() {
  static const Catalogue c = load_catalogue();
  return c;
}

const std::map<std::string, std::string>& pass_tree() {
  static const auto files = load_tree(fixtures_dir() / "v15-pass");
  return files;
}

std::set<std::string> registered_ids() {
  std::set<std::string> ids;
  const Registry registry = default_registry();
  for (const auto& c : registry.checks()) ids.insert(c.id);
  return ids;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "(none)" : out;
}

TEST(Catalogue, MutantsFileLoads) { EXPECT_EQ(catalogue().error, ""); }

TEST(Catalogue, PassingFixturePassesEveryCheck) {
  RunOutcome r = run_all(pass_tree());
  EXPECT_TRUE(r.failed.empty()) << r.report;
  EXPECT_EQ(r.results.size(), registered_ids().size());
}

TEST(Catalogue, EveryCheckIdHasAMutant) {
  std::set<std::string> covered;
  for (const auto& m : catalogue().mutants) covered.insert(m.fail.begin(), m.fail.end());
  for (const auto& id : registered_ids()) EXPECT_TRUE(covered.count(id)) << id << " has no mutant";
}

TEST(Catalogue, IdsAreUniqueAndWellFormed) {
  std::set<std::string> seen;
  const Registry registry = default_registry();
  for (const auto& c : registry.checks()) {
    EXPECT_TRUE(seen.insert(c.id).second) << "duplicate " << c.id;
    EXPECT_FALSE(c.title.empty()) << c.id;
    EXPECT_FALSE(c.expected.empty()) << c.id;
    EXPECT_FALSE(c.passes_when.empty()) << c.id;
    EXPECT_EQ(c.id.rfind(std::string(group_info(c.group).key) + ".", 0), 0u) << c.id;
  }
}

TEST(Catalogue, MutantFailListsNameKnownIds) {
  // IDs from CHECKS.md that are not registered yet are tolerated; misspelled ones are not.
  static const std::set<std::string> prefixes = {"route.", "do.",     "jwt.",
                                                 "agent.", "docker.", "error."};
  for (const auto& m : catalogue().mutants) {
    EXPECT_FALSE(m.fail.empty()) << m.name;
    for (const auto& id : m.fail) {
      bool ok = std::any_of(prefixes.begin(), prefixes.end(),
                            [&](const std::string& p) { return id.rfind(p, 0) == 0; });
      EXPECT_TRUE(ok) << m.name << ": " << id;
    }
  }
}

std::string test_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

class Mutant : public ::testing::TestWithParam<Case> {};

TEST_P(Mutant, FailsExactlyItsIds) {
  const Case& m = GetParam();
  auto files = pass_tree();
  std::string err = apply(files, m.edits);
  ASSERT_TRUE(err.empty()) << err;
  RunOutcome r = run_all(files);
  std::set<std::string> registered = registered_ids(), expected;
  for (const auto& id : m.fail)
    if (registered.count(id)) expected.insert(id);
  if (expected.empty()) GTEST_SKIP() << "none of " << join(m.fail) << " is registered yet";
  EXPECT_EQ(join(r.failed), join(expected)) << m.description << "\n" << r.report;
  for (const Result& res : r.results) {
    auto f = m.found.find(res.check->id);
    if (f != m.found.end()) {
      EXPECT_NE(res.outcome.found.find(f->second), std::string::npos)
          << res.check->id << " says: " << res.outcome.found;
    }
    auto a = m.at.find(res.check->id);
    if (a != m.at.end()) {
      EXPECT_EQ(res.outcome.location.path + ":" + std::to_string(res.outcome.location.line),
                a->second)
          << res.check->id;
    }
  }
  for (const auto& pins : {m.found, m.at})
    for (const auto& [id, _] : pins)
      EXPECT_TRUE(m.fail.count(id)) << id << " is pinned, not failed";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Mutant, ::testing::ValuesIn(catalogue().mutants),
                         [](const auto& info) { return test_name(info.param.name); });

class Variant : public ::testing::TestWithParam<Case> {};

TEST_P(Variant, PassesEveryCheck) {
  const Case& v = GetParam();
  auto files = pass_tree();
  std::string err = apply(files, v.edits);
  ASSERT_TRUE(err.empty()) << err;
  RunOutcome r = run_all(files);
  EXPECT_TRUE(r.failed.empty()) << v.description << "\n" << r.report;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Variant, ::testing::ValuesIn(catalogue().variants),
                         [](const auto& info) { return test_name(info.param.name); });

}  // namespace
}  // namespace v15::testing
