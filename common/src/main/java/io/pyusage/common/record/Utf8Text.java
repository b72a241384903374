package io.pyusage.common.record;

/**
 * Strict checks of record text. Bytes must be well-formed UTF-8 (RFC 3629: no overlong forms, no
 * encoded surrogates, nothing above U+10FFFF) with no raw control byte but JSON's whitespace, which
 * also refuses UTF-16 and UTF-32 (every ASCII character there comes with a zero byte). The
 * collector forwards a record's bytes as they came, so whatever it accepts must read back the same
 * in the aggregator, in Kafka tools and in ClickHouse.
 */
public final class Utf8Text {

    private Utf8Text() {
    }

    /** The index of the first byte that breaks the rules in {@code bytes[offset, offset + length)}, or -1. */
    public static int firstInvalid(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                    return i;
                }
                i++;
                continue;
            }
            int size;
            int min;
            int max = 0xbf;
            if (b >= 0xc2 && b <= 0xdf) {
                size = 2;
                min = 0x80;
            } else if (b >= 0xe0 && b <= 0xef) {
                size = 3;
                min = b == 0xe0 ? 0xa0 : 0x80; // E0 80..9F would be overlong
                max = b == 0xed ? 0x9f : 0xbf; // ED A0..BF would be a surrogate
            } else if (b >= 0xf0 && b <= 0xf4) {
                size = 4;
                min = b == 0xf0 ? 0x90 : 0x80; // F0 80..8F would be overlong
                max = b == 0xf4 ? 0x8f : 0xbf; // F4 90.. would be above U+10FFFF
            } else {
                return i; // a continuation byte first, C0/C1 (overlong), or F5..FF
            }
            if (i + size > end) {
                return i;
            }
            int second = bytes[i + 1] & 0xff;
            if (second < min || second > max) {
                return i;
            }
            for (int k = 2; k < size; k++) {
                if ((bytes[i + k] & 0xc0) != 0x80) {
                    return i;
                }
            }
            i += size;
        }
        return -1;
    }

    /**
     * True when {@code text} holds a character that would make it show as other text or not show at
     * all: controls (C0, DEL, C1), format characters (zero-width spaces and joiners, direction
     * overrides and isolates, soft hyphen, BOM), line and paragraph separators, a lone surrogate
     * (from a JSON {@code \\uD800} escape), or a noncharacter.
     */
    public static boolean hasDeceptiveCharacter(char[] chars, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            char c = chars[i];
            if (c < 0x80) {
                if (c < 0x20 || c == 0x7f) {
                    return true;
                }
                continue;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= end || !Character.isLowSurrogate(chars[i + 1])) {
                    return true;
                }
                int codePoint = Character.toCodePoint(c, chars[++i]);
                if (refused(codePoint)) {
                    return true;
                }
            } else if (Character.isLowSurrogate(c) || refused(c)) {
                return true;
            }
        }
        return false;
    }

    public static boolean hasDeceptiveCharacter(String text) {
        return hasDeceptiveCharacter(text.toCharArray(), 0, text.length());
    }

    private static boolean refused(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || (codePoint & 0xfffe) == 0xfffe || (codePoint >= 0xfdd0 && codePoint <= 0xfdef);
    }
}
