package dev.pinagent.cli;

import dev.pinagent.inventory.Inventory;
import dev.pinagent.json.Json;
import dev.pinagent.policy.Mode;
import dev.pinagent.verify.Printable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code propose <inventory.json>...}: merges the inventories agents recorded ({@code inventory.file}) and prints
 * a policy that pins what they saw, in report mode unless told otherwise, so that the first rollout step is safe.
 * See {@link Proposal} for what is pinned and what is only listed.
 */
final class ProposeCommand {
  static final String USAGE = "usage: java -jar pin-agent.jar propose <inventory.json>... [options]\n"
      + "\n"
      + "Merges inventories recorded by agents with inventory.file=... (a fleet's services, or many instances of\n"
      + "one) and prints a policy: one pin-set per group of hosts served through the same issuing CA, pinning that\n"
      + "CA and its root as the backup; a host seen through several CAs gets a set pinning all of them; a wildcard\n"
      + "only where every observed host under it shares the CA(s). IP addresses, rare hosts and hosts whose only\n"
      + "chains the policy in force blocked are listed in a comment, not pinned.\n"
      + "\n"
      + "options:\n"
      + "  --mode report|enforce    the policy's mode (default report: the safe first step)\n"
      + "  --min-count N            pin only hosts seen in at least N handshakes (default 1)\n"
      + "  --exclude REGEX          do not pin hosts matching REGEX (found anywhere in the name; repeatable)\n"
      + "  --format yaml|json       yaml: the policy (default); json: the same proposal for tools\n"
      + "\n"
      + "exit status: 0 printed; 2 an inventory could not be read (or a usage error)\n";

  private ProposeCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Arguments arguments = Arguments.parse(args, 1, Set.of("mode", "min-count", "exclude", "format"), Set.of("help"));
    if (arguments.flag("help")) {
      out.print(USAGE);
      return CheckCommand.CLEAN;
    }
    if (arguments.operands().isEmpty()) {
      throw new UsageException("propose takes one or more inventory files (written by the agent's inventory.file)");
    }
    String format = arguments.option("format", "yaml");
    if (!Set.of("yaml", "json").contains(format)) {
      throw new UsageException("--format must be yaml or json, got '" + Printable.of(format) + "'");
    }
    Mode mode;
    try {
      mode = Mode.parse(arguments.option("mode", "report"));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--mode: " + Printable.of(e.getMessage()));
    }
    long minCount = minCount(arguments.option("min-count", "1"));
    Pattern exclude = exclude(arguments.options("exclude"));
    List<Proposal.Source> sources = new ArrayList<>();
    for (String file : arguments.operands()) {
      try {
        sources.add(new Proposal.Source(file, Inventory.read(Paths.get(file))));
      } catch (NoSuchFileException e) {
        err.println("pin-agent: " + Printable.of(file) + ": no such file");
        return CheckCommand.ERRORS;
      } catch (IOException | Inventory.InvalidInventoryException e) {
        err.println("pin-agent: " + Printable.of(file) + ": not an inventory: " + Printable.of(e.getMessage())
            + " (inventories are written by the agent with inventory.file=...)");
        return CheckCommand.ERRORS;
      }
    }
    Proposal proposal = Proposal.of(sources, mode, minCount, exclude);
    out.print(format.equals("json") ? Json.write(proposal.json()) : proposal.yaml());
    return CheckCommand.CLEAN;
  }

  private static long minCount(String text) throws UsageException {
    try {
      long value = Long.parseLong(text);
      if (value >= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below.
    }
    throw new UsageException("--min-count must be a whole number of handshakes, 1 or more, got '"
        + Printable.of(text) + "'");
  }

  private static Pattern exclude(List<String> expressions) throws UsageException {
    if (expressions.isEmpty()) {
      return null;
    }
    StringBuilder any = new StringBuilder();
    for (String expression : expressions) {
      try {
        Pattern.compile(expression);
      } catch (PatternSyntaxException e) {
        throw new UsageException("--exclude '" + Printable.of(expression) + "' is not a regular expression: "
            + Printable.of(e.getDescription()));
      }
      any.append(any.length() == 0 ? "" : "|").append("(?:").append(expression).append(')');
    }
    return Pattern.compile(any.toString());
  }
}
