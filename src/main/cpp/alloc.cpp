// The caching allocator; the design is summarized at the top of alloc.hpp.
#include "alloc.hpp"
#include "host_pages.hpp"

#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TDSR_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define TDSR_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define TDSR_POISON(p, n) ((void)(p), (void)(n))
#define TDSR_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tdsr {

void* HostRawAllocator::allocate(size_t bytes) { return host_pages_allocate(bytes); }

OutOfMemory::~OutOfMemory() = default;

void HostRawAllocator::release(void* ptr, size_t) { std::free(ptr); }

// A piece of a segment. The blocks of a segment form a doubly linked list in address order; the head block
// (prev == nullptr) always starts at the segment base, since merges keep the lower block.
struct CachingAllocator::Block {
    char* ptr = nullptr;
    size_t size = 0;
    StreamId stream = 0;
    Pool* pool = nullptr;
    Block* prev = nullptr;
    Block* next = nullptr;
    bool allocated = false;
};

bool CachingAllocator::BlockOrder::operator()(const Block* a, const Block* b) const {
    if (a->stream != b->stream) return a->stream < b->stream;
    if (a->size != b->size) return a->size < b->size;
    return a->ptr < b->ptr;
}

namespace {

// Keeps a container node for reuse; losing it to bad_alloc only costs a later malloc.
template <class Node>
void stash(std::vector<Node>& spare, Node&& node) {
    try {
        spare.push_back(std::move(node));
    } catch (...) {
    }
}

size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

std::string format_bytes(uint64_t n) {
    char buf[32];
    if (n < 1024) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    else if (n < (uint64_t(1) << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
    else if (n < (uint64_t(1) << 30)) std::snprintf(buf, sizeof buf, "%.1f MiB", n / 1048576.0);
    else std::snprintf(buf, sizeof buf, "%.1f GiB", n / 1073741824.0);
    return buf;
}

void check_config(const AllocatorConfig& c) {
    const size_t a = CachingAllocator::kBlockAlign;
    auto multiple = [a](size_t v) { return v > 0 && v % a == 0; };
    if (!multiple(c.small_request_max) || !multiple(c.small_segment) || !multiple(c.large_granule) ||
        c.small_request_max > c.small_segment || c.large_split_min % a != 0 || c.large_slack % a != 0)
        throw std::invalid_argument("AllocatorConfig: sizes must be positive multiples of 512 and "
                                    "small_request_max <= small_segment");
}

}  // namespace

CachingAllocator::CachingAllocator(RawAllocator& raw, AllocatorConfig config) : raw_(raw), config_(config) {
    check_config(config_);
    small_.small = true;
    large_.small = false;
    live_.reserve(1024);  // a model's live tensors: avoids rehashing inside allocate in the common case
    spare_blocks_.reserve(256);
    spare_free_nodes_.reserve(256);
    spare_live_nodes_.reserve(1024);
}

CachingAllocator::~CachingAllocator() {
    // Every block is either live or free; collect the segment heads, release each segment, delete its blocks.
    std::vector<Block*> heads;
    for (auto& kv : live_)
        if (!kv.second->prev) heads.push_back(kv.second);
    for (Pool* pool : {&small_, &large_})
        for (Block* b : pool->free_blocks)
            if (!b->prev) heads.push_back(b);
    for (Block* head : heads) {
        size_t bytes = 0;
        for (Block* b = head; b;) {
            bytes += b->size;
            Block* next = b->next;
            if (b != head) delete b;
            b = next;
        }
        TDSR_UNPOISON(head->ptr, bytes);
        raw_.release(head->ptr, bytes);
        delete head;
    }
    for (Block* b : spare_blocks_) delete b;
}

CachingAllocator::Block* CachingAllocator::new_block() {
    if (spare_blocks_.empty()) return new Block();
    Block* b = spare_blocks_.back();
    spare_blocks_.pop_back();
    *b = Block();
    return b;
}

void CachingAllocator::recycle(Block* block) {
    try {
        spare_blocks_.push_back(block);
    } catch (...) {
        delete block;  // free() must not throw for lack of memory
    }
}

// Best fit on the block's stream: the smallest free block >= size. bounded: apply the large-pool slack rule.
CachingAllocator::Block* CachingAllocator::find_free(Pool& pool, StreamId stream, size_t size, bool bounded) {
    Block key;
    key.stream = stream;
    key.size = size;
    auto it = pool.free_blocks.lower_bound(&key);  // ptr nullptr sorts first among equal sizes
    if (it == pool.free_blocks.end() || (*it)->stream != stream) return nullptr;
    Block* b = *it;
    if (bounded && !pool.small && b->size - size > config_.large_slack) return nullptr;
    stash(spare_free_nodes_, pool.free_blocks.extract(it));
    return b;
}

// One raw allocation; on failure empty the cache and retry once. nullptr if both fail.
CachingAllocator::Block* CachingAllocator::new_segment(Pool& pool, StreamId stream, size_t segment_bytes) {
    Block* b = new_block();  // before the raw call, so a bad_alloc here leaks nothing
    void* p = raw_.allocate(segment_bytes);
    if (!p && release_free_segments() > 0) {
        ++stats_.oom_flushes;
        p = raw_.allocate(segment_bytes);
    }
    if (!p) {
        recycle(b);
        return nullptr;
    }
    if (reinterpret_cast<uintptr_t>(p) % kRawAlign != 0) {
        raw_.release(p, segment_bytes);
        recycle(b);
        throw std::runtime_error(std::string("raw allocator ") + raw_.name() + " returned a pointer that is not " +
                                 "64-byte aligned");
    }
    ++stats_.raw_allocations;
    stats_.reserved_bytes += segment_bytes;
    if (stats_.reserved_bytes > stats_.peak_reserved_bytes) stats_.peak_reserved_bytes = stats_.reserved_bytes;
    b->ptr = static_cast<char*>(p);
    b->size = segment_bytes;
    b->stream = stream;
    b->pool = &pool;
    TDSR_POISON(b->ptr, b->size);  // free until handed out
    return b;
}

// Cuts `size` bytes off the front of a (not yet inserted) block when the remainder is worth keeping.
void CachingAllocator::split(Block* block, size_t size) {
    const size_t rest = block->size - size;
    const bool worth = block->pool->small ? rest >= kBlockAlign : rest > config_.large_split_min;
    if (!worth) return;
    Block* r = new_block();
    r->ptr = block->ptr + size;
    r->size = rest;
    r->stream = block->stream;
    r->pool = block->pool;
    r->prev = block;
    r->next = block->next;
    if (block->next) block->next->prev = r;
    block->next = r;
    block->size = size;
    insert_free(r);
    ++stats_.splits;
}

void CachingAllocator::insert_free(Block* block) {
    block->allocated = false;
    if (spare_free_nodes_.empty()) {
        block->pool->free_blocks.insert(block);
        return;
    }
    FreeSet::node_type node = std::move(spare_free_nodes_.back());
    spare_free_nodes_.pop_back();
    node.value() = block;
    block->pool->free_blocks.insert(std::move(node));
}

void CachingAllocator::take_free(Block* block) {
    stash(spare_free_nodes_, block->pool->free_blocks.extract(block));
}

size_t CachingAllocator::release_free_segments(const StreamId* only) {
    size_t released = 0;
    for (Pool* pool : {&small_, &large_}) {
        for (auto it = pool->free_blocks.begin(); it != pool->free_blocks.end();) {
            Block* b = *it;
            const bool kept = only ? b->stream != *only : retained_.count(b->stream) > 0;
            if (b->prev || b->next || kept) {  // part of a segment that still has live blocks, or a graph's
                ++it;
                continue;
            }
            it = pool->free_blocks.erase(it);
            TDSR_UNPOISON(b->ptr, b->size);
            raw_.release(b->ptr, b->size);
            ++stats_.raw_releases;
            stats_.reserved_bytes -= b->size;
            recycle(b);
            ++released;
        }
    }
    return released;
}

void CachingAllocator::throw_oom(size_t requested) const {
    const size_t free = raw_.free_bytes();
    const std::string free_text = free == SIZE_MAX ? "unknown" : format_bytes(free);
    throw OutOfMemory(requested, free,
                      "cannot allocate " + std::to_string(requested) + " bytes on " + raw_.name() + ": " +
                          format_bytes(stats_.allocated_bytes) + " allocated, " + format_bytes(stats_.reserved_bytes) +
                          " reserved, " + free_text + " free");
}

void* CachingAllocator::allocate(size_t bytes, StreamId stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.requests;
    if (bytes > SIZE_MAX / 2) throw_oom(bytes);  // rounding would overflow; no source has this much anyway
    const size_t size = round_up(bytes == 0 ? 1 : bytes, kBlockAlign);
    Pool& pool = size <= config_.small_request_max ? small_ : large_;

    Block* b = find_free(pool, stream, size, true);
    if (b) {
        ++stats_.cache_hits;
    } else {
        const size_t segment = pool.small ? config_.small_segment : round_up(size, config_.large_granule);
        b = new_segment(pool, stream, segment);
        if (!b && !pool.small) {
            // Last resort: an oversize block in a segment that still has live blocks (the flush could not free it).
            b = find_free(pool, stream, size, false);
            if (b) ++stats_.cache_hits;
        }
        if (!b) throw_oom(bytes);
    }
    try {
        split(b, size);
        if (spare_live_nodes_.empty()) {
            live_.emplace(b->ptr, b);
        } else {
            LiveMap::node_type node = std::move(spare_live_nodes_.back());
            spare_live_nodes_.pop_back();
            node.key() = b->ptr;
            node.mapped() = b;
            live_.insert(std::move(node));
        }
    } catch (...) {  // bad_alloc from the tracking structures: put the block back, leave the state consistent
        insert_free(b);
        throw;
    }
    b->allocated = true;
    TDSR_UNPOISON(b->ptr, b->size);
    stats_.allocated_bytes += b->size;
    if (stats_.allocated_bytes > stats_.peak_allocated_bytes) stats_.peak_allocated_bytes = stats_.allocated_bytes;
    return b->ptr;
}

void CachingAllocator::free(void* ptr) {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end())
        throw std::invalid_argument("CachingAllocator::free: pointer is not a live block of this allocator "
                                    "(freed twice, interior pointer, or another allocator's)");
    Block* b = it->second;
    stash(spare_live_nodes_, live_.extract(it));
    stats_.allocated_bytes -= b->size;
    b->allocated = false;
    TDSR_POISON(b->ptr, b->size);
    if (Block* p = b->prev; p && !p->allocated) {  // the lower block absorbs b, so a segment head stays the head
        take_free(p);
        p->size += b->size;
        p->next = b->next;
        if (b->next) b->next->prev = p;
        recycle(b);
        b = p;
        ++stats_.merges;
    }
    if (Block* n = b->next; n && !n->allocated) {
        take_free(n);
        b->size += n->size;
        b->next = n->next;
        if (n->next) n->next->prev = b;
        recycle(n);
        ++stats_.merges;
    }
    insert_free(b);
}

size_t CachingAllocator::block_size(void* ptr) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) throw std::invalid_argument("CachingAllocator::block_size: pointer is not a live block");
    return it->second->size;
}

void CachingAllocator::empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_free_segments();
}

void CachingAllocator::retain(StreamId pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    retained_.insert(pool);
}

void CachingAllocator::release_pool(StreamId pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    retained_.erase(pool);
    release_free_segments(&pool);
}

AllocatorStats CachingAllocator::stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
}

void CachingAllocator::reset_peaks() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_allocated_bytes = stats_.allocated_bytes;
    stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

std::string CachingAllocator::describe() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::string(raw_.name()) + ": allocated " + format_bytes(stats_.allocated_bytes) + ", reserved " +
           format_bytes(stats_.reserved_bytes) + ", peak " + format_bytes(stats_.peak_reserved_bytes) + ", " +
           std::to_string(stats_.raw_allocations) + " raw allocations";
}

CachingAllocator& host_allocator() {
    // Leaked on purpose: no destructor may run at exit while Java's Cleaner still frees tensors.
    static CachingAllocator* instance = new CachingAllocator(*new HostRawAllocator());
    return *instance;
}

}  // namespace tdsr
