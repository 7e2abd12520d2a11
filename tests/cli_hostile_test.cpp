// The built binary on fixture copies with hostile text planted where users' code, config and
// file names put it (a suppression reason, a string literal, a class name, a file path), and
// with values of a mebibyte: the human-readable outputs show it escaped, byte for byte, and the
// reports stay small.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

const std::string kDoFile = "src/agents/chat-session-agent.ts";

// Raw bytes that must never reach a terminal or a workflow log: ESC, the bidi override and
// isolate, a zero-width space, the C1 CSI.
const std::vector<std::string> kRawBytes = {"\x1b", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b",
                                            "\xc2\x9b"};

bool has_raw(const std::string& out) {
  for (const std::string& raw : kRawBytes)
    if (out.find(raw) != std::string::npos) return true;
  return false;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string replaced(std::string text, const std::string& find, const std::string& with) {
  auto at = text.find(find);
  EXPECT_NE(at, std::string::npos) << find;
  if (at != std::string::npos) text.replace(at, find.size(), with);
  return text;
}

TEST(CliHostile, SuppressionReasonAndPathAreEscapedByteForByte) {
  const auto& fail = suppressible_fail();
  if (!fail) GTEST_SKIP() << "no suppressible FAIL in the catalogue";
  const std::string reason =
      "ok \x1b[31mred \xe2\x80\xae rtl \xe2\x81\xa6 iso \xe2\x80\x8b zw ::error::x %0A \xc2\x9b "
      "end";
  const std::string shown =
      "ok \\x1b[31mred \\u202e rtl \\u2066 iso \\u200b zw ::error::x %0A \\u009b end";
  // the failing file moves to a hostile name, named by the config's roles
  const std::string hostile_path = "src/agents/chat\xe2\x80\xae-agent\x1b[2J.ts";
  const std::string shown_path = "src/agents/chat\\u202e-agent\\x1b[2J.ts";
  auto files = fail->files;
  std::string role;
  for (const auto& [key, path] : Config{}.paths)
    if (path == fail->location.path) role = std::string(role_key(key));
  ASSERT_FALSE(role.empty()) << fail->location.path;
  std::string content = insert_line(files[fail->location.path], fail->location.line,
                                    "// v15check-disable-next-line " + fail->id + " -- " + reason);
  files.erase(fail->location.path);
  files[hostile_path] = content;
  files[".v15check.json"] = nlohmann::json{{"roles", {{role, hostile_path}}}}.dump();
  TempDir dir;
  write_tree(dir.path(), files);
  const std::string at = shown_path + ":" + std::to_string(fail->location.line);

  // the mutant may fail other checks too: exit 0 or 1, never a tool error
  ProcessOutput text = run_cli({dir.path().string(), "--color", "never", "-v"});
  EXPECT_TRUE(text.exit_code == 0 || text.exit_code == 1) << text.out << text.err;
  EXPECT_FALSE(has_raw(text.out)) << text.out;
  EXPECT_NE(text.out.find("SUPPRESSED: " + fail->title + " [" + fail->id + "]\n  File: " +
                          shown_path + ":" + std::to_string(fail->location.line + 1) +
                          "\n  Reason: " + shown + "\n  By: directive at " + at + "\n"),
            std::string::npos)
      << text.out;

  ProcessOutput gh = run_cli({dir.path().string(), "--format", "github"});
  EXPECT_EQ(gh.exit_code, text.exit_code) << gh.err;
  EXPECT_FALSE(has_raw(gh.out)) << gh.out;
  std::string notice;
  for (const std::string& l : lines_of(gh.out))
    if (l.rfind("::notice ", 0) == 0 && l.find(fail->id) != std::string::npos) notice = l;
  // `%` of the data is %25; the `:` and `,` of a property %3A and %2C; the message data keeps `::`
  std::string title;
  for (char c : fail->title) title += c == ',' ? std::string("%2C") : std::string(1, c);
  EXPECT_EQ(notice,
            "::notice file=" + shown_path + ",line=" + std::to_string(fail->location.line + 1) +
                ",title=v15check " + fail->id + "%3A " + title + "::suppressed at " + at +
                ": ok \\x1b[31mred \\u202e rtl \\u2066 iso \\u200b zw ::error::x %250A \\u009b end")
      << gh.out;

  // the trace's locations name the hostile file
  for (const char* format : {"text", "mermaid", "dot"}) {
    ProcessOutput tr = run_cli({dir.path().string(), "--trace-format", format, "--ascii"});
    EXPECT_EQ(tr.exit_code, text.exit_code) << format << tr.err;
    EXPECT_FALSE(has_raw(tr.out)) << format << "\n" << tr.out;
  }
  if (role == "do") {
    ProcessOutput dot = run_cli({dir.path().string(), "--trace-format", "dot"});
    EXPECT_NE(dot.out.find("src/agents/chat\\\\u202e-agent\\\\x1b[2J.ts:"), std::string::npos)
        << dot.out;
  }
}

TEST(CliHostile, CodeAndConfigTextIsEscapedInTextGithubAndTrace) {
  // a hostile startProcess command (a trace label) and a hostile className (every DO check's
  // Found text)
  auto files = passing_tree();
  files[kDoFile] = replaced(
      files[kDoFile], "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js', {",
      "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js\\u202e;\\n"
      "click Browser call x\"]; evil [ \x1b[2J', {");
  const std::string cls =
      "Chat\xe2\x80\xae\xe2\x81\xa6"
      "Agent\x1b]0;t\x07";
  const std::string shown_cls = "Chat\\u202e\\u2066Agent\\x1b]0;t\\x07";
  TempDir dir;
  write_tree(dir.path(), files);

  ProcessOutput mm = run_cli({dir.path().string(), "--trace-format", "mermaid"});
  EXPECT_FALSE(has_raw(mm.out)) << mm.out;
  std::string label;
  for (const std::string& l : lines_of(mm.out))
    if (label.empty() && l.find(": 8. startProcess ") != std::string::npos) label = l;
  // the literal's escapes are folded into the characters they stand for, then shown escaped;
  // Mermaid's syntax characters are entities
  EXPECT_NE(label.find("startProcess node /opt/claude-agent/claude-agent.js\\u202e#59;\\nclick "
                       "Browser call x#34;]#59; evil [ \\x1b[2J ("),
            std::string::npos)
      << mm.out;
  ProcessOutput dot = run_cli({dir.path().string(), "--trace-format", "dot"});
  EXPECT_NE(dot.out.find("startProcess node /opt/claude-agent/claude-agent.js\\\\u202e;\\\\nclick "
                         "Browser call x\\\"]; evil [ \\\\x1b[2J\\n"),
            std::string::npos)
      << dot.out;
  ProcessOutput tt = run_cli({dir.path().string(), "--trace", "--ascii", "--color", "never"});
  EXPECT_FALSE(has_raw(tt.out)) << tt.out;
  EXPECT_NE(tt.out.find("startProcess node /opt/claude-agent/claude-agent.js\\u202e;\\nclick "
                        "Browser call x\"]; evil [ \\x1b[2J "),
            std::string::npos)
      << tt.out;

  write_text(dir / ".v15check.json", nlohmann::json{{"className", cls}}.dump());
  ProcessOutput text = run_cli({dir.path().string(), "--color", "never"});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_FALSE(has_raw(text.out)) << text.out;
  EXPECT_NE(text.out.find("  Found: no class " + shown_cls + " in " + kDoFile + "\n"),
            std::string::npos)
      << text.out;
  ProcessOutput gh = run_cli({dir.path().string(), "--format", "github"});
  EXPECT_FALSE(has_raw(gh.out)) << gh.out;
  EXPECT_NE(gh.out.find("%0AFound: no class " + shown_cls + " in " + kDoFile + "\n"),
            std::string::npos)
      << gh.out;
  ProcessOutput json = run_cli({dir.path().string(), "--format", "json"});
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(json.out));
  bool quoted = false;  // JSON keeps the data as it is
  for (const auto& c : doc.at("checks"))
    quoted = quoted || c.at("found").get<std::string>() == "no class " + cls + " in " + kDoFile;
  EXPECT_TRUE(quoted) << json.out;
}

