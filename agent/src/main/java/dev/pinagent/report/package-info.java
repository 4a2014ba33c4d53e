/**
 * Violation reports: every violation and check error of a pinned host, sent as an RFC 7469 report (JSON, HTTP
 * POST) to the collector named by {@code report.uri}, from one daemon thread behind a bounded queue, deduplicated,
 * so that a security team hears about each interception in one place without the reports costing a handshake.
 */
package dev.pinagent.report;
