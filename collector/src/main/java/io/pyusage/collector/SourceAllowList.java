package io.pyusage.collector;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The networks records may come from, as a list of CIDR blocks ({@code 10.0.0.0/8, ::1/128}).
 * An empty list allows every sender. Only literal addresses are accepted, so that parsing never
 * resolves a name.
 */
public final class SourceAllowList {

    private static final SourceAllowList ANYONE = new SourceAllowList(List.of());

    private final List<Block> blocks;

    private SourceAllowList(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    public static SourceAllowList anyone() {
        return ANYONE;
    }

    /**
     * Parses a comma- or space-separated list of CIDR blocks; a bare address means that one host.
     *
     * @throws IllegalArgumentException naming the first entry that is not a CIDR block
     */
    public static SourceAllowList parse(String list) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : list.split("[,\\s]+")) {
            if (!entry.isEmpty()) {
                blocks.add(Block.parse(entry));
            }
        }
        return new SourceAllowList(blocks);
    }

    public boolean allowsEveryone() {
        return blocks.isEmpty();
    }

    /** True when {@code address} (a literal IPv4 or IPv6 address) lies in one of the blocks. */
    public boolean allows(String address) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] bytes = literal(address);
        if (bytes == null) {
            return false;
        }
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "any" : String.join(",", blocks.stream().map(Block::text).toList());
    }

    /** The address bytes, IPv4-mapped IPv6 addresses folded to IPv4; null when not a literal address. */
    private static byte[] literal(String address) {
        String text = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        // InetAddress.getByName resolves names and accepts short IPv4 forms ("10.1"); only hand it
        // an IPv6 literal or a dotted quad.
        if (!(text.contains(":") || text.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            return null;
        }
        try {
            byte[] bytes = InetAddress.getByName(text).getAddress();
            if (bytes.length == 16 && isIpv4Mapped(bytes)) {
                return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
            }
            return bytes;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private record Block(String text, byte[] network, int prefixBits) {

        static Block parse(String entry) {
            int slash = entry.indexOf('/');
            String address = slash < 0 ? entry : entry.substring(0, slash);
            byte[] network = literal(address);
            if (network == null) {
                throw new IllegalArgumentException(entry + " is not a CIDR block (like 10.0.0.0/8 or fd00::/8)");
            }
            int maxBits = network.length * 8;
            int bits;
            try {
                bits = slash < 0 ? maxBits : Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(entry + " has no valid prefix length");
            }
            if (bits < 0 || bits > maxBits) {
                throw new IllegalArgumentException(entry + " has a prefix length outside 0.." + maxBits);
            }
            return new Block(entry, network, bits);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }
}
