/**
 * Writes ReadyToRun images with runtime-async methods, async variants and resumption stubs for x64
 * and ARM64. Empty until the emitter issue lands; depends on {@code format} only.
 */
package r2rlab.emitter;
