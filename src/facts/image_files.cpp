// The files the Dockerfile puts in the image and the instruction that last writes each.
#include "v15check/facts/image_files.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "v15check/model.h"

namespace v15::facts {

namespace df = dockerfile;

namespace {

std::string join_path(const std::string& dir, const std::string& rel) {
  if (rel.empty()) return normal_path(dir);
  if (rel.front() == '/' || dir.empty()) return normal_path(rel);
  return normal_path(dir + "/" + rel);
}

bool has_glob(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

}  // namespace

std::string normal_path(const std::string& p) {
  if (p.empty()) return p;
  std::string out = std::filesystem::path(p).lexically_normal().generic_string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out == ".") out.clear();
  return out;
}

std::string base_name(const std::string& p) {
  auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

bool ends_with_path(const std::string& path, const std::string& rel) {
  return path.size() > rel.size() && path.compare(path.size() - rel.size(), rel.size(), rel) == 0 &&
         path[path.size() - rel.size() - 1] == '/';
}

std::string context_path(std::string p) {
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  return normal_path(p);
}

Image::Image(const df::Dockerfile& d) : d_(d) {
  std::string workdir = "/";
  int stage = -2;
  for (const df::Instruction& ins : d.instructions) {
    if (ins.stage != stage) {
      stage = ins.stage;
      workdir = std::string("/");  // not `= "/"`: GCC 12 warns falsely (-Wrestrict)
    }
    if (ins.keyword == "FROM") {
      std::vector<std::string> words;
      std::string w;
      for (char c : ins.arguments + " ") {
        if (c == ' ' || c == '\t') {
          if (!w.empty()) words.push_back(w);
          w.clear();
        } else {
          w += c;
        }
      }
      if (!words.empty()) {
        // FROM <stage> continues that stage's working directory
        auto parent = stage_names_.find(ascii_lower(words.front()));
        if (parent != stage_names_.end()) workdir = final_workdir_[parent->second];
      }
      if (words.size() >= 3 && ascii_lower(words[words.size() - 2]) == "as")
        stage_names_[ascii_lower(words.back())] = ins.stage;
    } else if (ins.keyword == "WORKDIR") {
      std::string dir = ins.arguments;
      if (dir.size() >= 2 && (dir.front() == '"' || dir.front() == '\'') &&
          dir.back() == dir.front())
        dir = dir.substr(1, dir.size() - 2);
      workdir = join_path(workdir, dir);
    }
    workdir_[&ins] = workdir;
    final_workdir_[ins.stage] = workdir;
    final_stage_ = std::max(final_stage_, ins.stage);
  }
}

std::optional<int> Image::stage_named(const std::string& from) const {
  auto it = stage_names_.find(ascii_lower(from));
  if (it != stage_names_.end()) return it->second;
  if (!from.empty() && from.size() < 6 &&
      std::all_of(from.begin(), from.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    int n = std::stoi(from);
    if (n <= final_stage_) return n;
  }
  return std::nullopt;
}

std::string Image::workdir(const df::Instruction& ins) const {
  auto it = workdir_.find(&ins);
  return it == workdir_.end() ? "/" : it->second;
}

std::vector<std::pair<std::string, ImageWrite>> Image::heredoc_writes(int stage) const {
  std::vector<std::pair<std::string, ImageWrite>> out;
  for (const auto& wf : d_.written_files()) {
    if (wf.instruction->stage != stage) continue;
    ImageWrite w;
    w.kind = ImageWrite::Kind::Heredoc;
    w.heredoc = wf.heredoc;
    w.instruction = wf.instruction;
    w.line = wf.line;
    out.emplace_back(join_path(workdir(*wf.instruction), wf.path), w);
  }
  return out;
}

std::optional<ImageWrite> Image::last_write(int stage, const std::string& path,
                                            const std::string& wanted) const {
  std::optional<ImageWrite> last;
  auto later = [&](const ImageWrite& w) {
    if (!last || w.line >= last->line) last = w;
  };
  for (const auto& [p, w] : heredoc_writes(stage))
    if (p == path) later(w);
  for (const df::Copy& c : d_.copies()) {
    if (c.instruction->stage != stage) continue;
    if (auto src = copy_source(c, path, wanted)) {
      ImageWrite w;
      w.kind = ImageWrite::Kind::Copy;
      w.instruction = c.instruction;
      w.source = *src;
      w.from = c.from;
      w.line = c.line;
      later(w);
    }
  }
  return last;
}

std::optional<std::string> Image::destination_of(const df::Copy& c, const std::string& file) const {
  if (!c.from.empty()) return std::nullopt;
  std::string dest = join_path(workdir(*c.instruction), c.destination);
  bool dir_dest = !c.destination.empty() && c.destination.back() == '/';
  for (const std::string& raw : c.sources) {
    if (raw.find("://") != std::string::npos) continue;
    std::string s = context_path(raw);
    bool multi = c.sources.size() > 1 || has_glob(s);
    if (s == file) return multi || dir_dest ? join_path(dest, base_name(file)) : dest;
    if (has_glob(s) && fnmatch(s.c_str(), file.c_str(), FNM_PATHNAME) == 0)
      return join_path(dest, base_name(file));
    if (s.empty() || file.rfind(s + "/", 0) == 0)  // a directory: its contents go to dest
      return join_path(dest, s.empty() ? file : file.substr(s.size() + 1));
  }
  return std::nullopt;
}

std::optional<std::string> Image::copy_source(const df::Copy& c, const std::string& path,
                                              const std::string& wanted) const {
  std::string dest = join_path(workdir(*c.instruction), c.destination);
  bool dir_dest = !c.destination.empty() && c.destination.back() == '/';
  bool multi = c.sources.size() > 1;
  for (const std::string& raw : c.sources) {
    if (raw.find("://") != std::string::npos) continue;
    std::string s = c.from.empty() ? context_path(raw) : normal_path("/" + raw);
    if (!has_glob(s)) {
      if (!(multi || dir_dest) && dest == path) return s;
      if ((multi || dir_dest) && join_path(dest, base_name(s)) == path) return s;
    }
  }
  if (!c.from.empty()) {
    // a directory copied from another stage: /opt/app → /opt/app/...
    for (const std::string& raw : c.sources) {
      std::string s = normal_path("/" + raw);
      if (path.rfind(dest + "/", 0) == 0) return join_path(s, path.substr(dest.size() + 1));
    }
    return std::nullopt;
  }
  if (auto d = destination_of(c, wanted); d && *d == path) return wanted;
  return std::nullopt;
}

AgentInstall agent_install(const Image& image, const dockerfile::Dockerfile& d,
                           const std::string& script, const std::string& agent_context_path) {
  AgentInstall out;
  out.target = script;
  if (!script.empty() && script.front() != '/') {
    std::string found;
    for (const auto& [path, w] : image.heredoc_writes(image.final_stage()))
      if (ends_with_path(path, script)) found = path;
    for (const dockerfile::Copy& c : d.copies())
      if (c.instruction->stage == image.final_stage())
        if (auto dest = image.destination_of(c, agent_context_path))
          if (ends_with_path(*dest, script)) found = *dest;
    if (!found.empty()) out.target = found;
  }
  int stage = image.final_stage();
  std::string path = out.target;
  for (int hop = 0; hop < 4; ++hop) {
    out.write = image.last_write(stage, path, agent_context_path);
    if (!out.write || out.write->kind != ImageWrite::Kind::Copy || out.write->from.empty()) break;
    auto from_stage = image.stage_named(out.write->from);
    if (!from_stage) {
      out.external_from = out.write->from;
      out.external_line = out.write->line;
      break;
    }
    out.hops.push_back({out.write->from, out.write->line});
    stage = *from_stage;
    path = out.write->source;
  }
  return out;
}

}  // namespace v15::facts
