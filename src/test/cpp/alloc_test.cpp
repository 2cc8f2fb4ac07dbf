// Tests of the caching allocator (alloc.hpp) against a fake raw source that records its calls, can run out of a
// byte budget, and hands out memory that is 64-byte aligned but deliberately not 128-byte aligned.
// `alloc_test` runs every test; `alloc_test --bench` times the steady-state pattern against aligned_alloc/free.
#include "alloc.hpp"
#include "check.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

using namespace tdsr;

namespace {

constexpr size_t KiB = size_t(1) << 10;
constexpr size_t MiB = size_t(1) << 20;

struct FakeRaw : RawAllocator {
    size_t budget = SIZE_MAX;  // allocate fails once outstanding + bytes would exceed it
    size_t offset = 64;        // the returned pointer is base + offset: 64-aligned, not 128-aligned
    size_t outstanding = 0;
    uint64_t allocate_calls = 0, failed_calls = 0, release_calls = 0, bad_releases = 0;
    std::map<char*, std::pair<void*, size_t>> live;  // returned pointer -> (base, bytes)
    mutable std::mutex mutex;  // the allocator serializes its calls; this guards the test's own reads

    ~FakeRaw() override {
        for (auto& kv : live) std::free(kv.second.first);
    }
    void* allocate(size_t bytes) override {
        std::lock_guard<std::mutex> lock(mutex);
        ++allocate_calls;
        if (bytes > budget - outstanding) {
            ++failed_calls;
            return nullptr;
        }
        const size_t total = (bytes + offset + 4095) / 4096 * 4096;
        void* base = std::aligned_alloc(4096, total);
        if (!base) return nullptr;
        char* p = static_cast<char*>(base) + offset;
        live[p] = {base, bytes};
        outstanding += bytes;
        return p;
    }
    void release(void* ptr, size_t bytes) override {
        std::lock_guard<std::mutex> lock(mutex);
        ++release_calls;
        auto it = live.find(static_cast<char*>(ptr));
        if (it == live.end() || it->second.second != bytes) {
            ++bad_releases;
            return;
        }
        outstanding -= bytes;
        std::free(it->second.first);
        live.erase(it);
    }
    size_t free_bytes() const override {
        std::lock_guard<std::mutex> lock(mutex);
        return budget == SIZE_MAX ? SIZE_MAX : budget - outstanding;
    }
    const char* name() const override { return "fake"; }
};

bool aligned64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

// The steady-state pattern: 50 tensor sizes, log-uniform from 2 KB to 40 MB, some not multiples of 512.
std::vector<size_t> step_sizes(uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(std::log(2e3), std::log(40e6));
    std::vector<size_t> sizes;
    for (int i = 0; i < 50; ++i) sizes.push_back(static_cast<size_t>(std::exp(u(rng))));
    return sizes;
}

// Live blocks must not overlap.
void check_disjoint(CachingAllocator& a, const std::vector<void*>& ptrs) {
    std::vector<std::pair<char*, size_t>> v;
    for (void* p : ptrs) v.emplace_back(static_cast<char*>(p), a.block_size(p));
    std::sort(v.begin(), v.end());
    for (size_t i = 1; i < v.size(); ++i) CHECK(v[i - 1].first + v[i - 1].second <= v[i].first);
}

void test_rounding_and_alignment() {
    struct Case {
        size_t request, block;
    };
    // Large blocks: the segment is the request rounded to 2 MiB; a remainder <= 1 MiB is not split off.
    const Case cases[] = {{1, 512},           {63, 512},           {512, 512},          {513, 1024},
                          {4097, 4608},       {MiB - 1, MiB},      {MiB, MiB},          {MiB + 1, 2 * MiB},
                          {2 * MiB + MiB / 2, 2 * MiB + MiB / 2},  {3 * MiB + 5, 4 * MiB},
                          {11 * MiB + 1, 12 * MiB},               {41 * MiB, 42 * MiB}};
    for (const Case& c : cases) {
        FakeRaw raw;
        CachingAllocator a(raw);
        void* p = a.allocate(c.request);
        CHECK(p != nullptr);
        CHECK(aligned64(p));
        CHECK_EQ(a.block_size(p), c.block);
        CHECK_EQ(a.stats().allocated_bytes, uint64_t(c.block));
        CHECK_EQ(raw.outstanding, c.request <= MiB ? 2 * MiB : (c.request + 2 * MiB - 1) / (2 * MiB) * (2 * MiB));
        a.free(p);
    }
    // Many random sizes alive at once, split out of shared segments: all aligned, all disjoint.
    FakeRaw raw;
    CachingAllocator a(raw);
    std::mt19937 rng(1);
    std::vector<void*> ptrs;
    for (int i = 0; i < 2000; ++i) {
        const size_t n = rng() % (i % 10 == 0 ? 4 * MiB : 64 * KiB);
        void* p = a.allocate(n);
        CHECK(aligned64(p));
        CHECK(a.block_size(p) >= n && a.block_size(p) % 512 == 0);
        ptrs.push_back(p);
    }
    check_disjoint(a, ptrs);
    for (void* p : ptrs) a.free(p);
    CHECK_EQ(a.stats().allocated_bytes, uint64_t(0));
}

void test_cache_hit_reuse() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* p = a.allocate(1000);
    a.free(p);
    void* q = a.allocate(1000);
    CHECK(q == p);
    void* big = a.allocate(5 * MiB);
    a.free(big);
    void* big2 = a.allocate(5 * MiB);
    CHECK(big2 == big);
    const AllocatorStats s = a.stats();
    CHECK_EQ(s.raw_allocations, uint64_t(2));
    CHECK_EQ(raw.allocate_calls, uint64_t(2));
    CHECK_EQ(s.requests, uint64_t(4));
    CHECK_EQ(s.cache_hits, uint64_t(2));
    CHECK_EQ(s.raw_releases, uint64_t(0));  // free never returns memory to the raw source
    a.free(q);
    a.free(big2);
    CHECK_EQ(raw.release_calls, uint64_t(0));
}

