// Fuzzes the data plane's snapshot file reader (src/gateway/snapshot_file.*): the whole input is
// the file's text. The sealer key is fixed (32 'k' bytes) so that seeds written with it carry app
// secrets that open.
// Checks beyond "no crash, no sanitizer report": a snapshot that parses is written back (into a
// tmpfs directory when there is one) and reads back with the same change sequence, route inputs
// and apps.
#include "gateway/snapshot_file.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace {
using namespace gh::gateway;

void require(bool condition) {
  if (!condition) std::abort();
}

std::size_t app_count(const Snapshot& s) {
  std::size_t n = 0;
  s.credentials.apps.for_each([&](std::string_view, const auto&) { ++n; });
  return n;
}

std::string scratch_path() {
  std::filesystem::path dir =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  return (dir / ("gatehouse-fuzz-snapshot-" + std::to_string(::getpid()) + ".json")).string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  static const gh::crypto::Sealer sealer(std::string(32, 'k'));
  static const std::string path = scratch_path();
  std::string_view text(reinterpret_cast<const char*>(bytes), size);
  auto snap = parse_snapshot(text, sealer, "apig.fuzz");
  if (!snap) return 0;
  const Snapshot& s = **snap;
  require(s.routes && s.route_inputs);
  if (!write_snapshot_file(path, s, sealer)) return 0;  // the disk's failure, not the reader's
  auto back = read_snapshot_file(path, sealer, "apig.fuzz");
  std::filesystem::remove(path);
  require(back.ok());
  const Snapshot& b = **back;
  require(b.change_seq == s.change_seq);
  require(app_count(b) == app_count(s));
  const RouteInputs &x = *s.route_inputs, &y = *b.route_inputs;
  require(x.instances.size() == y.instances.size() && x.groups.size() == y.groups.size() &&
          x.envs.size() == y.envs.size() && x.env_variables.size() == y.env_variables.size() &&
          x.published.size() == y.published.size() && x.auths.size() == y.auths.size());
  return 0;
}
