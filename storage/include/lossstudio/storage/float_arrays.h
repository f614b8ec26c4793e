#pragma once

#include <QByteArray>
#include <QVector>

#include <lossstudio/storage/result.h>

namespace lossstudio::storage {

/// The BLOB format of snapshots, version 1, all little-endian:
///   4 bytes magic "LSFA", uint16 version (1), uint16 reserved (0), uint32 array count n,
///   n x uint32 array lengths, then every array's float32 values in order.
/// Thread-safe (pure functions).
QByteArray encodeFloatArrays(const QVector<QVector<float>>& arrays);

/// Decodes encodeFloatArrays() output. A wrong magic, an unknown version or sizes that do not
/// match the blob's length give an Error (ErrorCode::Damaged) saying which.
Result<QVector<QVector<float>>> decodeFloatArrays(const QByteArray& blob);

}  // namespace lossstudio::storage
