// The project: the parsed role files and the cross-file facts several checks share.
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>
#include <thread>

#include "v15check/model.h"

namespace v15 {

FileModelResult build_file_model(Parser& parser, const SourceFile& file, Role role,
                                 int helper_depth) {
  FileModelResult out;
  auto language = language_for_path(file.path);
  if (!language) language = role == Role::Agent ? Language::JavaScript : Language::TypeScript;
  Tree tree = parser.parse(file.text, *language);
  if (!tree.valid()) {
    out.failure = parser.over_budget()
                      ? fmt::format(
                            "{}: refused: parsing it needs more than {} MiB (code nested "
                            "or chained this deeply is not supported)",
                            file.path, parser.memory_budget() >> 20)
                      : fmt::format("{}: the parser gave up on this file", file.path);
    return out;
  }
  tree.release_syntax_tree();  // the flat table has it all; the next parse reuses the memory
  out.model = std::make_unique<FileModel>(file, std::move(tree), helper_depth);
  return out;
}

namespace {
// One role file of a project on its way to a model.
struct FileJob {
  Role role;
  const SourceFile* file = nullptr;
  FileModelResult result;
  std::exception_ptr error;
  int helper_depth = 3;

  void run(Parser& parser) {
    try {
      result = build_file_model(parser, *file, role, helper_depth);
    } catch (...) {
      error = std::current_exception();
    }
  }
};
}  // namespace

Project::Project(SourceSet sources, Config config)
    : sources_(std::move(sources)), config_(std::move(config)) {
  adopt_wrangler_bindings();
  std::vector<FileJob> jobs;
  for (Role role : {Role::Worker, Role::DurableObject, Role::Jwt, Role::Agent}) {
    const SourceFile& f = sources_.get(role);
    if (!f.ok()) continue;
    jobs.push_back({role, &f, {}, nullptr, config_.helper_depth});
  }
  // The files do not depend on each other until the checks run: with a second core, one lane
  // takes the largest file and the other the rest (each lane has its own parser; the models
  // share nothing while they are built).
  std::vector<FileJob*> lanes[2];
  std::size_t load[2] = {0, 0};
  std::vector<FileJob*> by_size;
  for (auto& j : jobs) by_size.push_back(&j);
  std::stable_sort(by_size.begin(), by_size.end(), [](const FileJob* a, const FileJob* b) {
    return a->file->text.size() > b->file->text.size();
  });
  for (FileJob* j : by_size) {
    int lane = load[1] < load[0] ? 1 : 0;
    lanes[lane].push_back(j);
    load[lane] += j->file->text.size();
  }
  const SourceFile& d = sources_.get(Role::Dockerfile);
  auto run_lane = [&](int lane) {
    Parser parser;
    for (FileJob* j : lanes[lane]) j->run(parser);
  };
  std::thread second;
  if (!lanes[1].empty() && std::thread::hardware_concurrency() > 1) {
    try {
      second = std::thread(run_lane, 1);
    } catch (const std::system_error&) {
      // no thread to be had (a process limit): the same work, one lane after the other
    }
  }
  run_lane(0);
  if (second.joinable())
    second.join();
  else
    run_lane(1);
  for (FileJob& j : jobs) {
    if (j.error) std::rethrow_exception(j.error);
    if (j.result.model)
      files_[j.role] = std::move(j.result.model);
    else
      parse_failures_[j.role] = j.result.failure;
  }
  if (d.ok()) docker_ = std::make_shared<const dockerfile::Dockerfile>(dockerfile::parse(d.text));
}

Project::Project(SourceSet sources, Config config, PreparedFiles prepared)
    : sources_(std::move(sources)),
      config_(std::move(config)),
      files_(std::move(prepared.models)),
      parse_failures_(std::move(prepared.parse_failures)),
      docker_(std::move(prepared.docker)) {
  // the same relations as a project that reads its own files: a history's revision names its
  // bindings as its wrangler config declares them
  adopt_wrangler_bindings();
}

const FileModel* Project::file(Role role) const {
  auto it = files_.find(role);
  return it == files_.end() ? nullptr : it->second.get();
}

std::string Project::unavailable(Role role) const {
  const SourceFile& f = source(role);
  if (!f.ok()) return f.error;
  auto it = parse_failures_.find(role);
  if (it != parse_failures_.end()) return it->second;
  return {};
}

const Function* Project::do_method(std::string_view name) const {
  const FileModel* m = file(Role::DurableObject);
  return m ? m->method(config_.class_name, name) : nullptr;
}

// -- bridge timeout -------------------------------------------------------------------------------

const BridgeTimeout& Project::bridge_timeout() const {
  if (bridge_timeout_) return *bridge_timeout_;
  BridgeTimeout t;
  const FileModel* m = file(Role::DurableObject);
  const Function* fn = do_method("handleChatHttp");
  if (m && fn) {
    Region r = m->region(*fn);
    for (const Node& call : m->find("call_expression", r, match::call("setTimeout"))) {
      auto args = FileModel::arguments(call);
      if (args.size() < 2) continue;
      auto ms = m->fold_number(args[1]);
      if (t.found() && !ms) continue;
      t.call = call;
      t.callback = args[0];
      t.delay = args[1];
      t.ms = ms;
      t.location = m->location(call);
      if (ms) break;
    }
  }
  bridge_timeout_ = t;
  return *bridge_timeout_;
}

// The startProcess env (Project::start_process_env) lives in model_process_env.cpp.

// -- wrangler vars --------------------------------------------------------------------------------

namespace {
// JSONC allows trailing commas; JSON does not. Drop a comma that precedes `}` or `]` outside
// strings (comments are left for the parser, which skips them).
std::string drop_trailing_commas(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  bool str = false, esc = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (str) {
      out += c;
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        str = false;
      continue;
    }
    if (c == '"') {
      str = true;
      out += c;
      continue;
    }
    if (c == '/' && i + 1 < in.size() && (in[i + 1] == '/' || in[i + 1] == '*')) {
      // copy the comment through untouched
      std::size_t end = in[i + 1] == '/' ? in.find('\n', i) : in.find("*/", i + 2);
      end = end == std::string::npos ? in.size() : (in[i + 1] == '/' ? end : end + 2);
      out.append(in, i, end - i);
      i = end - 1;
      continue;
    }
    if (c == ',') {
      std::size_t j = i + 1;
      while (j < in.size()) {
        if (std::isspace(static_cast<unsigned char>(in[j]))) {
          ++j;
        } else if (in[j] == '/' && j + 1 < in.size() && in[j + 1] == '/') {
          j = in.find('\n', j);
          if (j == std::string::npos) j = in.size();
        } else if (in[j] == '/' && j + 1 < in.size() && in[j + 1] == '*') {
          j = in.find("*/", j + 2);
          j = j == std::string::npos ? in.size() : j + 2;
        } else {
          break;
        }
      }
      if (j < in.size() && (in[j] == '}' || in[j] == ']')) continue;
    }
    out += c;
  }
  return out;
}

std::string toml_unquote(std::string v) {
  auto trim = [](std::string& s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  };
  trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    char q = v.front();
    auto end = v.find(q, 1);
    return v.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  }
  auto hash = v.find('#');
  if (hash != std::string::npos) v.erase(hash);
  trim(v);
  return v;
}
}  // namespace

