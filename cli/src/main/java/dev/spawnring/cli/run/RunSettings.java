package dev.spawnring.cli.run;

import dev.spawnring.Command;
import dev.spawnring.Signal;
import dev.spawnring.Stdio;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code spawnring run} was asked for, and the {@link Command} each job gets from it:
 * stdin {@code /dev/null}; stdout and stderr into memfds, printed whole when the job ends (pipes,
 * read line by line, with {@code --line-buffer}); a cgroup of its own unless {@code --no-tree} (its
 * whole tree, daemons included, is killed when the job exits, times out or is halted; where no
 * cgroup can be had, its process group); SIGKILL should the runner die; the timeout.
 *
 * @param template   the command template
 * @param jobs       jobs in flight at most (already resolved: never 0)
 * @param timeout    per-job timeout, or null
 * @param grace      between SIGTERM and SIGKILL, for timeouts and {@code --halt now}
 * @param tries      how many times a job runs at most while it fails (GNU parallel's {@code --retries};
 *                   {@link Integer#MAX_VALUE}: until it succeeds)
 * @param halt       when to stop
 * @param keepOrder  print in input order
 * @param lineBuffer print whole lines as they come
 * @param extras     GNU parallel's output and job options ({@link JobOptions})
 * @param tree       each job in a cgroup of its own
 */
record RunSettings(Template template, int jobs, Duration timeout, Duration grace, int tries, Halt halt,
        boolean keepOrder, boolean lineBuffer, Extras extras, boolean tree) {
    /**
     * @param argv     the job's filled template
     * @param programs where {@code argv[0]} is looked up once per name
     * @param seq      the job's number, {@code $PARALLEL_SEQ}
     * @param slot     the job's slot, {@code $PARALLEL_JOBSLOT}
     * @param stdin    the file the job reads ({@code --pipe}), or null for {@code /dev/null}
     * @return what the job runs
     */
    Command command(List<byte[]> argv, Programs programs, long seq, int slot, java.nio.file.Path stdin) {
        byte[] program = argv.get(0);
        byte[] path = programs.resolve(program);
        Command c;
        if (Programs.same(program, path)) {
            c = Command.ofBytes(argv);
        } else {
            // Programs looks up only names that are text, so argv0 takes the name as a string.
            List<byte[]> resolved = new ArrayList<>(argv);
            resolved.set(0, path);
            c = Command.ofBytes(resolved).argv0(Bytes.text(program));
        }
        c = c.env("PARALLEL_SEQ", Long.toString(seq)).env("PARALLEL_JOBSLOT", Integer.toString(slot));
        c = c.stdin(stdin != null ? Stdio.from(stdin) : Stdio.discard());
        if (extras.inherit()) {
            c = c.stdout(Stdio.inherit()).stderr(Stdio.inherit());
        } else if (extras.pumped(lineBuffer)) {
            c = c.stdout(Stdio.pipe()).stderr(Stdio.pipe());
        } else {
            c = c.stdout(Stdio.memfd()).stderr(Stdio.memfd());
        }
        if (tree) {
            c = c.inNewCgroup();
        }
        c = c.killProcessGroupOnExit().parentDeathSignal(Signal.SIGKILL);
        return timeout != null ? c.timeout(timeout, grace) : c;
    }
}
