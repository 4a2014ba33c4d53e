package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.support.ForkedJvm;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jar as shipped runs on Java 11, the oldest JVM the agent supports, and is refused whole below it. Every
 * class in it, the relocated dependencies included, is Java 11 bytecode or older: a dependency upgrade that
 * quietly raised the floor would otherwise surface only as a crash in a legacy service. Below Java 11 the JVM
 * cannot load even the entry class, so it refuses the agent and does not start: an operator who asked for
 * pinning never gets a service that runs unpinned.
 */
class AgentJarIT {
  /** Class file major version of Java 11. */
  private static final int JAVA_11 = 55;

  @Test
  void everyClassInTheAgentJarLoadsOnJava11() throws IOException {
    List<String> tooNew = new ArrayList<>();
    int classes = 0;
    try (JarFile jar = new JarFile(ForkedJvm.agentJar().toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        if (entry.getName().endsWith(".class")) {
          classes++;
          int major = majorVersion(jar, entry);
          if (major > JAVA_11) {
            tooNew.add(entry.getName() + " (class file version " + major + ")");
          }
        }
      }
    }
    assertThat(classes).isGreaterThan(100);
    assertThat(tooNew).as("classes that a Java 11 JVM cannot load").isEmpty();
  }

  @Test
  void theEntryClassIsJava11BytecodeSoOlderJvmsRefuseTheAgentWhole() throws IOException {
    try (JarFile jar = new JarFile(ForkedJvm.agentJar().toFile())) {
      String premain = jar.getManifest().getMainAttributes().getValue("Premain-Class");
      assertThat(premain).isEqualTo("dev.pinagent.PinAgent");
      assertThat(majorVersion(jar, jar.getJarEntry(premain.replace('.', '/') + ".class"))).isEqualTo(JAVA_11);
    }
  }

  /**
   * The shade plugin keeps the unshaded jar as {@code original-pin-agent.jar}; used as an agent it lacks every
   * library. The build deletes it, so the only jar an operator finds beside the real one is not a trap.
   */
  /**
   * Shading rewrites every string constant that starts with a relocated package, so a hook that names the
   * application's copy of a library the agent also ships (BouncyCastle, Micrometer) would name the agent's
   * relocated copy instead and never match: the application's BouncyCastle JSSE went unhooked that way. Such
   * names must be built at run time. A dotted relocated name in the agent's own classes is such a rewritten
   * constant (references to the shaded types themselves are written with slashes).
   */
  @Test
  void noAgentClassNamesTheApplicationsLibrariesByARewrittenString() throws IOException {
    List<String> rewritten = new ArrayList<>();
    try (JarFile jar = new JarFile(ForkedJvm.agentJar().toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        String name = entry.getName();
        if (name.startsWith("dev/pinagent/") && !name.startsWith("dev/pinagent/shaded/") && name.endsWith(".class")) {
          String text = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
          if (text.contains("dev.pinagent.shaded.")) {
            rewritten.add(name);
          }
        }
      }
    }
    assertThat(rewritten).as("agent classes holding a string constant the shade plugin relocated").isEmpty();
  }

  @Test
  void leavesNoUnshadedJarBesideTheAgentJar() throws IOException {
    Path directory = ForkedJvm.agentJar().toAbsolutePath().getParent();
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .as("jars in " + directory).contains("pin-agent.jar")
          .noneMatch(name -> name.startsWith("original-") && name.endsWith(".jar"));
    }
  }

  private static int majorVersion(JarFile jar, JarEntry entry) throws IOException {
    try (InputStream in = jar.getInputStream(entry); DataInputStream data = new DataInputStream(in)) {
      assertThat(data.readInt()).as(entry.getName()).isEqualTo(0xCAFEBABE);
      data.readUnsignedShort();
      return data.readUnsignedShort();
    }
  }
}
