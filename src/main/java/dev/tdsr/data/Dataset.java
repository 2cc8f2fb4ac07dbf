package dev.tdsr.data;

import java.util.List;

/** A read dataset: its classes, samples in file order, and what the reader skipped or reported. */
public record Dataset(String name, ClassList classes, List<Sample> samples, LoadSummary summary) {
    public Dataset {
        samples = List.copyOf(samples);
    }

    public int size() {
        return samples.size();
    }

    /**
     * The same dataset without images that have no object usable for training (neither difficult nor crowd): SSD
     * training needs at least one box to match.
     */
    public Dataset nonEmpty() {
        return new Dataset(name, classes, samples.stream()
                .filter(s -> s.objects().stream().anyMatch(o -> !o.difficult() && !o.iscrowd())).toList(), summary);
    }
}
