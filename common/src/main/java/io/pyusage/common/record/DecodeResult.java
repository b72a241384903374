package io.pyusage.common.record;

import java.util.List;

/** The outcome of decoding one record: either a valid record or the reasons it was rejected. */
public sealed interface DecodeResult {

    /** A record that passed every schema rule, bound (its packages only when asked for). */
    final class Valid implements DecodeResult {
        private final StartupRecord record;
        private final long environmentId;
        private final int packageCount;
        private final boolean collectorFields;
        private final RecordValidator.Span packagesSpan;
        private final boolean imports;

        Valid(StartupRecord record, long environmentId, int packageCount, boolean collectorFields, RecordValidator.Span packagesSpan,
              boolean imports) {
            this.record = record;
            this.environmentId = environmentId;
            this.packageCount = packageCount;
            this.collectorFields = collectorFields;
            this.packagesSpan = packagesSpan;
            this.imports = imports;
        }

        /**
         * True for an import record: its {@code packages()} (and {@link #environmentId()}, {@link
         * #packageCount()}) are then the distributions the process imported.
         */
        public boolean imports() {
            return imports;
        }

        /** The record; {@code packages()} is null when it was decoded without them. */
        public StartupRecord record() {
            return record;
        }

        /** {@link EnvironmentFingerprint} of the package set (of an import record: of the imported set). */
        public long environmentId() {
            return environmentId;
        }

        public int packageCount() {
            return packageCount;
        }

        public String host() {
            return record.host();
        }

        /** Where the package list lies in the bytes decoded (counted from the first byte given). */
        RecordValidator.Span packagesSpan() {
            return packagesSpan;
        }

        /** Whether the sender filled in a field that only the collector may set. */
        boolean hasCollectorFields() {
            return collectorFields;
        }
    }

    /** {@code reason} is a short, bounded label for metrics; {@code errors} say what exactly was wrong. */
    record Invalid(String reason, List<FieldError> errors) implements DecodeResult {
        public static final String MALFORMED_JSON = "malformed_json";
        public static final String SCHEMA = "schema";
        public static final String TOO_LARGE = "too_large";
        /** Bytes that are not UTF-8 JSON text: another encoding, an overlong form, an encoded surrogate, a raw control byte. */
        public static final String NOT_UTF8 = "not_utf8";
        /** Every reason there is, so that counters can exist before the first rejection. */
        public static final List<String> REASONS = List.of(MALFORMED_JSON, SCHEMA, TOO_LARGE, NOT_UTF8);
    }
}
