package dev.tdsr.api;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ComputeStream;
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
    /** A model and its stream: each replica's work queues on a stream of its own, so replicas overlap on a GPU. */
    private record Replica<M>(M model, ComputeStream stream) {}

    private final String what;
    private final BlockingQueue<Replica<M>> idle;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Guard guard;

    private ModelPool(Object owner, String what, List<M> replicas, Backend backend) {
        this.what = what;
        List<Replica<M>> withStreams = new ArrayList<>();
        List<ComputeStream> streams = new ArrayList<>();
        try {
            for (M m : replicas) {
                streams.add(backend.openStream());
                withStreams.add(new Replica<>(m, streams.get(streams.size() - 1)));
            }
        } catch (RuntimeException e) {
            streams.forEach(ComputeStream::close);
            throw e;
        }
        this.idle = new ArrayBlockingQueue<>(replicas.size(), true, withStreams);
        // Streams first: closing one waits for its queued work, which may still read the model's weights.
        List<AutoCloseable> parts = new ArrayList<>(streams);
        parts.addAll(replicas);
        this.guard = Guard.register(owner, what, parts);
    }

    /**
     * A pool of {@code first} and {@code count - 1} copies of its weights, each made by {@code blank} (a model of the
     * same shape) on {@code backend}, each with a stream of its own. If making a copy or a stream fails, the copies made
     * so far are closed (not {@code first}).
     */
    static <M extends AutoCloseable> ModelPool<M> replicate(Object owner, String what, M first, int count,
                                                           Supplier<M> blank, Function<M, ParameterSet> parameters,
                                                           Backend backend) {
        List<M> replicas = new ArrayList<>(List.of(first));
        try {
            return EngineErrors.translating(() -> {
                for (int i = 1; i < count; i++) {
                    M copy = blank.get();
                    replicas.add(copy);
                    backend.copy(parameters.apply(copy).slab(), parameters.apply(first).slab());
                }
                return new ModelPool<>(owner, what, replicas, backend);
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
    }

    <R> R apply(Function<M, R> work) {
        Lock read = lock.readLock();
        read.lock();
        try {
            if (guard.isClosed()) {
                throw new IllegalStateException(what + " is closed");
            }
            Replica<M> replica = idle.take();
            try (ComputeStream.Binding bound = replica.stream().bind()) {
                return work.apply(replica.model());
            } finally {
                idle.add(replica);
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
