package dev.pinagent.instrumentation;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.none;

import dev.pinagent.bridge.PinEnforcement;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the hooks. Two traps are avoided deliberately: {@code AgentBuilder.Default} ignores bootstrap
 * classes unless {@code ignore(...)} is overridden (without it nothing in {@code java.base} is transformed,
 * silently), and classes loaded before the agent (retransformed here) would otherwise stay unhooked.
 * Matching is by exact type name only, which keeps the cost of every other class load negligible.
 */
public final class HookInstaller {
  private static final List<TypeInstrumentation> INSTRUMENTATIONS =
      List.of(new SslContextImplInstrumentation(), new TrustManagerFactoryInstrumentation());

  private HookInstaller() {}

  /** The JDK types the agent instruments, for diagnostics and tests. */
  public static List<String> targetTypes() {
    return INSTRUMENTATIONS.stream().map(TypeInstrumentation::typeName).collect(java.util.stream.Collectors.toList());
  }

  /** Installs every hook; a hook that fails is reported to {@code events}, and the others still install. */
  public static void install(Instrumentation instrumentation, PinEnforcement events) {
    Set<String> transformed = ConcurrentHashMap.newKeySet();
    AgentBuilder builder = new AgentBuilder.Default()
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
        .with(AgentBuilder.TypeStrategy.Default.DECORATE)
        .with(new ReportingListener(events, transformed))
        .ignore(none());
    for (TypeInstrumentation hook : INSTRUMENTATIONS) {
      builder = builder.type(named(hook.typeName()))
          .transform((DynamicType.Builder<?> type, TypeDescription description, ClassLoader loader,
                  JavaModule module, java.security.ProtectionDomain domain) ->
              type.visit(Advice.to(hook.advice()).on(hook.methods(description))));
    }
    builder.installOn(instrumentation);
    List<String> targets = targetTypes();
    for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
      if (targets.contains(loaded.getName()) && !transformed.contains(loaded.getName())) {
        events.failed("instrument:" + loaded.getName(),
            new IllegalStateException("the class was loaded but could not be retransformed"));
      }
    }
  }

  /** Reports failures (never silently) and remembers what was transformed. */
  private static final class ReportingListener extends AgentBuilder.Listener.Adapter {
    private final PinEnforcement events;
    private final Set<String> transformed;

    ReportingListener(PinEnforcement events, Set<String> transformed) {
      this.events = events;
      this.transformed = transformed;
    }

    @Override
    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
        DynamicType dynamicType) {
      transformed.add(type.getName());
    }

    @Override
    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
      events.failed("instrument:" + typeName, error);
    }
  }
}
