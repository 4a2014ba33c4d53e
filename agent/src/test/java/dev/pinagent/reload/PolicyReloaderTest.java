package dev.pinagent.reload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.log.AgentLog;
import dev.pinagent.metrics.CounterStore;
import dev.pinagent.policy.Policy;
import dev.pinagent.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyReloaderTest {
  private static final String PIN = TestPki.randomPin();

  @TempDir Path directory;

  private final List<Policy> installed = new ArrayList<>();
  private final List<String> fingerprints = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private final CounterStore counters = new CounterStore(10);

  private static String policy(String... hosts) {
    StringBuilder yaml = new StringBuilder("version: 1\nmode: enforce\npin-sets:\n");
    for (String host : hosts) {
      yaml.append("  - name: ").append(host.replace('.', '-')).append("\n    hosts: [").append(host)
          .append("]\n    pins: [").append(PIN).append("]\n");
    }
    return yaml.toString();
  }

  private Path write(String name, String text) throws Exception {
    return Files.write(directory.resolve(name), text.getBytes(StandardCharsets.UTF_8));
  }

  private PolicyReloader reloader(PolicySource source, String inForce) {
    return new PolicyReloader(source, (policy, sha256) -> {
      installed.add(policy);
      fingerprints.add(sha256);
    }, counters, AgentLog.text(log::add), 0, inForce);
  }

  private static String fingerprintOf(String text) {
    return PolicyReloader.fingerprint(text.getBytes(StandardCharsets.UTF_8));
  }

  private long failures(String reason) {
    return counters.policyLoadCount("failure", reason);
  }

  @Test
  void putsANewValidVersionInForceWithTheFingerprintOfItsBytes() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));
    reloader.poll();
    assertThat(installed).isEmpty();

    write("pins.yaml", policy("a.example", "b.example"));
    reloader.poll();

    assertThat(installed).hasSize(1);
    assertThat(installed.get(0).pinSets()).hasSize(2);
    assertThat(fingerprints).containsExactly(fingerprintOf(policy("a.example", "b.example")));
    reloader.poll();
    assertThat(installed).as("the same content is not loaded twice").hasSize(1);
  }

  @Test
  void aFileTouchedOrRewrittenWithTheSameContentIsNotAReload() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    reloader.poll();
    write("pins.yaml", policy("a.example"));
    reloader.poll();
    assertThat(installed).isEmpty();
    assertThat(log).isEmpty();
  }

  @Test
  void seesAFileReplacedByRenameAndAnUnchangedModificationTime() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));
    Path next = write("next.yaml", policy("c.example"));
    Files.setLastModifiedTime(next, Files.getLastModifiedTime(file));
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    reloader.poll();
    assertThat(installed).singleElement().satisfies(p -> assertThat(p.pinSets().get(0).name()).isEqualTo("c-example"));
  }

  @Test
  void refusesAnInvalidVersionOnceKeepingThePolicyInForceUntilTheFileIsFixed() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));

    write("pins.yaml", policy("a.example").replace("mode: enforce", "mode: enforce\nmodee: report"));
    reloader.poll();
    reloader.poll();
    reloader.poll();

    assertThat(installed).isEmpty();
    assertThat(log).as("one line per distinct bad content, not one per look").singleElement()
        .asString()
        .startsWith("[pin-agent] ERROR: policy reload refused: the policy source is invalid; the policy in force "
            + "(sha256 " + fingerprintOf(policy("a.example")).substring(0, 12) + ") stays: ")
        .contains(file.toAbsolutePath() + ":3: ")
        .contains("modee");
    assertThat(failures("invalid")).isEqualTo(1);
    assertThat(counters.policyStatus().isFailing()).isTrue();

    write("pins.yaml", policy("a.example").replace("version: 1", "version: 2"));
    reloader.poll();
    assertThat(log).as("another bad content is logged and counted again").hasSize(2);
    assertThat(failures("invalid")).isEqualTo(2);

    write("pins.yaml", policy("a.example", "b.example"));
    reloader.poll();
    assertThat(installed).hasSize(1);
  }

  @Test
  void revertingTheFileToThePolicyInForceEndsTheFailure() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));
    write("pins.yaml", "pin-sets: [");
    reloader.poll();
    assertThat(counters.policyStatus().isFailing()).isTrue();

    write("pins.yaml", policy("a.example"));
    reloader.poll();

    assertThat(counters.policyStatus().isFailing()).isFalse();
    assertThat(installed).isEmpty();
  }

  @Test
  void aDeletedFileKeepsThePolicyInForceAndItsRecreationIsPickedUp() throws Exception {
    Path file = write("pins.yaml", policy("a.example"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));
    Files.delete(file);
    reloader.poll();
    reloader.poll();

    assertThat(installed).isEmpty();
    assertThat(log).singleElement().asString()
        .contains("the policy source cannot be read; the policy in force (sha256 ")
        .contains("no such file");
    assertThat(failures("unreadable")).isEqualTo(1);
    assertThat(counters.policyStatus().isFailing()).isTrue();

    write("pins.yaml", policy("d.example"));
    reloader.poll();
    assertThat(installed).hasSize(1);
  }

  @Test
  void followsAKubernetesConfigMapSymlinkSwap() throws Exception {
    Path first = Files.createDirectory(directory.resolve("..2026_12_01_10_00_00.1"));
    Files.write(first.resolve("pins.yaml"), policy("a.example").getBytes(StandardCharsets.UTF_8));
    Files.createSymbolicLink(directory.resolve("..data"), first.getFileName());
    Path file = Files.createSymbolicLink(directory.resolve("pins.yaml"), Path.of("..data", "pins.yaml"));
    PolicyReloader reloader = reloader(new PolicyFile(file), fingerprintOf(policy("a.example")));

    Path second = Files.createDirectory(directory.resolve("..2026_12_01_10_05_00.2"));
    Files.write(second.resolve("pins.yaml"), policy("k.example").getBytes(StandardCharsets.UTF_8));
    Path link = Files.createSymbolicLink(directory.resolve("..data_tmp"), second.getFileName());
    Files.move(link, directory.resolve("..data"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    reloader.poll();

    assertThat(installed).singleElement().satisfies(p -> assertThat(p.pinSets().get(0).name()).isEqualTo("k-example"));
  }

  @Test
  void neverLoadsAVersionThatChangesBetweenTwoReads() throws Exception {
    String whole = policy("a.example", "b.example");
    String half = policy("a.example");
    List<String> reads = new ArrayList<>(List.of(half, whole, whole, whole));
    PolicySource halfWritten = new PolicySource() {
      @Override
      public String name() {
        return "pins.yaml";
      }

      @Override
      public byte[] read() {
        return reads.remove(0).getBytes(StandardCharsets.UTF_8);
      }
    };
    PolicyReloader reloader = reloader(halfWritten, fingerprintOf("old"));

    reloader.poll();
    assertThat(installed).as("the first half, though valid, changed under the second read").isEmpty();
    reloader.poll();
    assertThat(installed).singleElement().satisfies(p -> assertThat(p.pinSets()).hasSize(2));
  }

  @Test
  void startedUnpinnedPutsTheFirstValidVersionInForce() throws Exception {
    Path file = write("pins.yaml", "version: [");
    PolicyReloader reloader = reloader(new PolicyFile(file), null);
    reloader.poll();
    assertThat(log).singleElement().asString()
        .contains("the service stays UNPINNED until a valid policy is there");

    write("pins.yaml", policy("a.example"));
    reloader.poll();
    assertThat(installed).hasSize(1);
  }

  @Test
  void fingerprintsAreTheSha256OfTheBytes() {
    assertThat(PolicyReloader.fingerprint(new byte[0]))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(PolicyReloader.shortFingerprint("e3b0c44298fc1c149afbf4c8996fb924")).isEqualTo("e3b0c44298fc");
  }
}
