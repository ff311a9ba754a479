/*
 * The native step launcher: the Perl launcher's protocol (see perl-launcher-script.ts), in C, with
 * posix_spawn instead of fork. posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) neither copies the
 * launcher's page tables nor tears the copy down at exec, which is most of what a fork costs; GNU
 * make starts its recipes the same way. Compiled on first use by native-launcher-build.ts when a C
 * compiler is there; conveyor falls back to the Perl launcher otherwise.
 *
 * Waiting never races: SIGCHLD is blocked except inside ppoll(), which unblocks it atomically, so a
 * child ending at any moment either interrupts the ppoll() or is found by the waitpid() before it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A growable byte buffer. */
typedef struct {
  char *data;
  size_t len, cap;
} buffer;

static void reserve(buffer *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) {
    fputs("conveyor launcher: out of memory\n", stderr);
    exit(1);
  }
  b->data = data;
  b->cap = cap;
}

static void append(buffer *b, const char *s, size_t n) {
  reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

static void appendf(buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void appendf(buffer *b, const char *format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n > 0) append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void *must(void *p) {
  if (!p) {
    fputs("conveyor launcher: out of memory\n", stderr);
    exit(1);
  }
  return p;
}

/* Lines for Node, sent once per loop pass. */
static buffer outbox;

static void flush_out(void) {
  size_t done = 0;
  while (done < outbox.len) {
    ssize_t n = write(1, outbox.data + done, outbox.len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      exit(1); /* Node is gone: nobody to report to. */
    }
    done += (size_t)n;
  }
  outbox.len = 0;
}

/* In place: `\\`, `\t`, `\n` back to the characters they stand for. */
static char *unescape(char *s) {
  char *from = s, *to = s;
  while (*from) {
    if (*from == '\\' && from[1]) {
      from++;
      *to++ = *from == 't' ? '\t' : *from == 'n' ? '\n' : *from;
      from++;
    } else {
      *to++ = *from++;
    }
  }
  *to = 0;
  return s;
}

static void append_escaped(buffer *b, const char *s, size_t max) {
  for (size_t i = 0; s[i] && i < max; i++) {
    if (s[i] == '\\') append(b, "\\\\", 2);
    else if (s[i] == '\t') append(b, "\\t", 2);
    else if (s[i] == '\n') append(b, "\\n", 2);
    else append(b, s + i, 1);
  }
}

/* The running children: pid to request number. */
typedef struct {
  pid_t pid;
  long n;
} child;
static child *children;
static size_t nchildren, capchildren;

static void add_child(pid_t pid, long n) {
  if (nchildren == capchildren) {
    capchildren = capchildren ? capchildren * 2 : 64;
    children = must(realloc(children, capchildren * sizeof *children));
  }
  children[nchildren].pid = pid;
  children[nchildren].n = n;
  nchildren++;
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (size_t i = 0; i < nchildren; i++) {
      if (children[i].pid != pid) continue;
      if (WIFSIGNALED(status)) appendf(&outbox, "D %ld s %d\n", children[i].n, WTERMSIG(status));
      else appendf(&outbox, "D %ld x %d\n", children[i].n, WEXITSTATUS(status));
      children[i] = children[--nchildren];
      break;
    }
  }
}

static void refuse(long n, const char *what, const char *path, int error) {
  char why[512];
  snprintf(why, sizeof why, "%s%s%s: %s", what, path ? " " : "", path ? path : "", strerror(error));
  appendf(&outbox, "F %ld ", n);
  append_escaped(&outbox, why, 200);
  appendf(&outbox, "\nD %ld x 127\n", n);
}

/* The base environment (message E), as KEY=VALUE strings. */
static char **base_env;
static size_t nbase;
static int durable = -1;
static int devnull = -1;
static sigset_t default_mask;

static char *joined(const char *key, const char *value) {
  size_t k = strlen(key), v = strlen(value);
  char *s = must(malloc(k + v + 2));
  memcpy(s, key, k);
  s[k] = '=';
  memcpy(s + k + 1, value, v + 1);
  return s;
}

static void set_base_env(char **fields, size_t count) {
  for (size_t i = 0; i < nbase; i++) free(base_env[i]);
  free(base_env);
  nbase = 0;
  base_env = must(calloc(count / 2 + 1, sizeof *base_env));
  for (size_t i = 0; i + 1 < count; i += 2) base_env[nbase++] = joined(unescape(fields[i]), unescape(fields[i + 1]));
}

/* When the process started (field 22 of /proc/PID/stat), to tell it later from a reused pid. */
static int start_time(pid_t pid, char *out, size_t size) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return 0;
  stat[n] = 0;
  /* The command name (field 2) may hold spaces and parentheses: count fields after the last ')'. */
  char *p = strrchr(stat, ')');
  if (!p) return 0;
  p += 2;
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (!p) return 0;
  size_t len = strspn(p, "0123456789");
  if (len == 0 || len >= size) return 0;
  memcpy(out, p, len);
  out[len] = 0;
  return 1;
}

