package dev.pinagent.signing;

/** A key file that cannot be used; the message names the file (and line) and says what to do. */
public final class KeyFileException extends Exception {
  private static final long serialVersionUID = 1L;

  public KeyFileException(String message) {
    super(message);
  }
}
