package dev.tdsr.data;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The classes of a dataset, in index order, with the id each has in its file format (COCO category id; for VOC and
 * custom lists the 1-based position). Index = position in {@link #names()}.
 */
public final class ClassList {
    /** The 20 PASCAL VOC classes in the devkit's standard order. */
    public static final ClassList VOC = of(List.of("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
            "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
            "train", "tvmonitor"));

    private final List<String> names;
    private final int[] ids;
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<Integer, Integer> byId = new HashMap<>();

    private ClassList(List<String> names, int[] ids) {
        if (names.size() != ids.length) {
            throw new IllegalArgumentException("class list: " + names.size() + " names but " + ids.length + " ids");
        }
        this.names = List.copyOf(names);
        this.ids = ids.clone();
        for (int i = 0; i < ids.length; i++) {
            if (byName.put(names.get(i), i) != null) {
                throw new IllegalArgumentException("class list: duplicate name '" + names.get(i) + "'");
            }
            if (byId.put(ids[i], i) != null) {
                throw new IllegalArgumentException("class list: duplicate id " + ids[i]);
            }
        }
    }

    /** Classes with ids 1..n. */
    public static ClassList of(List<String> names) {
        int[] ids = new int[names.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1;
        }
        return new ClassList(names, ids);
    }

    /** Classes with explicit external ids (COCO category ids), same order as {@code names}. */
    public static ClassList withIds(List<String> names, int[] ids) {
        return new ClassList(names, ids);
    }

    public List<String> names() {
        return names;
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return names.get(index);
    }

    /** Index of a class name, -1 if unknown. */
    public int indexOf(String name) {
        return byName.getOrDefault(name, -1);
    }

    /** External id of an index (COCO category id). */
    public int id(int index) {
        return ids[index];
    }

    /** Index of an external id, -1 if unknown. */
    public int indexOfId(int id) {
        return byId.getOrDefault(id, -1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassList c && names.equals(c.names) && java.util.Arrays.equals(ids, c.ids);
    }

    @Override
    public int hashCode() {
        return names.hashCode() * 31 + java.util.Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return names.toString();
    }
}
