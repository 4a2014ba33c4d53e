package dev.pinagent.instrumentation;

import dev.pinagent.bridge.PinEnforcement;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeInitializer;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.auxiliary.AuxiliaryType;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;

/**
 * Installs the hooks with a plain {@link ClassFileTransformer} that applies Byte Buddy's {@link Advice} to
 * exactly three JDK types, and retransforms them if they were loaded before the agent.
 *
 * <p>Why not {@code AgentBuilder}: its default initialization strategy touches {@code sun.misc.Unsafe} when
 * constructed (a warning on every start under Java 24+), and its matching machinery costs start-up time we
 * do not need for three types matched by exact name. A name lookup per loaded class is all other classes pay.
 */
public final class HookInstaller {
  /**
   * Names a hooked type whose instrumentation then fails on purpose. For tests of what a failed hook does
   * (the service runs on, the failure is logged once and counted); never set it in production.
   */
  static final String FAIL_HOOK_PROPERTY = "dev.pinagent.test.failHook";

  private static final List<TypeInstrumentation> INSTRUMENTATIONS =
      List.of(new SslContextImplInstrumentation(), new TrustManagerFactoryInstrumentation(),
          new SslContextInitInstrumentation());

  private HookInstaller() {}

  /** The JDK types the agent instruments. */
  public static List<String> targetTypes() {
    List<String> names = new ArrayList<>();
    for (TypeInstrumentation hook : INSTRUMENTATIONS) {
      names.add(hook.typeName());
    }
    return names;
  }

  /**
   * Installs every hook. A hook that cannot be applied is reported to {@code events} (logged and counted) and
   * the others still install; nothing here throws into the host.
   */
  public static void install(Instrumentation instrumentation, PinEnforcement events) {
    AdviceTransformer transformer = new AdviceTransformer(INSTRUMENTATIONS, events);
    instrumentation.addTransformer(transformer, true);
    List<Class<?>> loadedTargets = new ArrayList<>();
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (transformer.hooks.containsKey(internalName(loaded.getName()))) {
        loadedTargets.add(loaded);
      }
    }
    for (Class<?> target : loadedTargets) {
      try {
        instrumentation.retransformClasses(target);
      } catch (Throwable e) {
        events.failed("instrument:" + target.getName(), e);
        continue;
      }
      if (!transformer.transformed.contains(target.getName())) {
        events.failed("instrument:" + target.getName(),
            new IllegalStateException("the class was loaded before the agent and could not be retransformed"));
      }
    }
  }

  private static String internalName(String className) {
    return className.replace('.', '/');
  }

  /** Applies the advice of the one hook whose type is being loaded; returns null (no change) for all others. */
  static final class AdviceTransformer implements ClassFileTransformer {
    final Map<String, TypeInstrumentation> hooks = new HashMap<>();
    final Set<String> transformed = ConcurrentHashMap.newKeySet();
    private final PinEnforcement events;

    AdviceTransformer(List<TypeInstrumentation> instrumentations, PinEnforcement events) {
      for (TypeInstrumentation hook : instrumentations) {
        hooks.put(internalName(hook.typeName()), hook);
      }
      this.events = events;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
        ProtectionDomain domain, byte[] classFile) {
      TypeInstrumentation hook = internalName == null ? null : hooks.get(internalName);
      if (hook == null) {
        return null;
      }
      try {
        if (hook.typeName().equals(System.getProperty(FAIL_HOOK_PROPERTY))) {
          throw new IllegalStateException("failure injected with -D" + FAIL_HOOK_PROPERTY);
        }
        byte[] instrumented = apply(hook, loader, classFile);
        transformed.add(hook.typeName());
        return instrumented;
      } catch (Throwable e) {
        events.failed("instrument:" + hook.typeName(), e);
        return null;
      }
    }

    @Override
    public byte[] transform(ClassLoader loader, String internalName, Class<?> redefined, ProtectionDomain domain,
        byte[] classFile) {
      return transform(null, loader, internalName, redefined, domain, classFile);
    }

    /**
     * Everything, the advice included, is described from class files, never by reflection: reflecting on
     * an advice method that names the very type being loaded ({@code SSLContext}) would load it again from
     * inside its own transformation, a {@code ClassCircularityError}.
     */
    static byte[] apply(TypeInstrumentation hook, ClassLoader loader, byte[] classFile) {
      ClassFileLocator locator = new ClassFileLocator.Compound(
          ClassFileLocator.Simple.of(hook.typeName(), classFile),
          ClassFileLocator.ForClassLoader.of(loader),
          ClassFileLocator.ForClassLoader.of(hook.advice().getClassLoader()));
      TypePool pool = TypePool.Default.of(locator);
      TypeDescription type = pool.describe(hook.typeName()).resolve();
      TypeDescription advice = pool.describe(hook.advice().getName()).resolve();
      // Advice straight over ASM, without Byte Buddy's type builder: the same bytes for a decoration, with
      // far fewer classes to load at start-up and to ship in the jar.
      AsmVisitorWrapper wrapper = Advice.to(advice, locator).on(hook.methods(type));
      ClassReader reader = new ClassReader(classFile);
      int writerFlags = wrapper.mergeWriter(0);
      int readerFlags = wrapper.mergeReader(0);
      ClassWriter writer = new ClassWriter(reader, writerFlags);
      reader.accept(wrapper.wrap(type, writer,
          Implementation.Context.Disabled.Factory.INSTANCE.make(type, new AuxiliaryType.NamingStrategy.Suffixing("pinagent"),
              TypeInitializer.None.INSTANCE, ClassFileVersion.ofClassFile(classFile),
              ClassFileVersion.ofClassFile(classFile)), pool,
          type.getDeclaredFields(), type.getDeclaredMethods(), writerFlags, readerFlags), readerFlags);
      return writer.toByteArray();
    }
  }
}
