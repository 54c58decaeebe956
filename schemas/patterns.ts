/** `pattern`s that more than one schema checks a value against. */

/** A Kubernetes namespace name (an RFC 1123 label). */
export const NAMESPACE = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A Kubernetes object name (an RFC 1123 subdomain). */
export const OBJECT_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** A host name, or an IPv6 address in brackets; a part of a pattern (no anchors). */
export const HOST = '(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)';

/** A port from 1 to 65535 without leading zeros; a part of a pattern (no anchors). */
export const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
