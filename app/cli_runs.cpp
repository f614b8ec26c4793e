#include <cstdio>

#include "cli_commands.h"

namespace lossstudio::app {

// Replaced by the run-store implementation (issue #4).
int runsCommand(const QStringList&) {
    std::fputs("lossstudio-cli runs: the run store is not built yet\n", stderr);
    return 1;
}

}  // namespace lossstudio::app
