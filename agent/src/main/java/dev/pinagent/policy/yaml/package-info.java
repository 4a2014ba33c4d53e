/**
 * Reads a policy file into a {@link dev.pinagent.policy.Policy}. SnakeYAML is used only to build a node tree
 * (never to construct objects), so no tag in a file can instantiate a class; every error names the file,
 * line and YAML path.
 */
package dev.pinagent.policy.yaml;
