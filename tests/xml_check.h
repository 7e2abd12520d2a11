// A small XML 1.0 well-formedness check for the JUnit tests: characters allowed by the Char
// production, balanced and matching tags, quoted attributes without '<' and without duplicates,
// only the predefined or numeric entity references, CDATA sections, comments, one root element.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace v15::testing {

// Empty when `doc` is well-formed, else what is wrong and at which byte offset.
inline std::string xml_problem(std::string_view doc) {
  auto err = [](std::size_t at, std::string what) {
    return what + " at byte " + std::to_string(at);
  };
  // Characters: decode UTF-8 and apply the Char production.
  for (std::size_t i = 0; i < doc.size();) {
    unsigned char c = static_cast<unsigned char>(doc[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > doc.size()) return err(i, "invalid UTF-8");
    std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(doc[i + k]);
      if ((cc & 0xC0) != 0x80) return err(i, "invalid UTF-8");
      cp = (cp << 6) | (cc & 0x3F);
    }
    bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
              (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) return err(i, "character not allowed in XML 1.0");
    i += n;
  }
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == ':' || static_cast<unsigned char>(c) >= 0x80;
  };
  auto valid_reference = [&](std::size_t at) -> std::size_t {  // length of a valid &...; or 0
    auto semi = doc.find(';', at);
    if (semi == std::string_view::npos || semi - at > 12) return 0;
    std::string_view ref = doc.substr(at + 1, semi - at - 1);
    static const std::set<std::string_view> named = {"amp", "lt", "gt", "quot", "apos"};
    if (named.count(ref)) return semi - at + 1;
    if (ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return 0;
      for (char d : digits)
        if (!(hex ? std::isxdigit(static_cast<unsigned char>(d))
                  : std::isdigit(static_cast<unsigned char>(d))))
          return 0;
      return semi - at + 1;
    }
    return 0;
  };
  std::vector<std::string> stack;
  int roots = 0;
  std::size_t i = 0;
  if (doc.substr(0, 5) == "<?xml") {
    i = doc.find("?>");
    if (i == std::string_view::npos) return err(0, "unterminated XML declaration");
    i += 2;
  }
  while (i < doc.size()) {
    char c = doc[i];
    if (c != '<') {
      if (stack.empty() && !std::isspace(static_cast<unsigned char>(c)))
        return err(i, "text outside the root element");
      if (c == '&') {
        std::size_t n = valid_reference(i);
        if (!n) return err(i, "bad entity reference");
        i += n;
        continue;
      }
      if (doc.substr(i, 3) == "]]>") return err(i, "']]>' in text");
      ++i;
      continue;
    }
    if (doc.substr(i, 4) == "<!--") {
      auto end = doc.find("-->", i + 4);
      if (end == std::string_view::npos) return err(i, "unterminated comment");
      i = end + 3;
      continue;
    }
    if (doc.substr(i, 9) == "<![CDATA[") {
      if (stack.empty()) return err(i, "CDATA outside the root element");
      auto end = doc.find("]]>", i + 9);
      if (end == std::string_view::npos) return err(i, "unterminated CDATA");
      i = end + 3;
      continue;
    }
    if (doc.substr(i, 2) == "<?") {
      auto end = doc.find("?>", i + 2);
      if (end == std::string_view::npos) return err(i, "unterminated processing instruction");
      i = end + 2;
      continue;
    }
    if (doc.substr(i, 2) == "</") {
      std::size_t j = i + 2;
      while (j < doc.size() && is_name_char(doc[j])) ++j;
      std::string name(doc.substr(i + 2, j - i - 2));
      while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= doc.size() || doc[j] != '>') return err(i, "bad end tag");
      if (stack.empty() || stack.back() != name)
        return err(i, "mismatched end tag </" + name + ">");
      stack.pop_back();
      i = j + 1;
      continue;
    }
    // Start tag.
    std::size_t j = i + 1;
    while (j < doc.size() && is_name_char(doc[j])) ++j;
    std::string name(doc.substr(i + 1, j - i - 1));
    if (name.empty()) return err(i, "'<' not starting a tag");
    std::set<std::string> attrs;
    while (true) {
      std::size_t before = j;
      while (j < doc.size() && std::isspace(static_cast<unsigned char>(doc[j]))) ++j;
      if (j >= doc.size()) return err(i, "unterminated start tag");
      if (doc[j] == '>' || doc.substr(j, 2) == "/>") break;
      if (j == before) return err(j, "attributes must be separated by space");
      std::size_t k = j;
      while (k < doc.size() && is_name_char(doc[k])) ++k;
      std::string attr(doc.substr(j, k - j));
      if (attr.empty()) return err(j, "bad attribute name");
      if (!attrs.insert(attr).second) return err(j, "duplicate attribute " + attr);
      if (k >= doc.size() || doc[k] != '=') return err(k, "attribute without '='");
      ++k;
      if (k >= doc.size() || (doc[k] != '"' && doc[k] != '\'')) return err(k, "unquoted attribute");
      char q = doc[k];
      auto end = doc.find(q, k + 1);
      if (end == std::string_view::npos) return err(k, "unterminated attribute");
      for (std::size_t v = k + 1; v < end; ++v) {
        if (doc[v] == '<') return err(v, "'<' in attribute value");
        if (doc[v] == '&' && !valid_reference(v))
          return err(v, "bad entity reference in attribute");
      }
      j = end + 1;
    }
    bool empty = doc[j] == '/';
    if (stack.empty()) {
      if (++roots > 1) return err(i, "more than one root element");
    }
    if (!empty) stack.push_back(name);
    i = j + (empty ? 2 : 1);
  }
  if (!stack.empty()) return err(doc.size(), "unclosed element <" + stack.back() + ">");
  if (roots != 1) return err(0, "no root element");
  return {};
}

}  // namespace v15::testing
