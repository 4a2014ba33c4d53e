package dev.pinagent.policy.yaml;

import dev.pinagent.policy.HostPattern;
import dev.pinagent.policy.InvalidEntryException;
import dev.pinagent.policy.Mode;
import dev.pinagent.policy.Pin;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Loads a version-1 policy file. Strict by design: an unknown key, a wrong type or a duplicate is an error,
 * because the alternative (ignoring {@code pin:} when {@code pins:} was meant) leaves a host silently
 * unpinned.
 *
 * <pre>
 * version: 1
 * mode: enforce
 * pin-sets:
 *   - name: payments
 *     hosts: [api.payments.example.com, "*.payments.example.com"]
 *     pins: [sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=, sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=]
 * </pre>
 */
public final class PolicyLoader {
  /** A policy of even thousands of sets is far below this; anything larger is a mistake or an attack. */
  public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

  /**
   * The longest line accepted, in characters. SnakeYAML's reader looks ahead over a whole token (a comment, a
   * scalar) and copies its buffer at every kilobyte it reads, so its time grows with the square of a token's
   * length, and tokens end at line breaks: one 4 MiB comment line took 11 s to load, before {@code main}. A
   * file of the largest size made of lines of this length loads in a few hundred milliseconds cold (64 KiB lines
   * took a second). No policy needs longer lines; a list of hundreds of hosts is written one per line.
   */
  public static final int MAX_LINE_CHARS = 16 * 1024;

  /** Anchors are handy for sharing pin lists, but unbounded alias expansion is the billion-laughs attack. */
  private static final int MAX_ALIASES = 100;

  private static final int MAX_NESTING = 16;

  private static final Set<String> TOP_KEYS = Set.of("version", "serial", "mode", "pin-sets");
  private static final Set<String> PIN_SET_KEYS = Set.of("name", "hosts", "pins", "mode", "expires");
  private static final Set<Tag> STANDARD_TAGS =
      Set.of(Tag.MAP, Tag.SEQ, Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.TIMESTAMP);

  private PolicyLoader() {}

  /** Loads the policy at {@code file}; every failure is a {@link PolicyException} naming the file. */
  public static Policy load(Path file) throws PolicyException {
    return fromBytes(file.toString(), read(file));
  }

