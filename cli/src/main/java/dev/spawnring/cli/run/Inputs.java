package dev.spawnring.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * Where jobs come from: one list of input values per job, read lazily so a long input is
 * never held whole. Used by one thread at a time (a dispatcher, under the runner's lock); {@link #total()} may be read by others.
 */
interface Inputs {
    /**
     * @return the next job's input values (one per input source, as bytes), or null when there are no more
     * @throws IOException when reading stdin fails
     */
    List<byte[]> next() throws IOException;

    /** @return how many jobs there are in all, or -1 while that is not known yet */
    long total();

    /** @return how many input sources each job has a value from */
    int sources();

    /** @return the inputs of {@code :::} lists: their cartesian product, the first list varying slowest */
    static Inputs of(List<List<byte[]>> lists) {
        return new Product(lists);
    }

    /**
     * @return the items of {@code in}, one per line, or NUL-separated with {@code nul}; a last
     *         item without its separator counts, an empty one after the last separator does not
     */
    static Inputs lines(InputStream in, boolean nul) {
        return new Stream(in, nul ? (byte) 0 : (byte) '\n');
    }

    /** The cartesian product of {@code :::} lists, computed from a counter. */
    final class Product implements Inputs {
        private final List<List<byte[]>> lists;
        private final long total;
        private long next;

        Product(List<List<byte[]>> lists) {
            this.lists = List.copyOf(lists);
            long t = 1;
            for (List<byte[]> l : this.lists) {
                t = l.isEmpty() ? 0 : (t > Long.MAX_VALUE / l.size() ? Long.MAX_VALUE : t * l.size());
            }
            this.total = t;
        }

        @Override
        public List<byte[]> next() {
            if (next >= total) {
                return null;
            }
            byte[][] values = new byte[lists.size()][];
            long rest = next++;
            for (int i = lists.size() - 1; i >= 0; i--) {
                List<byte[]> l = lists.get(i);
                values[i] = l.get((int) (rest % l.size()));
                rest /= l.size();
            }
            return Arrays.asList(values);
        }

        @Override
        public long total() {
            return total;
        }

        @Override
        public int sources() {
            return lists.size();
        }
    }

    /**
     * Items of a byte stream split at a separator, kept as the bytes they are. Reads ahead (up to
     * {@link #LOOKAHEAD} items) only what the stream has ready without blocking, so the total
     * becomes known early for short inputs and a slow producer never delays the first jobs.
     */
    final class Stream implements Inputs {
        /** Items read ahead at most. */
        static final int LOOKAHEAD = 4096;

        private final InputStream in;
        private final byte separator;
        private final byte[] chunk = new byte[64 * 1024];
        private final ArrayDeque<byte[]> ahead = new ArrayDeque<>();
        private byte[] partial = new byte[256];
        private int partialLength;
        private boolean eof;
        private long returned;
        private volatile long total = -1;

        Stream(InputStream in, byte separator) {
            this.in = in;
            this.separator = separator;
        }

        @Override
        public List<byte[]> next() throws IOException {
            while (ahead.isEmpty() && !eof) {
                fill();
            }
            while (!eof && ahead.size() < LOOKAHEAD && in.available() > 0) {
                fill();
            }
            byte[] item = ahead.poll();
            if (item == null) {
                return null;
            }
            returned++;
            return List.of(item);
        }

        private void fill() throws IOException {
            int n = in.read(chunk);
            if (n < 0) {
                eof = true;
                if (partialLength > 0) {
                    emit();
                }
                total = returned + ahead.size();
                return;
            }
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (chunk[i] == separator) {
                    append(start, i - start);
                    emit();
                    start = i + 1;
                }
            }
            append(start, n - start);
        }

        private void append(int from, int length) {
            if (partialLength + length > partial.length) {
                partial = Arrays.copyOf(partial, Math.max(partial.length * 2, partialLength + length));
            }
            System.arraycopy(chunk, from, partial, partialLength, length);
            partialLength += length;
        }

        private void emit() {
            ahead.add(Arrays.copyOf(partial, partialLength));
            partialLength = 0;
            if (partial.length > 64 * 1024) {
                partial = new byte[256];
            }
        }

        @Override
        public long total() {
            return total;
        }

        @Override
        public int sources() {
            return 1;
        }
    }
}
