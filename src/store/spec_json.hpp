#pragma once
// JSON form of an API definition (core::ApiSpec), used for the stored definition and for the
// snapshot taken at publication (core::Publication::spec_json). The format is Gatehouse's own,
// versioned by a "v" field; it is not a wire shape (the dialect views render the wire shapes).
#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_model.hpp"

namespace gh::store {

std::string spec_to_json(const core::ApiSpec& spec);
// The parameter arrays of a definition. The stored format and the management API's views (Huawei's
// field names) share them; if either ever renames a field, that side stops calling these.
boost::json::array req_params_json(const std::vector<core::ReqParam>& params);
boost::json::array backend_params_json(const std::vector<core::BackendParam>& params);
// nullopt when `json` is not a spec this binary understands.
std::optional<core::ApiSpec> spec_from_json(std::string_view json);

}  // namespace gh::store
