package io.pyusage.common.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestRecords;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class CheckedPackagesHeadersTest {

    private static final List<List<String>> PACKAGES = List.of(List.of("numpy", "1.26.4"), List.of("pandas", "2.2.1"));

    @Test
    void aRecordWithTheCollectorsHeadersIsDecodedWithItsFingerprintWithoutReadingThePackages() {
        byte[] good = TestRecords.bytes(TestRecords.valid("ada", "h1", PACKAGES));
        DecodeResult.Valid checked = (DecodeResult.Valid) StartupRecordCodec.decode(good);
        // The same fields with a package list the collector would have refused: skipped, so not seen.
        Map<String, Object> other = TestRecords.valid("ada", "h1", List.of(List.of("Not Normalised", "1")));
        RecordHeaders headers = new RecordHeaders(CheckedPackagesHeaders.of(checked));

        DecodeResult.Valid trusted = assertInstanceOf(DecodeResult.Valid.class,
                CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(TestRecords.bytes(other)), headers));
        assertEquals(checked.environmentId(), trusted.environmentId());
        assertEquals(2, trusted.packageCount());
        assertEquals("ada", trusted.record().user());
    }

    @Test
    void withTheListsSpanOnlyTheBytesAroundTheListAreReadAndTheRecordIsTheSame() {
        byte[] json = TestRecords.bytes(TestRecords.valid("ada", "h1", PACKAGES));
        DecodeResult.Valid received = (DecodeResult.Valid) StartupRecordCodec.decode(json);
        StartupRecordCodec.Received stamped = StartupRecordCodec.encodeReceived(received, json, 0, json.length, 1_795_000_000.5, "10.0.0.9");
        RecordHeaders headers = new RecordHeaders(CheckedPackagesHeaders.of(received, stamped));
        assertEquals(3, headers.toArray().length, "fingerprint, count and span");

        DecodeResult.Valid read = assertInstanceOf(DecodeResult.Valid.class, CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(stamped.bytes()), headers));
        DecodeResult.Valid readInFull = (DecodeResult.Valid) StartupRecordCodec.decodeWithoutPackages(stamped.bytes(), 0, stamped.bytes().length);
        assertEquals(readInFull.record(), read.record());
        assertEquals(received.environmentId(), read.environmentId());
        assertEquals(2, read.packageCount());

        // As the consumer hands a value over: a slice of a larger buffer (the whole Kafka record), not copied.
        byte[] record = new byte[stamped.bytes().length + 40];
        Arrays.fill(record, (byte) '}');
        System.arraycopy(stamped.bytes(), 0, record, 25, stamped.bytes().length);
        ByteBuffer value = ByteBuffer.wrap(record, 25, stamped.bytes().length).slice();
        assertEquals(readInFull.record(), assertInstanceOf(DecodeResult.Valid.class,
                CheckedPackagesHeaders.decodeWithoutPackages(value, headers)).record());
        assertEquals(2, assertInstanceOf(DecodeResult.Valid.class,
                CheckedPackagesHeaders.decodeWithPackages(value, headers)).record().packages().size());
    }

    @Test
    void aSpanThatDoesNotPointAtAListIsIgnored() {
        byte[] json = TestRecords.bytes(TestRecords.valid("ada", "h1", PACKAGES));
        DecodeResult.Valid checked = (DecodeResult.Valid) StartupRecordCodec.decode(json);
        for (int[] span : new int[][] {{-1, 5}, {0, json.length + 1}, {3, 3}, {0, 1}}) {
            RecordHeaders headers = new RecordHeaders(CheckedPackagesHeaders.of(checked).subList(0, 2));
            headers.add(CheckedPackagesHeaders.PACKAGES_SPAN, java.nio.ByteBuffer.allocate(8).putInt(span[0]).putInt(span[1]).array());
            assertInstanceOf(DecodeResult.Valid.class, CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(json), headers),
                    "ignored span " + span[0] + ".." + span[1]);
        }
    }

    @Test
    void otherFieldsAreStillCheckedWhenThePackagesAreTrusted() {
        Map<String, Object> input = TestRecords.valid("ada", "h1", PACKAGES);
        DecodeResult.Valid checked = (DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(input));
        input.put("ts", "yesterday");
        DecodeResult.Invalid invalid = assertInstanceOf(DecodeResult.Invalid.class, CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(
                TestRecords.bytes(input)), new RecordHeaders(CheckedPackagesHeaders.of(checked))));
        assertEquals("ts", invalid.errors().get(0).field());
    }

    @Test
    void withoutHeadersThePackagesAreChecked() {
        byte[] bad = TestRecords.bytes(TestRecords.valid("ada", "h1", List.of(List.of("Not Normalised", "1"))));
        DecodeResult.Invalid invalid = assertInstanceOf(DecodeResult.Invalid.class,
                CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(bad), new RecordHeaders()));
        assertEquals("packages[0][0]", invalid.errors().get(0).field());
        // Headers of the wrong size are no headers.
        RecordHeaders broken = new RecordHeaders();
        broken.add(CheckedPackagesHeaders.ENVIRONMENT, new byte[3]);
        broken.add(CheckedPackagesHeaders.PACKAGE_COUNT, new byte[4]);
        assertInstanceOf(DecodeResult.Invalid.class, CheckedPackagesHeaders.decodeWithoutPackages(ByteBuffer.wrap(bad), broken));
    }

    @Test
    void readWithPackagesTheListIsCheckedAndMustMatchTheHeaders() {
        byte[] good = TestRecords.bytes(TestRecords.valid("ada", "h1", PACKAGES));
        DecodeResult.Valid checked = (DecodeResult.Valid) StartupRecordCodec.decode(good);
        RecordHeaders headers = new RecordHeaders(CheckedPackagesHeaders.of(checked));
        DecodeResult.Valid full = assertInstanceOf(DecodeResult.Valid.class, CheckedPackagesHeaders.decodeWithPackages(ByteBuffer.wrap(good), headers));
        assertEquals(2, full.record().packages().size());

        byte[] other = TestRecords.bytes(TestRecords.valid("ada", "h1", List.of(List.of("numpy", "2.0.0"), List.of("pandas", "2.2.1"))));
        DecodeResult.Invalid mismatch = assertInstanceOf(DecodeResult.Invalid.class, CheckedPackagesHeaders.decodeWithPackages(ByteBuffer.wrap(other), headers));
        assertTrue(mismatch.errors().get(0).message().contains("fingerprint"), mismatch.errors().toString());
        byte[] bad = TestRecords.bytes(TestRecords.valid("ada", "h1", List.of(List.of("Not Normalised", "1"))));
        assertInstanceOf(DecodeResult.Invalid.class, CheckedPackagesHeaders.decodeWithPackages(ByteBuffer.wrap(bad), headers));
    }
}
