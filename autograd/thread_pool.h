// thread_pool.h — a small persistent pool of worker threads.
//
// Threads are created once (not per call) and wait on a condition variable.
// parallel_for(n, fn) runs fn(i) for i in [0, n) over the pool and the calling
// thread, and returns when all are done. With one thread it is a plain loop.
// The thread count comes from set_num_threads(), else the AET_THREADS environment
// variable, else the number of cores.
#pragma once
#include <cstddef>
#include <functional>

namespace aet {

int num_threads();
// n >= 1; throws std::invalid_argument otherwise.
void set_num_threads(int n);
void parallel_for(int n_tasks, const std::function<void(int task)>& fn);

// Runs fn(lo, hi) over [0, n) cut into one chunk per thread (edges at multiples of `align`,
// 16 by default so float vectors stay aligned), or as one chunk on the calling thread when
// n < min_n: too little work to repay waking the threads. Pass align = 1 when n counts
// something coarser than floats (blocks, rows): with n < 2 * 16 the default alignment would
// round every edge to 0 and leave all the work to one thread.
void parallel_chunks(size_t n, size_t min_n, const std::function<void(size_t lo, size_t hi)>& fn,
                     size_t align = 16);

}  // namespace aet
