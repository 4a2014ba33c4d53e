package dev.pinagent.it.demo;

import dev.pinagent.it.clients.HttpsProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.Metrics;
import dev.pinagent.it.support.MitmLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The README's demo: a legitimate server and a man in the middle whose CA the client JVM trusts, a client
 * run without and with the agent, the MITM blocked and the agent's metrics scraped from the client JVM.
 * Every step is a real TLS connection on 127.0.0.1 from a separate JVM.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    if (!run(System.out)) {
      System.exit(1);
    }
  }

  /** Runs the demo, printing to {@code out}; returns whether everything happened as it should. */
  public static boolean run(java.io.PrintStream out) throws Exception {
    Path javaHome = Paths.get(System.getProperty("java.home"));
    try (MitmLab lab = new MitmLab()) {
      String good = lab.good.url("localhost");
      String evil = lab.evil.url("localhost");
      Path policy = lab.localhostPinnedToGoodIssuer("enforce");

      heading(out, "The setup");
      out.println("  legit server : " + good + "  (Good Root CA -> Good Issuing CA -> localhost)");
      out.println("  MITM server  : " + evil + "  (Evil Root CA -> localhost)");
      out.println("  The client JVM trusts BOTH root CAs, as a service behind a compromised or corporate CA does.");
      out.println("  Policy " + policy + ":");
      for (String line : Files.readAllLines(policy)) {
        out.println("    " + line);
      }

      heading(out, "0. Discover the partner's pins with the jar itself: java -jar pin-agent.jar pins localhost:"
          + lab.good.port());
      print(out, runJar(javaHome, "pins", "localhost:" + lab.good.port(), "--truststore", lab.trustStore.toString(),
          "--truststore-password", "changeit"));
      print(out, runJar(javaHome, "pins", "localhost:" + lab.good.port(), "--format", "yaml", "--truststore",
          lab.trustStore.toString(), "--truststore-password", "changeit"));

      heading(out, "1. Without the agent: the client cannot tell the MITM from the real server");
      ForkedJvm.Result plain = lab.client(javaHome).main(HttpsProbe.class, "jdk-default", good, evil).run();
      print(out, plain, good, evil);

      heading(out, "2. With -javaagent:pin-agent.jar=policy=...,metrics.port=...: the MITM is blocked");
      int port = Metrics.freePort();
      ForkedJvm.Running child = lab.client(javaHome)
          .agent("policy=" + policy + ",metrics.port=" + port)
          .main(HttpsProbe.class, "jdk-default", "--hold", good, evil)
          .start();
      Metrics metrics = child.scrapeOnHold(port);
      ForkedJvm.Result pinned = child.await();
      print(out, pinned, good, evil);
      out.println("  The agent's log (stderr of the client JVM):");
      for (String line : pinned.stderr.split("\n")) {
        out.println("    " + line);
      }

      heading(out, "3. Metrics scraped from the client JVM at http://127.0.0.1:" + port + "/metrics");
      for (String line : metrics.text().split("\n")) {
        if (line.startsWith("tls_pin_") && !line.startsWith("tls_pin_set_expiry")) {
          out.println("  " + line);
        }
      }
      boolean blocked = pinned.resultFor(evil).startsWith("FAIL") && pinned.resultFor(good).startsWith("OK")
          && plain.resultFor(evil).startsWith("OK");
      heading(out, blocked ? "Result: MITM accepted without the agent, blocked with it; the legit server works in both."
          : "Result: UNEXPECTED, see above");
      return blocked;
    }
  }

  /** Runs {@code java -jar pin-agent.jar <args>} and returns what it printed. */
  private static String runJar(Path javaHome, String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
        javaHome.resolve("bin").resolve("java").toString(), "-jar", ForkedJvm.agentJar().toString()));
    command.addAll(java.util.List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    process.waitFor();
    return output;
  }

  private static void print(java.io.PrintStream out, String text) {
    for (String line : text.split("\n")) {
      out.println("  " + line);
    }
  }

  private static void heading(java.io.PrintStream out, String text) {
    out.println();
    out.println("== " + text);
  }

  private static void print(java.io.PrintStream out, ForkedJvm.Result result, String good, String evil) {
    out.println("  GET " + good + "  ->  " + summary(result.resultFor(good)));
    out.println("  GET " + evil + "  ->  " + summary(result.resultFor(evil)));
    String failure = result.resultFor(evil);
    int start = failure.indexOf("Certificate pinning failure");
    if (start >= 0) {
      String message = failure.substring(start);
      int end = message.indexOf(" <- ");
      out.println("  The handshake failed with:");
      for (String line : (end < 0 ? message : message.substring(0, end)).split("\\|")) {
        out.println("    " + line);
      }
    }
  }

  private static String summary(String result) {
    if (result.startsWith("OK")) {
      return "accepted: " + result.substring(3);
    }
    return "REFUSED (" + result.substring(5, Math.min(result.length(), 5 + result.substring(5).indexOf(':') + 1))
        .replace(":", "") + ")";
  }
}