void test_steady_state() {
    FakeRaw raw;
    CachingAllocator a(raw);
    const std::vector<size_t> sizes = step_sizes(42);
    std::mt19937 rng(7);
    uint64_t after_first = 0;
    for (int iter = 0; iter < 10; ++iter) {
        std::vector<void*> ptrs;
        for (size_t n : sizes) {
            void* p = a.allocate(n);
            static_cast<char*>(p)[0] = 1;  // touch the ends: ASan flags a block handed out while poisoned
            static_cast<char*>(p)[n - 1] = 1;
            ptrs.push_back(p);
        }
        check_disjoint(a, ptrs);
        std::shuffle(ptrs.begin(), ptrs.end(), rng);  // a different free order every step
        for (void* p : ptrs) a.free(p);
        CHECK_EQ(a.stats().allocated_bytes, uint64_t(0));
        if (iter == 0) after_first = a.stats().raw_allocations;
    }
    const AllocatorStats s = a.stats();
    CHECK(after_first > 0);
    CHECK_EQ(s.raw_allocations, after_first);
    CHECK_EQ(s.cache_hits, uint64_t(9 * 50) + (50 - after_first));  // first step: everything not a new segment
    CHECK_EQ(s.raw_releases, uint64_t(0));
    a.empty_cache();
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
    CHECK_EQ(raw.outstanding, size_t(0));
}

void test_split_small() {
    FakeRaw raw;
    CachingAllocator a(raw);
    char* p = static_cast<char*>(a.allocate(4096));
    AllocatorStats s = a.stats();
    CHECK_EQ(s.raw_allocations, uint64_t(1));
    CHECK_EQ(s.reserved_bytes, uint64_t(2 * MiB));
    CHECK_EQ(s.splits, uint64_t(1));
    // The rest of the segment serves further small requests, packed from the low end.
    char* q = static_cast<char*>(a.allocate(4096));
    CHECK(q == p + 4096);
    char* r = static_cast<char*>(a.allocate(MiB));
    CHECK(r == p + 8192);
    char* t = static_cast<char*>(a.allocate(MiB - 8192));  // exactly the remainder: no split
    CHECK(t == p + 8192 + MiB);
    s = a.stats();
    CHECK_EQ(s.raw_allocations, uint64_t(1));
    CHECK_EQ(s.splits, uint64_t(3));
    CHECK_EQ(s.allocated_bytes, uint64_t(2 * MiB));
    void* u = a.allocate(512);  // the segment is full now
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    for (void* x : {static_cast<void*>(p), static_cast<void*>(q), static_cast<void*>(r), static_cast<void*>(t), u})
        a.free(x);
}

