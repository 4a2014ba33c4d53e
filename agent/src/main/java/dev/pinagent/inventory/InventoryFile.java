package dev.pinagent.inventory;

import dev.pinagent.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * The inventory on disk: written whole and atomically (a temporary file beside it, fsync, rename), so a reader or
 * a crash never sees half a file; readable by its owner only (it tells what a service talks to). An existing file
 * that cannot be read is renamed aside, never deleted, and never stops the JVM.
 */
final class InventoryFile {
  private static final DateTimeFormatter SET_ASIDE_STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final Path path;

  InventoryFile(Path path) {
    this.path = path.toAbsolutePath();
  }

  Path path() {
    return path;
  }

  /** The file could not be read and was set aside. */
  static final class UnreadableException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Path setAsideAs;

    UnreadableException(String message, Path setAsideAs) {
      super(message);
      this.setAsideAs = setAsideAs;
    }

    Path setAsideAs() {
      return setAsideAs;
    }
  }

  /** The inventory in the file, or {@code null} when there is no file yet. */
  Inventory read(int maxHosts, int maxChains) throws UnreadableException {
    String problem;
    try {
      return parse(path, maxHosts, maxChains);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      problem = e.toString();
    } catch (Json.ParseException | Inventory.InvalidInventoryException e) {
      problem = e.getMessage();
    }
    Path aside = path.resolveSibling(path.getFileName() + ".unreadable-" + SET_ASIDE_STAMP.format(Instant.now()));
    try {
      Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      problem += "; setting it aside failed too (" + e + "), so it will be overwritten";
      aside = path;
    }
    throw new UnreadableException(problem, aside);
  }

  /** Reads and validates an inventory file: for the agent at startup and for {@code propose}. */
  static Inventory parse(Path file, int maxHosts, int maxChains)
      throws IOException, Json.ParseException, Inventory.InvalidInventoryException {
    if (Files.size(file) > InventoryRecorder.MAX_FILE_CHARS) {
      throw new IOException("larger than " + InventoryRecorder.MAX_FILE_CHARS + " bytes");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException("not UTF-8 text");
    }
    return Inventory.fromJson(Json.read(text, InventoryRecorder.MAX_FILE_CHARS), maxHosts, maxChains);
  }

  /** Replaces the file with {@code json}, atomically. */
  void write(String json) throws IOException {
    Path temporary = path.resolveSibling("." + path.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] ownerOnly = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), ownerOnly)) {
      ByteBuffer bytes = ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    try {
      Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
