#pragma once

namespace ogw {

// Initialises GMime for this process on the first call; later calls return at once.
// Thread-safe (g_mime_init itself is not). Every use of GMime in the adapters calls this first.
// GMime's charset, iconv and utils functions are then safe from any thread; its objects
// (messages, parts, streams) are not, so each must stay with the thread that made it.
void InitGMime();

}  // namespace ogw
