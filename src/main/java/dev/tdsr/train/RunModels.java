package dev.tdsr.train;

import dev.tdsr.models.Ssd;
import dev.tdsr.models.SrNetwork;
import dev.tdsr.models.SsdTaskNetwork;
import dev.tdsr.models.TaskNetwork;
import dev.tdsr.models.Vgg19;

/**
 * The networks of a run: S (D-DBPN or the SRGAN generator; null in detector mode), the task network T (SSD or the
 * FCN, through the {@link TaskNetwork} interface; null in sr mode without --detector) and an imported VGG19 for
 * SRGAN's content loss (null unless --content-network).
 */
public record RunModels(SrNetwork sr, TaskNetwork<?> task, Vgg19 perceptual) {
    public RunModels(SrNetwork sr, TaskNetwork<?> task) {
        this(sr, task, null);
    }

    /** The detector when T is SSD (detection), else null. */
    public Ssd detector() {
        return task instanceof SsdTaskNetwork d ? d.ssd() : null;
    }
}
