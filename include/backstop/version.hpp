// The library's version string. Cold; any thread.
#pragma once

#include <string_view>

namespace backstop {

std::string_view version() noexcept;

}  // namespace backstop
