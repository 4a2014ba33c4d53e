package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.clients.LoadProbe;
import dev.pinagent.it.clients.ResumptionProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.JavaRuntimes;
import dev.pinagent.it.support.LabTest;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.testing.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policy file changes under a running service, in every way files really change, and the agent follows:
 * a valid version is in force within two intervals, a bad one is refused and the last good one stays, no session
 * checked under the old policy is resumed under the new, and under load every handshake is checked under one
 * policy, never a mix.
 */
class PolicyReloadIT extends LabTest {
  private static final Duration INTERVAL = Duration.ofMillis(300);
  /** Two intervals, as promised, plus what a loaded machine adds to a scrape and a forked JVM's scheduling. */
  private static final Duration SEEN_WITHIN = INTERVAL.multipliedBy(2).plusSeconds(5);
  private static final AtomicInteger DIRECTORIES = new AtomicInteger();

  /** localhost pinned to {@code pin} in enforce mode, with a backup pin and, if named, another set. */
  private static String policy(String pin, String otherSet) {
    return "version: 1\nmode: enforce\npin-sets:\n"
        + "  - name: partner\n    hosts: [localhost]\n    pins:\n"
        + "      - " + pin + "\n      - " + TestPki.randomPin() + "   # backup\n"
        + (otherSet == null ? "" : "  - name: " + otherSet + "\n    hosts: [" + otherSet + ".example.com]\n"
            + "    pins: [" + TestPki.randomPin() + "]\n");
  }

  private static String good() {
    return policy(lab.goodIntermediate.pin(), null);
  }

  private static String wrong() {
    return policy(TestPki.randomPin(), null);
  }

