package io.pyusage.common.record;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a parsed JSON object against schema v1 and names every field that breaks a rule. Unknown
 * fields are ignored so that newer hooks can add fields without older collectors rejecting them.
 */
public final class RecordValidator {

    public static final int MAX_PACKAGES = 5_000;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_PATH_LENGTH = 4_096;
    public static final int MAX_PACKAGE_NAME_LENGTH = 200;
    public static final int MAX_VERSION_LENGTH = 128;

    private static final Pattern EVENT_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern PYTHON_VERSION = Pattern.compile("\\d+\\.\\d+(\\.\\d+)?[0-9a-z+.]*");
    /** Client clocks before 2000 or after 2100 are wrong, not data. */
    private static final double MIN_TS = 946_684_800d;
    private static final double MAX_TS = 4_102_444_800d;
    private static final double MAX_STARTUP_MS = 3_600_000d;

    private final List<FieldError> errors = new ArrayList<>();
    private final JsonNode root;

    private RecordValidator(JsonNode root) {
        this.root = root;
    }

    /** The errors of {@code root}; empty when it is a valid schema v1 record. */
    public static List<FieldError> validate(JsonNode root) {
        RecordValidator validator = new RecordValidator(root);
        if (!root.isObject()) {
            return List.of(new FieldError("$", "a record must be a JSON object"));
        }
        validator.checkAll();
        return List.copyOf(validator.errors);
    }

    private void checkAll() {
        JsonNode schema = root.get("schema");
        if (schema == null || !schema.isIntegralNumber() || schema.asLong() != StartupRecord.SCHEMA_VERSION) {
            error("schema", "must be " + StartupRecord.SCHEMA_VERSION);
        }
        string("event_id", true, 32, EVENT_ID, "32 lower-case hex digits");
        number("ts", true, MIN_TS, MAX_TS);
        string("user", true, MAX_NAME_LENGTH, null, null);
        string("host", true, MAX_NAME_LENGTH, null, null);
        integer("pid", 0, Integer.MAX_VALUE);
        string("python", true, 32, PYTHON_VERSION, "a version such as 3.11.7");
        string("impl", true, 32, null, null);
        string("executable", true, MAX_PATH_LENGTH, null, null);
        string("base", true, 64, null, null);
        string("prefix", true, MAX_PATH_LENGTH, null, null);
        bool("venv", true);
        number("startup_ms", false, 0, MAX_STARTUP_MS);
        string("entry", false, MAX_NAME_LENGTH, null, null);
        bool("ci", true);
        bool("interactive", true);
        bool("truncated", false);
        // Set by the collector; checked so that a record that says otherwise is refused, not mis-bound.
        number("received_at", false, MIN_TS, MAX_TS);
        string("source_ip", false, 64, null, null);
        packages();
    }

    private void packages() {
        JsonNode packages = root.get("packages");
        if (packages == null || !packages.isArray()) {
            error("packages", "must be an array of [name, version] pairs");
            return;
        }
        if (packages.size() > MAX_PACKAGES) {
            error("packages", "has " + packages.size() + " entries, at most " + MAX_PACKAGES + " allowed");
            return;
        }
        // The hot loop of validation (hundreds of entries per record): no allocation unless an entry is bad.
        for (int i = 0; i < packages.size(); i++) {
            JsonNode pair = packages.get(i);
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isTextual()) {
                error("packages[" + i + "]", "must be a [name, version] pair of strings");
                continue;
            }
            String name = pair.get(0).textValue();
            if (name.length() > MAX_PACKAGE_NAME_LENGTH || !PackageNames.isNormalised(name)) {
                error("packages[" + i + "][0]", "must be a name normalised as PEP 503 says, at most "
                        + MAX_PACKAGE_NAME_LENGTH + " characters");
            }
            String version = pair.get(1).textValue();
            if (version.length() > MAX_VERSION_LENGTH || hasControlCharacters(version)) {
                error("packages[" + i + "][1]", "must be at most " + MAX_VERSION_LENGTH + " printable characters");
            }
        }
    }

    private void string(String field, boolean required, int maxLength, Pattern pattern, String patternText) {
        JsonNode node = root.get(field);
        if (absent(node)) {
            if (required) {
                error(field, "is required");
            }
            return;
        }
        if (!node.isTextual()) {
            error(field, "must be a string");
        } else if (required && node.textValue().isEmpty()) {
            error(field, "must not be empty");
        } else if (node.textValue().length() > maxLength) {
            error(field, "must be at most " + maxLength + " characters");
        } else if (hasControlCharacters(node.textValue())) {
            error(field, "must not contain control characters");
        } else if (pattern != null && !pattern.matcher(node.textValue()).matches()) {
            error(field, "must be " + patternText);
        }
    }

    private void number(String field, boolean required, double min, double max) {
        JsonNode node = root.get(field);
        if (absent(node)) {
            if (required) {
                error(field, "is required");
            }
            return;
        }
        if (!node.isNumber() || node.isBigInteger() || node.isBigDecimal()) {
            error(field, "must be a number");
        } else if (!(node.doubleValue() >= min && node.doubleValue() <= max)) {
            error(field, "must be between " + min + " and " + max);
        }
    }

    private void integer(String field, long min, long max) {
        JsonNode node = root.get(field);
        if (absent(node)) {
            error(field, "is required");
        } else if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            error(field, "must be an integer");
        } else if (node.longValue() < min || node.longValue() > max) {
            error(field, "must be between " + min + " and " + max);
        }
    }

    private void bool(String field, boolean required) {
        JsonNode node = root.get(field);
        if (absent(node)) {
            if (required) {
                error(field, "is required");
            }
        } else if (!node.isBoolean()) {
            error(field, "must be true or false");
        }
    }

    private static boolean absent(JsonNode node) {
        return node == null || node.isNull();
    }

    private static boolean hasControlCharacters(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private void error(String field, String message) {
        errors.add(new FieldError(field, message));
    }
}
