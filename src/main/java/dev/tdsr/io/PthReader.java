package dev.tdsr.io;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch {@code torch.save} checkpoints without Python: the zip format (PyTorch ≥ 1.6) and the legacy stream
 * format (before 1.6). Facts of both formats: {@code shared/spec/weights.md}.
 *
 * <p>The top-level object may be a state dict itself, or a dict holding it under {@code state_dict} or
 * {@code model} (checked in that order). Every entry of the state dict must be a tensor. The order of the file is
 * kept. The whole file is read onto the heap.
 */
public final class PthReader {
    /** Keys under which a wrapper dict may hold the state dict, in the order they are tried. */
    public static final List<String> STATE_DICT_KEYS = List.of("state_dict", "model");

    public enum Format { ZIP, LEGACY }

    /**
     * What a file held: its format, the GLOBALs its pickle used (they tell the PyTorch era:
     * {@code torch._utils._rebuild_tensor} ≤ 0.3, {@code _rebuild_tensor_v2} later) and the tensors.
     */
    public record Contents(Format format, Set<String> globals, LinkedHashMap<String, HostArray> tensors) {
        public long totalElements() {
            return tensors.values().stream().mapToLong(HostArray::numel).sum();
        }

        /** One line for logs: format, tensor count, total elements, globals. */
        public String summary() {
            return format.name().toLowerCase(Locale.ROOT) + " format, " + tensors.size() + " tensors, " + totalElements()
                    + " elements, globals " + globals;
        }
    }

    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8A, 0x0A, 0x6C, (byte) 0xFC,
        (byte) 0x9C, 0x46, (byte) 0xF9, 0x20, 0x6A, (byte) 0xA8, 0x50, 0x19, 0x2E};
    private static final BigInteger MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL_VERSION = 1001;

    private PthReader() {
    }

    /** The state dict of a checkpoint, in file order. */
    public static LinkedHashMap<String, HostArray> read(Path file) throws IOException {
        return load(file).tensors();
    }

    /** The state dict plus what the file revealed about itself (see {@link Contents}). */
    public static Contents load(Path file) throws IOException {
        byte[] head = new byte[LEGACY_MAGIC.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return readZip(file);
        }
        if (n == head.length && Arrays.equals(head, LEGACY_MAGIC)) {
            return readLegacy(file, Files.readAllBytes(file));
        }
        if (isTar(file)) {
            throw new WeightFormatException(file + ": the pre-2017 tar-based torch.save format is not supported;"
                    + " re-save it with a newer PyTorch");
        }
        throw new WeightFormatException(file + ": not a torch.save file (expected a zip archive or the legacy"
                + " magic number 0x1950a86a20f9469cfc6c; first bytes " + hex(head, n) + ")");
    }

    // ---- zip format -------------------------------------------------------------------------------------------

    private static Contents readZip(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new WeightFormatException(file + ": not a readable zip archive (truncated or damaged): "
                    + e.getMessage(), e);
        }
        try (zip) {
            ZipEntry first = zip.entries().hasMoreElements() ? zip.entries().nextElement() : null;
            int slash = first == null ? -1 : first.getName().indexOf('/');
            if (slash < 0) {
                throw new WeightFormatException(file + ": zip archive has no <name>/ folder; not a torch.save file");
            }
            String prefix = first.getName().substring(0, slash + 1);
            checkVersion(file, zip, prefix);
            boolean bigEndian = "big".equals(text(file, zip, prefix + "byteorder"));
            byte[] pkl = entryBytes(file, zip, prefix + "data.pkl", "the pickled object");
            Session s = new Session(file + " (" + prefix + "data.pkl)");
            Object top = Pickle.load(pkl, 0, s.source, s::resolve, s::persistentLoad).value();
            return s.finish(Format.ZIP, top, storage -> {
                byte[] data = entryBytes(file, zip, prefix + "data/" + storage.key(), "storage '" + storage.key()
                        + "'");
                checkStorageSize(file, storage, data.length / storage.type().size(), data.length);
                return bigEndian ? swapped(data, storage.type().size()) : data;
            });
        } catch (ZipException e) {
            throw new WeightFormatException(file + ": damaged zip entry: " + e.getMessage(), e);
        }
    }

    private static void checkVersion(Path file, ZipFile zip, String prefix) throws IOException {
        String v = text(file, zip, prefix + "version");
        if (v != null && !v.strip().matches("\\d{1,3}")) {
            throw new WeightFormatException(file + ": record " + prefix + "version is '" + v.strip()
                    + "', expected a small decimal integer");
        }
    }

    private static String text(Path file, ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            return null;
        }
        return new String(readEntry(file, zip, e), StandardCharsets.US_ASCII).strip();
    }

    /** An entry's bytes; a damaged one (the inflater or the CRC check fails, often with no message) names itself. */
    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e) throws WeightFormatException {
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            String why = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            throw new WeightFormatException(file + ": zip entry " + e.getName() + " is damaged (" + why
                    + "); the file is corrupt or truncated, download or copy it again", ex);
        }
    }

    private static byte[] entryBytes(Path file, ZipFile zip, String name, String what) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new WeightFormatException(file + ": " + what + " is missing (no zip entry " + name + ")");
        }
        return readEntry(file, zip, e);
    }

    // ---- legacy format ----------------------------------------------------------------------------------------

    private static Contents readLegacy(Path file, byte[] bytes) throws IOException {
        String source = file.toString();
        Pickle.Resolver none = (m, n) -> {
            throw new WeightFormatException(source + ": unexpected global " + m + "." + n + " in the file header");
        };
        Pickle.PersistentLoader noPid = pid -> {
            throw new WeightFormatException(source + ": unexpected persistent id in the file header");
        };
        Pickle.Result magic = Pickle.load(bytes, 0, source, none, noPid);
        if (!MAGIC_NUMBER.equals(magic.value())) {
            throw new WeightFormatException(source + ": wrong magic number " + magic.value());
        }
        Pickle.Result protocol = Pickle.load(bytes, magic.end(), source, none, noPid);
        if (!Long.valueOf(PROTOCOL_VERSION).equals(protocol.value())) {
            throw new WeightFormatException(source + ": protocol version " + protocol.value() + ", expected "
                    + PROTOCOL_VERSION);
        }
        Pickle.Result sysInfo = Pickle.load(bytes, protocol.end(), source, none, noPid);
        boolean bigEndian = sysInfo.value() instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"));

        Session s = new Session(source);
        Pickle.Result object = Pickle.load(bytes, sysInfo.end(), source, s::resolve, s::persistentLoad);
        Pickle.Result keys = Pickle.load(bytes, object.end(), source, none, noPid);
        if (!(keys.value() instanceof List<?> keyList)) {
            throw new WeightFormatException(source + ": expected the list of storage keys after the object, got a "
                    + Pickle.typeName(keys.value()));
        }
        // Raw storages follow in the order of the key list, each as [int64 LE element count][data].
        Map<String, byte[]> raw = new LinkedHashMap<>();
        int pos = keys.end();
        for (Object k : keyList) {
            String key = String.valueOf(k);
            StorageRef ref = s.storages.get(key);
            if (ref == null) {
                throw new WeightFormatException(source + ": storage '" + key + "' in the key list is not used by"
                        + " any tensor, its element size is unknown");
            }
            if (bytes.length - pos < 8) {
                throw truncated(source, "the element count of storage '" + key + "'", pos, 8, bytes.length);
            }
            long count = ByteBuffer.wrap(bytes, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            pos += 8;
            long nbytes = count * ref.type().size();
            if (count < 0 || count > bytes.length || nbytes > bytes.length - pos) {
                throw truncated(source, "storage '" + key + "' (" + count + " elements)", pos, nbytes, bytes.length);
            }
            checkStorageSize(file, ref, count, nbytes);
            byte[] data = Arrays.copyOfRange(bytes, pos, pos + (int) nbytes);
            pos += (int) nbytes;
            raw.put(key, bigEndian ? swapped(data, ref.type().size()) : data);
        }
        return s.finish(Format.LEGACY, object.value(), storage -> {
            byte[] data = raw.get(storage.key());
            if (data == null) {
                throw new WeightFormatException(source + ": storage '" + storage.key()
                        + "' is used by a tensor but missing from the storage list");
            }
            return data;
        });
    }

    private static WeightFormatException truncated(String source, String what, int pos, long need, int length) {
        return new WeightFormatException(source + ": truncated: " + what + " needs " + need + " byte(s) at offset "
                + pos + " but the file ends at " + length);
    }

    // ---- shared: persistent ids, tensor rebuild, materialisation ----------------------------------------------

    /** A storage named by a persistent id; {@code viewOffset} is non-zero only for legacy storage views. */
    private record StorageRef(ElementType type, String key, long numel, long viewOffset) {
    }

    /** A tensor as {@code _rebuild_tensor*} describes it; its data is read once all storages are known. */
    private record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** The storage class named by a GLOBAL such as {@code torch.FloatStorage}. */
    private record StorageClass(ElementType type) {
    }

    private interface StorageSource {
        byte[] bytes(StorageRef storage) throws IOException;
    }

    private static final Map<String, ElementType> STORAGE_TYPES = Map.of(
            "FloatStorage", ElementType.FLOAT32, "DoubleStorage", ElementType.FLOAT64,
            "HalfStorage", ElementType.FLOAT16, "BFloat16Storage", ElementType.BFLOAT16,
            "LongStorage", ElementType.INT64, "IntStorage", ElementType.INT32,
            "ShortStorage", ElementType.INT16, "CharStorage", ElementType.INT8,
            "ByteStorage", ElementType.UINT8, "BoolStorage", ElementType.BOOL);

    /** State of one file's unpickling: the whitelist, the storages met and the globals used. */
    private static final class Session {
        final String source;
        final Map<String, StorageRef> storages = new LinkedHashMap<>();
        final Set<String> globals = new LinkedHashSet<>();

        Session(String source) {
            this.source = source;
        }

        Object resolve(String module, String name) throws WeightFormatException {
            String full = module + "." + name;
            Object value = switch (full) {
                case "collections.OrderedDict" -> (Pickle.Callable) args -> new LinkedHashMap<>();
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" ->
                        (Pickle.Callable) this::rebuildTensor;
                case "torch._utils._rebuild_parameter" -> (Pickle.Callable) args -> arg(args, 0, "data");
                default -> {
                    ElementType t = (module.equals("torch") || module.equals("torch.cuda"))
                            ? STORAGE_TYPES.get(name) : null;
                    yield t == null ? null : new StorageClass(t);
                }
            };
            if (value == null) {
                throw new WeightFormatException(source + ": unsupported global " + full + " (a state dict only"
                        + " needs collections.OrderedDict, torch._utils._rebuild_tensor[_v2], torch.*Storage)");
            }
            globals.add(full);
            return value;
        }

        /** pid = ('storage', storage class, key, location, numel[, view_metadata]); location is ignored. */
        Object persistentLoad(Object pid) throws WeightFormatException {
            if (!(pid instanceof List<?> t) || t.size() < 5 || t.size() > 6 || !"storage".equals(t.get(0))
                    || !(t.get(1) instanceof StorageClass cls) || !(t.get(4) instanceof Long numel)) {
                throw new WeightFormatException(source + ": persistent id " + pid
                        + " is not ('storage', <torch.*Storage>, key, location, numel[, view])");
            }
            String key = String.valueOf(t.get(2));
            StorageRef root = new StorageRef(cls.type(), key, numel, 0);
            StorageRef known = storages.putIfAbsent(key, root);
            if (known != null && (known.type() != root.type() || known.numel() != root.numel())) {
                throw new WeightFormatException(source + ": storage '" + key + "' is referenced as both "
                        + known.type().torchName() + "[" + known.numel() + "] and " + root.type().torchName() + "["
                        + root.numel() + "]");
            }
            if (t.size() == 6 && t.get(5) instanceof List<?> view) { // (view_key, offset, size), legacy only
                return new StorageRef(cls.type(), key, numel, toLong(view.get(1), "view offset"));
            }
            return root;
        }

        /** _rebuild_tensor[_v2](storage, storage_offset, size, stride, ...): the rest (grad, hooks) is dropped. */
        Object rebuildTensor(List<Object> args) throws WeightFormatException {
            if (!(arg(args, 0, "storage") instanceof StorageRef storage)) {
                throw new WeightFormatException(source + ": tensor storage is a "
                        + Pickle.typeName(args.get(0)) + ", not a persistent storage");
            }
            long[] size = longs(arg(args, 2, "size"), "size");
            long[] stride = longs(arg(args, 3, "stride"), "stride");
            if (size.length != stride.length) {
                throw new WeightFormatException(source + ": tensor size " + Arrays.toString(size) + " and stride "
                        + Arrays.toString(stride) + " differ in length");
            }
            long offset = toLong(arg(args, 1, "storage_offset"), "storage_offset") + storage.viewOffset();
            return new TensorRef(storage, offset, size, stride);
        }

        private Object arg(List<Object> args, int i, String name) throws WeightFormatException {
            if (args.size() <= i) {
                throw new WeightFormatException(source + ": tensor rebuild call lacks argument " + i + " ("
                        + name + ")");
            }
            return args.get(i);
        }

        private long[] longs(Object o, String what) throws WeightFormatException {
            if (!(o instanceof List<?> l)) {
                throw new WeightFormatException(source + ": tensor " + what + " is a " + Pickle.typeName(o)
                        + ", expected a tuple of ints");
            }
            long[] out = new long[l.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = toLong(l.get(i), what);
            }
            return out;
        }

        private long toLong(Object o, String what) throws WeightFormatException {
            if (o instanceof Long v) {
                return v;
            }
            throw new WeightFormatException(source + ": tensor " + what + " holds a " + Pickle.typeName(o)
                    + ", expected an int");
        }

        Contents finish(Format format, Object top, StorageSource source) throws IOException {
            Map<?, ?> dict = stateDict(this.source, top);
            Map<String, byte[]> cache = new LinkedHashMap<>();
            LinkedHashMap<String, HostArray> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (!(e.getValue() instanceof TensorRef t)) {
                    throw new WeightFormatException(this.source + ": state dict entry '" + key + "' is a "
                            + Pickle.typeName(e.getValue()) + ", not a tensor");
                }
                byte[] storage = cache.get(t.storage().key());
                if (storage == null) {
                    storage = source.bytes(t.storage());
                    cache.put(t.storage().key(), storage);
                }
                out.put(key, materialize(this.source, key, t, storage));
            }
            return new Contents(format, Collections.unmodifiableSet(globals), out);
        }
    }

    /** The state dict inside the unpickled top-level object (see the class comment). */
    static Map<?, ?> stateDict(String source, Object top) throws WeightFormatException {
        if (!(top instanceof Map<?, ?> map)) {
            throw new WeightFormatException(source + ": the saved object is a " + Pickle.typeName(top)
                    + ", expected a dict (a state dict)");
        }
        for (String k : STATE_DICT_KEYS) {
            if (map.get(k) instanceof Map<?, ?> inner) {
                return inner;
            }
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof TensorRef)) {
                throw new WeightFormatException(source + ": the saved dict is not a state dict (entry '"
                        + e.getKey() + "' is a " + Pickle.typeName(e.getValue()) + ") and has no "
                        + String.join("/", STATE_DICT_KEYS) + " entry holding one; its keys are " + map.keySet());
            }
        }
        return map;
    }

    /** Element i0..in of the tensor = storage[offset + Σ i_k·stride_k]; copied into row-major order. */
    private static HostArray materialize(String source, String key, TensorRef t, byte[] storage)
            throws WeightFormatException {
        int es = t.storage().type().size();
        long storageNumel = storage.length / es;
        long numel;
        try {
            numel = HostArray.numel(t.size());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new WeightFormatException(source + ": tensor '" + key + "' has invalid size "
                    + Arrays.toString(t.size()));
        }
        long last = t.offset();
        for (int d = 0; d < t.size().length; d++) {
            if (t.stride()[d] < 0) {
                throw new WeightFormatException(source + ": tensor '" + key + "' has a negative stride "
                        + Arrays.toString(t.stride()));
            }
            last += (t.size()[d] - 1) * t.stride()[d];
        }
        if (numel > 0 && (t.offset() < 0 || last >= storageNumel)) {
            throw new WeightFormatException(source + ": tensor '" + key + "' (size " + Arrays.toString(t.size())
                    + ", stride " + Arrays.toString(t.stride()) + ", offset " + t.offset() + ") reaches element "
                    + last + " but storage '" + t.storage().key() + "' holds " + storageNumel);
        }
        byte[] out = new byte[(int) (numel * es)];
        if (numel > 0) {
            copyStrided(storage, es, t, out);
        }
        return HostArray.wrap(t.storage().type(), t.size(), out);
    }

    private static void copyStrided(byte[] storage, int es, TensorRef t, byte[] out) {
        long[] size = t.size();
        long[] stride = t.stride();
        int rank = size.length;
        // The innermost contiguous run is copied in one go; an odometer walks the outer indices.
        int inner = rank == 0 || stride[rank - 1] != 1 ? 1 : (int) size[rank - 1];
        int outerRank = inner == 1 ? rank : rank - 1;
        long[] idx = new long[outerRank];
        int runs = (int) (out.length / es / inner);
        long src = t.offset();
        for (int r = 0; r < runs; r++) {
            System.arraycopy(storage, (int) (src * es), out, r * inner * es, inner * es);
            for (int d = outerRank - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    src += stride[d];
                    break;
                }
                src -= (size[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
    }

    private static void checkStorageSize(Path file, StorageRef ref, long count, long nbytes)
            throws WeightFormatException {
        if (count != ref.numel() || nbytes != count * ref.type().size()) {
            throw new WeightFormatException(file + ": storage '" + ref.key() + "' holds " + nbytes + " bytes but"
                    + " the pickle declares " + ref.numel() + " " + ref.type().torchName() + " elements ("
                    + ref.numel() * ref.type().size() + " bytes)");
        }
    }

    private static byte[] swapped(byte[] data, int elementSize) {
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i += elementSize) {
            for (int j = 0; j < elementSize; j++) {
                out[i + j] = data[i + elementSize - 1 - j];
            }
        }
        return out;
    }

    private static boolean isTar(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(262);
            return b.length == 262 && new String(b, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(String.format("%02X ", b[i]));
        }
        return s.toString().strip();
    }
}
