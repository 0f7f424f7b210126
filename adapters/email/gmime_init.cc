#include "adapters/email/gmime_init.h"

#include <gmime/gmime.h>

#include <mutex>

namespace ogw {

void InitGMime() {
  static std::once_flag once;
  // Never shut down: objects may still be alive in other threads when the process exits.
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace ogw
