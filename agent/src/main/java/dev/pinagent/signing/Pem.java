package dev.pinagent.signing;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** PEM blocks ({@code -----BEGIN <label>-----}, base64, {@code -----END <label>-----}) in a key file. */
final class Pem {
  private Pem() {}

  /** One decoded block and the line it starts on. */
  static final class Block {
    final String label;
    final byte[] der;
    final int line;

    Block(String label, byte[] der, int line) {
      this.label = label;
      this.der = der;
      this.line = line;
    }
  }

  /**
   * Every block in {@code text}. Outside blocks only blank lines and {@code #} comments are allowed (a note such
   * as {@code # rotated 2026-12} beside a key), so a pasted fragment or a truncated block is an error, not a key
   * silently missing.
   *
   * @throws KeyFileException naming {@code file} and the line
   */
  static List<Block> blocks(String file, String text) throws KeyFileException {
    List<Block> blocks = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    String label = null;
    int start = 0;
    StringBuilder base64 = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (label == null) {
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        if (!line.startsWith("-----BEGIN ") || !line.endsWith("-----")) {
          throw new KeyFileException(file + ":" + (i + 1) + ": expected '-----BEGIN ...-----' or a '#' comment, got '"
              + shorten(line) + "'");
        }
        label = line.substring("-----BEGIN ".length(), line.length() - "-----".length());
        start = i + 1;
        base64.setLength(0);
      } else if (line.equals("-----END " + label + "-----")) {
        try {
          blocks.add(new Block(label, Base64.getDecoder().decode(base64.toString()), start));
        } catch (IllegalArgumentException e) {
          throw new KeyFileException(file + ":" + start + ": the " + label + " block is not valid base64");
        }
        label = null;
      } else {
        base64.append(line);
      }
    }
    if (label != null) {
      throw new KeyFileException(file + ":" + start + ": the " + label + " block has no '-----END " + label
          + "-----' line (is the file cut short?)");
    }
    return blocks;
  }

  /** {@code der} as one PEM block with 64-character lines, as OpenSSL writes it. */
  static String encode(String label, byte[] der) {
    String base64 = Base64.getEncoder().encodeToString(der);
    StringBuilder text = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
    for (int i = 0; i < base64.length(); i += 64) {
      text.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
    }
    return text.append("-----END ").append(label).append("-----\n").toString();
  }

  private static String shorten(String line) {
    String printable = line.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 60 ? printable.substring(0, 60) + "..." : printable;
  }
}
