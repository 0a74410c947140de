#pragma once
// The command line of `gatehouse serve`: its flags and GATEHOUSE_* variables (CLI11), and a fresh
// read of the settings for SIGHUP.
#include <CLI/CLI.hpp>
#include <string>

#include "app/config.hpp"

namespace gh::app {

inline constexpr const char* kConfigHelp =
    "Read settings from a TOML/INI file (keys named like the flags)";

// Adds serve's options to `serve`, bound to `cfg`, and --config bound to `config_file`.
void add_serve_options(CLI::App& serve, ServeConfig& cfg, std::string& config_file);

// The settings as a start with this command line would read them now: flags, GATEHOUSE_*
// variables, then the --config file (re-read). Throws CLI::ParseError (message names the flag, or
// the file, line and key).
ServeConfig reread_serve_config(int argc, char** argv);

}  // namespace gh::app
