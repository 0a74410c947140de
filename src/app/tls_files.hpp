#pragma once
// The gateway's TLS certificate and key: the configured files, or on first start a self-signed
// certificate (EC P-256, 10 years, CN and SAN "localhost" and 127.0.0.1) created in the data dir
// (key mode 0600) and reused afterwards.
#include <string>

namespace gh::app {

struct TlsFiles {
  std::string cert, key;
  bool generated = false;
};

// Throws std::runtime_error when OpenSSL fails or files cannot be written.
TlsFiles ensure_tls_files(const std::string& data_dir, const std::string& cert_file,
                          const std::string& key_file);

}  // namespace gh::app
