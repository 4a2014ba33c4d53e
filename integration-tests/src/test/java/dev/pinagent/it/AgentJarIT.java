package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.support.ForkedJvm;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import net.bytebuddy.jar.asm.ClassReader;
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

  /**
   * The shade plugin keeps the unshaded jar as {@code original-pin-agent.jar}; used as an agent it lacks every
   * library. The build deletes it, so the only jar an operator finds beside the real one is not a trap.
   */
  @Test
  void leavesNoUnshadedJarBesideTheAgentJar() throws IOException {
    Path directory = ForkedJvm.agentJar().toAbsolutePath().getParent();
    try (Stream<Path> files = Files.list(directory)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .as("jars in " + directory).contains("pin-agent.jar")
          .noneMatch(name -> name.startsWith("original-") && name.endsWith(".jar"));
    }
  }

  /**
   * Everything in the jar is under the agent's own package, its relocated libraries included: a class of a
   * library left unrelocated would be found by the application in place of its own version of that library (the
   * agent jar is on the system class path).
   */
  @Test
  void holdsNothingOutsideTheAgentsOwnPackageButTheManifestAndLicenses() throws IOException {
    List<String> outside = new ArrayList<>();
    try (JarFile jar = new JarFile(ForkedJvm.agentJar().toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        String name = entries.nextElement().getName();
        if (!name.startsWith("dev/pinagent/") && !name.equals("dev/") && !name.startsWith("META-INF/")) {
          outside.add(name);
        }
      }
    }
    assertThat(outside).as("entries outside dev/pinagent/ and META-INF/").isEmpty();
  }

  /**
   * The agent's copy of BouncyCastle is cut to what RFC 8032's Ed25519 needs, and its services registrar is
   * replaced by the agent's own (see {@code dev.pinagent.shaded.bouncycastle.crypto.CryptoServicesRegistrar}).
   * Both are decided by lists in the build; a BouncyCastle upgrade that needs a class those lists leave out, or
   * calls the registrar in a new way, must fail here rather than with a NoClassDefFoundError or NoSuchMethodError
   * in a service checking its signed policy.
   */
  @Test
  void everyClassAndRegistrarMemberThatBouncyCastleUsesIsInTheJar() throws IOException, ReflectiveOperationException {
    String bouncyCastle = "dev/pinagent/shaded/bouncycastle/";
    String registrar = bouncyCastle + "crypto/CryptoServicesRegistrar";
    List<String> missing = new ArrayList<>();
    List<String> registrarCalls = new ArrayList<>();
    int classes = 0;
    try (JarFile jar = new JarFile(ForkedJvm.agentJar().toFile())) {
      for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
        JarEntry entry = entries.nextElement();
        if (!entry.getName().endsWith(".class")) {
          continue;
        }
        ClassReferences references = ClassReferences.of(jar.getInputStream(entry).readAllBytes());
        for (String referenced : references.classes) {
          if (referenced.startsWith(bouncyCastle) && jar.getJarEntry(referenced + ".class") == null) {
            missing.add(entry.getName() + " -> " + referenced);
          }
        }
        if (entry.getName().startsWith(bouncyCastle)) {
          classes++;
          for (String member : references.members) {
            if (member.startsWith(registrar + ".") && !entry.getName().equals(registrar + ".class")) {
              registrarCalls.add(member.substring(registrar.length() + 1));
            }
          }
        }
      }
    }
    assertThat(classes).as("BouncyCastle classes in the jar").isBetween(20, 200);
    assertThat(missing).as("classes named by the jar's BouncyCastle but not in the jar").isEmpty();
    assertThat(registrarCalls).as("what BouncyCastle asks of the registrar").isNotEmpty();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {ForkedJvm.agentJar().toUri().toURL()}, null)) {
      Class<?> replacement = loader.loadClass(registrar.replace('/', '.'));
      List<String> declared = new ArrayList<>();
      for (Method method : replacement.getDeclaredMethods()) {
        declared.add(method.getName() + ":" + MethodType.methodType(method.getReturnType(), method.getParameterTypes())
            .toMethodDescriptorString());
      }
      assertThat(declared).as("the registrar's methods").containsAll(registrarCalls);
    }
  }

  /**
   * The classes and the members (owner.name:descriptor) a class file refers to, read from its constant pool with
   * the ASM that Byte Buddy bundles (the agent weaves with it too).
   */
  private static final class ClassReferences {
    private static final int CLASS = 7;
    private static final int FIELD_REF = 9;
    private static final int METHOD_REF = 10;
    private static final int INTERFACE_METHOD_REF = 11;

    final List<String> classes = new ArrayList<>();
    final List<String> members = new ArrayList<>();

    static ClassReferences of(byte[] classFile) {
      ClassReader reader = new ClassReader(classFile);
      char[] buffer = new char[reader.getMaxStringLength()];
      ClassReferences references = new ClassReferences();
      for (int i = 1; i < reader.getItemCount(); i++) {
        int offset = reader.getItem(i);
        if (offset == 0) {
          continue; // the second slot of a long or double
        }
        int tag = reader.readByte(offset - 1);
        if (tag == CLASS) {
          // An array class is named by its descriptor: [[Lpkg/Name; -> pkg/Name.
          references.classes.add(reader.readUTF8(offset, buffer).replaceAll("^\\[+L|;$", ""));
        } else if (tag == FIELD_REF || tag == METHOD_REF || tag == INTERFACE_METHOD_REF) {
          int nameAndType = reader.getItem(reader.readUnsignedShort(offset + 2));
          references.members.add(reader.readClass(offset, buffer) + "." + reader.readUTF8(nameAndType, buffer) + ":"
              + reader.readUTF8(nameAndType + 2, buffer));
        }
      }
      return references;
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
