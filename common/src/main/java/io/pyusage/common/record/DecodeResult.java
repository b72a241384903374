package io.pyusage.common.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** The outcome of decoding one record: either a valid record or the reasons it was rejected. */
public sealed interface DecodeResult {

    /**
     * A record that passed every schema rule. It is bound to a {@link StartupRecord} only when
     * {@link #record()} is first called: the collector forwards the bytes it received and needs
     * no more than the host.
     */
    final class Valid implements DecodeResult {
        private final JsonNode root;
        private StartupRecord record;

        Valid(JsonNode root) {
            this.root = root;
        }

        public StartupRecord record() {
            if (record == null) {
                record = StartupRecordCodec.bind(root);
            }
            return record;
        }

        public String host() {
            return root.get("host").textValue();
        }

        /** Whether the sender filled in a field that only the collector may set. */
        boolean hasCollectorFields() {
            return root.has("received_at") || root.has("source_ip");
        }
    }

    /** {@code reason} is a short, bounded label for metrics; {@code errors} say what exactly was wrong. */
    record Invalid(String reason, List<FieldError> errors) implements DecodeResult {
        public static final String MALFORMED_JSON = "malformed_json";
        public static final String SCHEMA = "schema";
        public static final String TOO_LARGE = "too_large";
        /** Every reason there is, so that counters can exist before the first rejection. */
        public static final List<String> REASONS = List.of(MALFORMED_JSON, SCHEMA, TOO_LARGE);
    }
}
