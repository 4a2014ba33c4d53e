package dev.pinagent.signing;

/**
 * A policy whose signature does not hold: missing, malformed, made with a key that is not listed, or not over
 * these bytes. The message names the file and says which.
 */
public final class PolicySignatureException extends Exception {
  private static final long serialVersionUID = 1L;

  public PolicySignatureException(String message) {
    super(message);
  }
}
