// Installing: `cmake --install` puts the binary and its generated man page under a prefix, and
// CPack packs the same two files into a .deb, from this build tree and without rebuilding it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "cli_support.h"
#include "fixture_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

fs::path binary_dir() { return V15CHECK_BINARY_DIR; }

TEST(ManPage, ListsTheOptionsAndEveryCheck) {
  ProcessOutput man = run_cli({"--man"});
  ASSERT_EQ(man.exit_code, 0) << man.err;
  EXPECT_EQ(man.out.rfind(".TH V15CHECK 1 ", 0), 0u) << man.out;
  for (const char* section : {".SH NAME\n", ".SH SYNOPSIS\n", ".SH OPTIONS\n", ".SH CHECKS\n",
                              ".SH CONFIGURATION\n", ".SH EXIT STATUS\n"})
    EXPECT_NE(man.out.find(section), std::string::npos) << section;
  // options as --help has them, hyphens escaped for roff; the hidden --man is not one of them
  EXPECT_NE(man.out.find(".B \\-\\-trace\\-format \\fI"), std::string::npos) << man.out;
  EXPECT_NE(man.out.find(".B \\-o, \\-\\-output \\fIFILE\\fR"), std::string::npos) << man.out;
  EXPECT_EQ(man.out.find("\\-\\-man"), std::string::npos);
  ProcessOutput help = run_cli({"--help"});
  EXPECT_EQ(help.out.find("--man"), std::string::npos) << help.out;
  // every check of the catalogue, by ID
  ProcessOutput list = run_cli({"--list-checks", "--format", "json"});
  auto catalogue = nlohmann::json::parse(list.out);
  std::size_t ids = 0;
  for (const auto& c : catalogue.at("checks")) {
    ++ids;
    std::string id = c.at("id").get<std::string>();
    std::string escaped;
    for (char ch : id) escaped += ch == '-' ? std::string("\\-") : std::string(1, ch);
    EXPECT_NE(man.out.find(".B " + escaped + "\n"), std::string::npos) << id;
  }
  EXPECT_GE(ids, 60u);
  // a line roff would read as a request never starts with text of ours
  std::istringstream lines(man.out);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty() && (l[0] == '.' || l[0] == '\'')) {
      EXPECT_TRUE(l.size() >= 3 && std::isupper(static_cast<unsigned char>(l[1]))) << l;
    }
  }
}

TEST(ManPage, RendersWithMan) {
  if (!on_path("man")) GTEST_SKIP() << "man is not on PATH";
  TempDir dir;
  ASSERT_EQ(run_cli({"--man", "-o", (dir / "v15check.1").string()}).exit_code, 0);
  RunOptions quiet;
  quiet.env = {{"MANWIDTH", "100"}, {"MAN_KEEP_FORMATTING", ""}};
  ProcessOutput r = run_program({"man", "-l", "-E", "UTF-8", (dir / "v15check.1").string()}, quiet);
  if (r.exit_code == 0 && r.out.empty()) GTEST_SKIP() << "man printed nothing (no groff?)";
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("do.chat-bridge-timeout"), std::string::npos) << r.out;
}

TEST(Install, PutsTheBinaryAndTheManPageUnderThePrefix) {
  if (!on_path("cmake")) GTEST_SKIP() << "cmake is not on PATH";
  TempDir prefix;
  ProcessOutput r = run_program(
      {"cmake", "--install", binary_dir().string(), "--prefix", prefix.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  fs::path bin = prefix / "bin/v15check";
  fs::path man = prefix / "share/man/man1/v15check.1";
  ASSERT_TRUE(fs::is_regular_file(bin)) << r.out;
  ASSERT_TRUE(fs::is_regular_file(man)) << r.out;
  EXPECT_NE(fs::status(bin).permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(read_file(man).rfind(".TH V15CHECK 1 ", 0), 0u);
  // the installed binary runs on its own: no source checkout needed
  ProcessOutput v = run_program({bin.string(), "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("v15check ", 0), 0u) << v.out;
  ProcessOutput check = run_program({bin.string(), (fixtures_dir() / "v15-pass").string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST(Install, CpackBuildsADebWithTheBinaryAndTheManPage) {
#ifdef V15CHECK_SANITIZED
  GTEST_SKIP() << "packaging is the release build's; the sanitizer build's binary is not shipped";
#endif
  if (!on_path("cpack") || !on_path("dpkg-deb")) GTEST_SKIP() << "cpack or dpkg-deb is absent";
  TempDir out;
  // cpack installs from the build tree as it is, without running its build, into its own
  // staging directory under -B
  ProcessOutput r =
      run_program({"cpack", "-G", "DEB", "--config", (binary_dir() / "CPackConfig.cmake").string(),
                   "-B", out.path().string()},
                  RunOptions{.cwd = binary_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  fs::path deb;
  for (const auto& e : fs::directory_iterator(out.path()))
    if (e.path().extension() == ".deb") deb = e.path();
  ASSERT_FALSE(deb.empty()) << r.out;
  EXPECT_EQ(deb.filename().string().rfind("v15check_", 0), 0u) << deb;

  ProcessOutput contents = run_program({"dpkg-deb", "-c", deb.string()});
  ASSERT_EQ(contents.exit_code, 0) << contents.err;
  EXPECT_NE(contents.out.find("./usr/bin/v15check\n"), std::string::npos) << contents.out;
  EXPECT_NE(contents.out.find("./usr/share/man/man1/v15check.1"), std::string::npos)
      << contents.out;

  auto field = [&](const std::string& name) {
    ProcessOutput f = run_program({"dpkg-deb", "-f", deb.string(), name});
    std::string v = f.out;
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  };
  EXPECT_EQ(field("Package"), "v15check");
  ProcessOutput version = run_cli({"--version"});
  EXPECT_EQ("v15check " + field("Version") + "\n", version.out);
  EXPECT_EQ(field("Section"), "devel");
  EXPECT_FALSE(field("Maintainer").empty());
  EXPECT_NE(field("Description").find("V1.5"), std::string::npos) << field("Description");
  // the runtime libraries the binary links, as dpkg-shlibdeps found them
  EXPECT_NE(field("Depends").find("libc6"), std::string::npos) << field("Depends");
}

}  // namespace
}  // namespace v15::testing
