// A minimal YAML reader for the example files' tests: block mappings and sequences by
// indentation, `- key: value` items, plain and quoted scalars, flow sequences `[a, b]`, literal
// block scalars `|`, and comments. Every scalar is a string. Enough to check the structure of a
// workflow or hook definition we wrote ourselves; not a general YAML parser.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace v15::testing::yaml {

struct Line {
  int indent = 0;
  std::string text;  // without indentation and trailing comment
  std::string raw;   // the whole line, for block scalars
};

inline std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

inline nlohmann::json scalar(std::string v) {
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    return v.substr(1, v.size() - 2);
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    nlohmann::json arr = nlohmann::json::array();
    std::string item;
    for (char c : v.substr(1, v.size() - 2)) {
      if (c == ',') {
        if (!trim(item).empty()) arr.push_back(scalar(item));
        item.clear();
      } else {
        item += c;
      }
    }
    if (!trim(item).empty()) arr.push_back(scalar(item));
    return arr;
  }
  return v;
}

class Parser {
 public:
  explicit Parser(const std::string& text) {
    std::size_t start = 0;
    while (start <= text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string raw = text.substr(start, end - start);
      Line l;
      l.raw = raw;
      while (l.indent < static_cast<int>(raw.size()) &&
             raw[static_cast<std::size_t>(l.indent)] == ' ')
        ++l.indent;
      l.text = trim(strip_comment(raw.substr(static_cast<std::size_t>(l.indent))));
      lines_.push_back(l);
      start = end + 1;
    }
  }
  nlohmann::json parse() {
    skip_blank();
    if (i_ >= lines_.size()) return nullptr;
    return block(lines_[i_].indent);
  }

 private:
  void skip_blank() {
    while (i_ < lines_.size() && lines_[i_].text.empty()) ++i_;
  }
  static bool is_item(const std::string& t) { return t == "-" || t.rfind("- ", 0) == 0; }
  // Splits "key: value" / "key:"; false when the text is not a mapping entry.
  static bool split_key(const std::string& t, std::string& key, std::string& value) {
    char quote = 0;
    for (std::size_t k = 0; k < t.size(); ++k) {
      char c = t[k];
      if (quote) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '\'' || c == '"')
        quote = c;
      else if (c == ':' && (k + 1 == t.size() || t[k + 1] == ' ')) {
        key = scalar(t.substr(0, k)).get<std::string>();
        value = trim(t.substr(k + 1));
        return true;
      }
    }
    return false;
  }
  nlohmann::json block(int indent) {
    skip_blank();
    if (i_ < lines_.size() && is_item(lines_[i_].text)) return sequence(indent);
    return mapping(indent);
  }
  nlohmann::json literal(int parent_indent) {
    std::vector<std::string> body;
    int indent = -1;
    while (i_ < lines_.size()) {
      const Line& l = lines_[i_];
      if (!trim(l.raw).empty() && l.indent <= parent_indent) break;
      if (!trim(l.raw).empty() && indent < 0) indent = l.indent;
      body.push_back(trim(l.raw).empty() ? "" : l.raw.substr(static_cast<std::size_t>(indent)));
      ++i_;
    }
    while (!body.empty() && body.back().empty()) body.pop_back();
    std::string out;
    for (const auto& b : body) out += b + "\n";
    return out;
  }
  nlohmann::json value_after(const std::string& value, int indent) {
    if (value == "|" || value == "|-" || value == ">") return literal(indent);
    if (!value.empty()) return scalar(value);
    skip_blank();
    if (i_ >= lines_.size()) return nullptr;
    const Line& next = lines_[i_];
    if (next.indent > indent) return block(next.indent);
    if (next.indent == indent && is_item(next.text)) return sequence(indent);
    return nullptr;
  }
  nlohmann::json mapping(int indent) {
    nlohmann::json obj = nlohmann::json::object();
    while (true) {
      skip_blank();
      if (i_ >= lines_.size() || lines_[i_].indent != indent || is_item(lines_[i_].text)) break;
      std::string key, value;
      if (!split_key(lines_[i_].text, key, value))
        throw std::runtime_error("yaml: not a mapping entry: " + lines_[i_].text);
      ++i_;
      obj[key] = value_after(value, indent);
    }
    return obj;
  }
  nlohmann::json sequence(int indent) {
    nlohmann::json arr = nlohmann::json::array();
    while (true) {
      skip_blank();
      if (i_ >= lines_.size() || lines_[i_].indent != indent || !is_item(lines_[i_].text)) break;
      std::string rest = lines_[i_].text == "-" ? "" : trim(lines_[i_].text.substr(2));
      if (rest.empty()) {
        ++i_;
        arr.push_back(value_after("", indent));
        continue;
      }
      std::string key, value;
      if (split_key(rest, key, value)) {
        // `- key: value` opens a mapping whose entries sit two columns in.
        lines_[i_].indent = indent + 2;
        lines_[i_].text = rest;
        arr.push_back(mapping(indent + 2));
      } else {
        ++i_;
        arr.push_back(scalar(rest));
      }
    }
    return arr;
  }
  std::vector<Line> lines_;
  std::size_t i_ = 0;
};

inline nlohmann::json parse(const std::string& text) { return Parser(text).parse(); }

}  // namespace v15::testing::yaml
