package dev.pinagent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signing workflow as an operator runs it: keygen once, sign each version, verify before shipping. */
class SigningCommandsTest {
  private static final String POLICY = "version: 1\nserial: 202612011030\nmode: enforce\npin-sets:\n"
      + "  - name: partner\n    hosts: [api.partner.example]\n    pins: [" + TestPki.randomPin() + ", "
      + TestPki.randomPin() + "]\n";

  @TempDir Path directory;
  private Path keys;
  private Path policy;

  @BeforeEach
  void makeAKeyPairAndAPolicy() throws Exception {
    keys = directory.resolve("keys");
    CliRunner.Result keygen = CliRunner.run("keygen", keys.toString());
    assertThat(keygen.status).as(keygen.toString()).isZero();
    assertThat(keygen.out).contains("policy-signing.key").contains("key id ");
    policy = Files.writeString(directory.resolve("pins.yaml"), POLICY);
  }

  private CliRunner.Result sign() {
    return CliRunner.run("sign", policy.toString(), "--key", keys.resolve("policy-signing.key").toString());
  }

  private CliRunner.Result verify() {
    return CliRunner.run("verify", policy.toString(), "--public-key", keys.resolve("policy-signing.pub").toString());
  }

  @Test
  void signsAndVerifiesAPolicy() throws Exception {
    CliRunner.Result sign = sign();
    assertThat(sign.status).as(sign.toString()).isZero();
    assertThat(sign.out).contains("signed " + policy + " (serial 202612011030) with key ")
        .contains("wrote " + policy + ".sig");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("pins.yaml.sig"))))
        .as("readable by agents running as other users").isEqualTo("rw-r--r--");
    CliRunner.Result verify = verify();
    assertThat(verify.status).as(verify.toString()).isZero();
    assertThat(verify.out).startsWith("OK: " + policy + " is signed by key ").contains("(serial 202612011030, 1 "
        + "pin-set(s))");
  }

  @Test
  void verifyRefusesAPolicyChangedAfterSigning() throws Exception {
    sign();
    Files.writeString(policy, POLICY.replace("api.partner.example", "api.partner.examplf"));
    CliRunner.Result verify = verify();
    assertThat(verify.status).isEqualTo(2);
    assertThat(verify.err).contains("does not match the policy's bytes");
  }

  @Test
  void verifyRefusesAnUnsignedPolicy() {
    CliRunner.Result verify = verify();
    assertThat(verify.status).isEqualTo(2);
    assertThat(verify.err).contains("is not signed: there is no " + policy + ".sig");
  }

  @Test
  void neverSignsAnInvalidPolicyOrOneWithoutASerial() throws Exception {
    Files.writeString(policy, POLICY.replace("pins: [", "pinz: ["));
    CliRunner.Result invalid = sign();
    assertThat(invalid.status).isEqualTo(2);
    assertThat(invalid.err).contains("pinz").endsWith("; nothing signed\n");
    assertThat(Files.exists(directory.resolve("pins.yaml.sig"))).isFalse();

    Files.writeString(policy, POLICY.replace("serial: 202612011030\n", ""));
    CliRunner.Result noSerial = sign();
    assertThat(noSerial.status).isEqualTo(2);
    assertThat(noSerial.err).contains("/serial: a signed policy needs 'serial: <whole number>'");
    assertThat(Files.exists(directory.resolve("pins.yaml.sig"))).isFalse();
  }

  @Test
  void refusesAPrivateKeyOthersCanRead() throws Exception {
    Files.setPosixFilePermissions(keys.resolve("policy-signing.key"), PosixFilePermissions.fromString("rw-r--r--"));
    CliRunner.Result sign = sign();
    assertThat(sign.status).isEqualTo(2);
    assertThat(sign.err).contains("accessible to its group or others (mode rw-r--r--)").contains("chmod 600");
    assertThat(Files.exists(directory.resolve("pins.yaml.sig"))).isFalse();
  }

  @Test
  void keygenNeverOverwritesAKey() {
    CliRunner.Result again = CliRunner.run("keygen", keys.toString());
    assertThat(again.status).isEqualTo(2);
    assertThat(again.err).contains("never overwrites");
  }

  @Test
  void signAndVerifyNeedTheirKeyOptions() {
    assertThat(CliRunner.run("sign", policy.toString()).err).contains("sign needs --key");
    assertThat(CliRunner.run("verify", policy.toString()).err).contains("verify needs --public-key");
  }
}
