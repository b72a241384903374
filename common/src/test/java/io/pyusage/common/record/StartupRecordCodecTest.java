package io.pyusage.common.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pyusage.common.TestRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StartupRecordCodecTest {

    @Test
    void validRecordDecodesWithEveryField() {
        Map<String, Object> input = TestRecords.valid();
        StartupRecord record = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(input))).record();
        assertEquals(input.get("event_id"), record.eventId());
        assertEquals("alice", record.user());
        assertEquals("2023.06", record.base());
        assertEquals(List.of(new InstalledPackage("numpy", "1.26.4"), new InstalledPackage("pandas", "2.2.2")), record.packages());
        assertEquals(23.5, record.startupMs());
        assertTrue(record.venv());
    }

    @Test
    void encodeThenDecodeKeepsTheRecordAndTheCollectorStamps() {
        StartupRecord record = ((DecodeResult.Valid) StartupRecordCodec.decode(TestRecords.bytes(TestRecords.valid()))).record()
                .received(1_795_000_000.25, "10.1.2.3");
        StartupRecord back = ((DecodeResult.Valid) StartupRecordCodec.decode(StartupRecordCodec.encode(record))).record();
        assertEquals(record, back);
    }

    @Test
    void anImportRecordDecodesWithItsImportedSetAsItsPackages() {
        Map<String, Object> start = TestRecords.valid();
        Map<String, Object> input = TestRecords.imports(start, List.of(List.of("numpy", "1.26.4")));
        DecodeResult.Valid valid = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(input)));
        assertTrue(valid.imports());
        assertEquals(start.get("event_id"), valid.record().eventId());
        assertEquals(List.of(new InstalledPackage("numpy", "1.26.4")), valid.record().packages());
        assertEquals(EnvironmentFingerprint.of(valid.record().packages()), valid.environmentId());
        assertEquals(1, valid.packageCount());
        DecodeResult.Valid startRecord = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(start)));
        assertTrue(!startRecord.imports());
        assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(TestRecords.imports(start, List.of()))),
                "a process that imported no installed distribution");
    }

    @Test
    void anImportRecordIsCheckedAsStrictlyAsAStart() {
        Map<String, Object> start = TestRecords.valid();
        Map<String, Object> badName = TestRecords.imports(start, List.of(List.of("Not Normalised", "1.0")));
        assertEquals(List.of(new FieldError("imports[0][0]", "must be a name normalised as PEP 503 says, at most 200 characters")),
                invalid(TestRecords.bytes(badName)).errors());
        Map<String, Object> asPackages = TestRecords.imports(start, List.of());
        asPackages.put("packages", asPackages.remove("imports"));
        assertEquals(List.of(new FieldError("imports", "must be an array of [name, version] pairs")), invalid(TestRecords.bytes(asPackages)).errors());
        Map<String, Object> noUser = TestRecords.imports(start, List.of());
        noUser.remove("user");
        assertEquals(List.of(new FieldError("user", "is required")), invalid(TestRecords.bytes(noUser)).errors());
        Map<String, Object> otherKind = TestRecords.valid();
        otherKind.put("kind", "exits");
        assertEquals(List.of(new FieldError("kind", "must be imports or absent")), invalid(TestRecords.bytes(otherKind)).errors());
        Map<String, Object> startWithImports = TestRecords.valid();
        startWithImports.put("imports", startWithImports.remove("packages"));
        assertEquals(List.of(new FieldError("packages", "must be an array of [name, version] pairs")),
                invalid(TestRecords.bytes(startWithImports)).errors());
    }

    @Test
    void theCollectorRefusesAnImportRecordThatSetsItsOwnFields() {
        Map<String, Object> input = TestRecords.imports(TestRecords.valid(), List.of());
        input.put("source_ip", "10.9.9.9");
        byte[] bytes = TestRecords.bytes(input);
        assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decodeWithoutPackages(bytes, 0, bytes.length), "as read from Kafka");
        DecodeResult.Invalid refused = assertInstanceOf(DecodeResult.Invalid.class, StartupRecordCodec.decodeFromSender(bytes, 0, bytes.length));
        assertEquals("received_at", refused.errors().get(0).field());
    }

    @Test
    void unknownFieldsAreIgnored() {
        Map<String, Object> input = TestRecords.valid();
        input.put("from_a_newer_hook", Map.of("x", 1));
        assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(input)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"user\":\"mallory\"", "\"packages\":[]", "\"ts\":1795000000"})
    void aSchemaFieldGivenTwiceIsRejectedNamingIt(String repeated) {
        String field = repeated.substring(1, repeated.indexOf('"', 1));
        byte[] twice = withFieldFirst(repeated);
        DecodeResult.Invalid invalid = invalid(twice);
        assertEquals("schema", invalid.reason());
        assertEquals(List.of(new FieldError(field, "appears more than once")), invalid.errors());
    }

    @Test
    void anUnknownFieldGivenTwiceChangesNothing() {
        assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(withFieldFirst("\"from_a_newer_hook\":1,\"from_a_newer_hook\":2")));
    }

    /** A valid record's JSON with {@code field} (a name and value) spliced in before its own fields. */
    private static byte[] withFieldFirst(String field) {
        return new String(TestRecords.bytes(TestRecords.valid()), StandardCharsets.UTF_8).replaceFirst("\\{", "{" + field + ",")
                .getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "{\"schema\":1", "[1,2]", "null", "42", "{\"schema\":1} trailing",
            "{\"a\":1,\"a\":2}", "\u0000\u0001", "{'single':'quotes'}"})
    void malformedInputIsInvalidNotAnException(String input) {
        DecodeResult result = StartupRecordCodec.decode(input.getBytes(StandardCharsets.UTF_8));
        assertInstanceOf(DecodeResult.Invalid.class, result, input);
    }

    @Test
    void invalidUtf8IsRejected() {
        byte[] json = TestRecords.bytes(TestRecords.valid());
        byte[] broken = new String(json, StandardCharsets.UTF_8).replace("alice", "al\u00e9ce").getBytes(StandardCharsets.UTF_8);
        int at = new String(broken, StandardCharsets.ISO_8859_1).indexOf("al") + 2;
        broken[at] = (byte) 0xC3;
        broken[at + 1] = (byte) 0x28; // not a continuation byte
        assertEquals("not_utf8", invalid(broken).reason());
    }

    @Test
    void deepNestingHugeNumbersAndHugeDocumentsAreRejectedByTheParserLimits() {
        assertEquals("malformed_json", invalid("[".repeat(10_000).getBytes(StandardCharsets.UTF_8)).reason());
        assertEquals("malformed_json", invalid(("{\"pid\":" + "9".repeat(5_000) + "}").getBytes(StandardCharsets.UTF_8)).reason());
        byte[] huge = ("{\"user\":\"" + "x".repeat(StartupRecordCodec.MAX_RECORD_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertEquals("too_large", invalid(huge).reason());
    }

    @Test
    void tooManyPackagesAreRejectedNamingTheField() {
        List<List<String>> packages = new ArrayList<>();
        for (int i = 0; i < RecordValidator.MAX_PACKAGES + 1; i++) {
            packages.add(List.of("p" + i, "1"));
        }
        assertFieldRejected(r -> r.put("packages", packages), "packages");
    }

    @Test
    void eachRuleNamesItsField() {
        assertFieldRejected(r -> r.put("schema", 2), "schema");
        assertFieldRejected(r -> r.put("event_id", "not-hex"), "event_id");
        assertFieldRejected(r -> r.put("event_id", "ABCDEF0123456789ABCDEF0123456789"), "event_id");
        assertFieldRejected(r -> r.put("ts", "yesterday"), "ts");
        assertFieldRejected(r -> r.put("ts", 12), "ts");
        assertFieldRejected(r -> r.remove("user"), "user");
        assertFieldRejected(r -> r.put("user", ""), "user");
        assertFieldRejected(r -> r.put("host", "x".repeat(RecordValidator.MAX_NAME_LENGTH + 1)), "host");
        assertFieldRejected(r -> r.put("host", "evil\nhost"), "host");
        assertFieldRejected(r -> r.put("pid", -1), "pid");
        assertFieldRejected(r -> r.put("pid", 1.5), "pid");
        assertFieldRejected(r -> r.put("python", "three"), "python");
        assertFieldRejected(r -> r.put("venv", "yes"), "venv");
        assertFieldRejected(r -> r.put("startup_ms", -3), "startup_ms");
        assertFieldRejected(r -> r.put("packages", "numpy"), "packages");
        assertFieldRejected(r -> r.put("packages", List.of(List.of("numpy"))), "packages[0]");
        assertFieldRejected(r -> r.put("packages", List.of(List.of("Not_Normalised", "1.0"))), "packages[0][0]");
        assertFieldRejected(r -> r.put("packages", List.of(List.of("ok", "x".repeat(RecordValidator.MAX_VERSION_LENGTH + 1)))), "packages[0][1]");
    }

    @Test
    void optionalFieldsMayBeAbsent() {
        Map<String, Object> input = TestRecords.valid();
        input.remove("startup_ms");
        input.remove("entry");
        StartupRecord record = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(TestRecords.bytes(input))).record();
        assertEquals(null, record.startupMs());
    }

    @Test
    void packageNamesNormaliseAsPep503Says() {
        assertEquals("foo-bar", PackageNames.normalise("Foo_Bar"));
        assertEquals("zope-interface", PackageNames.normalise("zope.interface"));
        assertEquals("a-b", PackageNames.normalise("A-_.B"));
        assertTrue(PackageNames.isNormalised("scikit-learn"));
        assertTrue(!PackageNames.isNormalised("scikit_learn"));
        for (String bad : new String[] {"", "-a", "a-", "a--b", "A", "a.b", "a b", "é"}) {
            assertTrue(!PackageNames.isNormalised(bad), bad);
        }
        assertTrue(PackageNames.isNormalised("a-1-b2"));
    }

    @Test
    void receivedBytesWithTheCollectorFieldsSplicedInDecodeToTheStampedRecord() {
        byte[] json = ("  " + TestRecords.json(TestRecords.valid()) + "\r").getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[json.length + 6];
        System.arraycopy(json, 0, framed, 3, json.length);
        DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(framed, 3, json.length);
        StartupRecordCodec.Received stamped = StartupRecordCodec.encodeReceived(valid, framed, 3, json.length, 1_795_000_000.25, "fd00::1");
        StartupRecord back = ((DecodeResult.Valid) StartupRecordCodec.decode(stamped.bytes())).record();
        assertEquals(valid.record().received(1_795_000_000.25, "fd00::1"), back);
        // The package list is where the span says, in the stamped bytes as in the received ones.
        String list = "[[\"numpy\",\"1.26.4\"],[\"pandas\",\"2.2.2\"]]";
        RecordValidator.Span span = stamped.packagesSpan();
        assertEquals(list, new String(stamped.bytes(), span.start(), span.end() - span.start(), StandardCharsets.UTF_8));
        assertEquals(list, new String(framed, 3 + valid.packagesSpan().start(), list.length(), StandardCharsets.UTF_8));
    }

    @Test
    void collectorFieldsSentByAClientAreReplacedNotDuplicated() {
        Map<String, Object> input = TestRecords.valid();
        input.put("received_at", 1_000_000_000.0);
        input.put("source_ip", "forged");
        byte[] json = TestRecords.bytes(input);
        DecodeResult.Valid valid = (DecodeResult.Valid) StartupRecordCodec.decode(json);
        StartupRecord back = ((DecodeResult.Valid) StartupRecordCodec.decode(
                StartupRecordCodec.encodeReceived(valid, json, 0, json.length, 1_795_000_000.0, "10.0.0.7").bytes())).record();
        assertEquals("10.0.0.7", back.sourceIp());
        assertEquals(1_795_000_000.0, back.receivedAt());
    }

    @Test
    void collectorFieldsOfTheWrongTypeAreRejected() {
        assertFieldRejected(r -> r.put("received_at", "now"), "received_at");
        assertFieldRejected(r -> r.put("source_ip", 7), "source_ip");
    }

    /** The single-pass reader must stay in step after any shape of bad entry and still read the good ones after it. */
    @Test
    void badPackageEntriesOfEveryShapeAreNamedAndTheReaderKeepsItsPlace() {
        String json = new String(TestRecords.bytes(TestRecords.valid()), StandardCharsets.UTF_8).replaceFirst(
                "\"packages\":\\[", "\"packages\":[[\"a\",[\"nested\"]],{\"x\":[1]},[\"a\",\"1\",\"extra\"],7,[],[[[]]],");
        DecodeResult.Invalid invalid = invalid(json.getBytes(StandardCharsets.UTF_8));
        assertEquals("schema", invalid.reason());
        assertEquals(List.of("packages[0]", "packages[1]", "packages[2]", "packages[3]", "packages[4]", "packages[5]"),
                invalid.errors().stream().map(FieldError::field).toList());

        Map<String, Object> reordered = new java.util.TreeMap<>(TestRecords.valid());
        reordered.put("user", "");
        reordered.put("ts", "late");
        Map<String, Object> original = TestRecords.valid();
        original.put("user", "");
        original.put("ts", "late");
        assertEquals(invalid(TestRecords.bytes(original)).errors(), invalid(TestRecords.bytes(reordered)).errors(),
                "errors in the schema's order whatever the order of the fields");
        assertEquals(List.of("ts", "user"), invalid(TestRecords.bytes(reordered)).errors().stream().map(FieldError::field).toList());
    }

    @Test
    void aJsonValueThatIsNotAnObjectBreaksTheSchemaNotTheParser() {
        assertEquals("schema", invalid("[1,2]".getBytes(StandardCharsets.UTF_8)).reason());
        assertEquals("malformed_json", invalid("{\"schema\":1} {}".getBytes(StandardCharsets.UTF_8)).reason());
    }

    /** Without packages, the same rules hold and the fingerprint is the one of the bound list. */
    @Test
    void decodingWithoutPackagesChecksTheSameAndFingerprintsTheSame() {
        byte[] json = TestRecords.bytes(TestRecords.valid());
        DecodeResult.Valid full = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decode(json));
        DecodeResult.Valid light = assertInstanceOf(DecodeResult.Valid.class, StartupRecordCodec.decodeWithoutPackages(json, 0, json.length));
        assertEquals(null, light.record().packages());
        assertEquals(EnvironmentFingerprint.of(full.record().packages()), light.environmentId());
        assertEquals(full.environmentId(), light.environmentId());
        assertEquals(2, light.packageCount());
        assertEquals(full.record().host(), light.record().host());

        Map<String, Object> bad = TestRecords.valid();
        bad.put("packages", List.of(List.of("Bad_Name", "1"), List.of("ok", "bell\u0007")));
        byte[] badJson = TestRecords.bytes(bad);
        assertEquals(invalid(badJson).errors(),
                assertInstanceOf(DecodeResult.Invalid.class, StartupRecordCodec.decodeWithoutPackages(badJson, 0, badJson.length)).errors());
    }

    private static void assertFieldRejected(Consumer<Map<String, Object>> change, String field) {
        Map<String, Object> input = TestRecords.valid();
        change.accept(input);
        DecodeResult.Invalid invalid = invalid(TestRecords.bytes(input));
        assertEquals("schema", invalid.reason());
        assertTrue(invalid.errors().stream().anyMatch(e -> e.field().equals(field)), field + " not named in " + invalid.errors());
    }

    private static DecodeResult.Invalid invalid(byte[] bytes) {
        return assertInstanceOf(DecodeResult.Invalid.class, StartupRecordCodec.decode(bytes));
    }
}
