#pragma once
// JSON form of an API definition (core::ApiSpec), used for the stored definition and for the
// snapshot taken at publication (core::Publication::spec_json). The format is Gatehouse's own,
// versioned by a "v" field; it is not a wire shape (the dialect views render the wire shapes).
#include <optional>
#include <string>
#include <string_view>

#include "core/api_model.hpp"

namespace gh::store {

std::string spec_to_json(const core::ApiSpec& spec);
// nullopt when `json` is not a spec this binary understands.
std::optional<core::ApiSpec> spec_from_json(std::string_view json);

}  // namespace gh::store
