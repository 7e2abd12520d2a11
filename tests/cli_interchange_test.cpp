// Schemas and interchange: the config takes trailing commas (JSON with comments, as editors
// write it) and still names the position of every other error; the JSON report and the
// example configs validate with python-jsonschema against docs/*.schema.json (absolute $id);
// the JUnit report validates against the Jenkins xUnit JUnit structure (tests/data/junit.xsd).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "flow_support.h"

namespace v15::testing {
namespace {

namespace fs = std::filesystem;

bool have(const std::string& tool) {
  return run_program({"sh", "-c", "command -v " + tool + " >/dev/null"}).exit_code == 0;
}

TEST(CliInterchange, ConfigTakesTrailingCommas) {
  TempDir dir;
  write_tree(dir.path(), passing_tree());
  write_text(dir / ".v15check.json", R"({
  // JSON with comments, and a comma after the last member
  "envPrefixes": ["VF_", ],
  "envIgnore": [
    "VF_DEBUG", /* not read */
  ],
  "roles": {"worker": "src/index.ts",},
})");
  ProcessOutput r = run_cli({dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // a comma that follows no value is still an error at its line:column
  struct Bad {
    std::string text, where;
  };
  for (const Bad& bad : std::vector<Bad>{{"{\n  \"envIgnore\": [,]\n}", ":2:17: invalid JSON"},
                                         {"{\"envIgnore\": [\"A\",,]}", ":1:20: invalid JSON"},
                                         {"{,}", ":1:2: invalid JSON"},
                                         {"{\"className\": \"A\",, }", ":1:19: invalid JSON"},
                                         {"[1,]", ":1:1: /: expected an object"}}) {
    SCOPED_TRACE(bad.text);
    write_text(dir / ".v15check.json", bad.text);
    ProcessOutput e = run_cli({dir.path().string()});
    EXPECT_EQ(e.exit_code, 2) << e.out;
    EXPECT_NE(e.err.find(".v15check.json" + bad.where), std::string::npos) << e.err;
  }
}

TEST(CliInterchange, SchemasHaveAnAbsoluteId) {
  for (const char* name : {"report.schema.json", "config.schema.json"}) {
    auto schema = nlohmann::json::parse(read_file(source_dir() / "docs" / name));
    std::string id = schema.at("$id");
    EXPECT_EQ(id.rfind("https://v15check.dev/schemas/", 0), 0u) << name << ": " << id;
  }
}

TEST(CliInterchange, ReportAndConfigsValidateWithJsonschema) {
  if (!have("python3") || run_program({"python3", "-c", "import jsonschema"}).exit_code != 0)
    GTEST_SKIP() << "python3 with jsonschema is not installed";
  fs::path check = source_dir() / "tests/data/jsonschema_check.py";
  TempDir dir;
  std::vector<std::string> reports;
  auto add_report = [&](const std::string& name, const std::vector<std::string>& args) {
    ProcessOutput r = run_cli(args);
    ASSERT_NE(r.exit_code, 2) << r.err;
    reports.push_back((dir / name).string());
    write_text(dir / name, r.out);
  };
  add_report("pass.json", {(fixtures_dir() / "v15-pass").string(), "--format", "json"});
  if (const auto& fail = suppressible_fail()) {
    auto files = fail->files;
    files[fail->location.path] = insert_line(files[fail->location.path], fail->location.line,
                                             "// v15check-disable-line " + fail->id + " -- typo");
    write_tree(dir / "tree", files);
    add_report("fail.json", {(dir / "tree").string(), "--format", "json"});
  }
  std::vector<std::string> argv = {"python3", check.string(),
                                   (source_dir() / "docs/report.schema.json").string()};
  argv.insert(argv.end(), reports.begin(), reports.end());
  ProcessOutput v = run_program(argv);
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

  argv = {"python3", check.string(), (source_dir() / "docs/config.schema.json").string()};
  for (const auto& entry : fs::directory_iterator(source_dir() / "examples/config"))
    argv.push_back(entry.path().string());
  ASSERT_GT(argv.size(), 3u);
  ProcessOutput c = run_program(argv);
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
}

TEST(CliInterchange, JunitValidatesAgainstTheXunitStructure) {
  if (!have("xmllint")) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
  std::string xsd = (source_dir() / "tests/data/junit.xsd").string();
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> roots = {
      {"pass", (fixtures_dir() / "v15-pass").string()}};
  if (const auto& fail = suppressible_fail()) {
    auto files = fail->files;
    // a FAIL, a suppressed FAIL's neighbour directive and a misspelt one: every element kind
    files[fail->location.path] =
        insert_line(files[fail->location.path], 1, "// v15check-disable-line x -- typo");
    files[fail->location.path] += "// v15check-disable-next-line nope.nope -- unknown ID\n";
    write_tree(dir / "tree", files);
    roots.emplace_back("fail", (dir / "tree").string());
  }
  for (const auto& [name, root] : roots) {
    SCOPED_TRACE(name);
    ProcessOutput r = run_cli({root, "--format", "junit"});
    ASSERT_NE(r.exit_code, 2) << r.err;
    fs::path file = dir / (name + ".xml");
    write_text(file, r.out);
    ProcessOutput v = run_program({"xmllint", "--noout", "--schema", xsd, file.string()});
    EXPECT_EQ(v.exit_code, 0) << v.err << r.out;
    if (name == "fail") {
      // GitLab shows the failure text: where the FAIL is comes first in it
      auto fail = suppressible_fail();
      std::string at = "File: " + fail->location.path + ":" +
                       std::to_string(fail->location.line + 1) + "\nExpected: ";
      EXPECT_NE(r.out.find("<![CDATA[" + at), std::string::npos) << r.out;
    }
  }
  // the schema is no rubber stamp: a testcase with a `file` attribute is rejected
  fs::path bad = dir / "bad.xml";
  write_text(bad,
             "<testsuites><testsuite name=\"a\" tests=\"1\" failures=\"0\" errors=\"0\">"
             "<testcase name=\"t\" file=\"x.ts\"/></testsuite></testsuites>\n");
  EXPECT_NE(run_program({"xmllint", "--noout", "--schema", xsd, bad.string()}).exit_code, 0);
}

}  // namespace
}  // namespace v15::testing
