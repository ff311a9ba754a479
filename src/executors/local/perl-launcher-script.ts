// The Perl helper of HelperLauncher, run as `perl -e PERL_LAUNCHER_SCRIPT` (why a helper: see
// helper-launcher.ts). It only uses modules from perl-base (POSIX, Fcntl), which every Debian/Ubuntu
// system and macOS ship; JSON::PP is not in perl-base, hence the tab-separated protocol.
//
// Protocol, one line per message, fields separated by TAB; every text field escapes `\` as `\\`,
// TAB as `\t` and newline as `\n` (numbers and single letters are never escaped):
//
//   in   E  KEY VALUE ...                         replace the base environment
//        J  PATH                                  a file to fsync before starting processes (the
//                                                  run's journal: a step never starts before the
//                                                  line announcing it is on disk); once per batch
//        R  N CWD MODE STDOUT STDERR RECORD NENV KEY VALUE ... ARGV...
//                                                  start request N; MODE `a` appends to STDOUT, `w`
//                                                  truncates it; an empty STDERR shares STDOUT's file;
//                                                  a RECORD is completed with `,"pid":PID` (and
//                                                  `,"process_start":"START"`) and `}` and appended
//                                                  to the J file once the process exists, before S
//   out  S  N PID [START]                          started; PID is also its process group; START
//                                                  is field 22 of /proc/PID/stat where there is one
//        F  N MESSAGE                              could not be set up, no process (a D follows)
//        D  N x CODE  |  D N s SIGNAL             ended (exit code or signal number); one per R
//
// How it waits without ever hanging: SIGCHLD only wakes the select() loop through a self-pipe and
// every pass reaps with waitpid(WNOHANG). Perl delivers %SIG handlers between opcodes (deferred
// "safe" signals), so a SIGCHLD landing in the few instructions between the last reap and select()
// entering the kernel runs its handler only after select() returns: the self-pipe alone cannot close
// that window in pure Perl (an async handler could, but running Perl code inside a signal handler
// risks heap corruption). select() therefore also times out after BACKSTOP seconds while children
// run, which bounds that rare case to a short delay instead of a hang (and costs ~50 idle wake-ups a
// second only while steps run).
//
// The launcher runs in its own session (spawned detached), so a terminal's Ctrl-C reaches only Node,
// which stops the steps itself; no signal is ignored here, so children inherit default dispositions.
// It exits once stdin is closed and all its children have been reaped.
export const PERL_LAUNCHER_SCRIPT = String.raw`
use strict;
use warnings;
use POSIX ();
use Fcntl ();
use IO::Handle ();

my $BACKSTOP = 0.02;
my %request_of;
my $inbox = '';
my $eof = 0;
my $durable;
open(my $devnull, '<', '/dev/null') or die "conveyor launcher: cannot open /dev/null: $!\n";

pipe(my $wake_r, my $wake_w) or die "conveyor launcher: pipe: $!\n";
for my $fh ($wake_r, $wake_w) {
  my $flags = fcntl($fh, Fcntl::F_GETFL(), 0);
  fcntl($fh, Fcntl::F_SETFL(), $flags | Fcntl::O_NONBLOCK());
}
$SIG{CHLD} = sub { syswrite($wake_w, 'x') };

# Lines for Node are queued and sent once per loop pass (fewer writes, fewer wake-ups in Node), in
# chunks of whole lines of at most 512 bytes (PIPE_BUF on macOS): a pipe write that small is atomic,
# so it never interleaves with an F line a child writes to the same pipe.
my $outbox = '';
sub report { $outbox .= $_[0] }

sub flush_out {
  while (length $outbox) {
    my $cut = length($outbox) <= 512 ? -1 : rindex($outbox, "\n", 511);
    my $size = $cut >= 0 ? $cut + 1 : length $outbox;
    my $n = syswrite(STDOUT, $outbox, $size);
    if (!defined $n) { next if $!{EINTR}; exit 1 }
    substr($outbox, 0, $n, '');
  }
}

sub unescape {
  my ($s) = @_;
  $s =~ s/\\(.)/$1 eq 't' ? "\t" : $1 eq 'n' ? "\n" : $1/gse if index($s, '\\') >= 0;
  return $s;
}

sub escape {
  my ($s) = @_;
  $s =~ s/([\\\t\n])/$1 eq "\t" ? '\\t' : $1 eq "\n" ? '\\n' : '\\\\'/ge;
  return $s;
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    my $n = delete $request_of{$pid};
    next unless defined $n;
    report(($status & 127) ? "D $n s " . ($status & 127) . "\n" : "D $n x " . ($status >> 8) . "\n");
  }
}

# Runs in the forked child: its own process group, stdin/stdout/stderr, exec. Never returns. As
# little as possible happens here: a forked Perl copies each page it writes to, and the child's
# setup (directory, files, environment) cost more than the fork itself (~0.5 ms a step), so
# start() does it before the fork.
sub become {
  my ($o, $e, $argv) = @_;
  POSIX::setpgid(0, 0);
  POSIX::dup2(fileno($devnull), 0);
  POSIX::dup2(fileno($o), 1);
  POSIX::dup2(fileno($e), 2);
  # The other descriptors are close-on-exec (Perl opens them so).
  { no warnings 'exec'; exec { $argv->[0] } @$argv; }
  my $why = "$!";
  my $code = $! == POSIX::ENOENT() ? 127 : 126;
  syswrite(STDERR, "conveyor: cannot run $argv->[0]: $why\n");
  POSIX::_exit($code);
}

sub refuse {
  my ($n, $why) = @_;
  report("F $n " . escape(substr($why, 0, 200)) . "\n");
  report("D $n x 127\n");
}

# The step's directory is this process's own while it forks (every time: the same path may name a
# new directory by now); its files are opened here and its environment set here for the fork only.
sub start {
  my @f = split /\t/, $_[0], -1;
  my ($n, $cwd, $mode, $out, $err, $record, $count) = splice(@f, 1, 7);
  my %env = map { unescape($_) } splice(@f, 1, 2 * $count);
  my @argv = map { unescape($_) } @f[1 .. $#f];
  $cwd = unescape($cwd);
  chdir($cwd) or return refuse($n, "cannot change to directory $cwd: $!");
  $out = unescape($out);
  my $creat = Fcntl::O_WRONLY() | Fcntl::O_CREAT();
  sysopen(my $o, $out, $creat | ($mode eq 'a' ? Fcntl::O_APPEND() : Fcntl::O_TRUNC()), 0666)
    or return refuse($n, "cannot open $out: $!");
  my $e;
  if ($err eq '') {
    $e = $o;
  } else {
    $err = unescape($err);
    sysopen($e, $err, $creat | Fcntl::O_APPEND(), 0666) or return refuse($n, "cannot open $err: $!");
  }
  my $pid;
  {
    local @ENV{keys %env} = values %env;
    $pid = fork();
    become($o, $e, \@argv) if defined $pid && $pid == 0;
  }
  return refuse($n, "cannot fork: $!") unless defined $pid;
  # The child does this too; whichever runs first wins, and the group exists before Node learns
  # the pid, so an early kill(-pid) cannot miss it.
  POSIX::setpgid($pid, $pid);
  $request_of{$pid} = $n;
  my $since = start_time($pid);
  # Written here, not by Node once it hears of the start: a Node killed in between must still leave
  # the journal naming the process it left running.
  if ($record ne '' && $durable) {
    my $line = unescape($record) . ',"pid":' . $pid . (defined $since ? ',"process_start":"' . $since . '"' : '') . "}\n";
    syswrite($durable, $line);
  }
  report(defined $since ? "S $n $pid $since\n" : "S $n $pid\n");
}

# When the process started (clock ticks since boot), so that a later look can tell it from another
# process given the same pid. Read here, next to the fork, rather than by Node for every step.
sub start_time {
  open(my $fh, '<', "/proc/$_[0]/stat") or return undef;
  my $stat = <$fh>;
  close $fh;
  return undef unless defined $stat;
  # The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  my @f = split / /, substr($stat, rindex($stat, ')') + 2);
  return defined $f[19] && $f[19] =~ /^\d+$/ ? $f[19] : undef;
}

# One fsync for every start request read in one pass, before the first of them forks. A failure
# does not stop the steps (the run goes on as with a full disk; Node's own writes say so).
sub start_all {
  return unless @_;
  $durable->sync if $durable;
  start($_) for @_;
}

sub handle {
  my ($line) = @_;
  my $op = substr($line, 0, 1);
  if ($op eq 'J') {
    my $path = unescape(substr($line, 2));
    $durable = undef unless open($durable, '>>', $path);
  } elsif ($op eq 'E') {
    my @f = split /\t/, $line, -1;
    shift @f;
    %ENV = ();
    while (@f >= 2) { my ($k, $v) = splice(@f, 0, 2); $ENV{unescape($k)} = unescape($v) }
  }
}

while (1) {
  my $junk;
  1 while (sysread($wake_r, $junk, 512) // 0) > 0;
  reap();
  flush_out();
  last if $eof && !%request_of;
  my $rin = '';
  vec($rin, fileno($wake_r), 1) = 1;
  vec($rin, 0, 1) = 1 unless $eof;
  my $ready = select(my $rout = $rin, undef, undef, %request_of ? $BACKSTOP : undef);
  next if $ready <= 0 || $eof || !vec($rout, 0, 1);
  my $got = sysread(STDIN, $inbox, 65536, length $inbox);
  if (!defined $got) {
    next if $!{EINTR} || $!{EAGAIN};
    $eof = 1;
    next;
  }
  if ($got == 0) { $eof = 1; next }
  my @starts;
  while ((my $nl = index($inbox, "\n")) >= 0) {
    my $line = substr($inbox, 0, $nl + 1, '');
    chop $line;
    if (substr($line, 0, 1) eq 'R') {
      push @starts, $line;
      next;
    }
    # Other messages apply to the requests after them only.
    start_all(splice(@starts));
    handle($line);
  }
  start_all(@starts);
}
`;
