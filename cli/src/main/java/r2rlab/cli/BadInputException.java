package r2rlab.cli;

/** Input a command cannot use (an unknown entry, an image the emulator refuses): one line on standard error and exit status 2. */
final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
        super(message);
    }

    BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
