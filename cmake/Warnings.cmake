# Project-wide warning flags; applied to our targets through outreach_warnings.
add_library(outreach_warnings INTERFACE)
target_compile_options(outreach_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference
  -Wimplicit-fallthrough)
if(OUTREACH_SANITIZE)
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::regex, std::function)
  # when sanitizers are on; the same code is clean without them.
  target_compile_options(outreach_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # The embedded OpenAPI document is one string constant longer than the 65,536 characters
  # the standard requires compilers to take; Clang and GCC take it.
  target_compile_options(outreach_warnings INTERFACE -Wno-overlength-strings)
endif()
if(OUTREACH_WERROR)
  target_compile_options(outreach_warnings INTERFACE -Werror)
endif()
