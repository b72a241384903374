package io.pyusage.collector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IngestTokenTest {

    private static final String TOKEN = "site-token-0123456789";
    private static final IngestToken REQUIRED = new IngestToken(Optional.of(TOKEN));
    private static final IngestToken NONE = new IngestToken(Optional.empty());

    private static IngestToken.Admitted datagram(IngestToken token, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return token.admitsDatagram(bytes, bytes.length);
    }

    @Test
    void aRequiredTokenIsCheckedOnTheHeaderAndTheDatagramLine() {
        assertTrue(REQUIRED.admitsHeader("Bearer " + TOKEN));
        assertFalse(REQUIRED.admitsHeader(null));
        assertFalse(REQUIRED.admitsHeader("Bearer " + TOKEN + "x"));
        assertFalse(REQUIRED.admitsHeader("bearer " + TOKEN));

        IngestToken.Admitted ok = datagram(REQUIRED, "Bearer " + TOKEN + "\n{\"schema\":1}");
        assertTrue(ok.allowed());
        assertEquals(("Bearer " + TOKEN + "\n").length(), ok.offset(), "the record starts after the line");
        assertEquals(("Bearer " + TOKEN + "\r\n").length(), datagram(REQUIRED, "Bearer " + TOKEN + "\r\n{}").offset());
        assertFalse(datagram(REQUIRED, "{\"schema\":1}").allowed(), "no line");
        assertFalse(datagram(REQUIRED, "Bearer " + TOKEN.substring(1) + "\n{}").allowed(), "another token");
        assertFalse(datagram(REQUIRED, "Bearer " + TOKEN).allowed(), "a line without its end");
        assertFalse(datagram(REQUIRED, "Bearer " + TOKEN + "xx\n{}").allowed(), "a longer token");
    }

    @Test
    void withoutATokenEverythingIsAdmittedAndALineASenderAddsIsRemoved() {
        assertTrue(NONE.admitsHeader(null));
        assertEquals(0, datagram(NONE, "{}").offset());
        IngestToken.Admitted withLine = datagram(NONE, "Bearer anything\n{}");
        assertTrue(withLine.allowed());
        assertEquals("Bearer anything\n".length(), withLine.offset());
    }
}
