#pragma once

#include <lossstudio/storage/types.h>

namespace lossstudio::storage {

/// Min/max decimation for display (never for export): splits the step range into at most
/// maxPoints / 2 equal buckets (bucketOrigin = first step, bucketWidth = ceil(span / buckets)) and
/// keeps, per bucket, the point with the smallest and the one with the largest value, in step
/// order, so spikes survive. Returns at most max(maxPoints, 2) points; a series that already fits
/// is returned unchanged (bucketWidth 0). Steps must be ascending integers. Thread-safe.
MetricSeries decimateMinMax(const MetricSeries& series, int maxPoints);

}  // namespace lossstudio::storage
