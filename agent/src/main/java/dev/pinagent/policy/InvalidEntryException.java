package dev.pinagent.policy;

/**
 * A value that is invalid because of its place among others (a duplicate), carrying which list entry it was
 * so a loader can point at the exact line.
 */
public final class InvalidEntryException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final int index;

  public InvalidEntryException(String field, int index, String message) {
    super(message);
    this.field = field;
    this.index = index;
  }

  /** The policy field, e.g. {@code hosts} or {@code name}. */
  public String field() {
    return field;
  }

  /** The entry's position in its list, or -1 when the field is not a list. */
  public int index() {
    return index;
  }
}
