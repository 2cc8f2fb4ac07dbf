// A caching allocator for tensor buffers, in the style of PyTorch's CUDA caching allocator (own implementation).
//
// Why: a training step allocates the same shapes every step. Going to the raw source each time costs an mmap and
// fresh page faults on the host, and a cudaMalloc (which synchronizes the device) on the GPU. Cached blocks make the
// steady state free of raw calls.
//
// Design summary
// - Granularity: every request is rounded up to a multiple of 512 B (kBlockAlign). Raw segments must be at least
//   64-byte aligned, so every returned pointer is 64-byte aligned (AVX-512 loads) -- in fact segment base + k*512.
//   A 0-byte request gets its own 512-byte block, so its pointer is valid and unique.
// - Two pools, each with its own segments (one raw allocation = one segment, split into blocks):
//     small pool: requests <= small_request_max (1 MiB), carved from small_segment (2 MiB) segments;
//     large pool: larger requests; a new segment is the request rounded up to large_granule (2 MiB).
//   Free blocks of a pool sit in an ordered set keyed by (stream, size, address): best fit is one lower_bound,
//   O(log n), and among equal sizes the lowest address wins (keeps segments packed).
// - Splitting: a found block larger than the request is split when the remainder is >= 512 B (small pool) or
//   > large_split_min (1 MiB, large pool); otherwise the caller gets the whole block (block_size() tells).
// - Oversize bound (large pool): a cached block serves a request only if block <= request + large_slack (20 MiB),
//   so a 1 GiB cached block is not pinned by a 2 MiB tensor. Bigger blocks are used only as the last resort below.
// - Merging: blocks keep prev/next links inside their segment; free() merges with free neighbours, so a segment
//   whose blocks are all free is one free block again. Memory goes back to the raw source only in empty_cache()
//   or on OOM -- never in free().
// - Stream rule: a block belongs to the stream it was allocated on (its segment's stream) and, once freed, is
//   reused only by requests on that stream. Work queued on stream S may still read the block after free(); a later
//   request on S is ordered after that work, one on another stream is not. Cross-stream reuse would need a CUDA
//   event recorded at free and waited on (or queried) before reuse; the CUDA backend uses one stream per trainer,
//   so we don't do that. Stream 0 is the default stream / host.
// - OOM rule: when the raw source fails, release every fully free cached segment (empty_cache), count an
//   oom_flush, retry once; then, for large requests, take an oversize cached block (ignoring the slack bound) if
//   one fits; otherwise throw OutOfMemory{requested, raw.free_bytes()}. The allocator stays usable afterwards.
// - Graph pools (PyTorch's private memory pools of CUDA graphs): a captured graph replays into the addresses its
//   temporaries had during the capture, after their tensors were freed. Those blocks must not serve other work
//   between or during replays. So a graph's work allocates under a pool id of its own instead of its stream's id
//   (same stream rule: the pool's blocks serve that pool's requests only), and retain(pool) keeps the pool's free
//   segments through empty_cache and the OOM flush. release_pool(pool) ends that (the graph is gone) and gives its
//   fully free segments back to the raw source at once; its live blocks (kept tensors) stay valid until freed.
// - Stats: allocated = sum of live block sizes (rounded), reserved = sum of segment sizes held from the raw source,
//   their peaks (reset_peaks() sets them to the current values), counters of raw calls, requests, cache hits,
//   splits, merges and OOM flushes.
// - Thread safety: one mutex around everything, raw calls included (as PyTorch does: a raw call is rare).
// - Under AddressSanitizer, free blocks are poisoned, so a use-after-free of a tensor buffer is reported even
//   though the memory stays inside our segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace tdsr {

// The raw memory source: host (aligned_alloc) or device (cudaMallocAsync/cudaMalloc). Returns nullptr when it cannot.
// Pointers must be at least 64-byte aligned (checked).
struct RawAllocator {
    virtual ~RawAllocator() = default;
    virtual void* allocate(size_t bytes) = 0;
    virtual void release(void* ptr, size_t bytes) = 0;
    virtual size_t free_bytes() const = 0;  // what the source could still give (SIZE_MAX when unknown, e.g. host)
    virtual const char* name() const = 0;   // "host", "cuda:0"
};

// host_pages_allocate (64-byte aligned; huge pages for large segments, host_pages.hpp) / free.
struct HostRawAllocator final : RawAllocator {
    void* allocate(size_t bytes) override;
    void release(void* ptr, size_t bytes) override;
    size_t free_bytes() const override { return SIZE_MAX; }
    const char* name() const override { return "host"; }
};

