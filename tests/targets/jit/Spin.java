// A JVM target for JIT frames: the main thread spins in hotSpinner, which
// HotSpot compiles (named in /tmp/perf-PID.map after
// `jcmd PID Compiler.perfmap`). Run as a single source file (JDK 11+).
public class Spin {
    static long hotSpinner(long n) {
        long s = 0;
        for (long i = 0; i < n; i++) {
            s = (s + i * 7) % 1000003;
        }
        return s;
    }

    public static void main(String[] args) {
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        long t = 0;
        for (;;) {
            t += hotSpinner(1000000);
        }
    }
}