// -- long values ----------------------------------------------------------------------------------

constexpr std::size_t kMiB = 1 << 20;

TEST(CliLongValues, MebibyteClassNameIsQuotedCut) {
  TempDir dir;
  write_tree(dir.path(), passing_tree());
  write_text(dir / ".v15check.json",
             nlohmann::json{{"className", "C" + std::string(kMiB - 1, 'x')}}.dump());
  ProcessOutput json = run_cli({dir.path().string(), "--format", "json"});
  EXPECT_EQ(json.exit_code, 1) << json.err;
  EXPECT_LT(json.out.size(), 100u * 1024) << "the report grows with the class name";
  EXPECT_NE(json.out.find("Cxxxxxxxxx"), std::string::npos);
  EXPECT_NE(json.out.find("… (1048576 bytes)"), std::string::npos);
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(json.out));
  for (const auto& c : doc.at("checks")) EXPECT_LE(c.at("found").get<std::string>().size(), 1024u);
  // each format's report is about as big as with a ten-letter class name (SARIF carries every
  // rule's description, so it is compared with that, not with a fixed size)
  TempDir small;
  write_tree(small.path(), passing_tree());
  write_text(small / ".v15check.json", nlohmann::json{{"className", "Cxxxxxxxxx"}}.dump());
  for (const char* format : {"text", "sarif", "junit", "github"}) {
    ProcessOutput r = run_cli({dir.path().string(), "--format", format, "--color", "never"});
    ProcessOutput s = run_cli({small.path().string(), "--format", format, "--color", "never"});
    EXPECT_EQ(r.exit_code, 1) << format;
    EXPECT_EQ(s.exit_code, 1) << format;
    EXPECT_LT(r.out.size(), s.out.size() + 32u * 1024) << format;
    EXPECT_NE(r.out.find("… (1048576 bytes)"), std::string::npos) << format;
  }
  ProcessOutput trace = run_cli({dir.path().string(), "--trace", "--format", "json"});
  EXPECT_LT(trace.err.size(), 20u * 1024);
}

