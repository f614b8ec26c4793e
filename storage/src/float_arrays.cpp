#include "lossstudio/storage/float_arrays.h"

#include <QtEndian>
#include <cstring>

namespace lossstudio::storage {
namespace {

constexpr char kMagic[4] = {'L', 'S', 'F', 'A'};
constexpr quint16 kVersion = 1;
constexpr int kFixedHeader = 4 + 2 + 2 + 4;

Error bad(const QString& why) {
    return Error{ErrorCode::Damaged, QStringLiteral("not a valid snapshot blob: %1").arg(why)};
}

}  // namespace

QByteArray encodeFloatArrays(const QVector<QVector<float>>& arrays) {
    qsizetype values = 0;
    for (const auto& a : arrays) {
        values += a.size();
    }
    QByteArray out;
    out.resize(kFixedHeader + 4 * arrays.size() + 4 * values);
    char* p = out.data();
    std::memcpy(p, kMagic, 4);
    qToLittleEndian<quint16>(kVersion, p + 4);
    qToLittleEndian<quint16>(0, p + 6);
    qToLittleEndian<quint32>(static_cast<quint32>(arrays.size()), p + 8);
    p += kFixedHeader;
    for (const auto& a : arrays) {
        qToLittleEndian<quint32>(static_cast<quint32>(a.size()), p);
        p += 4;
    }
    static_assert(sizeof(float) == 4, "float32 expected");
    for (const auto& a : arrays) {
        if (a.isEmpty()) {
            continue;  // an empty QVector may have no storage: never pass its null data on
        }
        qToLittleEndian<float>(a.constData(), a.size(), p);
        p += 4 * a.size();
    }
    return out;
}

Result<QVector<QVector<float>>> decodeFloatArrays(const QByteArray& blob) {
    if (blob.size() < kFixedHeader) {
        return bad(QStringLiteral("%1 bytes is shorter than the %2-byte header")
                       .arg(blob.size())
                       .arg(kFixedHeader));
    }
    const char* p = blob.constData();
    if (std::memcmp(p, kMagic, 4) != 0) {
        return bad(QStringLiteral("wrong magic (expected \"LSFA\")"));
    }
    const quint16 version = qFromLittleEndian<quint16>(p + 4);
    if (version != kVersion) {
        return bad(QStringLiteral("format version %1, this build reads version %2")
                       .arg(version)
                       .arg(kVersion));
    }
    const quint32 count = qFromLittleEndian<quint32>(p + 8);
    const qint64 available = blob.size() - kFixedHeader;
    if (qint64{count} * 4 > available) {
        return bad(QStringLiteral("%1 arrays announced, the blob is too short for their lengths")
                       .arg(count));
    }
    QVector<quint32> lengths(static_cast<qsizetype>(count));
    qint64 total = 0;
    for (quint32 i = 0; i < count; ++i) {
        lengths[i] = qFromLittleEndian<quint32>(p + kFixedHeader + 4 * i);
        total += lengths[i];
    }
    const qint64 expected = kFixedHeader + 4 * qint64{count} + 4 * total;
    if (expected != blob.size()) {
        return bad(QStringLiteral("the lengths need %1 bytes, the blob has %2")
                       .arg(expected)
                       .arg(blob.size()));
    }
    QVector<QVector<float>> arrays(static_cast<qsizetype>(count));
    const char* data = p + kFixedHeader + 4 * count;
    for (quint32 i = 0; i < count; ++i) {
        if (lengths[i] == 0) {
            continue;
        }
        arrays[i].resize(lengths[i]);
        qFromLittleEndian<float>(data, lengths[i], arrays[i].data());
        data += 4 * qint64{lengths[i]};
    }
    return arrays;
}

}  // namespace lossstudio::storage
