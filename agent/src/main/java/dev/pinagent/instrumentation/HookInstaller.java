package dev.pinagent.instrumentation;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.TrustManagerWrapping;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Installs the hooks with a plain {@link ClassFileTransformer} that weaves a handful of JDK types matched by
 * exact name, and retransforms them if they were loaded before the agent.
 *
 * <p>Why not Byte Buddy's {@code AgentBuilder}: its default initialization strategy touches {@code
 * sun.misc.Unsafe} when constructed (a warning on every start under Java 24+), and its matching machinery
 * costs start-up time we do not need for three types matched by exact name. A name lookup per loaded class
 * is all other classes pay.
 */
public final class HookInstaller {
  /**
   * Names a hooked type whose instrumentation then fails on purpose. For tests of what a failed hook does
   * (the service runs on, the failure is logged once and counted); never set it in production.
   */
  static final String FAIL_HOOK_PROPERTY = "dev.pinagent.test.failHook";

  static final List<MethodHook> HOOKS = List.of(SslContextImplInstrumentation.CHOICE,
      SslContextImplInstrumentation.USE, TrustManagerFactoryInstrumentation.HOOK, SslContextInitInstrumentation.HOOK,
      SessionResumptionInstrumentation.CLIENT_HELLO, SessionResumptionInstrumentation.SESSION_LOOKUP,
      OkHttpInstrumentation.COALESCING, NettyInstrumentation.SESSION_CACHE, NettyInstrumentation.GRPC_SESSION_CACHE,
      BouncyCastleJsseInstrumentation.SESSION_TO_RESUME);

  /** The JDK package whose handshake state the bridge reads to tell which name a resumption is for. */
  private static final String SUNJSSE_PACKAGE = "sun.security.ssl";

  private HookInstaller() {}

  /** The JDK types the agent instruments. */
  public static List<String> targetTypes() {
    List<String> names = new ArrayList<>();
    for (MethodHook hook : HOOKS) {
      if (!names.contains(hook.typeName)) {
        names.add(hook.typeName);
      }
    }
    return names;
  }

  /**
   * Installs every hook. A hook that cannot be applied is reported to {@code events} (logged and counted) and
   * the others still install; nothing here throws into the host.
   */
  public static void install(Instrumentation instrumentation, PinEnforcement events) {
    openSunJsseToTheBridge(instrumentation, events);
    HookTransformer transformer = new HookTransformer(HOOKS, events);
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

  /**
   * The bridge reads which SNI name a starting handshake asks for from SunJSSE's handshake context, a JDK
   * internal; only that package is opened, and only to the agent's module. Without it, sessions are never
   * resumed (the safe side), which the failure says.
   */
  private static void openSunJsseToTheBridge(Instrumentation instrumentation, PinEnforcement events) {
    try {
      Module javaBase = Object.class.getModule();
      instrumentation.redefineModule(javaBase, Set.of(), Map.of(),
          Map.of(SUNJSSE_PACKAGE, Set.of(TrustManagerWrapping.class.getModule())), Set.of(), Map.of());
    } catch (RuntimeException e) {
      events.failed("resumption", e);
    }
  }

  private static String internalName(String className) {
    return className.replace('.', '/');
  }

  /** Weaves the hooks of the type being loaded; returns null (no change) for all other types. */
  static final class HookTransformer implements ClassFileTransformer {
    final Map<String, List<MethodHook>> hooks = new HashMap<>();
    final Set<String> transformed = ConcurrentHashMap.newKeySet();
    private final PinEnforcement events;

    HookTransformer(List<MethodHook> hooksToWeave, PinEnforcement events) {
      for (MethodHook hook : hooksToWeave) {
        hooks.computeIfAbsent(hook.internalTypeName(), type -> new ArrayList<>()).add(hook);
      }
      this.events = events;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> redefined,
        ProtectionDomain domain, byte[] classFile) {
      List<MethodHook> typeHooks = internalName == null ? null : hooks.get(internalName);
      if (typeHooks == null) {
        return null;
      }
      String typeName = typeHooks.get(0).typeName;
      try {
        if (typeName.equals(System.getProperty(FAIL_HOOK_PROPERTY))) {
          throw new IllegalStateException("failure injected with -D" + FAIL_HOOK_PROPERTY);
        }
        // All of a type's hooks or none: a class half hooked would be harder to reason about than one not hooked.
        byte[] woven = classFile;
        for (MethodHook hook : typeHooks) {
          woven = HookWeaver.weave(hook, woven);
        }
        transformed.add(typeName);
        return woven;
      } catch (Throwable e) {
        events.failed("instrument:" + typeName, e);
        return null;
      }
    }

    @Override
    public byte[] transform(ClassLoader loader, String internalName, Class<?> redefined, ProtectionDomain domain,
        byte[] classFile) {
      return transform(null, loader, internalName, redefined, domain, classFile);
    }
  }
}