void test_merge_any_order() {
    std::vector<int> order = {0, 1, 2, 3};
    int permutations = 0;
    do {
        ++permutations;
        // Large pool: four 2 MiB blocks split out of one 8 MiB segment.
        {
            FakeRaw raw;
            CachingAllocator a(raw);
            char* base = static_cast<char*>(a.allocate(8 * MiB));
            a.free(base);
            void* b[4];
            for (auto& x : b) {
                x = a.allocate(2 * MiB);
                CHECK(static_cast<char*>(x) >= base && static_cast<char*>(x) < base + 8 * MiB);
            }
            CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
            const uint64_t merges = a.stats().merges;
            for (int i : order) a.free(b[i]);
            CHECK_EQ(a.stats().merges - merges, uint64_t(3));  // 4 frees end as 1 free block: 3 merges
            void* whole = a.allocate(8 * MiB);
            CHECK(whole == base);
            CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
            a.free(whole);
        }
        // Small pool: four 512 KiB blocks filling one 2 MiB segment.
        {
            FakeRaw raw;
            CachingAllocator a(raw);
            void* b[4];
            for (auto& x : b) x = a.allocate(512 * KiB);
            CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
            for (int i : order) a.free(b[i]);
            // The segment is whole again: two 1 MiB halves fit with no raw call ...
            void* h1 = a.allocate(MiB);
            void* h2 = a.allocate(MiB);
            CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
            CHECK(std::min(h1, h2) == std::min({b[0], b[1], b[2], b[3]}));
            a.free(h2);
            a.free(h1);
            // ... and empty_cache, which releases only whole free segments, gives it back.
            a.empty_cache();
            CHECK_EQ(a.stats().raw_releases, uint64_t(1));
            CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
        }
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK_EQ(permutations, 24);
}

void test_fragmentation() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* b[8];
    for (auto& x : b) x = a.allocate(256 * KiB);  // 8 x 256 KiB fill one 2 MiB segment
    CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
    for (int i = 0; i < 8; i += 2) a.free(b[i]);  // four 256 KiB holes, none adjacent
    CHECK_EQ(a.stats().allocated_bytes, uint64_t(4 * 256 * KiB));
    CHECK_EQ(a.stats().merges, uint64_t(0));
    void* small = a.allocate(200 * KiB);  // fits a hole
    CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
    void* wide = a.allocate(512 * KiB);  // larger than any hole: a new segment
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    char* seg0 = static_cast<char*>(std::min({b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]}));
    CHECK(static_cast<char*>(wide) < seg0 || static_cast<char*>(wide) >= seg0 + 2 * MiB);
    a.empty_cache();  // both segments hold live blocks: nothing to release
    CHECK_EQ(a.stats().raw_releases, uint64_t(0));
    a.free(small);
    a.free(wide);
    for (int i = 1; i < 8; i += 2) a.free(b[i]);
    AllocatorStats s = a.stats();
    CHECK_EQ(s.allocated_bytes, uint64_t(0));
    CHECK_EQ(s.reserved_bytes, uint64_t(4 * MiB));
    a.empty_cache();
    s = a.stats();
    CHECK_EQ(s.reserved_bytes, uint64_t(0));
    CHECK_EQ(s.raw_releases, s.raw_allocations);
    CHECK_EQ(raw.bad_releases, uint64_t(0));
    CHECK(raw.live.empty());
}

void test_oversize_bound() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* huge = a.allocate(64 * MiB);
    a.free(huge);
    void* small = a.allocate(2 * MiB);  // 64 MiB > 2 MiB + 20 MiB slack: not reused
    CHECK(small != huge);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    void* big = a.allocate(50 * MiB);  // within the slack: reused and split (14 MiB left)
    CHECK(big == huge);
    CHECK_EQ(a.block_size(big), 50 * MiB);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    void* rest = a.allocate(14 * MiB);
    CHECK(static_cast<char*>(rest) == static_cast<char*>(huge) + 50 * MiB);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    a.free(small);
    a.free(big);
    a.free(rest);
}