/*
 * Where execvp would find `program` (PATH from the step's environment, "/bin:/usr/bin" without one;
 * a relative entry is relative to the step's directory), in `found`; 0 when it would not.
 */
static int find_in_path(const char *program, char **envp, const char *cwd, char *found, size_t size) {
  if (strchr(program, '/')) return snprintf(found, size, "%s", program) < (int)size;
  const char *path = "/bin:/usr/bin";
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    int len = (int)(end - p);
    int n = len == 0 ? snprintf(found, size, "%s/%s", cwd, program)
            : p[0] == '/' ? snprintf(found, size, "%.*s/%s", len, p, program)
                          : snprintf(found, size, "%s/%.*s/%s", cwd, len, p, program);
    if (n > 0 && (size_t)n < size && access(found, X_OK) == 0) return 1;
    if (!*end) return 0;
    p = end;
  }
}

/*
 * Starts argv as execvp would: PATH searched in the step's own environment, from its directory,
 * and a file without a #! line run by /bin/sh. Returns 0 or an errno of the exec.
 */
static int spawn_step(pid_t *pid, char **argv, char **envp, const char *cwd,
                      posix_spawn_file_actions_t *actions, posix_spawnattr_t *attr) {
  /* posix_spawnp looks PATH up in the caller's environment: the step's, for this call. */
  char **saved = environ;
  environ = envp;
  int error = posix_spawnp(pid, argv[0], actions, attr, argv, envp);
  environ = saved;
  if (error != ENOEXEC) return error;
  /* glibc's posix_spawnp no longer falls back to the shell; execvp does, with the file it found. */
  char script[PATH_MAX];
  if (!find_in_path(argv[0], envp, cwd, script, sizeof script)) return error;
  size_t argc = 0;
  while (argv[argc]) argc++;
  char **sh = must(calloc(argc + 2, sizeof *sh));
  sh[0] = "/bin/sh";
  sh[1] = script;
  for (size_t i = 1; i < argc; i++) sh[i + 1] = argv[i];
  error = posix_spawn(pid, "/bin/sh", actions, attr, sh, envp);
  free(sh);
  return error;
}

/*
 * A program that cannot be executed (posix_spawn reports the exec's error, and has reaped the child
 * that tried) is not a setup failure: like a shell, the step says why on its
 * stderr and exits 126, or 127 when there is no such program. A tiny child does exactly that.
 */
static pid_t failing_child(int err_fd, const char *program, int error) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dprintf(err_fd, "conveyor: cannot run %s: %s\n", program, strerror(error));
    _exit(error == ENOENT ? 127 : 126);
  }
  return pid;
}

