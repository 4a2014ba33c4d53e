package dev.pinagent.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PublicKeysTest {
  private static final SigningKey KEY = SigningKey.generate();
  /** An Ed25519 key made by {@code openssl genpkey -algorithm ed25519 | openssl pkey -pubout}. */
  private static final String OPENSSL_PUBLIC = "-----BEGIN PUBLIC KEY-----\n"
      + "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
      + "-----END PUBLIC KEY-----\n";
  /** A P-256 key: the wrong algorithm. */
  private static final String EC_PUBLIC = "-----BEGIN PUBLIC KEY-----\n"
      + "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
      + "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
      + "-----END PUBLIC KEY-----\n";

  private static PublicKeys parse(String text) throws KeyFileException {
    return PublicKeys.parse("keys.pub", text.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void readsSeveralKeysWithCommentsAndBlankLinesInFileOrder() throws Exception {
    SigningKey other = SigningKey.generate();
    PublicKeys keys = parse("# current\n" + KEY.publicPem() + "\n\n# next, from 2027\n" + other.publicPem());
    assertThat(keys.ids()).containsExactly(KEY.keyId(), other.keyId());
  }

  @Test
  void readsAKeyMadeByOpenSsl() throws Exception {
    assertThat(parse(OPENSSL_PUBLIC).ids()).singleElement().asString().matches("[0-9a-f]{16}");
  }

  static Stream<Arguments> badKeyFiles() {
    String pem = KEY.publicPem();
    return Stream.of(
        Arguments.of("no key at all", "# nothing here\n", "keys.pub: holds no key"),
        Arguments.of("an EC key", EC_PUBLIC, "keys.pub:1: not an Ed25519 public key"),
        Arguments.of("a private key given by mistake", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
            + "-----END PRIVATE KEY-----\n", "keys.pub:1: a PRIVATE KEY block; expected only PUBLIC KEY blocks (this "
            + "is a private key: never ship it"),
        Arguments.of("cut short", pem.substring(0, pem.indexOf("-----END")), "has no '-----END PUBLIC KEY-----' line"),
        Arguments.of("not base64", OPENSSL_PUBLIC.replace("MCow", "MC*w"), "keys.pub:1: the PUBLIC KEY block is not "
            + "valid base64"),
        Arguments.of("stray text", "ssh-ed25519 AAAAC3Nza...\n", "keys.pub:1: expected '-----BEGIN ...-----' or a '#' "
            + "comment, got 'ssh-ed25519 AAAAC3Nza...'"),
        Arguments.of("the same key twice", pem + pem, "is listed twice"),
        Arguments.of("32 bytes that are not a point of the curve", Pem.encode("PUBLIC KEY",
            Ed25519Der.encodePublic(notAPoint())), "keys.pub:1: not a valid Ed25519 public key"));
  }

  /** A y coordinate of 2^255 - 1, above the field's prime: no point is encoded so. */
  private static byte[] notAPoint() {
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 0xff);
    key[31] = 0x7f;
    return key;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badKeyFiles")
  void refusesABadKeyFileSayingWhereAndWhy(String guards, String text, String message) {
    assertThatThrownBy(() -> parse(text)).isInstanceOf(KeyFileException.class).hasMessageContaining(message);
  }
}
