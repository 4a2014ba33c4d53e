/** Reloading the policy while the JVM runs: watching its source, refusing a bad version, handing on a good one. */
package dev.pinagent.reload;
