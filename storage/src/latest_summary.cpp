#include "latest_summary.h"

#include <QtEndian>
#include <cstring>

namespace lossstudio::storage::detail {
namespace {

constexpr char kMagic[4] = {'L', 'S', 'L', 'M'};
constexpr quint8 kVersion = 1;
constexpr int kHeader = 4 + 1 + 4;

}  // namespace

QByteArray encodeLatestSummary(const QMap<QString, LatestMetric>& latest) {
    QByteArray out;
    out.reserve(kHeader + latest.size() * 40);
    out.append(kMagic, 4);
    out.append(static_cast<char>(kVersion));
    char word[8];
    qToLittleEndian<quint32>(static_cast<quint32>(latest.size()), word);
    out.append(word, 4);
    for (auto it = latest.cbegin(); it != latest.cend(); ++it) {
        const QByteArray key = it.key().toUtf8().left(0xffff);
        qToLittleEndian<quint16>(static_cast<quint16>(key.size()), word);
        out.append(word, 2);
        out.append(key);
        qToLittleEndian<qint64>(it.value().step, word);
        out.append(word, 8);
        qToLittleEndian<double>(it.value().value, word);
        out.append(word, 8);
    }
    return out;
}

bool decodeLatestSummary(const QByteArray& blob, const QStringList& keys,
                         QHash<QByteArray, QString>& interned, QMap<QString, LatestMetric>* out) {
    const char* p = blob.constData();
    const char* end = p + blob.size();
    if (blob.size() < kHeader || std::memcmp(p, kMagic, 4) != 0 ||
        static_cast<quint8>(p[4]) != kVersion) {
        return false;
    }
    const quint32 count = qFromLittleEndian<quint32>(p + 5);
    p += kHeader;
    for (quint32 i = 0; i < count; ++i) {
        if (end - p < 2) {
            return false;
        }
        const quint16 length = qFromLittleEndian<quint16>(p);
        p += 2;
        if (end - p < length + 16) {
            return false;
        }
        const QByteArray raw = QByteArray::fromRawData(p, length);
        auto found = interned.constFind(raw);
        if (found == interned.cend()) {
            found = interned.insert(QByteArray(p, length), QString::fromUtf8(p, length));
        }
        p += length;
        const qint64 step = qFromLittleEndian<qint64>(p);
        const double value = qFromLittleEndian<double>(p + 8);
        p += 16;
        if (keys.isEmpty() || keys.contains(found.value())) {
            out->insert(found.value(), LatestMetric{step, value});
        }
    }
    return p == end;
}

}  // namespace lossstudio::storage::detail
