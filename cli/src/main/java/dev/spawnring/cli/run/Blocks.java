package dev.spawnring.cli.run;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --pipe}: stdin split into blocks of whole records, one block per job, the block as the
 * job's only input value. A block is at most {@code --block} bytes, cut after the last record
 * end ({@code --recend}) inside it (a record longer than that is one block), or, with
 * {@code -N}, that many records: GNU parallel's way. Each block reaches its job as a file
 * ({@link #write}) the job gets as its stdin and whose name is removed once the job runs, so
 * no thread writes to any job.
 */
final class Blocks implements Inputs {
    private final InputStream in;
    private final long size;
    private final int records;
    private final byte[] recend;
    private byte[] buf = new byte[64 * 1024];
    private int length;
    private boolean eof;
    private long returned;
    private volatile long total = -1;

    /**
     * @param size    block size in bytes
     * @param records records per block ({@code -N}), or 0 to cut by size
     * @param recend  what ends a record, not empty
     */
    Blocks(InputStream in, long size, int records, byte[] recend) {
        this.in = in;
        this.size = size;
        this.records = records;
        this.recend = recend.clone();
    }

    @Override
    public List<byte[]> next() throws IOException {
        int cut = -1;
        while (cut < 0) {
            cut = records > 0 ? afterRecords() : bySize();
            if (cut < 0 && !fill()) {
                cut = length; // the end of the input: what is left is the last block
            }
        }
        if (cut == 0) {
            total = returned;
            return null;
        }
        byte[] block = Arrays.copyOf(buf, cut);
        System.arraycopy(buf, cut, buf, 0, length - cut);
        length -= cut;
        returned++;
        return List.of(block);
    }

    /** @return where the block ends, or -1 when more must be read */
    private int bySize() {
        if (length < size + recend.length && !eof) {
            return -1;
        }
        int last = -1;
        for (int i = 0; i + recend.length <= Math.min(length, size); i++) {
            if (matches(i)) {
                last = i + recend.length;
            }
        }
        if (last > 0) {
            return last;
        }
        for (int i = (int) Math.min(length, size); i + recend.length <= length; i++) { // one long record
            if (matches(i)) {
                return i + recend.length;
            }
        }
        return -1;
    }

    /** @return where the {@code -N}-th record ends, or -1 when more must be read */
    private int afterRecords() {
        int found = 0;
        for (int i = 0; i + recend.length <= length; i++) {
            if (matches(i)) {
                i += recend.length - 1;
                if (++found == records) {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    private boolean matches(int at) {
        for (int j = 0; j < recend.length; j++) {
            if (buf[at + j] != recend[j]) {
                return false;
            }
        }
        return true;
    }

    /** @return false at the end of the input */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (length == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        int n = in.read(buf, length, buf.length - length);
        if (n < 0) {
            eof = true;
            return true; // look again with eof set: a short last block is cut then
        }
        length += n;
        return true;
    }

    @Override
    public long total() {
        return total;
    }

    @Override
    public int sources() {
        return 1;
    }

    /** @return a new file in {@code $TMPDIR} (else {@code /tmp}) holding {@code block} */
    static Path write(byte[] block) throws IOException {
        String tmp = System.getenv("TMPDIR");
        Path f = Files.createTempFile(Path.of(tmp == null || tmp.isEmpty() ? "/tmp" : tmp), "spawnring-pipe-", "");
        Files.write(f, block);
        return f;
    }

    /** Removes a block's file name (a job that has it open keeps reading it). */
    static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            // a file left in $TMPDIR: nothing else to do
        }
    }
}
