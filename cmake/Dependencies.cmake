# Every dependency comes from a Debian 12 package; scripts/install-deps installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)  # The bulletins' pages, compressed once in the cache.
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
# kainjow-mustache is a single header (kainjow/mustache.hpp).
find_path(MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# Debian 12's HiredisConfigVersion.cmake is broken; its pkg-config file is not.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# Debian 12's cmark CMake config needs the cmark command-line tool; pkg-config does not.
pkg_check_modules(CMARK REQUIRED IMPORTED_TARGET libcmark)
# GMime builds and parses e-mail (adapters/email); its imported includes count as system ones.
pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0)

# libphonenumber ships no CMake or pkg-config file on Debian 12.
find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h REQUIRED)
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
add_library(phonenumber::phonenumber UNKNOWN IMPORTED)
set_target_properties(phonenumber::phonenumber PROPERTIES
  IMPORTED_LOCATION ${PHONENUMBER_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${PHONENUMBER_INCLUDE_DIR})

if(OUTREACH_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(OUTREACH_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# jemalloc for the executables: the delivery worker allocates from many threads at once, where
# glibc's malloc spends a fifth of the CPU (docs/PERFORMANCE.md). Not with the sanitizers, which
# bring their own allocator.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
add_library(outreach_allocator INTERFACE)
if(NOT OUTREACH_SANITIZE)
  target_link_libraries(outreach_allocator INTERFACE PkgConfig::JEMALLOC)
endif()
