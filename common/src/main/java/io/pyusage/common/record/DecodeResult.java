package io.pyusage.common.record;

import java.util.List;

/** The outcome of decoding one record: either a valid record or the reasons it was rejected. */
public sealed interface DecodeResult {

    record Valid(StartupRecord record) implements DecodeResult {
    }

    /** {@code reason} is a short, bounded label for metrics; {@code errors} say what exactly was wrong. */
    record Invalid(String reason, List<FieldError> errors) implements DecodeResult {
    }
}
