/**
 * What instrumented JDK code reaches: the trust-manager wrapper and the narrow interface it calls.
 *
 * <p>Class loader: these classes live in the <em>system</em> class loader (where {@code -javaagent} puts the
 * agent jar), not the bootstrap one. Hooks woven into {@code java.base} cannot name them, so they look up
 * {@link dev.pinagent.bridge.TrustManagerWrapping} reflectively through {@link
 * ClassLoader#getSystemClassLoader()} and pass trust managers as {@code Object}s. We chose this over
 * appending a jar to the bootstrap search path because that disables class-data sharing for application
 * classes, slowing every start of the host service. Classes here use only the JDK.
 */
package dev.pinagent.bridge;
