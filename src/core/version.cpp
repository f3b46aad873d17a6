#include "backstop/version.hpp"

namespace backstop {

std::string_view version() noexcept {
  return "0.1.0";
}

}  // namespace backstop
