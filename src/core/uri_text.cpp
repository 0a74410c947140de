#include "core/uri_text.hpp"

#include "core/ascii.hpp"

namespace gh::core {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  std::size_t start = 1;
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') {
      out.push_back(path.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= query.size(); ++i) {
    if (i != query.size() && query[i] != '&') continue;
    auto part = query.substr(start, i - start);
    start = i + 1;
    if (part.empty()) continue;
    auto eq = part.find('=');
    out.emplace_back(percent_decode(part.substr(0, eq)),
                     eq == part.npos ? std::string() : percent_decode(part.substr(eq + 1)));
  }
  return out;
}

}  // namespace gh::core
