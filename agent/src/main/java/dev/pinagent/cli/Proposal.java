package dev.pinagent.cli;

import dev.pinagent.inventory.Inventory;
import dev.pinagent.inventory.PathCertificate;
import dev.pinagent.policy.HostName;
import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.Printable;
import dev.pinagent.verify.PublicSuffixes;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A policy proposed from what agents observed: hosts grouped by the issuing CA key they are served through, each
 * group a pin-set pinning that CA and, as the backup, the root above it. Only what the evidence supports is pinned:
 * a host seen through several CAs gets a set pinning all of them, a wildcard is proposed only when every observed
 * host under it goes through the set's CAs, and what cannot be judged (IP addresses, rare hosts, hosts whose only
 * chains the policy in force blocked) is listed, not pinned.
 *
 * <p>Names from certificates appear only in comments, escaped; data lines hold only values the policy format
 * validates (host patterns, set names, pins), as in {@code pins --format yaml}.
 */
final class Proposal {
  /** One inventory given, for the header. */
  static final class Source {
    final String file;
    final Inventory inventory;

    Source(String file, Inventory inventory) {
      this.file = file;
      this.inventory = inventory;
    }
  }

  /** What was observed of one host name, over every port and inventory. */
  private static final class Observed {
    final String host;
    final Set<Integer> ports = new TreeSet<>();
    long handshakes;
    /** Distinct paths by their keys, with the outcome last seen; blocked ones apart. */
    final Map<String, Inventory.Chain> chains = new LinkedHashMap<>();
    final Map<String, Inventory.Chain> blocked = new LinkedHashMap<>();

    Observed(String host) {
      this.host = host;
    }
  }

  /** One proposed pin. */
  static final class ProposedPin {
    final String pin;
    final String role;
    final PathCertificate certificate;

    ProposedPin(String pin, String role, PathCertificate certificate) {
      this.pin = pin;
      this.role = role;
      this.certificate = certificate;
    }
  }

  /** One proposed pin-set. */
  static final class ProposedSet {
    String name;
    final List<String> hosts = new ArrayList<>();
    /** Wildcard pattern to the observed hosts it stands for. */
    final Map<String, List<String>> patterns = new LinkedHashMap<>();
    final Map<String, ProposedPin> pins = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    boolean severalCas;
  }

  final List<Source> sources;
  final Mode mode;
  final long minCount;
  final String exclude;
  final List<ProposedSet> sets = new ArrayList<>();
  /** Host to why it is not pinned. */
  final Map<String, String> notPinned = new TreeMap<>();
  final int hostCount;
  Instant firstSeen;
  Instant lastSeen;

  private Proposal(List<Source> sources, Mode mode, long minCount, String exclude, int hostCount) {
    this.sources = sources;
    this.mode = mode;
    this.minCount = minCount;
    this.exclude = exclude;
    this.hostCount = hostCount;
  }

  static Proposal of(List<Source> sources, Mode mode, long minCount, Pattern exclude) {
    Map<String, Observed> observed = new TreeMap<>();
    Instant first = null;
    Instant last = null;
    for (Source source : sources) {
      for (Inventory.Host entry : source.inventory.hosts()) {
        Observed host = observed.computeIfAbsent(entry.host, Observed::new);
        host.ports.add(entry.port);
        host.handshakes += entry.handshakes();
        for (Inventory.Chain chain : entry.chains()) {
          String key = pinsOf(chain.path());
          Map<String, Inventory.Chain> into = Inventory.BLOCKED.equals(chain.result()) ? host.blocked : host.chains;
          Inventory.Chain known = into.get(key);
          if (known == null || chain.lastSeen().isAfter(known.lastSeen())) {
            into.put(key, chain);
          }
        }
        first = first == null || entry.firstSeen().isBefore(first) ? entry.firstSeen() : first;
        last = last == null || entry.lastSeen().isAfter(last) ? entry.lastSeen() : last;
      }
    }
    Proposal proposal = new Proposal(sources, mode, minCount, exclude == null ? null : exclude.pattern(),
        observed.size());
    proposal.firstSeen = first;
    proposal.lastSeen = last;

    // Hosts grouped by the issuing CA keys they were seen through, in the order of their first host.
    Map<String, List<Observed>> groups = new LinkedHashMap<>();
    for (Observed host : observed.values()) {
      String reason = reasonNotToPin(host, minCount, exclude);
      if (reason != null) {
        proposal.notPinned.put(host.host, reason);
        continue;
      }
      Set<String> issuers = new TreeSet<>();
      for (Inventory.Chain chain : host.chains.values()) {
        issuers.add(issuer(chain.path()).pin.toString());
      }
      groups.computeIfAbsent(String.join(" ", issuers), key -> new ArrayList<>()).add(host);
    }
    Set<String> names = new LinkedHashSet<>();
    for (List<Observed> group : groups.values()) {
      proposal.sets.add(proposeSet(group, observed.keySet(), names));
    }
    return proposal;
  }

