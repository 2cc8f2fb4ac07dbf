package dev.tdsr.engine;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tdsr.engine.jni.Tdsr;
import org.bytedeco.javacpp.PointerPointer;
import org.junit.jupiter.api.Test;

/**
 * The two-device engine as seen from the CPU: device codes on tensors, the checks shared by the cuDNN path, the host
 * caching allocator's figures, typed out-of-memory errors and the device choice.
 */
class DeviceEngineTest {
    private final CpuBackend cpu = CpuBackend.get();

    private static String lastError(int status) {
        return status == 0 ? "" : Tdsr.tdsr_last_error();
    }

    @Test
    void aTensorOnACudaDeviceNobodyRegisteredIsACleanError() {
        CudaProbe.get(); // probing registers the CUDA library where there is a device; here there is none
        try (PointerPointer<Tdsr.tdsr_tensor> out = new PointerPointer<>(1)) {
            int status = Tdsr.tdsr_tensor_create(0, DType.F32.code, 1, new long[] {4}, out);
            assertEquals(Status.INVALID_ARGUMENT, status);
            String message = Tdsr.tdsr_last_error();
            assertTrue(message.startsWith("cuda:0: "), message);
        }
    }

    @Test
    void cpuTensorsReportTheCpuDevice() {
        try (Tensor t = cpu.allocate(DType.F32, 3)) {
            assertEquals(NativeBackend.CPU_DEVICE, Tdsr.tdsr_tensor_device((Tdsr.tdsr_tensor) t.handle()));
        }
    }

    @Test
    void theCheckOfTheCudnnPathRejectsWhatTheCpuOpRejectsWithTheSameMessage() {
        try (Scope s = Scope.open()) {
            Tensor x = cpu.allocate(1, 3, 9, 9), w = cpu.allocate(4, 2, 3, 3), y = cpu.allocate(1, 4, 9, 9);
            Tdsr.tdsr_tensor hx = (Tdsr.tdsr_tensor) x.handle(), hw = (Tdsr.tdsr_tensor) w.handle();
            Tdsr.tdsr_tensor hy = (Tdsr.tdsr_tensor) y.handle();
            String op = lastError(Tdsr.tdsr_conv2d_forward(hx, hw, null, hy, 1, 1, 1, 1, 1, 1));
            String check = lastError(Tdsr.tdsr_check(Tdsr.CHECK_CONV2D_FORWARD, hx, hw, null, hy, 1, 1, 1, 1, 1, 1));
            assertTrue(op.contains("3 channels but weight [4,2,3,3] expects 2"), op);
            assertEquals(op, check);
            Tensor good = cpu.allocate(4, 3, 3, 3);
            assertEquals(0, Tdsr.tdsr_check(Tdsr.CHECK_CONV2D_FORWARD, hx, (Tdsr.tdsr_tensor) good.handle(), null, hy,
                    1, 1, 1, 1, 1, 1));
            Tensor deconvOut = cpu.allocate(1, 2, 20, 20); // (9-1)*2 - 2 + 4 = 18: 20 needs output padding 2 >= stride
            Tensor dw = cpu.allocate(3, 2, 4, 4);
            String deconv = lastError(Tdsr.tdsr_check(Tdsr.CHECK_DECONV2D_FORWARD, hx, (Tdsr.tdsr_tensor) dw.handle(),
                    null, (Tdsr.tdsr_tensor) deconvOut.handle(), 2, 2, 1, 1, 1, 1));
            assertTrue(deconv.contains("0 <= output_padding < stride"), deconv);
        }
    }

    @Test
    void hostOutOfMemoryCarriesTheRequestedBytesAndTheEngineCarriesOn() {
        long elements = 1L << 40; // 4 TiB of floats
        OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> cpu.allocate(DType.F32, elements));
        assertTrue(e.requestedBytes() >= elements * 4, "requested " + e.requestedBytes());
        assertEquals(-1, e.freeBytes(), "the host cannot tell its free bytes");
        assertTrue(e.getMessage().contains("[1099511627776]"), e.getMessage());
        try (Tensor t = cpu.allocate(DType.F32, 10).fill(1.5)) {
            assertEquals(15.0, cpu.sum(t));
        }
    }

    @Test
    void aRepeatedStepReusesCachedBlocksInsteadOfAllocatingAgain() {
        long[] sizes = {1000, 300_000, 5_000_000, 64, 12_345};
        Runnable step = () -> {
            try (Scope s = Scope.open()) {
                for (long n : sizes) {
                    cpu.allocate(DType.F32, n);
                }
            }
        };
        step.run();
        MemoryStats before = cpu.memory();
        for (int i = 0; i < 20; i++) {
            step.run();
        }
        MemoryStats after = cpu.memory();
        assertEquals(before.rawAllocations(), after.rawAllocations(), before + " -> " + after);
        assertEquals(before.allocatedBytes(), after.allocatedBytes());
        assertTrue(after.reservedBytes() >= after.allocatedBytes() && after.peakAllocatedBytes() > 0, after.toString());
        assertTrue(cpu.memoryStats().startsWith("host: allocated "), cpu.memoryStats());
    }

    @Test
    void deviceNamesAreParsedAndCudaNeverFallsBackSilently() {
        assertEquals("cpu", Backends.choose("cpu").backend().name());
        Backends.Choice auto = Backends.choose("auto");
        if (!CudaProbe.get().available()) {
            assertEquals("cpu", auto.backend().name());
            assertTrue(auto.reason().startsWith("cpu (auto: "), auto.reason());
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> Backends.choose("cuda:1"));
            assertTrue(e.getMessage().startsWith("--device cuda:1: "), e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Backends.choose("gpu0"));
        assertTrue(bad.getMessage().contains("auto, cpu, cuda or cuda:N"), bad.getMessage());
    }

    @Test
    void onTheCpuStagingIsAWriteAndAStreamBindsNothing() {
        Backend cpu = dev.tdsr.testing.TestBackends.cpu();
        try (Scope s = Scope.open(); ComputeStream stream = cpu.openStream();
             ComputeStream.Binding bound = stream.bind()) {
            assertSame(ComputeStream.NONE, stream);
            Tensor t = cpu.allocate(DType.F32, 2, 3);
            float[] v = {1, -2, 3.5f, 4, 5, 6};
            cpu.stage(t, v);
            cpu.joinStaged();
            org.junit.jupiter.api.Assertions.assertArrayEquals(v, cpu.readFloats(t));
        }
    }
}
