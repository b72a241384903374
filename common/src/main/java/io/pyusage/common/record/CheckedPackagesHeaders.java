package io.pyusage.common.record;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The collector checks every package of a record before it forwards it, and computes the package
 * set's fingerprint on the way. It passes both on as Kafka record headers, so that the aggregator
 * need not read the package list again (most of a record's bytes and most of its decoding time):
 * for a record with these headers it checks every other field and skips the list. A record without
 * them (written to the topic by anything but the collector) is checked in full. When the aggregator
 * does read the list of such a record, for a package set it has not stored yet, it checks the list
 * and that the fingerprint matches ({@link #decodeWithPackages}).
 */
public final class CheckedPackagesHeaders {

    static final String ENVIRONMENT = "pyusage.env";
    static final String PACKAGE_COUNT = "pyusage.packages";

    private CheckedPackagesHeaders() {
    }

    /** The headers for a record the collector decoded as {@code valid}. */
    public static List<Header> of(DecodeResult.Valid valid) {
        return List.of(new RecordHeader(ENVIRONMENT, ByteBuffer.allocate(Long.BYTES).putLong(valid.environmentId()).array()),
                new RecordHeader(PACKAGE_COUNT, ByteBuffer.allocate(Integer.BYTES).putInt(valid.packageCount()).array()));
    }

    /** A record from the topic, decoded without its packages: trusting the headers where it has them. */
    public static DecodeResult decodeWithoutPackages(byte[] value, Headers headers) {
        RecordValidator.CheckedPackages checked = checked(headers);
        return checked == null ? StartupRecordCodec.decodeWithoutPackages(value, 0, value.length)
                : StartupRecordCodec.decodeChecked(value, checked);
    }

    /**
     * A record from the topic, decoded with its packages, which are checked whatever the headers
     * say; invalid as well when they do not match the fingerprint in the headers.
     */
    public static DecodeResult decodeWithPackages(byte[] value, Headers headers) {
        DecodeResult result = StartupRecordCodec.decode(value);
        RecordValidator.CheckedPackages checked = checked(headers);
        if (result instanceof DecodeResult.Valid valid && checked != null
                && (valid.environmentId() != checked.environmentId() || valid.packageCount() != checked.count())) {
            return new DecodeResult.Invalid(DecodeResult.Invalid.SCHEMA,
                    List.of(new FieldError("packages", "do not match the fingerprint in the record's " + ENVIRONMENT + " header")));
        }
        return result;
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
