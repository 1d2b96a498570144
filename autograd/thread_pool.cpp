// thread_pool.cpp — the persistent worker pool behind parallel_for (see thread_pool.h).
//
// One pool per process, started on first use. Workers sleep on a condition variable;
// parallel_for publishes a job (a task count and a function) and the workers and the
// calling thread claim task indices one at a time until none are left.
//
// How a task is claimed: `ticket_` packs (job generation << 32 | next task index) into one
// 64-bit atomic. A thread claims task i of job g with a compare-and-swap from (g, i) to
// (g, i+1), so a worker that wakes late, after job g has finished and job g+1 has started,
// can never claim a task of the wrong job: its compare-and-swap fails. When a job ends the
// caller "closes" it (index = kClosed) before it touches the next job's fields.
//
// After a job, workers wait actively for a while before going back to sleep: a training
// step calls gemm many times in a row, with element-wise work between the calls, and
// waking a sleeping thread costs tens of microseconds (more in a virtual machine), as much
// as a whole small matrix product. The wait spins on `pause` only briefly, then calls
// sched_yield between checks: on an idle core that returns at once, but on a busy machine
// it hands the core to whoever else is runnable (another process, or our own calling
// thread when there are more threads than cores), instead of burning the time slice.
#include "autograd/thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace aet {
namespace {

constexpr uint32_t kClosed = 0xffffffffu;
// How long an idle thread waits actively before sleeping: the first kSpinPause on `pause`
// (lowest latency), the rest of kSpin yielding. Long enough to bridge the element-wise
// work between two matrix products of a training step (the optimizer step included).
constexpr auto kSpinPause = std::chrono::microseconds(50);
constexpr auto kSpin = std::chrono::microseconds(2000);

uint32_t generation_of(uint64_t ticket) { return uint32_t(ticket >> 32); }
uint32_t index_of(uint64_t ticket) { return uint32_t(ticket); }
uint64_t make_ticket(uint32_t generation, uint32_t index) {
    return (uint64_t(generation) << 32) | index;
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");  // ARM's spin-wait hint
#else
    std::this_thread::yield();
#endif
}

// Waits actively until pred() holds or kSpin has passed; returns pred().
template <typename Pred>
bool spin_until(Pred pred) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 1;; ++i) {
        if (pred()) return true;
        cpu_relax();
        if (i % 64 != 0) continue;
        const auto waited = std::chrono::steady_clock::now() - start;
        if (waited > kSpin) return pred();
        if (waited > kSpinPause) std::this_thread::yield();
    }
}

// Reads AET_THREADS, else the core count.
int default_thread_count() {
    if (const char* env = std::getenv("AET_THREADS"); env != nullptr) {
        char* end = nullptr;
        const long n = std::strtol(env, &end, 10);
        if (end == env || *end != '\0' || n < 1 || n > 1024)
            throw std::invalid_argument("AET_THREADS='" + std::string(env) +
                                        "' is not a thread count (expected an integer 1..1024)");
        return int(n);
    }
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : int(cores);
}

// True inside a task: a nested parallel_for then runs as a plain loop.
thread_local bool t_inside_task = false;

class Pool {
public:
    ~Pool() { stop_workers(); }

    int size() { return resolved_size(); }

    void resize(int n) {
        if (t_inside_task)
            throw std::logic_error("set_num_threads: cannot be called from inside parallel_for");
        std::lock_guard<std::mutex> lock(submit_);
        size_.store(n);
        if (started_) {  // restart with the new count; otherwise wait for first use
            stop_workers();
            start_workers();
        }
    }

    void run(int n_tasks, const std::function<void(int)>& fn) {
        if (n_tasks <= 0) return;
        if (t_inside_task || n_tasks == 1 || resolved_size() == 1) return serial(n_tasks, fn);
        // Another thread is submitting a job: do this one here, in order.
        std::unique_lock<std::mutex> submit(submit_, std::try_to_lock);
        if (!submit.owns_lock()) return serial(n_tasks, fn);
        if (!started_) start_workers();

        fn_ = &fn;
        error_ = nullptr;
        n_tasks_.store(n_tasks, std::memory_order_relaxed);
        pending_.store(n_tasks, std::memory_order_relaxed);
        const uint32_t g = generation_of(ticket_.load(std::memory_order_relaxed)) + 1;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ticket_.store(make_ticket(g, 0), std::memory_order_release);
        }
        wake_.notify_all();

