package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;

import java.util.List;
import java.util.function.Consumer;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapPage;
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
 * not its preferred base (a preferred base that is unaligned or overlaps the runtime's own memory
 * is not taken: see {@link #loadBase}); and the import cells the runtime's model has resolved, written into that
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
        this.mappedSize = mappedSize(image);
        String problem = unusable(base, mappedSize);
        if (problem != null) {
            throw new RunRejectedException(RunRejectedException.Reason.UNMAPPABLE_IMAGE,
                    String.format("the image cannot be mapped at 0x%X: %s", base, problem));
        }
        this.engine = engine;
        this.image = image;
        this.base = base;
        this.events = events;
        map();
        rebase();
    }

    /** The most address space an image may take in the emulator. */
    static final long MAX_MAPPED_SIZE = 256L << 20;
    /** Where an image goes when its preferred base cannot take it: 64 KiB aligned, clear of the runtime's own ranges. */
    static final long FALLBACK_BASE = 0x1_4000_0000L;
    /** Guest addresses stay below this (a 48-bit virtual address space, user half). */
    private static final long ADDRESS_LIMIT = 1L << 47;

    /** SizeOfImage rounded up to pages; refused past {@link #MAX_MAPPED_SIZE}, before anything is allocated for it. */
    private static long mappedSize(R2RImage image) {
        long size = (image.pe().sizeOfImage() + 0xFFF) & ~0xFFFL;
        if (size > MAX_MAPPED_SIZE) {
            throw new RunRejectedException(RunRejectedException.Reason.UNMAPPABLE_IMAGE, String.format(
                    "SizeOfImage 0x%X: the emulator maps images of at most %d MiB", image.pe().sizeOfImage(), MAX_MAPPED_SIZE >> 20));
        }
        return size;
    }

    /**
     * Where the OS loader would map {@code image}: its preferred base, or, when that is not 64 KiB aligned or
     * overlaps the runtime's trap page, heap or stack, {@link #FALLBACK_BASE} (the image is rebased there).
     */
    static long loadBase(R2RImage image) {
        long preferred = image.pe().imageBase();
        return unusable(preferred, mappedSize(image)) == null ? preferred : FALLBACK_BASE;
    }

    /** Why {@code size} bytes at {@code base} cannot hold an image, or null. */
    private static String unusable(long base, long size) {
        if ((base & 0xFFFF) != 0) {
            return "not 64 KiB aligned";
        }
        if (base == 0 || base < 0 || base + size > ADDRESS_LIMIT) {
            return "outside the address space";
        }
        String[] names = {"trap page", "managed heap", "stack"};
        long[][] ranges = {{EmulatedRuntime.TRAP_BASE, TrapPage.PAGE_SIZE}, {EmulatedRuntime.HEAP_BASE, EmulatedRuntime.HEAP_SIZE},
            {EmulatedRuntime.STACK_BASE, EmulatedRuntime.STACK_SIZE}};
        for (int i = 0; i < ranges.length; i++) {
            if (base < ranges[i][0] + ranges[i][1] && ranges[i][0] < base + size) {
                return String.format("the image's 0x%X bytes overlap the emulator's %s at 0x%X", size, names[i], ranges[i][0]);
            }
        }
        return null;
    }

    private void map() {
        engine.memMap(base, mappedSize, UC_PROT_ALL);
        ByteReader file = image.pe().file();
        long headers = Math.min(Math.min(image.pe().sizeOfHeaders(), file.length()), mappedSize);
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
        if (relocations.isEmpty()) {
            throw new RunRejectedException(RunRejectedException.Reason.UNSUPPORTED_BASE_RELOCATION, String.format(
                    "the image must move from its base 0x%X to 0x%X and has no base relocations", image.pe().imageBase(), base));
        }
        for (BaseRelocation r : relocations) {
            if (r.type() != RelocType.IMAGE_REL_BASED_DIR64) {
                throw new RunRejectedException(RunRejectedException.Reason.UNSUPPORTED_BASE_RELOCATION, String.format(
                        "base relocation type %d at RVA 0x%X is not supported on a 64-bit image", r.type(), r.rva()));
            }
            if (r.rva() + 8 > mappedSize) {
                throw new RunRejectedException(RunRejectedException.Reason.UNSUPPORTED_BASE_RELOCATION, String.format(
                        "base relocation at RVA 0x%X lies outside the image (SizeOfImage 0x%X)", r.rva(), image.pe().sizeOfImage()));
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
