/* `jbox kill` without the JVM (kill_fast.c, PROTOCOL.md "kill without the JVM"). */
#ifndef JBOX_KILL_FAST_H
#define JBOX_KILL_FAST_H

/* A signal as Signals.parse reads it: a name in any case, with or without SIG (HUP ... SYS), or
 * 1-64 written plainly; -1 for anything else (the JVM judges it). */
int kill_signal_parse(const char *s);

/* `kill [-s SIG | --signal SIG | --signal=SIG]... SANDBOX` (argv after `kill`), as FastArgs parses
 * it (the last signal wins, default KILL); exactly one SANDBOX. 0, or -1 for any other form. */
struct kill_call {
  int sig;
  const char *ref;
};
int kill_call_parse(int argc, char **argv, struct kill_call *c);

/* The launcher: signals the running sandbox as SandboxService.kill does (a pidfd of its pid 1,
 * checked against the recorded start time) and prints its name as given; returns 0 then. -1 (and
 * nothing done) whenever the JVM must decide: another form, a configuration file with settings,
 * a sandbox not found or ambiguous, not running, with a restart policy, a failed signal. */
int kill_fast(int argc, char **argv);
#endif
