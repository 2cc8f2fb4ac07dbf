package dev.tdsr.engine;

/**
 * What a device's caching allocator holds: bytes in use by tensors ({@code allocated}), bytes taken from the system or
 * the driver ({@code reserved}), their peaks, and how often it called the raw allocator (a steady training step
 * makes no new raw allocations).
 */
public record MemoryStats(long allocatedBytes, long reservedBytes, long peakAllocatedBytes, long peakReservedBytes,
        long rawAllocations, long rawReleases) {}
