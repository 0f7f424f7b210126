#pragma once

#include <iosfwd>

namespace ogw {

// The `outreach-gateway` command line: `serve` and the admin commands.
// Returns the process exit code. Output goes to `out`, diagnostics to `err`.
int RunCli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace ogw
