/**
 * Instrumentation: the hooks that hand every X509 trust manager a TLS client chooses to {@link
 * dev.pinagent.bridge.TrustManagerWrapping}. Each hooked JDK method is described as data ({@link
 * dev.pinagent.instrumentation.MethodHook}) and woven with the ASM that Byte Buddy bundles. The woven code lives
 * in {@code java.base}, so it names only JDK types and reaches the bridge reflectively through the system class
 * loader.
 */
package dev.pinagent.instrumentation;