/* Request R: N CWD MODE STDOUT STDERR RECORD NENV KEY VALUE ... ARGV... */
static void start(char **f, size_t count) {
  long n = count > 1 ? strtol(f[1], NULL, 10) : 0;
  if (count < 9) return refuse(n, "malformed start request", NULL, EINVAL);
  const char *cwd = unescape(f[2]);
  const char *mode = f[3];
  const char *out = unescape(f[4]);
  const char *err = unescape(f[5]);
  const char *record = unescape(f[6]);
  size_t nenv = (size_t)strtoul(f[7], NULL, 10);
  if (8 + 2 * nenv >= count) return refuse(n, "malformed start request", NULL, EINVAL);
  char **argv = f + 8 + 2 * nenv;
  size_t argc = count - 8 - 2 * nenv;
  for (size_t i = 0; i < argc; i++) unescape(argv[i]);

  /* Same checks, in the same order, as the Perl launcher: each is a setup failure (F). */
  int dir = open(cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return refuse(n, "cannot change to directory", cwd, errno);
  close(dir);
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode[0] == 'a' ? O_APPEND : O_TRUNC);
  int o = open(out, flags, 0666);
  if (o < 0) return refuse(n, "cannot open", out, errno);
  int e = o;
  if (err[0]) {
    e = open(err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (e < 0) {
      int why = errno;
      close(o);
      return refuse(n, "cannot open", err, why);
    }
  }

  /* The base environment with the request's variables on top. */
  char **envp = must(calloc(nbase + nenv + 1, sizeof *envp));
  size_t nenvp = 0;
  char **mine = f + 8;
  for (size_t i = 0; i < nenv; i++) unescape(mine[2 * i]), unescape(mine[2 * i + 1]);
  for (size_t i = 0; i < nbase; i++) {
    size_t keylen = strcspn(base_env[i], "=");
    int replaced = 0;
    for (size_t j = 0; j < nenv && !replaced; j++)
      replaced = strlen(mine[2 * j]) == keylen && strncmp(mine[2 * j], base_env[i], keylen) == 0;
    if (!replaced) envp[nenvp++] = base_env[i];
  }
  char **owned = envp + nenvp;
  for (size_t j = 0; j < nenv; j++) envp[nenvp++] = joined(mine[2 * j], mine[2 * j + 1]);
  envp[nenvp] = NULL;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, devnull, 0);
  posix_spawn_file_actions_adddup2(&actions, o, 1);
  posix_spawn_file_actions_adddup2(&actions, e, 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  /* Its own process group, which Node signals as a whole; default dispositions, nothing blocked. */
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &default_mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  pid_t pid = -1;
  int error = spawn_step(&pid, argv, envp, cwd, &actions, &attr);
  if (error != 0 && error != EAGAIN && error != ENOMEM) {
    pid = failing_child(e, argv[0], error);
    if (pid < 0) error = errno;
  }
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  while (owned < envp + nenvp) free(*owned++);
  free(envp);
  if (e != o) close(e);
  close(o);
  if (pid < 0) return refuse(n, "cannot fork", NULL, error);
  /* The child does this too; whichever runs first wins, and the group exists before Node learns
   * the pid, so an early kill(-pid) cannot miss it. */
  setpgid(pid, pid);
  add_child(pid, n);
  char since[32];
  int known = start_time(pid, since, sizeof since);
  /* Written here, not by Node once it hears of the start: a Node killed in between must still leave
   * the journal naming the process it left running. */
  if (record[0] && durable >= 0) {
    buffer line = {0};
    append(&line, record, strlen(record));
    appendf(&line, ",\"pid\":%d", (int)pid);
    if (known) appendf(&line, ",\"process_start\":\"%s\"", since);
    append(&line, "}\n", 2);
    ssize_t written = write(durable, line.data, line.len);
    (void)written; /* As with a full disk: the step runs on; the journal misses its pid. */
    free(line.data);
  }
  if (known) appendf(&outbox, "S %ld %d %s\n", n, (int)pid, since);
  else appendf(&outbox, "S %ld %d\n", n, (int)pid);
}

/* Splits a line on TABs in place; the fields point into the line, and a NULL follows the last
 * (the tail of a request's fields is the argv posix_spawn takes). */
static size_t split(char *line, char ***fields, size_t *cap) {
  size_t count = 0;
  for (char *p = line;;) {
    if (count + 1 >= *cap) {
      *cap = *cap ? *cap * 2 : 64;
      *fields = must(realloc(*fields, *cap * sizeof **fields));
    }
    (*fields)[count++] = p;
    char *tab = strchr(p, '\t');
    if (!tab) {
      (*fields)[count] = NULL;
      break;
    }
    *tab = 0;
    p = tab + 1;
  }
  return count;
}

/* Start requests read in one pass: one fsync of the durable file before the first of them forks. */
static void start_batch(char **batch, size_t nbatch, char ***fields, size_t *capfields) {
  if (nbatch && durable >= 0) fsync(durable);
  for (size_t i = 0; i < nbatch; i++) {
    size_t count = split(batch[i], fields, capfields);
    start(*fields, count);
  }
}

static void on_chld(int signal) { (void)signal; }

int main(void) {
  devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    perror("conveyor launcher: /dev/null");
    return 1;
  }
  /* Node's pipes must not leak into the steps (they get their own 0, 1, 2). */
  for (int fd = 0; fd <= 2; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
  sigemptyset(&default_mask);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);

  buffer inbox = {0};
  char **fields = NULL;
  size_t capfields = 0;
  int eof = 0;
  char **batch = NULL;
  size_t nbatch = 0, capbatch = 0;
  for (;;) {
    reap();
    flush_out();
    if (eof && nchildren == 0) return 0;
    struct pollfd in = {.fd = eof ? -1 : 0, .events = POLLIN};
    int ready = ppoll(&in, 1, NULL, &default_mask);
    if (ready <= 0 || eof || !(in.revents & (POLLIN | POLLHUP | POLLERR))) continue;
    reserve(&inbox, 65536);
    ssize_t got = read(0, inbox.data + inbox.len, 65536);
    if (got < 0) {
      if (errno != EINTR && errno != EAGAIN) eof = 1;
      continue;
    }
    if (got == 0) {
      eof = 1;
      continue;
    }
    inbox.len += (size_t)got;
    size_t from = 0;
    nbatch = 0;
    char *nl;
    while ((nl = memchr(inbox.data + from, '\n', inbox.len - from))) {
      *nl = 0;
      char *line = inbox.data + from;
      from = (size_t)(nl - inbox.data) + 1;
      if (line[0] == 'R') {
        if (nbatch == capbatch) {
          capbatch = capbatch ? capbatch * 2 : 64;
          batch = must(realloc(batch, capbatch * sizeof *batch));
        }
        batch[nbatch++] = line;
        continue;
      }
      /* Other messages apply to the requests after them only. */
      start_batch(batch, nbatch, &fields, &capfields);
      nbatch = 0;
      size_t count = split(line, &fields, &capfields);
      if (line[0] == 'J' && count >= 2) {
        if (durable >= 0) close(durable);
        durable = open(unescape(fields[1]), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
      } else if (line[0] == 'E') {
        set_base_env(fields + 1, count - 1);
      }
    }
    start_batch(batch, nbatch, &fields, &capfields);
    nbatch = 0;
    memmove(inbox.data, inbox.data + from, inbox.len - from);
    inbox.len -= from;
  }
}
