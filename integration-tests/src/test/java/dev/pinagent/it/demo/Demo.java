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
    Path javaHome = Paths.get(System.getProperty("java.home"));
    try (MitmLab lab = new MitmLab()) {
      String good = lab.good.url("localhost");
      String evil = lab.evil.url("localhost");
      Path policy = lab.localhostPinnedToGoodIssuer("enforce");

      heading("The setup");
      System.out.println("  legit server : " + good + "  (Good Root CA -> Good Issuing CA -> localhost)");
      System.out.println("  MITM server  : " + evil + "  (Evil Root CA -> localhost)");
      System.out.println("  The client JVM trusts BOTH root CAs, as a service behind a compromised or corporate CA does.");
      System.out.println("  Policy " + policy + ":");
      for (String line : Files.readAllLines(policy)) {
        System.out.println("    " + line);
      }

      heading("1. Without the agent: the client cannot tell the MITM from the real server");
      ForkedJvm.Result plain = lab.client(javaHome).main(HttpsProbe.class, "jdk-default", good, evil).run();
      print(plain, good, evil);

      heading("2. With -javaagent:pin-agent.jar=policy=...,metrics.port=...: the MITM is blocked");
      int port = Metrics.freePort();
      ForkedJvm.Running child = lab.client(javaHome)
          .agent("policy=" + policy + ",metrics.port=" + port)
          .main(HttpsProbe.class, "jdk-default", "--hold", good, evil)
          .start();
      Metrics metrics = child.scrapeOnHold(port);
      ForkedJvm.Result pinned = child.await();
      print(pinned, good, evil);
      System.out.println("  The agent's log (stderr of the client JVM):");
      for (String line : pinned.stderr.split("\n")) {
        System.out.println("    " + line);
      }

      heading("3. Metrics scraped from the client JVM at http://127.0.0.1:" + port + "/metrics");
      for (String line : metrics.text().split("\n")) {
        if (line.startsWith("tls_pin_") && !line.startsWith("tls_pin_set_expiry")) {
          System.out.println("  " + line);
        }
      }
      boolean blocked = pinned.resultFor(evil).startsWith("FAIL") && pinned.resultFor(good).startsWith("OK")
          && plain.resultFor(evil).startsWith("OK");
      heading(blocked ? "Result: MITM accepted without the agent, blocked with it; the legit server works in both."
          : "Result: UNEXPECTED, see above");
      if (!blocked) {
        System.exit(1);
      }
    }
  }

  private static void heading(String text) {
    System.out.println();
    System.out.println("== " + text);
  }

  private static void print(ForkedJvm.Result result, String good, String evil) {
    System.out.println("  GET " + good + "  ->  " + summary(result.resultFor(good)));
    System.out.println("  GET " + evil + "  ->  " + summary(result.resultFor(evil)));
    String failure = result.resultFor(evil);
    int start = failure.indexOf("Certificate pinning failure");
    if (start >= 0) {
      String message = failure.substring(start);
      int end = message.indexOf(" <- ");
      System.out.println("  The handshake failed with:");
      for (String line : (end < 0 ? message : message.substring(0, end)).split("\\|")) {
        System.out.println("    " + line);
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
