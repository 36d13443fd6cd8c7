package dev.spawnring.cli.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@link Inputs} GNU parallel's input options make: linked sources ({@code :::+},
 * {@code --link}), columns ({@code --colsep}), several inputs per job ({@code -n}, {@code -N},
 * {@code -m}, {@code -X}).
 */
final class MoreInputs {
    private MoreInputs() {
    }

    /**
     * Sources linked together: the k-th job of a group takes the k-th value of each of its
     * sources. With {@code wrap} ({@code --link}) the group is as long as its longest source and
     * the shorter ones start again; without it ({@code :::+}) as long as its shortest.
     *
     * @param sources the values of each source
     * @param wrap    whether shorter sources wrap around
     */
    record Group(List<List<byte[]>> sources, boolean wrap) {
        long length() {
            long n = wrap ? 0 : Long.MAX_VALUE;
            for (List<byte[]> s : sources) {
                n = wrap ? Math.max(n, s.size()) : Math.min(n, s.size());
            }
            return sources.isEmpty() ? 0 : n;
        }

        void values(long k, List<byte[]> into) {
            for (List<byte[]> s : sources) {
                into.add(s.get((int) (k % s.size())));
            }
        }
    }

    /** The cartesian product of groups of linked sources, the first group varying slowest. */
    static final class Product implements Inputs {
        private final List<Group> groups;
        private final long total;
        private final int sources;
        private long next;

        Product(List<Group> groups) {
            this.groups = List.copyOf(groups);
            long t = 1;
            int n = 0;
            for (Group g : this.groups) {
                long l = g.length();
                t = l == 0 ? 0 : (t > Long.MAX_VALUE / l ? Long.MAX_VALUE : t * l);
                n += g.sources().size();
            }
            this.total = t;
            this.sources = n;
        }

        @Override
        public List<byte[]> next() {
            if (next >= total) {
                return null;
            }
            long[] index = new long[groups.size()];
            long rest = next++;
            for (int i = groups.size() - 1; i >= 0; i--) {
                long l = groups.get(i).length();
                index[i] = rest % l;
                rest /= l;
            }
            List<byte[]> values = new ArrayList<>(sources);
            for (int i = 0; i < groups.size(); i++) {
                groups.get(i).values(index[i], values);
            }
            return values;
        }

        @Override
        public long total() {
            return total;
        }

        @Override
        public int sources() {
            return sources;
        }
    }

    /**
     * {@code --colsep REGEX}: each value split into columns, each column an input of its own
     * ({@code {1}}, {@code {2}}, ...). The regular expression is Java's, matched over the bytes
     * read as Latin-1 (so every byte is one char and comes back as it was); trailing empty
     * columns are dropped, as Perl's {@code split} drops them.
     */
    static final class Columns implements Inputs {
        private final Inputs inner;
        private final Pattern separator;

        Columns(Inputs inner, Pattern separator) {
            this.inner = inner;
            this.separator = separator;
        }

        /** @return {@code value}'s columns */
        static List<byte[]> split(byte[] value, Pattern separator) {
            List<byte[]> columns = new ArrayList<>();
            for (String c : separator.split(new String(value, StandardCharsets.ISO_8859_1))) {
                columns.add(c.getBytes(StandardCharsets.ISO_8859_1));
            }
            return columns;
        }

        @Override
        public List<byte[]> next() throws IOException {
            List<byte[]> values = inner.next();
            if (values == null) {
                return null;
            }
            List<byte[]> columns = new ArrayList<>();
            for (byte[] v : values) {
                columns.addAll(split(v, separator));
            }
            return columns;
        }

        @Override
        public long total() {
            return inner.total();
        }

        @Override
        public int sources() {
            return inner.sources();
        }
    }

    /**
     * Several inputs per job: {@code -n N} / {@code -N N} take N inputs (the last job may have
     * fewer), {@code -m} / {@code -X} as many as keep the values under {@code maxBytes}. A job's
     * values are its inputs' values one after the other.
     */
    static final class Several implements Inputs {
        private final Inputs inner;
        private final int count;
        private final long maxBytes;
        private List<byte[]> pending;

        /**
         * @param count    inputs per job at most
         * @param maxBytes the values' bytes per job at most (one input is always taken)
         */
        Several(Inputs inner, int count, long maxBytes) {
            this.inner = inner;
            this.count = count;
            this.maxBytes = maxBytes;
        }

        @Override
        public List<byte[]> next() throws IOException {
            List<byte[]> values = new ArrayList<>();
            long bytes = 0;
            for (int n = 0; n < count; n++) {
                List<byte[]> in = pending != null ? pending : inner.next();
                pending = null;
                if (in == null) {
                    break;
                }
                long size = 0;
                for (byte[] v : in) {
                    size += v.length + 1;
                }
                if (n > 0 && bytes + size > maxBytes) {
                    pending = in;
                    break;
                }
                bytes += size;
                values.addAll(in);
            }
            return values.isEmpty() ? null : values;
        }

        @Override
        public long total() {
            long t = inner.total();
            return t < 0 || count == Integer.MAX_VALUE ? -1 : (t + count - 1) / count;
        }

        @Override
        public int sources() {
            return inner.sources();
        }
    }

    /** @return {@code in}'s items, split at {@code separator} as {@link Inputs#lines} splits them */
    static List<byte[]> readAll(Inputs in) throws IOException {
        List<byte[]> items = new ArrayList<>();
        for (List<byte[]> v; (v = in.next()) != null; ) {
            items.add(v.get(0));
        }
        return items;
    }

    /** @return a copy of {@code list} without its first element */
    static List<byte[]> rest(List<byte[]> list) {
        return list.isEmpty() ? list : new ArrayList<>(list.subList(1, list.size()));
    }

    /** @return the first element, or an empty value */
    static byte[] first(List<byte[]> list) {
        return list.isEmpty() ? new byte[0] : Arrays.copyOf(list.get(0), list.get(0).length);
    }
}
