#include "process_identity.h"

#include <QCoreApplication>
#include <QFile>
#include <QSysInfo>

#if defined(Q_OS_UNIX)
#include <cerrno>

#include <signal.h>
#include <unistd.h>
#endif

namespace lossstudio::storage::detail {
namespace {

QString readFirstLine(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromLatin1(file.readLine()).trimmed();
}

}  // namespace

QString localMachineId() {
    static const QString id = [] {
        const QByteArray machine = QSysInfo::machineUniqueId();
        return machine.isEmpty() ? QStringLiteral("host:") + QSysInfo::machineHostName()
                                 : QString::fromLatin1(machine);
    }();
    return id;
}

qint64 currentPid() {
    return QCoreApplication::applicationPid();
}

QString processIdentity(qint64 pid) {
    if (pid <= 0) {
        return {};
    }
#if defined(Q_OS_LINUX)
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return {};
    }
    const QByteArray line = stat.readAll();
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the
    // last ')'. Field 3 is the state, field 22 the start time in clock ticks since boot.
    const int close = line.lastIndexOf(')');
    if (close < 0) {
        return {};
    }
    const QList<QByteArray> fields = line.mid(close + 2).split(' ');
    if (fields.size() < 20) {
        return {};
    }
    const QByteArray state = fields.at(0);
    if (state == "Z" || state == "X" || state == "x") {
        return {};  // dead, not yet reaped by its parent
    }
    static const QString bootId = readFirstLine(QStringLiteral("/proc/sys/kernel/random/boot_id"));
    return bootId + QLatin1Char('/') + QString::fromLatin1(fields.at(19));
#elif defined(Q_OS_UNIX)
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) {
        return QStringLiteral("pid");
    }
    return {};
#else
    return QStringLiteral("unknown");  // cannot tell: treated as alive
#endif
}

bool writerMayBeAlive(const QString& machine, qint64 pid, const QString& identity) {
    if (pid <= 0) {
        return false;  // no writer recorded (e.g. a run copied by merge or an old schema)
    }
    if (machine != localMachineId()) {
        return true;
    }
    const QString now = processIdentity(pid);
    if (now.isEmpty()) {
        return false;
    }
    return identity.isEmpty() || now == identity;
}

}  // namespace lossstudio::storage::detail
