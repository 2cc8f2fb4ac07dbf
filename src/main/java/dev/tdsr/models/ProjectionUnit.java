package dev.tdsr.models;

import dev.tdsr.engine.Backend;
import dev.tdsr.engine.ConvSpec;
import dev.tdsr.engine.Tensor;
import dev.tdsr.nn.Conv2d;
import dev.tdsr.nn.ConvTranspose2d;
import dev.tdsr.nn.Init;
import dev.tdsr.nn.Layer;
import dev.tdsr.nn.PReLU;
import dev.tdsr.nn.ParameterSet;
import dev.tdsr.nn.Sequential;

/**
 * D-DBPN's up- and down-projection units (base_networks.py UpBlock/DownBlock and the dense D_UpBlock/D_DownBlock).
 * With u = (optional 1x1 bottleneck)(x):
 * <pre>
 *   a = first(u)    up: deconv LR->HR     down: conv HR->LR
 *   b = second(a)   up: conv  HR->LR      down: deconv LR->HR
 *   r = third(b - u)
 *   out = r + a
 * </pre>
 * u and a each have two consumers, so their gradients are summed in the backward, which frees each intermediate
 * gradient once both consumers have used it (the peak of a full-size step is the forward's maps plus a few gradients).
 */
public final class ProjectionUnit implements Layer {
    public enum Direction {
        UP("up_conv"),
        DOWN("down_conv");

        final String prefix;

        Direction(String prefix) {
            this.prefix = prefix;
        }
    }

    private final Layer bottleneck; // null for up1, down1, up2
    private final Layer first;
    private final Layer second;
    private final Layer third;
    private Tensor u;

    /** {@code inputs} = number of base-channel maps concatenated at the input (1: no bottleneck). */
    public ProjectionUnit(ParameterSet ps, String name, Direction dir, DbpnConfig c, int inputs) {
        int ch = c.base();
        this.bottleneck = inputs > 1 ? convBlock(ps, name + ".conv", ch * inputs, ch, 1, ConvSpec.of(1, 0)) : null;
        ConvSpec proj = ConvSpec.of(c.stride(), c.padding());
        String p = name + "." + dir.prefix;
        boolean up = dir == Direction.UP;
        this.first = up ? deconvBlock(ps, p + "1", ch, c.kernel(), proj) : convBlock(ps, p + "1", ch, ch, c.kernel(), proj);
        this.second = up ? convBlock(ps, p + "2", ch, ch, c.kernel(), proj) : deconvBlock(ps, p + "2", ch, c.kernel(), proj);
        this.third = up ? deconvBlock(ps, p + "3", ch, c.kernel(), proj) : convBlock(ps, p + "3", ch, ch, c.kernel(), proj);
    }

    /** ConvBlock: Conv2d (bias) + shared PReLU, named {@code <name>.conv}, {@code <name>.act}. */
    static Layer convBlock(ParameterSet ps, String name, int in, int out, int k, ConvSpec spec) {
        return new Sequential(new Conv2d(ps, name + ".conv", in, out, k, spec, true, Init.kaimingNormal(), Init.zeros()),
                new PReLU(ps, name + ".act", 1));
    }

    /** DeconvBlock: ConvTranspose2d (bias) + shared PReLU, named {@code <name>.deconv}, {@code <name>.act}. */
    static Layer deconvBlock(ParameterSet ps, String name, int ch, int k, ConvSpec spec) {
        return new Sequential(
                new ConvTranspose2d(ps, name + ".deconv", ch, ch, k, spec, true, Init.kaimingNormal(), Init.zeros()),
                new PReLU(ps, name + ".act", 1));
    }

    @Override
    public Tensor forward(Tensor x) {
        u = bottleneck == null ? x : bottleneck.forward(x);
        Backend be = u.backend();
        Tensor a = first.forward(u);
        Tensor b = second.forward(a);
        be.sub(b, u, b); // b is a fresh output of second, free to overwrite
        Tensor r = third.forward(b);
        be.add(r, a, r);
        return r;
    }

    @Override
    public Tensor backward(Tensor dOut) {
        Backend be = dOut.backend();
        Tensor dDiff = third.backward(dOut);        // d(b - u)
        Tensor dA = second.backward(dDiff);
        be.axpy(1, dOut, dA);                        // a also feeds the sum
        Tensor dU = first.backward(dA);
        dA.close();
        be.axpy(-1, dDiff, dU);                      // u also feeds the residual with a minus sign
        dDiff.close();
        if (bottleneck == null) {
            return dU;
        }
        Tensor dx = bottleneck.backward(dU);
        dU.close();
        return dx;
    }
}
