package dev.pinagent.policy;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A named group of hosts and the keys any of which their certificate chains must contain. List a backup pin
 * (a key you hold but have not deployed, or a second CA) beside the live one: with a single pin, rotating
 * that key cuts every pinned client off until the policy is updated everywhere.
 */
public final class PinSet {
  /** Names become metric tag values, so they keep to characters every backend accepts. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private static final long SECONDS_PER_DAY = 86_400L;

  private final String name;
  private final List<HostPattern> hosts;
  private final Set<Pin> pins;
  private final Mode mode;
  private final LocalDate expires;
  private final long expiresEpochSecond;

  private PinSet(String name, List<HostPattern> hosts, Set<Pin> pins, Mode mode, LocalDate expires) {
    this.name = name;
    this.hosts = hosts;
    this.pins = pins;
    this.mode = mode;
    this.expires = expires;
    this.expiresEpochSecond =
        expires == null ? Long.MAX_VALUE : expires.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
  }

  /**
   * Validates and builds a pin-set.
   *
   * @param expires the first UTC day on which the set is no longer enforced, or {@code null}
   * @throws InvalidEntryException for a bad name, an empty list, or an entry listed twice
   */
  public static PinSet of(String name, List<HostPattern> hosts, List<Pin> pins, Mode mode, LocalDate expires) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidEntryException("name", -1,
          "expected a name of 1 to 64 letters, digits, '_', '.' or '-' (it becomes the pin_set metric tag), got '"
              + name + "'");
    }
    if (hosts.isEmpty()) {
      throw new InvalidEntryException("hosts", -1, "expected one or more host patterns, got none");
    }
    if (pins.isEmpty()) {
      throw new InvalidEntryException("pins", -1, "expected one or more pins, got none");
    }
    if (mode == null) {
      throw new IllegalArgumentException("mode is required");
    }
    return new PinSet(name, List.copyOf(noDuplicates("hosts", hosts)), Collections.unmodifiableSet(
        noDuplicates("pins", pins)), mode, expires);
  }

  private static <T> LinkedHashSet<T> noDuplicates(String field, List<T> values) {
    LinkedHashSet<T> unique = new LinkedHashSet<>();
    for (int i = 0; i < values.size(); i++) {
      if (!unique.add(values.get(i))) {
        throw new InvalidEntryException(field, i, "'" + values.get(i) + "' is listed twice; remove one");
      }
    }
    return unique;
  }

  /** Whether {@code name} may name a pin-set: 1 to 64 letters, digits, '_', '.' or '-', starting with one of the first two. */
  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  public String name() {
    return name;
  }

  public List<HostPattern> hosts() {
    return hosts;
  }

  public Set<Pin> pins() {
    return pins;
  }

  public Mode mode() {
    return mode;
  }

  public Optional<LocalDate> expires() {
    return Optional.ofNullable(expires);
  }

  /** Whether the set has stopped being enforced at {@code epochMillis}: from its expiry day on, UTC. */
  public boolean isExpiredAt(long epochMillis) {
    return Math.floorDiv(epochMillis, 1000L) >= expiresEpochSecond;
  }

  /** Seconds from {@code epochMillis} until the set expires; negative once it has. */
  public double secondsUntilExpiry(long epochMillis) {
    return expiresEpochSecond - epochMillis / 1000.0;
  }

  /** Whole days until expiry, for lint warnings; {@link Long#MAX_VALUE} without an expiry. */
  public long daysUntilExpiry(long epochMillis) {
    return expires == null ? Long.MAX_VALUE : Math.floorDiv(expiresEpochSecond - epochMillis / 1000L, SECONDS_PER_DAY);
  }

  /** The pins in policy order, for error messages an operator reads. */
  public List<Pin> pinList() {
    return new ArrayList<>(pins);
  }

  @Override
  public String toString() {
    return name;
  }
}
