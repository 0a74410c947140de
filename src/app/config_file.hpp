#pragma once
// The --config file of `gatehouse serve`: TOML/INI, top-level keys or keys in a [serve] section,
// named like the flags ("admin-listen" or "admin_listen").
#include <CLI/CLI.hpp>
#include <string>

namespace gh::app {

// Applies the file at `path` to `serve`. A key only fills a setting that neither a flag nor its
// GATEHOUSE_* variable gave, so flags win over the environment, which wins over the file.
// Throws CLI::FileError when the file cannot be read, and CLI::ConfigError for an unknown section
// or key or a value the setting refuses; the message starts with "PATH:LINE: " and names the key.
void apply_config_file(CLI::App& serve, const std::string& path);

// The 1-based line of `path` that sets the key `fullname` ("region", "serve.region": sections
// and dotted keys joined by '.', '_' and '-' alike); 0 when no line does (or unreadable).
int config_key_line(const std::string& path, const std::string& fullname);

}  // namespace gh::app
