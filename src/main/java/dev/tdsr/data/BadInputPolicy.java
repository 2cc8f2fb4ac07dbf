package dev.tdsr.data;

/** What a reader does with bad input: throw at the first problem, or skip the bad item and count it. */
public enum BadInputPolicy {
    FAIL_FAST,
    SKIP
}
