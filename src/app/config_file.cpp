#include "app/config_file.hpp"

#include <algorithm>
#include <fstream>

namespace gh::app {
namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// Unquotes a key ("a", 'a') and spells '_' as '-', so that keys compare as the flags do.
std::string normalized_key(std::string key) {
  if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front())
    key = key.substr(1, key.size() - 2);
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

std::string where(const std::string& path, const std::string& fullname) {
  int line = config_key_line(path, fullname);
  return line > 0 ? path + ":" + std::to_string(line) : path;
}

}  // namespace

int config_key_line(const std::string& path, const std::string& fullname) {
  std::ifstream in(path);
  const std::string wanted = normalized_key(fullname);
  std::string section, line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      auto inner = trim(std::string_view(t).substr(1, t.find(']') - 1));
      if (!inner.empty() && inner[0] == '[') inner = trim(std::string_view(inner).substr(1));
      section = normalized_key(inner);
      continue;
    }
    auto eq = t.find_first_of("=:");
    if (eq == std::string::npos) continue;
    auto key = normalized_key(trim(std::string_view(t).substr(0, eq)));
    if ((section.empty() ? key : section + "." + key) == wanted) return n;
  }
  return 0;
}

void apply_config_file(CLI::App& serve, const std::string& path) {
  for (const auto& item : CLI::ConfigTOML().from_file(path)) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty() && !(item.parents.size() == 1 && item.parents[0] == "serve"))
      throw CLI::ConfigError(where(path, item.fullname()) + ": unknown section for '" +
                             item.fullname() + "' (settings go at the top or in [serve])");
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    CLI::Option* opt = name == "config" ? nullptr : serve.get_option_no_throw("--" + name);
    if (!opt)
      throw CLI::ConfigError(where(path, item.fullname()) + ": unknown setting '" + item.name +
                             "' (see gatehouse serve --help)");
    if (opt->count() > 0) continue;
    try {
      opt->add_result(item.inputs);
      opt->run_callback();
    } catch (const CLI::ParseError& e) {
      throw CLI::ConfigError(where(path, item.fullname()) + ": bad value for '" + item.name +
                             "': " + e.what());
    }
  }
}

}  // namespace gh::app