TEST(CliLongValues, MebibyteCodeTextIsQuotedCut) {
  // a 1 MiB class name in the code and a 1 MiB string as the startProcess command: checks that
  // quote them, and the trace's label, show a cut value with its full length
  auto files = passing_tree();
  std::string name = "Huge" + std::string(kMiB - 4, 'Q');
  files[kDoFile] = replaced(files[kDoFile], "export class ChatSessionAgent",
                            "export class " + name + " {}\nexport class ChatSessionAgent");
  files[kDoFile] = replaced(
      files[kDoFile], "await sandbox.startProcess('node /opt/claude-agent/claude-agent.js', {",
      "await sandbox.startProcess('" + std::string(kMiB, 'n') + "', {");
  TempDir dir;
  write_tree(dir.path(), files);
  ProcessOutput json = run_cli({dir.path().string(), "--format", "json", "--trace"});
  // a command naming no script leaves docker.agent-sync on the configured agentImagePath, which
  // the image writes: everything passes, and the Found texts still quote the cut values
  EXPECT_EQ(json.exit_code, 0) << json.err.substr(0, 2000);
  EXPECT_LT(json.out.size(), 100u * 1024) << "the report grows with the code";
  EXPECT_LT(json.err.size(), 20u * 1024) << "the trace grows with the code";
  EXPECT_NE(json.err.find("startProcess " + std::string(200, 'n') + "… (1048576 bytes)"),
            std::string::npos)
      << json.err.substr(0, 2000);
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(json.out));
  bool cut = false;
  for (const auto& c : doc.at("checks")) {
    std::string found = c.at("found").get<std::string>();
    EXPECT_LE(found.size(), 1024u) << c.at("id");
    cut = cut || found.find(" bytes)") != std::string::npos;
  }
  EXPECT_TRUE(cut) << "some check quotes the long command";
}

}  // namespace
}  // namespace v15::testing
