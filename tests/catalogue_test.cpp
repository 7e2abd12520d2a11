// The catalogue against the fixtures: the passing code base passes everything, each mutant fails
// exactly its IDs at the pinned places with the pinned words, each variant passes everything, and
// every check ID has a mutant.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iostream>

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

TEST(Catalogue, MutantFailListsNameRegisteredIds) {
  // IDs that CHECKS.md plans but the registry does not have yet cannot be tested: a mutant may not
  // name them, nor a misspelled ID.
  const std::set<std::string> registered = registered_ids();
  for (const auto& m : catalogue().mutants) {
    EXPECT_FALSE(m.fail.empty()) << m.name;
    for (const auto& id : m.fail) EXPECT_TRUE(registered.count(id)) << m.name << ": " << id;
  }
}

TEST(Catalogue, EveryFailingIdIsPinned) {
  for (const auto& m : catalogue().mutants)
    for (const auto& id : m.fail) {
      EXPECT_TRUE(m.at.count(id)) << m.name << ": " << id << " has no `at`";
      EXPECT_TRUE(m.found.count(id) && !m.found.at(id).empty())
          << m.name << ": " << id << " has no `found`";
    }
}

TEST(Catalogue, MutantFilesAreNamedAfterTheirFirstId) {
  const std::set<std::string> registered = registered_ids();
  std::set<std::string> names;
  for (const auto& m : catalogue().mutants) {
    EXPECT_TRUE(names.insert(m.name).second) << "duplicate mutant name " << m.name;
    const std::string prefix = "mutants/", suffix = ".json";
    ASSERT_TRUE(m.file.starts_with(prefix) && m.file.ends_with(suffix)) << m.file;
    std::string id = m.file.substr(prefix.size(), m.file.size() - prefix.size() - suffix.size());
    EXPECT_TRUE(registered.count(id)) << m.file << " is not named after a registered check ID";
    EXPECT_EQ(m.primary, id) << m.name << " in " << m.file << " lists " << m.primary << " first";
  }
}

const ClassMatrix& class_matrix() {
  static const ClassMatrix m = load_class_matrix();
  return m;
}

// The groups whose checks the class matrix must list; checks of later groups may be listed too.
bool matrix_group(const std::string& id) {
  for (const char* g : {"route.", "do.", "jwt.", "agent.", "docker.", "error."})
    if (id.starts_with(g)) return true;
  return false;
}

TEST(Catalogue, ClassMatrixNamesRegisteredIdsAndKnownClasses) {
  const ClassMatrix& m = class_matrix();
  ASSERT_EQ(m.error, "");
  EXPECT_FALSE(m.classes.empty());
  const std::set<std::string> registered = registered_ids();
  for (const auto& id : registered) {
    if (!matrix_group(id)) continue;
    EXPECT_TRUE(m.checks.count(id)) << id << " is not in classes.json";
  }
  for (const auto& [id, row] : m.checks) {
    EXPECT_TRUE(registered.count(id)) << "classes.json lists " << id << ", not a registered ID";
    // Every class is decided for every check: it applies, or a reason says why not.
    std::set<std::string> applies(row.applies.begin(), row.applies.end());
    EXPECT_EQ(applies.size(), row.applies.size()) << id << " lists a class twice in applies";
    for (const auto& c : applies) EXPECT_TRUE(m.classes.count(c)) << id << ": unknown class " << c;
    for (const auto& [c, why] : row.not_applies) {
      EXPECT_TRUE(m.classes.count(c)) << id << ": unknown class " << c;
      EXPECT_FALSE(applies.count(c)) << id << ": " << c << " both applies and not";
      EXPECT_FALSE(why.empty()) << id << ": " << c << " has no reason";
    }
    for (const auto& c : m.classes)
      EXPECT_TRUE(applies.count(c) || row.not_applies.count(c))
          << id << ": " << c << " is neither in applies nor in not";
  }
  for (const auto& [cell, draft] : m.pending) {
    const auto& [id, c] = cell;
    auto row = m.checks.find(id);
    bool applicable = row != m.checks.end() &&
                      std::find(row->second.applies.begin(), row->second.applies.end(), c) !=
                          row->second.applies.end();
    EXPECT_TRUE(applicable) << "pending " << id << " x " << c << " is not an applicable cell";
  }
  for (const auto& mu : catalogue().mutants)
    for (const auto& c : mu.classes)
      EXPECT_TRUE(m.classes.count(c)) << mu.name << " is tagged with unknown class " << c;
}

TEST(Catalogue, MutantClassMatrixIsFull) {
  const ClassMatrix& m = class_matrix();
  ASSERT_EQ(m.error, "");
  std::set<std::pair<std::string, std::string>> covered;
  for (const auto& mu : catalogue().mutants)
    for (const auto& c : mu.classes)
      for (const auto& id : mu.fail) covered.emplace(id, c);
  std::vector<std::string> pending;
  for (const auto& [id, row] : m.checks)
    for (const auto& c : row.applies) {
      const bool is_covered = covered.count({id, c}) > 0, is_pending = m.pending.count({id, c}) > 0;
      if (is_pending) {
        // A pending cell that a mutant now covers must leave the pending list, so that the list
        // stays the exact set of cells still open.
        EXPECT_FALSE(is_covered) << id << " x " << c << " is covered; remove it from pending";
        pending.push_back(id + " x " + c);
        continue;
      }
      EXPECT_TRUE(is_covered) << id << " x " << c << ": no mutant tagged " << c << " fails " << id;
    }
  if (!pending.empty()) {
    std::string list;
    for (const auto& p : pending) list += "\n  " + p;
    std::cout << pending.size() << " class-matrix cells pending (drafted, not detected):" << list
              << "\n";
  }
}

TEST(Catalogue, PendingClassDraftsAreStillUndetected) {
  // A pending cell's draft documents a false PASS. Once v15check detects it, the draft belongs in
  // its <id>.json as a mutant and the cell leaves pending.
  const ClassMatrix& m = class_matrix();
  ASSERT_EQ(m.error, "");
  for (const auto& [cell, draft] : m.pending) {
    const auto& [id, c] = cell;
    auto files = pass_tree();
    std::string err = apply(files, draft);
    EXPECT_TRUE(err.empty()) << id << " x " << c << ": " << err;
    if (!err.empty()) continue;
    EXPECT_FALSE(run_all(files).failed.count(id))
        << id << " x " << c << ": v15check now detects the draft; make it a mutant";
  }
}

std::string test_name(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

class Mutant : public ::testing::TestWithParam<Case> {};

TEST_P(Mutant, FailsExactlyItsIdsWhereAndHowPinned) {
  const Case& m = GetParam();
  auto files = pass_tree();
  std::string err = apply(files, m.edits);
  ASSERT_TRUE(err.empty()) << err;
  RunOutcome r = run_all(files);
  EXPECT_EQ(join(r.failed), join(m.fail)) << m.description << "\n" << r.report;
  for (const Result& res : r.results) {
    if (res.outcome.status != Status::Fail || !m.fail.count(res.check->id)) continue;
    const std::string& id = res.check->id;
    auto f = m.found.find(id);
    if (f != m.found.end()) {
      EXPECT_NE(res.outcome.found.find(f->second), std::string::npos)
          << m.name << ": " << id << " says: " << res.outcome.found;
    }
    auto a = m.at.find(id);
    if (a != m.at.end()) {
      EXPECT_EQ(res.outcome.location.path + ":" + std::to_string(res.outcome.location.line),
                a->second)
          << m.name << ": " << id << " says: " << res.outcome.found;
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
