package io.pyusage.common.record;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one JSON setup for startup records. A record is read in one streaming pass, checked and bound
 * at once (no tree). Parsing is bounded by {@link StreamReadConstraints} so that hostile input (deep
 * nesting, huge numbers or strings) fails fast as an invalid record instead of costing memory or CPU;
 * every failure becomes a {@link DecodeResult.Invalid}, never an exception.
 */
public final class StartupRecordCodec {

    /** Largest record accepted: 5,000 packages of typical length fit well inside. */
    public static final int MAX_RECORD_BYTES = 512 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(8)
                            .maxNumberLength(32)
                            .maxStringLength(16 * 1024)
                            .maxNameLength(128)
                            .maxDocumentLength(MAX_RECORD_BYTES)
                            .build())
                    // Repeated fields are refused by RecordValidator, which checks the schema's fields only.
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private StartupRecordCodec() {
    }

    /** The shared, configured mapper, for code that reads or writes other JSON of the project. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static DecodeResult decode(byte[] json) {
        return decode(json, 0, json.length);
    }

    public static DecodeResult decode(byte[] json, int offset, int length) {
        return decode(json, offset, length, true);
    }

    /**
     * Checks every rule, packages included, but leaves {@code packages} of the bound record null: what
     * the collector (which forwards the bytes) and the aggregator (which needs a package set's rows
     * only the first time it sees it, by {@link DecodeResult.Valid#environmentId()}) need, at a
     * fraction of the allocation.
     */
    public static DecodeResult decodeWithoutPackages(byte[] json, int offset, int length) {
        return decode(json, offset, length, false);
    }

    /**
     * What the collector takes from a sender: {@link #decodeWithoutPackages}, and an import record
     * that sets {@code received_at} or {@code source_ip} itself refused (a start record that does is
     * re-encoded with the collector's values, see {@link #encodeReceived}).
     */
    public static DecodeResult decodeFromSender(byte[] json, int offset, int length) {
        DecodeResult result = decodeWithoutPackages(json, offset, length);
        if (result instanceof DecodeResult.Valid valid && valid.imports() && valid.hasCollectorFields()) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.SCHEMA,
                    List.of(new FieldError("received_at", "received_at and source_ip are set by the collector, not in an import record")));
        }
        return result;
    }

    /**
     * Like {@link #decodeWithoutPackages}, for a record whose package list was checked before (by the
     * collector, see {@link CheckedPackagesHeaders}): the list is skipped, {@code checked} is taken
     * as its fingerprint and size, every other field is checked.
     */
    public static DecodeResult decodeChecked(byte[] json, int offset, int length, RecordValidator.CheckedPackages checked) {
        return decode(json, offset, length, parser -> RecordValidator.readChecked(parser, checked));
    }

    private static DecodeResult decode(byte[] json, int offset, int length, boolean bindPackages) {
        return decode(json, offset, length, parser -> RecordValidator.read(parser, bindPackages));
    }

    private interface Reader {
        RecordValidator.Outcome read(JsonParser parser) throws IOException;
    }

    private static DecodeResult decode(byte[] json, int offset, int length, Reader reader) {
        if (length > MAX_RECORD_BYTES) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.TOO_LARGE,
                    List.of(new FieldError("$", "record is " + length + " bytes, at most " + MAX_RECORD_BYTES)));
        }
        int invalid = Utf8Text.firstInvalid(json, offset, length);
        if (invalid >= 0) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.NOT_UTF8, List.of(new FieldError("$", "byte " + (invalid - offset)
                    + " (0x" + Integer.toHexString(json[invalid] & 0xff) + ") is not UTF-8 JSON text: send UTF-8 without control bytes")));
        }
        try (JsonParser parser = MAPPER.getFactory().createParser(json, offset, length)) {
            RecordValidator.Outcome outcome = reader.read(parser);
            if (parser.nextToken() != null) {
                return new DecodeResult.Invalid(DecodeResult.Invalid.MALFORMED_JSON,
                        List.of(new FieldError("$", "trailing content after the record")));
            }
            if (!outcome.errors().isEmpty()) {
                return new DecodeResult.Invalid(DecodeResult.Invalid.SCHEMA, outcome.errors());
            }
            return new DecodeResult.Valid(outcome.record(), outcome.environmentId(), outcome.packageCount(), outcome.hasCollectorFields(),
                    outcome.packagesSpan(), outcome.imports());
        } catch (IOException e) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.MALFORMED_JSON, List.of(new FieldError("$", describe(e))));
        }
    }

    /**
     * A record as the collector forwards it: its bytes, and where its package list lies in them
     * (null when not known).
     */
    public record Received(byte[] bytes, RecordValidator.Span packagesSpan) {
    }

    /**
     * The record as received ({@code json[offset, offset + length)}, already decoded into
     * {@code valid}) with the collector's {@code received_at} and {@code source_ip} added. The
     * received bytes are kept as they are and the two fields spliced in after the opening brace,
     * which costs a copy instead of a second encoding (and moves the package list by as many
     * bytes as were added); a record that carries either field itself is re-encoded with the
     * collector's values instead.
     */
    public static Received encodeReceived(DecodeResult.Valid valid, byte[] json, int offset, int length,
                                          double receivedAt, String sourceIp) {
        if (valid.hasCollectorFields()) {
            StartupRecord record = valid.record().packages() != null ? valid.record()
                    : ((DecodeResult.Valid) decode(json, offset, length)).record();
            return new Received(encode(record.received(receivedAt, sourceIp)), null);
        }
        int brace = offset;
        while (json[brace] != '{') {
            brace++; // leading whitespace: the validator saw an object, so a brace comes first
        }
        byte[] prefix = ("{\"received_at\":" + receivedAt + ",\"source_ip\":\""
                + new String(JsonStringEncoder.getInstance().quoteAsString(sourceIp)) + "\",")
                .getBytes(StandardCharsets.UTF_8);
        int rest = offset + length - (brace + 1);
        byte[] out = new byte[prefix.length + rest];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(json, brace + 1, out, prefix.length, rest);
        RecordValidator.Span packages = valid.packagesSpan();
        return new Received(out, packages == null ? null : packages.shifted(out.length - length));
    }

    public static byte[] encode(StartupRecord record) {
        try {
            return MAPPER.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parser's message without the echo of the input it appends, which may be huge or binary. */
    private static String describe(IOException e) {
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (message == null) {
            return "unreadable JSON";
        }
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }
}