  private static String reasonNotToPin(Observed host, long minCount, Pattern exclude) {
    if (exclude != null && exclude.matcher(host.host).find()) {
      return "excluded by --exclude";
    }
    if (HostName.isIpLiteral(host.host)) {
      return "an IP address: pin it by hand if its certificate names it, and the service always connects by it";
    }
    if (host.chains.isEmpty()) {
      return "every chain seen was blocked by the policy in force (an interception?): " + issuersOf(host.blocked);
    }
    if (host.handshakes < minCount) {
      return "seen " + host.handshakes + " time(s), below --min-count " + minCount;
    }
    try {
      HostPattern.parse(host.host);
    } catch (IllegalArgumentException e) {
      return "not a host name a policy can hold: " + e.getMessage();
    }
    return null;
  }

  private static ProposedSet proposeSet(List<Observed> group, Set<String> allObserved, Set<String> names) {
    ProposedSet set = new ProposedSet();
    Map<String, PathCertificate> issuers = new LinkedHashMap<>();
    Map<String, PathCertificate> roots = new LinkedHashMap<>();
    Set<String> ownKeys = new LinkedHashSet<>();
    for (Observed host : group) {
      for (Inventory.Chain chain : host.chains.values()) {
        PathCertificate issuer = issuer(chain.path());
        issuers.putIfAbsent(issuer.pin.toString(), issuer);
        if (chain.path().size() == 1) {
          ownKeys.add(issuer.pin.toString());
        }
        PathCertificate top = chain.path().get(chain.path().size() - 1);
        if (top != issuer) {
          roots.putIfAbsent(top.pin.toString(), top);
        }
        if ("mismatch".equals(chain.result())) {
          set.notes.add(host.host + ": its chain through " + issuer.subject + " did not match pin-set '"
              + chain.pinSet() + "' in force (report mode); confirm with its owner that it is no interception");
        }
      }
      if (!host.blocked.isEmpty()) {
        set.notes.add(host.host + ": chain(s) the policy in force blocked are not pinned: "
            + issuersOf(host.blocked));
      }
    }
    set.severalCas = issuers.size() > 1;
    for (PathCertificate issuer : issuers.values()) {
      set.pins.put(issuer.pin.toString(), new ProposedPin(issuer.pin.toString(),
          ownKeys.contains(issuer.pin.toString()) ? "the server's own key (no CA on its path)" : "issuing CA",
          issuer));
    }
    for (PathCertificate root : roots.values()) {
      set.pins.putIfAbsent(root.pin.toString(), new ProposedPin(root.pin.toString(),
          root.selfIssued() ? "root (backup)" : "top of the known path (backup)", root));
    }
    List<String> hosts = new ArrayList<>();
    for (Observed host : group) {
      hosts.add(host.host);
    }
    suggestPatterns(set, hosts, allObserved);
    set.name = uniqueName(nameFor(issuers.values().iterator().next(), hosts.get(0), set.severalCas), names);
    if (set.severalCas) {
      set.notes.add(0, "served through " + issuers.size() + " issuing CAs (a CDN, or a move in progress): every CA "
          + "seen is pinned; remove one once it is no longer used");
    }
    return set;
  }

