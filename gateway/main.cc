#include <iostream>

#include "gateway/cli/commands.h"

int main(int argc, char** argv) { return ogw::RunCli(argc, argv, std::cout, std::cerr); }
