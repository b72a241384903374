package io.pyusage.common.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8TextTest {

    @Test
    void wellFormedUtf8WithJsonWhitespacePasses() {
        for (String text : List.of("{\"user\":\"ann\"}", "Zoë 山田 😀 e\u0301", "\t\r\n{ }", "\u007f")) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertEquals(-1, Utf8Text.firstInvalid(bytes, 0, bytes.length), text);
        }
    }

    @Test
    void otherEncodingsOverlongFormsSurrogatesAndControlBytesAreFoundWhereTheyStart() {
        List<String> bad = List.of(
                "C0AF", // overlong '/'
                "E080AF", // overlong, three bytes
                "F08080AF", // overlong, four bytes
                "EDA080", // encoded high surrogate U+D800
                "EDBFBF", // encoded low surrogate
                "F4908080", // above U+10FFFF
                "F8888080", "FF", "80", // no such lead byte, a lone continuation
                "E282", // cut short
                "E228A1", // a continuation byte missing
                "00", "1B"); // raw control bytes
        for (String hex : bad) {
            byte[] bytes = HexFormat.of().parseHex("7B22" + hex + "227D");
            assertEquals(2, Utf8Text.firstInvalid(bytes, 0, bytes.length), hex);
        }
        for (Charset wide : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16, Charset.forName("UTF-32"))) {
            byte[] bytes = "{\"user\":\"ann\"}".getBytes(wide);
            assertTrue(Utf8Text.firstInvalid(bytes, 0, bytes.length) >= 0, wide.name());
        }
        byte[] windowsLatin = "Zoë".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(2, Utf8Text.firstInvalid(windowsLatin, 0, windowsLatin.length));
    }

    @Test
    void namesThatShowAsOtherNamesAreFoundAndOrdinaryOnesAreNot() {
        for (String deceptive : List.of("adm\u202Enimi", "al\u200Bice", "\uFEFFbob", "a\u2066b", "x\u00ADy", "a\u2028b", "a\u0085b",
                "lone\uD800", "lone\uDC00x", "a\uFFFFb", "a\uFDD0b", "tab\there")) {
            assertTrue(Utf8Text.hasDeceptiveCharacter(deceptive), deceptive);
        }
        for (String ordinary : List.of("alice", "Zoë", "山田太郎", "o'neil", "user 😀", "e\u0301", "/home/ann/venv/bin/python3.11")) {
            assertFalse(Utf8Text.hasDeceptiveCharacter(ordinary), ordinary);
        }
    }
}
