// Parse-only against the full pipeline (parse + model + every check + text report), side by side,
// on the bundled fixture and on scaled-up copies of it.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "v15check/check.h"
#include "v15check/git.h"
#include "v15check/report.h"

namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> load_fixture() {
  std::map<std::string, std::string> files;
  fs::path dir = fs::path(V15CHECK_SOURCE_DIR) / "fixtures" / "v15-pass";
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[fs::relative(e.path(), dir).generic_string()] = ss.str();
  }
  return files;
}

// The fixture with `factor - 1` extra copies of unrelated code appended to each TS/JS role file:
// the shape of a code base that grew around the flow (more routes, methods, helpers).
std::map<std::string, std::string> scaled(int factor) {
  auto files = load_fixture();
  v15::Config config;
  for (v15::Role role :
       {v15::Role::Worker, v15::Role::DurableObject, v15::Role::Jwt, v15::Role::Agent}) {
    std::string& text = files[config.path(role)];
    std::string filler;
    for (int i = 1; i < factor; ++i) {
      filler += "\nexport async function generatedHelper" + std::to_string(i) +
                "(request: any, env: any) {\n"
                "  const url = new URL(request.url);\n"
                "  if (url.pathname === '/generated/" +
                std::to_string(i) +
                "' && request.method === 'GET') {\n"
                "    const value = await "
                "env.SESSIONS_KV.get(`generated:${url.searchParams.get('id')}`);\n"
                "    const parsed = value ? JSON.parse(value) : { items: [] };\n"
                "    for (const item of parsed.items) { if (item.ttl > 5 * 60 * 1000) item.stale = "
                "true; }\n"
                "    return new Response(JSON.stringify(parsed), { status: 200 });\n"
                "  }\n  return null;\n}\n";
    }
    if (role == v15::Role::Agent) {
      // plain JavaScript for the agent
      std::string js;
      for (int i = 1; i < factor; ++i)
        js += "\nfunction generatedHelper" + std::to_string(i) +
              "(items) {\n  const out = [];\n  for (const item of items) {\n"
              "    if (item && item.ttl > 5 * 60 * 1000) out.push(JSON.stringify(item) + '\\n');\n"
              "  }\n  return out.join('');\n}\n";
      filler = js;
    }
    if (role == v15::Role::Agent) {
      // the image embeds the agent in a heredoc: keep it in sync, as a real change would
      std::string& docker = files[config.path(v15::Role::Dockerfile)];
      std::size_t at = docker.find(text);
      if (at != std::string::npos) docker.insert(at + text.size(), filler);
    }
    text += filler;
  }
  return files;
}

void BM_ParseOnly(benchmark::State& state) {
  auto files = state.range(0) == 1 ? load_fixture() : scaled(static_cast<int>(state.range(0)));
  v15::Config config;
  std::size_t bytes = 0;
  for (auto _ : state) {
    TSParser* parser = ts_parser_new();
    for (v15::Role role :
         {v15::Role::Worker, v15::Role::DurableObject, v15::Role::Jwt, v15::Role::Agent}) {
      const std::string& path = config.path(role);
      const std::string& text = files[path];
      ts_parser_set_language(parser, v15::grammar(*v15::language_for_path(path)));
      TSTree* tree =
          ts_parser_parse_string(parser, nullptr, text.data(), static_cast<uint32_t>(text.size()));
      benchmark::DoNotOptimize(ts_node_child_count(ts_tree_root_node(tree)));
      ts_tree_delete(tree);
      bytes += text.size();
    }
    ts_parser_delete(parser);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// The front half alone: read, parse, flatten and index every file (no checks, no report).
void BM_ParseAndModel(benchmark::State& state) {
  auto files = state.range(0) == 1 ? load_fixture() : scaled(static_cast<int>(state.range(0)));
  v15::Config config;
  for (auto _ : state) {
    v15::MemoryReader reader(files, "bench");
    v15::Project project(v15::load_sources(reader, config.paths), config);
    benchmark::DoNotOptimize(project.file(v15::Role::Worker));
  }
}

void BM_FullPipeline(benchmark::State& state) {
  auto files = state.range(0) == 1 ? load_fixture() : scaled(static_cast<int>(state.range(0)));
  const v15::Registry registry = v15::default_registry();
  v15::Config config;
  std::size_t bytes = 0;
  for (const auto& [path, text] : files) bytes += text.size();
  int failures = 0;
  for (auto _ : state) {
    v15::MemoryReader reader(files, "bench");
    v15::Project project(v15::load_sources(reader, config.paths), config);
    auto results = v15::run_checks(registry, project, v15::Selection{});
    std::ostringstream out;
    v15::write_text(out, results, v15::ReportOptions{});
    failures = v15::count(results).failed;
    benchmark::DoNotOptimize(out.str().size());
  }
  state.counters["failed_checks"] = failures;
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
}

// The pipeline builds the file models on two threads when it can: Time is wall time, CPU is
// the whole process's CPU time, so both figures compare with parse-only honestly.
void sizes_and_clocks(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
}

// -- history --------------------------------------------------------------------------------------

// The synthetic 1,000-commit history (bench/history/make_history.py), generated into the build
// directory on first use. Empty with `why` set when it cannot be generated.
fs::path history_repo(std::string& why) {
  fs::path out = fs::path(V15CHECK_BENCH_DIR) / "history-1000";
  if (fs::exists(out / "planted.json")) return out / "repo";
  fs::path script = fs::path(V15CHECK_SOURCE_DIR) / "bench" / "history" / "make_history.py";
  try {
    auto r = v15::git::run_process(
        {"python3", script.string(), "--commits", "1000", "--force", out.string()});
    if (r.exit_code == 0) return out / "repo";
    why = "make_history.py failed: " + r.err;
  } catch (const std::exception& e) {
    why = std::string("python3 is needed to generate the history: ") + e.what();
  }
  return {};
}

double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs one process per iteration over the history; Time is its wall time, and the counter
// child_cpu_s its CPU time (user + system, all threads), which the process clock cannot see.
void run_over_history(benchmark::State& state, std::vector<std::string> argv) {
  std::string why;
  fs::path repo = history_repo(why);
  if (repo.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto& a : argv)
    if (a.starts_with("REPO")) a = repo.string() + a.substr(4);
  double cpu_before = children_cpu_seconds();
  for (auto _ : state) {
    auto r = v15::git::run_process(argv);
    if (r.exit_code != 0) {
      std::string message = argv[0] + " exited " + std::to_string(r.exit_code) + ": " + r.err;
      state.SkipWithError(message.c_str());
      return;
    }
    benchmark::DoNotOptimize(r.out.size());
  }
  state.counters["child_cpu_s"] =
      (children_cpu_seconds() - cpu_before) / static_cast<double>(state.iterations());
}

// `v15check history` over the 1,000 commits, against its floor: parsing each distinct version of
// the TS/JS role files once.
void BM_History(benchmark::State& state) {
  run_over_history(state,
                   {V15CHECK_BINARY, "history", "--git-dir", "REPO/.git", "--format", "json"});
}
void BM_HistoryParseFloor(benchmark::State& state) {
  run_over_history(state, {V15CHECK_PARSE_BINARY, "--history", "REPO"});
}

BENCHMARK(BM_ParseOnly)->Apply(sizes_and_clocks);
BENCHMARK(BM_ParseAndModel)->Apply(sizes_and_clocks);
BENCHMARK(BM_FullPipeline)->Apply(sizes_and_clocks);
BENCHMARK(BM_History)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_HistoryParseFloor)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
