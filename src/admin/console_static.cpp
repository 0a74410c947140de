#include "admin/console_static.hpp"

#include <algorithm>

#include "admin/console_assets.hpp"

namespace gh::admin {
namespace {
using Status = http::bhttp::status;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

http::Response console_answer(const http::Request& req, http::bhttp::status status,
                              std::string_view content_type, std::string_view body) {
  http::Response res{status, req.version()};
  res.set(http::bhttp::field::content_type, content_type);
  res.set("Content-Security-Policy", kConsoleCsp);
  res.set("X-Frame-Options", "DENY");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  // Assets change with the binary: always revalidate, never serve a stale console.
  res.set(http::bhttp::field::cache_control, "no-cache");
  // HEAD too: the connection sends only the head, with this body's Content-Length.
  res.body() = std::string(body);
  res.prepare_payload();
  return res;
}

const ConsoleFile* find_file(std::string_view path) {
  const auto& files = console_files();
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const ConsoleFile& f, std::string_view p) { return f.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}
}  // namespace

std::string_view console_content_type(std::string_view file) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json; charset=utf-8"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (auto& [ext, type] : kTypes)
    if (ends_with(file, ext)) return type;
  return "application/octet-stream";
}

std::optional<http::Response> serve_console(const http::Request& req, std::string_view path) {
  const std::string_view root = kConsolePrefix.substr(0, kConsolePrefix.size() - 1);
  if (path != root && path.substr(0, kConsolePrefix.size()) != kConsolePrefix) return std::nullopt;
  auto method = req.method();
  if (method != http::bhttp::verb::get && method != http::bhttp::verb::head) {
    auto res = console_answer(req, Status::method_not_allowed, "text/plain; charset=utf-8",
                              "Method Not Allowed\n");
    res.set(http::bhttp::field::allow, "GET, HEAD");
    return res;
  }
  if (path == root) {
    auto res = console_answer(req, Status::moved_permanently, "text/plain; charset=utf-8", "");
    res.set(http::bhttp::field::location, kConsolePrefix);
    return res;
  }
  std::string file(path == kConsolePrefix ? "/console/index.html" : path);
  const ConsoleFile* f = find_file(file);
  if (!f) return console_answer(req, Status::not_found, "text/plain; charset=utf-8", "Not Found\n");
  return console_answer(req, Status::ok, console_content_type(f->path), f->body);
}

}  // namespace gh::admin