  /**
   * The bytes of the policy file at {@code file}, refused (a {@link PolicyException} naming the file) when it is
   * missing, not a regular file, unreadable or larger than {@link #MAX_FILE_BYTES}. A reload reads once, then
   * fingerprints and parses the very same bytes, so a file rewritten in between cannot be half of each.
   */
  public static byte[] read(Path file) throws PolicyException {
    String name = file.toString();
    if (!Files.exists(file)) {
      // A relative path is resolved against the working directory, which for a service is often not where
      // whoever wrote the path thought: say where it was looked for.
      String where = file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ": a relative path is "
          + "resolved against the working directory " + Path.of("").toAbsolutePath() + ")";
      throw new PolicyException(name, 0, "", "no such file" + where
          + "; set policy= to the path of an existing policy file");
    }
    if (Files.isDirectory(file)) {
      throw new PolicyException(name, 0, "", "is a directory; expected a policy file");
    }
    // A device or pipe (/dev/zero, a FIFO) would exhaust memory or block start-up forever.
    if (!Files.isRegularFile(file)) {
      throw new PolicyException(name, 0, "", "is not a regular file; expected a policy file");
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (IOException e) {
      throw new PolicyException(name, 0, "", "cannot be read: " + e);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new PolicyException(name, 0, "", "is larger than " + MAX_FILE_BYTES + " bytes; is it a policy file?");
    }
    return bytes;
  }

  /** Parses the bytes of a policy, which must be UTF-8; {@code name} is used in error messages. */
  public static Policy fromBytes(String name, byte[] bytes) throws PolicyException {
    if (bytes.length > MAX_FILE_BYTES) {
      throw new PolicyException(name, 0, "", "is larger than " + MAX_FILE_BYTES + " bytes; is it a policy file?");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PolicyException(name, 0, "", "is not UTF-8 text; save the policy as UTF-8");
    }
    return parse(name, text);
  }

  /** Parses policy text; {@code name} is used in error messages. */
  public static Policy parse(String name, String text) throws PolicyException {
    if (text.length() > MAX_FILE_BYTES) {
      throw new PolicyException(name, 0, "", "is larger than " + MAX_FILE_BYTES + " characters; is it a policy file?");
    }
    checkLineLengths(name, text);
    Node root = compose(name, text);
    return new Reader(name).policy(root);
  }

  /** Refuses a line longer than {@link #MAX_LINE_CHARS}, counting lines as YAML does (so the line number matches). */
  private static void checkLineLengths(String name, String text) throws PolicyException {
    int line = 1;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '\n';
      boolean lineBreak = c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
      if (!lineBreak) {
        continue;
      }
      if (i - start > MAX_LINE_CHARS) {
        throw new PolicyException(name, line, "", "line " + line + " is " + (i - start) + " characters long; a "
            + "policy line may be at most " + MAX_LINE_CHARS + " (write long lists one item per line)");
      }
      if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        i++;
      }
      line++;
      start = i + 1;
    }
  }

  private static Node compose(String name, String text) throws PolicyException {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setAllowDuplicateKeys(false);
    options.setNestingDepthLimit(MAX_NESTING);
    options.setCodePointLimit(MAX_FILE_BYTES);
    options.setProcessComments(false);
    try {
      // The composer alone, not Yaml: no constructor or representer classes are loaded, which keeps them
      // off the host's start-up path and makes object construction impossible rather than merely refused.
      Node root = new Composer(new ParserImpl(new StreamReader(new StringReader(text)), options), new Resolver(),
          options).getSingleNode();
      if (root == null) {
        throw new PolicyException(name, 0, "", "is empty; expected a mapping with 'version: 1' and 'pin-sets'");
      }
      return root;
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      int line = mark == null ? 0 : mark.getLine() + 1;
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
      String wildcard = mark == null ? null : unquotedWildcard(text, mark.getLine());
      if (wildcard != null) {
        // YAML reads a plain '*' as an alias; what it says then ("unexpected character found .(46)") names
        // neither the cause nor the fix.
        throw new PolicyException(name, line, "", "invalid YAML: quote wildcard patterns: \"" + wildcard
            + "\" (YAML reads an unquoted '*' as an alias)");
      }
      String hint = problem.contains("alias") || problem.contains("anchor")
          ? " (a host pattern starting with '*' must be quoted: \"*.example.com\")"
          : "";
      throw new PolicyException(name, line, "", "invalid YAML: " + problem.trim() + hint);
    } catch (YAMLException e) {
      throw new PolicyException(name, 0, "", "refused: " + e.getMessage());
    }
  }

  /**
   * An unquoted {@code *.} or {@code **.} pattern: after a line's start, a space, '[', ',' or ':' (not a quote).
   * Only letters, digits, '.', '-', '_' and '*' are taken into the message, so it needs no escaping.
   */
  private static final java.util.regex.Pattern UNQUOTED_WILDCARD =
      java.util.regex.Pattern.compile("(?:^|[\\s\\[,:])(\\*{1,2}\\.[\\p{L}\\p{N}._*-]*)");

  /** The first unquoted wildcard host pattern on line {@code index} (from 0) of {@code text}, or null. */
  private static String unquotedWildcard(String text, int index) {
    String[] lines = text.split("\r\n|[\r\n\u0085\u2028\u2029]", -1);
    if (index < 0 || index >= lines.length) {
      return null;
    }
    java.util.regex.Matcher matcher = UNQUOTED_WILDCARD.matcher(lines[index]);
    return matcher.find() ? matcher.group(1) : null;
  }

  /**
   * {@code text} written as a YAML flow scalar that loads back as exactly that text: plain when YAML reads it as
   * text ({@code api.example.com}), double-quoted when it would read as something else or is not plain-safe
   * ({@code "*.example.com"}, {@code "::1"}, {@code "yes"}). For values already limited to printable ASCII
   * without quotes or backslashes, such as host patterns.
   */
  public static String flowScalar(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        throw new IllegalArgumentException("not a plain ASCII value: " + text);
      }
    }
    boolean plain = text.matches("[A-Za-z0-9][A-Za-z0-9._-]*")
        && new Resolver().resolve(NodeId.scalar, text, true).equals(Tag.STR);
    return plain ? text : "\"" + text + "\"";
  }

  /** Walks the node tree with the file name at hand; one instance per load. */
  private static final class Reader {
    private final String file;

    Reader(String file) {
      this.file = file;
    }

    Policy policy(Node root) throws PolicyException {
      Map<String, NodeTuple> top = mapping(root, "", TOP_KEYS);
      NodeTuple version = required(top, "version", root, "");
      String versionText = scalar(version.getValueNode(), "/version", Tag.INT, "the integer 1");
      if (!versionText.equals(String.valueOf(Policy.VERSION))) {
        throw error(version.getValueNode(), "/version",
            "unsupported version '" + versionText + "'; this agent reads version " + Policy.VERSION);
      }
      Mode defaultMode = Mode.ENFORCE;
      if (top.containsKey("mode")) {
        defaultMode = mode(top.get("mode").getValueNode(), "/mode");
      }
      NodeTuple sets = required(top, "pin-sets", root, "");
      List<Node> setNodes = sequence(sets.getValueNode(), "/pin-sets", "a list of pin-sets", true);
      Policy.Builder builder = Policy.builder(defaultMode);
      if (top.containsKey("serial")) {
        builder.serial(serial(top.get("serial").getValueNode(), "/serial"));
      }
      for (int i = 0; i < setNodes.size(); i++) {
        String path = "/pin-sets/" + i;
        Node setNode = setNodes.get(i);
        PinSetNodes nodes = new PinSetNodes(setNode, mapping(setNode, path, PIN_SET_KEYS));
        PinSet pinSet = pinSet(nodes, path, defaultMode);
        try {
          builder.add(pinSet);
        } catch (InvalidEntryException e) {
          throw entryError(nodes, path, e);
        }
      }
      return builder.build();
    }

    /**
     * A serial: decimal digits only (YAML would also read {@code 0x1f}, {@code 1_000} or {@code 0o17} as integers,
     * and a serial compared across versions must mean one number to every reader), at most 18 of them so it
     * fits a {@code long}.
     */
    private long serial(Node node, String path) throws PolicyException {
      String text = scalar(node, path, Tag.INT, "a whole number such as 202612011030");
      if (!text.matches("[0-9]{1,18}")) {
        throw error(node, path, "expected a whole number of 1 to 18 decimal digits such as 202612011030, got '"
            + text + "'");
      }
      return Long.parseLong(text);
    }

    private PinSet pinSet(PinSetNodes nodes, String path, Mode defaultMode) throws PolicyException {
      String name = scalar(required(nodes.keys, "name", nodes.node, path).getValueNode(), path + "/name",
          Tag.STR, "a pin-set name");
      List<Node> hostNodes = sequence(required(nodes.keys, "hosts", nodes.node, path).getValueNode(),
          path + "/hosts", "a list of host patterns", false);
      List<HostPattern> hosts = new ArrayList<>();
      for (int i = 0; i < hostNodes.size(); i++) {
        String hostPath = path + "/hosts/" + i;
        String text = scalar(hostNodes.get(i), hostPath, Tag.STR, "a host pattern");
        try {
          hosts.add(HostPattern.parse(text));
        } catch (IllegalArgumentException e) {
          throw error(hostNodes.get(i), hostPath, e.getMessage());
        }
      }
      List<Node> pinNodes = sequence(required(nodes.keys, "pins", nodes.node, path).getValueNode(),
          path + "/pins", "a list of pins", false);
      List<Pin> pins = new ArrayList<>();
      for (int i = 0; i < pinNodes.size(); i++) {
        String pinPath = path + "/pins/" + i;
        String text = scalar(pinNodes.get(i), pinPath, Tag.STR, "a pin 'sha256/<base64>'");
        try {
          pins.add(Pin.parse(text));
        } catch (IllegalArgumentException e) {
          throw error(pinNodes.get(i), pinPath, e.getMessage());
        }
      }
      Mode mode = nodes.keys.containsKey("mode") ? mode(nodes.keys.get("mode").getValueNode(), path + "/mode")
          : defaultMode;
      LocalDate expires = null;
      if (nodes.keys.containsKey("expires")) {
        expires = date(nodes.keys.get("expires").getValueNode(), path + "/expires");
      }
      try {
        return PinSet.of(name, hosts, pins, mode, expires);
      } catch (InvalidEntryException e) {
        throw entryError(nodes, path, e);
      }
    }

    private PolicyException entryError(PinSetNodes nodes, String path, InvalidEntryException e) {
      NodeTuple field = nodes.keys.get(e.field());
      if (field == null) {
        return error(nodes.node, path, e.getMessage());
      }
      Node value = field.getValueNode();
      if (e.index() >= 0 && value instanceof SequenceNode) {
        return error(((SequenceNode) value).getValue().get(e.index()),
            path + "/" + e.field() + "/" + e.index(), e.getMessage());
      }
      return error(value, path + "/" + e.field(), e.getMessage());
    }

    private Mode mode(Node node, String path) throws PolicyException {
      String text = scalar(node, path, Tag.STR, "'enforce' or 'report'");
      try {
        return Mode.parse(text);
      } catch (IllegalArgumentException e) {
        throw error(node, path, e.getMessage());
      }
    }

    private LocalDate date(Node node, String path) throws PolicyException {
      checkTag(node, path);
      if (!(node instanceof ScalarNode) || (!node.getTag().equals(Tag.TIMESTAMP) && !node.getTag().equals(Tag.STR))) {
        throw error(node, path, "expected a date YYYY-MM-DD (UTC), got " + describe(node));
      }
      String text = ((ScalarNode) node).getValue();
      try {
        return LocalDate.parse(text);
      } catch (DateTimeParseException e) {
        throw error(node, path, "expected a date YYYY-MM-DD (UTC), got '" + text + "'");
      }
    }

    private Map<String, NodeTuple> mapping(Node node, String path, Set<String> allowed) throws PolicyException {
      checkTag(node, path);
      if (!(node instanceof MappingNode)) {
        throw error(node, path.isEmpty() ? "/" : path, "expected a mapping of " + String.join(", ", sorted(allowed))
            + ", got " + describe(node));
      }
      Map<String, NodeTuple> keys = new LinkedHashMap<>();
      for (NodeTuple tuple : ((MappingNode) node).getValue()) {
        Node keyNode = tuple.getKeyNode();
        if (keyNode.getTag().equals(Tag.MERGE)) {
          throw error(keyNode, path, "merge keys ('<<') are not supported; write the keys out");
        }
        String key = scalar(keyNode, path, Tag.STR, "a key");
        if (!allowed.contains(key)) {
          throw error(keyNode, path + "/" + key,
              "unknown key '" + key + "'" + suggestion(key, allowed) + "; expected one of: "
                  + String.join(", ", sorted(allowed)));
        }
        if (keys.containsKey(key)) {
          throw error(keyNode, path + "/" + key, "duplicate key '" + key + "' (first on line "
              + line(keys.get(key).getKeyNode()) + "); keep one");
        }
        checkTag(tuple.getValueNode(), path + "/" + key);
        keys.put(key, tuple);
      }
      return keys;
    }

    private NodeTuple required(Map<String, NodeTuple> keys, String key, Node owner, String path)
        throws PolicyException {
      NodeTuple tuple = keys.get(key);
      if (tuple == null) {
        throw error(owner, path.isEmpty() ? "/" : path, "missing required key '" + key + "'");
      }
      return tuple;
    }

    private List<Node> sequence(Node node, String path, String expected, boolean mayBeEmpty)
        throws PolicyException {
      checkTag(node, path);
      if (!(node instanceof SequenceNode)) {
        throw error(node, path, "expected " + expected + ", got " + describe(node));
      }
      List<Node> items = ((SequenceNode) node).getValue();
      if (items.isEmpty() && !mayBeEmpty) {
        throw error(node, path, "expected " + expected + " with at least one entry, got an empty list");
      }
      return items;
    }

    private String scalar(Node node, String path, Tag tag, String expected) throws PolicyException {
      checkTag(node, path);
      if (!(node instanceof ScalarNode) || !node.getTag().equals(tag)) {
        String hint = node instanceof ScalarNode && tag.equals(Tag.STR) ? " (quote it to make it text)" : "";
        throw error(node, path, "expected " + expected + ", got " + describe(node) + hint);
      }
      return ((ScalarNode) node).getValue();
    }

    private void checkTag(Node node, String path) throws PolicyException {
      if (!STANDARD_TAGS.contains(node.getTag())) {
        throw error(node, path, "the tag '" + node.getTag().getValue()
            + "' is not allowed; a policy holds only plain strings, numbers, dates, lists and mappings");
      }
    }

    private PolicyException error(Node node, String path, String problem) {
      return new PolicyException(file, line(node), path, problem);
    }
  }

  /** The two views of a pin-set needed to point at the right line of an error. */
  private static final class PinSetNodes {
    final Node node;
    final Map<String, NodeTuple> keys;

    PinSetNodes(Node node, Map<String, NodeTuple> keys) {
      this.node = node;
      this.keys = keys;
    }
  }

  private static int line(Node node) {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  private static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    Tag tag = node.getTag();
    String value = ((ScalarNode) node).getValue();
    if (tag.equals(Tag.NULL)) {
      return "nothing";
    }
    String kind = tag.equals(Tag.INT) ? "number" : tag.equals(Tag.FLOAT) ? "number"
        : tag.equals(Tag.BOOL) ? "boolean" : tag.equals(Tag.TIMESTAMP) ? "date" : "text";
    return kind + " '" + value + "'";
  }

  private static List<String> sorted(Set<String> keys) {
    List<String> list = new ArrayList<>(keys);
    list.sort(null);
    return list;
  }

  private static String suggestion(String key, Set<String> allowed) {
    String best = null;
    int bestDistance = 3;
    for (String candidate : allowed) {
      int distance = editDistance(key, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best == null ? "" : " (did you mean '" + best + "'?)";
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
