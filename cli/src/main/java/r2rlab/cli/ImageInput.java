package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import r2rlab.format.FormatException;
import r2rlab.loader.R2RImage;

/** Reads an image for a command, turning every input problem into one line on standard error. */
final class ImageInput {
    private ImageInput() {
    }

    /** The parsed image, or null after printing why it could not be read. */
    static R2RImage read(Path image, PrintWriter err) {
        byte[] b = bytes(image, err);
        return b == null ? null : parse(image, b, err);
    }

    /** The file's bytes, or null after printing why they could not be read. */
    static byte[] bytes(Path image, PrintWriter err) {
        try {
            long size = Files.size(image);
            if (size > Integer.MAX_VALUE - 8) {
                err.println("r2rlab: " + image + ": file of " + size + " bytes is larger than any PE image can be");
                return null;
            }
            return Files.readAllBytes(image);
        } catch (NoSuchFileException e) {
            err.println("r2rlab: " + image + ": no such file");
        } catch (IOException e) {
            err.println("r2rlab: " + image + ": cannot read: " + e.getMessage());
        }
        return null;
    }

    /** The image parsed from {@code bytes}, or null after printing the format error. */
    static R2RImage parse(Path image, byte[] bytes, PrintWriter err) {
        try {
            return R2RImage.read(image.getFileName().toString(), bytes);
        } catch (FormatException e) {
            err.println("r2rlab: " + image + ": " + e.getMessage());
        }
        return null;
    }
}
