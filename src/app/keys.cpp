#include "app/keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace gh::app {

void write_private_file(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) throw std::runtime_error("cannot fsync " + tmp);
  std::filesystem::rename(tmp, path);
  auto dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string load_master_key(const std::string& data_dir) {
  auto decode = [](std::string hex, const std::string& where) {
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' '))
      hex.pop_back();
    auto raw = crypto::hex_decode(hex);
    if (!raw || raw->size() != 32)
      throw std::runtime_error(where + " must hold 64 hex characters (a 32-byte key)");
    return *raw;
  };
  if (const char* env = std::getenv("GATEHOUSE_MASTER_KEY"); env && *env)
    return decode(env, "GATEHOUSE_MASTER_KEY");
  std::string path = data_dir + "/master.key";
  if (auto existing = read_file(path)) return decode(*existing, path);
  std::string key = crypto::random_bytes(32);
  write_private_file(path, crypto::hex_encode(key) + "\n");
  return key;
}

std::string admin_password(const std::string& data_dir, bool& generated) {
  generated = false;
  if (const char* env = std::getenv("GATEHOUSE_ADMIN_PASSWORD"); env && *env) return env;
  std::string path = data_dir + "/admin-password";
  if (auto existing = read_file(path)) {
    auto pw = *existing;
    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
    return pw;
  }
  generated = true;
  auto pw = crypto::random_hex(12);
  write_private_file(path, pw + "\n");
  return pw;
}

}  // namespace gh::app