void test_stream_separation() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* p1 = a.allocate(4096, 1);
    a.free(p1);
    void* p2 = a.allocate(4096, 2);  // stream 1's segment (whole and free) is not used for stream 2
    CHECK(p2 != p1);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(2));
    void* p3 = a.allocate(4096, 1);
    CHECK(p3 == p1);
    void* l1 = a.allocate(4 * MiB, 1);
    a.free(l1);
    void* l0 = a.allocate(4 * MiB);  // the default stream is a stream like any other
    CHECK(l0 != l1);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(4));
    void* l1b = a.allocate(4 * MiB, 1);
    CHECK(l1b == l1);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(4));
    for (void* p : {p2, p3, l0, l1b}) a.free(p);
}

// A graph pool (alloc.hpp): its blocks serve only its own requests, empty_cache and the OOM flush keep its free
// segments while it is retained, and release_pool gives them back at once.
void test_graph_pool_retained() {
    FakeRaw raw;
    raw.budget = 8 * MiB;
    CachingAllocator a(raw);
    const StreamId stream = 1, pool = (StreamId(1) << 63) | 1;
    a.retain(pool);
    void* g = a.allocate(3 * MiB, pool);  // a captured step's temporary: freed inside the capture
    a.free(g);
    void* s = a.allocate(3 * MiB, stream);  // other work on the stream never gets the graph's block
    CHECK(s != g);
    a.free(s);
    a.empty_cache();  // releases the stream's segment only
    CHECK_EQ(a.stats().raw_releases, uint64_t(1));
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(4 * MiB));
    bool oom = false;
    try {
        a.allocate(6 * MiB, stream);  // the flush may not take the retained segment: 4 MiB left of the budget
    } catch (const OutOfMemory&) {
        oom = true;
    }
    CHECK(oom);
    void* again = a.allocate(3 * MiB, pool);  // the replayed step's request is served from its own cache
    CHECK(again == g);
    a.free(again);
    a.release_pool(pool);
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
    void* big = a.allocate(6 * MiB, stream);  // the budget is whole again
    CHECK(big != nullptr);
    a.free(big);
}

void test_oom_flush_retry() {
    FakeRaw raw;
    raw.budget = 8 * MiB;
    CachingAllocator a(raw);
    void* x = a.allocate(3 * MiB);  // two 4 MiB segments: the budget is spent
    void* y = a.allocate(3 * MiB);
    a.free(x);
    a.free(y);
    void* z = a.allocate(6 * MiB);  // no cached block fits; raw fails; flushing both segments makes room
    CHECK(z != nullptr);
    const AllocatorStats s = a.stats();
    CHECK_EQ(s.oom_flushes, uint64_t(1));
    CHECK_EQ(s.raw_releases, uint64_t(2));
    CHECK_EQ(s.raw_allocations, uint64_t(3));
    CHECK_EQ(s.reserved_bytes, uint64_t(6 * MiB));
    CHECK_EQ(raw.failed_calls, uint64_t(1));
    a.free(z);
}

void test_oom_exhausted() {
    FakeRaw raw;
    raw.budget = 8 * MiB;
    CachingAllocator a(raw);
    void* big = a.allocate(6 * MiB);
    bool thrown = false;
    try {
        a.allocate(4 * MiB);
    } catch (const OutOfMemory& e) {
        thrown = true;
        CHECK_EQ(e.requested, 4 * MiB);
        CHECK_EQ(e.free, 2 * MiB);
        const std::string m = e.what();
        CHECK_EQ(m, std::string("cannot allocate 4194304 bytes on fake: 6.0 MiB allocated, 6.0 MiB reserved, "
                                "2.0 MiB free"));
    }
    CHECK(thrown);
    CHECK_EQ(a.stats().oom_flushes, uint64_t(0));  // nothing was cached, so there was nothing to flush and retry
    CHECK_EQ(a.stats().allocated_bytes, uint64_t(6 * MiB));
    // Still usable: a small segment fits the remaining budget, and a failed request left no trace.
    void* s = a.allocate(1000);
    CHECK(s != nullptr);
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(8 * MiB));
    // Absurd sizes fail cleanly instead of overflowing the rounding.
    CHECK_THROWS(a.allocate(SIZE_MAX), OutOfMemory);
    CHECK_THROWS(a.allocate(SIZE_MAX / 2 + 1), OutOfMemory);
    a.free(s);
    a.free(big);
    CHECK_EQ(a.stats().allocated_bytes, uint64_t(0));
    // With cached segments that don't help, the flush happens, and the error still comes.
    CHECK_THROWS(a.allocate(9 * MiB), OutOfMemory);
    CHECK_EQ(a.stats().oom_flushes, uint64_t(1));
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
    void* again = a.allocate(8 * MiB);
    CHECK(again != nullptr);
    a.free(again);
}

