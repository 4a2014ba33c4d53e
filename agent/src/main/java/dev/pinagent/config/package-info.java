/** The agent's options: parsed from the agent argument, system properties and the environment. */
package dev.pinagent.config;
