// The files the Dockerfile puts in the image: for an image path, the instruction (a heredoc or a
// COPY/ADD, also --from another stage) that last writes it, with each stage's working directory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "v15check/dockerfile.h"

namespace v15::facts {

// Lexically normal, '/'-separated, no trailing '/' (except the root).
std::string normal_path(const std::string& p);
// The last component of a '/'-separated path.
std::string base_name(const std::string& p);
// Whether absolute image path `path` is `rel` below some directory (a relative script path).
bool ends_with_path(const std::string& path, const std::string& rel);
// A COPY source from the build context: relative to the context root, whatever its spelling.
std::string context_path(std::string p);

// The instruction that last puts a file at an image path.
struct ImageWrite {
  enum class Kind { Heredoc, Copy };
  Kind kind = Kind::Heredoc;
  const dockerfile::Heredoc* heredoc = nullptr;
  const dockerfile::Instruction* instruction = nullptr;
  std::string source;  // Copy: the path copied (context-relative, or absolute in `from`)
  std::string from;    // Copy: --from stage or image
  int line = 0;
};

class Image {
 public:
  explicit Image(const dockerfile::Dockerfile& d);

  int final_stage() const { return final_stage_; }

  // The stage index an --from value names, if it is a stage of this file.
  std::optional<int> stage_named(const std::string& from) const;

  std::string workdir(const dockerfile::Instruction& ins) const;

  // Every heredoc with a target in `stage`, its path resolved.
  std::vector<std::pair<std::string, ImageWrite>> heredoc_writes(int stage) const;

  // The last instruction of `stage` that writes `path`. `wanted` (a context path) lets a
  // directory or glob COPY count when it brings that file to `path`.
  std::optional<ImageWrite> last_write(int stage, const std::string& path,
                                       const std::string& wanted) const;

  // Where COPY/ADD `c` puts context file `file`, if it copies it.
  std::optional<std::string> destination_of(const dockerfile::Copy& c,
                                            const std::string& file) const;

 private:
  // The source COPY `c` writes to `path` with: a file source (whatever it is), or a directory /
  // glob source when it brings `wanted` there.
  std::optional<std::string> copy_source(const dockerfile::Copy& c, const std::string& path,
                                         const std::string& wanted) const;

  const dockerfile::Dockerfile& d_;
  std::map<std::string, int> stage_names_;
  std::map<const dockerfile::Instruction*, std::string> workdir_;
  std::map<int, std::string> final_workdir_;
  int final_stage_ = -1;
};

// Where the image gets the script startProcess runs: `script` resolved to an image path (a
// relative script matches the image path that ends with it) and the instruction that last writes
// it in the final stage, followed through COPY --from stages of this file. One answer for
// docker.agent-sync and --trace.
struct AgentInstall {
  std::string target;                             // the image path
  std::optional<ImageWrite> write;                // null when nothing in the final stage writes it
  std::vector<std::pair<std::string, int>> hops;  // each COPY --from followed: stage, line
  // A COPY --from naming an image (not a stage of this file): its name and line; `write` is
  // that COPY.
  std::string external_from;
  int external_line = 0;
};
AgentInstall agent_install(const Image& image, const dockerfile::Dockerfile& d,
                           const std::string& script, const std::string& agent_context_path);

}  // namespace v15::facts
