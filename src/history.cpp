// The history engine: one `git log` for the timeline and its changes, one `git ls-tree` for the
// first commit's files, one `git cat-file --batch` for every file version read; a cache of file
// versions keyed by blob id and a memo of check states keyed by the versions each check reads.
#include "v15check/history.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "v15check/config.h"
#include "v15check/git.h"
#include "v15check/model.h"

namespace v15::history {

std::string_view state_name(State s) {
  switch (s) {
    case State::Pass:
      return "PASS";
    case State::Fail:
      return "FAIL";
    case State::Absent:
      return "ABSENT";
  }
  return "?";
}

// -- what each check reads --------------------------------------------------------------------

Reads reads_of(const Check& check) {
  // Each registration function's checks read the same files: the facts and models their hooks
  // ask for (tests/history_test.cpp holds every check to its set on every mutant).
  static const std::map<std::string, Reads, std::less<>> table = [] {
    std::map<std::string, Reads, std::less<>> t;
    auto declare = [&t](void (*register_checks)(Registry&), Reads reads) {
      Registry r;
      register_checks(r);
      for (const Check& c : r.checks()) t[c.id] = reads;
    };
    declare(register_route_checks, {{Role::Worker}, true});  // the DO binding wrangler declares
    declare(register_do_checks, {{Role::DurableObject}, false});
    declare(register_do_dispatch_checks, {{Role::DurableObject, Role::Jwt}, true});
    declare(register_do_stream_checks, {{Role::DurableObject}, false});
    declare(register_jwt_checks, {{Role::Jwt, Role::DurableObject}, false});
    declare(register_agent_checks, {{Role::Agent}, false});
    declare(register_docker_checks, {{Role::Dockerfile, Role::Agent, Role::DurableObject}, false});
    declare(register_error_checks, {{Role::Worker, Role::DurableObject, Role::Agent}, false});
    return t;
  }();
  auto it = table.find(check.id);
  Reads reads = it != table.end() ? it->second : Reads{{kAllRoles.begin(), kAllRoles.end()}, true};
  if (std::find(reads.roles.begin(), reads.roles.end(), check.role) == reads.roles.end())
    reads.roles.insert(reads.roles.begin(), check.role);
  return reads;
}

namespace {

// -- git output -------------------------------------------------------------------------------

struct Change {
  char status = 'M';      // A C D M R T (the first letter of git's status)
  std::string mode, oid;  // after the change
  std::string path;       // before (R, C) or the path changed
  std::string new_path;   // after (R, C)
};

struct LoggedCommit {
  Commit commit;
  std::vector<Change> changes;  // against the first parent
};

class Cursor {
 public:
  explicit Cursor(const std::string& s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  void skip() { ++pos_; }
  std::string field() {  // up to the next NUL
    auto end = s_.find('\0', pos_);
    if (end == std::string::npos) throw HistoryError("git log: output ends inside a field");
    std::string f = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return f;
  }

 private:
  const std::string& s_;
  std::size_t pos_ = 0;
};

// `git log -z --raw --format=%x01%H%x00%cI%x00%an%x00%s`: per commit a header of NUL-ended
// fields, then `:old-mode new-mode old-oid new-oid STATUS\0path\0[new-path\0]` per change.
std::vector<LoggedCommit> parse_log(const std::string& out) {
  std::vector<LoggedCommit> commits;
  Cursor c(out);
  while (!c.done()) {
    char ch = c.peek();
    if (ch == '\n') {
      c.skip();
    } else if (ch == '\x01') {
      c.skip();
      LoggedCommit lc;
      lc.commit.sha = c.field();
      lc.commit.date = c.field();
      lc.commit.author = c.field();
      lc.commit.subject = c.field();
      if (lc.commit.sha.size() != 40) throw HistoryError("git log: unexpected commit id");
      commits.push_back(std::move(lc));
    } else if (ch == ':') {
      if (commits.empty()) throw HistoryError("git log: a change before any commit");
      c.skip();
      std::string header = c.field();
      // old-mode new-mode old-oid new-oid STATUS
      std::array<std::string, 5> words;
      std::size_t start = 0;
      for (std::size_t w = 0; w < 5; ++w) {
        auto sp = w < 4 ? header.find(' ', start) : header.size();
        if (sp == std::string::npos) throw HistoryError("git log: unexpected change line");
        words[w] = header.substr(start, sp - start);
        start = sp + 1;
      }
      Change change;
      change.mode = words[1];
      change.oid = words[3];
      change.status = words[4].empty() ? 'M' : words[4][0];
      change.path = c.field();
      if (change.status == 'R' || change.status == 'C') change.new_path = c.field();
      commits.back().changes.push_back(std::move(change));
    } else {
      throw HistoryError("git log: unexpected output");
    }
  }
  return commits;
}

struct TreeEntry {
  std::string mode, oid;
};
using Tree = std::unordered_map<std::string, TreeEntry>;

// `git ls-tree -r -z --full-tree`: `mode type oid\tpath\0`.
Tree parse_ls_tree(const std::string& out) {
  Tree tree;
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto end = out.find('\0', pos);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(pos, end - pos);
    pos = end + 1;
    auto tab = line.find('\t');
    auto sp1 = line.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (tab == std::string::npos || sp2 == std::string::npos || sp2 > tab)
      throw HistoryError("git ls-tree: unexpected output");
    tree[line.substr(tab + 1)] = {line.substr(0, sp1), line.substr(sp2 + 1, tab - sp2 - 1)};
  }
  return tree;
}

void apply(Tree& tree, const std::vector<Change>& changes) {
  for (const Change& ch : changes) {
    switch (ch.status) {
      case 'D':
        tree.erase(ch.path);
        break;
      case 'R':
        tree.erase(ch.path);
        tree[ch.new_path] = {ch.mode, ch.oid};
        break;
      case 'C':
        tree[ch.new_path] = {ch.mode, ch.oid};
        break;
      default:
        tree[ch.path] = {ch.mode, ch.oid};
    }
  }
}

void check_range_word(const std::string& range) {
  if (range.empty() || range.front() == '-' || range.find_first_of("\n\r") != std::string::npos)
    throw HistoryError(fmt::format("'{}' is not a revision range", range));
}

// -- file versions ----------------------------------------------------------------------------

constexpr std::string_view kSymlinkMode = "120000";

// A file as one commit holds it: a blob to read, or why there is none.
struct Version {
  std::string path;  // as reports show it
  std::string oid;   // the blob (after following a symlink); empty when there is none
  ReadResult::Status status = ReadResult::Status::Missing;  // when oid is empty
  bool dangling = false;
  // Missing after an earlier commit had it: deleted, which is a FAIL as `--rev` reports it, not
  // "not yet present".
  bool removed = false;
  std::string error;
  bool present() const { return !oid.empty(); }
  bool absent() const {
    return oid.empty() && status == ReadResult::Status::Missing && !dangling && !removed;
  }
  std::string key() const {
    return present() ? fmt::format("{}\x1f{}", path, oid)
                     : fmt::format("{}\x1f-{}\x1f{}{}", path, static_cast<int>(status), error,
                                   removed ? "\x1fremoved" : "");
  }
};

// Reads files of the history through the run's one `git cat-file --batch`.
class Reader {
 public:
  explicit Reader(const git::Repo& repo) : batch_(repo) {}

