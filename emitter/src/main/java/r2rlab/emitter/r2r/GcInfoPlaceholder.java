package r2rlab.emitter.r2r;

/**
 * The GC info that follows a method's main unwind record. r2rlab does not encode the JIT's GcInfo
 * format (its emitted code keeps no GC references in registers across calls, and the emulated
 * runtime walks frames by unwind data alone); it writes this fixed blob so that the record has the
 * shape the runtime's size rule expects. A real encoder is future work.
 */
final class GcInfoPlaceholder {
    static final byte[] BLOB = {0, 0, 0, 0};

    private GcInfoPlaceholder() {
    }
}
