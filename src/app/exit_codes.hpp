#pragma once
// The exit codes of `gatehouse` (documented in docs/operations.md, "Exit codes"). A start that
// fails says why on stderr in one line and exits with the code of its cause, so that a service
// manager or a script can tell a wrong setting from a busy port or an unreachable store.
#include <stdexcept>
#include <string>

namespace gh::app {

enum ExitCode : int {
  kExitOk = 0,       // stopped by SIGTERM/SIGINT (or a subcommand finished)
  kExitFailure = 1,  // anything not below (an unexpected error while running)
  kExitConfig = 2,   // bad flag, config key or value, master key, or unusable data dir
  kExitListen = 3,   // a listener cannot bind its address
  kExitStore = 4,    // the store cannot be opened (and no snapshot file to start from)
};

// A failure to start, with the exit code of its cause. what() is the one-line explanation.
class StartupError : public std::runtime_error {
 public:
  StartupError(ExitCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace gh::app