  // The version at `repo_path` in a commit's tree, following a symlink as `--rev` does.
  Version version(const Tree& tree, const std::string& sha, const std::string& repo_path,
                  std::string shown) {
    Version v;
    v.path = std::move(shown);
    auto it = tree.find(repo_path);
    if (it == tree.end()) {
      v.error = fmt::format("{}: not found", v.path);
      return v;
    }
    if (it->second.mode == "160000") {
      v.status = ReadResult::Status::Refused;
      v.error = fmt::format("{}: refused: not a regular file (commit)", v.path);
      return v;
    }
    if (it->second.mode != kSymlinkMode) {
      v.oid = it->second.oid;
      return v;
    }
    using Kind = git::Batch::Object::Kind;
    git::Batch::Object o = batch_.get(fmt::format("{}:{}", sha, repo_path), 0);
    switch (o.kind) {
      case Kind::Found:
        v.oid = o.oid;
        break;
      case Kind::Missing:
      case Kind::NotDir:
        v.error = fmt::format("{}: not found", v.path);
        break;
      case Kind::Dangling:
        v.dangling = true;
        v.error = fmt::format("{}: not found (dangling symlink)", v.path);
        break;
      case Kind::Loop:
        v.status = ReadResult::Status::Refused;
        v.error = fmt::format("{}: refused: symlink loop", v.path);
        break;
      case Kind::SymlinkOut:
        v.status = ReadResult::Status::Refused;
        v.error =
            fmt::format("{}: refused: resolves outside the repository (to {})", v.path, o.target);
        break;
    }
    return v;
  }

