#pragma once

#include <string>

namespace lossstudio::core {

/// Keeps freed tensor memory in the process instead of handing it back to the kernel after every
/// step. With glibc's defaults, the step's tensors (weights' gradients, activations: hundreds of
/// KiB to a few MiB each) were mmap'd or trimmed away on free and faulted in again on the next
/// step: 723,000 minor page faults and half the time of a big-MLP benchmark went to that. Sets
/// malloc's mmap threshold to its maximum (32 MiB: smaller blocks come from the heap) and its trim
/// threshold to 1 GiB (the heap is not shrunk until that much is free), and makes every thread
/// that allocates after the call use the main arena (a thread's own arena hands empty 64 MiB
/// heaps back to the kernel whatever the trim threshold: the studio's engine thread faulted its
/// step's memory in again every step). Call it before starting the threads that train.
/// Idempotent and thread-safe; Trainer::run and libtorchEngine() call it, so every executable
/// that trains gets it. Returns what it set, e.g. "glibc malloc: mmap threshold 32 MiB, trim
/// threshold 1024 MiB, one arena", or why nothing was set. The environment variable
/// LOSSSTUDIO_MALLOC=system leaves malloc as it is (for measuring the difference).
std::string configureAllocator();

}  // namespace lossstudio::core