void test_oom_oversize_fallback() {
    FakeRaw raw;
    raw.budget = 24 * MiB;
    AllocatorConfig config;
    config.large_slack = 4 * MiB;
    CachingAllocator a(raw, config);
    void* seg = a.allocate(24 * MiB);
    a.free(seg);
    void* a20 = a.allocate(20 * MiB);  // 24 <= 20 + 4: split, 4 MiB left
    void* b4 = a.allocate(4 * MiB);    // takes the rest exactly
    CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
    a.free(a20);  // a 20 MiB hole in a segment that is still in use
    // 20 MiB > 2 MiB + 4 MiB slack, the budget is spent and nothing can be flushed: the hole is the last resort.
    void* c2 = a.allocate(2 * MiB);
    CHECK(c2 == a20);
    CHECK_EQ(a.stats().raw_allocations, uint64_t(1));
    CHECK_EQ(a.stats().oom_flushes, uint64_t(0));
    a.free(c2);
    a.free(b4);
}

void test_peaks() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* x = a.allocate(4 * MiB);
    void* y = a.allocate(8 * MiB);
    AllocatorStats s = a.stats();
    CHECK_EQ(s.peak_allocated_bytes, uint64_t(12 * MiB));
    CHECK_EQ(s.peak_reserved_bytes, uint64_t(12 * MiB));
    a.free(x);
    s = a.stats();
    CHECK_EQ(s.allocated_bytes, uint64_t(8 * MiB));
    CHECK_EQ(s.peak_allocated_bytes, uint64_t(12 * MiB));
    a.reset_peaks();
    s = a.stats();
    CHECK_EQ(s.peak_allocated_bytes, uint64_t(8 * MiB));
    CHECK_EQ(s.peak_reserved_bytes, uint64_t(12 * MiB));  // x's segment is still cached
    a.empty_cache();
    a.reset_peaks();
    CHECK_EQ(a.stats().peak_reserved_bytes, uint64_t(8 * MiB));
    void* z = a.allocate(MiB);
    CHECK_EQ(a.stats().peak_allocated_bytes, uint64_t(9 * MiB));
    CHECK_EQ(a.stats().peak_reserved_bytes, uint64_t(10 * MiB));
    CHECK_EQ(a.describe(), std::string("fake: allocated 9.0 MiB, reserved 10.0 MiB, peak 10.0 MiB, 3 raw allocations"));
    a.free(y);
    a.free(z);
}

void test_unknown_pointer() {
    FakeRaw raw;
    CachingAllocator a(raw);
    a.free(nullptr);  // no-op
    int local = 0;
    CHECK_THROWS(a.free(&local), std::invalid_argument);
    char* p = static_cast<char*>(a.allocate(4096));
    CHECK_THROWS(a.free(p + 512), std::invalid_argument);  // interior pointer
    CHECK_THROWS(a.block_size(p + 512), std::invalid_argument);
    a.free(p);
    CHECK_THROWS(a.free(p), std::invalid_argument);  // double free
    CHECK_THROWS(a.block_size(p), std::invalid_argument);
    const AllocatorStats s = a.stats();
    CHECK_EQ(s.allocated_bytes, uint64_t(0));
    CHECK_EQ(s.merges, uint64_t(1));  // only the real free merged (with the segment's rest)
}

