/**
 * ARM64 code generation for the emitter: {@link r2rlab.emitter.arm64.Arm64Assembler} (our own A64
 * encoder with labels and symbol relocations) and {@link r2rlab.emitter.arm64.Arm64UnwindInfo}
 * (full .xdata records and a runtime-faithful decoder).
 */
package r2rlab.emitter.arm64;
