#pragma once

// GMime helpers shared by the e-mail adapters (never included from a public adapters header:
// no GMime type appears outside adapters/email/*.cc).

#include <glib-object.h>

#include <memory>

namespace ogw {

// Owns a GObject reference (GMimeMessage, GMimePart, GMimeStream, ...).
struct GObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <typename T>
using GRef = std::unique_ptr<T, GObjectUnref>;

// Owns memory GLib and GMime hand out to be g_free'd (strings, decoded bytes).
struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GChars = std::unique_ptr<char, GFree>;

// Initialises GMime for this process on the first call; later calls return at once.
// Thread-safe (g_mime_init itself is not). Every use of GMime in the adapters calls this first.
// GMime's charset, iconv and utils functions are then safe from any thread; its objects
// (messages, parts, streams) are not, so each must stay with the thread that made it.
void InitGMime();

}  // namespace ogw