  private static Path newDirectory() {
    try {
      return Files.createDirectories(lab.directory.resolve("reload-" + DIRECTORIES.incrementAndGet()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replaces {@code file} as editors and configuration tools do: a new file renamed over it. */
  private static void replace(Path file, String text) {
    Path next = file.resolveSibling(file.getFileName() + ".next");
    write(next, text);
    try {
      Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first 12 hex digits of the SHA-256 of {@code text}: the {@code sha256} tag of the policy in force. */
  private static String sha256(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 6; i++) {
        hex.append(String.format("%02x", digest[i]));
      }
      return hex.toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until the agent serves {@code policy} as the policy in force; returns the scrape that shows it. */
  private static Metrics awaitInForce(int metricsPort, String policy) {
    String tag = "sha256=\"" + sha256(policy) + "\"";
    long deadline = System.nanoTime() + SEEN_WITHIN.toNanos();
    while (true) {
      Metrics metrics = Metrics.scrapeWithin(metricsPort, Duration.ofSeconds(60));
      if (metrics.has("tls_pin_policy_info", tag)) {
        return metrics;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("policy " + tag + " not in force within " + SEEN_WITHIN + "; scrape:\n" + metrics);
      }
      sleep(INTERVAL.toMillis() / 3);
    }
  }

  private static Metrics awaitFailing(int metricsPort, double failing) {
    long deadline = System.nanoTime() + SEEN_WITHIN.toNanos();
    while (true) {
      Metrics metrics = Metrics.scrape(metricsPort);
      if (metrics.value("tls_pin_policy_reload_failing") == failing) {
        return metrics;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("tls_pin_policy_reload_failing not " + failing + " in time; scrape:\n" + metrics);
      }
      sleep(INTERVAL.toMillis() / 3);
    }
  }

  /** A service that fetches a URL whenever told to, with the agent watching {@code policy}. */
  private static final class Service {
    final int metricsPort = Metrics.freePort();
    final ForkedJvm.Running jvm;
    private int commands;

    Service(Path javaHome, Path policy, String options) {
      jvm = lab.client(javaHome)
          .agent("policy=" + policy + ",metrics.port=" + metricsPort + ",policy.reload.interval="
              + INTERVAL.toMillis() + "ms" + options)
          .main(HttpsProbe.class, "jdk-default", "--commands")
          .start();
    }

    /** Fetches {@code url} now; returns what came back: {@code OK <body>} or {@code FAIL <why>}. */
    String fetch(String url) {
      jvm.send(url);
      jvm.awaitOutput("DONE " + ++commands);
      List<String> results = new ArrayList<>();
      for (String line : jvm.output().split("\n")) {
        if (line.startsWith("RESULT ")) {
          results.add(line.substring(("RESULT " + url + " ").length()));
        }
      }
      return results.get(commands - 1);
    }

    ForkedJvm.Result stop() {
      jvm.closeInput();
      return jvm.await();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void followsAFileRewrittenReplacedTouchedBrokenDeletedAndCreatedAgain(Path javaHome) {
    Path file = newDirectory().resolve("pins.yaml");
    write(file, good());
    Service service = new Service(javaHome, file, "");
    String goodUrl = lab.good.url("localhost");
    assertThat(service.fetch(goodUrl)).startsWith("OK");

    String wrong = wrong();
    write(file, wrong);
    awaitInForce(service.metricsPort, wrong);
    assertThat(service.fetch(goodUrl)).as("rewritten in place").startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost (pin-set 'partner')");

    try {
      Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sleep(INTERVAL.toMillis() * 3);
    assertThat(Metrics.scrape(service.metricsPort).value("tls_pin_policy_loads_total", "result=\"success\""))
        .as("a touched file is not a reload").isEqualTo(2);

    String goodAgain = good();
    replace(file, goodAgain);
    awaitInForce(service.metricsPort, goodAgain);
    assertThat(service.fetch(goodUrl)).as("replaced by rename").startsWith("OK");

    replace(file, goodAgain.replace("pin-sets:", "pin-sets:\n  - name: broken\n    hosts: [b.example.com]\n"
        + "    pins: [md5/abc]"));
    Metrics failing = awaitFailing(service.metricsPort, 1);
    assertThat(failing.has("tls_pin_policy_info", "sha256=\"" + sha256(goodAgain) + "\"")).isTrue();
    assertThat(service.fetch(goodUrl)).as("a bad version is refused and the last good one stays").startsWith("OK");

    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sleep(INTERVAL.toMillis() * 3);
    assertThat(service.fetch(goodUrl)).as("a deleted file keeps the policy in force").startsWith("OK");

    String wrongAgain = wrong();
    write(file, wrongAgain);
    Metrics last = awaitInForce(service.metricsPort, wrongAgain);
    assertThat(service.fetch(goodUrl)).as("created again").startsWith("FAIL");
    assertThat(last.value("tls_pin_policy_reload_failing")).isZero();

    ForkedJvm.Result result = service.stop();
    assertThat(last.value("tls_pin_policy_loads_total", "result=\"failure\"", "reason=\"invalid\"")).isEqualTo(1);
    assertThat(last.value("tls_pin_policy_loads_total", "result=\"failure\"", "reason=\"unreadable\"")).isEqualTo(1);
    List<String> refusals = new ArrayList<>();
    for (String line : result.stderr.split("\n")) {
      if (line.contains("policy reload refused")) {
        refusals.add(line);
      }
    }
    assertThat(refusals).as("one line per bad content, not one per look:\n" + result.stderr).hasSize(2);
    assertThat(refusals.get(0)).contains("the policy source is invalid; the policy in force (sha256 "
        + sha256(goodAgain) + ") stays: " + file.toAbsolutePath() + ":6: /pin-sets/0/pins/0: ");
    assertThat(refusals.get(1)).contains("the policy source cannot be read").contains("no such file");
    assertThat(result.stderr).contains("[pin-agent] policy reloaded: pinning 1 pin-set(s) from "
        + file.toAbsolutePath() + " (default mode enforce, sha256 " + sha256(wrong) + ", was ");
    assertThat(result.exitCode).as(result.toString()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void followsAKubernetesConfigMapVolume(Path javaHome) throws IOException {
    Path volume = newDirectory();
    Path first = Files.createDirectory(volume.resolve("..2026_12_01_10_00_00.000000001"));
    write(first.resolve("pins.yaml"), good());
    Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
    Path file = Files.createSymbolicLink(volume.resolve("pins.yaml"), Path.of("..data", "pins.yaml"));
    Service service = new Service(javaHome, file, "");
    assertThat(service.fetch(lab.good.url("localhost"))).startsWith("OK");

    // What the kubelet does: a new timestamped directory, a new ..data link beside the old, renamed over it.
    String wrong = wrong();
    Path second = Files.createDirectory(volume.resolve("..2026_12_01_10_05_00.000000002"));
    write(second.resolve("pins.yaml"), wrong);
    Path newLink = Files.createSymbolicLink(volume.resolve("..data_tmp"), second.getFileName());
    Files.move(newLink, volume.resolve("..data"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    awaitInForce(service.metricsPort, wrong);

    assertThat(service.fetch(lab.good.url("localhost"))).startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost");
    assertThat(service.stop().exitCode).isZero();
  }

  static Stream<Arguments> resumingClients() {
    List<Arguments> cases = new ArrayList<>();
    for (Path home : JavaRuntimes.modern()) {
      for (String client : new String[] {"jdk", "netty-openssl"}) {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
          cases.add(Arguments.of(client, protocol, home));
        }
      }
    }
    return cases.stream();
  }

  /**
   * A session resumed skips the trust manager. Connection 2 shows the client really resumes; after a reload that
   * refuses the server, connection 4 must not resume the session checked under the old policy. For Netty's
   * OpenSSL cache, which the agent cannot look into before a session is picked, emptying the caches at the swap
   * is what refuses it.
   */
  @ParameterizedTest(name = "{0} {1} on {2}")
  @MethodSource("resumingClients")
  void noSessionCheckedUnderTheOldPolicyIsResumedUnderTheNew(String client, String protocol, Path javaHome) {
    Path file = newDirectory().resolve("pins.yaml");
    write(file, good());
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running probe = lab.client(javaHome)
        .agent("policy=" + file + ",metrics.port=" + metricsPort + ",policy.reload.interval=" + INTERVAL.toMillis()
            + "ms")
        .main(ResumptionProbe.class, client, protocol, "localhost", String.valueOf(lab.good.port()), "localhost",
            "localhost", "--pause", "localhost")
        .start();
    probe.awaitOutput("PAUSE");
    String wrong = wrong();
    replace(file, wrong);
    awaitInForce(metricsPort, wrong);
    probe.send("go");
    ForkedJvm.Result result = probe.await();

    assertThat(result.resultFor("1:localhost")).as(result.toString()).startsWith("OK full");
    assertThat(result.resultFor("2:localhost")).as(result.toString()).startsWith("OK resumed");
    assertThat(result.resultFor("4:localhost")).as(result.toString()).startsWith("FAIL")
        .contains("Certificate pinning failure for host localhost");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void startsUnpinnedOnABadPolicyWhenAskedAndEnforcesTheFirstValidVersion(Path javaHome) {
    Path file = newDirectory().resolve("pins.yaml");
    write(file, good().replace("version: 1", "version: one"));
    Service service = new Service(javaHome, file, ",on.policy.error=unpinned");
    String evilUrl = lab.evil.url("localhost");

    assertThat(service.fetch(evilUrl)).as("unpinned, as asked").startsWith("OK");
    Metrics unpinned = Metrics.scrape(service.metricsPort);
    assertThat(unpinned.value("tls_pin_policy_reload_failing")).isEqualTo(1);
    assertThat(unpinned.has("tls_pin_policy_info")).isFalse();
    assertThat(unpinned.value("tls_pin_checks_total", "result=\"unpinned\"")).isEqualTo(1);

    String good = good();
    replace(file, good);
    awaitInForce(service.metricsPort, good);
    assertThat(service.fetch(evilUrl)).startsWith("FAIL").contains("Certificate pinning failure for host localhost");
    assertThat(service.fetch(lab.good.url("localhost"))).startsWith("OK");

    ForkedJvm.Result result = service.stop();
    assertThat(result.stderr).contains("[pin-agent] ERROR: invalid pin policy: " + file + ":1: /version: ")
        .contains("; starting UNPINNED as on.policy.error=unpinned asks: no host is pinned until a valid policy is at "
            + file.toAbsolutePath());
    assertThat(result.exitCode).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void startsNoReloadThreadWhenReloadIsOff(Path javaHome) {
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + lab.localhostPinnedToGoodIssuer("enforce") + ",policy.reload=false")
        .main(LoadProbe.class, "1", "1", String.valueOf(lab.good.port()))
        .start();
    child.awaitOutput("HOLD");
    child.closeInput();
    ForkedJvm.Result result = child.await();

    assertThat(result.stdout).as(result.toString()).contains("HANDSHAKES ok=1 failed=0")
        .doesNotContain("THREAD pin-agent-policy-reload");
  }

  /**
   * 8 threads handshake without resumption against the good and the evil server while the policy is replaced
   * every 200 ms, alternating two valid versions that both pin the good server's CA (each with another backup
   * and another extra set), and an invalid one every fifth time. No handshake may see a mix or a gap.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("modernJvms")
  void underLoadEveryHandshakeIsCheckedUnderOneWholePolicy(Path javaHome) {
    Path file = newDirectory().resolve("pins.yaml");
    String[] versions = {policy(lab.goodIntermediate.pin(), "first"), policy(lab.goodIntermediate.pin(), "second")};
    write(file, versions[0]);
    int metricsPort = Metrics.freePort();
    ForkedJvm.Running child = lab.client(javaHome)
        .agent("policy=" + file + ",metrics.port=" + metricsPort + ",policy.reload.interval=100ms")
        .main(LoadProbe.class, "8", "25s", String.valueOf(lab.good.port()), String.valueOf(lab.evil.port()))
        .start();
    // Started first: the agent must read a valid policy at startup, or the JVM stops (exit 78), as it should.
    awaitInForce(metricsPort, versions[0]);
    int writes = 0;
    long started = System.nanoTime();
    long deadline = started + Duration.ofSeconds(90).toNanos();
    while (!child.output().contains("HOLD")) {
      if (!child.isAlive() || System.nanoTime() > deadline) {
        child.closeInput();
        throw new AssertionError("the load probe ended without HOLD after " + writes + " policy writes\n"
            + child.await());
      }
      writes++;
      replace(file, writes % 5 == 0 ? "version: 1\npin-sets: [" : versions[writes % 2]);
      // At a fixed rate, so that a slow write does not stretch the period.
      long next = started + writes * 200_000_000L;
      sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    Metrics metrics = Metrics.scrape(metricsPort);
    child.closeInput();
    ForkedJvm.Result result = child.await();

    long goodOk = count(result.stdout, "PORT " + lab.good.port() + " ok=");
    long goodFailed = count(result.stdout, "PORT " + lab.good.port() + " ok=" + goodOk + " failed=");
    long evilOk = count(result.stdout, "PORT " + lab.evil.port() + " ok=");
    long evilFailed = count(result.stdout, "PORT " + lab.evil.port() + " ok=" + evilOk + " failed=");
    assertThat(goodFailed).as("refusals of the good server\n" + result).isZero();
    assertThat(evilOk).as("evil handshakes accepted\n" + result).isZero();
    assertThat(goodOk).isPositive();
    assertThat(evilFailed).isPositive();
    assertThat(metrics.sum("tls_pin_checks_total"))
        .as("one check per handshake, under one policy each").isEqualTo(goodOk + evilFailed);
    assertThat(metrics.value("tls_pin_policy_loads_total", "result=\"success\"")).as(metrics.toString())
        .isGreaterThanOrEqualTo(20);
    assertThat(metrics.value("tls_pin_policy_loads_total", "result=\"failure\"", "reason=\"invalid\""))
        .isGreaterThanOrEqualTo(5);
    assertThat(result.stdout).contains("THREAD pin-agent-policy-reload daemon=true");
    assertThat(result.exitCode).isZero();
    System.out.printf("[it] %s: %d policy writes in %.1f s; %d good and %d evil handshakes%n", javaHome, writes,
        seconds, goodOk, evilFailed);
    assertThat(seconds).as("the run lasted").isGreaterThanOrEqualTo(20);
    // Every 200 ms as scheduled, give or take what two busy cores delay a thread by.
    assertThat(writes).as("policy writes in %.1f s", seconds).isGreaterThanOrEqualTo((int) (seconds * 5 * 0.75));
  }

  /** The number after {@code prefix} on the line that starts with it. */
  private static long count(String output, String prefix) {
    for (String line : output.split("\n")) {
      if (line.startsWith(prefix)) {
        String rest = line.substring(prefix.length());
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
          end++;
        }
        return Long.parseLong(rest.substring(0, end));
      }
    }
    throw new AssertionError("no line starting with " + prefix + " in\n" + output);
  }
}
