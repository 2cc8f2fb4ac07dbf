package dev.tdsr.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A per-thread arena for tensors: every tensor created while a scope is open on this thread belongs to the innermost
 * one and is freed when it closes, so a training loop that opens one scope per step does not leak. Scopes nest;
 * {@link Tensor#keep()} hands a tensor to the enclosing scope (or to no scope, making the caller its owner).
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread thread;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Number of live tensors this scope owns (tests use it to prove loops do not leak). */
    public int size() {
        return owned.size();
    }

    static void adopt(Tensor t) {
        Scope s = CURRENT.get();
        if (s != null) {
            s.owned.add(t);
            t.owner = s;
        }
    }

    static void forget(Tensor t) {
        Scope s = t.owner;
        if (s != null) {
            s.owned.remove(t);
            t.owner = null;
        }
    }

    static void release(Tensor t) {
        Scope s = t.owner;
        forget(t);
        if (s != null && s.parent != null) {
            s.parent.owned.add(t);
            t.owner = s.parent;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a Scope must be closed on the thread that opened it");
        }
        closed = true;
        List<Tensor> toFree = new ArrayList<>(owned);
        owned.clear();
        for (int i = toFree.size() - 1; i >= 0; i--) {
            Tensor t = toFree.get(i);
            t.owner = null;
            t.close();
        }
        if (CURRENT.get() == this) {
            CURRENT.set(parent);
        }
    }
}
