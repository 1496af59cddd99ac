package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
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
        try {
            return R2RImage.read(image);
        } catch (FormatException e) {
            err.println("r2rlab: " + image + ": " + e.getMessage());
        } catch (NoSuchFileException e) {
            err.println("r2rlab: " + image + ": no such file");
        } catch (IOException e) {
            err.println("r2rlab: " + image + ": cannot read: " + e.getMessage());
        }
        return null;
    }
}
