/**
 * The pin policy as immutable, self-validating values: {@link dev.pinagent.policy.Pin}, {@link
 * dev.pinagent.policy.HostPattern}, {@link dev.pinagent.policy.PinSet} and {@link dev.pinagent.policy.Policy}.
 * An invalid value cannot be constructed, so every consumer can trust what it is given.
 */
package dev.pinagent.policy;