void test_concurrent() {
    FakeRaw raw;
    CachingAllocator a(raw);
    constexpr int kThreads = 4, kOps = 4000;
    std::atomic<int> failures{0};
    std::atomic<uint64_t> allocations{0};
    auto worker = [&](int t) {
        std::mt19937 rng(100 + t);
        const StreamId stream = t % 2 ? StreamId(t) : 0;  // two threads share the default stream
        struct Live {
            uint64_t* p;
            size_t n;
            uint64_t tag;
        };
        std::vector<Live> live;
        uint64_t tag = uint64_t(t) << 32;
        for (int op = 0; op < kOps; ++op) {
            if (live.size() < 64 && (live.empty() || rng() % 2)) {
                const size_t n = rng() % 20 == 0 ? 8 + rng() % (6 * MiB) : 8 + rng() % (128 * KiB);
                auto* p = static_cast<uint64_t*>(a.allocate(n, stream));
                p[0] = ++tag;  // tags at both ends: an overlap with another thread's block would clobber them
                p[n / 8 - 1] = tag;
                live.push_back({p, n, tag});
                ++allocations;
            } else {
                const size_t i = rng() % live.size();
                const Live l = live[i];
                if (l.p[0] != l.tag || l.p[l.n / 8 - 1] != l.tag) ++failures;
                a.free(l.p);
                live[i] = live.back();
                live.pop_back();
            }
        }
        for (const Live& l : live) {
            if (l.p[0] != l.tag || l.p[l.n / 8 - 1] != l.tag) ++failures;
            a.free(l.p);
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
    for (auto& th : threads) th.join();
    CHECK_EQ(failures.load(), 0);
    AllocatorStats s = a.stats();
    CHECK_EQ(s.allocated_bytes, uint64_t(0));
    CHECK_EQ(s.requests, allocations.load());
    CHECK(s.cache_hits > s.requests / 2);
    a.empty_cache();
    CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
    CHECK_EQ(raw.bad_releases, uint64_t(0));
    CHECK(raw.live.empty());
}

void test_zero_size() {
    FakeRaw raw;
    CachingAllocator a(raw);
    void* p = a.allocate(0);
    void* q = a.allocate(0);
    CHECK(p != nullptr && q != nullptr && p != q);
    CHECK(aligned64(p) && aligned64(q));
    CHECK_EQ(a.block_size(p), size_t(512));
    CHECK_EQ(a.stats().allocated_bytes, uint64_t(1024));
    a.free(p);
    a.free(q);
}

void test_misaligned_raw_rejected() {
    FakeRaw raw;
    raw.offset = 32;
    {
        CachingAllocator a(raw);
        CHECK_THROWS(a.allocate(100), std::runtime_error);
        CHECK_EQ(a.stats().reserved_bytes, uint64_t(0));
    }
    CHECK(raw.live.empty());  // the bad pointer went back to the source
}

void test_destructor_releases_everything() {
    FakeRaw raw;
    {
        CachingAllocator a(raw);
        a.allocate(100);          // live, never freed
        a.allocate(5 * MiB);      // live, never freed
        a.free(a.allocate(3 * MiB));  // cached
    }
    CHECK_EQ(raw.release_calls, raw.allocate_calls);
    CHECK_EQ(raw.bad_releases, uint64_t(0));
    CHECK(raw.live.empty());
}

void test_asan_poisons_free_blocks() {
#if defined(__SANITIZE_ADDRESS__)
    FakeRaw raw;
    CachingAllocator a(raw);
    char* p = static_cast<char*>(a.allocate(4096));
    CHECK(!__asan_address_is_poisoned(p) && !__asan_address_is_poisoned(p + 4095));
    CHECK(__asan_address_is_poisoned(p + 4096));  // the unused rest of the segment
    a.free(p);
    CHECK(__asan_address_is_poisoned(p));
    char* q = static_cast<char*>(a.allocate(4096));
    CHECK(q == p && !__asan_address_is_poisoned(q));
    a.free(q);
#endif
}

void test_host_allocator() {
    CachingAllocator& h = host_allocator();
    CHECK(&h == &host_allocator());
    char* p = static_cast<char*>(h.allocate(3 * MiB));
    CHECK(aligned64(p));
    std::memset(p, 7, 3 * MiB);
    h.free(p);
    CHECK(h.describe().rfind("host: allocated 0 B, reserved 4.0 MiB", 0) == 0);
    h.empty_cache();
    CHECK_EQ(h.stats().reserved_bytes, uint64_t(0));
}

// ---- benchmark ----

double now_ns() {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ns per allocate+free pair over `iters` steps of the pattern; the same free orders for both. The memory is not
// touched: this is the call cost only (fresh raw pages would add page faults on top for aligned_alloc).
template <class Alloc, class Free>
double time_pattern(const std::vector<size_t>& sizes, const std::vector<std::vector<int>>& orders, int iters,
                    Alloc alloc, Free release) {
    std::vector<void*> ptrs(sizes.size());
    auto step = [&](int it) {
        for (size_t i = 0; i < sizes.size(); ++i) ptrs[i] = alloc(sizes[i]);
        for (int i : orders[it % orders.size()]) release(ptrs[i], sizes[i]);
    };
    step(0);  // warm-up: the cache fills, glibc settles its mmap threshold
    const double t0 = now_ns();
    for (int it = 0; it < iters; ++it) step(it);
    return (now_ns() - t0) / (double(iters) * sizes.size());
}

int bench() {
    std::mt19937 rng(7);
    std::vector<std::vector<int>> orders(16);
    for (auto& o : orders) {
        o.resize(50);
        std::iota(o.begin(), o.end(), 0);
        std::shuffle(o.begin(), o.end(), rng);
    }
    const std::vector<size_t> mixed = step_sizes(42);
    std::vector<size_t> small;
    for (size_t n : mixed) small.push_back(2000 + n % (256 * KiB));
    const int iters = 2000;
    using Pattern = std::pair<const char*, const std::vector<size_t>*>;
    for (const Pattern& pattern : {Pattern("mixed 2 KB-40 MB", &mixed), Pattern("small 2-256 KB", &small)}) {
        HostRawAllocator host;
        CachingAllocator cache(host);
        const double cached = time_pattern(
            *pattern.second, orders, iters, [&](size_t n) { return cache.allocate(n); },
            [&](void* p, size_t) { cache.free(p); });
        const double raw = time_pattern(
            *pattern.second, orders, iters, [](size_t n) { return std::aligned_alloc(64, (n + 63) & ~size_t(63)); },
            [](void* p, size_t) { std::free(p); });
        std::printf("bench %-17s caching allocator %7.1f ns/pair   aligned_alloc+free %8.1f ns/pair   (%s)\n",
                    pattern.first, cached, raw, cache.describe().c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--bench") == 0) return bench();
    struct Test {
        const char* name;
        void (*fn)();
    };
    const Test tests[] = {
        {"rounding_and_alignment", test_rounding_and_alignment},
        {"cache_hit_reuse", test_cache_hit_reuse},
        {"steady_state", test_steady_state},
        {"split_small", test_split_small},
        {"merge_any_order", test_merge_any_order},
        {"fragmentation", test_fragmentation},
        {"oversize_bound", test_oversize_bound},
        {"stream_separation", test_stream_separation},
        {"graph_pool_retained", test_graph_pool_retained},
        {"oom_flush_retry", test_oom_flush_retry},
        {"oom_exhausted", test_oom_exhausted},
        {"oom_oversize_fallback", test_oom_oversize_fallback},
        {"peaks", test_peaks},
        {"unknown_pointer", test_unknown_pointer},
        {"concurrent", test_concurrent},
        {"zero_size", test_zero_size},
        {"misaligned_raw_rejected", test_misaligned_raw_rejected},
        {"destructor_releases_everything", test_destructor_releases_everything},
        {"asan_poisons_free_blocks", test_asan_poisons_free_blocks},
        {"host_allocator", test_host_allocator},
    };
    int passed = 0;
    for (const Test& t : tests) {
        try {
            t.fn();
        } catch (const check::Failure& f) {
            std::printf("FAIL %s: %s\n", t.name, f.what());
            return 1;
        } catch (const std::exception& e) {
            std::printf("FAIL %s: unexpected exception: %s\n", t.name, e.what());
            return 1;
        }
        std::printf("ok %s\n", t.name);
        ++passed;
    }
    std::printf("alloc_test: %d tests passed\n", passed);
    return 0;
}
