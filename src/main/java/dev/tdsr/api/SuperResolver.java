package dev.tdsr.api;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.DType;
import dev.tdsr.engine.Scope;
import dev.tdsr.engine.Tensor;
import dev.tdsr.data.Image;
import dev.tdsr.models.Dbpn;
import dev.tdsr.models.ModelFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Upscales images with a D-DBPN super-resolution network (x2, x4 or x8): an h x w input gives exactly
 * {@code scale*h x scale*w}.
 *
 * <pre>{@code
 * try (SuperResolver sr = SuperResolver.builder().setModel(Path.of("models/tdsr-x4")).build()) {
 *     BufferedImage big = sr.upscale(ImageIO.read(new File("in.png")));
 * }
 * }</pre>
 *
 * <p><b>Inputs.</b> Any {@link BufferedImage} (see {@link #upscale(BufferedImage)} for colour conversion), or planar
 * float RGB in [0,1] for callers that hold pixels already. Images larger than the tile size are processed in
 * overlapping tiles blended without seams; images under 8 pixels a side are padded and cropped back.
 *
 * <p><b>Threads.</b> An instance is safe to use from many threads. It holds {@code optReplicas} copies of the network
 * (default 1); each call borrows one for its duration, so at most that many calls compute at once and the others
 * wait. Results do not depend on concurrency: on the CPU they are bit-identical to a single-threaded run.
 *
 * <p><b>Resources.</b> The weights live in native memory: {@link #close()} frees them (idempotent; it waits for
 * running calls). An instance that is garbage-collected unclosed is freed by a {@link java.lang.ref.Cleaner} and a
 * warning is logged through SLF4J.
 */
public final class SuperResolver implements AutoCloseable {
    private final Backend backend;
    private final int scale;
    private final Tiler tiler;
    private final ModelPool<Dbpn> pool;

    private SuperResolver(Builder b, ModelSource source, Backend backend, int replicas) {
        this.backend = backend;
        Dbpn first = source.load(p -> ModelFiles.loadDbpn(p, backend, b.scale));
        try {
            this.scale = first.config().scale();
            if (b.scale != null && b.scale != scale) {
                throw new ModelFileException(source.file(), source + ": the model upscales x" + scale + ", but x"
                        + b.scale + " was asked for", null);
            }
            this.tiler = new Tiler(scale, b.tileSize, b.tileOverlap);
            this.pool = ModelPool.replicate(this, "SuperResolver(" + source + ", x" + scale + ")", first, replicas,
                    () -> new Dbpn(first.config(), backend, DType.F32, 0), Dbpn::parameters, backend);
        } catch (RuntimeException e) {
            first.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The upscaling factor (2, 4 or 8). */
    public int scale() {
        return scale;
    }

    /**
     * Upscales one image; the result is 8-bit sRGB ({@code TYPE_INT_RGB}, or {@code TYPE_INT_ARGB} when the input has
     * alpha, the alpha plane upscaled bicubically). Inputs: 8/16-bit RGB and grey (samples / maximum; grey is
     * replicated to RGB), packed RGB/ARGB, indexed colour and any other colour model Java can convert to sRGB.
     */
    public BufferedImage upscale(BufferedImage image) {
        return upscaleWithRaw(image).image();
    }

    /** As {@link #upscale(BufferedImage)}, also returning the network's unclamped float output. */
    public Upscaled upscaleWithRaw(BufferedImage image) {
        checkHeap(image.getWidth(), image.getHeight(), scale, true, image.getColorModel().hasAlpha(), SuperResolver::availableHeap);
        RgbPlanes p = RgbPlanes.of(image);
        float[] sr = upscale(p.rgb(), p.width(), p.height());
        int w = scale * p.width();
        int h = scale * p.height();
        return new Upscaled(RgbPlanes.toImage(sr, p.alphaResized(w, h), w, h), w, h, sr);
    }

    /** Receives an upscale in bands of rows, top to bottom; see {@link #upscale(BufferedImage, BandSink)}. */
    @FunctionalInterface
    public interface BandSink {
        void accept(UpscaledBand band) throws IOException;
    }

    /**
     * Upscales {@code image} into {@code sink}, band by band from the top, never holding the whole output: for images
     * whose result does not fit the heap (a 6000x6000 photo at x4 is 24000x24000 pixels, 6.4 GiB as float planes) or
     * that go straight to a file. The bands hold exactly the values {@link #upscaleWithRaw} gives. Heap used besides
     * the input: about 28 * scale^2 * tileSize * width bytes (one row of tiles; 44 with alpha). Exceptions of the sink pass
     * through unchanged.
     */
    public void upscale(BufferedImage image, BandSink sink) throws IOException {
        int w = image.getWidth();
        int h = image.getHeight();
        boolean alpha = image.getColorModel().hasAlpha();
        long in = (long) w * h;
        long band = tiler.bandPixels(w, h);
        if (3 * band > Integer.MAX_VALUE - 8) {
            throw new ImageTooLargeException("upscale: a " + w + "x" + h + " image at x" + scale + " has output rows "
                    + "too wide for one band of tiles (" + 3 * band + " values); upscale it in parts", 12 * band, -1);
        }
        // Held at once: the input planes (and alpha with its resampling copy), and per band pixel the 3 accumulated
        // planes, the weight sum, the handed-over band (and its alpha, with Bicubic's 3-plane intermediate).
        long needed = 4 * (3 * in + (alpha ? 4 * in : 0) + band * (3 + 1 + 3 + (alpha ? 4 : 0)));
        requireHeap(needed, String.format(Locale.ROOT, "upscale: streaming a %dx%d image at x%d (output %dx%d)", w, h,
                scale, scale * w, scale * h), SuperResolver::availableHeap);
        RgbPlanes p = RgbPlanes.of(image);
        Image alphaImage = alpha ? p.alphaImage() : null;
        int ow = scale * w;
        int oh = scale * h;
        try {
            pool.apply(model -> EngineErrors.translating(() -> {
                try {
                    tiler.upscale(p.rgb(), w, h, (x, tw, th) -> forward(model, x, tw, th), (y0, rows, width, rgb) ->
                            sink.accept(new UpscaledBand(y0, rows, width, oh, rgb, alphaImage == null ? null
                                    : RgbPlanes.alphaRows(alphaImage, ow, oh, y0, rows))));
                } catch (IOException e) {
                    throw new SinkFailure(e);
                }
                return null;
            }));
        } catch (SinkFailure e) {
            throw e.getCause();
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Carries a sink's IOException through the engine's unchecked call chain. */
    private static final class SinkFailure extends RuntimeException {
        SinkFailure(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }

    /** Upscales each image in order (the images may differ in size). */
    public List<BufferedImage> upscale(List<BufferedImage> images) {
        List<BufferedImage> out = new ArrayList<>(images.size());
        for (BufferedImage image : images) {
            out.add(upscale(image));
        }
        return out;
    }

    /**
     * The network's output for planar RGB {@code chw} ([3,height,width], values in [0,1]): [3,scale*height,
     * scale*width], NOT clamped (the raw output may leave [0,1] slightly).
     */
    public float[] upscale(float[] chw, int width, int height) {
        if (width < 1 || height < 1 || chw.length != 3L * width * height) {
            throw new IllegalArgumentException("upscale: expected 3*width*height = 3*" + width + "*" + height
                    + " planar RGB values, got " + chw.length);
        }
        checkHeap(width, height, scale, false, false, SuperResolver::availableHeap);
        try {
            return pool.apply(model -> EngineErrors.translating(() -> tiler.upscale(chw, width, height,
                    (in, w, h) -> forward(model, in, w, h))));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * As {@link #upscale(float[], int, int)} between buffers: reads 3*width*height values from {@code in}'s position
     * and puts 3*scale^2*width*height into {@code out} at its position (both positions advance).
     */
    public void upscale(FloatBuffer in, int width, int height, FloatBuffer out) {
        float[] chw = new float[Math.multiplyExact(3 * width, height)];
        in.get(chw);
        out.put(upscale(chw, width, height));
    }

    /** Heap the JVM can still give: its maximum less what is in use (garbage included until collected). */
    private static long availableHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Refuses, before computing, an upscale of a {@code width x height} image whose peak Java heap (estimated: 3
     * input planes, then per output pixel 3 accumulated planes, a weight sum and, for an image result, the 8-bit
     * image, plus the resized alpha) exceeds what {@code heap} says is available (asked again after one collection),
     * or whose output exceeds a Java array.
     */
    static void checkHeap(int width, int height, int scale, boolean image, boolean alpha,
            LongSupplier heap) {
        long in = (long) width * height;
        long out = in * scale * scale;
        int ow = scale * width;
        int oh = scale * height;
        if (3 * out > Integer.MAX_VALUE - 8) {
            throw new ImageTooLargeException("upscale: a " + width + "x" + height + " image at x" + scale + " gives "
                    + ow + "x" + oh + " pixels, more than one Java array holds (" + (3 * out) + " values); "
                    + "upscale it in parts", 4 * 3 * out, -1);
        }
        long needed = 4 * (3 * in + out * (3 + 1 + (image ? 1 : 0) + (alpha ? 4 : 0)));
        requireHeap(needed, String.format(Locale.ROOT, "upscale: a %dx%d image at x%d (output %dx%d)", width,
                height, scale, ow, oh), heap);
    }

    /** Refuses work that needs {@code needed} bytes of Java heap when {@code heap} (asked again after a GC) has less. */
    static void requireHeap(long needed, String what, LongSupplier heap) {
        long available = heap.getAsLong();
        if (needed > available) {
            System.gc(); // garbage counts as used until collected
            available = Math.max(available, heap.getAsLong());
        }
        if (needed > available) {
            throw new ImageTooLargeException(String.format(Locale.ROOT, "%s needs about %.1f GiB of Java heap,"
                    + " but %.1f GiB is available (-Xmx%dm); raise -Xmx (e.g. JAVA_TOOL_OPTIONS=-Xmx%dg) or upscale the "
                    + "image in parts", what, needed / GIB, available / GIB, Runtime.getRuntime().maxMemory() >> 20,
                    (long) Math.ceil(needed * 1.25 / GIB) + 1), needed, available);
        }
    }

    private static final double GIB = 1024.0 * 1024 * 1024;

    private float[] forward(Dbpn model, float[] chw, int w, int h) {
        try (Scope scope = Scope.open()) {
            Tensor x = backend.allocate(DType.F32, 1, 3, h, w).write(chw);
            return model.forward(x).toFloatArray();
        }
    }

    /** Frees the native weights; idempotent; waits for running calls. Later calls throw IllegalStateException. */
    @Override
    public void close() {
        pool.close();
    }

    /** Settings: {@code set*} are required (one model source), {@code opt*} optional; see {@link ModelBuilder}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Integer scale;
        private int tileSize = 128;
        private int tileOverlap = 32;

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /** The factor (2, 4, 8): required for an original .pth; for our files it is checked against the model. */
        public Builder optScale(int scale) {
            this.scale = scale;
            return this;
        }

        /** Tile side in input pixels (default 128) and overlap between tiles (default 32); see the class doc. */
        public Builder optTileSize(int tileSize) {
            this.tileSize = tileSize;
            return this;
        }

        public Builder optTileOverlap(int tileOverlap) {
            this.tileOverlap = tileOverlap;
            return this;
        }

        /**
         * Loads the model. Throws {@link ModelFileException} (file named), {@link DeviceOutOfMemoryException},
         * {@link NativeLibraryUnavailableException} or IllegalArgumentException for bad settings.
         */
        public SuperResolver build() {
            ModelSource source = checked();
            return new SuperResolver(this, source, prepareEngine(), replicas());
        }

        /** Builds on a backend already chosen, with {@code replicas} copies (the detector that owns it decides). */
        SuperResolver build(Backend backend, int replicas) {
            return new SuperResolver(this, checked(), backend, replicas);
        }

        /** The model source, after checking the tile settings (before any loading). */
        private ModelSource checked() {
            ModelSource source = source("SuperResolver: no model given (setModel or setModelResource)");
            new Tiler(2, tileSize, tileOverlap);
            return source;
        }
    }
}
