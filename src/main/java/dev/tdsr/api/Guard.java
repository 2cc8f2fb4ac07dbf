package dev.tdsr.api;

import java.lang.ref.Cleaner;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees a public object's native parts exactly once: from its {@code close()} or, as a safety net, from a
 * {@link Cleaner} when the object became unreachable unclosed (then with a leak warning). The action must not
 * reference the owner, so it holds only the parts.
 */
final class Guard implements Runnable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Logger LOG = LoggerFactory.getLogger(Guard.class);

    private final String what;
    private final List<? extends AutoCloseable> parts;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile boolean explicit;
    private Cleaner.Cleanable cleanable;

    private Guard(String what, List<? extends AutoCloseable> parts) {
        this.what = what;
        this.parts = List.copyOf(parts);
    }

    static Guard register(Object owner, String what, List<? extends AutoCloseable> parts) {
        Guard g = new Guard(what, parts);
        g.cleanable = CLEANER.register(owner, g);
        return g;
    }

    /** Idempotent explicit release. */
    void close() {
        explicit = true;
        cleanable.clean();
    }

    boolean isClosed() {
        return done.get();
    }

    @Override
    public void run() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        if (!explicit) {
            LOG.warn("{} was never closed; its native memory is freed by the garbage collector", what);
        }
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                LOG.warn("closing part of {} failed: {}", what, e.toString());
            }
        }
    }
}
