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
 * @param retries    how many more times a failed job runs
 * @param halt       when to stop
 * @param keepOrder  print in input order
 * @param lineBuffer print whole lines as they come
 * @param tree       each job in a cgroup of its own
 */
record RunSettings(Template template, int jobs, Duration timeout, Duration grace, int retries, Halt halt,
        boolean keepOrder, boolean lineBuffer, boolean tree) {
    /**
     * @param argv     the job's filled template
     * @param programs where {@code argv[0]} is looked up once per name
     * @return what the job runs
     */
    Command command(List<byte[]> argv, Programs programs) {
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
        c = c.stdin(Stdio.discard());
        c = lineBuffer ? c.stdout(Stdio.pipe()).stderr(Stdio.pipe()) : c.stdout(Stdio.memfd()).stderr(Stdio.memfd());
        if (tree) {
            c = c.inNewCgroup();
        }
        c = c.killProcessGroupOnExit().parentDeathSignal(Signal.SIGKILL);
        return timeout != null ? c.timeout(timeout, grace) : c;
    }
}
