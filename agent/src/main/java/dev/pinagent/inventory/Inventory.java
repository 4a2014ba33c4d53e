package dev.pinagent.inventory;

import dev.pinagent.policy.Pin;
import dev.pinagent.verify.Printable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The servers a JVM talked to over TLS: per host and port, when it was first and last seen, how many handshakes,
 * and each distinct certification path with what the policy said of it. Bounded: at most {@code maxHosts} hosts
 * and {@code maxChains} paths per host; what does not fit is counted in {@link #dropped()}, not stored.
 *
 * <p>A path is identified by the keys on it: a certificate renewed with the same key is the same path (its
 * latest certificate is kept), a new key or another CA is another. Holds host names and public certificates
 * only. Not thread-safe: the recorder guards it.
 *
 * <p>As JSON ({@link #toJson()}, {@link #fromJson}):
 * <pre>
 * {"format": "pin-agent-inventory/1", "written": "2026-12-01T20:00:00Z", "maxHosts": 2000,
 *  "maxChainsPerHost": 4, "dropped": 0,
 *  "hosts": [{"host": "api.partner.example", "port": 443, "peerHosts": [], "firstSeen": "...", "lastSeen": "...",
 *    "handshakes": 12, "chains": [{"firstSeen": "...", "lastSeen": "...", "handshakes": 12,
 *      "pinSet": "partner", "result": "match",
 *      "path": [{"subject": "CN=api.partner.example", "issuer": "...", "notAfter": "...", "key": "EC 256",
 *                "pin": "sha256/..."}, ...]}]}]}
 * </pre>
 */
public final class Inventory {
  public static final String FORMAT = "pin-agent-inventory/1";
  /** The result of a chain the check refused (enforce mode), beside the {@code result} tags of the metrics. */
  public static final String BLOCKED = "blocked";
  public static final int DEFAULT_MAX_CHAINS = 4;
  /** Peer host names kept per entry when they differ from the SNI name. */
  static final int MAX_PEER_HOSTS = 4;
  /** Certificates on a path the reader accepts (the agent's own limit, plus the anchor). */
  static final int MAX_PATH = 11;

  private final int maxHosts;
  private final int maxChains;
  private final Map<String, Host> hosts = new LinkedHashMap<>();
  private long dropped;
  /** When the file read was written, or {@code null} for an inventory not read from a file. */
  private Instant written;

  public Inventory(int maxHosts, int maxChains) {
    this.maxHosts = maxHosts;
    this.maxChains = maxChains;
  }

  /** One host and port. */
  public static final class Host {
    public final String host;
    public final int port;
    final Set<String> peerHosts = new LinkedHashSet<>();
    final List<Chain> chains = new ArrayList<>();

    Host(String host, int port) {
      this.host = host;
      this.port = port;
    }

    public List<Chain> chains() {
      return Collections.unmodifiableList(chains);
    }

    public Set<String> peerHosts() {
      return Collections.unmodifiableSet(peerHosts);
    }

    public long handshakes() {
      long sum = 0;
      for (Chain chain : chains) {
        sum += chain.handshakes();
      }
      return sum;
    }

    public Instant firstSeen() {
      Instant first = null;
      for (Chain chain : chains) {
        first = first == null || chain.firstSeen.isBefore(first) ? chain.firstSeen : first;
      }
      return first;
    }

    public Instant lastSeen() {
      Instant last = null;
      for (Chain chain : chains) {
        Instant seen = chain.lastSeen();
        last = last == null || seen.isAfter(last) ? seen : last;
      }
      return last;
    }
  }

  /** One distinct certification path of a host, leaf first, its anchor last. */
  public static final class Chain {
    final String key;
    List<PathCertificate> path;
    String pinSet;
    String result;
    final Instant firstSeen;
    private Instant lastSeen;
    /** Handshakes read from a file, and those of sightings no longer counting. */
    private long settledHandshakes;
    /** Counts of sightings handshakes may still find. */
    private final List<Sighting.Tally> live = new ArrayList<>(1);

    Chain(List<PathCertificate> path, Instant firstSeen) {
      this.key = keyOf(path);
      this.path = path;
      this.firstSeen = firstSeen;
      this.lastSeen = firstSeen;
    }

    public List<PathCertificate> path() {
      return Collections.unmodifiableList(path);
    }

    /** The pin-set that applied when last seen, or {@code null} when none did. */
    public String pinSet() {
      return pinSet;
    }

    /** {@code match}, {@code mismatch}, {@code unpinned}, {@code expired}, {@code error} or {@code blocked}. */
    public String result() {
      return result;
    }

    public Instant firstSeen() {
      return firstSeen;
    }

    public Instant lastSeen() {
      Instant last = lastSeen;
      for (Sighting.Tally tally : live) {
        Instant seen = Instant.ofEpochMilli(tally.lastSeen());
        last = seen.isAfter(last) ? seen : last;
      }
      return last;
    }

    public long handshakes() {
      long sum = settledHandshakes;
      for (Sighting.Tally tally : live) {
        sum += tally.handshakes.sum();
      }
      return sum;
    }

    /** Adds a sighting; folds in those of older generations, which handshakes no longer find. */
    void attach(Sighting.Tally tally) {
      for (int i = live.size() - 1; i >= 0; i--) {
        Sighting.Tally old = live.get(i);
        if (old.generation < tally.generation) {
          settledHandshakes += old.handshakes.sum();
          Instant seen = Instant.ofEpochMilli(old.lastSeen());
          lastSeen = seen.isAfter(lastSeen) ? seen : lastSeen;
          live.remove(i);
        }
      }
      live.add(tally);
    }
  }

  static String keyOf(List<PathCertificate> path) {
    StringBuilder key = new StringBuilder();
    for (PathCertificate certificate : path) {
      key.append(certificate.pin).append(' ');
    }
    return key.toString();
  }

  int maxHosts() {
    return maxHosts;
  }

  int maxChains() {
    return maxChains;
  }

  /** Takes over what {@code previous} (read from the file at startup) holds, before anything is recorded. */
  void continueFrom(Inventory previous) {
    hosts.putAll(previous.hosts);
    dropped += previous.dropped;
  }

  public List<Host> hosts() {
    return Collections.unmodifiableList(new ArrayList<>(hosts.values()));
  }

  /** When the inventory read was written; {@code null} when it was not read from a file. */
  public Instant written() {
    return written;
  }

  /** Host:port entries and paths that did not fit, counted since the inventory began. */
  public long dropped() {
    return dropped;
  }

  /**
   * Files a sighting whose path was worked out; {@code false} when it does not fit (counted as dropped). The
   * sighting's handshakes count towards its path from now on.
   */
  boolean add(Sighting sighting, List<PathCertificate> path) {
    String hostKey = sighting.host + " " + sighting.port;
    Host host = hosts.get(hostKey);
    if (host == null) {
      if (hosts.size() >= maxHosts) {
        dropped++;
        return false;
      }
      host = new Host(sighting.host, sighting.port);
      hosts.put(hostKey, host);
    }
    String key = keyOf(path);
    Chain chain = null;
    for (Chain known : host.chains) {
      if (known.key.equals(key)) {
        chain = known;
      }
    }
    if (chain == null) {
      if (host.chains.size() >= maxChains) {
        dropped++;
        if (host.chains.isEmpty()) {
          hosts.remove(hostKey);
        }
        return false;
      }
      chain = new Chain(path, Instant.ofEpochMilli(sighting.firstSeen));
      host.chains.add(chain);
    }
    // The latest certificates (a renewal with the same keys) and the latest policy outcome win.
    chain.path = path;
    chain.pinSet = sighting.set == null ? null : sighting.set.name();
    chain.result = sighting.resultId();
    if (sighting.peerHost != null && host.peerHosts.size() < MAX_PEER_HOSTS) {
      host.peerHosts.add(sighting.peerHost);
    }
    chain.attach(sighting.tally);
    return true;
  }

  /** The inventory as a JSON value (maps and lists), hosts sorted by name and port. */
  public Map<String, Object> toJson(Instant written) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", FORMAT);
    json.put("written", written.toString());
    json.put("maxHosts", maxHosts);
    json.put("maxChainsPerHost", maxChains);
    json.put("dropped", dropped);
    List<Host> sorted = new ArrayList<>(hosts.values());
    sorted.sort(Comparator.comparing((Host host) -> host.host).thenComparingInt(host -> host.port));
    List<Object> hostList = new ArrayList<>();
    for (Host host : sorted) {
      if (host.chains.isEmpty()) {
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("host", host.host);
      entry.put("port", host.port);
      entry.put("peerHosts", new ArrayList<>(host.peerHosts));
      entry.put("firstSeen", host.firstSeen().toString());
      entry.put("lastSeen", host.lastSeen().toString());
      entry.put("handshakes", host.handshakes());
      List<Object> chains = new ArrayList<>();
      for (Chain chain : host.chains) {
        Map<String, Object> chainJson = new LinkedHashMap<>();
        chainJson.put("firstSeen", chain.firstSeen.toString());
        chainJson.put("lastSeen", chain.lastSeen().toString());
        chainJson.put("handshakes", chain.handshakes());
        chainJson.put("pinSet", chain.pinSet);
        chainJson.put("result", chain.result);
        List<Object> path = new ArrayList<>();
        for (PathCertificate certificate : chain.path) {
          path.add(certificate.toJson());
        }
        chainJson.put("path", path);
        chains.add(chainJson);
      }
      entry.put("chains", chains);
      hostList.add(entry);
    }
    json.put("hosts", hostList);
    return json;
  }

  /** The earliest first sight of any host, or {@code null} when empty. */
  public Instant firstSeen() {
    Instant first = null;
    for (Host host : hosts.values()) {
      Instant seen = host.firstSeen();
      first = seen != null && (first == null || seen.isBefore(first)) ? seen : first;
    }
    return first;
  }

  /** The latest sight of any host, or {@code null} when empty. */
  public Instant lastSeen() {
    Instant last = null;
    for (Host host : hosts.values()) {
      Instant seen = host.lastSeen();
      last = seen != null && (last == null || seen.isAfter(last)) ? seen : last;
    }
    return last;
  }

  /**
   * Reads an inventory file whole (no caps): for {@code propose}. The exception's message says what is wrong and
   * where, without the file name.
   */
  public static Inventory read(java.nio.file.Path file) throws java.io.IOException, InvalidInventoryException {
    try {
      return InventoryFile.parse(file, Integer.MAX_VALUE, Integer.MAX_VALUE);
    } catch (dev.pinagent.json.Json.ParseException e) {
      throw new InvalidInventoryException(e.getMessage());
    }
  }

  /** A document that is not an inventory; the message says where ({@code /hosts/3/port}) and what is wrong. */
  public static final class InvalidInventoryException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidInventoryException(String message) {
      super(message);
    }
  }

  /**
   * Reads an inventory from its JSON value, keeping at most {@code maxHosts} hosts and {@code maxChains} paths
   * per host (the rest counted as dropped): a file written with larger caps is continued under the new ones.
   */
  public static Inventory fromJson(Object json, int maxHosts, int maxChains) throws InvalidInventoryException {
    Map<?, ?> root = map(json, "");
    Object format = root.get("format");
    if (!FORMAT.equals(format)) {
      throw new InvalidInventoryException("/format: expected '" + FORMAT + "', got "
          + (format == null ? "none" : "'" + Printable.of(String.valueOf(format)) + "'"));
    }
    Inventory inventory = new Inventory(maxHosts, maxChains);
    inventory.dropped = number(root.get("dropped"), "/dropped", 0, Long.MAX_VALUE);
    inventory.written = instant(root.get("written"), "/written");
    List<?> hosts = list(root.get("hosts"), "/hosts");
    for (int i = 0; i < hosts.size(); i++) {
      String at = "/hosts/" + i;
      Map<?, ?> entry = map(hosts.get(i), at);
      String name = text(entry.get("host"), at + "/host");
      int port = (int) number(entry.get("port"), at + "/port", 0, 65535);
      String hostKey = name + " " + port;
      if (inventory.hosts.containsKey(hostKey)) {
        throw new InvalidInventoryException(at + ": " + Printable.of(name) + ":" + port + " is listed twice");
      }
      List<?> chains = list(entry.get("chains"), at + "/chains");
      if (inventory.hosts.size() >= maxHosts) {
        inventory.dropped += chains.size();
        continue;
      }
      Host host = new Host(name, port);
      for (Object peer : list(entry.get("peerHosts"), at + "/peerHosts")) {
        if (host.peerHosts.size() < MAX_PEER_HOSTS) {
          host.peerHosts.add(text(peer, at + "/peerHosts"));
        }
      }
      for (int c = 0; c < chains.size(); c++) {
        String chainAt = at + "/chains/" + c;
        Map<?, ?> chainJson = map(chains.get(c), chainAt);
        List<?> pathJson = list(chainJson.get("path"), chainAt + "/path");
        if (pathJson.isEmpty() || pathJson.size() > MAX_PATH) {
          throw new InvalidInventoryException(chainAt + "/path: expected 1 to " + MAX_PATH + " certificates, got "
              + pathJson.size());
        }
        List<PathCertificate> path = new ArrayList<>();
        for (int p = 0; p < pathJson.size(); p++) {
          path.add(certificate(map(pathJson.get(p), chainAt + "/path/" + p), chainAt + "/path/" + p));
        }
        if (host.chains.size() >= maxChains) {
          inventory.dropped++;
          continue;
        }
        Chain chain = new Chain(path, instant(chainJson.get("firstSeen"), chainAt + "/firstSeen"));
        chain.lastSeen = instant(chainJson.get("lastSeen"), chainAt + "/lastSeen");
        chain.settledHandshakes = number(chainJson.get("handshakes"), chainAt + "/handshakes", 0, Long.MAX_VALUE);
        Object pinSet = chainJson.get("pinSet");
        chain.pinSet = pinSet == null ? null : text(pinSet, chainAt + "/pinSet");
        chain.result = text(chainJson.get("result"), chainAt + "/result");
        host.chains.add(chain);
      }
      if (!host.chains.isEmpty()) {
        inventory.hosts.put(hostKey, host);
      }
    }
    return inventory;
  }

  private static PathCertificate certificate(Map<?, ?> json, String at) throws InvalidInventoryException {
    String pinText = text(json.get("pin"), at + "/pin");
    Pin pin;
    try {
      pin = Pin.parse(pinText);
    } catch (IllegalArgumentException e) {
      throw new InvalidInventoryException(at + "/pin: " + Printable.of(e.getMessage()));
    }
    return new PathCertificate(text(json.get("subject"), at + "/subject"), text(json.get("issuer"), at + "/issuer"),
        instant(json.get("notAfter"), at + "/notAfter"), text(json.get("key"), at + "/key"), pin);
  }

  private static Map<?, ?> map(Object value, String at) throws InvalidInventoryException {
    if (!(value instanceof Map)) {
      throw new InvalidInventoryException((at.isEmpty() ? "/" : at) + ": expected an object, got " + kind(value));
    }
    return (Map<?, ?>) value;
  }

  private static List<?> list(Object value, String at) throws InvalidInventoryException {
    if (!(value instanceof List)) {
      throw new InvalidInventoryException(at + ": expected an array, got " + kind(value));
    }
    return (List<?>) value;
  }

  private static String text(Object value, String at) throws InvalidInventoryException {
    if (!(value instanceof String) || ((String) value).isEmpty()) {
      throw new InvalidInventoryException(at + ": expected a non-empty string, got " + kind(value));
    }
    return (String) value;
  }

  private static long number(Object value, String at, long min, long max) throws InvalidInventoryException {
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      throw new InvalidInventoryException(at + ": expected a whole number from " + min + " to " + max + ", got "
          + kind(value));
    }
    return ((Number) value).longValue();
  }

  private static Instant instant(Object value, String at) throws InvalidInventoryException {
    String text = text(value, at);
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new InvalidInventoryException(at + ": expected a UTC time such as 2026-12-01T20:00:00Z, got '"
          + Printable.of(text) + "'");
    }
  }

  private static String kind(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "an object";
    }
    if (value instanceof List) {
      return "an array";
    }
    String text = String.valueOf(value);
    text = Printable.of(text.length() > 40 ? text.substring(0, 40) + "..." : text);
    return value instanceof String ? "the text \"" + text + "\"" : text;
  }
}
