package dev.tdsr.api;

import dev.tdsr.models.ModelFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a model comes from: a file or folder, or a classpath resource. A resource is either one of our model folders
 * (the resource name is the folder, holding model.json and weights.safetensors) or a single file (.safetensors of ours
 * or an original .pth); it is copied to a temporary folder for the reader and deleted after loading.
 */
final class ModelSource {
    interface Loader<M> {
        M load(Path path) throws IOException;
    }

    private final Path path;
    private final ClassLoader classLoader;
    private final String resource;

    private ModelSource(Path path, ClassLoader classLoader, String resource) {
        this.path = path;
        this.classLoader = classLoader;
        this.resource = resource;
    }

    static ModelSource of(Path path) {
        if (path == null) {
            throw new IllegalArgumentException("model path: expected a model folder, .safetensors or .pth file, got null");
        }
        return new ModelSource(path, null, null);
    }

    static ModelSource resource(ClassLoader loader, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("model resource: expected a classpath resource name, got '" + name + "'");
        }
        String n = name.startsWith("/") ? name.substring(1) : name;
        return new ModelSource(null, loader == null ? ModelSource.class.getClassLoader() : loader, n);
    }

    /** The model path, or null for a classpath resource. */
    Path file() {
        return path;
    }

    @Override
    public String toString() {
        return path != null ? path.toString() : "classpath:" + resource;
    }

    /** Loads through {@code loader}, mapping file problems to {@link ModelFileException} naming the file. */
    <M> M load(Loader<M> loader) {
        if (path != null) {
            return loadFrom(path, loader);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("tdsr-model");
            Path local = copyResource(tmp);
            return loadFrom(local, loader);
        } catch (IOException e) {
            throw new ModelFileException(tmp, "classpath:" + resource + ": cannot copy the model resource ("
                    + e.getMessage() + ")", e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static <M> M loadFrom(Path p, Loader<M> loader) {
        try {
            return EngineErrors.translating(() -> {
                try {
                    return loader.load(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw EngineErrors.modelFile(p, e.getCause());
        }
    }

    private Path copyResource(Path dir) throws IOException {
        String folder = resource.endsWith("/") ? resource : resource + "/";
        if (classLoader.getResource(folder + ModelFiles.CONFIG) != null) {
            copy(folder + ModelFiles.CONFIG, dir.resolve(ModelFiles.CONFIG));
            copy(folder + ModelFiles.WEIGHTS, dir.resolve(ModelFiles.WEIGHTS));
            return dir;
        }
        String file = resource.substring(resource.lastIndexOf('/') + 1);
        Path target = dir.resolve(file.isEmpty() ? "model" : file);
        copy(resource, target);
        return target;
    }

    private void copy(String name, Path target) throws IOException {
        try (InputStream in = classLoader.getResourceAsStream(name)) {
            if (in == null) {
                throw new java.nio.file.NoSuchFileException("classpath:" + name, null, "resource not found");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp copy left behind is harmless
        }
    }
}
