package dev.tdsr.api;

import dev.tdsr.engine.BackendUnavailableException;
import dev.tdsr.engine.Engine;
import dev.tdsr.engine.EngineException;
import dev.tdsr.engine.NativeLibraryException;
import dev.tdsr.engine.OutOfMemoryException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The engine's and the model reader's failures as the API's own exceptions ({@link DeviceOutOfMemoryException},
 * {@link NativeLibraryUnavailableException}, {@link ModelFileException}, {@link TdsrException}): one place for every
 * entry point.
 */
final class EngineErrors {
    private EngineErrors() {}

    /** Loads the native engine or says why not, with the facts {@code tdsr-native info} would print. */
    static void ensureEngine() {
        translating(() -> {
            Engine.ensureLoaded();
            return null;
        });
    }

    /** Runs an engine computation, translating engine exceptions. */
    static <T> T translating(Supplier<T> work) {
        try {
            return work.get();
        } catch (OutOfMemoryException e) {
            throw new DeviceOutOfMemoryException("device out of memory: " + e.getMessage() + " (requested "
                    + e.requestedBytes() + " bytes, free " + e.freeBytes() + "; -1 = unknown); try a smaller tile"
                    + " size", e);
        } catch (NativeLibraryException | BackendUnavailableException e) {
            throw new NativeLibraryUnavailableException(e.getMessage() + " [" + platform() + "]", e);
        } catch (EngineException e) {
            throw new TdsrException("engine failure: " + e.getMessage(), e);
        }
    }

    /** A model file problem with the file named once (the reader's messages usually start with the path already). */
    static ModelFileException modelFile(Path file, IOException e) {
        String msg = e instanceof NoSuchFileException ? file + ": model file or folder not found" : e.getMessage();
        if (msg == null || !msg.contains(file.toString())) {
            msg = file + ": " + msg;
        }
        return new ModelFileException(file, msg, e);
    }

    /** What {@code info} shows about this process: library version, JVM, platform. */
    static String platform() {
        Package p = EngineErrors.class.getPackage();
        String version = p == null || p.getImplementationVersion() == null ? "dev" : p.getImplementationVersion();
        return "tdsr-native " + version + "; java " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vm.name") + "); " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch") + "; JavaCPP platform linux-x86_64 only";
    }
}
