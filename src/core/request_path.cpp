#include "core/request_path.hpp"

#include "core/ascii.hpp"

namespace gh::core {
namespace {

enum Class : unsigned char { kPlain, kSlash, kPercent, kRefused };

struct PathClasses {
  Class of[256] = {};
  bool unreserved[256] = {};
  constexpr PathClasses() {
    for (int c = 0; c < 256; ++c) of[c] = c <= 0x20 || c == 0x7f ? kRefused : kPlain;
    of[static_cast<unsigned char>('\\')] = kRefused;
    of[static_cast<unsigned char>('#')] = kRefused;
    of[static_cast<unsigned char>('/')] = kSlash;
    of[static_cast<unsigned char>('%')] = kPercent;
    for (int c = '0'; c <= '9'; ++c) unreserved[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) unreserved[c] = unreserved[c - 32] = true;
    for (unsigned char c : std::string_view("-._~")) unreserved[c] = true;
  }
};
constexpr PathClasses kPath;

enum class Shape { kNormal, kNeedsWork, kRefused };

int upper_hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ends_segment(std::string_view path, std::size_t i) {
  return i == path.size() || path[i] == '/' || path[i] == ';';
}

// One pass over a path that starts with '/': normal as it is, to be rewritten, or refused.
Shape shape_of(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    switch (kPath.of[static_cast<unsigned char>(path[i])]) {
      case kPlain:
        break;
      case kRefused:
        return Shape::kRefused;
      case kPercent: {  // normal when kept as it is: upper-case hex of a reserved byte
        if (i + 2 >= path.size()) return Shape::kRefused;
        int hi = upper_hex_value(path[i + 1]), lo = upper_hex_value(path[i + 2]);
        if (hi < 0 || lo < 0) return Shape::kNeedsWork;  // lower case, or refused below
        auto v = static_cast<unsigned char>(hi * 16 + lo);
        if (v == 0 || v == '/' || v == '\\') return Shape::kRefused;
        if (kPath.unreserved[v]) return Shape::kNeedsWork;
        i += 2;
        break;
      }
      case kSlash:
        if (i + 1 < path.size() && path[i + 1] == '/') return Shape::kNeedsWork;
        if (i + 1 < path.size() && path[i + 1] == '.' &&
            (ends_segment(path, i + 2) || (path[i + 2] == '.' && ends_segment(path, i + 3))))
          return Shape::kNeedsWork;
        break;
    }
  }
  return Shape::kNormal;
}

// Appends the segment `raw` to `out` with unreserved encodings decoded and the others kept in
// upper case. false: refused.
bool append_decoded(std::string_view raw, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t k = 0; k < raw.size(); ++k) {
    char c = raw[k];
    auto cls = kPath.of[static_cast<unsigned char>(c)];
    if (cls == kRefused) return false;
    if (cls != kPercent) {
      out.push_back(c);
      continue;
    }
    if (k + 2 >= raw.size()) return false;  // truncated encoding
    int hi = hex_value(raw[k + 1]), lo = hex_value(raw[k + 2]);
    if (hi < 0 || lo < 0) return false;
    auto v = static_cast<unsigned char>(hi * 16 + lo);
    if (v == 0 || v == '/' || v == '\\') return false;
    if (kPath.unreserved[v]) {
      out.push_back(static_cast<char>(v));
    } else {
      out.push_back('%');
      out.push_back(kHex[v >> 4]);
      out.push_back(kHex[v & 15]);
    }
    k += 2;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> normalize_request_path(std::string_view path,
                                                       std::string& scratch) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  switch (shape_of(path)) {
    case Shape::kNormal:
      return path;
    case Shape::kRefused:
      return std::nullopt;
    case Shape::kNeedsWork:
      break;
  }
  std::string& out = scratch;
  out.clear();
  std::size_t i = 1;
  for (;;) {
    std::size_t end = path.find('/', i);
    bool last = end == std::string_view::npos;
    if (last) end = path.size();
    std::size_t mark = out.size();
    out.push_back('/');
    if (!append_decoded(path.substr(i, end - i), out)) return std::nullopt;
    std::string_view segment(out.data() + mark + 1, out.size() - mark - 1);
    std::string_view base = segment.substr(0, segment.find(';'));
    if (base == "." || base == "..") {
      if (base.size() != segment.size()) return std::nullopt;  // "..;x"
      bool up = base.size() == 2;
      out.resize(mark);
      if (up) {
        auto parent = out.rfind('/');
        if (parent == std::string::npos) return std::nullopt;  // above the root
        out.resize(parent);
      }
      if (last) out.push_back('/');
    } else if (segment.empty() && !last) {
      out.resize(mark);  // "//" → "/"
    }
    if (last) break;
    i = end + 1;
  }
  if (out.empty()) out.push_back('/');
  return std::string_view(out);
}

}  // namespace gh::core
