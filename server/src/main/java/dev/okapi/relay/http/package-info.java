/**
 * HTTP/1.1 connection mechanics that Helidon 4.3.0 does not offer and the core needs: a watch that
 * notices at once that an idle client has gone, and a chunked-body decoder that accepts what RFC
 * 9112 allows. Neither knows anything of streams or pairing; both would go with a server that
 * offered them.
 */
package dev.okapi.relay.http;
