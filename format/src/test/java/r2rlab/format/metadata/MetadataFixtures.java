package r2rlab.format.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import r2rlab.format.ByteReader;

/**
 * Test-only helpers: finds the fixture images and locates their metadata with a minimal PE walk
 * (DOS header, COFF header, optional header data directory 14, section table, CLI header).
 */
public final class MetadataFixtures {
    private MetadataFixtures() {
    }

    /** Where {@link #locate} found the metadata of an image. */
    record Location(long fileOffset, int size) {
    }

    public static Path fixturesDir() {
        String property = System.getProperty("r2rlab.fixtures");
        if (property != null && !property.isBlank()) {
            Path p = Paths.get(property).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("fixtures");
            if (dir.getParent() != null && Files.isDirectory(candidate)) {
                return candidate;
            }
            candidate = dir.resolve("shared").resolve("fixtures");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("fixtures folder not found: set -Dr2rlab.fixtures");
    }

    public static Path fixture(String relative) {
        return fixturesDir().resolve(relative);
    }

    /** All *.dll below r2r/ and r2r-net11-async/, sorted. */
    static List<Path> allImages() {
        List<Path> out = new ArrayList<>();
        for (String folder : new String[] {"r2r", "r2r-net11-async"}) {
            try (Stream<Path> s = Files.list(fixturesDir().resolve(folder))) {
                s.filter(p -> p.getFileName().toString().endsWith(".dll")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public static byte[] bytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Location locate(byte[] image) {
        ByteReader r = new ByteReader(image);
        long pe = r.u32("test PE", 0x3C);
        if (r.i32("test PE", pe) != 0x00004550) {
            throw new IllegalArgumentException("no PE signature");
        }
        long coff = pe + 4;
        int sections = r.u16("test COFF", coff + 2);
        int optionalSize = r.u16("test COFF", coff + 16);
        long opt = coff + 20;
        int magic = r.u16("test optional header", opt);
        long dirs = switch (magic) {
            case 0x10B -> opt + 96;
            case 0x20B -> opt + 112;
            default -> throw new IllegalArgumentException("optional header magic 0x" + Integer.toHexString(magic));
        };
        long cliRva = r.u32("test data directory 14", dirs + 14 * 8);
        long sectionTable = opt + optionalSize;
        long cli = rvaToOffset(r, sectionTable, sections, cliRva);
        long mdRva = r.u32("test CLI header", cli + 8);
        int mdSize = r.i32("test CLI header", cli + 12);
        return new Location(rvaToOffset(r, sectionTable, sections, mdRva), mdSize);
    }

    private static long rvaToOffset(ByteReader r, long table, int sections, long rva) {
        for (int i = 0; i < sections; i++) {
            long s = table + 40L * i;
            long virtualSize = r.u32("test section", s + 8);
            long virtualAddress = r.u32("test section", s + 12);
            long rawSize = r.u32("test section", s + 16);
            long rawPointer = r.u32("test section", s + 20);
            if (rva >= virtualAddress && rva < virtualAddress + Math.max(virtualSize, rawSize)) {
                return rva - virtualAddress + rawPointer;
            }
        }
        throw new IllegalArgumentException("RVA 0x" + Long.toHexString(rva) + " is in no section");
    }

    static Metadata read(byte[] image) {
        Location l = locate(image);
        return Metadata.read(new ByteReader(image), l.fileOffset(), l.size());
    }
}
