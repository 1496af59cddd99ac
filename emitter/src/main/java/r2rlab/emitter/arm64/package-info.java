/**
 * ARM64 code generation for the emitter: {@link r2rlab.emitter.arm64.Arm64Assembler} (our own A64
 * encoder with labels and symbol relocations) and the back end, which describes its prologs and
 * epilogs with {@link r2rlab.format.unwind.arm64.Arm64UnwindInfo} (full .xdata records).
 */
package r2rlab.emitter.arm64;
