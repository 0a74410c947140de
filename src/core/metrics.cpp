#include "core/metrics.hpp"

#include <charconv>
#include <cmath>

namespace gh::core::metrics {

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\')
      out.append("\\\\");
    else if (c == '"')
      out.append("\\\"");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
}

namespace {
void append_double(std::string& out, double v) {
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
}  // namespace

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).push_back(' ');
  for (char c : help) {  // HELP escapes backslash and line feed only
    if (c == '\\')
      out_.append("\\\\");
    else if (c == '\n')
      out_.append("\\n");
    else
      out_.push_back(c);
  }
  out_.append("\n# TYPE ").append(name).push_back(' ');
  out_.append(type).push_back('\n');
}

void Exposition::head(std::string_view name, Labels labels, std::string_view extra_key,
                      std::string_view extra_value) {
  out_.append(name);
  if (labels.size() == 0 && extra_key.empty()) {
    out_.push_back(' ');
    return;
  }
  out_.push_back('{');
  bool first = true;
  auto label = [&](std::string_view k, std::string_view v) {
    if (!first) out_.push_back(',');
    first = false;
    out_.append(k).append("=\"");
    append_label_value(out_, v);
    out_.push_back('"');
  };
  for (const auto& [k, v] : labels) label(k, v);
  if (!extra_key.empty()) label(extra_key, extra_value);
  out_.append("} ");
}

void Exposition::sample(std::string_view name, Labels labels, double value) {
  head(name, labels);
  append_double(out_, value);
  out_.push_back('\n');
}

void Exposition::sample(std::string_view name, Labels labels, std::uint64_t value) {
  head(name, labels);
  append_uint(out_, value);
  out_.push_back('\n');
}

void Exposition::histogram(std::string_view name, Labels labels, const HistogramValues& values) {
  std::string bucket(name), le;
  bucket.append("_bucket");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < values.buckets.size(); ++i) {
    cumulative += values.buckets[i];
    le.clear();
    if (i < kLatencyBuckets.size()) {
      char buf[32];  // "0.0005", not "5e-04"
      auto r = std::to_chars(buf, buf + sizeof buf, kLatencyBuckets[i], std::chars_format::fixed);
      le.append(buf, r.ptr);
    } else
      le = "+Inf";
    head(bucket, labels, "le", le);
    append_uint(out_, cumulative);
    out_.push_back('\n');
  }
  head(std::string(name) + "_sum", labels);
  append_double(out_, static_cast<double>(values.sum_ns) / 1e9);
  out_.push_back('\n');
  head(std::string(name) + "_count", labels);
  append_uint(out_, cumulative);
  out_.push_back('\n');
}

}  // namespace gh::core::metrics
