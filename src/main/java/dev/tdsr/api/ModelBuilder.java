package dev.tdsr.api;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.Backends;
import dev.tdsr.engine.Engine;
import java.nio.file.Path;

/**
 * The settings every model of the API is built from: where the model comes from, the device it runs on (chosen once,
 * when it is built), the engine's threads and how many replicas compute at once. {@code set*} are required (one
 * model source), {@code opt*} optional; {@link SuperResolver.Builder} and {@link TaskDrivenDetector.Builder} add
 * their own.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ModelBuilder<B extends ModelBuilder<B>> {
    private ModelSource source;
    private String device = "auto";
    private Backend backend;
    private Integer threads;
    private int replicas = 1;

    ModelBuilder() {}

    /** This builder as its own type. */
    abstract B self();

    /**
     * Our model folder (model.json + weights.safetensors), its model.json, a .safetensors of ours, or an original
     * PyTorch .pth of the network.
     */
    public B setModel(Path path) {
        this.source = ModelSource.of(path);
        return self();
    }

    /** A model on the classpath: a folder resource holding model.json and weights.safetensors, or one file. */
    public B setModelResource(String name) {
        return setModelResource(null, name);
    }

    public B setModelResource(ClassLoader loader, String name) {
        this.source = ModelSource.resource(loader, name);
        return self();
    }

    /**
     * "auto" (default), "cpu" or "cuda", chosen once when the model is built; "cuda" never falls back silently.
     * {@link #optBackend} takes precedence.
     */
    public B optDevice(String device) {
        this.device = device;
        return self();
    }

    /** A backend the caller has already chosen (e.g. with {@link Backends#choose}); used as it is. */
    public B optBackend(Backend backend) {
        this.backend = backend;
        return self();
    }

    /** CPU threads of the native engine (OpenMP and BLAS). PROCESS-WIDE: it applies to every instance. */
    public B optThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected >= 1, got " + threads);
        }
        this.threads = threads;
        return self();
    }

    /** Copies of the network that may compute at the same time (default 1); each costs the weights' memory. */
    public B optReplicas(int replicas) {
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas: expected >= 1, got " + replicas);
        }
        this.replicas = replicas;
        return self();
    }

    /** The model source; {@code missing} is the message when none was set. */
    final ModelSource source(String missing) {
        if (source == null) {
            throw new IllegalArgumentException(missing);
        }
        return source;
    }

    final int replicas() {
        return replicas;
    }

    /** Loads the engine, applies {@link #optThreads} and resolves the backend: once per build. */
    final Backend prepareEngine() {
        EngineErrors.ensureEngine();
        return EngineErrors.translating(() -> {
            if (threads != null) {
                Engine.setThreads(threads);
            }
            return backend != null ? backend : Backends.choose(device).backend();
        });
    }
}
