/**
 * Files in and out, pure Java: PyTorch {@code .pth} checkpoints ({@link dev.tdsr.io.PthReader}, zip and legacy
 * formats, through a whitelisting pickle VM), safetensors ({@link dev.tdsr.io.Safetensors}), numpy
 * {@code .npy}/{@code .npz} ({@link dev.tdsr.io.Npy}, {@link dev.tdsr.io.Npz}), crash-safe files and checkpoint
 * folders ({@link dev.tdsr.io.AtomicFiles}) and model-independent state-dict checks
 * ({@link dev.tdsr.io.StateDict}). Tensors travel as {@link dev.tdsr.io.HostArray}; malformed files raise the
 * checked {@link dev.tdsr.io.WeightFormatException}.
 */
package dev.tdsr.io;