  // The file's text under the rules of a revision read (a blob, within the cap, text).
  SourceFile read(Role role, const Version& v) {
    if (!v.present()) return source(role, v, {});
    return source(role, v, batch_.get(v.oid, kMaxFileBytes));
  }

  // Many files, their blobs asked for in one go.
  std::vector<SourceFile> read_all(const std::vector<std::pair<Role, const Version*>>& files) {
    std::vector<std::string> oids;
    for (const auto& [role, v] : files)
      if (v->present()) oids.push_back(v->oid);
    std::vector<git::Batch::Object> blobs = batch_.get_all(oids, kMaxFileBytes);
    std::vector<SourceFile> out;
    std::size_t next = 0;
    for (const auto& [role, v] : files)
      out.push_back(
          source(role, *v, v->present() ? std::move(blobs[next++]) : git::Batch::Object{}));
    return out;
  }

 private:
  static SourceFile source(Role role, const Version& v, git::Batch::Object o) {
    SourceFile f;
    f.role = role;
    f.path = v.path;
    f.status = v.status;
    f.error = v.error;
    if (!v.present()) return f;
    f.status = ReadResult::Status::Refused;
    if (o.kind != git::Batch::Object::Kind::Found) {
      f.status = ReadResult::Status::Missing;
      f.error = fmt::format("{}: not found", v.path);
    } else if (o.type != "blob") {
      f.error = fmt::format("{}: refused: not a regular file ({})", v.path, o.type);
    } else if (o.too_big) {
      f.error = fmt::format("{}: refused: {} bytes is over the {} MiB limit", v.path, o.size,
                            kMaxFileBytes >> 20);
    } else if (std::string bad = validate_text(o.content, v.path, kMaxFileBytes); !bad.empty()) {
      f.error = std::move(bad);
    } else {
      f.status = ReadResult::Status::Ok;
      f.error.clear();
      f.text = std::move(o.content);
    }
    return f;
  }

