#include "adapters/provider.h"

namespace ogw {

std::string_view OutcomeName(SendResult::Outcome outcome) {
  switch (outcome) {
    case SendResult::Outcome::kAccepted:
      return "accepted";
    case SendResult::Outcome::kTransient:
      return "transient";
    case SendResult::Outcome::kPermanent:
      return "permanent";
    case SendResult::Outcome::kOptedOut:
      return "opted_out";
  }
  return "transient";  // Unreachable for valid enumerators; keeps -Wreturn-type quiet.
}

}  // namespace ogw
