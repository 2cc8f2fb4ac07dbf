package dev.tdsr.nn;

import dev.tdsr.engine.Tensor;
import java.util.List;

/**
 * Layers applied in order; the backward runs them in reverse and frees each gradient between two layers as soon as the
 * earlier layer has consumed it (the caller's {@code dy} stays the caller's), so a deep stack holds one or two
 * gradient maps at a time instead of all of them until the step's scope closes.
 */
public final class Sequential implements Layer {
    private final List<Layer> layers;

    public Sequential(List<Layer> layers) {
        this.layers = List.copyOf(layers);
    }

    public Sequential(Layer... layers) {
        this(List.of(layers));
    }

    @Override
    public Tensor forward(Tensor x) {
        for (Layer l : layers) {
            x = l.forward(x);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor g = dy;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Tensor next = layers.get(i).backward(g);
            if (g != dy && g != next) {
                g.close();
            }
            g = next;
        }
        return g;
    }

    public List<Layer> layers() {
        return layers;
    }
}
