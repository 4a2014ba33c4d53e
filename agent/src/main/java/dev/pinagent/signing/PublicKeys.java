package dev.pinagent.signing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The keys any of which may sign a policy ({@code policy.public-key}): one or more Ed25519 public keys in PEM
 * ({@code -----BEGIN PUBLIC KEY-----}), so the signing key can be rotated: list the new key beside the old, sign
 * with the new, then drop the old.
 */
public final class PublicKeys {
  /** A key file of a few keys is well below this; anything larger is the wrong file. */
  static final int MAX_FILE_BYTES = 64 * 1024;

  private final Map<String, byte[]> byId;

  private PublicKeys(Map<String, byte[]> byId) {
    this.byId = byId;
  }

  /** Reads the key file. */
  public static PublicKeys read(Path file) throws KeyFileException {
    return parse(file.toString(), KeyFiles.read(file, MAX_FILE_BYTES, "a public key file"));
  }

  static PublicKeys parse(String file, byte[] bytes) throws KeyFileException {
    Map<String, byte[]> byId = new LinkedHashMap<>();
    for (Pem.Block block : Pem.blocks(file, new String(bytes, StandardCharsets.US_ASCII))) {
      if (!block.label.equals("PUBLIC KEY")) {
        throw new KeyFileException(file + ":" + block.line + ": a " + block.label + " block; expected only "
            + "PUBLIC KEY blocks" + (block.label.contains("PRIVATE") ? " (this is a private key: never ship it; "
            + "give the agent the .pub file)" : ""));
      }
      byte[] key = Ed25519Der.publicKey(block.der);
      if (key == null) {
        throw new KeyFileException(file + ":" + block.line + ": not an Ed25519 public key; make one with "
            + "java -jar pin-agent.jar keygen <dir> (or openssl genpkey -algorithm ed25519)");
      }
      if (!Ed25519.validatePublicKeyPartial(key, 0)) {
        throw new KeyFileException(file + ":" + block.line + ": not a valid Ed25519 public key (its 32 bytes are "
            + "not a point of the curve); copy the .pub that keygen wrote again");
      }
      String id = Ed25519Der.keyId(key);
      if (byId.put(id, key) != null) {
        throw new KeyFileException(file + ":" + block.line + ": key " + id + " is listed twice");
      }
    }
    if (byId.isEmpty()) {
      throw new KeyFileException(file + ": holds no key; expected one or more '-----BEGIN PUBLIC KEY-----' blocks");
    }
    return new PublicKeys(byId);
  }

  /** The ids of the keys, in file order. */
  public List<String> ids() {
    return new ArrayList<>(byId.keySet());
  }

  /**
   * Whether {@code signature} is the signature of {@code message} by the key {@code keyId}.
   *
   * @throws IllegalArgumentException when no listed key has that id
   */
  boolean verify(String keyId, byte[] message, byte[] signature) {
    byte[] key = byId.get(keyId);
    if (key == null) {
      throw new IllegalArgumentException(keyId);
    }
    return signature.length == Ed25519.SIGNATURE_SIZE
        && Ed25519.verify(signature, 0, key, 0, message, 0, message.length);
  }

  boolean lists(String keyId) {
    return byId.containsKey(keyId);
  }

  /** Reads small key and signature files whole, refusing what is not a regular file or too large. */
  static final class KeyFiles {
    private KeyFiles() {}

    static byte[] read(Path file, int maxBytes, String what) throws KeyFileException {
      if (!Files.isRegularFile(file)) {
        throw new KeyFileException(file + ": " + (Files.exists(file) ? "is not a regular file" : "no such file")
            + "; expected " + what);
      }
      try (InputStream in = Files.newInputStream(file)) {
        byte[] bytes = in.readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
          throw new KeyFileException(file + ": is larger than " + maxBytes + " bytes; expected " + what);
        }
        return bytes;
      } catch (IOException e) {
        throw new KeyFileException(file + ": cannot be read: " + e);
      }
    }
  }
}
