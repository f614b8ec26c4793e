#pragma once

#include <QString>

namespace lossstudio::storage::detail {

/// This machine, for deciding whether a writer's pid can be checked from here: the systemd /
/// D-Bus machine id, or the host name when there is none.
QString localMachineId();

/// This process's pid.
qint64 currentPid();

/// "<boot id>/<start time in clock ticks>" of a live process on this machine, from
/// /proc/<pid>/stat; empty when there is no such process or it is a zombie. Together with the pid
/// it names one process across pid reuse and reboots. Off Linux: "pid" while kill(pid, 0) says
/// the process exists.
QString processIdentity(qint64 pid);

/// Whether the writer recorded as (machine, pid, identity) may still be writing: false when it
/// provably is not (same machine and the process is gone or was replaced), true when it is alive
/// or cannot be checked (another machine).
bool writerMayBeAlive(const QString& machine, qint64 pid, const QString& identity);

}  // namespace lossstudio::storage::detail
