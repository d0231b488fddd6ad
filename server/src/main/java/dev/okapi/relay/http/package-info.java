/**
 * HTTP/1.1 connection mechanics that Helidon 4.3.0 does not offer and the core needs: a watch that
 * notices at once that an idle client has gone, a chunked-body decoder that accepts what RFC 9112
 * allows, a bounded drain of an unread upload before a close, and a large upload read from its
 * socket past Helidon's 8 KiB reads (with the one reach into Helidon for that socket). None knows
 * anything of streams or pairing; each would go with a server that offered it.
 */
package dev.okapi.relay.http;
