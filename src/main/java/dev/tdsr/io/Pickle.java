package dev.tdsr.io;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal pickle virtual machine for what {@code torch.save} writes (protocol 2, plus the protocol 4 framing
 * opcodes). Python values map to: int → Long (BigInteger when wider than 64 bits), str → String, bytes → byte[],
 * float → Double, bool → Boolean, None → null, tuple and list → unmodifiable / mutable List, dict → LinkedHashMap.
 * Classes and functions are only what the {@link Resolver} whitelists; anything else is an error, which is also the
 * security boundary (no arbitrary code, unlike Python's pickle).
 */
final class Pickle {
    /** A callable produced by GLOBAL and applied by REDUCE/NEWOBJ. */
    interface Callable {
        Object call(List<Object> args) throws WeightFormatException;
    }

    /** Resolves {@code module.name} from a GLOBAL to a value (usually a Callable); throws for anything not allowed. */
    interface Resolver {
        Object resolve(String module, String name) throws WeightFormatException;
    }

    /** Turns the object popped by BINPERSID into a value. */
    interface PersistentLoader {
        Object load(Object pid) throws WeightFormatException;
    }

    /** The unpickled value and the offset just past its STOP. */
    record Result(Object value, int end) {
    }

    private static final Object MARK = new Object();

    private final byte[] buf;
    private final String source;
    private final Resolver resolver;
    private final PersistentLoader persistent;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;

    private Pickle(byte[] buf, int start, String source, Resolver resolver, PersistentLoader persistent) {
        this.buf = buf;
        this.pos = start;
        this.source = source;
        this.resolver = resolver;
        this.persistent = persistent;
    }

    /** Runs one pickle starting at {@code start} in {@code buf}; {@code source} names the file in error messages. */
    static Result load(byte[] buf, int start, String source, Resolver resolver, PersistentLoader persistent)
            throws WeightFormatException {
        return new Pickle(buf, start, source, resolver, persistent).run();
    }

    private Result run() throws WeightFormatException {
        while (true) {
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> u8(); // PROTO n
                case 0x95 -> bytes(8); // FRAME: length only, data follows inline
                case 0x2E -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values on the stack", at);
                    }
                    return new Result(stack.get(0), pos);
                }
                case 0x63 -> push(resolver.resolve(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    String name = str(pop(at), at);
                    push(resolver.resolve(str(pop(at), at), name));
                }
                case 0x28 -> { // MARK
                    marks.push(stack.size());
                    push(MARK);
                }
                case 0x30 -> pop(at); // POP
                case 0x31 -> popMark(at); // POP_MARK
                case 0x29 -> push(List.of()); // EMPTY_TUPLE
                case 0x74 -> push(Collections.unmodifiableList(popMark(at))); // TUPLE
                case 0x85 -> push(tuple(1, at));
                case 0x86 -> push(tuple(2, at));
                case 0x87 -> push(tuple(3, at));
                case 0x5D -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6C -> push(new ArrayList<>(popMark(at))); // LIST
                case 0x61 -> { // APPEND
                    Object v = pop(at);
                    list(top(at), at).add(v);
                }
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark(at);
                    list(top(at), at).addAll(items);
                }
                case 0x7D -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { // DICT
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putAll(d, popMark(at), at);
                    push(d);
                }
                case 0x73 -> { // SETITEM
                    Object v = pop(at);
                    Object k = pop(at);
                    dict(top(at), at).put(k, v);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> items = popMark(at);
                    putAll(dict(top(at), at), items, at);
                }
                case 0x4B -> push((long) u8()); // BININT1
                case 0x4D -> push((long) u16()); // BININT2
                case 0x4A -> push((long) i32()); // BININT
                case 0x8A -> push(longLE(bytes(u8()))); // LONG1
                case 0x8B -> push(longLE(bytes(length(i32(), at)))); // LONG4
                case 0x47 -> push(Double.longBitsToDouble(new BigInteger(1, bytes(8)).longValue())); // BINFLOAT (BE)
                case 0x58 -> push(utf8(bytes(length(i32(), at)))); // BINUNICODE
                case 0x8C -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x55 -> push(latin1(bytes(u8()))); // SHORT_BINSTRING (Python 2 str)
                case 0x54 -> push(latin1(bytes(length(i32(), at)))); // BINSTRING
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x42 -> push(bytes(length(i32(), at))); // BINBYTES
                case 0x4E -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 0x71 -> memo.put((long) u8(), top(at)); // BINPUT
                case 0x72 -> memo.put(i32() & 0xffffffffL, top(at)); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), top(at)); // MEMOIZE
                case 0x68 -> push(memoGet(u8(), at)); // BINGET
                case 0x6A -> push(memoGet(i32() & 0xffffffffL, at)); // LONG_BINGET
                case 0x51 -> push(persistent.load(pop(at))); // BINPERSID
                case 0x52, 0x81 -> { // REDUCE, NEWOBJ: both call(args) here (OrderedDict is all NEWOBJ meets)
                    List<Object> args = tupleArg(pop(at), at);
                    push(call(pop(at), args, at));
                }
                case 0x62 -> pop(at); // BUILD: object state (e.g. state_dict._metadata) is not needed
                default -> throw error(String.format("unsupported pickle opcode 0x%02X%s", op, printable(op)), at);
            }
        }
    }

    private Object call(Object f, List<Object> args, int at) throws WeightFormatException {
        if (!(f instanceof Callable c)) {
            throw error("REDUCE on a " + typeName(f) + ", not a callable", at);
        }
        return c.call(args);
    }

    private void putAll(Map<Object, Object> d, List<Object> items, int at) throws WeightFormatException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict", at);
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    private List<Object> tuple(int n, int at) throws WeightFormatException {
        if (stack.size() - (marks.isEmpty() ? 0 : marks.peek() + 1) < n) {
            throw error("stack underflow building a " + n + "-tuple", at);
        }
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return Collections.unmodifiableList(items);
    }

    private List<Object> popMark(int at) throws WeightFormatException {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack", at);
        }
        int m = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop(int at) throws WeightFormatException {
        Object o = top(at);
        stack.remove(stack.size() - 1);
        return o;
    }

    private Object top(int at) throws WeightFormatException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("stack underflow", at);
        }
        return stack.get(stack.size() - 1);
    }

    private Object memoGet(long key, int at) throws WeightFormatException {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored", at);
        }
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, int at) throws WeightFormatException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw error("append to a " + typeName(o) + ", not a list", at);
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, int at) throws WeightFormatException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("setitem on a " + typeName(o) + ", not a dict", at);
    }

    @SuppressWarnings("unchecked")
    private List<Object> tupleArg(Object o, int at) throws WeightFormatException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw error("call arguments are a " + typeName(o) + ", not a tuple", at);
    }

    private String str(Object o, int at) throws WeightFormatException {
        if (o instanceof String s) {
            return s;
        }
        throw error("expected a str, got a " + typeName(o), at);
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private int length(int n, int at) throws WeightFormatException {
        if (n < 0) {
            throw error("negative length " + n, at);
        }
        return n;
    }

    private void need(int n) throws WeightFormatException {
        if (n > buf.length - pos) {
            throw new WeightFormatException(source + ": truncated: pickle needs " + n + " byte(s) at offset " + pos
                    + " but the data ends at " + buf.length);
        }
    }

    private int u8() throws WeightFormatException {
        need(1);
        return buf[pos++] & 0xff;
    }

    private int u16() throws WeightFormatException {
        return u8() | (u8() << 8);
    }

    private int i32() throws WeightFormatException {
        return u16() | (u16() << 16);
    }

    private byte[] bytes(int n) throws WeightFormatException {
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    private String line() throws WeightFormatException {
        int start = pos;
        while (true) {
            if (u8() == '\n') {
                return new String(buf, start, pos - 1 - start, StandardCharsets.UTF_8);
            }
        }
    }

    /** Little-endian two's complement, as LONG1/LONG4 store it; Long when it fits. */
    private static Object longLE(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String printable(int op) {
        return op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "";
    }

    private WeightFormatException error(String what, int at) {
        return new WeightFormatException(source + ": " + what + " at pickle offset " + at);
    }
}
