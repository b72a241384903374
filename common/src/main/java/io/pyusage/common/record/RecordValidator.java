package io.pyusage.common.record;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads one record from a JSON parser in a single pass, without building a tree, checks it against
 * schema v1 and binds it, naming every field that breaks a rule. A start record lists the installed
 * distributions under {@code packages}; an import record ({@code "kind": "imports"}) the imported ones
 * under {@code imports}, read by the same rules, with the start's identity but not what only a start
 * says (implementation, executable, CI, terminal). Unknown fields are skipped so that
 * newer hooks can add fields without older collectors rejecting them. Fields are captured as they
 * come and checked afterwards in a fixed order, so the errors do not depend on the field order.
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

    /** The schema's scalar fields; their values are captured into slots by ordinal. */
    private enum Field {
        SCHEMA, EVENT_ID, TS, USER, HOST, PID, PYTHON, IMPL, EXECUTABLE, BASE, PREFIX, VENV, STARTUP_MS, ENTRY, CI,
        INTERACTIVE, TRUNCATED, RECEIVED_AT, SOURCE_IP, KIND;

        final String json = name().toLowerCase(Locale.ROOT);
    }

    /**
     * What the reader found: a record (its {@code packages} null unless bound), the fingerprint and
     * size of its package set, or the errors that kept it from being one.
     */
    record Outcome(StartupRecord record, long environmentId, int packageCount, List<FieldError> errors, boolean hasCollectorFields,
                   Span packagesSpan, boolean imports) {
    }

    /** The value of {@code kind} that makes a record an import record. */
    public static final String IMPORTS = "imports";

    /** Looked up for every field of every record: one map, not a scan of a fresh {@code values()} copy. */
    private static final Map<String, Field> FIELDS_BY_NAME = Arrays.stream(Field.values())
            .collect(Collectors.toUnmodifiableMap(field -> field.json, field -> field));

    private final JsonToken[] tokens = new JsonToken[FIELDS_BY_NAME.size()];
    private final Object[] values = new Object[FIELDS_BY_NAME.size()];
    private final List<FieldError> errors = new ArrayList<>();
    private final boolean bindPackages;
    /** The package set's fingerprint and size as the collector found them; null: check the packages here. */
    private final CheckedPackages checked;
    private JsonToken packagesToken;
    /** Under which name the list came: {@code packages} or {@code imports}. */
    private String listName;
    private List<InstalledPackage> packages;
    private int packageCount;
    private long environmentId;
    private Span packagesSpan;

    private RecordValidator(boolean bindPackages, CheckedPackages checked) {
        this.bindPackages = bindPackages;
        this.checked = checked;
    }

    /** Where a value lies in the bytes read: {@code [start, end)}. */
    public record Span(int start, int end) {
        Span shifted(int by) {
            return new Span(start + by, end + by);
        }
    }

    /** A package set already checked (by the collector): its fingerprint and number of packages. */
    public record CheckedPackages(long environmentId, int count) {
    }

    /**
     * Reads the value at the parser's first token. Malformed JSON throws (the caller reports it as
     * such); everything well-formed yields an outcome.
     */
    static Outcome read(JsonParser parser, boolean bindPackages) throws IOException {
        return read(parser, new RecordValidator(bindPackages, null));
    }

    /**
     * Reads a record whose package list was checked before: the list is skipped unread (most of a
     * record's bytes) and {@code checked} taken as its fingerprint and size; every other field is checked.
     */
    static Outcome readChecked(JsonParser parser, CheckedPackages checked) throws IOException {
        return read(parser, new RecordValidator(false, checked));
    }

    private static Outcome read(JsonParser parser, RecordValidator reader) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            if (parser.currentToken() == null) {
                throw new IOException("empty input");
            }
            parser.skipChildren();
            return new Outcome(null, 0, 0, List.of(new FieldError("$", "a record must be a JSON object")), false, null, false);
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            JsonToken token = parser.nextToken();
            reader.capture(name, token, parser);
        }
        return reader.check();
    }

    private void capture(String name, JsonToken token, JsonParser parser) throws IOException {
        if ("packages".equals(name) || IMPORTS.equals(name)) {
            if (packagesToken != null) {
                repeated(name, parser);
                return;
            }
            packagesToken = token;
            listName = name;
            if (token != JsonToken.START_ARRAY) {
                parser.skipChildren();
                return;
            }
            long start = parser.currentTokenLocation().getByteOffset();
            if (checked != null) {
                parser.skipChildren();
                packageCount = checked.count();
                environmentId = checked.environmentId();
            } else {
                readPackages(parser);
            }
            if (start >= 0) {
                packagesSpan = new Span((int) start, (int) parser.currentTokenLocation().getByteOffset() + 1);
            }
            return;
        }
        Field field = field(name);
        if (field == null) {
            parser.skipChildren();
            return;
        }
        if (tokens[field.ordinal()] != null) {
            repeated(name, parser);
            return;
        }
        tokens[field.ordinal()] = token;
        values[field.ordinal()] = switch (token) {
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
            default -> {
                parser.skipChildren();
                yield null;
            }
        };
    }

    /**
     * A field of the schema given twice makes the record ambiguous (readers differ on which value
     * wins), so it is refused. Checked here for the schema's fields only, by the slot already filled:
     * the parser's own check kept a set of every object's names, a twelfth of the aggregator's CPU.
     * Unknown fields are skipped, so a repeated one changes nothing.
     */
    private void repeated(String name, JsonParser parser) throws IOException {
        error(name, "appears more than once");
        parser.skipChildren();
    }

    private static Field field(String name) {
        return FIELDS_BY_NAME.get(name);
    }

    /**
     * The hot loop (hundreds of pairs per record). Names and versions are checked and hashed into the
     * environment's fingerprint straight from the parser's character buffer; strings are made only
     * when the packages are to be bound.
     */
    private void readPackages(JsonParser parser) throws IOException {
        packages = bindPackages ? new ArrayList<>() : null;
        long fingerprint = 0;
        int index = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken(), index++) {
            if (index >= MAX_PACKAGES || token != JsonToken.START_ARRAY) {
                parser.skipChildren();
                if (index < MAX_PACKAGES) {
                    error(listName + "[" + index + "]", "must be a [name, version] pair of strings");
                }
                continue;
            }
            long hash = EnvironmentFingerprint.start();
            String name = null;
            String version = null;
            int elements = 0;
            boolean strings = true;
            for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken(), elements++) {
                if (element != JsonToken.VALUE_STRING) {
                    strings = false;
                    parser.skipChildren();
                    continue;
                }
                char[] chars = parser.getTextCharacters();
                int offset = parser.getTextOffset();
                int length = parser.getTextLength();
                if (elements == 0) {
                    if (length > MAX_PACKAGE_NAME_LENGTH || !PackageNames.isNormalised(chars, offset, length)) {
                        error(listName + "[" + index + "][0]", "must be a name normalised as PEP 503 says, at most "
                                + MAX_PACKAGE_NAME_LENGTH + " characters");
                    }
                    hash = EnvironmentFingerprint.separate(EnvironmentFingerprint.add(hash, chars, offset, length));
                    name = bindPackages ? new String(chars, offset, length) : null;
                } else if (elements == 1) {
                    if (length > MAX_VERSION_LENGTH || Utf8Text.hasDeceptiveCharacter(chars, offset, length)) {
                        error(listName + "[" + index + "][1]", "must be at most " + MAX_VERSION_LENGTH + " printable characters");
                    }
                    hash = EnvironmentFingerprint.add(hash, chars, offset, length);
                    version = bindPackages ? new String(chars, offset, length) : null;
                }
            }
            if (!strings || elements != 2) {
                error(listName + "[" + index + "]", "must be a [name, version] pair of strings");
                continue;
            }
            fingerprint += EnvironmentFingerprint.pair(hash);
            if (bindPackages) {
                packages.add(new InstalledPackage(name, version));
            }
        }
        packageCount = index;
        environmentId = EnvironmentFingerprint.finish(fingerprint);
    }

    private Outcome check() {
        JsonToken schema = tokens[Field.SCHEMA.ordinal()];
        if (schema != JsonToken.VALUE_NUMBER_INT || !(values[Field.SCHEMA.ordinal()] instanceof Integer version)
                || version != StartupRecord.SCHEMA_VERSION) {
            error("schema", "must be " + StartupRecord.SCHEMA_VERSION);
        }
        String kind = string(Field.KIND, false, 16, null, null);
        boolean imports = IMPORTS.equals(kind);
        if (kind != null && !imports) {
            error("kind", "must be " + IMPORTS + " or absent");
        }
        boolean start = !imports;
        String eventId = string(Field.EVENT_ID, true, 32, EVENT_ID, "32 lower-case hex digits");
        Double ts = number(Field.TS, true, MIN_TS, MAX_TS);
        String user = string(Field.USER, true, MAX_NAME_LENGTH, null, null);
        String host = string(Field.HOST, true, MAX_NAME_LENGTH, null, null);
        Long pid = integer(Field.PID, 0, Integer.MAX_VALUE);
        String python = string(Field.PYTHON, true, 32, PYTHON_VERSION, "a version such as 3.11.7");
        String impl = string(Field.IMPL, start, 32, null, null);
        String executable = string(Field.EXECUTABLE, start, MAX_PATH_LENGTH, null, null);
        String base = string(Field.BASE, true, 64, null, null);
        String prefix = string(Field.PREFIX, true, MAX_PATH_LENGTH, null, null);
        Boolean venv = bool(Field.VENV, true);
        Double startupMs = number(Field.STARTUP_MS, false, 0, MAX_STARTUP_MS);
        String entry = string(Field.ENTRY, false, MAX_NAME_LENGTH, null, null);
        Boolean ci = bool(Field.CI, start);
        Boolean interactive = bool(Field.INTERACTIVE, start);
        Boolean truncated = bool(Field.TRUNCATED, false);
        // Set by the collector; checked so that a record that says otherwise is refused, not mis-bound.
        Double receivedAt = number(Field.RECEIVED_AT, false, MIN_TS, MAX_TS);
        String sourceIp = string(Field.SOURCE_IP, false, 64, null, null);
        String expectedList = imports ? IMPORTS : "packages";
        if (packagesToken != JsonToken.START_ARRAY || !expectedList.equals(listName)) {
            error(expectedList, "must be an array of [name, version] pairs");
        } else if (packageCount > MAX_PACKAGES) {
            error(expectedList, "has " + packageCount + " entries, at most " + MAX_PACKAGES + " allowed");
        }
        boolean collectorFields = tokens[Field.RECEIVED_AT.ordinal()] != null || tokens[Field.SOURCE_IP.ordinal()] != null;
        if (!errors.isEmpty()) {
            return new Outcome(null, 0, 0, List.copyOf(errors), collectorFields, null, imports);
        }
        return new Outcome(new StartupRecord(StartupRecord.SCHEMA_VERSION, eventId, ts, user, host, pid, python, impl == null ? "" : impl,
                executable == null ? "" : executable, base, prefix, venv, startupMs, entry, ci != null && ci, interactive != null && interactive,
                packages == null ? null : List.copyOf(packages), truncated, receivedAt, sourceIp), environmentId, packageCount, List.of(),
                collectorFields, packagesSpan, imports);
    }

    private String string(Field field, boolean required, int maxLength, Pattern pattern, String patternText) {
        JsonToken token = tokens[field.ordinal()];
        if (absent(token)) {
            if (required) {
                error(field.json, "is required");
            }
            return null;
        }
        String value = token == JsonToken.VALUE_STRING ? (String) values[field.ordinal()] : null;
        if (value == null) {
            error(field.json, "must be a string");
        } else if (required && value.isEmpty()) {
            error(field.json, "must not be empty");
        } else if (value.length() > maxLength) {
            error(field.json, "must be at most " + maxLength + " characters");
        } else if (Utf8Text.hasDeceptiveCharacter(value)) {
            error(field.json, "must not contain control, invisible or direction-changing characters");
        } else if (pattern != null && !pattern.matcher(value).matches()) {
            error(field.json, "must be " + patternText);
        }
        return value;
    }

    private Double number(Field field, boolean required, double min, double max) {
        JsonToken token = tokens[field.ordinal()];
        if (absent(token)) {
            if (required) {
                error(field.json, "is required");
            }
            return null;
        }
        Object value = values[field.ordinal()];
        if (!(value instanceof Integer || value instanceof Long || value instanceof Double)) {
            error(field.json, "must be a number");
            return null;
        }
        double number = ((Number) value).doubleValue();
        if (!(number >= min && number <= max)) {
            error(field.json, "must be between " + min + " and " + max);
        }
        return number;
    }

    private Long integer(Field field, long min, long max) {
        JsonToken token = tokens[field.ordinal()];
        Object value = values[field.ordinal()];
        if (absent(token)) {
            error(field.json, "is required");
            return null;
        }
        if (!(value instanceof Integer || value instanceof Long)) {
            error(field.json, "must be an integer");
            return null;
        }
        long number = ((Number) value).longValue();
        if (number < min || number > max) {
            error(field.json, "must be between " + min + " and " + max);
        }
        return number;
    }

    private Boolean bool(Field field, boolean required) {
        JsonToken token = tokens[field.ordinal()];
        if (absent(token)) {
            if (required) {
                error(field.json, "is required");
            }
            return null;
        }
        if (token != JsonToken.VALUE_TRUE && token != JsonToken.VALUE_FALSE) {
            error(field.json, "must be true or false");
            return null;
        }
        return token == JsonToken.VALUE_TRUE;
    }

    private static boolean absent(JsonToken token) {
        return token == null || token == JsonToken.VALUE_NULL;
    }

    private void error(String field, String message) {
        errors.add(new FieldError(field, message));
    }
}
