/** The agent's meters (one binder owns them all) and the Prometheus scrape endpoint that serves them. */
package dev.pinagent.metrics;
