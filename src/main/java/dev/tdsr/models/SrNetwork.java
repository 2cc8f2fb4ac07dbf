package dev.tdsr.models;

import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.ParameterSet;

/**
 * A super-resolution network as evaluation and training see it: LR RGB [N,3,h,w] in [0,1] -> SR at its scale
 * ({@link Dbpn}, {@link SrResNet}). Networks with batch norm switch between batch and running statistics with
 * {@link #setTraining}.
 */
public interface SrNetwork extends Layer, AutoCloseable {
    @Override
    Tensor forward(Tensor lr);

    ParameterSet parameters();

    /** The magnification (2, 4 or 8). */
    int scale();

    /** Training mode (batch statistics) or inference mode; a no-op for networks without batch norm. */
    default void setTraining(boolean training) {}

    @Override
    void close();
}
