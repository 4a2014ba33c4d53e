package dev.pinagent.instrumentation;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.ref.WeakReference;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Notices the class loaders that define one class, without changing a byte: for features that must wait for a
 * library of the application (its Micrometer) that appears after {@code premain}, possibly in a class loader the
 * agent cannot name in advance (Spring Boot's launcher, a servlet container's web application).
 *
 * <p>The transformer compares one string per class loaded and returns {@code null} ("unchanged"), so it costs the
 * application nothing measurable; the loaders are held weakly, so an undeployed application is never kept alive.
 * Classes loaded before the watch began (a dynamic attach) are found on the first {@link #loaders()} call.
 */
public final class ClassLoadWatch implements ClassFileTransformer {
  private final String internalName;
  private final String className;
  private final ConcurrentLinkedQueue<WeakReference<ClassLoader>> loaders = new ConcurrentLinkedQueue<>();
  private Instrumentation loadedBefore;

  private ClassLoadWatch(String className, Instrumentation instrumentation) {
    this.className = className;
    this.internalName = className.replace('.', '/');
    this.loadedBefore = instrumentation;
  }

  /** Starts watching for {@code className} (a binary name such as {@code io.micrometer.core.instrument.Metrics}). */
  public static ClassLoadWatch start(Instrumentation instrumentation, String className) {
    ClassLoadWatch watch = new ClassLoadWatch(className, instrumentation);
    instrumentation.addTransformer(watch, false);
    return watch;
  }

  @Override
  public byte[] transform(ClassLoader loader, String name, Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain, byte[] classfileBuffer) {
    try {
      if (loader != null && classBeingRedefined == null && internalName.equals(name)) {
        loaders.add(new WeakReference<>(loader));
      }
    } catch (Throwable ignored) {
      // Watching must never fail a class load of the application.
    }
    return null;
  }

  /**
   * The live class loaders that have defined the class so far, oldest first. Not for the application's threads:
   * the first call walks every loaded class.
   */
  public synchronized List<ClassLoader> loaders() {
    if (loadedBefore != null) {
      for (Class<?> loaded : loadedBefore.getAllLoadedClasses()) {
        if (loaded.getName().equals(className) && loaded.getClassLoader() != null) {
          loaders.add(new WeakReference<>(loaded.getClassLoader()));
        }
      }
      loadedBefore = null;
    }
    List<ClassLoader> live = new ArrayList<>();
    loaders.removeIf(reference -> reference.get() == null);
    for (WeakReference<ClassLoader> reference : loaders) {
      ClassLoader loader = reference.get();
      if (loader != null && !live.contains(loader)) {
        live.add(loader);
      }
    }
    return live;
  }
}
