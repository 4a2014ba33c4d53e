package dev.pinagent.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicySignaturesTest {
  private static final SigningKey OLD = SigningKey.generate();
  private static final SigningKey NEW = SigningKey.generate();
  private static final byte[] POLICY = "version: 1\nserial: 7\npin-sets: []\n".getBytes(StandardCharsets.UTF_8);

  private static PolicySignatures trusting(SigningKey... keys) throws KeyFileException {
    StringBuilder pem = new StringBuilder();
    for (SigningKey key : keys) {
      pem.append(key.publicPem()).append('\n');
    }
    return new PolicySignatures(PublicKeys.parse("keys.pub", pem.toString().getBytes(StandardCharsets.US_ASCII)));
  }

  private static byte[] sig(SigningKey key, byte[] message) {
    return key.sign(message).format().getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void acceptsAPolicySignedByAListedKeyAndNamesTheKey() throws Exception {
    assertThat(trusting(OLD).verify("pins.yaml", POLICY, sig(OLD, POLICY))).isEqualTo(OLD.keyId());
  }

  @Test
  void acceptsEitherKeyWhileTwoAreListedForARotation() throws Exception {
    PolicySignatures both = trusting(OLD, NEW);
    assertThat(both.verify("pins.yaml", POLICY, sig(NEW, POLICY))).isEqualTo(NEW.keyId());
    assertThat(both.verify("pins.yaml", POLICY, sig(OLD, POLICY))).isEqualTo(OLD.keyId());
  }

  @Test
  void refusesAPolicyWithOneByteChanged() throws Exception {
    byte[] signature = sig(OLD, POLICY);
    byte[] tampered = POLICY.clone();
    tampered[tampered.length - 3] ^= 1;
    assertThatThrownBy(() -> trusting(OLD).verify("pins.yaml", tampered, signature))
        .isInstanceOf(PolicySignatureException.class)
        .hasMessage("pins.yaml.sig: the signature by key " + OLD.keyId() + " does not match the policy's bytes: "
            + "the policy was changed after it was signed, or the .sig is of another version");
  }

  @Test
  void refusesASignatureByAKeyThatIsNotListed() throws Exception {
    assertThatThrownBy(() -> trusting(OLD).verify("pins.yaml", POLICY, sig(NEW, POLICY)))
        .hasMessageStartingWith("pins.yaml.sig: signed with key " + NEW.keyId() + ", which is not in "
            + "policy.public-key (it lists " + OLD.keyId() + ")");
  }

  @Test
  void refusesASignatureCopiedUnderTheIdOfAListedKey() throws Exception {
    String forged = NEW.sign(POLICY).format().replace(NEW.keyId(), OLD.keyId());
    assertThatThrownBy(() -> trusting(OLD).verify("pins.yaml", POLICY, forged.getBytes(StandardCharsets.US_ASCII)))
        .hasMessageContaining("does not match the policy's bytes");
  }

  @Test
  void refusesAnUnsignedPolicySayingHowToSignIt() throws Exception {
    assertThatThrownBy(() -> trusting(OLD).verify("/etc/pins.yaml", POLICY, null))
        .hasMessage("/etc/pins.yaml: is not signed: there is no /etc/pins.yaml.sig and policy.public-key requires a "
            + "signed policy; sign it with java -jar pin-agent.jar sign /etc/pins.yaml --key <private key>");
  }

  static Stream<Arguments> malformedSignatureFiles() {
    String good = OLD.sign(POLICY).format();
    String[] lines = good.split("\n");
    String base64 = lines[1].substring("signature: ".length());
    return Stream.of(
        Arguments.of("empty", "", "not a PinAgent signature file"),
        Arguments.of("one line", lines[0] + "\n", "not a PinAgent signature file"),
        Arguments.of("a third line", good + "comment: hi\n", "not a PinAgent signature file"),
        Arguments.of("lines swapped", lines[1] + "\n" + lines[0] + "\n", "not a PinAgent signature file"),
        Arguments.of("the raw base64 alone", base64 + "\n", "not a PinAgent signature file"),
        Arguments.of("key id in upper case", good.replace(lines[0], lines[0].toUpperCase().replace("KEY-ID", "key-id")),
            ":1: the key id must be 16 lower-case hex digits"),
        Arguments.of("key id too short", good.replace(lines[0], "key-id: abc"), ":1: the key id must be 16"),
        Arguments.of("not base64", good.replace(base64, "!" + base64.substring(1)), ":2: the signature is not base64"),
        Arguments.of("63 bytes", good.replace(base64,
            Base64.getEncoder().encodeToString(new byte[63])), ":2: the signature is 63 bytes; an Ed25519 signature "
            + "is 64 bytes"),
        Arguments.of("65 bytes", good.replace(base64, Base64.getEncoder().encodeToString(new byte[65])),
            ":2: the signature is 65 bytes"),
        Arguments.of("huge", good + "x".repeat(5000), "is larger than 1024 bytes"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedSignatureFiles")
  void refusesAMalformedSignatureFileSayingWhatIsExpected(String guards, String file, String message) {
    assertThatThrownBy(() -> trusting(OLD).verify("pins.yaml", POLICY, file.getBytes(StandardCharsets.ISO_8859_1)))
        .isInstanceOf(PolicySignatureException.class)
        .hasMessageStartingWith("pins.yaml.sig")
        .hasMessageContaining(message);
  }

  @Test
  void acceptsASignatureFileWithWindowsLineEndings() throws Exception {
    String crlf = OLD.sign(POLICY).format().replace("\n", "\r\n");
    assertThat(trusting(OLD).verify("pins.yaml", POLICY, crlf.getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(OLD.keyId());
  }

  @Test
  void aLowerSerialIsARollbackAndAnEqualOneWithOtherBytesIsRefusedToo() {
    assertThat(PolicySignatures.rollback("pins.yaml", 8, 7)).isNull();
    assertThat(PolicySignatures.rollback("pins.yaml", 6, 7)).startsWith("pins.yaml: serial 6 is lower than the "
        + "serial 7 of the policy in force");
    assertThat(PolicySignatures.rollback("pins.yaml", 7, 7)).startsWith("pins.yaml: serial 7 is that of the policy "
        + "in force, but the bytes differ");
  }
}
