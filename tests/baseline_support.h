// Shared by the baseline, init and hook tests: the passing fixture with one deliberate change
// (a FAIL a team accepts) and one breaking change (a FAIL an edit introduces), each a plain text
// edit of a role file, and the FAIL IDs of a JSON report.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {

inline constexpr const char* kDoFile = "src/agents/chat-session-agent.ts";
inline constexpr const char* kJwtFile = "src/utils/jwt.ts";

// `text` with its one occurrence of `from` replaced; a fixture that no longer has it fails the
// test rather than quietly testing nothing.
inline std::string replaced(const std::string& text, const std::string& from,
                            const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "the fixture no longer contains " << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  if (at == std::string::npos) return text;
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// The deliberate choice: a 10-minute bridge instead of the checklist's 5.
inline void make_deliberate_change(std::map<std::string, std::string>& files) {
  files[kDoFile] = replaced(files[kDoFile], "const BRIDGE_TIMEOUT_MS = 5 * 60 * 1000;",
                            "const BRIDGE_TIMEOUT_MS = 10 * 60 * 1000;");
}

// The breakage an edit introduces: the prompt written where the agent does not read it.
inline void make_breaking_change(std::map<std::string, std::string>& files) {
  files[kDoFile] = replaced(files[kDoFile], "      '/tmp/vf-pending-query.json',",
                            "      '/tmp/elsewhere.json',");
}

// A breakage no config key explains: the container dispatch loses its .catch handler.
inline void make_structural_break(std::map<std::string, std::string>& files) {
  files[kDoFile] =
      replaced(files[kDoFile],
               "    this.dispatchContainer(executionId, sessionId, userId, prompt, mode, "
               "model, autonomy).catch((err) => {",
               "    this.dispatchContainer(executionId, sessionId, userId, prompt, mode, "
               "model, autonomy).then((err) => {");
}

// An edit of a flow file that changes no check's outcome: a comment and a shifted body.
inline void make_harmless_change(std::map<std::string, std::string>& files) {
  files[kJwtFile] = "// Signing and verification of the execution token.\n\n" + files[kJwtFile];
  files[kDoFile] = "// The chat session.\n// Holds the bridge.\n\n" + files[kDoFile];
}

inline std::map<std::string, std::string> deliberate_tree() {
  auto files = passing_tree();
  make_deliberate_change(files);
  return files;
}

// The IDs of the checks with `status` in a JSON report.
inline std::set<std::string> ids_with(const std::string& json_report, const std::string& status) {
  std::set<std::string> out;
  auto doc = nlohmann::json::parse(json_report, nullptr, false);
  if (doc.is_discarded() || !doc.contains("checks")) {
    ADD_FAILURE() << "not a JSON report: " << json_report.substr(0, 200);
    return out;
  }
  for (const auto& c : doc.at("checks"))
    if (c.at("status") == status) out.insert(c.at("id").get<std::string>());
  return out;
}

inline std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A git repository whose HEAD commit is the deliberate tree: its one FAIL is already committed.
class DeliberateRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!git_available()) GTEST_SKIP() << "git is not installed";
    repo_ = dir_ / "repo";
    std::filesystem::create_directories(repo_);
    ASSERT_EQ(git(repo_, {"init", "-q"}).exit_code, 0);
    write_tree(repo_, deliberate_tree());
    commit_all("ten-minute bridge");
  }
  void commit_all(const std::string& message) {
    ASSERT_EQ(git(repo_, {"add", "-A"}).exit_code, 0);
    ProcessOutput c = git(repo_, {"commit", "-q", "--no-verify", "-m", message});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  // Writes the deliberate tree with `edit` applied over the working tree.
  void change(void (*edit)(std::map<std::string, std::string>&)) {
    auto files = deliberate_tree();
    edit(files);
    write_tree(repo_, files);
  }
  TempDir dir_;
  std::filesystem::path repo_;
};

}  // namespace v15::testing
