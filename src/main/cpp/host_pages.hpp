// Host memory for large buffers: 2 MiB aligned and offered to the kernel as transparent huge pages. Linux's default
// THP mode ("madvise") gives them only where asked. A full-size D-DBPN step walks maps of 24-165 MB; with 4 KiB pages
// every pass over one misses the TLB on every page. The 8x step went from 6.0-6.2 to 5.4 s on 2 threads with the
// caching allocator's segments on huge pages (bench-step, 2026-12-02, AVX2 EPYC). Header-only: the caching allocator,
// the CPU twins' scratch buffers and libtdsr_dnnl.so's blocked copies share it.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace tdsr {

constexpr size_t kHugePage = size_t(2) << 20;

// 64-byte aligned memory of at least `bytes`, from 4 MiB up on huge-page-aligned, THP-advised pages; nullptr when the
// system has none. Free with std::free.
inline void* host_pages_allocate(size_t bytes) {
    if (bytes == 0 || bytes > SIZE_MAX - kHugePage) return nullptr;
    if (bytes < 2 * kHugePage) return std::aligned_alloc(64, (bytes + 63) & ~size_t(63));  // a multiple of the alignment
    const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = std::aligned_alloc(kHugePage, rounded);
#if defined(MADV_HUGEPAGE)
    if (p) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: where THP is off the pages stay 4 KiB
#endif
    return p;
}

// A buffer that only grows (per-thread scratch): keeps its memory until a larger size is asked for.
class GrowingBuffer {
public:
    GrowingBuffer() = default;
    GrowingBuffer(const GrowingBuffer&) = delete;
    GrowingBuffer& operator=(const GrowingBuffer&) = delete;
    ~GrowingBuffer() { std::free(data_); }
    // At least `bytes` (never null), contents unspecified; throws std::bad_alloc when memory ran out.
    void* get(size_t bytes) {
        bytes = bytes ? bytes : 1;
        if (bytes > size_) {
            std::free(data_);
            data_ = host_pages_allocate(bytes);
            size_ = data_ ? bytes : 0;
            if (!data_) throw std::bad_alloc();
        }
        return data_;
    }

private:
    void* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace tdsr
