package dev.pinagent.cli;

import dev.pinagent.json.Json;
import dev.pinagent.policy.HostName;
import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CertificationPath;
import dev.pinagent.verify.HostIdentity;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.SignatureCache;
import dev.pinagent.verify.TrustAnchors;
import java.io.PrintStream;
import java.security.cert.X509Certificate;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * {@code pins <target>}: every certificate of a chain with its {@code sha256/} pin, including the root the
 * trust store supplies when the server does not send it, and whether the JVM trusts it; {@code --format yaml}
 * prints a ready-to-paste pin-set, {@code --format pins} just the pin lines to paste into an existing set.
 *
 * <p>A file that holds only CA certificates (what a partner sends when it moves to a new CA) is not a server
 * chain: there is no leaf, no host and no path to judge, so every certificate in it gets a pin, labelled by what it
 * is, and the pin-set has no hosts until the operator writes them. A host is never made up from a subject's
 * common name: {@code check} rejects a CN such as {@code NewPartnerCA Issuing CA} as a host pattern.
 */
final class PinsCommand {
  static final String USAGE = "usage: java -jar pin-agent.jar pins <host[:port] | certificate file | key store> [options]\n"
      + "\n"
      + "Prints each certificate of the chain - with the root the trust store supplies when the server does not\n"
      + "send it - as position, subject, issuer, not-after, key and its sha256/ pin, and whether the JVM trusts it.\n"
      + "Works against servers the JVM does not trust: that is when a pin is most needed.\n"
      + "\n"
      + "  <host[:port]>          connect (with SNI) and read the server's chain; the port defaults to 443\n"
      + "  <file>                 a PEM (one or more certificates) or DER certificate file\n"
      + "  <key store>            a .p12/.pfx/.jks file, or any file with --storepass\n"
      + "\n"
      + "options:\n"
      + "  --format text|yaml|pins|json  text (default); yaml: a pin-set to paste into a policy; pins: only the\n"
      + "                         '- sha256/...' lines, to paste into the pins: list of an existing set; json: for\n"
      + "                         scripts. A file of CA certificates gets a pin for each of them\n"
      + "  --name NAME              the pin-set name in --format yaml (default: the host)\n"
      + "  --storepass PASSWORD     password of a key store target\n"
      + "  --truststore FILE        judge trust with this trust store instead of the JVM's\n"
      + "  --truststore-password P  its password\n"
      + "  --timeout SECONDS        name lookup, connect and handshake together (default 10)\n"
      + "  --accept-untrusted       with --format yaml or pins, exit 0 even when the trust store refuses the chain\n"
      + "\n"
      + "exit status: 0 printed; 1 with --format yaml or pins, printed but the chain is not trusted or its leaf is out of\n"
      + "its validity (the verdict heads the YAML; --accept-untrusted makes this 0); 2 the chain could not be\n"
      + "read (or a usage error)\n";

