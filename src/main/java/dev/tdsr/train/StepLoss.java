package dev.tdsr.train;

import dev.tdsr.models.TdsrObjective;

/**
 * What a {@link Task}'s step reports: the TDSR parts (mse, loc, conf, total) and, for SRGAN's adversarial stages, the
 * content, adversarial and discriminator losses (null elsewhere); see {@link StepMetrics}.
 */
record StepLoss(double mse, double loc, double conf, double total, Double content, Double adv, Double disc,
                Double task) {
    StepLoss(double mse, double loc, double conf, double total, Double content, Double adv, Double disc) {
        this(mse, loc, conf, total, content, adv, disc, null);
    }

    static StepLoss of(TdsrObjective.Parts p) {
        // SR4IR's task-driven perceptual loss is a feature loss like SRGAN's content loss: the same column; a task
        // without loc/conf parts (segmentation's pixel CE) logs its unweighted total as "task"
        boolean detection = p.task().parts().isEmpty() || p.task().parts().containsKey("loc");
        return new StepLoss(p.mse(), p.loc(), p.conf(), p.total(), p.perceptual() != 0 ? p.perceptual() : null, null,
                null, detection ? null : p.task().total());
    }

    /** The name of the first part that is not finite, or null. */
    String firstNonFinite() {
        if (!Double.isFinite(mse)) {
            return "mse";
        }
        if (!Double.isFinite(loc)) {
            return "loc";
        }
        if (!Double.isFinite(conf)) {
            return "conf";
        }
        if (task != null && !Double.isFinite(task)) {
            return "task";
        }
        if (content != null && !Double.isFinite(content)) {
            return "content";
        }
        if (adv != null && !Double.isFinite(adv)) {
            return "adversarial";
        }
        if (disc != null && !Double.isFinite(disc)) {
            return "discriminator";
        }
        return null;
    }
}
