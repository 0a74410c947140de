#include "store/sql.hpp"

#include <cstdlib>

namespace gh::store {
namespace {
const std::string kEmpty;
}
const std::string& Row::text(std::size_t i) const {
  const auto& c = cols.at(i);
  return c ? *c : kEmpty;
}
std::int64_t Row::integer(std::size_t i) const {
  const auto& c = cols.at(i);
  return c ? std::strtoll(c->c_str(), nullptr, 10) : 0;
}
}  // namespace gh::store
