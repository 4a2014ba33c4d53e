package dev.pinagent.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The private key that signs policies, for the {@code keygen} and {@code sign} tools (the agent never holds
 * one). Stored as an unencrypted PKCS #8 PEM ({@code -----BEGIN PRIVATE KEY-----}), as {@code openssl genpkey
 * -algorithm ed25519} writes it, in a file only its owner may read: a key file others can read is refused, as
 * OpenSSH refuses one.
 */
public final class SigningKey {
  public static final String PRIVATE_FILE = "policy-signing.key";
  public static final String PUBLIC_FILE = "policy-signing.pub";

  private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  /** The 32-byte private key (RFC 8032's seed). */
  private final byte[] seed;
  private final byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];

  private SigningKey(byte[] seed) {
    this.seed = seed;
    Ed25519.generatePublicKey(seed, 0, publicKey, 0);
  }

  public static SigningKey generate() {
    byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
    Ed25519.generatePrivateKey(new SecureRandom(), seed);
    return new SigningKey(seed);
  }

  /**
   * Reads a private key file, refusing one that its group or others may access.
   *
   * @throws KeyFileException saying what is wrong and the fix ({@code chmod 600})
   */
  public static SigningKey read(Path file) throws KeyFileException {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view != null && Files.isRegularFile(file)) {
      Set<PosixFilePermission> permissions;
      try {
        permissions = view.readAttributes().permissions();
      } catch (IOException e) {
        throw new KeyFileException(file + ": cannot read its permissions: " + e);
      }
      Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
      loose.addAll(permissions);
      loose.retainAll(OTHERS);
      if (!loose.isEmpty()) {
        throw new KeyFileException(file + ": the private signing key is accessible to its group or others (mode "
            + PosixFilePermissions.toString(permissions) + "); whoever can read it can sign a policy every "
            + "service trusts. Restrict it (chmod 600 " + file + ") and, if others may have read it, make a new "
            + "key and list it in place of this one");
      }
    }
    byte[] bytes = PublicKeys.KeyFiles.read(file, PublicKeys.MAX_FILE_BYTES, "a private key file");
    List<Pem.Block> blocks = Pem.blocks(file.toString(), new String(bytes, StandardCharsets.US_ASCII));
    if (blocks.size() != 1 || !blocks.get(0).label.equals("PRIVATE KEY")) {
      throw new KeyFileException(file + ": expected one '-----BEGIN PRIVATE KEY-----' block (made by "
          + "java -jar pin-agent.jar keygen, or openssl genpkey -algorithm ed25519)");
    }
    byte[] seed = Ed25519Der.privateKey(blocks.get(0).der);
    if (seed == null) {
      throw new KeyFileException(file + ": not an unencrypted Ed25519 private key (made by java -jar pin-agent.jar "
          + "keygen, or openssl genpkey -algorithm ed25519)");
    }
    return new SigningKey(seed);
  }

  /** The id of the matching public key, written in each signature. */
  public String keyId() {
    return Ed25519Der.keyId(publicKey);
  }

  /** The detached signature of {@code message}. */
  public DetachedSignature sign(byte[] message) {
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, message, 0, message.length, signature, 0);
    return new DetachedSignature(keyId(), signature);
  }

  /** The public key as a PEM block, for {@code policy.public-key}. */
  public String publicPem() {
    return "# PinAgent policy signing key " + keyId() + "\n"
        + Pem.encode("PUBLIC KEY", Ed25519Der.encodePublic(publicKey));
  }

  /**
   * Writes {@link #PRIVATE_FILE} (created owner-only, never widened afterwards) and {@link #PUBLIC_FILE} into
   * {@code directory}; refuses to overwrite either.
   */
  public void writeTo(Path directory) throws IOException {
    Path privateFile = directory.resolve(PRIVATE_FILE);
    Path publicFile = directory.resolve(PUBLIC_FILE);
    for (Path file : List.of(privateFile, publicFile)) {
      if (Files.exists(file)) {
        throw new IOException(file + " exists; keygen never overwrites a key (move it away first)");
      }
    }
    Files.createDirectories(directory);
    byte[] pem = Pem.encode("PRIVATE KEY", Ed25519Der.encodePrivate(seed))
        .getBytes(StandardCharsets.US_ASCII);
    if (Files.getFileStore(directory).supportsFileAttributeView(PosixFileAttributeView.class)) {
      // Created with its final permissions: there is no moment at which others could open it.
      Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(privateFile, pem);
    } else {
      Files.write(privateFile, pem);
    }
    Files.write(publicFile, publicPem().getBytes(StandardCharsets.US_ASCII));
  }
}
