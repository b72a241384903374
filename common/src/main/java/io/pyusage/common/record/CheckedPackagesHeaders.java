package io.pyusage.common.record;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;

/**
 * The collector checks every package of a record before it forwards it, and computes the package
 * set's fingerprint on the way. It passes both on as Kafka record headers, so that the aggregator
 * need not read the package list again (most of a record's bytes and most of its decoding time):
 * for a record with these headers it checks every other field and skips the list. A record without
 * them (written to the topic by anything but the collector) is checked in full. When the aggregator
 * does read the list of such a record, for a package set it has not stored yet, it checks the list
 * and that the fingerprint matches ({@link #decodeWithPackages}).
 *
 * <p>A third header says where the list lies in the record's bytes, so that the other fields are
 * read without even scanning past it: the bytes before and after it are joined around an empty
 * list and only those are parsed.
 */
public final class CheckedPackagesHeaders {

    static final String ENVIRONMENT = "pyusage.env";
    static final String PACKAGE_COUNT = "pyusage.packages";
    static final String PACKAGES_SPAN = "pyusage.packages-span";
    private static final byte[] EMPTY_LIST = {'[', ']'};

    private CheckedPackagesHeaders() {
    }

    /** The headers for a record decoded as {@code valid} and forwarded as it was decoded. */
    public static List<Header> of(DecodeResult.Valid valid) {
        return of(valid, valid.packagesSpan());
    }

    /** The headers for a record decoded as {@code valid} and forwarded as {@code received}. */
    public static List<Header> of(DecodeResult.Valid valid, StartupRecordCodec.Received received) {
        return of(valid, received.packagesSpan());
    }

    private static List<Header> of(DecodeResult.Valid valid, RecordValidator.Span span) {
        Header environment = new RecordHeader(ENVIRONMENT, ByteBuffer.allocate(Long.BYTES).putLong(valid.environmentId()).array());
        Header count = new RecordHeader(PACKAGE_COUNT, ByteBuffer.allocate(Integer.BYTES).putInt(valid.packageCount()).array());
        if (span == null) {
            return List.of(environment, count);
        }
        return List.of(environment, count,
                new RecordHeader(PACKAGES_SPAN, ByteBuffer.allocate(2 * Integer.BYTES).putInt(span.start()).putInt(span.end()).array()));
    }

    /**
     * A record's value from the topic (as the consumer hands it over, not copied), decoded without
     * its packages: trusting the headers where it has them.
     */
    public static DecodeResult decodeWithoutPackages(ByteBuffer value, Headers headers) {
        ByteBuffer json = heap(value);
        RecordValidator.CheckedPackages checked = checked(headers);
        if (checked == null) {
            return StartupRecordCodec.decodeWithoutPackages(json.array(), json.arrayOffset() + json.position(), json.remaining());
        }
        ByteBuffer slim = withoutPackageList(json, headers.lastHeader(PACKAGES_SPAN));
        return StartupRecordCodec.decodeChecked(slim.array(), slim.arrayOffset() + slim.position(), slim.remaining(), checked);
    }

    /**
     * The record's bytes with its package list replaced by an empty one, when the span header
     * points at a list ({@code [} to {@code ]}); else the bytes as they are. A span that points
     * elsewhere can only cut the record into invalid JSON or drop fields, which the checks catch.
     */
    private static ByteBuffer withoutPackageList(ByteBuffer value, Header spanHeader) {
        if (spanHeader == null || spanHeader.value() == null || spanHeader.value().length != 2 * Integer.BYTES) {
            return value;
        }
        ByteBuffer span = ByteBuffer.wrap(spanHeader.value());
        int start = span.getInt();
        int end = span.getInt();
        int length = value.remaining();
        int base = value.arrayOffset() + value.position();
        byte[] bytes = value.array();
        if (start < 0 || end > length || end - start < 2 || bytes[base + start] != '[' || bytes[base + end - 1] != ']') {
            return value;
        }
        byte[] slim = new byte[length - (end - start) + EMPTY_LIST.length];
        System.arraycopy(bytes, base, slim, 0, start);
        System.arraycopy(EMPTY_LIST, 0, slim, start, EMPTY_LIST.length);
        System.arraycopy(bytes, base + end, slim, start + EMPTY_LIST.length, length - end);
        return ByteBuffer.wrap(slim);
    }

    /**
     * A record's value from the topic, decoded with its packages, which are checked whatever the
     * headers say; invalid as well when they do not match the fingerprint in the headers.
     */
    public static DecodeResult decodeWithPackages(ByteBuffer value, Headers headers) {
        ByteBuffer json = heap(value);
        DecodeResult result = StartupRecordCodec.decode(json.array(), json.arrayOffset() + json.position(), json.remaining());
        RecordValidator.CheckedPackages checked = checked(headers);
        if (result instanceof DecodeResult.Valid valid && checked != null
                && (valid.environmentId() != checked.environmentId() || valid.packageCount() != checked.count())) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.SCHEMA,
                    List.of(new FieldError("packages", "do not match the fingerprint in the record's " + ENVIRONMENT + " header")));
        }
        return result;
    }

    /** The bytes in an array the parser can read: the buffer itself when it has one (the consumer's always do). */
    private static ByteBuffer heap(ByteBuffer value) {
        return value.hasArray() ? value : ByteBuffer.wrap(Utils.toArray(value));
    }

    private static RecordValidator.CheckedPackages checked(Headers headers) {
        Header environment = headers.lastHeader(ENVIRONMENT);
        Header count = headers.lastHeader(PACKAGE_COUNT);
        if (environment == null || count == null || environment.value() == null || count.value() == null
                || environment.value().length != Long.BYTES || count.value().length != Integer.BYTES) {
            return null;
        }
        return new RecordValidator.CheckedPackages(ByteBuffer.wrap(environment.value()).getLong(),
                ByteBuffer.wrap(count.value()).getInt());
    }
}