 public:
 private:
  git::Batch batch_;
};

// One file version, read and (for TS/JS and the Dockerfile) parsed once. Never moved once made:
// the model refers to `source`.
struct CachedFile {
  SourceFile source;
  std::unique_ptr<FileModel> model;
  std::string failure;  // why a TS/JS file has no model
  std::shared_ptr<const dockerfile::Dockerfile> docker;
  std::exception_ptr error;
  int helper_depth = 3;  // the commit's helperDepth the model is built with
};

bool is_script(Role role) { return role != Role::Dockerfile; }

// What the walk needs to know about one commit.
struct Snapshot {
  std::shared_ptr<const Config> config;
  std::string config_key;
  std::array<Version, kAllRoles.size()> roles;
  std::optional<Version> wrangler;
  const Version& role(Role r) const { return roles[static_cast<std::size_t>(r)]; }
};

constexpr std::array<const char*, 3> kWranglerNames = {"wrangler.jsonc", "wrangler.json",
                                                       "wrangler.toml"};
constexpr std::size_t kWranglerSlot = kAllRoles.size();  // a cache slot next to the roles

// A model depends on the helperDepth of the config it is built under, so that is part of the key.
std::string cache_key(std::size_t slot, const Version& v, int helper_depth) {
  return fmt::format("{}\x1e{}\x1e{}", slot, helper_depth, v.key());
}

int helper_depth_of(const Snapshot& s) {
  return s.config ? s.config->helper_depth : Config{}.helper_depth;
}

// Parses the new file versions of a stretch of commits on the available cores; each version is
// one job and writes only its own entry, so the outcome does not depend on the schedule.
void parse_all(std::vector<std::pair<std::size_t, std::shared_ptr<CachedFile>>>& jobs,
               unsigned threads) {
  std::atomic<std::size_t> next{0};
  auto lane = [&] {
    Parser parser;
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      auto& [slot, entry] = jobs[i];
      try {
        if (!entry->source.ok() || slot >= kAllRoles.size()) continue;
        Role role = kAllRoles[slot];
        if (is_script(role)) {
          FileModelResult r = build_file_model(parser, entry->source, role, entry->helper_depth);
          entry->model = std::move(r.model);
          entry->failure = std::move(r.failure);
        } else {
          entry->docker =
              std::make_shared<const dockerfile::Dockerfile>(dockerfile::parse(entry->source.text));
        }
      } catch (...) {
        entry->error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> extra;
  unsigned wanted = std::min<std::size_t>(threads, jobs.size());
  for (unsigned t = 1; t < wanted; ++t) {
    try {
      extra.emplace_back(lane);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the lanes there are take the rest
    }
  }
  lane();
  for (auto& t : extra) t.join();
  for (auto& [slot, entry] : jobs)
    if (entry->error) std::rethrow_exception(entry->error);
}

class Walk {
 public:
  Walk(const Registry& registry, const Options& options)
      : registry_(registry),
        options_(options),
        repo_(options.git_dir.empty() ? git::Repo::at_directory(options.directory)
                                      : git::Repo::at_git_dir(options.git_dir)) {}

  Timeline run() {
    check_range_word(options_.range);
    Timeline t;
    t.range = options_.range;
    for (const auto& info : groups())
      for (const Check& c : registry_.checks())
        if (c.group == info.group && options_.selection.selected(c)) t.checks.push_back(&c);
    for (const Check& c : registry_.checks()) all_ids_.push_back(c.id);

    repo_.run({"rev-parse", "--git-dir"});  // a clear error when this is not a repository
    std::vector<LoggedCommit> logged = parse_log(repo_.run(
        {"-c", "core.quotePath=false", "log", "--first-parent", "--reverse", "--raw", "--no-abbrev",
         "-M", "--diff-merges=first-parent", "-z", "--no-color", "--no-show-signature",
         "--format=%x01%H%x00%cI%x00%an%x00%s", options_.range, "--"}));
    for (auto& lc : logged) t.commits.push_back(lc.commit);
    t.stats.commits = t.commits.size();
    t.verdicts.resize(t.checks.size());
    t.cell.assign(t.checks.size(), std::vector<std::uint32_t>(t.commits.size(), 0));
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    threads_ = options_.threads ? options_.threads : cores;
    t.stats.threads = threads_;
    if (logged.empty()) {
      finish(t);
      return t;
    }

    reader_.emplace(repo_);
    snapshots(logged, t);
    logged.clear();
    evaluate(t);
    finish(t);
    return t;
  }

 private:
  static void finish(Timeline& t) {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) t.stats.peak_rss_kib = usage.ru_maxrss;
  }

  std::shared_ptr<const Config> config_at(const Tree& tree, const Commit& commit,
                                          std::string& key) {
    if (!options_.config_path.empty()) {
      if (!override_)
        override_ =
            std::make_shared<const Config>(load_config_file(options_.config_path, all_ids_));
      key = "--config";
      return override_;
    }
    Version v = reader_->version(tree, commit.sha, kConfigFileName, kConfigFileName);
    if (v.absent()) {
      if (!defaults_) defaults_ = std::make_shared<const Config>();
      key = semantic_key("{}", "defaults");  // the same as a file that sets nothing
      return defaults_;
    }
    if (auto it = configs_.find(v.key()); it != configs_.end()) {
      key = it->second.second;
      return it->second.first;
    }
    SourceFile f = reader_->read(Role::Worker, v);
    if (!f.ok())
      throw ConfigError(
          fmt::format("cannot use config file at {}: {}", commit.short_sha(), f.error));
    auto config = std::make_shared<const Config>(
        parse_config(f.text, fmt::format("{}:{}", commit.short_sha(), kConfigFileName), all_ids_));
    key = semantic_key(f.text, v.key());
    configs_.emplace(v.key(), std::make_pair(config, key));
    return config;
  }

  // The memo's key of a config: its values except the `disable` list (a check's own entry joins
  // its key in memo_key), so adding or dropping a disable entry re-runs no other check. Keys are
  // sorted and comments dropped by the round trip; `fallback` when the text does not parse as
  // JSON with comments here (parse_config accepted it, so it never should).
  static std::string semantic_key(const std::string& text, const std::string& fallback) {
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false, true);
    if (doc.is_discarded() || !doc.is_object()) return fallback;
    doc.erase("disable");
    return "config " + doc.dump();
  }

  // Every commit's config and file versions, following role files through renames.
  void snapshots(const std::vector<LoggedCommit>& logged, Timeline& t) {
    Tree tree =
        parse_ls_tree(repo_.run({"ls-tree", "-r", "-z", "--full-tree", logged.front().commit.sha}));
    std::array<std::string, kAllRoles.size()> followed, configured;
    std::array<bool, kAllRoles.size()> had{};  // the role's file was present at an earlier commit
    for (std::size_t i = 0; i < logged.size(); ++i) {
      const Commit& commit = logged[i].commit;
      if (i > 0) apply(tree, logged[i].changes);
      Snapshot s;
      s.config = config_at(tree, commit, s.config_key);
      for (std::size_t r = 0; r < kAllRoles.size(); ++r) {
        Role role = kAllRoles[r];
        std::string shown = s.config->path(role);
        std::string at = git::join("", shown);
        if (i == 0 || at != configured[r]) {
          followed[r] = at;
        } else {
          for (const Change& ch : logged[i].changes)
            if (ch.status == 'R' && ch.path == followed[r]) {
              t.renames.push_back({i, role, ch.path, ch.new_path});
              followed[r] = ch.new_path;
              break;
            }
        }
        configured[r] = at;
        s.roles[r] = reader_->version(tree, commit.sha, followed[r],
                                      followed[r] == at ? shown : followed[r]);
        if (s.roles[r].present())
          had[r] = true;
        else if (had[r] && s.roles[r].absent())
          s.roles[r].removed = true;
      }
      for (const char* name : kWranglerNames) {
        Version w = reader_->version(tree, commit.sha, name, name);
        if (w.absent()) continue;
        if (!w.present()) w.status = ReadResult::Status::Refused;  // a dangling link too
        s.wrangler = std::move(w);
        break;
      }
      snapshots_.push_back(std::move(s));
    }
  }

  // The memo key of a check at a commit: the config, whether it disables the check, and the
  // versions of what the check reads.
  std::string memo_key(const Snapshot& s, const Check& check, const Reads& reads) const {
    std::string key = s.config_key;
    key += s.config->disabled(check.id) ? "\x1doff" : "\x1don";
    for (Role r : reads.roles) {
      key += '\x1d';
      key += s.role(r).key();
    }
    if (reads.wrangler) key += s.wrangler ? "\x1dw" + s.wrangler->key() : "\x1dw-";
    return key;
  }

  // The cache slots a commit's project is built from, with their versions.
  std::vector<std::pair<std::size_t, const Version*>> slots(const Snapshot& s) const {
    std::vector<std::pair<std::size_t, const Version*>> out;
    for (std::size_t r = 0; r < kAllRoles.size(); ++r)
      if (needed_[r] && s.roles[r].present()) out.push_back({r, &s.roles[r]});
    if (needs_wrangler_ && s.wrangler && s.wrangler->present())
      out.push_back({kWranglerSlot, &*s.wrangler});
    return out;
  }

  void evaluate(Timeline& t) {
    std::vector<Reads> reads;
    for (const Check* c : t.checks) {
      reads.push_back(reads_of(*c));
      for (Role r : reads.back().roles) needed_[static_cast<std::size_t>(r)] = true;
      needs_wrangler_ = needs_wrangler_ || reads.back().wrangler;
    }
    // When each cached version is last used: it is released right after that commit.
    std::unordered_map<std::string, std::size_t> last_use;
    for (std::size_t i = 0; i < snapshots_.size(); ++i)
      for (auto [slot, v] : slots(snapshots_[i]))
        last_use[cache_key(slot, *v, helper_depth_of(snapshots_[i]))] = i;
    std::vector<std::vector<std::string>> release(snapshots_.size());
    for (auto& [key, i] : last_use) release[i].push_back(key);

    std::vector<std::unordered_map<std::string, std::uint32_t>> memo(t.checks.size());
    std::unordered_map<std::string, std::shared_ptr<CachedFile>> cache;
    constexpr std::size_t kStretch = 32;  // commits whose new versions are parsed together
    std::vector<std::vector<std::string>> keys(kStretch);
    for (std::size_t a = 0; a < snapshots_.size(); a += kStretch) {
      std::size_t b = std::min(snapshots_.size(), a + kStretch);
      // First pass: which commits of the stretch run a check (a key the memo lacks)?
      std::vector<std::unordered_set<std::string>> pending(t.checks.size());
      std::vector<bool> runs(b - a, false);
      for (std::size_t i = a; i < b; ++i) {
        auto& k = keys[i - a];
        k.assign(t.checks.size(), {});
        for (std::size_t c = 0; c < t.checks.size(); ++c) {
          k[c] = memo_key(snapshots_[i], *t.checks[c], reads[c]);
          if (snapshots_[i].role(t.checks[c]->role).absent()) continue;  // never run
          if (memo[c].count(k[c]) || !pending[c].insert(k[c]).second) continue;
          runs[i - a] = true;
        }
      }
      // Read the versions those commits need that are not cached yet, then parse them.
      std::vector<std::pair<std::size_t, std::shared_ptr<CachedFile>>> jobs;
      std::vector<std::pair<Role, const Version*>> to_read;
      std::unordered_set<std::string> reading;
      for (std::size_t i = a; i < b; ++i) {
        if (!runs[i - a]) continue;
        for (auto [slot, v] : slots(snapshots_[i])) {
          const int depth = helper_depth_of(snapshots_[i]);
          std::string key = cache_key(slot, *v, depth);
          if (cache.count(key) || !reading.insert(key).second) continue;
          to_read.push_back({slot < kAllRoles.size() ? kAllRoles[slot] : Role::Worker, v});
          jobs.push_back({slot, std::make_shared<CachedFile>()});
          jobs.back().second->helper_depth = depth;
        }
      }
      std::vector<SourceFile> read = reader_->read_all(to_read);
      for (std::size_t j = 0; j < jobs.size(); ++j) {
        auto& [slot, entry] = jobs[j];
        entry->source = std::move(read[j]);
        if (slot == kWranglerSlot && entry->source.status == ReadResult::Status::Missing)
          entry->source.status = ReadResult::Status::Refused;
        ++t.stats.files_read;
        if (slot < kAllRoles.size() && is_script(kAllRoles[slot]) && entry->source.ok())
          ++t.stats.files_parsed;
        cache.emplace(cache_key(slot, *to_read[j].second, entry->helper_depth), entry);
      }
      parse_all(jobs, threads_);
      jobs.clear();
      t.stats.peak_live_files = std::max(t.stats.peak_live_files, cache.size());
      // Second pass: every check's state at every commit of the stretch, in order.
      for (std::size_t i = a; i < b; ++i) {
        commit_states(t, i, keys[i - a], reads, memo, cache);
        for (const std::string& key : release[i]) cache.erase(key);
      }
    }
  }

  void commit_states(Timeline& t, std::size_t i, const std::vector<std::string>& keys,
                     const std::vector<Reads>& reads,
                     std::vector<std::unordered_map<std::string, std::uint32_t>>& memo,
                     const std::unordered_map<std::string, std::shared_ptr<CachedFile>>& cache) {
    const Snapshot& s = snapshots_[i];
    auto intern = [&](std::size_t c, Verdict v) {
      t.verdicts[c].push_back(std::move(v));
      auto index = static_cast<std::uint32_t>(t.verdicts[c].size() - 1);
      memo[c].emplace(keys[c], index);
      t.cell[c][i] = index;
    };
    std::vector<std::string> to_run;
    std::vector<std::size_t> run_index;
    for (std::size_t c = 0; c < t.checks.size(); ++c) {
      if (auto it = memo[c].find(keys[c]); it != memo[c].end()) {
        t.cell[c][i] = it->second;
        ++t.stats.memo_hits;
        continue;
      }
      const Version& own = s.role(t.checks[c]->role);
      if (own.absent()) {
        intern(c, {State::Absent, false, fmt::format("{}: not yet present", own.path)});
        continue;
      }
      to_run.push_back(t.checks[c]->id);
      run_index.push_back(c);
    }
    if (to_run.empty()) return;

    SourceSet set;
    set.root = t.commits[i].short_sha();
    PreparedFiles prepared;
    for (std::size_t r = 0; r < kAllRoles.size(); ++r) {
      Role role = kAllRoles[r];
      const Version& v = s.roles[r];
      auto it =
          needed_[r] && v.present() ? cache.find(cache_key(r, v, helper_depth_of(s))) : cache.end();
      if (it == cache.end()) {
        SourceFile f;
        f.role = role;
        f.path = v.path;
        f.status = v.present() ? ReadResult::Status::Refused : v.status;
        f.error = v.present() ? fmt::format("{}: not read", v.path) : v.error;
        set.files.emplace(role, std::move(f));
        continue;
      }
      const std::shared_ptr<CachedFile>& entry = it->second;
      set.files.emplace(role, entry->source);
      if (entry->model)
        prepared.models[role] = std::shared_ptr<const FileModel>(entry, entry->model.get());
      else if (!entry->failure.empty())
        prepared.parse_failures[role] = entry->failure;
      if (entry->docker) prepared.docker = entry->docker;
    }
    if (s.wrangler) {
      auto it = s.wrangler->present()
                    ? cache.find(cache_key(kWranglerSlot, *s.wrangler, helper_depth_of(s)))
                    : cache.end();
      if (it != cache.end()) {
        set.wrangler = it->second->source;
      } else {
        SourceFile w;
        w.path = s.wrangler->path;
        w.status = ReadResult::Status::Refused;
        w.error = s.wrangler->error;
        set.wrangler = std::move(w);
      }
    }
    Project project(std::move(set), *s.config, std::move(prepared));
    ++t.stats.projects;
    Selection only;
    only.ids = std::move(to_run);
    std::vector<Result> results = run_checks(registry_, project, only);
    t.stats.check_runs += results.size();
    std::unordered_map<const Check*, const Outcome*> by_check;
    for (const Result& r : results) by_check[r.check] = &r.outcome;
    for (std::size_t c : run_index) {
      const Outcome& o = *by_check.at(t.checks[c]);
      Verdict v;
      v.found = o.found;
      v.suppressed = o.status == Status::Suppressed;
      v.state = o.status == Status::Fail ? State::Fail : State::Pass;
      if (v.state == State::Fail)
        for (Role r : reads[c].roles)
          if (s.role(r).absent()) v.state = State::Absent;
      intern(c, std::move(v));
    }
  }

  const Registry& registry_;
  const Options& options_;
  git::Repo repo_;
  std::optional<Reader> reader_;
  std::vector<std::string> all_ids_;
  std::shared_ptr<const Config> override_, defaults_;
  // by the config file's version: the config and its memo key
  std::map<std::string, std::pair<std::shared_ptr<const Config>, std::string>> configs_;
  std::vector<Snapshot> snapshots_;
  std::array<bool, kAllRoles.size()> needed_{};
  bool needs_wrangler_ = false;
  unsigned threads_ = 1;
};

}  // namespace

Timeline build_timeline(const Registry& registry, const Options& options) {
  return Walk(registry, options).run();
}

std::vector<Flip> flips(const Timeline& timeline) {
  std::vector<Flip> out;
  for (std::size_t i = 1; i < timeline.commits.size(); ++i)
    for (std::size_t c = 0; c < timeline.checks.size(); ++c) {
      State before = timeline.at(c, i - 1).state, now = timeline.at(c, i).state;
      if (before != now) out.push_back({i, c, before, now});
    }
  return out;
}

std::vector<BlameEntry> blame(const Timeline& timeline, const std::vector<std::size_t>& checks) {
  std::vector<BlameEntry> out;
  if (timeline.commits.empty()) return out;
  std::size_t last = timeline.commits.size() - 1;
  for (std::size_t c : checks) {
    BlameEntry e;
    e.check = c;
    e.current = timeline.at(c, last).state;
    e.now = timeline.at(c, last).found;
    if (e.current == State::Fail) {
      std::size_t first = last;
      while (first > 0 && timeline.at(c, first - 1).state == State::Fail) --first;
      e.introduced = first;
      e.after = timeline.at(c, first).found;
      if (first > 0) {
        const Verdict& before = timeline.at(c, first - 1);
        e.from = before.state;
        if (before.state != State::Pass) e.before = before.found;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace v15::history