  private PinsCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Arguments arguments = Arguments.parse(args, 1,
        Set.of("format", "name", "storepass", "truststore", "truststore-password", "timeout"),
        Set.of("help", "accept-untrusted"));
    if (arguments.flag("help")) {
      out.print(USAGE);
      return 0;
    }
    if (arguments.operands().size() != 1) {
      throw new UsageException("pins takes one target: host[:port], a certificate file or a key store");
    }
    String format = arguments.option("format", "text");
    if (!Set.of("text", "yaml", "pins", "json").contains(format)) {
      throw new UsageException("--format must be text, yaml, pins or json, got '" + Printable.of(format) + "'");
    }
    if (arguments.option("name") != null && !PinSet.isValidName(arguments.option("name"))) {
      throw new UsageException("--name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter "
          + "or digit (it becomes the pin_set metric tag), got '" + arguments.option("name") + "'");
    }
    int timeout = CheckCommand.timeoutMillis(arguments);
    ChainSource source = ChainSource.of(arguments.operands().get(0), arguments.option("storepass"), timeout);
    X509TrustManager trustManager = TrustStores.load(arguments.option("truststore"),
        arguments.option("truststore-password"));
    Report report = new Report(source, trustManager);
    if (format.equals("yaml") || format.equals("pins")) {
      out.print(format.equals("yaml") ? report.yaml(arguments.option("name")) : report.pinLines());
      // The YAML is meant to be pasted into a policy, often by a script: a chain the JVM refuses must not pass
      // for a good one.
      if (!report.problems.isEmpty() && !arguments.flag("accept-untrusted")) {
        err.println("pin-agent: " + Printable.of(report.problems.get(0)) + (format.equals("yaml")
            ? "; the pin-set is printed with the verdict on top" : "; the pins are printed all the same")
            + "; pass --accept-untrusted to exit 0 all the same");
        return 1;
      }
    } else if (format.equals("json")) {
      out.print(Json.write(report.json()));
    } else {
      out.print(report.text());
    }
    return 0;
  }

  /** The chain as judged by one trust manager. */
  static final class Report {
    final ChainSource source;
    final List<CertificateFacts> path = new ArrayList<>();
    final List<CertificateFacts> offPath = new ArrayList<>();
    final Set<X509Certificate> anchors;
    final boolean anchorSupplied;
    final String trustProblem;
    final Boolean leafNamesHost;
    /** Why the JVM refuses this chain, first the trust store's verdict; empty when it accepts it. */
    final List<String> problems = new ArrayList<>();
    /** Why the issuer the server sent is not on the path, or null. */
    final String issuerNotOnPath;
    /** Whether the source is a file of CA certificates only: not a server chain, every certificate a pin. */
    final boolean caFile;

    Report(ChainSource source, X509TrustManager trustManager) {
      this.source = source;
      this.caFile = source.host == null
          && Arrays.stream(source.chain).allMatch(certificate -> certificate.getBasicConstraints() >= 0);
      this.anchors = Set.copyOf(Arrays.asList(trustManager.getAcceptedIssuers()));
      TrustAnchors trustAnchors = TrustAnchors.of(trustManager);
      List<X509Certificate> certificationPath = CertificationPath.search(source.chain, trustAnchors.certificates(),
          !trustAnchors.named(), new SignatureCache(16)).shown();
      anchorSupplied = !certificationPath.isEmpty()
          && !Arrays.asList(source.chain).contains(certificationPath.get(certificationPath.size() - 1));
      for (X509Certificate certificate : certificationPath) {
        path.add(new CertificateFacts(certificate));
      }
      for (X509Certificate certificate : source.chain) {
        if (!certificationPath.contains(certificate)) {
          offPath.add(new CertificateFacts(certificate));
        }
      }
      String problem = null;
      if (caFile) {
        // checkServerTrusted judges a server's chain from its leaf; a CA is no leaf, and its verdict would be
        // about key usages a CA certificate never has.
        for (X509Certificate certificate : source.chain) {
          String validity = CertificationPath.validityProblem(certificate);
          if (validity != null) {
            problems.add("the CA certificate " + Printable.subject(certificate) + " " + validity);
          }
        }
        trustProblem = null;
        leafNamesHost = null;
        issuerNotOnPath = null;
        return;
      }
      try {
        trustManager.checkServerTrusted(source.chain, "UNKNOWN");
      } catch (Exception e) {
        problem = e.getMessage();
      }
      trustProblem = problem;
      String host = source.host == null ? null : HostName.normalizeConnectionHost(source.host);
      leafNamesHost = host == null ? null : HostIdentity.names(source.chain[0], host);
      if (trustProblem != null) {
        problems.add("NOT TRUSTED by the trust store: " + trustProblem);
      }
      X509Certificate leaf = source.chain[0];
      String leafValidity = CertificationPath.validityProblem(leaf);
      if (leafValidity != null) {
        problems.add("the leaf certificate " + leaf.getSubjectX500Principal().getName() + " " + leafValidity);
      }
      for (int i = 1; i < certificationPath.size(); i++) {
        X509Certificate ca = certificationPath.get(i);
        String validity = CertificationPath.validityProblem(ca);
        if (validity != null) {
          problems.add((i == 1 ? "the leaf's issuer " : "the CA certificate ") + Printable.subject(ca)
              + " on the path " + validity);
        }
      }
      issuerNotOnPath = certificationPath.size() == 1 ? whyIssuerIsNotOnPath(leaf) : null;
      if (issuerNotOnPath != null) {
        problems.add(issuerNotOnPath);
      }
    }

    /** When the path ends at the leaf: why the certificate sent as its issuer does not count, or null. */
    private String whyIssuerIsNotOnPath(X509Certificate leaf) {
      for (X509Certificate sent : source.chain) {
        if (sent != leaf && sent.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
          String reason = CertificationPath.whyNotIssuer(sent, leaf);
          if (reason != null) {
            return "the leaf's issuer " + sent.getSubjectX500Principal().getName() + " was sent, but " + reason
                + ", so it is not on the path";
          }
        }
      }
      return null;
    }

    private String sourceOf(int position, CertificateFacts facts) {
      boolean anchor = anchors.contains(facts.certificate);
      if (anchorSupplied && position == path.size() - 1) {
        return "supplied by the trust store (trust anchor)";
      }
      return "sent" + (anchor ? " (trust anchor in the trust store)" : "");
    }

    /** What a certificate of a CA file is, in words: whether a CA, and whether it signed itself. */
    static String kind(X509Certificate certificate) {
      boolean selfSigned = certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
      if (certificate.getBasicConstraints() < 0) {
        return selfSigned ? "leaf certificate (self-signed)" : "leaf certificate";
      }
      return selfSigned ? "CA certificate (self-signed: a root)" : "CA certificate (issued by another CA)";
    }

    private String caFileText() {
      StringBuilder out = new StringBuilder("CA certificates in ").append(Printable.of(source.description))
          .append('\n')
          .append("  Not a server chain: a pin for each certificate; pin the CA the server's chain will go through\n");
      for (String problem : problems) {
        out.append("  ").append(capitalized(Printable.of(problem))).append('\n');
      }
      for (int i = 0; i < source.chain.length; i++) {
        CertificateFacts facts = new CertificateFacts(source.chain[i]);
        out.append('\n').append(String.format("  %d  subject    %s%n", i, Printable.of(facts.subject)))
            .append(String.format("     is         %s%n", kind(facts.certificate)))
            .append(String.format("     issuer     %s%n", Printable.of(facts.issuer)))
            .append(String.format("     not after  %s%n", facts.notAfter))
            .append(String.format("     key        %s%n", facts.key()))
            .append(String.format("     pin        %s%n", facts.pin))
            .append(anchors.contains(facts.certificate) ? "     trust      a trust anchor in the trust store\n" : "");
      }
      return out.toString();
    }

    String text() {
      if (caFile) {
        return caFileText();
      }
      StringBuilder out = new StringBuilder("Certificate chain of ").append(Printable.of(source.description))
          .append('\n');
      if (trustProblem == null) {
        out.append("  TRUSTED by the trust store (PKIX; the host name is not part of this verdict)\n");
      } else {
        out.append("  NOT TRUSTED by the trust store: ").append(Printable.of(trustProblem)).append('\n')
            .append("  (its pins are listed all the same; a pinned host must also be trusted by the JVM)\n");
      }
      for (String problem : problems) {
        if (!problem.startsWith("NOT TRUSTED")) {
          out.append("  ").append(capitalized(Printable.of(problem))).append('\n');
        }
      }
      if (leafNamesHost != null) {
        out.append(leafNamesHost ? "  The leaf certificate names " : "  The leaf certificate does NOT name ")
            .append(Printable.of(source.host)).append('\n');
      }
      for (int i = 0; i < path.size(); i++) {
        CertificateFacts facts = path.get(i);
        out.append('\n').append(String.format("  %d  subject    %s%n", i, Printable.of(facts.subject)))
            .append(String.format("     issuer     %s%n", Printable.of(facts.issuer)))
            .append(String.format("     not after  %s%n", facts.notAfter))
            .append(String.format("     key        %s%n", facts.key()))
            .append(String.format("     pin        %s%n", facts.pin))
            .append(String.format("     source     %s%n", sourceOf(i, facts)));
      }
      for (CertificateFacts facts : offPath) {
        out.append('\n').append(String.format("  -  subject    %s%n", Printable.of(facts.subject)))
            .append(String.format("     pin        %s%n", facts.pin))
            .append("     source     sent, but not on the path from the leaf: never counts as a match\n");
      }
      return out.toString();
    }

    /**
     * A pin-set to paste into a policy. Only values the policy format validates are written as data (a host
     * pattern, a pin-set name, pins); names from certificates and the command line appear only in comments,
     * escaped, so that no certificate can add a line of its own to what is pasted.
     */
    String yaml(String name) {
      String host = source.host != null ? source.host : caFile ? null : firstDnsName(path.get(0).certificate);
      HostPattern pattern = host == null ? null : hostPattern(host);
      String setName = name != null ? name : defaultName(pattern);
      List<String> pins = new ArrayList<>();
      StringBuilder out = new StringBuilder();
      if (caFile) {
        out.append("# CA certificates, not a server chain: no trust verdict and no host; write the host(s) its ")
            .append("servers answer for.\n");
        for (String problem : problems) {
          out.append("# ").append(capitalized(Printable.of(problem))).append('\n');
        }
      } else if (problems.isEmpty()) {
        out.append("# TRUSTED by the trust store (PKIX; the host name is not part of this verdict)\n");
      } else {
        for (String problem : problems) {
          out.append("# ").append(capitalized(Printable.of(problem))).append('\n');
        }
        out.append("# The JVM refuses this chain before any pin is checked: these pins will not make connections ")
            .append("to it work.\n");
      }
      if (Boolean.FALSE.equals(leafNamesHost)) {
        out.append("# The leaf certificate does NOT name ").append(Printable.of(source.host)).append('\n');
      }
      out.append("# A pin-set for ").append(host == null ? "its hosts" : Printable.of(host))
          .append(", from the chain of ").append(Printable.of(source.description)).append(" on ")
          .append(LocalDate.now(ZoneOffset.UTC)).append(". Paste it under pin-sets: in your policy.\n")
          .append("  - name: ").append(setName).append('\n');
      if (pattern == null) {
        out.append(caFile ? "    hosts: []   # a CA file names no host: write the host(s) to pin here\n"
            : "    hosts: []   # the leaf names no valid host pattern: write the host(s) to pin here\n");
      } else {
        out.append("    hosts: [").append(PolicyLoader.flowScalar(pattern.toString())).append("]\n");
      }
      out.append("    pins:\n");
      for (Map.Entry<CertificateFacts, String> pin : suggestedPins().entrySet()) {
        appendPin(out, pins, pin.getKey(), pin.getValue());
      }
      if (pins.size() < 2) {
        out.append("      # add a backup pin: a key you hold but have not deployed, or a second CA's\n");
      }
      return out.toString();
    }

    /**
     * The pins to suggest, each with its role: every certificate of a CA file; of a chain, the leaf's issuer and
     * the top of the path, or the leaf's own key when the path has nothing above it.
     */
    private Map<CertificateFacts, String> suggestedPins() {
      Map<CertificateFacts, String> pins = new LinkedHashMap<>();
      if (caFile) {
        for (X509Certificate certificate : source.chain) {
          pins.put(new CertificateFacts(certificate), kind(certificate));
        }
      } else if (path.size() == 1) {
        pins.put(path.get(0), issuerNotOnPath != null
            ? "the leaf's own key (its issuer is not on the path, see above)"
            : "the leaf's own key (the chain has no issuer)");
      } else {
        pins.put(path.get(1), "the leaf's issuer");
        X509Certificate top = path.get(path.size() - 1).certificate;
        boolean root = top.getSubjectX500Principal().equals(top.getIssuerX500Principal());
        pins.putIfAbsent(path.get(path.size() - 1), root ? "the root" : "the top of the known chain");
      }
      return pins;
    }

    /**
     * {@code - sha256/...   # subject, not after ...} for each suggested pin, to paste into the {@code pins:} list
     * of an existing set (indented as its other pins are). Names only in comments, escaped, as in {@link #yaml}.
     */
    String pinLines() {
      StringBuilder out = new StringBuilder();
      List<String> printed = new ArrayList<>();
      for (CertificateFacts facts : suggestedPins().keySet()) {
        if (!printed.contains(facts.pin.toString())) {
          printed.add(facts.pin.toString());
          out.append("- ").append(facts.pin).append("   # ").append(Printable.of(facts.subject))
              .append(", not after ").append(facts.notAfter).append('\n');
        }
      }
      return out.toString();
    }

    private static void appendPin(StringBuilder out, List<String> pins, CertificateFacts facts, String role) {
      if (!pins.contains(facts.pin.toString())) {
        pins.add(facts.pin.toString());
        out.append("      - ").append(facts.pin).append("   # ").append(role).append(": ")
            .append(Printable.of(facts.subject)).append('\n');
      }
    }

    /** The pattern for {@code host}, or null when it is none (a name from a certificate can be anything). */
    private static HostPattern hostPattern(String host) {
      try {
        return HostPattern.parse(host);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }

    private static String capitalized(String text) {
      return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    private static String defaultName(HostPattern pattern) {
      String name = pattern == null ? "" : pattern.domain().replaceAll("[^A-Za-z0-9_.-]", "-")
          .replaceFirst("^[^A-Za-z0-9]+", "");
      name = name.length() > 64 ? name.substring(0, 64) : name;
      return PinSet.isValidName(name) ? name : "pins";
    }

    /** The leaf's first DNS subject alternative name, or null: a subject's CN is no host name to pin. */
    private static String firstDnsName(X509Certificate leaf) {
      try {
        if (leaf.getSubjectAlternativeNames() != null) {
          for (List<?> entry : leaf.getSubjectAlternativeNames()) {
            if (Integer.valueOf(2).equals(entry.get(0))) {
              return String.valueOf(entry.get(1));
            }
          }
        }
      } catch (Exception e) {
        // An unparsable extension names no host either.
      }
      return null;
    }

    Map<String, Object> json() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("target", source.description);
      json.put("host", source.host);
      json.put("port", source.port > 0 ? source.port : null);
      json.put("trusted", trustProblem == null);
      json.put("trustProblem", trustProblem);
      json.put("problems", problems);
      json.put("leafNamesHost", leafNamesHost);
      List<Object> certificates = new ArrayList<>();
      for (int i = 0; i < path.size(); i++) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("position", i);
        entry.putAll(path.get(i).toJson());
        entry.put("source", anchorSupplied && i == path.size() - 1 ? "truststore" : "server");
        entry.put("trustAnchor", anchors.contains(path.get(i).certificate));
        certificates.add(entry);
      }
      json.put("certificates", certificates);
      List<Object> ignored = new ArrayList<>();
      for (CertificateFacts facts : offPath) {
        ignored.add(facts.toJson());
      }
      json.put("notOnPath", ignored);
      return json;
    }
  }
}
