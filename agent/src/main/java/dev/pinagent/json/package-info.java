/** Writing JSON, shared by the tools' {@code --format json}, the agent's JSON log and its violation reports. */
package dev.pinagent.json;
