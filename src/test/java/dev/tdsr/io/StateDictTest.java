package dev.tdsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateDictTest {
    private static HostArray zeros(long... shape) {
        return HostArray.of(new float[(int) HostArray.numel(shape)], shape);
    }

    @Test
    void stripsDataParallelPrefixKeepingOrder() throws IOException {
        LinkedHashMap<String, HostArray> sd = PthReader.read(Fixtures.pthDir().resolve("small_zip.pth"));
        LinkedHashMap<String, HostArray> s = StateDict.stripPrefix("f.pth", sd, StateDict.DATA_PARALLEL_PREFIX);
        assertEquals(List.of("feat0.conv.weight", "feat0.conv.bias", "feat0.act.weight",
                "up1.up_conv1.deconv.weight", "vgg.0.weight"), List.copyOf(s.keySet()).subList(0, 5));
        assertEquals(sd.get("module.feat0.conv.bias"), s.get("feat0.conv.bias"));
        assertEquals(sd.size(), s.size());
    }

    @Test
    void strippingIntoACollisionIsAnError() {
        Map<String, HostArray> sd = new LinkedHashMap<>();
        sd.put("module.x", zeros(1));
        sd.put("x", zeros(1));
        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> StateDict.stripPrefix("f.pth", sd, "module."));
        assertTrue(e.getMessage().contains("f.pth") && e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void oneErrorListsEveryDifference() {
        Map<String, HostArray> file = new LinkedHashMap<>();
        file.put("conv.weight", zeros(2, 3, 3, 3));
        file.put("conv.bias", zeros(3));
        file.put("bn.num_batches_tracked", HostArray.of(new long[] {7}));
        file.put("extra", zeros(1));
        file.put("prelu.weight", HostArray.of(new long[] {1}, 1));
        Map<String, long[]> model = new LinkedHashMap<>();
        model.put("conv.weight", new long[] {2, 3, 3, 3});
        model.put("conv.bias", new long[] {2});
        model.put("prelu.weight", new long[] {1});
        model.put("head.weight", new long[] {4, 2});

        StateDict.Diff d = StateDict.compare(file, model);
        assertEquals(List.of("head.weight [4, 2]"), d.missing());
        assertEquals(List.of("bn.num_batches_tracked int64[]", "extra float32[1]"), d.unexpected());
        assertEquals(2, d.mismatched().size());
        assertTrue(d.mismatched().get(0).contains("conv.bias: shape [3] in the file, the model expects [2]"));
        assertTrue(d.mismatched().get(1).contains("prelu.weight: dtype int64"));

        WeightFormatException e = assertThrows(WeightFormatException.class,
                () -> StateDict.requireMatch("dbpn.pth", file, model));
        for (String s : List.of("dbpn.pth", "head.weight", "extra", "bn.num_batches_tracked", "conv.bias",
                "prelu.weight", "1 missing", "2 unexpected", "2 mismatched")) {
            assertTrue(e.getMessage().contains(s), s + " in " + e.getMessage());
        }
    }

    @Test
    void exactMatchPasses() throws IOException {
        Map<String, HostArray> file = Map.of("a", zeros(2, 2));
        StateDict.requireMatch("f", file, Map.of("a", new long[] {2, 2}));
        assertTrue(StateDict.compare(file, Map.of("a", new long[] {2, 2})).isEmpty());
    }
}