struct AllocatorStats {
    uint64_t allocated_bytes = 0, reserved_bytes = 0;  // in use by callers (rounded sizes); held from the raw source
    uint64_t peak_allocated_bytes = 0, peak_reserved_bytes = 0;
    uint64_t raw_allocations = 0, raw_releases = 0;  // calls into RawAllocator (successful allocations; releases)
    uint64_t requests = 0, cache_hits = 0, splits = 0, merges = 0;
    uint64_t oom_flushes = 0;  // times the cache was emptied (something released) to retry a failed raw allocation
};

// Thrown when even an emptied cache cannot serve a request; the C boundary turns it into TDSR_ERR_OUT_OF_MEMORY with
// both numbers (tdsr_last_oom). Its key function (the destructor, in alloc.cpp) keeps its type information in
// libtdsr_cpu.so alone, so one thrown by the CUDA library's device allocator is caught as this type.
struct OutOfMemory : std::runtime_error {
    size_t requested, free;  // the caller's byte count; raw.free_bytes() at the time (SIZE_MAX: unknown)
    OutOfMemory(size_t requested, size_t free, const std::string& message)
        : std::runtime_error(message), requested(requested), free(free) {}
    ~OutOfMemory() override;
};

using StreamId = uint64_t;  // 0 = the default stream / host

// Thresholds (all multiples of kBlockAlign; the defaults are PyTorch's where it has one).
struct AllocatorConfig {
    size_t small_request_max = size_t(1) << 20;  // requests up to this go to the small pool
    size_t small_segment = size_t(2) << 20;      // size of a small-pool segment
    size_t large_granule = size_t(2) << 20;      // a large-pool segment is the request rounded up to this
    size_t large_split_min = size_t(1) << 20;    // a large block is split only if the remainder exceeds this
    size_t large_slack = size_t(20) << 20;       // a cached large block serves requests at most this much smaller
};

class CachingAllocator {
public:
    static constexpr size_t kBlockAlign = 512;  // request granularity
    static constexpr size_t kRawAlign = 64;     // required alignment of raw segments

    explicit CachingAllocator(RawAllocator& raw, AllocatorConfig config = AllocatorConfig());
    // Releases every segment, live blocks included: the owner is going away (host_allocator() never is).
    ~CachingAllocator();
    CachingAllocator(const CachingAllocator&) = delete;
    CachingAllocator& operator=(const CachingAllocator&) = delete;

    void* allocate(size_t bytes, StreamId stream = 0);  // 0 bytes gives a valid unique pointer (512-byte block)
    void free(void* ptr);               // back to the cache (never to raw), merged with free neighbours; nullptr: no-op;
                                        // a pointer that is not a live block throws std::invalid_argument
    size_t block_size(void* ptr) const; // rounded size of a live block (>= the request); unknown: invalid_argument
    void empty_cache();                 // release every fully free segment to the raw source (not retained pools')
    void retain(StreamId pool);         // keep this pool's free segments until release_pool (graph pools)
    void release_pool(StreamId pool);   // stop retaining it and release its fully free segments now
    AllocatorStats stats() const;
    void reset_peaks();
    // One line: "host: allocated 12.0 MiB, reserved 64.0 MiB, peak 80.0 MiB, 37 raw allocations" (peak = reserved).
    std::string describe() const;

private:
    struct Block;
    struct Pool;
    struct BlockOrder {
        bool operator()(const Block* a, const Block* b) const;
    };
    using FreeSet = std::set<Block*, BlockOrder>;
    using LiveMap = std::unordered_map<void*, Block*>;
    struct Pool {
        FreeSet free_blocks;
        bool small;
    };

    Block* find_free(Pool& pool, StreamId stream, size_t size, bool bounded);
    Block* new_segment(Pool& pool, StreamId stream, size_t segment_bytes);
    void split(Block* block, size_t size);
    void insert_free(Block* block);
    // Returns how many segments went back to raw; skips retained pools, or releases only `only`'s when non-null.
    size_t release_free_segments(const StreamId* only = nullptr);
    void take_free(Block* block);  // out of its pool's free set, keeping the tree node for reuse
    Block* new_block();
    void recycle(Block* block);
    [[noreturn]] void throw_oom(size_t requested) const;

    RawAllocator& raw_;
    const AllocatorConfig config_;
    mutable std::mutex mutex_;
    Pool small_, large_;
    LiveMap live_;
    // Recycled Block objects and container nodes (C++17 node handles): in steady state allocate/free call neither
    // new nor malloc, they only relink what an earlier step left here.
    std::vector<Block*> spare_blocks_;
    std::vector<FreeSet::node_type> spare_free_nodes_;
    std::vector<LiveMap::node_type> spare_live_nodes_;
    AllocatorStats stats_;
    std::set<StreamId> retained_;  // graph pools whose free segments empty_cache and the OOM flush keep
};

// The process-wide host allocator. Never destroyed: tensors may be freed by Java's Cleaner while the process exits.
CachingAllocator& host_allocator();

}  // namespace tdsr
