package dev.pinagent.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.metrics.CounterStore;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.signing.PolicySignatures;
import dev.pinagent.signing.PublicKeys;
import dev.pinagent.signing.SigningKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The startup load of a served policy: the cache stands in when the server is down, and guards against rollback. */
class StartupLoadTest {
  @TempDir Path directory;

  private final CounterStore store = new CounterStore(10);
  private final SigningKey key = SigningKey.generate();
  private PolicySignatures signatures;
  private PolicyCache cache;

  @BeforeEach
  void keys() throws Exception {
    Files.writeString(directory.resolve("keys.pub"), key.publicPem());
    signatures = new PolicySignatures(PublicKeys.read(directory.resolve("keys.pub")));
    cache = new PolicyCache(directory.resolve("cache"));
  }

  private static byte[] policy(long serial) {
    return ("version: 1\nserial: " + serial + "\npin-sets: []\n").getBytes(StandardCharsets.UTF_8);
  }

  /** A server that serves {@code policy} signed, or is down when {@code policy} is null. */
  private PolicySource server(byte[] policy) {
    return new PolicySource() {
      @Override
      public String name() {
        return "https://pins.example/p.yaml";
      }

      @Override
      public byte[] read() throws PolicyException {
        if (policy == null) {
          throw new PolicyException(name(), 0, "", "cannot be fetched: java.net.ConnectException: refused");
        }
        return policy;
      }

      @Override
      public byte[] readSignature() {
        return key.sign(policy).format().getBytes(StandardCharsets.US_ASCII);
      }

      @Override
      public String unreadableReason() {
        return "unreachable";
      }
    };
  }

  @Test
  void cachesWhatTheServerServesAndUsesItVerifiedWhenTheServerIsDown() throws Exception {
    StartupLoad first = StartupLoad.load(server(policy(5)), signatures, cache, store);
    assertThat(first.serial).isEqualTo(5);
    assertThat(first.warning).isNull();
    assertThat(Files.readAllBytes(directory.resolve("cache/policy.yaml"))).isEqualTo(policy(5));

    StartupLoad down = StartupLoad.load(server(null), signatures, cache, store);
    assertThat(down.serial).isEqualTo(5);
    assertThat(down.warning).startsWith("the policy server is unreachable (https://pins.example/p.yaml: cannot be "
        + "fetched: ").contains("using the policy cached in " + directory.resolve("cache") + ", verified again");
    assertThat(store.policyLoadCount("failure", "unreachable")).isEqualTo(1);
  }

  @Test
  void refusesATamperedCacheAndNoCacheAtAllWhenTheServerIsDown() throws Exception {
    StartupLoad.load(server(policy(5)), signatures, cache, store);
    Files.write(directory.resolve("cache/policy.yaml"), policy(6));
    assertThatThrownBy(() -> StartupLoad.load(server(null), signatures, cache, store))
        .isInstanceOf(StartupLoad.Refused.class)
        .hasMessageStartingWith("pin policy signature refused: " + directory.resolve("cache/policy.yaml.sig"));

    assertThatThrownBy(() -> StartupLoad.load(server(null), signatures, new PolicyCache(directory.resolve("none")),
        store)).hasMessageStartingWith("invalid pin policy: https://pins.example/p.yaml: cannot be fetched: ")
        .hasMessageContaining("; and no usable cached policy: ");
    assertThatThrownBy(() -> StartupLoad.load(server(null), signatures, null, store))
        .hasMessage("invalid pin policy: https://pins.example/p.yaml: cannot be fetched: java.net.ConnectException: "
            + "refused");
  }

  @Test
  void aServedSerialBelowTheCachedOneIsARollback() throws Exception {
    StartupLoad.load(server(policy(7)), signatures, cache, store);
    assertThatThrownBy(() -> StartupLoad.load(server(policy(6)), signatures, cache, store))
        .hasMessageStartingWith("pin policy rolled back: https://pins.example/p.yaml: serial 6 is lower than the "
            + "serial 7 of the policy cached in " + directory.resolve("cache"));
    assertThat(store.policyLoadCount("failure", "rollback")).isEqualTo(1);
    assertThat(StartupLoad.load(server(policy(8)), signatures, cache, store).serial).isEqualTo(8);
  }
}
