#pragma once

#include <QStringList>

namespace lossstudio::app {

/// Sub-commands of lossstudio-cli. Each receives its own arguments (after the sub-command name),
/// prints what it did and returns the process exit code (0 success, 1 failure, 2 usage error).
int runCommand(const QStringList& args);     // cli_run.cpp: run CONFIG.json [--set k=v ...]
int configCommand(const QStringList& args);  // cli_run.cpp: config --defaults | --keys | --check FILE
int runsCommand(const QStringList& args);    // cli_runs.cpp: runs list|show|export|delete|merge
int sweepCommand(const QStringList& args);   // cli_sweep.cpp: sweep plan GRID.json

}  // namespace lossstudio::app
