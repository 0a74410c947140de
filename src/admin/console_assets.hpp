#pragma once
// The web console's files, embedded in the binary at build time (cmake/embed_console.cmake turns
// console/ into a generated source). Paths are the URL paths they are served at ("/console/...").
#include <string_view>
#include <vector>

namespace gh::admin {

struct ConsoleFile {
  std::string_view path;  // e.g. "/console/index.html"
  std::string_view body;
};

// Every embedded file, sorted by path. Defined in the generated source.
const std::vector<ConsoleFile>& console_files();

}  // namespace gh::admin
