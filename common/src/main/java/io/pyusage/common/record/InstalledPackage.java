package io.pyusage.common.record;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** One installed distribution, written on the wire as a {@code [name, version]} pair. */
@JsonFormat(shape = JsonFormat.Shape.ARRAY)
@JsonPropertyOrder({"name", "version"})
public record InstalledPackage(String name, String version) {
}