        drain(g);
        if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
        }
        ticket_.store(make_ticket(g, kClosed), std::memory_order_release);
        fn_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    int resolved_size() {
        int n = size_.load(std::memory_order_acquire);
        if (n != 0) return n;
        int resolved = default_thread_count();  // may throw for a bad AET_THREADS
        size_.compare_exchange_strong(n, resolved);  // keeps a set_num_threads that won the race
        return size_.load(std::memory_order_acquire);
    }

    static void serial(int n_tasks, const std::function<void(int)>& fn) {
        for (int i = 0; i < n_tasks; ++i) fn(i);
    }

    // Claims and runs tasks of job g until none are left.
    void drain(uint32_t g) {
        for (;;) {
            uint64_t t = ticket_.load(std::memory_order_acquire);
            if (generation_of(t) != g) return;
            const uint32_t i = index_of(t);
            if (i >= uint32_t(n_tasks_.load(std::memory_order_acquire))) return;
            if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel)) continue;
            run_task(int(i));
        }
    }

    void run_task(int i) {
        t_inside_task = true;
        try {
            (*fn_)(i);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
        t_inside_task = false;
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            { std::lock_guard<std::mutex> lock(mutex_); }  // the caller is waiting or about to
            done_.notify_one();
        }
    }

    void worker_loop(uint32_t seen) {
        for (;;) {
            auto news = [&] {
                return stop_.load(std::memory_order_acquire) ||
                       generation_of(ticket_.load(std::memory_order_acquire)) != seen;
            };
            if (!spin_until(news)) {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, news);
            }
            if (stop_.load(std::memory_order_acquire)) return;
            seen = generation_of(ticket_.load(std::memory_order_acquire));
            drain(seen);
        }
    }

    void start_workers() {
        stop_.store(false);
        const uint32_t seen = generation_of(ticket_.load(std::memory_order_acquire));
        for (int i = 1; i < resolved_size(); ++i)
            workers_.emplace_back([this, seen] { worker_loop(seen); });
        started_ = true;
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_.store(true, std::memory_order_release);
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    std::mutex submit_;  // one job at a time; guards started_, workers_, resizing
    std::atomic<int> size_{0};  // total threads including the caller; 0 = not resolved yet
    bool started_ = false;
    std::vector<std::thread> workers_;

    std::mutex mutex_;  // for sleeping and waking
    std::condition_variable wake_;
    std::condition_variable done_;
    std::atomic<bool> stop_{false};

    std::atomic<uint64_t> ticket_{make_ticket(0, kClosed)};
    std::atomic<int> n_tasks_{0};
    std::atomic<int> pending_{0};  // tasks not yet finished
    const std::function<void(int)>* fn_ = nullptr;  // read only while holding a claimed task
    std::exception_ptr error_;
};

Pool& pool() {
    static Pool p;
    return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
    if (n < 1)
        throw std::invalid_argument("set_num_threads: thread count must be >= 1, got " +
                                    std::to_string(n));
    pool().resize(n);
}

void parallel_for(int n_tasks, const std::function<void(int task)>& fn) { pool().run(n_tasks, fn); }

void parallel_chunks(size_t n, size_t min_n, const std::function<void(size_t lo, size_t hi)>& fn,
                     size_t align) {
    const int threads = n < min_n ? 1 : num_threads();
    if (threads == 1) return fn(0, n);
    parallel_for(threads, [&](int t) {
        const size_t lo = n * t / threads / align * align;
        const size_t hi = t + 1 == threads ? n : n * (t + 1) / threads / align * align;
        fn(lo, hi);
    });
}

}  // namespace aet
