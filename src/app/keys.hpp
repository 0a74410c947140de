#pragma once
// Node-local secret files in the data dir, each written once with mode 0600 and fsynced.
#include <optional>
#include <string>

namespace gh::app {

// The 32-byte master key: GATEHOUSE_MASTER_KEY (64 hex chars) if set, else DATA_DIR/master.key
// (created with a fresh CSPRNG key on first start). Throws std::runtime_error on a bad key.
std::string load_master_key(const std::string& data_dir);

// Writes `content` to a new file with mode 0600 and fsyncs it and its directory.
void write_private_file(const std::string& path, const std::string& content);
std::optional<std::string> read_file(const std::string& path);

// The bootstrap admin password: GATEHOUSE_ADMIN_PASSWORD, else generated once (`generated` set)
// and kept in DATA_DIR/admin-password (0600) so the operator can read it later.
std::string admin_password(const std::string& data_dir, bool& generated);

}  // namespace gh::app
