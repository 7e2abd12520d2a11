// libFuzzer entry point for the whole pipeline, wired as src/main.cpp wires it: config, sources,
// project, every check, the directive findings, every report format and every trace format.
//
// Input: the five role files, the wrangler config, the .v15check.json config and option bytes,
// separated by "\0\0" (fuzz/pipeline_input.h describes the split; pipeline_fuzz_seeds writes the
// fixtures in that form).
//
// Oracles (a violation aborts, so libFuzzer keeps the input as a crash):
// - no exception leaves the pipeline, and no check ends in an "internal error" FAIL;
// - the JSON and SARIF reports parse as strict JSON (no comments, nothing after the document);
// - the JUnit report is well-formed XML;
// - every line of the GitHub report is one workflow command (it starts with "::", and no CR sits
//   inside it), but for the reporter's own closing summary line;
// - the text report, the GitHub report, every trace format and the one-line messages (config
//   error, summary) hold, with colour off, no C0 control but '\n' and no DEL; and, unless
//   V15CHECK_FUZZ_UNICODE_ORACLE is 0, only valid UTF-8 and no C1 control (U+0080-U+009F),
//   bidi control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) or zero-width
//   character (U+200B-U+200D, U+FEFF). This check decodes the bytes itself, independent of the
//   reporters' escaping (fuzz/output_oracle.h).
// Reports with colour on are written too, for the crash oracles only.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "output_oracle.h"
#include "pipeline_input.h"
#include "v15check/check.h"
#include "v15check/config.h"
#include "v15check/report.h"
#include "v15check/source.h"
#include "v15check/suppress.h"
#include "v15check/trace.h"

namespace {

using v15::fuzz::require_safe_text;
using v15::fuzz::require_strict_json;
using v15::fuzz::require_workflow_commands;
using v15::fuzz::violation;

constexpr std::string_view kRootName = "fuzz-root";
constexpr const char* kRootDir = "/fuzz/root";

void require_no_internal_error(const std::vector<v15::Result>& results) {
  for (const auto& r : results) {
    if (r.outcome.found.starts_with("internal error in the check"))
      violation("check " + r.check->id, r.outcome.found, 0, "a check threw");
  }
}

const v15::Registry& registry() {
  static const v15::Registry r = v15::default_registry();
  return r;
}

const std::vector<std::string>& check_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> out;
    for (const auto& c : registry().checks()) out.push_back(c.id);
    return out;
  }();
  return ids;
}

void report_every_format(const std::vector<v15::Result>& results, v15::ReportOptions options) {
  // Only the text report has a verbose form (PASS lines with their evidence).
  options.color = false;
  for (bool verbose : {false, true}) {
    options.verbose = verbose;
    std::ostringstream text;
    v15::write_report(text, v15::Format::Text, results, options);
    require_safe_text(verbose ? "text report (verbose)" : "text report", text.str());
  }
  options.verbose = false;
  std::ostringstream json, sarif, junit, github;
  v15::write_report(json, v15::Format::Json, results, options);
  require_strict_json("JSON report", json.str());
  v15::write_report(sarif, v15::Format::Sarif, results, options);
  require_strict_json("SARIF report", sarif.str());
  v15::write_report(junit, v15::Format::Junit, results, options);
  v15::fuzz::require_well_formed_xml("JUnit report", junit.str());
  v15::write_report(github, v15::Format::Github, results, options);
  require_workflow_commands("GitHub report", github.str(),
                            v15::summary_line(results, options.findings));
  require_safe_text("GitHub report", github.str());
  std::ostringstream compact, quiet;
  v15::write_report(compact, v15::Format::Compact, results, options);
  require_safe_text("compact report", compact.str());
  options.quiet = true;
  v15::write_report(quiet, v15::Format::Text, results, options);
  require_safe_text("quiet text report", quiet.str());
  options.quiet = false;
  // Colour adds only escapes of the reporter's own; the run must still succeed.
  options.color = true;
  options.verbose = true;
  std::ostringstream coloured;
  v15::write_report(coloured, v15::Format::Text, results, options);
}

void trace_every_format(const std::vector<v15::Hop>& hops) {
  for (v15::TraceFormat format :
       {v15::TraceFormat::Text, v15::TraceFormat::Mermaid, v15::TraceFormat::Dot}) {
    for (bool ascii : {false, true}) {
      std::ostringstream doc;
      v15::write_trace(doc, hops, format, ascii, false);
      std::string what = format == v15::TraceFormat::Text      ? "text trace"
                         : format == v15::TraceFormat::Mermaid ? "Mermaid trace"
                                                               : "DOT trace";
      require_safe_text(what + (ascii ? " (ascii)" : ""), doc.str());
    }
  }
  std::ostringstream coloured;
  v15::write_trace(coloured, hops, v15::TraceFormat::Text, false, true);
}

void run_pipeline(std::string_view data) {
  const v15::fuzz::Parts parts = v15::fuzz::split_input(data);

  v15::Config config;
  if (!parts[v15::fuzz::kConfigPart].empty()) {
    try {
      config = v15::parse_config(std::string(parts[v15::fuzz::kConfigPart]), v15::kConfigFileName,
                                 check_ids());
    } catch (const v15::ConfigError& e) {
      // A rejected config is a legitimate outcome: the CLI prints it and stops. Its message
      // goes to a terminal, so it obeys the text rules; the run goes on with the defaults.
      require_safe_text("config error message", "v15check: error: " + v15::sanitize(e.what()));
      config = v15::Config{};
    }
  }

  static_assert(static_cast<std::size_t>(v15::Role::Worker) == v15::fuzz::kWorkerPart &&
                static_cast<std::size_t>(v15::Role::Dockerfile) == v15::fuzz::kDockerfilePart);
  std::map<std::string, std::string> files;
  for (v15::Role role : v15::kAllRoles) {
    std::string_view text = parts[static_cast<std::size_t>(role)];
    if (!text.empty()) files[config.path(role)] = std::string(text);
  }
  const std::string_view options = parts[v15::fuzz::kOptionsPart];
  if (!parts[v15::fuzz::kWranglerPart].empty()) {
    const char* name = v15::fuzz::kWranglerFileNames[v15::fuzz::option_byte(options, 0) %
                                                     v15::fuzz::kWranglerFileNames.size()];
    files[name] = std::string(parts[v15::fuzz::kWranglerPart]);
  }
  v15::Selection selection;
  if (unsigned group = v15::fuzz::option_byte(options, 1) % (v15::groups().size() + 1))
    selection.groups.push_back(v15::groups()[group - 1].group);

  const v15::MemoryReader reader(std::move(files), std::string(kRootName));
  const v15::Project project(v15::load_sources(reader, config.paths), config);
  const std::vector<v15::Result> results = v15::run_checks(registry(), project, selection);
  require_no_internal_error(results);
  const std::vector<v15::Result> all =
      selection.groups.empty() ? results : v15::run_checks(registry(), project, v15::Selection{});
  require_no_internal_error(all);
  const std::vector<v15::Finding> findings = v15::directive_findings(project, registry(), results);

  v15::ReportOptions report_options;
  report_options.root = reader.describe();
  report_options.root_uri = v15::file_uri(kRootDir);
  report_options.findings = findings;
  report_every_format(results, report_options);
  require_safe_text("summary line", v15::summary_line(results, findings));
  (void)v15::exit_status(results, findings);

  trace_every_format(v15::build_trace(project, all));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    run_pipeline(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pipeline_fuzz: exception escaped the pipeline: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "pipeline_fuzz: a non-standard exception escaped the pipeline\n");
    std::abort();
  }
  return 0;
}
