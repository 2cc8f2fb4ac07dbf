package dev.tdsr.api;

import dev.tdsr.engine.Backend;
import dev.tdsr.nn.ParameterSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A bounded pool of model replicas. Models keep activations between forward and backward, so one replica runs one
 * forward at a time: a call borrows an idle replica (waiting if all are busy) and returns it afterwards. Calls hold the
 * read side of a lock that {@link #close()} takes for writing, so close waits for running calls and later calls fail.
 */
final class ModelPool<M extends AutoCloseable> {
    private final String what;
    private final BlockingQueue<M> idle;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Guard guard;

    private ModelPool(Object owner, String what, List<M> replicas) {
        this.what = what;
        this.idle = new ArrayBlockingQueue<>(replicas.size(), true, replicas);
        this.guard = Guard.register(owner, what, replicas);
    }

    /**
     * A pool of {@code first} and {@code count - 1} copies of its weights, each made by {@code blank} (a model of the
     * same shape) on {@code backend}. If making a copy fails, the copies made so far are closed (not {@code first}).
     */
    static <M extends AutoCloseable> ModelPool<M> replicate(Object owner, String what, M first, int count,
                                                           Supplier<M> blank, Function<M, ParameterSet> parameters,
                                                           Backend backend) {
        List<M> replicas = new ArrayList<>(List.of(first));
        try {
            EngineErrors.translating(() -> {
                for (int i = 1; i < count; i++) {
                    M copy = blank.get();
                    replicas.add(copy);
                    backend.copy(parameters.apply(copy).slab(), parameters.apply(first).slab());
                }
                return null;
            });
        } catch (RuntimeException e) {
            for (M copy : replicas.subList(1, replicas.size())) {
                try {
                    copy.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new ModelPool<>(owner, what, replicas);
    }

    <R> R apply(Function<M, R> work) {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (guard.isClosed()) {
                throw new IllegalStateException(what + " is closed");
            }
            M model = idle.take();
            try {
                return work.apply(model);
            } finally {
                idle.add(model);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TdsrException("interrupted while waiting for a free replica of " + what, e);
        } finally {
            read.unlock();
        }
    }

    void close() {
        Lock write = lock.writeLock();
        write.lock();
        try {
            guard.close();
        } finally {
            write.unlock();
        }
    }
}
