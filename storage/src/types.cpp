#include "lossstudio/storage/types.h"

namespace lossstudio::storage {
namespace {

struct StatusName {
    RunStatus status;
    const char* name;
};
constexpr StatusName kStatusNames[] = {
    {RunStatus::Running, "running"},   {RunStatus::Finished, "finished"},
    {RunStatus::Stopped, "stopped"},   {RunStatus::Failed, "failed"},
    {RunStatus::Diverged, "diverged"}, {RunStatus::Interrupted, "interrupted"},
};

}  // namespace

QString statusName(RunStatus status) {
    for (const StatusName& s : kStatusNames) {
        if (s.status == status) {
            return QString::fromLatin1(s.name);
        }
    }
    return QStringLiteral("unknown");
}

bool statusFromName(const QString& name, RunStatus* status) {
    for (const StatusName& s : kStatusNames) {
        if (name == QLatin1String(s.name)) {
            if (status != nullptr) {
                *status = s.status;
            }
            return true;
        }
    }
    return false;
}

}  // namespace lossstudio::storage
