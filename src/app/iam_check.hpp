#pragma once
// Adapts the IAM service to the data plane's IamCheck: an API with auth_type IAM accepts an
// X-Auth-Token or an AK/SK signature of a user who may read the API's project.
#include "gateway/authenticate.hpp"
#include "services/iam_service.hpp"

namespace gh::app {
gateway::IamCheck make_iam_check(services::IamService& iam);
}
