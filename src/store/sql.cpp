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

namespace {
class MaterialisedRow final : public RowView {
 public:
  explicit MaterialisedRow(const Row& r) : r_(r) {}
  std::string_view text(std::size_t i) const override { return r_.text(i); }
  std::int64_t integer(std::size_t i) const override { return r_.integer(i); }

 private:
  const Row& r_;
};
}  // namespace

void SqlSession::for_each_row(std::string_view sql, const std::vector<SqlValue>& params,
                              const std::function<void(const RowView&)>& fn) {
  for (const auto& r : query(sql, params)) fn(MaterialisedRow(r));
}
}  // namespace gh::store
