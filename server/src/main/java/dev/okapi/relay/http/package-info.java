/**
 * HTTP/1.1 connection mechanics that Helidon 4.3.0 does not offer and the core needs: a watch that
 * notices at once that an idle client has gone, and hands its connection back for a next request
 * only once it has stopped reading it ({@link dev.okapi.relay.http.Watch}); the body framings
 * Helidon would misread, refused on every route ({@link dev.okapi.relay.http.Framing}); a
 * producer's upload taken in the order Helidon needs for {@code 100 Continue} and read the way its
 * framing allows ({@link dev.okapi.relay.http.Upload}: a chunked-body decoder that accepts what
 * RFC 9112 allows, and a large upload read from its socket past Helidon's 8 KiB reads, with the one
 * reach into Helidon for that socket); a bounded drain of an unread upload before a close; and the
 * one-line refusal that every layer throws ({@link dev.okapi.relay.http.RelayException}), answered
 * the same way on every route. None knows anything of streams or pairing; each but the last would
 * go with a server that offered it.
 */
package dev.okapi.relay.http;
