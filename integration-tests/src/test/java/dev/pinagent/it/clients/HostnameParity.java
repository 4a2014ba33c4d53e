package dev.pinagent.it.clients;

import dev.pinagent.verify.HostIdentity;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Run in a forked JVM opened to {@code sun.security.util}: for every row of {@code <dir>/rows.txt}
 * ({@code certificate-file TAB host}) and both answers to "does the chain end at a JDK root", compares the
 * agent's {@link HostIdentity} with the JDK's own {@code HostnameChecker} (TYPE_TLS, what endpoint
 * identification "HTTPS" runs). Prints {@code MISMATCH ...} per disagreement and {@code COMPARED <n>}.
 */
public final class HostnameParity {
  private HostnameParity() {}

  public static void main(String[] args) throws Exception {
    Path directory = Paths.get(args[0]);
    Class<?> checkerClass = Class.forName("sun.security.util.HostnameChecker");
    Object checker = checkerClass.getMethod("getInstance", byte.class).invoke(null, (byte) 1);
    Method match = checkerClass.getMethod("match", String.class, X509Certificate.class, boolean.class);
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<String> rows = Files.readAllLines(directory.resolve("rows.txt"), StandardCharsets.UTF_8);
    int compared = 0;
    for (String row : rows) {
      String[] fields = row.split("\t");
      X509Certificate leaf;
      try (InputStream in = Files.newInputStream(directory.resolve(fields[0]))) {
        leaf = (X509Certificate) factory.generateCertificate(in);
      }
      String host = fields[1];
      for (boolean publicCa : new boolean[] {false, true}) {
        boolean jdk;
        try {
          match.invoke(checker, host, leaf, publicCa);
          jdk = true;
        } catch (InvocationTargetException e) {
          jdk = false;
        }
        boolean agent = HostIdentity.names(leaf, host, () -> publicCa);
        if (agent != jdk) {
          System.out.println("MISMATCH " + fields[0] + " " + fields[2] + " host=" + host + " publicCa=" + publicCa
              + " jdk=" + jdk + " agent=" + agent);
        }
        compared++;
      }
    }
    System.out.println("COMPARED " + compared);
  }
}