  /**
   * Replaces hosts by a wildcard where every observed host under it is in this set: the most specific domain
   * first, at least two hosts, never a public suffix. {@code *.} when they are all one label below, else {@code **.}.
   */
  private static void suggestPatterns(ProposedSet set, List<String> hosts, Set<String> allObserved) {
    Set<String> domains = new TreeSet<>(Comparator.comparingInt(String::length).reversed()
        .thenComparing(Comparator.naturalOrder()));
    for (String host : hosts) {
      for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        String domain = host.substring(dot + 1);
        if (domain.indexOf('.') > 0 && !PublicSuffixes.isPublicSuffix(domain)) {
          domains.add(domain);
        }
      }
    }
    Set<String> covered = new LinkedHashSet<>();
    for (String domain : domains) {
      HostPattern oneLabel = HostPattern.parse("*." + domain);
      HostPattern anyDepth = HostPattern.parse("**." + domain);
      List<String> under = new ArrayList<>();
      boolean allOneLabel = true;
      boolean onlyOurs = true;
      for (String other : allObserved) {
        if (anyDepth.matches(other)) {
          under.add(other);
          allOneLabel &= oneLabel.matches(other);
          onlyOurs &= hosts.contains(other) && !covered.contains(other);
        }
      }
      if (onlyOurs && under.size() >= 2) {
        set.patterns.put((allOneLabel ? oneLabel : anyDepth).toString(), under);
        covered.addAll(under);
      }
    }
    for (String host : hosts) {
      if (!covered.contains(host)) {
        set.hosts.add(host);
      }
    }
  }

  /** The leaf's issuer on the path, or the leaf itself when the path has no CA. */
  private static PathCertificate issuer(List<PathCertificate> path) {
    return path.size() > 1 ? path.get(1) : path.get(0);
  }

  private static String pinsOf(List<PathCertificate> path) {
    StringBuilder pins = new StringBuilder();
    for (PathCertificate certificate : path) {
      pins.append(certificate.pin).append(' ');
    }
    return pins.toString();
  }

  private static String issuersOf(Map<String, Inventory.Chain> chains) {
    Set<String> subjects = new LinkedHashSet<>();
    for (Inventory.Chain chain : chains.values()) {
      subjects.add(issuer(chain.path()).subject);
    }
    return String.join("; ", subjects);
  }

  /** The issuing CA's common name as a set name ({@code good-issuing-ca}), else the first host's. */
  private static String nameFor(PathCertificate issuer, String firstHost, boolean severalCas) {
    String base = severalCas ? firstHost + "-cas" : commonName(issuer.subject);
    if (base == null) {
      base = firstHost;
    }
    String name = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]+", "-").replaceAll("^[^a-z0-9]+", "")
        .replaceAll("-+$", "");
    return name.length() > 56 ? name.substring(0, 56) : name;
  }

  private static String uniqueName(String base, Set<String> names) {
    String name = PinSet.isValidName(base) ? base : "pins";
    for (int i = 2; !names.add(name); i++) {
      name = (PinSet.isValidName(base) ? base : "pins") + "-" + i;
    }
    return name;
  }

  private static String commonName(String subject) {
    for (String part : subject.split("(?<!\\\\),")) {
      if (part.trim().toUpperCase(Locale.ROOT).startsWith("CN=")) {
        return part.trim().substring(3).replace("\\", "");
      }
    }
    return null;
  }

  /** The policy, ready for {@code check} and the agent; every name from a certificate only in a comment. */
  String yaml() {
    StringBuilder out = new StringBuilder();
    out.append("# Proposed by pin-agent propose on ").append(LocalDate.now(ZoneOffset.UTC)).append(" from ")
        .append(sources.size()).append(" inventor").append(sources.size() == 1 ? "y" : "ies").append(":\n");
    for (Source source : sources) {
      out.append("#   ").append(Printable.of(source.file)).append(" (written ")
          .append(source.inventory.written() == null ? "?" : source.inventory.written()).append(", ")
          .append(source.inventory.hosts().size()).append(" host:port entries")
          .append(source.inventory.dropped() > 0 ? ", " + source.inventory.dropped()
              + " observations DROPPED when it was full: hosts may be missing" : "")
          .append(")\n");
    }
    out.append("# ").append(hostCount).append(" host(s) observed");
    if (firstSeen != null) {
      out.append(" from ").append(firstSeen).append(" to ").append(lastSeen);
    }
    out.append("; ").append(sets.size()).append(" pin-set(s) proposed; ").append(notPinned.size())
        .append(" host(s) not pinned (listed at the end).\n")
        .append("# A proposal from what was seen, not a review: hosts not seen in this window are not here.\n");
    if (mode == Mode.REPORT) {
      out.append("# Mode report: nothing is blocked, mismatches are logged and counted; switch to enforce once\n")
          .append("# tls_pin_violations_total stays at zero (docs/rollout.md).\n");
    }
    out.append("version: 1\n")
        .append("mode: ").append(mode.id()).append('\n');
    if (sets.isEmpty()) {
      out.append("pin-sets: []\n");
    } else {
      out.append("pin-sets:\n");
    }
    for (ProposedSet set : sets) {
      out.append('\n');
      for (String note : set.notes) {
        out.append("  # ").append(Printable.of(note)).append('\n');
      }
      out.append("  - name: ").append(set.name).append('\n')
          .append("    hosts:\n");
      for (Map.Entry<String, List<String>> pattern : set.patterns.entrySet()) {
        out.append("      - ").append(PolicyLoader.flowScalar(pattern.getKey()))
            .append("   # suggestion: every observed host under it goes through this set's CA(s): ")
            .append(Printable.of(String.join(", ", pattern.getValue())))
            .append("; list them instead to pin only those\n");
      }
      for (String host : set.hosts) {
        out.append("      - ").append(PolicyLoader.flowScalar(host)).append('\n');
      }
      out.append("    pins:\n");
      for (ProposedPin pin : set.pins.values()) {
        out.append("      - ").append(pin.pin).append("   # ").append(pin.role).append(": ")
            .append(Printable.of(pin.certificate.subject)).append(", not after ").append(pin.certificate.notAfter)
            .append('\n');
      }
      if (set.pins.size() < 2) {
        out.append("      # add a backup pin: a key you hold but have not deployed, or a second CA's\n");
      }
    }
    if (!notPinned.isEmpty()) {
      out.append("\n# Not pinned:\n");
      for (Map.Entry<String, String> host : notPinned.entrySet()) {
        out.append("#   ").append(Printable.of(host.getKey())).append(": ").append(Printable.of(host.getValue()))
            .append('\n');
      }
    }
    return out.toString();
  }

  /** The same proposal, for tools. */
  Map<String, Object> json() {
    Map<String, Object> json = new LinkedHashMap<>();
    List<Object> inventories = new ArrayList<>();
    for (Source source : sources) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("file", source.file);
      entry.put("written", source.inventory.written() == null ? null : source.inventory.written().toString());
      entry.put("hostPorts", source.inventory.hosts().size());
      entry.put("dropped", source.inventory.dropped());
      inventories.add(entry);
    }
    json.put("inventories", inventories);
    json.put("hosts", hostCount);
    json.put("firstSeen", firstSeen == null ? null : firstSeen.toString());
    json.put("lastSeen", lastSeen == null ? null : lastSeen.toString());
    json.put("mode", mode.id());
    List<Object> pinSets = new ArrayList<>();
    for (ProposedSet set : sets) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", set.name);
      List<Object> hosts = new ArrayList<>(set.patterns.keySet());
      hosts.addAll(set.hosts);
      entry.put("hosts", hosts);
      List<Object> patterns = new ArrayList<>();
      for (Map.Entry<String, List<String>> pattern : set.patterns.entrySet()) {
        Map<String, Object> suggestion = new LinkedHashMap<>();
        suggestion.put("pattern", pattern.getKey());
        suggestion.put("observedHosts", pattern.getValue());
        patterns.add(suggestion);
      }
      entry.put("suggestedPatterns", patterns);
      entry.put("severalIssuingCas", set.severalCas);
      List<Object> pins = new ArrayList<>();
      for (ProposedPin pin : set.pins.values()) {
        Map<String, Object> pinJson = new LinkedHashMap<>();
        pinJson.put("pin", pin.pin);
        pinJson.put("role", pin.role);
        pinJson.put("subject", pin.certificate.subject);
        pinJson.put("notAfter", pin.certificate.notAfter.toString());
        pins.add(pinJson);
      }
      entry.put("pins", pins);
      entry.put("notes", set.notes);
      pinSets.add(entry);
    }
    json.put("pinSets", pinSets);
    List<Object> notPinnedJson = new ArrayList<>();
    for (Map.Entry<String, String> host : notPinned.entrySet()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("host", host.getKey());
      entry.put("reason", host.getValue());
      notPinnedJson.add(entry);
    }
    json.put("notPinned", notPinnedJson);
    return json;
  }
}
