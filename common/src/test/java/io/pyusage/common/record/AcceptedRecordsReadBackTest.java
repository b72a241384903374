package io.pyusage.common.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestRecords;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The property behind "nothing accepted is lost later", over a corpus: every record the collector
 * accepts, however odd its text, decodes in the aggregator (with and without its packages, trusting
 * the collector's headers) to the same user and host, whose UTF-8 is exactly what ClickHouse stores.
 * The corpus mixes raw bytes of every kind, JSON escapes of every code unit (lone surrogates
 * included) and characters of every Unicode category into the user and host fields.
 */
class AcceptedRecordsReadBackTest {

    private static final int RECORDS = 20_000;

    @Test
    void everyRecordTheCollectorAcceptsTheAggregatorReadsBackUnchanged() {
        Random random = new Random(20261207);
        String template = TestRecords.json(TestRecords.valid("USER", "HOST", java.util.List.of(java.util.List.of("numpy", "1.26.4"))));
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < RECORDS; i++) {
            byte[] json = splice(template, oddText(random), oddText(random));
            DecodeResult atCollector = StartupRecordCodec.decodeWithoutPackages(json, 0, json.length);
            if (!(atCollector instanceof DecodeResult.Valid valid)) {
                refused++;
                continue;
            }
            accepted++;
            StartupRecordCodec.Received forwarded = StartupRecordCodec.encodeReceived(valid, json, 0, json.length, 1.8e9, "10.0.0.1");
            RecordHeaders headers = new RecordHeaders(CheckedPackagesHeaders.of(valid, forwarded));
            String what = HexFormat.of().formatHex(json);
            for (DecodeResult atAggregator : java.util.List.of(
                    CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(forwarded.bytes()), headers),
                    CheckedPackagesHeaders.decodeWithPackages(ByteBuffer.wrap(forwarded.bytes()), headers),
                    StartupRecordCodec.decode(forwarded.bytes()))) {
                StartupRecord read = assertInstanceOf(DecodeResult.Valid.class, atAggregator, what).record();
                assertEquals(valid.record().user(), read.user(), what);
                assertEquals(valid.record().host(), read.host(), what);
                assertTrue(roundTrips(read.user()) && roundTrips(read.host()), "stored as it reads: " + what);
            }
        }
        assertTrue(accepted > RECORDS / 10 && refused > RECORDS / 10, "the corpus holds both: " + accepted + " accepted, " + refused + " refused");
    }

    /** The template's bytes with {@code user} and {@code host} (raw JSON string content, any bytes) in place of the placeholders. */
    private static byte[] splice(String template, byte[] user, byte[] host) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int u = template.indexOf("USER");
        int h = template.indexOf("HOST");
        out.writeBytes(template.substring(0, u).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(user);
        out.writeBytes(template.substring(u + 4, h).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(host);
        out.writeBytes(template.substring(h + 4).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A few pieces of text: letters, a random code point as UTF-8, a random code unit as a JSON escape, or random bytes. */
    private static byte[] oddText(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("u".getBytes(StandardCharsets.UTF_8));
        int pieces = 1 + random.nextInt(4);
        for (int p = 0; p < pieces; p++) {
            switch (random.nextInt(5)) {
                case 0 -> out.writeBytes("ann".getBytes(StandardCharsets.UTF_8));
                case 1 -> {
                    int codePoint = random.nextInt(Character.MAX_CODE_POINT + 1);
                    if (!(codePoint >= 0xd800 && codePoint <= 0xdfff) && codePoint != '"' && codePoint != '\\') {
                        out.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
                    }
                }
                case 2 -> out.writeBytes(String.format("\\u%04x", random.nextInt(0x10000)).getBytes(StandardCharsets.UTF_8));
                case 3 -> {
                    int b = random.nextInt(256);
                    if (b != '"' && b != '\\') {
                        out.write(b);
                    }
                }
                default -> out.writeBytes("\u00e9\u5c71".getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    private static boolean roundTrips(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(text);
    }
}