const WranglerVars* Project::wrangler() const {
  if (wrangler_loaded_) return wrangler_ ? &*wrangler_ : nullptr;
  wrangler_loaded_ = true;
  if (!sources_.wrangler) return nullptr;
  const SourceFile& f = *sources_.wrangler;
  WranglerVars w;
  w.path = f.path;
  if (!f.ok()) {
    w.error = f.error;
  } else if (f.path.size() >= 5 && f.path.compare(f.path.size() - 5, 5, ".toml") == 0) {
    // [vars] KEY = "value" — the subset wrangler.toml uses for plain-text vars.
    // [[durable_objects.bindings]] and [[containers]] open one table each: name / class_name.
    std::istringstream in(f.text);
    std::string line, section;
    while (std::getline(in, line)) {
      std::string t = line;
      while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
      if (t.empty() || t[0] == '#') continue;
      if (t[0] == '[') {
        section = t.substr(0, t.find(']') + 1);
        if (section == "[[durable_objects.bindings]") w.durable_objects.emplace_back();
        if (section == "[[containers]") w.container_classes.emplace_back();
        continue;
      }
      auto eq = t.find('=');
      if (eq == std::string::npos) continue;
      std::string key = t.substr(0, eq);
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
      key = toml_unquote(key);
      if (section == "[vars]") {
        w.vars[key] = toml_unquote(t.substr(eq + 1));
      } else if (section == "[[durable_objects.bindings]" && key == "name") {
        w.durable_objects.back().name = toml_unquote(t.substr(eq + 1));
      } else if (section == "[[durable_objects.bindings]" && key == "class_name") {
        w.durable_objects.back().class_name = toml_unquote(t.substr(eq + 1));
      } else if (section == "[[containers]" && key == "class_name") {
        w.container_classes.back() = toml_unquote(t.substr(eq + 1));
      }
    }
  } else {
    try {
      auto doc = nlohmann::json::parse(drop_trailing_commas(f.text), nullptr, true, true);
      if (doc.is_object() && doc.contains("vars") && doc["vars"].is_object())
        for (const auto& [k, v] : doc["vars"].items())
          if (v.is_string()) w.vars[k] = v.get<std::string>();
      auto text_of = [](const nlohmann::json& o, const char* key) {
        return o.is_object() && o.contains(key) && o[key].is_string() ? o[key].get<std::string>()
                                                                      : std::string{};
      };
      if (doc.is_object() && doc.contains("durable_objects") &&
          doc["durable_objects"].is_object() && doc["durable_objects"].contains("bindings") &&
          doc["durable_objects"]["bindings"].is_array())
        for (const auto& b : doc["durable_objects"]["bindings"])
          w.durable_objects.push_back({text_of(b, "name"), text_of(b, "class_name")});
      if (doc.is_object() && doc.contains("containers") && doc["containers"].is_array())
        for (const auto& c : doc["containers"])
          w.container_classes.push_back(text_of(c, "class_name"));
    } catch (const nlohmann::json::exception& e) {
      w.error = fmt::format("{}: {}", f.path, e.what());
    }
  }
  wrangler_ = std::move(w);
  return &*wrangler_;
}

const DurableObjectBinding* WranglerVars::binding_for(std::string_view class_name) const {
  for (const auto& b : durable_objects)
    if (!b.name.empty() && b.class_name == class_name) return &b;
  return nullptr;
}

const DurableObjectBinding* WranglerVars::sandbox_binding() const {
  for (const auto& cls : container_classes)
    if (const DurableObjectBinding* b = cls.empty() ? nullptr : binding_for(cls)) return b;
  return container_classes.empty() ? binding_for("Sandbox") : nullptr;
}

void Project::adopt_wrangler_bindings() {
  // A binding name the config file leaves unset is the one the wrangler config declares for
  // that class: the deployment's own name, not the checklist's.
  const WranglerVars* w = wrangler();
  if (!w) return;
  if (!config_.origins.contains("doBinding"))
    if (const DurableObjectBinding* b = w->binding_for(config_.class_name)) {
      config_.do_binding = b->name;
      config_.origins["doBinding"] = w->path;
    }
  if (!config_.origins.contains("sandboxBinding"))
    if (const DurableObjectBinding* b = w->sandbox_binding()) {
      config_.sandbox_binding = b->name;
      config_.origins["sandboxBinding"] = w->path;
    }
}

}  // namespace v15
