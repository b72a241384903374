package io.pyusage.common.record;

/** Why one field of a record was rejected; {@code field} is a JSON path such as {@code packages[3][0]}. */
public record FieldError(String field, String message) {
}
