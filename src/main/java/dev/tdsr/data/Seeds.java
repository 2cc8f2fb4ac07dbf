package dev.tdsr.data;

import java.util.SplittableRandom;

/** Derives independent random streams from a seed and indices, so results do not depend on thread scheduling. */
public final class Seeds {
    private Seeds() {}

    /** A generator for (seed, parts...): SplitMix64's finaliser applied after each part. */
    public static SplittableRandom random(long seed, long... parts) {
        long h = mix(seed);
        for (long p : parts) {
            h = mix(h ^ (p + 0x9E3779B97F4A7C15L));
        }
        return new SplittableRandom(h);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
