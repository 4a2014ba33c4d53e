/**
 * The lines the agent prints on stderr: as text ({@code [pin-agent] ...}, the default) or as one JSON object per
 * line for log pipelines, and violation lines rate-limited so that an attack cannot make the agent flood them.
 */
package dev.pinagent.log;
