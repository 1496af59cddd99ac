package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;

import java.util.List;
import java.util.function.Consumer;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.format.ByteReader;
import r2rlab.format.pe.PeImage.BaseRelocation;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.SectionHeader;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.runtime.ReadyToRunInfo;

/**
 * A ReadyToRun image mapped into guest memory as the OS loader maps it: the headers and each
 * section at a 64 KiB-aligned base, rebased with the image's base relocations (.reloc) when that is
 * not its preferred base; and the import cells the runtime's model has resolved, written into that
 * memory (the eager ones at load, the others as fixups run).
 */
public final class GuestImage {
    private final R2RImage image;
    private final CpuEngine engine;
    private final long base;
    private final long mappedSize;
    private final Consumer<String> events;

    /**
     * Maps {@code image} at {@code base}; away from its preferred base the image is rebased, and
     * {@code events} hears of it (and of every cell written later).
     */
    GuestImage(CpuEngine engine, R2RImage image, long base, Consumer<String> events) {
        if ((base & 0xFFFF) != 0) {
            throw new IllegalArgumentException(String.format("load base 0x%X is not 64 KiB aligned", base));
        }
        this.engine = engine;
        this.image = image;
        this.base = base;
        this.mappedSize = (image.pe().sizeOfImage() + 0xFFF) & ~0xFFFL;
        this.events = events;
        map();
        rebase();
    }

    private void map() {
        engine.memMap(base, mappedSize, UC_PROT_ALL);
        ByteReader file = image.pe().file();
        long headers = Math.min(image.pe().sizeOfHeaders(), file.length());
        engine.memWrite(base, file.bytes("headers", 0, (int) headers));
        for (SectionHeader s : image.pe().sections()) {
            long raw = Math.min(s.sizeOfRawData(), s.mappedSize());
            if (raw > 0) {
                engine.memWrite(base + s.virtualAddress(), file.bytes(s.name(), s.pointerToRawData(), (int) raw));
            }
        }
    }

    private void rebase() {
        long delta = base - image.pe().imageBase();
        if (delta == 0) {
            return;
        }
        List<BaseRelocation> relocations = image.pe().baseRelocations();
        for (BaseRelocation r : relocations) {
            if (r.type() != RelocType.IMAGE_REL_BASED_DIR64) {
                throw new RunRejectedException(RunRejectedException.Reason.UNSUPPORTED_BASE_RELOCATION, String.format(
                        "base relocation type %d at RVA 0x%X is not supported on a 64-bit image", r.type(), r.rva()));
            }
            engine.writeLong(base + r.rva(), engine.readLong(base + r.rva()) + delta);
        }
        events.accept(String.format("image rebased from 0x%X to 0x%X (%d base relocations)", image.pe().imageBase(), base,
                relocations.size()));
    }

    public R2RImage image() {
        return image;
    }

    /** Where the image is mapped (its preferred base unless it was rebased). */
    public long base() {
        return base;
    }

    /** Whether {@code address} lies in the image (its SizeOfImage from the base). */
    public boolean contains(long address) {
        return address >= base && address < base + image.pe().sizeOfImage();
    }

    /** Writes {@code value} into the cell's slot in guest memory. */
    void writeCell(ImportCell cell, long value) {
        engine.writeLong(base + cell.rva(), value);
    }

    /** Writes every cell value the model has resolved and guest memory does not hold yet. */
    void syncCells(ReadyToRunInfo info) {
        for (ImportSection s : image.importSections()) {
            for (ImportCell c : s.cells()) {
                if (info.isCellResolved(s.index(), c.index())) {
                    long v = info.cellValue(s.index(), c.index());
                    if (engine.readLong(base + c.rva()) != v) {
                        writeCell(c, v);
                        if (c.signature() != null) {
                            events.accept(String.format("fixup resolved: ImportSection %d[%d] %s = 0x%X", s.index(), c.index(),
                                    c.signatureText(), v));
                        }
                    }
                }
            }
        }
    }

    /**
     * Maps the image again with the same bytes and protection. Unicorn keeps the blocks it translated
     * with no code hook instrumentation; remapping makes it drop them, so a re-run translates the
     * image's code again under a hook installed since.
     */
    void remap() {
        byte[] bytes = engine.memRead(base, (int) mappedSize);
        engine.memUnmap(base, mappedSize);
        engine.memMap(base, mappedSize, UC_PROT_ALL);
        engine.memWrite(base, bytes);
    }
}
