#include "lossstudio/core/memory.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace lossstudio::core {
namespace {

constexpr int kMiB = 1024 * 1024;
// glibc's upper bound for the mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX).
constexpr int kMmapThreshold = 32 * kMiB;
constexpr int kTrimThreshold = 1024 * kMiB;

std::string configureOnce() {
    const char* choice = std::getenv("LOSSSTUDIO_MALLOC");
    if (choice != nullptr && std::strcmp(choice, "system") == 0) {
        return "malloc left as it is (LOSSSTUDIO_MALLOC=system)";
    }
#if defined(__GLIBC__)
    const bool mmap = mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1;
    const bool trim = mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1;
    // One arena for every thread: a thread's own arena is made of heaps of at most 64 MiB that
    // are unmapped as soon as they are empty, whatever the trim threshold, so the engine thread's
    // step would fault its memory in again every time. Threads that allocated before this call
    // keep the arena they have; the engine's threads start later.
    const bool arenas = mallopt(M_ARENA_MAX, 1) == 1;
    if (mmap && trim && arenas) {
        return "glibc malloc: mmap threshold " + std::to_string(kMmapThreshold / kMiB) +
               " MiB, trim threshold " + std::to_string(kTrimThreshold / kMiB) + " MiB, one arena";
    }
    return "glibc malloc: mallopt refused the thresholds; freed memory may go back to the kernel";
#else
    return "not glibc: malloc left as it is";
#endif
}

}  // namespace

std::string configureAllocator() {
    static std::once_flag once;
    static std::string what;
    std::call_once(once, [] { what = configureOnce(); });
    return what;
}

}  // namespace lossstudio::core
