package dev.pinagent.signing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A policy's detached signature, the file {@code <policy>.sig} beside it. Two lines, nothing else:
 *
 * <pre>
 * key-id: 5d2e8f0a91c3b7e4
 * signature: &lt;base64 of the raw 64-byte Ed25519 signature over the exact bytes of the policy file&gt;
 * </pre>
 *
 * The key id is the first 16 hex digits of the SHA-256 of the signing key's SubjectPublicKeyInfo (what {@code
 * keygen} prints). Lines may end in LF or CRLF; anything else (another line, a signature of another length, a
 * character outside base64) is refused with what was expected: a signature file is made by a tool, not by hand.
 */
public final class DetachedSignature {
  /** Raw Ed25519 signature length (RFC 8032). */
  static final int SIGNATURE_BYTES = 64;
  /** Two short lines; a file larger than this is not a signature file. */
  public static final int MAX_FILE_BYTES = 1024;

  private static final String KEY_ID = "key-id: ";
  private static final String SIGNATURE = "signature: ";

  private final String keyId;
  private final byte[] signature;

  DetachedSignature(String keyId, byte[] signature) {
    this.keyId = keyId;
    this.signature = signature.clone();
  }

  /**
   * Parses a signature file.
   *
   * @param name the file, for the message
   * @throws PolicySignatureException saying what is wrong and what is expected
   */
  public static DetachedSignature parse(String name, byte[] bytes) throws PolicySignatureException {
    if (bytes.length > MAX_FILE_BYTES) {
      throw new PolicySignatureException(name + ": is larger than " + MAX_FILE_BYTES + " bytes; expected a signature "
          + "file of two lines 'key-id: <16 hex>' and 'signature: <base64>'");
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\r?\n", -1);
    int count = lines.length;
    if (count > 0 && lines[count - 1].isEmpty()) {
      count--;
    }
    if (count != 2 || !lines[0].startsWith(KEY_ID) || !lines[1].startsWith(SIGNATURE)) {
      throw new PolicySignatureException(name + ": not a PinAgent signature file; expected exactly two lines, "
          + "'key-id: <16 hex>' then 'signature: <base64>' (made by java -jar pin-agent.jar sign)");
    }
    String keyId = lines[0].substring(KEY_ID.length());
    if (!keyId.matches("[0-9a-f]{16}")) {
      throw new PolicySignatureException(name + ":1: the key id must be 16 lower-case hex digits, got '"
          + printable(keyId) + "'");
    }
    String base64 = lines[1].substring(SIGNATURE.length());
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new PolicySignatureException(name + ":2: the signature is not base64 (" + e.getMessage() + ")");
    }
    if (signature.length != SIGNATURE_BYTES) {
      throw new PolicySignatureException(name + ":2: the signature is " + signature.length + " bytes; an Ed25519 "
          + "signature is " + SIGNATURE_BYTES + " bytes (88 base64 characters)");
    }
    return new DetachedSignature(keyId, signature);
  }

  public String keyId() {
    return keyId;
  }

  byte[] signature() {
    return signature.clone();
  }

  /** The file's text. */
  public String format() {
    return KEY_ID + keyId + "\n" + SIGNATURE + Base64.getEncoder().encodeToString(signature) + "\n";
  }

  private static String printable(String text) {
    String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
  }
}
