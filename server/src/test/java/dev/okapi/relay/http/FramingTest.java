package dev.okapi.relay.http;

import java.util.Optional;

import dev.okapi.protocol.Wire;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;

import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * Okapi's answer to each framing the spec leaves to it ([HTTP-13], [HTTP-2]): which status, and
 * that {@code chunked} alone passes. The conformance suite checks the wire (a line, a close, no
 * pairing, no second request); this pins the choice between {@code 501} and {@code 400}.
 */
class FramingTest {

    @Test
    void chunkedAloneAndOneContentLengthPass() {
        assertThat(refusal(new String[] {"chunked"}), is(Optional.empty()));
        assertThat(Framing.refusal(WritableHeaders.create().add(HeaderNames.CONTENT_LENGTH, "5")), is(Optional.empty()));
        assertThat(Framing.refusal(WritableHeaders.create()), is(Optional.empty()));
    }

    @Test
    void aCodingThatEndsInChunkedButIsNotChunkedAloneIsNotImplemented() {
        for (String[] fields : new String[][] {{"gzip, chunked"}, {"Chunked"}, {"gzip", "chunked"}}) {
            assertThat(String.join(" + ", fields), status(fields), is(Wire.NOT_IMPLEMENTED));
        }
    }

    @Test
    void aBodyWithoutAKnowableEndIsABadRequest() {
        for (String[] fields : new String[][] {{"chunked, gzip"}, {"identity"}, {"chunked, chunked"}, {"chunked", "chunked"}, {""}}) {
            assertThat(String.join(" + ", fields), status(fields), is(Wire.BAD_REQUEST));
        }
    }

    @Test
    void contentLengthBesideTransferEncodingOrMalformedIsABadRequest() {
        var both = WritableHeaders.create().add(HeaderNames.CONTENT_LENGTH, "3").add(HeaderNames.TRANSFER_ENCODING, "chunked");
        assertThat(Framing.refusal(both).map(Framing.Refusal::reason),
                is(Optional.of("Content-Length and Transfer-Encoding must not come together")));
        var twice = WritableHeaders.create().add(HeaderNames.CONTENT_LENGTH, "5", "7");
        assertThat(Framing.refusal(twice).map(Framing.Refusal::reason), is(Optional.of("malformed Content-Length")));
    }

    private static int status(String[] fields) {
        return refusal(fields).orElseThrow().status();
    }

    private static Optional<Framing.Refusal> refusal(String[] fields) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String f : fields) {
            headers.add(HeaderNames.TRANSFER_ENCODING, f);
        }
        return Framing.refusal(headers);
    }
}
