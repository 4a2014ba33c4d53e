package dev.pinagent.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.metrics.CounterStore;
import dev.pinagent.policy.Policy;
import dev.pinagent.signing.PolicySignatures;
import dev.pinagent.signing.PublicKeys;
import dev.pinagent.signing.SigningKey;
import dev.pinagent.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload with {@code policy.public-key} set: only a signed version with a higher serial is put in force. */
class SignedPolicyReloadTest {
  private static final String PIN = TestPki.randomPin();

  @TempDir Path directory;

  private final List<Policy> installed = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private final CounterStore counters = new CounterStore(10);
  private final SigningKey key = SigningKey.generate();
  private Path file;
  private PolicyReloader reloader;

  private static String policy(long serial, String host) {
    return "version: 1\nserial: " + serial + "\nmode: enforce\npin-sets:\n  - name: s\n    hosts: [" + host
        + "]\n    pins: [" + PIN + "]\n";
  }

  private void ship(String policy, SigningKey signer) throws Exception {
    byte[] bytes = policy.getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    Files.writeString(directory.resolve("pins.yaml.sig"), signer.sign(bytes).format());
  }

  @BeforeEach
  void startWithSerial10() throws Exception {
    file = directory.resolve("pins.yaml");
    ship(policy(10, "a.example"), key);
    Files.writeString(directory.resolve("keys.pub"), key.publicPem());
    PolicySignatures signatures = new PolicySignatures(PublicKeys.read(directory.resolve("keys.pub")));
    reloader = new PolicyReloader(new PolicyFile(file), (policy, sha256) -> installed.add(policy), counters,
        dev.pinagent.log.AgentLog.text(log::add), 0, PolicyReloader.fingerprint(Files.readAllBytes(file)), signatures,
        10);
  }

  private long failures(String reason) {
    return counters.policyLoadCount("failure", reason);
  }

  @Test
  void putsASignedVersionWithAHigherSerialInForce() throws Exception {
    ship(policy(11, "b.example"), key);
    reloader.poll();
    assertThat(installed).singleElement().satisfies(p -> assertThat(p.serial().getAsLong()).isEqualTo(11));
    assertThat(log).isEmpty();
  }

  @Test
  void refusesATamperedVersionOnlyWhenASecondLookFindsTheSamePairAndNeverInstallsIt() throws Exception {
    ship(policy(11, "b.example"), key);
    Files.writeString(file, policy(11, "evil.example"));
    reloader.poll();
    assertThat(log).as("a deploy may be between the policy and its .sig: not yet refused").isEmpty();
    assertThat(installed).isEmpty();

    reloader.poll();
    reloader.poll();
    assertThat(installed).isEmpty();
    assertThat(log).singleElement().asString()
        .contains("policy reload refused: the policy source is not validly signed; the policy in force (sha256 ")
        .contains("does not match the policy's bytes");
    assertThat(failures("signature")).isEqualTo(1);
    assertThat(counters.policyStatus().isFailing()).isTrue();
  }

  @Test
  void aSignatureThatArrivesAfterItsPolicyIsAcceptedWithoutAnError() throws Exception {
    String next = policy(11, "b.example");
    Files.writeString(file, next);
    reloader.poll();
    Files.writeString(directory.resolve("pins.yaml.sig"), key.sign(next.getBytes(StandardCharsets.UTF_8)).format());
    reloader.poll();
    assertThat(installed).hasSize(1);
    assertThat(log).isEmpty();
    assertThat(failures("signature")).isZero();
  }

  @Test
  void refusesAnUnsignedVersionAndOneSignedByAnUnlistedKey() throws Exception {
    Files.delete(directory.resolve("pins.yaml.sig"));
    Files.writeString(file, policy(11, "b.example"));
    reloader.poll();
    reloader.poll();
    assertThat(log).singleElement().asString().contains("is not signed: there is no ");

    ship(policy(12, "c.example"), SigningKey.generate());
    reloader.poll();
    reloader.poll();
    assertThat(log).hasSize(2);
    assertThat(log.get(1)).contains("which is not in policy.public-key");
    assertThat(failures("signature")).isEqualTo(2);
    assertThat(installed).isEmpty();
  }

  @Test
  void refusesAReplayedOlderVersionAndAnEqualSerialWithOtherBytes() throws Exception {
    ship(policy(9, "old.example"), key);
    reloader.poll();
    assertThat(log).singleElement().asString()
        .contains("the policy source is an older version (rollback)")
        .contains("serial 9 is lower than the serial 10 of the policy in force");
    assertThat(failures("rollback")).isEqualTo(1);

    ship(policy(10, "other.example"), key);
    reloader.poll();
    assertThat(log).hasSize(2);
    assertThat(log.get(1)).contains("serial 10 is that of the policy in force, but the bytes differ");
    assertThat(failures("rollback")).isEqualTo(2);
    assertThat(installed).isEmpty();

    ship(policy(12, "new.example"), key);
    reloader.poll();
    assertThat(installed).hasSize(1);
    ship(policy(11, "older.example"), key);
    reloader.poll();
    assertThat(installed).as("the serial in force is now 12").hasSize(1);
    assertThat(failures("rollback")).isEqualTo(3);
  }

  @Test
  void refusesASignedVersionWithoutASerialAsInvalid() throws Exception {
    ship(policy(11, "b.example").replace("serial: 11\n", ""), key);
    reloader.poll();
    assertThat(log).singleElement().asString().contains("is invalid").contains("/serial: a signed policy needs");
    assertThat(failures("invalid")).isEqualTo(1);
  }
}
