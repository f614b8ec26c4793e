#include "lossstudio/storage/decimate.h"

#include <algorithm>
#include <cmath>

namespace lossstudio::storage {

MetricSeries decimateMinMax(const MetricSeries& series, int maxPoints) {
    maxPoints = std::max(maxPoints, 2);
    const qsizetype n = std::min(series.steps.size(), series.values.size());
    if (n <= maxPoints) {
        MetricSeries out = series;
        out.bucketWidth = 0;
        out.bucketOrigin = 0;
        return out;
    }
    const qint64 buckets = maxPoints / 2;
    const qint64 lo = static_cast<qint64>(std::llround(series.steps.first()));
    const qint64 hi = static_cast<qint64>(std::llround(series.steps.at(n - 1)));
    const qint64 span = hi - lo + 1;
    const qint64 width = std::max<qint64>(1, (span + buckets - 1) / buckets);

    MetricSeries out;
    out.key = series.key;
    out.bucketWidth = width;
    out.bucketOrigin = lo;
    out.steps.reserve(2 * buckets);
    out.values.reserve(2 * buckets);
    qsizetype i = 0;
    while (i < n) {
        const qint64 bucket = (static_cast<qint64>(std::llround(series.steps.at(i))) - lo) / width;
        qsizetype minAt = i;
        qsizetype maxAt = i;
        qsizetype j = i + 1;
        for (; j < n; ++j) {
            if ((static_cast<qint64>(std::llround(series.steps.at(j))) - lo) / width != bucket) {
                break;
            }
            if (series.values.at(j) < series.values.at(minAt)) {
                minAt = j;
            }
            if (series.values.at(j) > series.values.at(maxAt)) {
                maxAt = j;
            }
        }
        const qsizetype first = std::min(minAt, maxAt);
        const qsizetype second = std::max(minAt, maxAt);
        out.steps.push_back(series.steps.at(first));
        out.values.push_back(series.values.at(first));
        if (second != first) {
            out.steps.push_back(series.steps.at(second));
            out.values.push_back(series.values.at(second));
        }
        i = j;
    }
    return out;
}

}  // namespace lossstudio::storage
