package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;

/**
 * One differentiable step of a network. {@code forward} keeps what its backward needs (references only: call both
 * inside one {@link dev.tdsr.engine.Scope}, which frees every tensor of the step). {@code backward(dy)} returns a new
 * dx and ACCUMULATES the layer's parameter gradients into its {@link ParameterSet}'s gradient slab, unless that set
 * does not require gradients (a frozen model then computes input gradients only).
 */
public interface Layer {
    Tensor forward(Tensor x);

    Tensor backward(Tensor dy);
}
