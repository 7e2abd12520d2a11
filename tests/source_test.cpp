// Roles → files: defaults, containment, size caps, binary refusal, encodings.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli_support.h"
#include "v15check/source.h"

namespace v15 {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_tree;

TEST(Source, DefaultRolePathsFollowTheCatalogue) {
  EXPECT_EQ(default_role_path(Role::Worker), "src/index.ts");
  EXPECT_EQ(default_role_path(Role::DurableObject), "src/agents/chat-session-agent.ts");
  EXPECT_EQ(default_role_path(Role::Jwt), "src/utils/jwt.ts");
  EXPECT_EQ(default_role_path(Role::Agent), "src/sandbox-scripts/claude-agent.js");
  EXPECT_EQ(default_role_path(Role::Dockerfile), "Dockerfile");
  EXPECT_EQ(role_from_key("do"), Role::DurableObject);
  EXPECT_FALSE(role_from_key("durable"));
}

TEST(Source, ReadsFilesAndReportsMissingOnes) {
  TempDir d;
  write_tree(d.path(), {{"src/index.ts", "export default {};\n"}});
  WorkingTreeReader r(d.path());
  SourceSet set = load_sources(r, {});
  EXPECT_TRUE(set.get(Role::Worker).ok());
  EXPECT_EQ(set.get(Role::Worker).text, "export default {};\n");
  EXPECT_FALSE(set.get(Role::Jwt).ok());
  EXPECT_EQ(set.get(Role::Jwt).error, "src/utils/jwt.ts: not found");
}

TEST(Source, RefusesSymlinksThatLeaveTheRoot) {
  TempDir d, outside;
  write_tree(outside.path(), {{"secret.ts", "x"}});
  fs::create_directories(d.path() / "src");
  fs::create_symlink(outside.path() / "secret.ts", d.path() / "src/index.ts");
  WorkingTreeReader r(d.path());
  ReadResult res = r.read("src/index.ts");
  EXPECT_EQ(res.status, ReadResult::Status::Refused);
  EXPECT_NE(res.error.find("outside the root"), std::string::npos) << res.error;
  EXPECT_EQ(r.read("../x").status == ReadResult::Status::Ok, false);
}

TEST(Source, RefusesBinaryAndOversizedFiles) {
  TempDir d;
  write_tree(d.path(), {{"bin.ts", std::string("abc\0def", 7)}});
  write_tree(d.path(), {{"big.ts", std::string(2048, 'a')}});
  WorkingTreeReader r(d.path(), 1024);
  ReadResult bin = r.read("bin.ts");
  EXPECT_EQ(bin.status, ReadResult::Status::Refused);
  EXPECT_NE(bin.error.find("binary"), std::string::npos);
  ReadResult big = r.read("big.ts");
  EXPECT_EQ(big.status, ReadResult::Status::Refused);
  EXPECT_NE(big.error.find("limit"), std::string::npos);
}

TEST(Source, StripsUtf8BomAndNamesUtf16) {
  std::string bom =
      "\xEF\xBB\xBF"
      "const a = 1;";
  EXPECT_EQ(validate_text(bom, "a.ts", kMaxFileBytes), "");
  EXPECT_EQ(bom, "const a = 1;");
  std::string utf16(
      "\xFF\xFE"
      "c\0o\0",
      6);
  EXPECT_NE(validate_text(utf16, "a.ts", kMaxFileBytes).find("UTF-16"), std::string::npos);
}

TEST(Source, LoneCarriageReturnEndsALineAndCrlfStays) {
  std::string text = "#!/usr/bin/env node\rconst a = 1;\r\nconst b = 2;\r";
  EXPECT_EQ(validate_text(text, "a.js", kMaxFileBytes), "");
  EXPECT_EQ(text, "#!/usr/bin/env node\nconst a = 1;\r\nconst b = 2;\n");
  std::string memory = "a\rb";
  MemoryReader m({{"x.js", memory}});
  EXPECT_EQ(m.read("x.js").text, "a\nb") << "every reader applies it";
}

TEST(Source, SpecialFilesAreRefusedWithTheirKind) {
  TempDir d;
  ASSERT_EQ(::mkfifo((d.path() / "pipe.ts").c_str(), 0644), 0);
  fs::create_symlink("/dev/null", d.path() / "null.ts");
  ReadResult fifo = read_regular_file(d.path() / "pipe.ts", "pipe.ts");
  EXPECT_EQ(fifo.status, ReadResult::Status::Refused);
  EXPECT_EQ(fifo.error, "pipe.ts: refused: a FIFO, not a regular file");
  ReadResult dev = read_regular_file(d.path() / "null.ts", "null.ts");
  EXPECT_EQ(dev.error, "null.ts: refused: a character device, not a regular file");
  ReadResult none = read_regular_file(d.path() / "none/x.ts", "none/x.ts");
  EXPECT_EQ(none.status, ReadResult::Status::Missing);
  EXPECT_EQ(none.error, "none/x.ts: not found");
  write_tree(d.path(), {{"file", "x"}});
  ReadResult under_file = WorkingTreeReader(d.path()).read("file/x.ts");
  EXPECT_EQ(under_file.status, ReadResult::Status::Missing);
  EXPECT_EQ(under_file.error, "file/x.ts: not found (a directory on its path is a file)");
}

TEST(Source, DirectoryAtARolePathIsRefused) {
  TempDir d;
  fs::create_directories(d.path() / "src/index.ts");
  WorkingTreeReader r(d.path());
  EXPECT_EQ(r.read("src/index.ts").status, ReadResult::Status::Refused);
}

TEST(Source, FindsTheWranglerConfig) {
  TempDir d;
  write_tree(d.path(), {{"wrangler.toml", "name = 'x'\n"}});
  WorkingTreeReader r(d.path());
  SourceSet set = load_sources(r, {});
  ASSERT_TRUE(set.wrangler);
  EXPECT_EQ(set.wrangler->path, "wrangler.toml");
}

}  // namespace
}  // namespace v15
