package dev.pinagent.instrumentation;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** One instrumented JDK type: which type by name, which of its methods, and the advice applied. */
interface TypeInstrumentation {
  /**
   * The bridge class advice looks up reflectively. A compile-time constant, so javac inlines it into the
   * advice body and the inlined code needs no access to this interface.
   */
  String BRIDGE_CLASS = "dev.pinagent.bridge.TrustManagerWrapping";

  String typeName();

  ElementMatcher<MethodDescription> methods(TypeDescription type);

  Class<?> advice();
}
