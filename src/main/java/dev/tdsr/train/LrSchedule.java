package dev.tdsr.train;

import java.util.List;

/**
 * Step decay: {@code base * gamma^k} where k is the number of milestones at or before the iteration (0-based), as
 * torch's MultiStepLR. TDSR: base 1e-4, one milestone at 200k of 300k, gamma 0.1; ssd.pytorch: base 1e-3, milestones
 * 80k, 100k of 120k. An optional linear warm-up scales iteration i by {@code (i + 1) / warmup} for the first
 * {@code warmup} iterations: a fresh Adam's first steps move every weight by about lr whatever its gradient, which
 * knocks a pretrained network back when fine-tuning starts at a high lr.
 */
public record LrSchedule(double base, List<Long> milestones, double gamma, long warmup) {
    public LrSchedule(double base, List<Long> milestones, double gamma) {
        this(base, milestones, gamma, 0);
    }

    public LrSchedule {
        if (warmup < 0) {
            throw new IllegalArgumentException("lrWarmup: expected iterations >= 0, got " + warmup);
        }
        if (!(base > 0) || Double.isInfinite(base)) {
            throw new IllegalArgumentException("lr: expected a finite learning rate > 0, got " + base);
        }
        if (!(gamma > 0) || gamma > 1) {
            throw new IllegalArgumentException("lrGamma: expected a decay factor in (0, 1], got " + gamma);
        }
        milestones = List.copyOf(milestones);
        for (int i = 0; i < milestones.size(); i++) {
            if (milestones.get(i) < 1 || (i > 0 && milestones.get(i) <= milestones.get(i - 1))) {
                throw new IllegalArgumentException("lrDecayAt: expected increasing iterations >= 1, got " + milestones);
            }
        }
    }

    /** The learning rate of iteration {@code it} (0-based): decayed once for every milestone <= it, warmed up. */
    public double at(long it) {
        double lr = it < warmup ? base * (it + 1) / warmup : base;
        for (long m : milestones) {
            if (it >= m) {
                lr *= gamma;
            }
        }
        return lr;
    }
}
