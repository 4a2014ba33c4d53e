package dev.pinagent.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyTest {
  @TempDir Path directory;

  @Test
  void writesAnOwnerOnlyPrivateKeyAndAPublicKeyThatVerifiesItsSignatures() throws Exception {
    SigningKey key = SigningKey.generate();
    key.writeTo(directory);
    Path privateFile = directory.resolve(SigningKey.PRIVATE_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");

    SigningKey read = SigningKey.read(privateFile);
    assertThat(read.keyId()).isEqualTo(key.keyId());
    byte[] message = "version: 1\n".getBytes(StandardCharsets.UTF_8);
    PublicKeys keys = PublicKeys.read(directory.resolve(SigningKey.PUBLIC_FILE));
    assertThat(keys.ids()).containsExactly(key.keyId());
    assertThat(new PolicySignatures(keys).verify("p", message,
        read.sign(message).format().getBytes(StandardCharsets.US_ASCII))).isEqualTo(key.keyId());
  }

  @Test
  void neverOverwritesAKey() throws Exception {
    SigningKey.generate().writeTo(directory);
    byte[] before = Files.readAllBytes(directory.resolve(SigningKey.PRIVATE_FILE));
    assertThatThrownBy(() -> SigningKey.generate().writeTo(directory)).hasMessageContaining("never overwrites");
    assertThat(Files.readAllBytes(directory.resolve(SigningKey.PRIVATE_FILE))).isEqualTo(before);
  }

  @Test
  void refusesAPrivateKeyOthersCanReadWithTheFix() throws Exception {
    SigningKey.generate().writeTo(directory);
    Path privateFile = directory.resolve(SigningKey.PRIVATE_FILE);
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> SigningKey.read(privateFile)).isInstanceOf(KeyFileException.class)
        .hasMessageContaining("accessible to its group or others (mode rw-r--r--)")
        .hasMessageContaining("chmod 600 " + privateFile);
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-rw----"));
    assertThatThrownBy(() -> SigningKey.read(privateFile)).hasMessageContaining("(mode rw-rw----)");
    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("r--------"));
    assertThat(SigningKey.read(privateFile).keyId()).hasSize(16);
  }

  @Test
  void readsAPrivateKeyMadeByOpenSslAndRefusesAPublicKeyInItsPlace() throws Exception {
    // openssl genpkey -algorithm ed25519 (RFC 8410 section 10.3's example key).
    Path openssl = Files.writeString(directory.resolve("openssl.key"), "-----BEGIN PRIVATE KEY-----\n"
        + "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
        + "-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(openssl, PosixFilePermissions.fromString("rw-------"));
    // RFC 8410 section 10.1 gives that key's public key; its id must come out of the private key.
    PublicKeys rfcPublic = PublicKeys.parse("rfc.pub", ("-----BEGIN PUBLIC KEY-----\n"
        + "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        + "-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII));
    assertThat(SigningKey.read(openssl).keyId()).isEqualTo(rfcPublic.ids().get(0));

    SigningKey.generate().writeTo(directory);
    Path publicFile = directory.resolve(SigningKey.PUBLIC_FILE);
    Files.setPosixFilePermissions(publicFile, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> SigningKey.read(publicFile)).hasMessageContaining("expected one '-----BEGIN PRIVATE KEY");
  }
}
